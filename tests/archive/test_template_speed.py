"""Tier 0's check computed with fewer steps gives the answers of the guards as written: a token
standing apart from every byte of a date shape is looked at alone, a block's words are looked
for in one search, a year's patterns assert no digit before it after it."""

from __future__ import annotations

import random
import re

import pytest

from archive.extract import date_shapes, template
from archive.extract.date_shapes import hole_says_a_date, says_a_date, token_says_a_date
from archive.extract.template import BLOCK_WORDS, RUN, says_too_much
from archive.extract.years import YEARS_PATTERN

_BYTES = [b"a", b"Z", b"0", b"2", b"6", b"-", b"_", b".", b"/", b"=", b'"', b"?", b"&", b" ", b">"]
_VALUES = [b"2026-03-05", b"05.03.26", b"20260305", b"2026W13", b"deadbeef12", b"1-2", b"ab"]


def _joined_says_a_date(parts: list[bytes], holes: list[list[object]]) -> bool:
    """The token holes' date guard with the six parts on either side joined, as written."""
    for index, _, _ in holes:
        assert isinstance(index, int)
        if template._SHAPE_BYTE.search(parts[index]) is None:
            continue
        left = b"".join(parts[max(index - 6, 0) : index])
        right = b"".join(parts[index + 1 : index + 7])
        if hole_says_a_date(left, parts[index], right, count=False):
            return True
    return False


def test_a_token_apart_from_shape_bytes_is_judged_as_the_joined_guard_judges_it():
    rng = random.Random(7)
    seen = {True: 0, False: 0}
    for _ in range(4000):
        piece = b'a href="' + b"".join(rng.choice(_BYTES) for _ in range(rng.randrange(1, 24)))
        parts = RUN.split(piece)
        runs = list(range(1, len(parts), 2))
        holes: list[list[object]] = []
        for index in rng.sample(runs, min(len(runs), rng.randrange(1, 3))):
            parts[index] = rng.choice(_VALUES)
            holes.append([index, "w", 24])
        new = b"".join(parts)
        expected = _joined_says_a_date(parts, holes)
        seen[expected] += 1
        assert template._says_a_date(new, parts, holes, (), 0) == expected, (new, holes)
    assert seen[True] > 100 and seen[False] > 100


def test_a_token_beside_a_dot_is_still_read_with_its_neighbours():
    # apart: the value alone makes the date, or does not
    assert token_says_a_date(b"2026-03-05")
    assert not token_says_a_date(b"deadbeef12")
    # beside a dot: "05.03." and "26" make a date neither makes alone
    parts = RUN.split(b'a href="/x/05.03.26"')
    assert not token_says_a_date(parts[-2])
    assert template._says_a_date(b"".join(parts), parts, [[len(parts) - 2, "w", 24]], (), 0)


def test_a_text_with_no_digit_says_no_date_and_one_with_a_date_does():
    assert not says_a_date(b"most read sport weather")
    assert says_a_date(b"most read 05.03.26")


@pytest.mark.parametrize("word", BLOCK_WORDS)
def test_every_block_word_is_found_by_the_one_search(word: bytes):
    assert says_too_much([b"span>x " + word + b" y", b"/span>"], b"")


def test_a_block_of_plain_chrome_still_says_nothing():
    assert not says_too_much([b'a href="/sport">Sport', b"/a>"], b"")
    assert not says_too_much([b"span>x y", b"/span>"], b"")


def test_a_year_is_found_where_it_was_with_the_digit_before_it_asserted_first():
    written = {
        "YEAR_RUN": re.compile(rb"(?<![0-9])(?:" + YEARS_PATTERN + rb"|00[0-9]{2})"),
        "_YEAR": re.compile(rb"(?<![0-9])" + YEARS_PATTERN + rb"(?![0-9])"),
    }
    fast = {"YEAR_RUN": date_shapes.YEAR_RUN, "_YEAR": template._YEAR}
    rng = random.Random(11)
    for _ in range(3000):
        text = bytes(rng.choice(b"0012999 .-/a") for _ in range(rng.randrange(0, 30)))
        start = rng.randrange(0, len(text) + 1)
        for name, pattern in written.items():
            spans = [m.span() for m in pattern.finditer(text)]
            assert [m.span() for m in fast[name].finditer(text)] == spans, (name, text)
            one, two = pattern.search(text, start), fast[name].search(text, start)
            assert (one and one.span()) == (two and two.span()), (name, text, start)
    # a year after a digit is none; at the start of a text, or after a letter, it is
    assert date_shapes.YEAR_RUN.search(b"12026") is None
    assert template._YEAR.search(b"x2026y").span() == (1, 5)
    assert date_shapes.DATE_LIKE.search(b"2026").span() == (0, 4)


def test_the_run_ending_a_text_is_taken_as_the_search_took_it():
    rng = random.Random(5)
    for _ in range(3000):
        text = bytes(rng.choice(b"aZ09 .<>\x80\xff\x7f-_") for _ in range(rng.randrange(0, 20)))
        found = template._RUN_BEFORE.search(text)
        assert found is not None
        assert text[len(text.rstrip(template._RUN_BYTES)) :] == found.group(), text
    assert b"Most read: Sport".rstrip(template._RUN_BYTES) == b"Most read: "


def test_the_texts_beside_a_piece_read_from_the_page_are_those_of_its_pieces():
    """The check reads the texts a reader joins beside a block from the page itself
    (``text_before_at``, ``text_after_at``) instead of from its pieces: the same bytes, with
    digits and separators joined across many short pieces, and at the page's edges."""
    rng = random.Random(3)
    joined = 0
    for _ in range(6000):
        body = bytes(rng.choice(b"<<>0123./-a \n") for _ in range(rng.randrange(0, 48)))
        pieces = body.split(b"<")
        pos = 0
        for index, piece in enumerate(pieces):
            before = date_shapes.text_before(pieces, index)
            assert date_shapes.text_before_at(body, pos) == before, (body, index)
            end = pos + len(piece)
            after = date_shapes.text_after(pieces, index)
            assert date_shapes.text_after_at(body, end) == after, (body, index)
            if index + 1 < len(pieces):
                joined += after != date_shapes._text(pieces[index + 1])  # across pieces
            pos = end + 1
    assert joined > 100
    # ten pieces of digits: the guards follow eight of them
    body = b"x>a" + b"".join(b"<b>%d" % n for n in range(10)) + b"<p>"
    pieces = body.split(b"<")
    assert date_shapes.text_before_at(body, len(body) - 2) == date_shapes.text_before(pieces, 11)
    assert date_shapes.text_before(pieces, 11) == b"23456789"
    assert date_shapes.text_after_at(body, 3) == date_shapes.text_after(pieces, 0) == b"012345678"
