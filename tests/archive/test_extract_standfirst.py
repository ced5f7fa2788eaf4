"""A short article's standfirst and dateline stub must not come and go as the story grows."""

from __future__ import annotations

import pytest

from archive.extract import extract_article
from archive.extract.chrome import is_chrome

BODY = [
    "09:05 GMT - Pro-government outlets say the army has secured the citadel after a night of"
    " shelling on the western approaches.",
    "07:40 GMT - Good morning. Troops backed by jets are advancing on the city from the west.",
]
MORE = [
    "13:20 GMT - State television reports troops inside the western districts of the city; "
    "monitoring groups say the fighting goes on in the north.",
    "12:00 GMT - Engineers are clearing mines from the road into the old town, officials say.",
]


def page(paragraphs):
    items = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<html><head><title>Palmyra: live updates</title>
<meta name="description" content="The latest from the army's push on the desert city.">
</head><body><article><h1>Palmyra: live updates</h1>
<p class="standfirst">The latest from the army's push on the desert city.</p>
<p class="dateline">Published <time datetime="2017-03-01T07:40:00Z">7:40</time> ·
Updated <time datetime="2017-03-01T09:05:00Z">9:05</time></p>
<div class="body">{items}</div></article></body></html>"""


def test_dateline_remnants_are_chrome_but_sentences_are_not():
    for stub in ("Published · Updated", "Posted , updated", "First published / Last updated"):
        assert is_chrome(stub), stub
    assert not is_chrome("Published in 1919, the report was updated twice.")


def test_standfirst_and_dateline_never_enter_the_body():
    short = extract_article(page(BODY), "https://news.example/live", min_chars=50)
    longer = extract_article(page(MORE + BODY), "https://news.example/live", min_chars=50)
    for article in (short, longer):
        assert article.description == "The latest from the army's push on the desert city."
        assert all("desert city" not in p and "Published" not in p for p in article.paragraphs)
    assert longer.paragraphs[len(MORE) :] == short.paragraphs  # the story grew, nothing else


LEAD = "Countries and organisations invited to attend the security exhibition this spring."
LATER = [
    "Algeria, Argentina and Australia were among the first countries to confirm they would send"
    " delegations to the exhibition.",
    "The organisers said more than forty countries had been invited this year, ten more than at"
    " the previous exhibition.",
]


def summary_page(body: list[str], *, lead: bool = True) -> str:
    """A page that prints its summary (the description) above the metadata, as GOV.UK does,
    and the body apart from it."""
    items = "".join(f"<p>{p}</p>" for p in body)
    shown = f'<p class="lead-paragraph">{LEAD}</p>' if lead else ""
    return f"""<html><head><title>Security exhibition 2022</title>
<meta name="description" content="{LEAD}"></head><body><main>
<div class="title"><h1>Security exhibition 2022</h1>{shown}</div>
<dl class="metadata"><dt>From:</dt><dd><a href="/org">Home Office</a></dd>
<dt>Published</dt><dd>14 March 2022</dd></dl>
<div class="body"><div class="text">{items}</div></div></main></body></html>"""


def test_a_body_paragraph_rewritten_to_read_as_the_summary_stays_in_the_body():
    """The page prints its summary, then opens the body with the same words: that copy is a
    paragraph of the article, which changed from what it said before, not one removed."""
    from archive.diff import compare

    url = "https://gov.example/news/security-exhibition"
    first = "Countries and organisations invited by the trade department to attend include:"
    before = extract_article(summary_page([first, *LATER]), url, min_chars=50)
    after = extract_article(summary_page([LEAD, *LATER]), url, min_chars=50)
    assert before.description == after.description == LEAD
    assert before.paragraphs == (first, *LATER)
    assert after.paragraphs == (LEAD, *LATER)
    kinds = compare(before, after).kinds()
    assert kinds == {"paragraph_changed": 1}, kinds


def test_twin_a_body_that_opens_with_the_summary_printed_once_reports_it_as_the_description():
    """No summary printed above: the body's opening is the description, reported once."""
    url = "https://gov.example/news/security-exhibition"
    article = extract_article(summary_page([LEAD, *LATER], lead=False), url, min_chars=50)
    assert article.description == LEAD
    assert article.paragraphs == tuple(LATER)


# A news page whose standfirst (its description) a "most read" box in the page's chrome may
# also print, as the teaser of this very story, and rotate out on the next request.
STANDFIRST = (
    "The tidal barrier will close at every high tide from June while its gates are replaced."
)
STORY = [
    "The Wexmouth tidal barrier, which guards the estuary villages against surge tides, is to"
    " close at every high tide from the first week of June, the river authority said on Monday.",
    "Engineers will lift out the four steel gates one at a time and fit new ones made in a yard"
    " upriver, work the authority expects to last until the end of the autumn.",
    "Boat owners moored above the barrier will be able to pass only in a two-hour window around"
    " low water, and the harbour master has asked them to plan their trips a week ahead.",
]
TEASERS = [
    (
        "/news/ferry-fares",
        "Ferry fares to rise in spring",
        "The island service says fuel and"
        " crew costs have gone up faster than expected since last year.",
    ),
    (
        "/news/library-hours",
        "Library to open on Sundays",
        "Volunteers will staff the reading room on Sunday afternoons during a six-month trial.",
    ),
    (
        "/news/school-roof",
        "School roof repairs finished early",
        "Pupils return to the upper classrooms a fortnight before the date the council first set.",
    ),
    (
        "/news/market-square",
        "Market square plans go on show",
        "Residents can see the drawings for the new square in the town hall foyer until Friday.",
    ),
    (
        "/news/bus-route",
        "New bus route links the hospitals",
        "The hourly service runs from the"
        " general hospital to the eye clinic by way of the station.",
    ),
    (
        "/news/harbour-dredge",
        "Harbour dredging starts next month",
        "A dredger will work the main channel at night so that fishing boats can use it by day.",
    ),
    (
        "/news/cycle-lane",
        "Cycle lane on the coast road opens",
        "The two-mile lane runs from the pier to the golf club, kept apart from traffic by kerbs.",
    ),
]
BARRIER = "https://courier.example/news/tidal-barrier"


