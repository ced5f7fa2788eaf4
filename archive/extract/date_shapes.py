"""The shapes of digits a date reader of the extraction could take for a date.

Tier 0's guards (:mod:`archive.extract.template`) refuse a hole's new content when a date
reader could read a date from it.  A year alone (``archive.extract.years``, looked for as a
run of its own) is not enough: htmldate also reads ``20260305``, ``05.03.26``, ``5/3/26``, and
``2026-03-05T10:00:00`` glued to other digits.  The rule here covers every reader redline's
calls reach: htmldate in its fast mode (``extensive_search=False`` in both
:data:`.extractor.DATE_PARAMS` and :func:`.timestamps.find_updated`, so its free-text search
and dateparser never run), as ``tests/archive/test_date_shapes.py`` checks against
htmldate's own compiled patterns (their source pinned by :data:`HTMLDATE_DIGEST`):

* a year of :mod:`archive.extract.years` opening a run of digits (:data:`YEAR_RUN`):
  ``YEAR_RE`` (1990-2039), alone or glued to digits after it (``LONG_TEXT_PATTERN`` and
  ``TIMESTAMP_PATTERN`` bound no year on the right: ``March 5, 20261`` is 5 March 2026), and
  the texts opening with a year, which htmldate hands to ``fromisoformat`` and dateutil (both
  read four digits as a year: ``1234 5`` is no date, ``2026 1`` is, and so is ``0072 6``,
  dateutil's 2072);
* six or more digits in a row (:data:`LONG_RUN`): ``YYYYMMDD`` (``YMD_NO_SEP_PATTERN`` and the
  eight-digit shortcut) and dateutil's ``YYMMDD`` (``260305 12`` is 26 March 2005);
* three runs of digits joined by single ``.``, ``/`` or ``-``, the middle one of one or two
  digits (:data:`CHAIN`): ``YMD_PATTERN`` (``D.M.YY`` included), ``TEXT_PATTERNS`` (read on
  the serialized page, attribute values included), ``TIMESTAMP_PATTERN`` and
  ``TIMESTAMP_LOOSE_PATTERN`` (``Y-M-D``, the middle a ``MONTH_RE``: one or two digits).

Every other reader htmldate runs needs one of these (``YM_PATTERN`` a year of its own) or
reads only elements and attributes a hole cannot be or hold (``<meta>``, JSON-LD, ``<time>``,
``<abbr>``, URLs).  A decimal digit other than 0-9 is refused apart
(:func:`.template.other_digits`).  A shape is looked for in the text as a reader takes it:
joined across tags (``<b>05</b>.03.26``, ``<i>12</i>30``), and in ``title`` attributes (htmldate
reads a date candidate's title as it reads its text).  This module imports nothing: the
crawl process reads it through :mod:`archive.extract.template`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from archive.extract.years import YEARS_PATTERN

# A year opening a run of digits, or four digits opening with ``00`` (to dateutil ``0072`` is
# the year 72, which it makes 2072).  No digit before the four is asserted after them
# (:data:`NO_DIGIT_BEFORE_FOUR`): the same matches, found about three times faster than with
# the assertion first, which keeps the search from skipping to a candidate's first digit.
NO_DIGIT_BEFORE_FOUR: Final = rb"(?<![0-9][0-9]{4})"
YEAR_RUN: Final = re.compile(rb"(?:" + YEARS_PATTERN + rb"|00[0-9]{2})" + NO_DIGIT_BEFORE_FOUR)
# Six or more digits in a row.
LONG_RUN: Final = re.compile(rb"[0-9]{6}")
# A digit, a separator, one or two digits, a separator, a digit.
CHAIN: Final = re.compile(rb"[0-9][./-][0-9]{1,2}[./-][0-9]")
# Any of them: what a date reader could read in a text.
DATE_LIKE: Final = re.compile(b"|".join((YEAR_RUN.pattern, LONG_RUN.pattern, CHAIN.pattern)))
# A date in ISO 8601's basic format, as ``datetime.fromisoformat`` reads it (``20260325``,
# ``20260325T090000Z``, ``2026W13``): a year and four digits more, or a week.
ISO_BASIC: Final = re.compile(YEAR_RUN.pattern + rb"(?:[0-9]{4}|-?W[0-9]{2})", re.IGNORECASE)
# What a token (not a count) may not make through a hole: a chain, a basic ISO date.
_TOKEN_DATE: Final = re.compile(CHAIN.pattern + rb"|" + ISO_BASIC.pattern, re.IGNORECASE)
# The characters a date shape is made of: what joins a hole to the bytes beside it.
_TAIL: Final = re.compile(rb"[0-9./-]*\Z")
_HEAD: Final = re.compile(rb"[0-9./-]*")
_TAGS: Final = re.compile(rb"<[^>]*>?")
# A <label> and its content: htmldate drops every label before it reads (keeping its tail),
# so the text on either side of one joins up.
_LABEL: Final = re.compile(rb"<label\b.*?(?:</label\s*>|\Z)", re.DOTALL | re.IGNORECASE)
_TITLE: Final = re.compile(
    rb"""[\t\n\f\r "'/]title[\t\n\f\r ]*=[\t\n\f\r ]*("[^"]*"|'[^']*'|[^\t\n\f\r >]+)""",
    re.IGNORECASE,
)
# How far the guards look beyond a hole (a chain reaches 4 bytes out of it, a run of digits
# as far as it goes: a longer one is cut here, still a long run).
_REACH: Final = 24
# Four or five digits in a row (six or more are a long run).
_SHORT_RUN: Final = re.compile(rb"(?<![0-9])[0-9]{4,5}(?![0-9])")
_WORD: Final = re.compile(rb"[A-Za-z\x80-\xff]{4,}")
# htmldate cuts a candidate's text to 52 characters.
_SEGMENT: Final = 52
# The words of four letters or more dateutil's parser knows (months, weekdays, units of
# time, "sept"): a text holding any other is no date to it.
DATEUTIL_WORDS: Final = frozenset(
    b"january february march april june july august september sept october november"
    b" december monday tuesday wednesday thursday friday saturday sunday hour hours"
    b" minute minutes second seconds".split()
)
# How near a year must stand for the digits of a text to be read with it: the longest gap
# htmldate's patterns allow between a day or month and its year ("5th of September, ").
_NEAR: Final = 16
_DIGIT: Final = re.compile(rb"[0-9]")
# How many pieces a joined text is followed across (:func:`text_before`, :func:`text_after`).
JOINED_PIECES: Final = 8
_PIECES: Final = JOINED_PIECES

