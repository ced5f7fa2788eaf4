"""The fast path's region and reasons on small pages, in process: a paragraph the page repeats
elsewhere widens the region to every copy (it used to leave the page without a fingerprint),
so an edit to any copy the extraction may have read is seen; each fallback names its reason.
Every "same" has its twin where something the extraction reads changed."""

from __future__ import annotations

import json
from copy import deepcopy
from html import escape
from pathlib import Path

from archive.errors import ExtractionError
from archive.extract.extractor import (
    _removals,
    extract_article,
    extract_with_fingerprint,
    fast_path_fallback_reason,
    page_metadata_evidence,
    read_page,
)
from archive.extract.fastpath import (
    ERROR,
    METADATA_CHANGED,
    NO_FINGERPRINT,
    NO_REGION,
    OTHER_EXTRACTOR,
    REGION_CHANGED,
    Locator,
    _locator,
    find_region,
    locator_of,
    page_fingerprint,
)
from archive.extract.parse import parse_body, parse_page
from archive.extract.version import extractor_version
from tests.pages import PARAGRAPHS

URL = "https://news.example/world/palmyra"
PAGES = Path(__file__).resolve().parents[1] / "pages"
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


def located(fingerprint: str, html: str) -> str:
    """The exact path (fp6's JSON locator) of the region ``fingerprint`` locates in ``html``."""
    locator, tree = locator_of(fingerprint), parse_page(html)
    assert locator is not None and tree is not None
    region = locator.locate(tree)
    assert region is not None
    return json.dumps(_locator(region), separators=(",", ":"))


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


STORY = f"{PARAGRAPHS[0]} {PARAGRAPHS[1]}"  # a one-paragraph story
CORRECTION = "Correction: an earlier version of this story gave the wrong date for the siege."


def quoted_page(n: int, *, text: str = STORY, extra: str = "") -> str:
    """A one-paragraph story whose paragraph holds an ad slot (which the extractor removes) and
    stands, clean, in a pull quote before the article; an empty block follows ``<main>``."""
    head, tail = text[:60], text[60:]
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Army retakes Palmyra | The Meridian</title></head><body>
<nav class="menu"><a href="/">Home</a> <span>Ad {n}</span></nav>
<div class="promo"><blockquote class="pull-quote"><p>{escape(STORY)}</p></blockquote></div>
<main><article class="story"><h1>Army retakes Palmyra after three-month siege</h1>
<div class="story-body"><p>{escape(head)} <span class="ad-slot">Advertisement</span>
{escape(tail)}</p></div></article></main>
<div class="article-extras"><p>{extra}</p></div>
<aside class="most-read"><ol><li>Story {n}</li></ol></aside></body></html>"""


def test_paragraphs_are_located_in_the_tree_the_extractor_reads() -> None:
    """The article's only paragraph holds an ad slot: as parsed, the paragraph's text is found
    only in the clean pull quote.  Located after the extractor's removal passes, the region is
    the article's own paragraph, so an edit to it is seen; the twin (chrome only) is not."""
    article, fingerprint = extract_with_fingerprint(quoted_page(1), URL)
    assert article.paragraphs == (STORY,)
    tree = parse_page(quoted_page(1))
    assert tree is not None
    locator = locator_of(fingerprint)
    assert locator is not None
    located = locator.locate(tree)
    assert located is not None and located.getparent().get("class") == "story-body"
    as_parsed = find_region(tree, (STORY,))  # what the locator used to be: the quote
    assert as_parsed is not None and as_parsed.getparent().get("class") == "pull-quote"
    assert fast_path_fallback_reason(quoted_page(2), URL, None, 200, fingerprint) is None
    edited = STORY.replace("Thursday", "Friday")
    assert extract_with_fingerprint(quoted_page(2, text=edited), URL)[0] != article
    reason = fast_path_fallback_reason(quoted_page(2, text=edited), URL, None, 200, fingerprint)
    assert reason == REGION_CHANGED


def test_text_written_into_an_empty_block_beside_a_body_level_region_is_seen() -> None:
    """The teaser lifts the region to ``<main>``, a child of ``<body>``; the empty block after
    it gets a correction: the text of the region's siblings is in the digest (navigation and
    asides aside, so the twin's chrome still takes the fast path)."""
    teased = page(1).replace("</main>", '</main><div class="article-extras"><p></p></div>')
    fingerprint = fingerprint_of(teased)
    assert located(fingerprint, teased) == '[["body","","",0],["main","","",0]]'

    def later(extra: str) -> str:
        block = f'</main><div class="article-extras"><p>{extra}</p></div>'
        return page(2).replace("</main>", block)

    assert fast_path_fallback_reason(later(""), URL, None, 200, fingerprint) is None
    assert fast_path_fallback_reason(later(CORRECTION), URL, None, 200, fingerprint) == (
        REGION_CHANGED
    )


