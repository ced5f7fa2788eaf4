"""Tier 0 and counts that read as years (archive.extract.template_learn, class ``y`` and
``template.YEARS_MARK``).

A count or a block's content may hold a year from 1990 to 2100 only on a page whose markup
states both timestamps (``timestamps.dated_by_markup``: no date reader of the extractor reads
its text) and outside chrome that names a date or a visible update line.  Every "same" here
is checked against the full extraction, and every admitted place has a twin where the year
stands where a date reader reads it: a fallback, and the full extraction finds the change.
"""

from __future__ import annotations

import re

import pytest

from archive.extract import DEFAULT_MIN_CHARS
from archive.extract.extractor import extract_article, extract_with_fingerprint
from archive.extract.template import BLOCK, TOKEN, YEARS_MARK, parse, render
from archive.extract.template import check as check_in
from archive.extract.template_learn import learn_with_fingerprint
from archive.extract.template_site import rules_of
from tests.archive.test_template import HTML, URL, page


def learned(old: bytes, new: bytes) -> str:
    _, fingerprint = extract_with_fingerprint(new, URL)
    return learn_with_fingerprint(old, new, HTML, fingerprint, url=URL, min_chars=DEFAULT_MIN_CHARS)


def check(body: bytes, template: str) -> str | None:
    return check_in(body, template, url=URL, content_type=HTML, min_chars=DEFAULT_MIN_CHARS)


def recount(body: bytes, count: bytes) -> bytes:
    """``body`` with its comment count's text made ``count`` (its ``data-n`` kept)."""
    return re.sub(rb'(<div class="comment-count" data-n="[0-9]+">)[^<]*', rb"\g<1>" + count, body)


def undated(body: bytes) -> bytes:
    """The page with no timestamp in its markup (no meta times, no JSON-LD, no <time>)."""
    body = re.sub(rb'<meta property="article:(published|modified)_time"[^>]*>', b"", body)
    body = re.sub(rb'<script type="application/ld\+json">.*?</script>', b"", body, flags=re.S)
    return re.sub(rb"<time [^>]*>[^<]*</time>", b"", body)


def under_update_line(body: bytes) -> bytes:
    """The comment count inside a share bar whose own text is a visible "Updated" line."""
    start = body.index(b'<div class="comment-count"')
    end = body.index(b"</div>", start) + len(b"</div>")
    return (
        body[:start]
        + b'<div class="share-tools">Updated 5 March '
        + body[start:end]
        + b"</div>"
        + body[end:]
    )


def same(a: bytes, b: bytes) -> bool:
    return extract_article(a, URL).content_hash == extract_article(b, URL).content_hash


def marked(template: str) -> bool:
    segments, _ = parse(template)
    counts = [h[1] for s in segments if s[0] == "T" for h in s[2]]
    return "y" in counts or any(s[0] == "B" and YEARS_MARK in s[4]["t"] for s in segments)


@pytest.fixture(scope="module")
def dated() -> str:
    template = learned(recount(page(1), b"12 comments"), recount(page(2), b"345 comments"))
    assert marked(template), template
    return template


@pytest.mark.parametrize("count", [b"1990", b"2024", b"2100", b"2024 comments"])
def test_a_year_in_the_comment_count_of_a_dated_page_is_the_same(dated, count):
    body = recount(page(3), count)
    assert check(body, dated) is None
    assert same(body, page(1))


def test_a_date_in_the_comment_count_of_a_dated_page_is_the_same(dated):
    """Even a full date: the page's timestamps come from its markup, not from its text."""
    body = recount(page(3), b"1999-05-07 comments")
    assert check(body, dated) is None
    assert same(body, page(1))


def test_a_template_learned_from_two_year_counts_admits_years():
    template = learned(recount(page(1), b"2019 comments"), recount(page(2), b"2024 comments"))
    assert marked(template)
    body = recount(page(3), b"7 comments")
    assert check(body, template) is None and same(body, page(1))