# SHA-256 of htmldate's patterns and functions this rule was read from (htmldate 1.11.0's,
# listed in tests/archive/test_date_shapes.py): the test fails when they change.
HTMLDATE_DIGEST: Final = "cf45a8243a25ae755c490022d6586323b01a46e9c452ea14f08c9b223c725bf4"


def says_a_date(text: bytes) -> bool:
    """Whether ``text`` (as a reader reads it) holds a shape of :data:`DATE_LIKE`, or four or
    five digits dateutil could read with what follows them (:func:`opens_a_reading`).  (Each
    needs a digit: a text with none, most of a menu's, is one search.)"""
    if _DIGIT.search(text) is None:
        return False
    return DATE_LIKE.search(text) is not None or opens_a_reading(text)


def opens_a_reading(text: bytes) -> bool:
    """Whether a run of four or five digits in ``text`` could open a text dateutil reads as a
    date: htmldate hands dateutil every text opening with four digits (and holding another
    digit: one number alone it discards), and dateutil, reading no word it does not know,
    takes ``8704:1/8am`` for a time of today.  Any run is taken as a text's start; a word of
    four letters or more that dateutil does not know (:func:`_unknown_to_dateutil`) before the next
    digit within :data:`_SEGMENT` bytes ends the reading (``1234 comments, 5 shares``)."""
    for found in _SHORT_RUN.finditer(text):
        following = _DIGIT.search(text, found.end(), found.start() + _SEGMENT)
        if following is None:
            continue
        words = _WORD.findall(text, found.end(), following.start())
        if not any(_unknown_to_dateutil(word) for word in words):
            return True
    return False


