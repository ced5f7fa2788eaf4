"""The fast path's region and reasons on small pages, in process: a paragraph the page repeats
elsewhere widens the region to every copy (it used to leave the page without a fingerprint),
so an edit to any copy the extraction may have read is seen; each fallback names its reason.
Every "same" has its twin where something the extraction reads changed."""

from __future__ import annotations

from html import escape

from archive.extract.extractor import (
    extract_with_fingerprint,
    fast_path_fallback_reason,
)
from archive.extract.fastpath import (
    METADATA_CHANGED,
    NO_FINGERPRINT,
    REGION_CHANGED,
    find_region,
)
from archive.extract.parse import parse_page
from tests.pages import PARAGRAPHS

URL = "https://news.example/world/palmyra"
SHORT = "Read the full report in our archive."


def page(n: int, *, teaser: str = PARAGRAPHS[0], last: str = SHORT, meta: str = "") -> str:
    """An article whose first paragraph is repeated as a teaser in a box before it and whose
    last line also stands in a box after it; the chrome (an ad, a most-read list, a token)
    changes with ``n``."""
    body = "\n".join(f"<p>{escape(p)}</p>" for p in PARAGRAPHS)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Army retakes Palmyra | The Meridian</title>{meta}
<meta name="csrf-token" content="t{n}"></head><body>
<nav class="menu"><a href="/">Home</a> <span class="ad">Ad {n}</span></nav>
<main><div class="teaser"><p>{escape(teaser)}</p></div>
<article class="story"><h1>Army retakes Palmyra after three-month siege</h1>
<div class="story-body">{body}<p>{escape(last)}</p></div></article>
<div class="share"><p>{escape(SHORT)}</p></div></main>
<aside class="most-read"><ol><li>Story {n}</li></ol></aside>
<footer class="site-footer"><p>&copy; The Meridian</p></footer>
</body></html>"""


def fingerprint_of(html: str) -> str:
    article, fingerprint = extract_with_fingerprint(html, URL)
    assert PARAGRAPHS[0] in article.paragraphs and SHORT in article.paragraphs
    assert fingerprint is not None  # repeated paragraphs no longer leave it without one
    return fingerprint


def test_repeated_paragraphs_still_give_a_fingerprint_and_chrome_takes_the_fast_path() -> None:
    fingerprint = fingerprint_of(page(1))
    assert fast_path_fallback_reason(page(2), URL, None, 200, fingerprint) is None


def test_an_edit_to_a_repeated_paragraph_is_seen_in_every_copy_the_extraction_may_read() -> None:
    """The teaser repeats the first paragraph and the box after the article its last line:
    both are inside the region, so editing the teaser alone (a copy the extraction could have
    read) or the article's own last line is a fallback."""
    fingerprint = fingerprint_of(page(1))
    edited = PARAGRAPHS[0].replace("Thursday", "Friday")
    assert edited != PARAGRAPHS[0]
    assert fast_path_fallback_reason(page(2, teaser=edited), URL, None, 200, fingerprint) == (
        REGION_CHANGED
    )
    changed = extract_with_fingerprint(page(2, last="Read the full report on our site."), URL)
    assert changed[0].content_hash != extract_with_fingerprint(page(2), URL)[0].content_hash
    reason = fast_path_fallback_reason(
        page(2, last="Read the full report on our site."), URL, None, 200, fingerprint
    )
    assert reason == REGION_CHANGED


def test_each_fallback_names_its_reason() -> None:
    fingerprint = fingerprint_of(page(1))
    assert fast_path_fallback_reason(page(2), URL, None, 200, None) == NO_FINGERPRINT
    described = page(2, meta='<meta name="description" content="Troops hold the city.">')
    assert fast_path_fallback_reason(described, URL, None, 200, fingerprint) == METADATA_CHANGED


def test_the_region_holds_a_copy_before_the_others_whatever_order_the_extraction_gives() -> None:
    """Paragraphs read as (A, B) while a copy of B stands before A: the extraction may have
    read that copy (it does not always give the page's order), so the region holds it too;
    with no copy elsewhere, the region is the article's own block."""
    a, b = PARAGRAPHS[0], PARAGRAPHS[1]
    tree = parse_page(
        f'<html><body><main><div id="promo"><p>{b}</p></div>'
        f'<div id="story"><p>{a}</p><p>{b}</p></div></main></body></html>'
    )
    assert tree is not None
    region = find_region(tree, (a, b))
    assert region is not None and region.tag == "main"
    alone = parse_page(
        f'<html><body><main><div id="promo"><p>{PARAGRAPHS[2]}</p></div>'
        f'<div id="story"><p>{a}</p><p>{b}</p></div></main></body></html>'
    )
    assert alone is not None
    region = find_region(alone, (a, b))
    assert region is not None and region.get("id") == "story"