def test_text_written_into_an_empty_block_beside_the_container_is_seen() -> None:
    """The region is inside ``<article>``; an empty block beside the ``<article>`` (within
    ``<main>``) gets a correction: seen; the twin with only chrome changed is not."""

    def beside(n: int, extra: str) -> str:
        block = f'</article><div class="article-extras"><p>{extra}</p></div>'
        alone = page(n, teaser="Also today: the markets.", last="Our reporter was in Homs.")
        return alone.replace("</article>", block)

    fingerprint = extract_with_fingerprint(beside(1, ""), URL)[1]
    assert fingerprint is not None and '["article","story","",0]' in located(
        fingerprint, beside(1, "")
    )
    assert fast_path_fallback_reason(beside(2, ""), URL, None, 200, fingerprint) is None
    assert fast_path_fallback_reason(beside(2, CORRECTION), URL, None, 200, fingerprint) == (
        REGION_CHANGED
    )


def test_a_region_that_widens_to_the_body_gives_no_fingerprint() -> None:
    """A paragraph the page repeats in a block directly in ``<body>`` widens the region to the
    whole ``<body>``, whose chrome would fail every check: no fingerprint is stored.  Its twin
    (the copy inside ``<main>``) keeps one."""
    outside = page(1).replace("<nav ", f'<div class="kicker"><p>{escape(SHORT)}</p></div><nav ')
    article, fingerprint = extract_with_fingerprint(outside, URL)
    assert SHORT in article.paragraphs
    tree = parse_page(outside)
    assert tree is not None and find_region(tree, article.paragraphs) is None
    assert fingerprint is None
    assert extract_with_fingerprint(page(1), URL)[1] is not None


def _counted(n: int, *, count: str, correction: str = "", name: str = "comment-count") -> str:
    """The teased page (its region ``<main>``, a child of ``<body>``) with a block after it
    named ``name`` saying ``count`` (and ``correction``, when given)."""
    block = f'</main><div class="{name}"><span>{count}</span><p>{correction}</p></div>'
    return page(n).replace("</main>", block)


def test_digits_in_a_block_named_as_chrome_beside_the_article_take_the_fast_path() -> None:
    """A comment count and a "minutes ago" beside the article change on every request: in a
    block named as chrome their digits are masked, so the page is decided fast."""
    for name in ("comment-count", "most-read", "ad-slot"):
        first = _counted(1, count="12 comments, 5 minutes ago", name=name)
        fingerprint = fingerprint_of(first)
        assert located(fingerprint, first) == '[["body","","",0],["main","","",0]]'
        later = _counted(2, count="4031 comments, 17 minutes ago", name=name)
        assert fast_path_fallback_reason(later, URL, None, 200, fingerprint) is None


def test_text_written_into_a_block_named_as_chrome_beside_the_article_is_seen() -> None:
    """The twin: a correction written into the same block, or words instead of the count,
    is a fallback (only the digits are masked)."""
    fingerprint = fingerprint_of(_counted(1, count="12 comments"))
    corrected = _counted(2, count="12 comments", correction=CORRECTION)
    assert fast_path_fallback_reason(corrected, URL, None, 200, fingerprint) == REGION_CHANGED
    worded = _counted(2, count="Comments are closed")
    assert fast_path_fallback_reason(worded, URL, None, 200, fingerprint) == REGION_CHANGED


def test_a_number_changed_in_a_block_beside_the_article_not_named_as_chrome_is_seen() -> None:
    """The twin: the same change of digits in a block whose name is not chrome's, or names
    content too, or holds a chrome word only as part of a word ("footnotes", "story-header"),
    is a fallback: "12 dead" becoming "13 dead" is an edit there."""
    for name in ("article-extras", "comment-count article-content", "footnotes", "story-header"):
        fingerprint = fingerprint_of(_counted(1, count="12 dead", name=name))
        later = _counted(2, count="13 dead", name=name)
        assert fast_path_fallback_reason(later, URL, None, 200, fingerprint) == REGION_CHANGED


def test_the_fingerprint_is_stored_compactly_and_an_fp6_one_is_never_read_as_it() -> None:
    """fp7 and fp8 (which binds the count of the description's printed copies): the digests
    in raw bytes and the locator's names hashed, about a quarter of fp6's size; an fp6
    fingerprint of the same page (its JSON locator and hex digests) is another format's: the
    page goes to the full extraction, which fingerprints it again."""
    fingerprint = fingerprint_of(page(1))
    assert fingerprint.startswith(f"fp8|{extractor_version()}|")
    assert len(fingerprint) < 120 and "story" not in fingerprint
    assert fast_path_fallback_reason(page(2), URL, None, 200, fingerprint) is None
    old = (
        f"fp6|{extractor_version()}|"
        '[["body","","",0],["main","","",0]]|' + "0" * 32 + "." + "0" * 32
    )
    assert fast_path_fallback_reason(page(2), URL, None, 200, old) == OTHER_EXTRACTOR
    assert locator_of(old) is None
    # a tag with no code of its own is written out: found again, and an edit under it is seen
    custom = {"<main>": "<x-story-shell>", "</main>": "</x-story-shell>"}

    def shelled(html: str) -> str:
        for a, b in custom.items():
            html = html.replace(a, b)
        return html

    shell = fingerprint_of(shelled(page(1)))
    assert located(shell, shelled(page(1))).startswith('[["body","","",0],["x-story-shell"')
    assert fast_path_fallback_reason(shelled(page(2)), URL, None, 200, shell) is None
    edited = shelled(page(2)).replace(PARAGRAPHS[1], PARAGRAPHS[1] + " Later, it rained.")
    assert fast_path_fallback_reason(edited, URL, None, 200, shell) == REGION_CHANGED
    # cut, padded or garbled: never a decision
    for broken in (fingerprint[:-8], fingerprint + "AAAA", fingerprint[:30], fingerprint + "!"):
        assert fast_path_fallback_reason(page(2), URL, None, 200, broken) in (ERROR, NO_REGION)