def _unknown_to_dateutil(word: bytes) -> bool:
    """Whether dateutil's parser, reading no word it does not know, fails on ``word`` (one it
    may take for a time zone's name, five capitals at most, it may read)."""
    if word.isupper() and len(word) <= 5:
        return False
    return word.lower() not in DATEUTIL_WORDS


def _text(piece: bytes) -> bytes:
    """The text of a piece (split on ``<``): after its tag's ``>``."""
    head, sep, text = piece.partition(b">")
    return text if sep else head


def text_before(pieces: Sequence[bytes], index: int) -> bytes:
    """The text just before ``pieces[index]``'s tag (the text of the piece before it) and,
    while that is all digits and separators (or nothing), the digits and separators a reader
    joins to it across the tags before (``<i>20</i><b></b>26``)."""
    if index <= 0:
        return b""
    out = _text(pieces[index - 1])
    k = index - 2
    while k >= 0 and k >= index - _PIECES and _HEAD.fullmatch(out) is not None:
        text = _text(pieces[k])
        # the digits and separators ending the text (``_TAIL``'s match, without a search
        # that tries every position of a long piece)
        rest = text.rstrip(b"0123456789./-")
        out = text[len(rest) :] + out
        if rest:
            break
        k -= 1
    return out


def text_after(pieces: Sequence[bytes], index: int) -> bytes:
    """The text a reader joins just after ``pieces[index]``: the text of the next piece and,
    while that is all digits and separators (or nothing), those of the pieces after it."""
    if index + 1 >= len(pieces):
        return b""
    out = _text(pieces[index + 1])
    k = index + 2
    while k < len(pieces) and k <= index + 1 + _PIECES and _HEAD.fullmatch(out) is not None:
        text = _text(pieces[k])
        lead = _HEAD.match(text)
        out += lead.group() if lead else b""
        if lead is None or lead.end() < len(text):
            break
        k += 1
    return out


def _text_at(body: bytes, start: int, end: int) -> bytes:
    """:func:`_text` of the piece ``body[start:end]``, without taking the piece out."""
    mark = body.find(b">", start, end)
    return body[mark + 1 : end] if mark >= 0 else body[start:end]


def text_before_at(body: bytes, pos: int) -> bytes:
    """:func:`text_before` of ``body`` split on ``<``, for the piece starting at ``pos`` (0 or
    just after a ``<``), read from ``body`` without splitting it."""
    if pos <= 0:
        return b""
    end = pos - 1  # the ``<`` ending the piece before
    start = body.rfind(b"<", 0, end) + 1
    out = _text_at(body, start, end)
    for _ in range(_PIECES - 1):  # the pieces two to _PIECES before
        if start <= 0 or _HEAD.fullmatch(out) is None:
            break
        end = start - 1
        start = body.rfind(b"<", 0, end) + 1
        text = _text_at(body, start, end)
        rest = text.rstrip(b"0123456789./-")
        out = text[len(rest) :] + out
        if rest:
            break
    return out


def text_after_at(body: bytes, end: int) -> bytes:
    """:func:`text_after` of ``body`` split on ``<``, for the piece ending at ``end`` (a ``<``,
    or the end of ``body``), read from ``body`` without splitting it."""
    size = len(body)
    if end >= size:
        return b""
    start = end + 1
    end = body.find(b"<", start)
    end = size if end < 0 else end
    out = _text_at(body, start, end)
    for _ in range(_PIECES):  # the pieces two to _PIECES + 1 after
        if end >= size or _HEAD.fullmatch(out) is None:
            break
        start = end + 1
        end = body.find(b"<", start)
        end = size if end < 0 else end
        text = _text_at(body, start, end)
        lead = _HEAD.match(text)
        out += lead.group() if lead else b""
        if lead is None or lead.end() < len(text):
            break
    return out


