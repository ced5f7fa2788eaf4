"""archive.extract.date_shapes: the digits a date reader could take for a date, checked
against htmldate's own readers (its compiled patterns and ``try_date_expr``, pinned)."""

from __future__ import annotations

import ast
import hashlib
import inspect
import random
import warnings
from datetime import datetime

import pytest
from htmldate import core, extractors

from archive.extract import date_shapes, timestamps
from archive.extract.date_shapes import (
    CHAIN,
    HTMLDATE_DIGEST,
    block_says_a_date,
    hole_says_a_date,
    says_a_date,
    text_after,
    text_before,
    title_says_a_date,
)
from archive.extract.extractor import DATE_PARAMS

EARLIEST, LATEST = datetime(1995, 1, 1), datetime(2100, 12, 31)
# htmldate's patterns and the functions the rule was read from, in this order.
PATTERNS = (
    extractors.YMD_NO_SEP_PATTERN,
    extractors.YMD_PATTERN,
    extractors.YM_PATTERN,
    extractors.LONG_TEXT_PATTERN,
    extractors.TEXT_PATTERNS,
    extractors.DATE_CORE_PATTERN,
    extractors.DISCARD_PATTERNS,
    extractors.COMPLETE_URL,
    core.TIMESTAMP_PATTERN,
    core.TIMESTAMP_LOOSE_PATTERN,
)
FUNCTIONS = (
    extractors.try_date_expr,
    extractors._date_candidates,
    extractors.custom_parse,
    extractors.regex_parse,
    extractors.idiosyncrasies_search,
    extractors.pattern_search,
    core.find_date,
    core.examine_text,
    core.examine_elements,
    core.date_candidates,
    core.examine_time_elements,
    core.examine_abbr_elements,
)
# The readers htmldate runs on the serialized page (attribute values included).
PAGE_PATTERNS = (extractors.TEXT_PATTERNS, core.TIMESTAMP_PATTERN, core.TIMESTAMP_LOOSE_PATTERN)


def reads(text: str) -> str | None:
    """htmldate's reading of a text as its fast mode reads a date candidate's text."""
    with warnings.catch_warnings():  # dateutil warns of time zone names it does not know
        warnings.simplefilter("ignore")
        try:
            return extractors.try_date_expr(text, "%Y-%m-%d", False, EARLIEST, LATEST)
        except (ValueError, OverflowError):  # dateutil's offsets out of range: no reading
            return None


def test_htmldate_is_the_one_the_rule_was_read_from():
    source = [p.pattern for p in PATTERNS] + [inspect.getsource(f) for f in FUNCTIONS]
    digest = hashlib.sha256("\n".join(source).encode()).hexdigest()
    assert digest == HTMLDATE_DIGEST, "htmldate changed: read date_shapes' rule again"


def test_the_extraction_runs_htmldate_in_its_fast_mode_only():
    """The rule covers the fast mode: no free-text search, no dateparser."""
    assert DATE_PARAMS["extensive_search"] is False
    assert "extensive_search=False" in inspect.getsource(timestamps.find_updated)


SHAPES = [
    "05.03.26",
    "5.3.26",
    "05/03/26",
    "5/3/2026",
    "05-03-26",
    "20260305",
    "2026-03-05",
    "2026/03/05",
    "2026.3",
    "3/2026",
    "March 5, 2026",
    "5 March 2026",
    "March 5, 20261",
    "260305 12",
    "2026 1",
    "on 1.2.26",
    "x12026-03-05T10:00:00",
    "0072 6 26",
    "0005 3",
]


@pytest.mark.parametrize("text", SHAPES)
def test_every_date_shape_htmldate_reads_is_refused(text):
    assert reads(text) is not None or any(p.search(text) for p in PAGE_PATTERNS), text
    assert says_a_date(text.encode())


@pytest.mark.parametrize(
    "text",
    ["12 minutes ago", "3 comments", "1,234 views", "1234 comments", "18252 views", "2 hours"],
)
def test_ordinary_counts_are_no_date(text):
    assert reads(text) is None
    assert not says_a_date(text.encode())


