"""page_author gives trafilatura's extract_author answer, on hand-made pages and the corpus."""

from __future__ import annotations

import gzip

import pytest
from lxml.html import HtmlElement
from trafilatura.metadata import extract_author

from archive.extract.author import page_author
from archive.extract.decode import decode_body
from archive.extract.parse import collapse_source_whitespace, parse_page
from tests.shared_data import require_shared


def _tree(html: str) -> HtmlElement:
    tree = parse_page(html)
    assert tree is not None
    return tree


PAGES = {
    "specific": (
        '<html><body><p>Story text.</p><span class="author-name">Jane Doe</span></body></html>'
    ),
    "author element": "<html><body><author>Jane Doe</author><p>Text.</p></body></html>",
    "generic id": '<html><body><div id="zuozhe">Li Wei</div></body></html>',
    "last resort": '<html><body><section class="Writer">Ann Lee</section></body></html>',
    "byline component": (
        '<html><body><em data-component="BylineBlock">By Ann Lee</em></body></html>'
    ),
    "in comments": (
        '<html><body><div class="comments"><span class="author">Troll Name</span></div>'
        '<div class="byline">Real Author</div></body></html>'
    ),
    "in a figure": (
        '<html><body><figure><span class="author">Photo Credit</span></figure>'
        '<p class="byline">Real Author</p></body></html>'
    ),
    # the <time> inside goes, its tail joins the text before it
    "time inside": (
        '<html><body><div class="author">Jane <time>5 May</time>Doe<span class="date">x</span>'
        " and Ann Lee</div></body></html>"
    ),
    "time first inside": (
        '<html><body><p class="byline"><time>5 May</time> by Jane Doe</p></body></html>'
    ),
    "too short first": (
        '<html><body><span class="author">Jo</span><span class="author">Jane Doe</span>'
        "</body></html>"
    ),
    "too long": '<html><body><span class="author">' + "word " * 40 + "</span></body></html>",
    "rel child": (
        '<html><body><div><rel>me</rel>Jane Doe</div><a rel="author">Ann Lee</a></body></html>'
    ),
    "none": "<html><body><p>Nothing here.</p></body></html>",
    "hidden": '<html><body><div class="is-hidden"><a class="author">Ghost</a></div></body></html>',
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_same_answer_as_trafilatura(name: str) -> None:
    tree = _tree(PAGES[name])
    assert page_author(tree) == extract_author(tree)


def test_finds_and_prunes_like_trafilatura() -> None:
    # twins: an author found, and one left out because it sits in a discarded block
    assert page_author(_tree(PAGES["specific"])) == "Jane Doe"
    assert page_author(_tree(PAGES["in comments"])) == "Real Author"
    assert page_author(_tree(PAGES["hidden"])) is None
    assert extract_author(_tree(PAGES["time inside"])) == page_author(_tree(PAGES["time inside"]))


def test_corpus_pages() -> None:
    root = require_shared("article-extraction-benchmark", "html")
    found = 0
    for path in sorted(root.glob("*.html.gz")):
        tree = parse_page(
            collapse_source_whitespace(decode_body(gzip.decompress(path.read_bytes())))
        )
        if tree is None:
            continue
        expected = extract_author(tree)
        assert page_author(tree) == expected, path.name
        found += expected is not None
    assert found > 50  # the comparison is not vacuous