def block_says_a_date(
    raw: bytes,
    text: bytes,
    content: Sequence[bytes],
    before: bytes,
    after: bytes,
    inner: bytes | None = None,
) -> bool:
    """Whether a block's content could be read as a date: ``raw`` its bytes, lowercased
    (``>``, the ``text`` after its start tag, then its pieces ``content`` joined on ``<``),
    ``before`` and ``after`` the text a reader joins to it before its start tag and after
    its end tag (:func:`text_before`, :func:`text_after`).  A :data:`CHAIN` anywhere in its bytes
    (htmldate searches the serialized page, attribute values included), a shape of
    :data:`DATE_LIKE` in its text across tags, continued by the digits and separators just
    ``before`` and ``after`` it, also with its labels' content taken out, or in a ``title``
    attribute's value.  ``inner``, when the caller has it: the text of ``content``'s pieces
    joined (:func:`content_text`)."""
    if CHAIN.search(raw):
        return True
    said = text + (content_text(content) if inner is None else inner)
    tail = _TAIL.search(before, max(len(before) - _REACH, 0))
    lead = _HEAD.match(after, 0, _REACH)
    near = (tail.group() if tail else b"") + said + (lead.group() if lead else b"")
    if says_a_date(near):
        return True
    if _year_nearby(before, said, after):
        return True
    if b"<label" in raw and says_a_date(_TAGS.sub(b"", _LABEL.sub(b"", raw))):
        return True
    if b"title" in raw:
        return any(says_a_date(m.group(1)) for m in _TITLE.finditer(raw))
    return False


def content_text(content: Sequence[bytes]) -> bytes:
    """The text of a block's pieces ``content`` joined, their tags taken out (each piece's
    bytes after its tag's ``>``)."""
    return b"".join([piece.partition(b">")[2] for piece in content])


def token_says_a_date(value: bytes) -> bool:
    """Whether a token's new ``value`` makes a date shape with no bytes of a shape beside it:
    :func:`hole_says_a_date` of ``value`` alone, not a count (every match lies in ``value``)."""
    return _TOKEN_DATE.search(value) is not None


def hole_says_a_date(left: bytes, value: bytes, right: bytes, *, count: bool) -> bool:
    """Whether a token hole's new ``value``, between the bytes ``left`` and ``right`` a
    reader joins to it, makes a date shape through the hole: a :data:`CHAIN` or an
    :data:`ISO_BASIC` date (a token in an attribute or a script is read in the serialized
    page, a ``<meta>``'s content by ``fromisoformat``), and for a ``count`` (visible text,
    read across tags: ``left`` and ``right`` from :func:`text_before` and
    :func:`text_after`) any shape of :data:`DATE_LIKE`."""
    tail = _TAIL.search(left, max(len(left) - _REACH, 0))
    lead = _HEAD.match(right, 0, _REACH)
    start = len(tail.group()) if tail else 0
    near = (tail.group() if tail else b"") + value + (lead.group() if lead else b"")
    if count and _year_nearby(left, value, right):
        return True
    if count and opens_a_reading(near + right[len(lead.group()) if lead else 0 :][:_SEGMENT]):
        return True
    pattern = DATE_LIKE if count else _TOKEN_DATE
    end = start + len(value)
    pos = 0
    while (found := pattern.search(near, pos)) is not None:
        if found.start() < end and found.end() > start:
            return True
        pos = found.start() + 1
    return False


def _year_nearby(before: bytes, text: bytes, after: bytes) -> bool:
    """Whether ``text`` holds a digit and a year stands within :data:`_NEAR` bytes of it in
    the text around it: its digits could be that year's day or month (``March 5, 2026``,
    ``2026.3``, ``5/2026``)."""
    if not _DIGIT.search(text):
        return False
    return (
        YEAR_RUN.search(before[-_NEAR:]) is not None or YEAR_RUN.search(after[:_NEAR]) is not None
    )


def title_says_a_date(head: bytes) -> bool:
    """Whether a start tag's bytes ``head`` give a ``title`` a date reader could read, or a
    ``data-utime`` (htmldate reads any number there as a Unix time)."""
    lowered = head.lower()
    if b"utime" in lowered:
        return True
    if b"title" not in lowered:
        return False
    return any(says_a_date(m.group(1)) for m in _TITLE.finditer(head))
