"""parse_page: trafilatura's tree, built with lxml's C-level element class lookup.

The fast parser must be a pure speed change: the same tree and the same article as
trafilatura's ``load_html`` on the repo's fixture pages and on the 181 corpus pages.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import lxml.html
import pytest
from hypothesis import example, given, reject, settings
from hypothesis import strategies as st
from lxml.html import HtmlElement
from trafilatura.utils import load_html, repair_faulty_html

import archive.extract.parse as parse
from archive.enums import FailureReason
from archive.errors import ExtractionError
from archive.extract import extract_article
from archive.extract.decode import decode_body
from archive.extract.parse import collapse_source_whitespace, parse_page, repair_decoded
from tests.shared_data import require_shared

PAGES = Path(__file__).resolve().parents[1] / "pages"


def _fixtures() -> list[Path]:
    return sorted(PAGES.glob("*.html"))


def _article_or_reason(body: bytes | str, url: str) -> object:
    try:
        return extract_article(body, url)
    except ExtractionError as exc:
        return exc.reason


@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: p.name)
def test_same_tree_as_trafilatura(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    ours, theirs = parse_page(text), load_html(text)
    assert ours is not None and theirs is not None
    assert lxml.html.tostring(ours) == lxml.html.tostring(theirs)


def test_every_element_is_a_plain_html_element() -> None:
    tree = parse_page(
        "<html><body><form><input name=q><select><option>a</option></select></form>"
        "<p>text</p></body></html>"
    )
    assert tree is not None
    assert {type(e) for e in tree.iter() if isinstance(e.tag, str)} == {HtmlElement}
    # trafilatura's own parser hands out form classes: the lookup really is a different one
    theirs = load_html("<html><body><form><input name=q></form><p>text</p></body></html>")
    assert theirs is not None
    assert type(theirs.find(".//input")) is not HtmlElement


def test_xml_declaration_with_encoding_parses_through_bytes() -> None:
    declaration = '<?xml version="1.0" encoding="utf-8"?>'
    text = declaration + "<html><body><p>caf\u00e9 au lait</p></body></html>"
    tree, theirs = parse_page(text), load_html(text)
    assert tree is not None and theirs is not None
    assert tree.text_content() == "caf\u00e9 au lait"
    assert lxml.html.tostring(tree) == lxml.html.tostring(theirs)


@pytest.mark.parametrize("text", ["", "just words, no markup at all", '{"json": true}'])
def test_not_a_document_gives_none_like_trafilatura(text: str) -> None:
    assert (parse_page(text) is None) == (load_html(text) is None)


def _compare_articles(
    items: list[tuple[bytes | str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = [_article_or_reason(body, url) for body, url in items]
    monkeypatch.setattr(parse, "parse_page", lambda text, decoded=False: load_html(text))
    theirs = [_article_or_reason(body, url) for body, url in items]
    assert ours == theirs


def test_same_articles_on_the_fixture_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    items: list[tuple[bytes | str, str]] = [
        (p.read_bytes(), f"https://news.example/{p.stem}") for p in _fixtures()
    ]
    _compare_articles(items, monkeypatch)


@pytest.mark.corpus
def test_same_articles_on_the_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    root = require_shared("article-extraction-benchmark")
    items: list[tuple[bytes | str, str]] = [
        (gzip.decompress(p.read_bytes()), f"https://news.example/{p.name.split('.')[0]}")
        for p in sorted((root / "html").glob("*.html.gz"))
    ]
    assert len(items) == 181
    _compare_articles(items, monkeypatch)


def test_source_whitespace_is_collapsed_outside_preformatted_elements() -> None:
    source = (
        "<html>\n  <head><title>A\n   title</title>\n"
        "<script>var a = 1;\n\n  var b = 2;</script>\n"
        "<STYLE>p {\n  color: red }</STYLE></head>\n"
        "<body>\n\t<p>one\n   two\tthree</p>\n"
        "<pre>  keep\n   this\n</pre>\n<textarea>a\n  b</textarea>\n"
        "<p>after</p>\n</body></html>"
    )
    collapsed = collapse_source_whitespace(source)
    assert "<title>A title</title>" in collapsed
    assert "<script>var a = 1;\n\n  var b = 2;</script>" in collapsed
    assert "<STYLE>p {\n  color: red }</STYLE>" in collapsed
    assert "<p>one two three</p>" in collapsed
    assert "<pre>  keep\n   this\n</pre>" in collapsed
    assert "<textarea>a\n  b</textarea>" in collapsed
    outside = re.sub(r"<(script|style|pre|textarea)>.*?</\1>", "", collapsed, flags=re.I | re.S)
    assert not re.search(r"[\t\n\r\f]", outside)


def test_a_reindented_page_parses_to_the_same_text() -> None:
    flat = "<html><body><article><p>One sentence. <b>Two</b> sentences.</p></article></body></html>"
    indented = (
        "<html>\n  <body>\n    <article>\n      <p>\n        One sentence.\n        <b>Two</b>\n"
        "        sentences.\n      </p>\n    </article>\n  </body>\n</html>"
    )
    texts = []
    for source in (flat, indented):
        tree = parse_page(collapse_source_whitespace(source))
        assert tree is not None
        texts.append(tree.text_content().strip())
    assert texts == ["One sentence. Two sentences."] * 2


def test_an_unclosed_plaintext_keeps_the_rest_of_the_page() -> None:
    source = "<html><body><p>a\n b</p><plaintext>x\n  y\n"
    assert collapse_source_whitespace(source) == "<html><body><p>a b</p><plaintext>x\n  y\n"


# The first implementation: one regular expression for the preformatted elements (a lazy scan
# to the end tag) and one for the whitespace.  The faster one must give the same source.
_REFERENCE_BLOCK = re.compile(
    r"<(pre|textarea|listing|xmp|script|style)\b.*?</\1\s*>|<plaintext\b.*", re.I | re.S
)
_REFERENCE_WHITESPACE = re.compile(r"[ \t\n\r\f]{2,}|[\t\n\r\f]")


def _reference_collapse(text: str) -> str:
    parts, position = [], 0
    for block in _REFERENCE_BLOCK.finditer(text):
        parts.append(_REFERENCE_WHITESPACE.sub(" ", text[position : block.start()]))
        parts.append(block.group(0))
        position = block.end()
    parts.append(_REFERENCE_WHITESPACE.sub(" ", text[position:]))
    return "".join(parts)


_PIECES = [
    *("<pre>", "</pre>", "</PRE >", "<pre-x>", "<prefix>", "<Script type=x>", "</script>"),
    *("</scripts>", "</script\n>", "<style", "</style>", "<textarea a=1>", "</textArea>"),
    *("<xmp>", "</xmp>", "<listing>", "</listing>", "<plaintext>", "<PLAINTEXT x>", "<p>"),
    *("</p>", "<", "/", ">", " ", "  ", "\n", "\t", "\r", "\f", "\xa0", "\u2003", "a", "é"),
    *("\u017f", "\u212a"),  # letters that fold to ASCII ones (never next to a tag name here)
]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
@example("<styleé</script\n></style>")  # a letter after the name: no element (Unicode \\b)
@example("<pre>a</pre\xa0>  b")  # any Unicode space before an end tag's ">"
@example("<script>a  b<SCRIPT>c  d</style>  <pre>e  f</pre>")  # unclosed twice, then closed
def test_source_whitespace_collapses_as_the_reference_does(source: str) -> None:
    assert collapse_source_whitespace(source) == _reference_collapse(source)


def test_source_whitespace_collapses_as_the_reference_does_on_the_corpus() -> None:
    root = require_shared("article-extraction-benchmark")
    pages = sorted((root / "html").glob("*.html.gz"))
    assert len(pages) == 181
    for page in pages:
        source = gzip.decompress(page.read_bytes()).decode("utf-8", "replace")
        assert collapse_source_whitespace(source) == _reference_collapse(source), page.name


def test_tag_names_are_case_insensitive_in_ascii_only() -> None:
    # As in HTML: <SCRIPT> is a script element, <ſcript> (a long s, which folds to "s" in
    # Unicode) is not.  The reference, matching names in Unicode, took it for one.
    assert collapse_source_whitespace("<SCRIPT>a  b</Script >") == "<SCRIPT>a  b</Script >"
    assert collapse_source_whitespace("<\u017fcript>a  b</\u017fcript>") == (
        "<\u017fcript>a b</\u017fcript>"
    )


# Pieces of pages that trafilatura's repair before parsing changes, or must not.
_REPAIRED = [
    "<!DOCTYPE html/>",
    "<!doctype html>",
    "< ! DOCTYPE html PUBLIC '-//W3C//DTD XHTML 1.0//EN' />",
    "<html/>",
    '<html lang="en" />',
    "<html>",
    "<pre>",
    "</pre>",
    "<p>",
    "text",
    " ",
    "\n",
    "\r\n",
    "\t",
    "\x0c",
    "\x0b",
    "\x01",
    "\x1f",
    "\x7f",
    "\ufffe",
    "\uffff",
    "\ufffd",
    "caf\u00e9",
]


@given(st.lists(st.sampled_from(_REPAIRED), max_size=12))
@example(["<!DOCTYPE html/>", "\n", "<html/>", "<p>", "text"])
@example(["<pre>", "\x0c", "</pre>", "<html/>"])
@example(["<html>", "\ufffe", "<p>", "\x0b", "text"])
@example(["\x0b"] * 4 + ["\ufffd"] * 8)  # mostly undecodable: decode_body refuses it
@settings(max_examples=300, deadline=None)
def test_repair_of_a_decoded_page_is_trafilaturas(pieces: list[str]) -> None:
    page = "<html><body>" + "".join(pieces) + "<p>words</p></body></html>"
    if pieces:  # the pieces also at the very start, where the doctype and <html/> repairs look
        page = "".join(pieces) + page
    for text in (page, collapse_source_whitespace(page)):
        try:
            decoded = decode_body(text)
        except ExtractionError as exc:  # mostly undecodable: refused before any repair
            assert exc.reason is FailureReason.BAD_ENCODING
            reject()
        beginning = decoded[:50].lower()
        assert repair_decoded(decoded, beginning) == repair_faulty_html(decoded, beginning)


@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: p.name)
def test_a_decoded_page_parses_to_the_same_tree(path: Path) -> None:
    text = collapse_source_whitespace(decode_body(path.read_bytes()))
    ours, plain = parse_page(text, decoded=True), parse_page(text)
    assert ours is not None and plain is not None
    assert lxml.html.tostring(ours) == lxml.html.tostring(plain)