def test_a_date_in_the_comment_count_of_an_undated_page_falls_back():
    """Twin: the page's published time comes from htmldate, which reads text: the year is
    refused, and the full extraction reads the date as the publication day."""
    template = learned(
        recount(undated(page(1)), b"12 comments"), recount(undated(page(2)), b"345 comments")
    )
    assert not marked(template), template
    body = recount(undated(page(3)), b"1999-05-07 comments")
    assert check(body, template) == BLOCK
    assert extract_article(body, URL).published_at is not None
    assert not same(body, undated(page(3)))
    assert check(recount(undated(page(3)), b"2024 comments"), template) == BLOCK
    assert check(recount(undated(page(3)), b"77 comments"), template) is None


def test_a_year_in_a_visible_update_line_falls_back():
    """Twin: on the dated page, the count inside a share bar reading "Updated 5 March <n>":
    a year there is a new ``updated_at``; it is refused."""
    old, new = under_update_line(page(1)), under_update_line(page(2))
    template = learned(recount(old, b"12"), recount(new, b"345"))
    assert check(recount(under_update_line(page(3)), b"77"), template) is None
    body = recount(under_update_line(page(3)), b"2024")
    assert check(body, template) == BLOCK
    assert extract_article(body, URL).updated_at.year == 2024
    assert not same(body, under_update_line(page(3)))


def test_a_year_under_a_dateline_word_falls_back():
    """Twin: chrome around the count says "Published": a year there could make a paragraph
    the dateline dropper reads, so it is no year hole."""

    def posted(body: bytes) -> bytes:
        return under_update_line(body).replace(b"Updated 5 March", b"Published 5 March")

    template = learned(recount(posted(page(1)), b"12"), recount(posted(page(2)), b"345"))
    assert check(recount(posted(page(3)), b"77"), template) is None
    assert check(recount(posted(page(3)), b"2024"), template) == BLOCK


def comments_bar(body: bytes, count: bytes) -> bytes:
    """A comments bar (chrome, but no block hole: it holds a paragraph), a count in a span."""
    bar = b'<div class="comments"><p>Join the conversation</p><span>%s readers</span></div>' % count
    return body.replace(b"</body>", bar + b"</body>", 1)


def test_a_count_token_of_a_dated_page_is_of_class_y():
    template = learned(comments_bar(page(1), b"12"), comments_bar(page(2), b"345"))
    segments, _ = parse(template)
    assert any(s[0] == "T" and [h[1] for h in s[2]] == ["y"] for s in segments), segments
    body = comments_bar(page(3), b"2024")
    assert check(body, template) is None and same(body, page(1))
    assert check(comments_bar(page(3), b"1234567"), template) == TOKEN  # still 1 to 6 digits


def test_a_count_token_of_an_undated_page_refuses_years():
    old, new = undated(comments_bar(page(1), b"12")), undated(comments_bar(page(2), b"345"))
    template = learned(old, new)
    segments, _ = parse(template)
    assert any(s[0] == "T" and [h[1] for h in s[2]] == ["n"] for s in segments), segments
    assert check(undated(comments_bar(page(3), b"2024")), template) == TOKEN
    assert check(undated(comments_bar(page(3), b"88")), template) is None


def test_a_template_without_the_mark_refuses_years(dated):
    """Templates learned before the mark existed (or without it) keep refusing years."""
    segments, digest = parse(dated)
    for segment in segments:
        if segment[0] == "B":
            segment[4]["t"] = [t for t in segment[4]["t"] if t != YEARS_MARK]
    plain = render(segments, digest)
    assert check(recount(page(3), b"77 comments"), plain) is None
    assert check(recount(page(3), b"2024 comments"), plain) == BLOCK


def test_site_rules_never_carry_the_years_admission(dated):
    """A rule serves other articles, whose dating is not this page's: the admission stays with
    the template that was judged."""
    rules = rules_of(dated, recount(page(1), b"12 comments"))
    assert rules is not None
    assert all(YEARS_MARK not in rule[5]["t"] for rule in rules["b"])
    template = learned(comments_bar(page(1), b"12"), comments_bar(page(2), b"345"))
    rules = rules_of(template, comments_bar(page(1), b"12"))
    assert rules is not None
    assert all(h[1] != "y" for rule in rules["t"] for h in rule[3])