def _teasers(shape: str, listed: bool, standfirst: str) -> str:
    """The most-read box in one of the shapes sites give it, listing the story or not."""
    items = list(TEASERS)
    if listed:
        items.insert(2, ("/news/tidal-barrier", "Tidal barrier to close at high tide", standfirst))
    if shape == "aside":  # an aside named as such, items a link and a summary
        lis = "".join(f'<li><a href="{h}"><h3>{t}</h3></a><p>{s}</p></li>' for h, t, s in items)
        return f'<aside class="most-read"><h2>Most read</h2><ol>{lis}</ol></aside>'
    if shape == "link-list":  # an unnamed column: a list whose every item holds a link
        lis = "".join(f'<li><a href="{h}">{t}</a><p>{s}</p></li>' for h, t, s in items)
        return f'<div class="column-b"><h2>Most read</h2><ul>{lis}</ul></div>'
    if shape == "slot":  # one story in an aside of inline text, in a plain grid <div>
        href, _, summary = items[2]
        return f'<div class="col-md-4"><aside><a href="{href}">{summary}</a></aside></div>'
    # cards: each a link around its heading and summary
    cards = "".join(
        f'<div class="card"><a href="{h}"><h3>{t}</h3><p>{s}</p></a></div>' for h, t, s in items
    )
    return f'<div class="column-b"><h2>Trending</h2>{cards}</div>'


def barrier_page(
    shape: str, *, listed: bool, standfirst: str = STANDFIRST, story: list[str] = STORY
) -> str:
    body = "".join(f"<p>{p}</p>" for p in story)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Tidal barrier to close at high tide - Wexmouth Courier</title>
<meta property="og:site_name" content="Wexmouth Courier">
<meta name="description" content="{standfirst}"></head><body>
<header><a href="/">Wexmouth Courier</a><nav><ul><li><a href="/news">News</a></li>
<li><a href="/sport">Sport</a></li></ul></nav></header>
<main><article><h1>Tidal barrier to close at high tide</h1>
<p class="standfirst">{standfirst}</p><p class="byline">By Ellen Marsh</p>
<div class="body">{body}</div></article></main>
{_teasers(shape, listed, standfirst)}
<footer><p>Wexmouth Courier, 4 Quay Lane</p></footer></body></html>"""


SHAPES = ("aside", "link-list", "cards", "slot")


@pytest.mark.parametrize("shape", SHAPES)
def test_a_most_read_box_rotating_the_story_in_and_out_is_no_edit(shape: str) -> None:
    """The box's teaser of this story prints the standfirst once more: not the article's copy,
    so the story in the box or out of it gives the same article (no version, no edit)."""
    listed = extract_article(barrier_page(shape, listed=True), BARRIER)
    unlisted = extract_article(barrier_page(shape, listed=False), BARRIER)
    assert listed.description == unlisted.description == STANDFIRST
    assert listed.paragraphs == unlisted.paragraphs == tuple(STORY)
    assert listed.content_hash == unlisted.content_hash


@pytest.mark.parametrize("shape", SHAPES)
def test_twin_a_rewritten_standfirst_is_an_edit_whether_or_not_the_box_lists_the_story(
    shape: str,
) -> None:
    """The standfirst itself rewritten: a new version with a description edit, the body as it
    was, whatever the box shows."""
    from archive.diff import compare

    rewritten = "The tidal barrier will close at every high tide from July, a month later."
    before = extract_article(barrier_page(shape, listed=True), BARRIER)
    for listed in (True, False):
        after = extract_article(barrier_page(shape, listed=listed, standfirst=rewritten), BARRIER)
        assert after.description == rewritten
        assert after.paragraphs == tuple(STORY)
        assert after.content_hash != before.content_hash
        assert compare(before, after).kinds() == {"description": 1}


@pytest.mark.parametrize("shape", SHAPES)
def test_twin_a_body_paragraph_reading_as_the_standfirst_stays_with_the_story_listed(
    shape: str,
) -> None:
    """The body opening rewritten to read as the standfirst printed above it: a paragraph of
    the article, with or without the box's teaser (not the standfirst, dropped as the
    description's echo)."""
    for listed in (True, False):
        page = barrier_page(shape, listed=listed, story=[STANDFIRST, *STORY[1:]])
        after = extract_article(page, BARRIER)
        assert after.description == STANDFIRST
        assert after.paragraphs == (STANDFIRST, *STORY[1:])
