"""Tier 0's token probe read from the marked page's ``cleared`` point
(:func:`.template_learn._removals_blind`): when every value the probe puts in is where the
in-article chrome's removal reads and moves nothing (:func:`.inline_chrome.reads`), the
probe's copy is taken after that removal ran once on the marked page, and the readers give
what they give on a copy read from the start.  Each case is learned both ways (the long way
forced) and must give the same template or the same reason, as must the first corpus pages;
the twins: a hole a reader reads is still refused the short way, and a hole inside what the
removal reads still takes the long way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from lxml.html import HtmlElement, document_fromstring

from archive.errors import ExtractionError
from archive.extract import DEFAULT_MIN_CHARS, template_learn
from archive.extract.extractor import extract_with_fingerprint
from archive.extract.inline_chrome import reads
from archive.extract.template import is_unlearnable
from archive.extract.template_learn import learn_with_fingerprint
from bench.cycle import REQUEST_TOKENS, load_corpus, make_page, page_path
from bench.templates import BASE_URL, HTML
from tests.archive.river_template import DATED
from tests.archive.river_template import checked as _check
from tests.archive.river_template import learned as _learn
from tests.archive.river_template import page as _river_page
from tests.pages import PARAGRAPHS
from tests.shared_data import require_shared

# an in-article box the removal drops (a sign-up form beside a paragraph of the story)
_BOX = (
    '<div class="newsletter"><p>Get the briefing</p>'
    '<form><input type="email" name="e"><button>Sign up</button></form></div>'
)


def _page(head: str, after: str, last: str = PARAGRAPHS[-1]) -> bytes:
    return _river_page(head, after, last, top=_BOX)


_SCRIPT = '<script>window.requestId = "{}";</script>'
_CSRF = '<meta name="csrf-token" content="{}">'
_STAMPED = '<meta name="csrf-token" content="{} 09:30:00">'
_ASSET = '<link rel="stylesheet" href="/site.css?v={}">'
_COUNT = '<p class="comments-meta"><b>{}</b> comments</p>'

# (head, after the article, whether the short way applies, three values of the hole)
_CASES = [
    (DATED + _CSRF, "", True, ("a8f3k2", "q7x1m9", "m2k8w1")),
    (DATED + _ASSET, _SCRIPT, True, ("a8f3k2", "q7x1m9", "m2k8w1")),
    (DATED, _SCRIPT, True, ("a8f3k2", "q7x1m9", "m2k8w1")),
    # a request token before a time: htmldate reads it as a timestamp (refused either way)
    (_STAMPED, "", True, ("a8f3k2", "q7x1m9", "m2k8w1")),
    # a count in a paragraph: its text is what the removal reads, the long way
    (DATED, _COUNT, False, ("12", "17", "25")),
    ("", _COUNT, False, ("12", "17", "25")),
]


def _both_ways(old: bytes, new: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str, int]:
    return _both_ways_with(lambda: _learn(old, new), monkeypatch)


def _both_ways_with(
    learn: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str, int]:
    """The template ``learn`` learns as it is, the template learned with the probe's copy read
    from the start, and how many times the copy was taken at the cleared point."""
    taken = 0
    blind = template_learn._removals_blind

    def spy(*args: Any) -> bool:
        nonlocal taken
        found = blind(*args)
        taken += found
        return found

    monkeypatch.setattr(template_learn, "_removals_blind", spy)
    short = learn()
    monkeypatch.setattr(template_learn, "_removals_blind", lambda *args: False)
    long = learn()
    monkeypatch.setattr(template_learn, "_removals_blind", blind)
    return short, long, taken


@pytest.mark.parametrize(("head", "after", "short", "values"), _CASES)
def test_the_probe_read_from_the_cleared_point_learns_what_the_long_way_learns(
    head: str, after: str, short: bool, values: tuple[str, str, str], monkeypatch
) -> None:
    def page(value: str, last: str = PARAGRAPHS[-1]) -> bytes:
        return _page(head.format(value), after.format(value), last)

    old, new, later = values
    learned, long, taken = _both_ways(page(old), page(new), monkeypatch)
    assert learned == long
    assert taken == (1 if short else 0)
    if is_unlearnable(learned):
        return
    assert _check(page(later), learned) is None
    assert _check(page(later, last="An edited last paragraph."), learned) is not None


def test_a_hole_a_reader_reads_is_refused_the_short_way_and_its_twin_is_kept(monkeypatch):
    def page(value: str, dated: bool) -> bytes:
        return _page((DATED if dated else "") + _STAMPED.format(value), "")

    refused, long, taken = _both_ways(page("a8f3k2", False), page("q7x1m9", False), monkeypatch)
    assert taken == 1 and refused == long and refused.endswith("|token_probe_read")
    kept, long, taken = _both_ways(page("a8f3k2", True), page("q7x1m9", True), monkeypatch)
    assert taken == 1 and kept == long and not is_unlearnable(kept)


def _element(html: str, tag: str) -> HtmlElement:
    return next(document_fromstring(f"<html>{html}</html>").iter(tag))


@pytest.mark.parametrize(
    ("html", "tag", "where", "read"),
    [
        # attributes: the names the removal reads, a link's href, a field's type
        ('<body><div class="x">a</div></body>', "div", "class", True),
        ('<body><div id="x">a</div></body>', "div", "id", True),
        ('<body><div data-adslot="x">a</div></body>', "div", "data-adslot", True),
        ('<body><p><a href="/x">a</a></p></body>', "a", "href", True),
        ('<body><form><input type="text"></form></body>', "input", "type", True),
        ('<body><div data-n="3">a</div></body>', "div", "data-n", False),
        ('<body><form><input type="hidden" value="x"></form></body>', "input", "value", False),
        ('<head><link rel="stylesheet" href="/a.css"></head>', "link", "href", False),
        ('<body><script src="/a.js"></script></body>', "script", "src", False),
        # texts: a script's or a style's standing in <head>, <body>, <main> alone
        ("<body><script>x=1</script></body>", "script", "", False),
        ("<body><main><style>p{}</style></main></body>", "style", "", False),
        ("<head><script>x=1</script></head>", "script", "", False),
        ("<body><div><script>x=1</script></div></body>", "script", "", True),
        ("<body><p>a<b>3</b></p></body>", "b", "", True),
        ("<body><main>a<p>b</p></main></body>", "main", "", False),
        # tails: of such an element only (a removed box's tail is moved)
        ("<body><script>x=1</script>3 comments</body>", "script", None, False),
        ("<body><div>a</div>3 comments</body>", "div", None, True),
    ],
)
def test_what_the_in_article_chrome_removal_reads(
    html: str, tag: str, where: str | None, read: bool
) -> None:
    assert reads(_element(html, tag), where) is read


def test_corpus_pages_learn_the_same_templates_both_ways(monkeypatch) -> None:
    """The first corpus pages as ``bench.templates`` learns them (a page and its copy under
    other request chrome): the same template or reason both ways.  (None takes the short way:
    each has a block hole in its request chrome, and the probe's copy, with every block hole
    emptied, is read in full: the in-article chrome's removal may read any element's text.)"""
    require_shared("article-extraction-benchmark", "html")
    corpus = load_corpus()[:12]
    for i, raw in enumerate(corpus):
        old, new = (make_page(raw, i, BASE_URL, chrome=token) for token in REQUEST_TOKENS[:2])
        url = BASE_URL + page_path(i)
        try:
            article, fingerprint = extract_with_fingerprint(new, url, content_type=HTML)
        except ExtractionError:
            continue

        learned = partial(
            learn_with_fingerprint,
            old,
            new,
            HTML,
            fingerprint,
            url=url,
            min_chars=DEFAULT_MIN_CHARS,
            article_hash=article.content_hash,
        )
        short, long, _ = _both_ways_with(learned, monkeypatch)
        assert short == long, i