def test_a_names_hash_shared_with_a_sibling_locates_nothing_not_the_sibling() -> None:
    """Each step keeps a 4-byte hash of its class and id; the element found must have the
    exact path the fingerprint was taken on (the path's digest).  A step whose hash leads to a
    sibling (as two names sharing a hash would) gives no region; the true locator finds it."""
    tree = parse_page(page(1))
    assert tree is not None
    story = tree.find(".//article")
    assert story is not None
    locator = Locator.of(story)
    assert locator.locate(tree) is story
    # the <main>'s children: the teaser <div> before the article: make the last step hash to
    # the teaser's names and be a <div>, as a collision would
    teaser = story.getprevious()
    assert teaser is not None and teaser.get("class") == "teaser"
    collided = Locator.of(teaser)
    misled = Locator([*locator.steps[:-1], collided.steps[-1]], locator.path_digest)
    assert misled.locate(tree) is None
    assert collided.locate(tree) is teaser


def _fingerprint_the_long_way(html: str, url: str) -> str | None:
    """The fingerprint as it was taken before the extraction shared its work with it: the
    page parsed again, the removal passes run on a copy of the page as parsed, every
    metadata reader run again."""
    article = extract_article(html, url)
    tree = parse_body(html)
    assert tree is not None
    pristine = deepcopy(tree)
    notes = read_page(tree, url).history.notes
    again = parse_body(html)
    assert again is not None
    return page_fingerprint(
        pristine,
        tuple(p for p in article.paragraphs if p not in notes),
        url,
        200,
        page_metadata_evidence(again, url),
        lambda copy: _removals(copy, url),
    )


def test_the_extraction_takes_the_fingerprint_the_long_way_would() -> None:
    """The extraction's fingerprint shares its tree's first removal passes and what its
    metadata readers found (``_extract``): the same fingerprint as everything run again, on
    this file's pages and the extraction fixtures (some pages of which have none)."""
    pages = [page(1), page(2, teaser="Another teaser."), quoted_page(1), quoted_page(2)]
    pages += [p.read_text(encoding="utf-8") for p in sorted(PAGES.glob("extract-*.html"))]
    taken = 0
    for html in pages:
        try:
            _, fingerprint = extract_with_fingerprint(html, URL)
        except ExtractionError:
            continue
        assert fingerprint == _fingerprint_the_long_way(html, URL)
        taken += fingerprint is not None
    assert taken >= 6


_SUMMARY = "Emergency shelters opened as the river burst its banks after three days of rain."


def _related(promo: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:4])
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<title>River report - News</title><meta name="description" content="{_SUMMARY}">'
        '<meta property="article:published_time" content="2025-03-01T09:00:00Z"></head><body>'
        '<header><a href="/">News</a></header><main><article><h1>River report</h1>'
        f'<p class="standfirst">{_SUMMARY}</p>{body}</article></main>'
        '<div class="rail"><ul class="related-links">'
        f'<li><a href="/other">Other story</a><ul class="promo-links">{promo}</ul></li>'
        f"<li>{_SUMMARY}</li></ul></div><footer><p>About us</p></footer></body></html>"
    ).encode()


def test_a_copy_of_the_description_coming_to_be_printed_is_a_metadata_change() -> None:
    """A stray ``</li>`` in a list beside the article moves its last item, which reads the
    description, out of the related list: the page now prints the description twice, the
    standfirst's echo is kept and the article gains a paragraph, though the region and every
    other reading are the same.  The evidence binds the count of printed copies.  The twin:
    the list's links changing is the same article and the same evidence."""
    stored = _related('<li><a href="/p/1">Weather</a></li><li><a href="/p/2">Roads</a></li>')
    _, fingerprint = extract_with_fingerprint(stored, URL)
    rotated = _related('<li><a href="/p/3">Weather</a></li><li><a href="/p/4">Roads</a></li>')
    moved = _related('<li><a href="/p/5">Weather</a><li><a href="/p/6">Roads</a></li></li>')
    assert extract_article(rotated, URL).content_hash == extract_article(stored, URL).content_hash
    assert fast_path_fallback_reason(rotated, URL, None, 200, fingerprint) is None
    assert extract_article(moved, URL).content_hash != extract_article(stored, URL).content_hash
    assert fast_path_fallback_reason(moved, URL, None, 200, fingerprint) == "metadata_changed"
