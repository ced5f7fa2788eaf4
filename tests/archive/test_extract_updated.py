"""Which modification time a page states when its sources disagree: the latest wins.

A CMS moves the update time where its template writes it and leaves the other places stale, so
each source is changed alone here and must move ``updated_at`` on its own; and a page whose
sources did not move keeps its time (the twin).  See docs/design.md.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml.html import document_fromstring

from archive.diff import compare
from archive.extract import extract_article
from archive.extract.head import read_head
from archive.extract.timestamps import (
    find_published,
    find_updated,
    in_update_line,
    update_lines,
    visible_update_day,
)

BEFORE = "2024-03-05T10:45:00+00:00"
LATER = "2024-03-06T08:15:00+00:00"
PUBLISHED = "2024-03-04T09:00:00+00:00"


def _sources(**later: bool) -> tuple[str, str]:
    """Head and body stating BEFORE everywhere, except the sources named, which say LATER."""

    def when(name: str) -> str:
        return LATER if later.get(name) else BEFORE

    day = "6 March 2024" if later.get("visible") else "5 March 2024"
    head = (
        f'<meta property="article:published_time" content="{PUBLISHED}">'
        f'<meta property="article:modified_time" content="{when("meta")}">'
        f'<meta property="og:updated_time" content="{when("og")}">'
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        f'"datePublished": "{PUBLISHED}", "dateModified": "{when("jsonld")}"}}</script>'
    )
    body = (
        "<article><h1>Headline</h1>"
        f'<span itemprop="dateModified" content="{when("itemprop")}"></span>'
        f'<time class="updated" datetime="{when("time")}">changed</time>'
        f'<p class="dateline">Updated {day}</p><p>Text.</p></article>'
    )
    return head, body


def _updated(head_html: str, body_html: str) -> datetime | None:
    tree = document_fromstring(f"<html><head>{head_html}</head><body>{body_html}</body></html>")
    head = read_head(tree)
    return find_updated(tree, head, find_published(tree, head, None))


def test_every_source_agreeing_gives_their_time() -> None:
    assert _updated(*_sources()) == datetime(2024, 3, 5, 10, 45, tzinfo=UTC)


@pytest.mark.parametrize("source", ["meta", "og", "jsonld", "itemprop", "time"])
def test_each_source_moving_alone_moves_the_update_time(source: str) -> None:
    assert _updated(*_sources(**{source: True})) == datetime(2024, 3, 6, 8, 15, tzinfo=UTC)


def test_a_visible_update_day_alone_moves_it_to_that_day() -> None:
    assert _updated(*_sources(visible=True)) == datetime(2024, 3, 6, tzinfo=UTC)


def test_a_visible_day_does_not_override_a_time_on_the_same_day() -> None:
    head, body = _sources(meta=True)  # the meta says 6 March 08:15; the line 5 March
    assert _updated(head, body.replace("5 March 2024", "6 March 2024")) == datetime(
        2024, 3, 6, 8, 15, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("line", "day"),
    [
        ("Updated 7 May 2019", datetime(2019, 5, 7, tzinfo=UTC)),
        ("Last updated: May 7, 2019 10:02 am", datetime(2019, 5, 7, tzinfo=UTC)),
        ("Updated on 2019-05-07", datetime(2019, 5, 7, tzinfo=UTC)),
        ("Modified 7th Sept. 2019", datetime(2019, 9, 7, tzinfo=UTC)),
        ("Updated 31 February 2019", None),  # no such day
        ("Updated 5 minutes ago", None),
        ("Updated figures on 7 May 2019 showed the council had overspent", None),
    ],
)
def test_visible_update_lines(line: str, day: datetime | None) -> None:
    tree = document_fromstring(f"<html><body><div><span>{line}</span></div></body></html>")
    assert visible_update_day(tree) == day


@pytest.mark.parametrize(
    ("body", "day"),
    [
        # the body's text is checked for the words first (lowercased): any case still matches
        ("<p>UpDaTeD 7 May 2019</p>", datetime(2019, 5, 7, tzinfo=UTC)),
        ("<p>MODIFIED 7 May 2019</p>", datetime(2019, 5, 7, tzinfo=UTC)),
        # the words in a script only: found by that check, not a visible line
        ('<script>var s = "Updated 7 May 2019";</script><p>Text.</p>', None),
        ("<p>Published 7 May 2019</p>", None),  # neither word anywhere
    ],
)
def test_visible_update_lines_in_any_case(body: str, day: datetime | None) -> None:
    tree = document_fromstring(f"<html><body>{body}</body></html>")
    assert visible_update_day(tree) == day


@pytest.mark.parametrize(
    "body",
    [
        "<div><p>Updated <b>7</b> May</p><p>Other <i>text</i></p></div>",
        "<div>Last <span>x</span> uPdAtEd: <em>today</em></div><p>MODIFIED</p>",
        # split across text nodes: no node says it
        "<p>Upd<b></b>ated <i>7</i></p><p>modi<!-- c -->fied</p>",
        # a tail says it: the parent is the line
        "<div><span>7</span> updated <i>x</i></div>",
        # under a nav, an aside or a footer (even deep), or in a script: no line; the nav
        # itself may be one
        "<nav>Updated <ul><li><a>Modified 3</a></li></ul></nav><aside><p>updated</p></aside>"
        "<footer><div><span>modified <b>2</b></span></div></footer>",
        "<script>updated</script><noscript><p>x</p>updated</noscript><style>modified</style>",
        "<section><aside><div><nav><p>updated <b>1</b></p></nav></div></aside></section>",
        # letters folded by no translate: no line
        "<p>UPDATED \u0130 <b>1</b></p><p>\u212aupdated</p>",
    ],
)
def test_in_update_line_agrees_with_update_lines(body: str) -> None:
    """:func:`in_update_line` (walked up from an element) says what testing the element and
    its ancestors against :func:`update_lines` (the whole page's XPath) says, for each
    element of the page."""
    tree = document_fromstring(
        f"<html><head><title>updated</title></head><body>{body}</body></html>"
    )
    lines = update_lines(tree)
    for element in tree.iter():
        if isinstance(element.tag, str):
            inside = any(e is line for e in (element, *element.iterancestors()) for line in lines)
            assert in_update_line(element) is inside, element.tag


def test_a_visible_line_in_navigation_is_not_the_page_s() -> None:
    tree = document_fromstring(
        "<html><body><aside><p>Updated 9 May 2030</p></aside><p>Text.</p></body></html>"
    )
    assert visible_update_day(tree) is None


_BODY = "".join(
    f"<p>Paragraph {n} of the story, long enough to be the article that trafilatura keeps "
    f"when it reads this page about the harbour works.</p>"
    for n in range(1, 5)
)


def _page(extra_head: str, shown_day: str) -> str:
    return (
        "<html><head><title>Harbour works to start in spring</title>"
        f'<meta property="article:published_time" content="{PUBLISHED}">{extra_head}</head>'
        "<body><article><h1>Harbour works to start in spring</h1>"
        f'<p class="dateline">Updated {shown_day}</p>{_BODY}</article></body></html>'
    )


def test_a_meta_added_while_the_visible_date_stays_is_an_update() -> None:
    old = extract_article(_page("", "5 March 2024"), "https://news.example/harbour")
    new = extract_article(
        _page(f'<meta property="article:modified_time" content="{LATER}">', "5 March 2024"),
        "https://news.example/harbour",
    )
    assert old.updated_at == datetime(2024, 3, 5, tzinfo=UTC)
    assert new.updated_at == datetime(2024, 3, 6, 8, 15, tzinfo=UTC)
    assert compare(old, new).kinds() == {"updated": 1}
    # twin: the same page fetched again is the same article
    again = extract_article(_page("", "5 March 2024"), "https://news.example/harbour")
    assert again.content_hash == old.content_hash


def _blog_page(modified: str, *, extra_time: str = "") -> str:
    """A blog post whose theme prints its publication time on one <time> marked "published
    updated" (hAtom, as themes do for a post they think unmodified), later than the
    modification time its head states (a modification stamp older than the publication)."""
    return (
        "<html><head><title>Ferry timetable changes for winter</title>"
        '<meta property="article:published_time" content="2024-03-08T07:30:00+00:00">'
        f'<meta property="article:modified_time" content="{modified}">'
        '<script type="application/ld+json">{"@type": "BlogPosting", '
        f'"datePublished": "2024-03-08T07:30:00+00:00", "dateModified": "{modified}"}}</script>'
        "</head><body><article><h1>Ferry timetable changes for winter</h1>"
        '<div class="entry-meta"><span class="posted-on"><a href="/ferry">'
        '<time class="entry-date published updated" datetime="2024-03-08T07:30:00+00:00">'
        f"08/03/2024</time>{extra_time}</a></span></div>{_BODY}</article></body></html>"
    )


def test_a_time_marked_published_and_updated_does_not_hide_a_moved_modification() -> None:
    url = "https://news.example/ferry"
    old = extract_article(_blog_page(BEFORE), url)
    new = extract_article(_blog_page(LATER), url)
    assert old.updated_at == datetime(2024, 3, 5, 10, 45, tzinfo=UTC)
    assert new.updated_at == datetime(2024, 3, 6, 8, 15, tzinfo=UTC)
    assert compare(old, new).kinds() == {"updated": 1}
    # twin: nothing moved, nothing changed
    assert extract_article(_blog_page(BEFORE), url).content_hash == old.content_hash


def test_a_time_marked_published_and_updated_counts_when_nothing_else_states_one() -> None:
    body = (
        '<article><time class="entry-date published updated" '
        'datetime="2024-03-08T07:30:00+00:00">8 March</time><p>Text.</p></article>'
    )
    assert _updated("", body) == datetime(2024, 3, 8, 7, 30, tzinfo=UTC)


def test_an_updated_time_beside_the_published_one_still_wins_when_later() -> None:
    # the theme's markup once the post is modified: a second <time> marked updated only
    later = '<time class="updated" datetime="2024-03-09T12:00:00+00:00">9 March</time>'
    tree = document_fromstring(_blog_page(BEFORE, extra_time=later))
    head = read_head(tree)
    assert find_updated(tree, head, None) == datetime(2024, 3, 9, 12, 0, tzinfo=UTC)


def test_itemprop_times_are_read_in_document_order_with_a_value_only() -> None:
    """The itemprop sources: every element so named with a ``content`` or ``datetime``, in
    document order (the first published time wins, the latest modified time), whatever its
    tag; one without a value is not a source, and another itemprop is not either."""
    from archive.extract.timestamps import _itemprop

    tree = document_fromstring(
        "<html><head><meta itemprop='dateModified' content='2024-01-02'></head><body>"
        "<div itemprop='dateModified'>no value</div>"
        "<span itemprop='datePublished' content='2024-01-01'>"
        "<time itemprop='dateModified' datetime='2024-01-03'>3 Jan</time></span>"
        "<p itemprop='dateCreated' content='2023-12-31'>x</p>"
        "<time itemprop='datePublished' datetime='2024-01-04'>4 Jan</time>"
        "</body></html>"
    )
    assert list(_itemprop(tree, "dateModified")) == ["2024-01-02", "2024-01-03"]
    assert list(_itemprop(tree, "datePublished")) == ["2024-01-01", "2024-01-04"]
    assert list(_itemprop(tree, "dateUpdated")) == []