def test_whatever_htmldate_reads_the_rule_refuses():
    """Random texts of digits, separators and date words: every one htmldate's fast mode
    reads a date from (as a candidate's text, or on the page) holds a shape of the rule."""
    rng = random.Random(7)
    words = ["March", "Mar", "on", "Datum:", "of", "5th", "am", "views", "VIEWS", "", "", ""]
    separators = [".", "/", "-", " ", ", ", ":", "T", "", " on "]
    read = 0
    for _ in range(60_000):
        text = rng.choice(words) + rng.choice(["", " "])
        for k in range(rng.randint(1, 4)):
            if k:
                text += rng.choice(separators) + rng.choice(words[:3] + [""] * 6)
            if rng.random() < 0.6:  # a day, a month or a year, as written
                text += rng.choice(["5", "05", "3", "03", "12", "26", "2026", "1999", "0072"])
            else:
                size = rng.choice([1, 2, 2, 4, 4, 5, 6, 8])
                text += "".join(rng.choice("0123456789") for _ in range(size))
        text += rng.choice(words)
        if reads(text) is not None:
            read += 1
            assert says_a_date(text.encode()), text
        for pattern in PAGE_PATTERNS:
            if pattern.search(text):
                assert CHAIN.search(text.encode()), (text, pattern.pattern)
    assert read > 1000  # the sample does hold dates


def test_a_block_is_read_across_its_tags_and_around_it():
    def says(content: list[bytes], before: bytes = b"", after: bytes = b"") -> bool:
        raw = b"><" + b"<".join(content)
        return block_says_a_date(raw.lower(), b"", content, before, after)

    assert says([b'span class="time">05', b"/span>.", b"span>03", b"/span>.26"])
    assert says([b"span>03.26", b"/span>"], before=b"05.")
    assert says([b"span>12", b"/span>"], after=b"0305")  # 120305: a long run
    assert says([b"span>5", b"/span>"], after=b", 2026")  # a year beside a day
    assert says([b'span title="05.03.26">x', b"/span>"])
    assert says([b"span>05.", b"label>x", b"/label>03.26", b"/span>"])  # labels are dropped
    assert says([b'a href="/on1.2.26">x', b"/a>"])  # read on the serialized page
    assert not says([b'a href="/story/1234567">x', b"/a>"])  # a link's number: no date
    assert not says([b'span class="time">12 minutes ago', b"/span>"], before=b"Most read")
    assert not says([b"span>1,234 views", b"/span>"])


def test_the_text_around_a_tag_is_followed_through_digits_only():
    pieces = [b"p>Updated", b"span>05.", b"/span>", b"div>03", b"/div>", b"b>.26", b"/b> ok"]
    assert text_before(pieces, 3) == b"05."
    assert text_before(pieces, 1) == b"Updated"
    assert text_after(pieces, 3) == b".26"
    assert says_a_date(text_before(pieces, 3) + b"03" + text_after(pieces, 3))


def test_a_token_or_count_hole_is_read_with_the_bytes_beside_it():
    assert hole_says_a_date(b"<span>05.", b"03", b".26", count=True)
    assert hole_says_a_date(b"", b"1203", b"05 ", count=True)
    assert hole_says_a_date(b"March ", b"5", b", 2026", count=True)
    assert not hole_says_a_date(b"<span>", b"12", b" comments", count=True)
    assert not hole_says_a_date(b"<span>", b"1234", b" comments", count=True)
    assert hole_says_a_date(b'src="/a.js?d=on1.2.', b"26", b'"', count=False)
    assert hole_says_a_date(b'src="/a.js?t=', b"2026-03-05T10", b':00:00"', count=False)
    # a token beside a version number is no date, nor a timestamp alone (no reader of
    # attribute values takes a bare number)
    assert not hole_says_a_date(b'src="/1.2.3/', b"ab12cd", b'.js"', count=False)
    assert not hole_says_a_date(b'src="/a.js?v=', b"1741132800", b'"', count=False)


def test_a_title_or_a_unix_time_in_a_tag_is_refused():
    assert title_says_a_date(b'span class="x" title="20260305"')
    assert title_says_a_date(b"span title='05.03.26'")
    assert title_says_a_date(b'abbr data-utime="1741132800"')
    assert not title_says_a_date(b'span title="Share this story"')
    assert not title_says_a_date(b'a href="/x?v=20260305"')


def test_the_module_imports_nothing_heavy():
    tree = ast.parse(inspect.getsource(date_shapes))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert imported, "the module's imports were not read"
    assert not {n for n in imported if n.split(".")[0] in {"lxml", "htmldate", "trafilatura"}}
