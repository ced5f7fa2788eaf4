"""Tier 0's guards on what a hole's new content may be read as: a ``<meta>`` any reader
reads by one of its naming attributes holds no token, a token never makes a basic ISO date,
an id key never spells a wall's name, a count never stands near a month or a year."""

from __future__ import annotations

import pytest

from archive.errors import ExtractionError
from archive.extract.extractor import extract_article
from archive.extract.template import is_unlearnable
from tests.archive.river_template import CT, URL
from tests.archive.river_template import checked as _check
from tests.archive.river_template import learned as _learn
from tests.pages import PARAGRAPHS


def _page(head: str = "", before: str = "", after: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>River report - News</title>{head}</head><body>"
        f'<header><a href="/">News</a></header>{before}'
        f"<main><article><h1>River report</h1>{body}</article></main>{after}"
        "<footer><p>About us</p></footer></body></html>"
    ).encode()


_PUBLISHED = '<meta property="article:published_time" content="2025-03-01T09:00:00Z">'


def _meta(name: str, value: str) -> str:
    return f'{_PUBLISHED}<meta name="{name}" http-equiv="cache-control" content="{value}">'


def test_a_meta_a_reader_reads_by_any_naming_attribute_holds_no_token():
    for name in ("lastmod", "dcterms.created"):
        old, new = (_page(head=_meta(name, v)) for v in ("a8f3k2x9", "q7x1m9z4"))
        assert is_unlearnable(_learn(old, new)), name


def test_a_request_token_meta_is_a_hole_but_never_a_basic_iso_date():
    def page(value: str) -> bytes:
        return _page(head=_meta("csrf-token", value))

    template = _learn(page("a8f3k2x9"), page("q7x1m9z4"))
    assert not is_unlearnable(template)
    assert _check(page("m2k8w1p5"), template) is None
    for date in ("20260325T090000Z", "20260325", "2026W13"):
        assert _check(page(date), template) is not None, date


def _boxed(key: str) -> bytes:
    box = (
        f'<div class="ad-slot" role="dialog" id="{key}"><span>Support independent journalism'
        ' from just one pound a week.</span> <a href="/subscribe">Subscribe</a></div>'
    )
    return _page(after=box)


def test_an_id_key_never_spells_a_name_the_wall_guard_reads():
    template = _learn(_boxed("ad-4f3a1"), _boxed("ad-9c2b7"))
    assert not is_unlearnable(template)
    assert _check(_boxed("ad-5e8d2"), template) is None  # an ad slot's id: the same
    for key in ("abo-box1", "tcf-0a1b", "pay-3c4d"):
        assert _check(_boxed(key), template) is not None, key


def test_a_key_spelling_a_wall_name_is_a_page_the_extraction_refuses():
    extract_article(_boxed("ad-5e8d2"), URL, content_type=CT)
    with pytest.raises(ExtractionError):
        extract_article(_boxed("abo-box1"), URL, content_type=CT)


_MODIFIED = f'{_PUBLISHED}<meta property="article:modified_time" content="2025-03-20T09:00:00Z">'


def _counted(strip: str, count: str, head: str = _MODIFIED) -> bytes:
    return _page(head=head, before=strip.format(count))


def test_a_count_read_with_a_month_or_a_year_across_tags_is_no_hole():
    updated = '<div class="comments-bar">Updated <b>{}</b> March <span>2025</span></div>'
    replied = '<div class="comments-meta">Last reply <b>{}</b> March <span>2025</span></div>'
    for strip, values, head in (
        (updated, ("15", "16"), _MODIFIED),
        (replied, ("32", "33"), ""),
        ('<div class="comments-meta">Last reply <b>{}</b> <i>2025</i></div>', ("3", "4"), ""),
    ):
        old, new = (_counted(strip, v, head) for v in values)
        assert is_unlearnable(_learn(old, new)), strip


def test_a_count_in_an_update_line_is_no_hole():
    strip = '<div class="comments-bar">Updated <b>{}</b> minutes ago</div>'
    assert is_unlearnable(_learn(_counted(strip, "15"), _counted(strip, "16")))


def test_ordinary_counts_in_chrome_still_decide_same_and_a_changed_article_is_caught():
    strip = '<div class="comments-meta"><b>{}</b> comments. Last reply <i>{}</i> minutes ago</div>'

    def page(comments: str, minutes: str, last: str = PARAGRAPHS[-1]) -> bytes:
        return _page(head=_MODIFIED, before=strip.format(comments, minutes)).replace(
            PARAGRAPHS[-1].encode(), last.encode()
        )

    template = _learn(page("12", "5"), page("13", "6"))
    assert not is_unlearnable(template)
    assert _check(page("25", "9"), template) is None
    assert _check(page("25", "9", last="An edited last paragraph."), template) is not None
