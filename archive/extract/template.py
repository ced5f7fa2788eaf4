"""Tier 0 of the fast path: a page template learned once per version, checked on raw bytes.

A chrome-only refetch (new tokens, counters, a rotating "most read" list; the same article)
costs a full extraction or the fingerprint check of :mod:`.fastpath` (a parse and the
metadata readers: about as much).  Tier 0 decides it in the crawl process, with no parse and
no worker: the page is split into *pieces* on ``b"<"`` (each piece is one tag and the text
after it) and matched against a template learned from two payloads of the same article
(:mod:`.template_learn`).  The template is a list of segments:

* ``F n length``: ``n`` pieces, byte-equal to the learned page's (their bytes go into the
  digest), ``length`` bytes in all (the ``<`` between them included: the check finds them by
  it, without splitting the page, :func:`_digest_in_place`);
* ``T parts holes``: one piece whose runs of ``[A-Za-z0-9_-]`` (``parts``: separators and
  runs, alternately) are equal to the learned page's but for the ``holes``, runs whose new
  value need only be of a class: a token (``w``: a CSRF value, a request id, a cache-buster;
  a key in an id when its limit is :data:`KEY` or more: :func:`keeps_shape`)
  or a count outside the article (``n``: 1 to 6 digits, not a year from 1990 to 2100, which
  a date reader could take for one; ``y``: 1 to 6 digits, a year too, on a page whose date
  readers never read its text, :data:`YEARS_MARK`); the separators and the
  other runs go into the digest, so a space, a quote or a ``<`` in a hole is a mismatch;
* ``B name parts holes vocabulary``: a block beside the article: its start tag, with token
  holes as above, then whatever follows it up to the piece that closes it (counted by name,
  nesting included), made only of what the two learned payloads' contents of that block were
  made of (``vocabulary``): tag names seen there, attribute names and values seen there on
  the same tag (but for the values of :data:`FREE_VALUES`: ``href``, ``src``, ``alt``,
  ``value``), balanced and nested as the parser nests it (:data:`AUTO_CLOSED`), at most
  :data:`BLOCK_GROWTH` times the longest learned content (plus :data:`BLOCK_SLACK` bytes),
  every tag one of :data:`BLOCK_TAGS`, and nothing the extractor's metadata readers look at
  (:data:`BLOCK_WORDS`, a last guard: dates, bylines, "Updated", microdata...), looked for
  as the extractor reads it (:func:`says_too_much`: across tags, no character reference but
  those of :data:`REFERENCES`), no date shape (:mod:`.date_shapes`: ``05.03.26``,
  ``20260305``), which every token hole is also checked for with the bytes beside it, and
  no year unless the block was learned on a page whose date readers never read its text
  (:data:`YEARS_MARK`); in a block by a wall the wall guard reads (:data:`PAYWALL_MARK`,
  :data:`CONSENT_MARK`), nothing such a wall's controls say (:func:`says_a_wall`).

Everything outside the holes is hashed into one digest, equal to the learned one, and the
pieces must run out exactly with the segments.  The digest also binds the capture's context
(:func:`context`: the final URL, the Content-Type's media type and charset, the minimum
article length), which changes the extraction of the same bytes.  Any difference, or any
doubt, is a reason (:data:`REASONS`): the page then goes to the fingerprint check or the full
extraction.  This module imports neither lxml nor trafilatura: the crawl process runs it.
"""

from __future__ import annotations

import re
import zlib
from base64 import b64decode, b64encode
from collections.abc import Callable, Sequence
from functools import lru_cache
from hashlib import sha256
from html import unescape
from typing import Any, Final

from archive.extract.date_shapes import (
    JOINED_PIECES,
    NO_DIGIT_BEFORE_FOUR,
    block_says_a_date,
    content_text,
    hole_says_a_date,
    text_after,
    text_after_at,
    text_before,
    text_before_at,
    title_says_a_date,
    token_says_a_date,
)
from archive.extract.decode import ascii_keeps_decoding, decodes_strictly, first_charset
from archive.extract.version import extractor_version
from archive.extract.wall_names import CONSENT_CONTROL, CONSENT_TOPIC, PAYWALL_CONTROL, WALL_NAMES
from archive.extract.years import YEARS_PATTERN

# The template format (t0b: JSON, zlib, base64; t0c: :func:`render`; t0d: the digest binds
# the page's charset, :func:`context`; t0e: a block's attribute names and values are bound to
# their tag, :func:`vocabulary`; t0f: learned under the worst-case probe,
# :mod:`.template_probe`, a block's text bounded, :data:`TEXT_MARK`, a style's token a key; t0g:
# the probes read the stored page with the other payload's blocks too,
# :func:`.template_probe.spliced`; t0h: a learned block's content keeps the skeleton of one
# learned payload's, the same payload's for every block, :func:`skeleton`; t0i: an ``F``
# segment holds its byte length, :func:`with_lengths`; t0j: no skeletons again, see
# docs/design.md, "Arrangements a block hole admits"): a template of another format is
# another identity's, learned again.
FORMAT: Final = "t0j"
NONE: Final = "none"  # a template that could not be learned (its reason follows)
# Ends a template none of whose decisions has been verified yet (its first one is).
UNVERIFIED: Final = "~"
# after the base64 (before the UNVERIFIED mark): a template derived from its site's rules
# (archive.extract.template_site), no longer used once the site's rules are dropped
DERIVED: Final = "^"

# Why tier 0 left a page to the slower paths.
NO_TEMPLATE: Final = "no_template"  # not learned yet
UNLEARNABLE: Final = "unlearnable"  # learning found no safe template for this version
OTHER_EXTRACTOR: Final = "other_extractor"  # learned by another extractor or format
PIECES: Final = "pieces"  # pieces added, removed or changed outside the holes
TOKEN: Final = "token"  # noqa: S105 (a reason, no secret)  # a token hole's new value is not of its class
BLOCK: Final = "block"  # a block hole's new content is not plainly chrome
DIGEST: Final = "digest"  # the bytes outside the holes differ (or the charset read first)
# a hole's new bytes do not decode strictly in the page's charset (the page is then read in
# another, or in charset-normalizer's guess, and every accented letter may read otherwise)
CHARSET: Final = "charset"
ERROR: Final = "error"  # the template could not be read
REASONS: Final = (
    NO_TEMPLATE,
    UNLEARNABLE,
    OTHER_EXTRACTOR,
    PIECES,
    TOKEN,
    BLOCK,
    DIGEST,
    CHARSET,
    ERROR,
)


# Every year a date reader of the extractor accepts (:mod:`archive.extract.years`).
YEARS: Final = YEARS_PATTERN
RUN: Final = re.compile(rb"([A-Za-z0-9_-]+)")
CLASSES: Final = {
    "w": re.compile(rb"[A-Za-z0-9_-]+"),
    "n": re.compile(rb"(?!" + YEARS + rb"\Z)[0-9]{1,6}"),
    # a count that may read as a year: learned where no date reader reads it (YEARS_MARK)
    "y": re.compile(rb"[0-9]{1,6}"),
    # in a comment of the raw page: no "-", "!" or ">", which could close it
    "c": re.compile(rb"[A-Za-z0-9_]+"),
}
# A key in an id (which readers select elements by): a digit in it, and the learned values'
# shape (:func:`keeps_shape`).  Stored as a token (``w``) whose limit is ``KEY`` plus the shape:
# no plain token's limit comes near it.
_KEY_RUN: Final = re.compile(rb"(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]+")
KEY: Final = 1 << 20
# In a key (class ``k``), a run of four letters or more only of the letters a hex digit uses.
_LETTERS: Final = re.compile(rb"[A-Za-z]{4,}")
_HEX_LETTERS: Final = re.compile(rb"[A-Fa-f]+")
_KEY_LONGEST: Final = 255
TAG: Final = re.compile(rb"(/?)([A-Za-z][A-Za-z0-9]*)")
# In a block's learned tag names (never a tag's name): its content may hold a year.  Set by
# learning only on a page whose timestamps its markup states (no date reader of the extractor
# reads its text: :func:`archive.extract.timestamps.dated_by_markup`) and for a block whose
# chrome around it names no date (:mod:`.template_learn`); token holes so judged are of class
# ``y``.  Templates learned before it lack it: their blocks refuse years as before.
YEARS_MARK: Final = "#years"
# In a block's learned tag names (never a tag's name): the block is, is inside or may hold an
# element the wall guard (:mod:`archive.extract.walls`) reads as a paywall prompt (by its name:
# ``PAYWALL_MARK``) or a consent overlay (by its name, a dialog or a form: ``CONSENT_MARK``), so
# that its new content says none of what such a wall's controls say (a "Subscribe" link makes a
# short article's subscription dialog a paywall) nor, for consent, what a consent dialog talks
# about (:data:`WALL_SAYS`).  Set by learning and derivation (:mod:`.template_walls`).
PAYWALL_MARK: Final = "#paywall"
CONSENT_MARK: Final = "#consent"
WALL_SAYS: Final = {
    PAYWALL_MARK: (PAYWALL_CONTROL,),
    CONSENT_MARK: (CONSENT_CONTROL, CONSENT_TOPIC),
}
# In a block's learned tag names, followed by a number: its content's text (its bytes outside
# tags) may be at most that long.  Set by learning's worst-case probe (:mod:`.template_probe`)
# when the learned contents' texts were short enough for the extractor to drop the block as a
# box (:data:`.inline_chrome.MAX_BOX_CHARS`): the probe reads the page with the text at the
# bound, and a longer one could keep the box in the article's tree.
TEXT_MARK: Final = "#text"
# The tags a block hole may hold (no paragraph, heading 1, time, script, comment, table...).
BLOCK_TAGS: Final = frozenset(
    b"a li ul ol span div section nav aside h2 h3 h4 h5 h6 strong em b i small img br".split()
    + b"button input label".split()
)
VOID: Final = frozenset(b"img br input hr wbr source meta link".split())
# The start tags of :data:`BLOCK_TAGS` that libxml2's HTML parser (the extractor's) reads as
# closing the element open before them (new tag, open tag), among the block tags and the
# block names: an ``<a>`` closes an open ``<a>``, an ``<li>`` an open ``<li>`` or heading.  A
# block's content nesting so (``<a><a>X</a></a>``, balanced to a count of tags) is not nested
# so by the parse, and its extra end tag then closes an element of the page outside the hole,
# which moves the fixed bytes after it out of their parent.  libxml2 looks at the open element
# only (then again at the next, while one closes): content refused whenever a start tag meets
# one of these is content the parse nests as written.  Derived from the parser and kept so
# by ``tests/archive/test_template_nesting.py`` (every pair of block tags and block names
# through :func:`archive.extract.parse.parse_body`).
AUTO_CLOSED: Final = frozenset(
    {(b"a", b"a"), (b"li", b"li")} | {(b"li", b"h%d" % n) for n in range(2, 7)}
)
# What the metadata readers look at (or could): a block holding any of these is no hole.
BLOCK_WORDS: Final = (
    *b"datetime itemprop itemscope itemtype author byline dateline date updat publish modif"
    b" posted correct editor ld+json rel= <h1 <time <article <main <p> <meta <link <script"
    b" <style <title <!-- >by".split(),
    b"> by ",
    b"<p ",
    b"<p\n",
)
# Any of them, in one search (the same answer as looking for each in turn).
_BLOCK_WORD: Final = re.compile(b"|".join(re.escape(word) for word in BLOCK_WORDS))
# (a year alone: the assertion of no digit before it made after it, :mod:`.date_shapes`)
_YEAR: Final = re.compile(YEARS + NO_DIGIT_BEFORE_FOUR + rb"(?![0-9])")
# A character reference, as far as a parser could read one: ``&#`` and whatever follows it,
# or ``&`` and a name (a legacy name needs no ``;``: ``&copy2026`` reads "(c)2026").
_REFERENCE: Final = re.compile(rb"&(?:#[xX]?[0-9A-Fa-f]*|[A-Za-z][A-Za-z0-9]*);?")
# The only references a block's content may hold, spelled exactly so: each reads as one
# character that is neither a letter nor a digit, so the words and years the guards look for
# are in the raw bytes as the extractor reads them (``Upd&#97;ted`` is "Updated").
REFERENCES: Final = frozenset(
    b"&amp; &lt; &gt; &quot; &apos; &nbsp; &#39; &#x27; &#160; &rsquo; &lsquo; &rdquo; &ldquo;"
    b" &#8217; &#8216; &#8220; &#8221; &ndash; &mdash; &#8211; &#8212; &hellip; &#8230;"
    b" &middot; &bull; &raquo; &laquo; &copy; &reg; &trade; &times; &#124; &vert;".split()
)
# The run of letters and digits a block's text may continue across its start or end tag.
# (bytes of 0x80 and up: a letter or digit other than ASCII, such as ``٢``)
_RUN_BEFORE: Final = re.compile(rb"[A-Za-z0-9\x80-\xff]*\Z")
# Its bytes, to take the run ending a text with ``rstrip`` (the match of ``_RUN_BEFORE``,
# without a search trying every position of the text)
_RUN_BYTES: Final = bytes(b for b in range(256) if _RUN_BEFORE.fullmatch(bytes([b])))
_RUN_AFTER: Final = re.compile(rb"[A-Za-z0-9\x80-\xff]*")
# The attributes of a block's content whose values may differ from the learned ones (links,
# images, a form field's value: a CSRF token); every other attribute's value must be one seen
# when learning.
FREE_VALUES: Final = frozenset(b"href src alt value".split())
# A block's new content may be at most this times the longest learned one, plus the slack:
# enough text in a block changes what the extractor takes for the article.
BLOCK_GROWTH: Final = 1.5
BLOCK_SLACK: Final = 64
ATTRIBUTE: Final = re.compile(
    rb"""[\t\n\f\r ]+([^\t\n\f\r "'<>/=]+)"""
    rb"""(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:"([^"]*)"|'([^']*)'|([^\t\n\f\r "'=<>`]+)))?"""
)
_TAG_END: Final = re.compile(rb"[\t\n\f\r ]*/?[\t\n\f\r ]*")
# The bytes of a date shape (:mod:`.date_shapes`): a token with none is in none.
_SHAPE_BYTE: Final = re.compile(rb"[0-9./-]")
# What a reader joins to a count across tags, as far as the date guard follows it.
_DIGITS_AND_SEPARATORS: Final = re.compile(rb"[0-9./-]*")

Segment = list[Any]


class Mismatch(Exception):
    """The page does not match the template (``args[0]``: one of :data:`REASONS`)."""


def identity() -> str:
    return f"{FORMAT}|{extractor_version()}"


def context(url: str, content_type: str | None, min_chars: int, charset: str) -> bytes:
    """What, besides the bytes, the extraction of a capture depends on, as bound into a
    template's digest: the final URL (a relative canonical link, say, resolves against it), the
    Content-Type's media type and charset (the decoding), the minimum article length, and
    ``charset``, the page's :func:`.decode.first_charset` (a ``<meta>`` pushed past the
    prescan by a hole's new bytes reads the page otherwise)."""
    media, _, params = (content_type or "").partition(";")
    header = ""
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            header = value.strip().strip("\"'").lower()
    return f"{url}\n{media.strip().lower()}\n{header}\n{min_chars}\n{charset}".encode()


def attributes(tag: bytes) -> list[tuple[bytes, bytes | None]] | None:
    """The attributes (lowercased name, raw value or None) of ``tag``, a start tag's bytes
    before its ``>`` (name included); None when they do not read plainly."""
    found = TAG.match(tag)
    if found is None:
        return None
    pos, out = found.end(), []
    while True:
        m = ATTRIBUTE.match(tag, pos)
        if m is None:
            break
        value = m.group(2) if m.group(2) is not None else m.group(3)
        out.append((m.group(1).lower(), value if value is not None else m.group(4)))
        pos = m.end()
    if _TAG_END.fullmatch(tag, pos) is None:
        return None
    return out


Vocabulary = dict[str, Any]


def vocabulary(contents: Sequence[tuple[Sequence[bytes], bytes]]) -> Vocabulary | None:
    """What block contents (each: its pieces, the text after the start tag) are made of: tag
    names (``t``), attribute names each bound to its tag (``a``, as ``tag name``), attribute
    values but of :data:`FREE_VALUES` each bound to its tag (``v``, as ``tag name=value``:
    :func:`bound_value`), the longest content's length (``n``); None when a tag does not read
    plainly.  A value is bound to its tag because the readers select by both: a
    ``class="change-item"`` no reader reads on a ``<div>`` is a change note on an ``<li>``
    (:mod:`.history`)."""
    tags: set[bytes] = set()
    names: set[bytes] = set()
    values: set[bytes] = set()
    longest = 0
    for pieces, text in contents:
        longest = max(longest, _content_length(pieces, text))
        for piece in pieces:
            found = tag_name(piece)
            if found is None:
                return None
            tags.add(found[1])
            if found[0]:
                continue
            read = attributes(piece.split(b">", 1)[0])
            if read is None:
                return None
            for name, value in read:
                names.add(found[1] + b" " + name)
                if name not in FREE_VALUES:
                    values.add(bound_value(found[1], name, value))
    return {
        "t": sorted(t.decode("latin-1") for t in tags),
        "a": sorted(n.decode("latin-1") for n in names),
        "v": sorted(v.decode("latin-1") for v in values),
        "n": longest,
    }


def bound_value(tag: bytes, name: bytes, value: bytes | None) -> bytes:
    """An attribute's value as a vocabulary holds it: ``tag name=value`` (a tag name and an
    attribute name hold no space; a value-less attribute's value is a NUL byte)."""
    return tag + b" " + name + b"=" + (value if value is not None else b"\x00")


def _content_length(pieces: Sequence[bytes], text: bytes) -> int:
    return len(text) + sum(map(len, pieces)) + len(pieces)


def text_length(pieces: Sequence[bytes], text: bytes) -> int:
    """The bytes of a block's content (``text`` after its start tag, then its ``pieces``)
    outside its tags: as long as its text as a reader reads it, or longer (a reference reads
    as one character, white space runs as one)."""
    return len(text) + sum(len(p) - p.find(b">") - 1 for p in pieces)


def _too_long(pieces: Sequence[bytes], text: bytes, learned: Vocabulary) -> bool:
    """Whether a block's content (``text`` after its start tag, then its ``pieces``) is longer
    than its learned cap (:data:`BLOCK_GROWTH`) or holds more text than its bound
    (:func:`text_bound`)."""
    if _content_length(pieces, text) > learned["n"] * BLOCK_GROWTH + BLOCK_SLACK:
        return True
    bound = text_bound(learned)
    return bound is not None and text_length(pieces, text) > bound


def text_bound(learned: Vocabulary) -> int | None:
    """The longest text a block's content may hold (:data:`TEXT_MARK`), if bounded.  (Marks
    start with ``#``: they sort before tag names.)"""
    for name in learned["t"]:
        if not name.startswith("#"):
            break
        if name.startswith(TEXT_MARK):
            return int(name[len(TEXT_MARK) :])
    return None


def cut_free_values(head: bytes) -> bytes:
    """A start tag's bytes before its ``>`` with the values of its free attributes
    (:data:`FREE_VALUES`) cut to ``x``."""
    found = TAG.match(head)
    if found is None:
        return head
    out, pos, last = [], found.end(), 0
    while (m := ATTRIBUTE.match(head, pos)) is not None:
        if m.group(1).lower() in FREE_VALUES:
            for group in (2, 3, 4):
                if m.group(group) is not None:
                    out += [head[last : m.start(group)], b"x"]
                    last = m.end(group)
        pos = m.end()
    return b"".join(out) + head[last:]


def skeleton(pieces: Sequence[bytes]) -> str:
    """The skeleton of a block's content (its ``pieces``, split on ``b"<"``; the text after its
    start tag aside): every tag's bytes, in order, each start tag's values of
    :data:`FREE_VALUES` cut (:func:`cut_free_values`), the texts left out; as 8 bytes of
    their SHA-256 (Latin-1).  Two contents of one skeleton differ only in their texts and in
    their links', images' and fields' values: never in a tag, an attribute, a nesting, a
    wrapper, the number of items or which kind comes first."""
    hasher = sha256()
    update = hasher.update
    for piece in pieces:
        update(cut_free_values(piece.partition(b">")[0]))
        update(b"<")
    return hasher.digest()[:8].decode("latin-1")


def tag_name(piece: bytes) -> tuple[bool, bytes] | None:
    """``(closing, lowercased name)`` of a piece's tag; None when it starts with no tag."""
    m = TAG.match(piece)
    if m is None:
        return None
    return bool(m.group(1)), m.group(2).lower()


def match_close(pieces: Sequence[bytes], start: int, name: bytes) -> int | None:
    """The index of the piece closing the element ``pieces[start]`` opens (same-named
    elements nested in it counted); None when there is none."""
    depth = 0
    size = len(name)
    for j in range(start + 1, len(pieces)):
        piece = pieces[j]
        head = piece[: size + 2].lower()
        if head.startswith(b"/" + name):
            if head[size + 1 : size + 2] in (b">", b" ", b"\t", b"\n", b"\r", b"\f"):
                if depth == 0:
                    return j
                depth -= 1
        elif head.startswith(name) and head[size : size + 1] in (b">", b" ", b"\t", b"\n", b"/"):
            depth += 1
    return None


def hole_spans(
    pieces: Sequence[bytes], segments: Sequence[Segment]
) -> tuple[list[tuple[Segment, int, int]], int] | None:
    """Where each segment holding holes (``T``, ``B``) of ``segments`` lies in ``pieces`` (a
    page split on ``b"<"``): its first piece and the piece after it (a block's closing piece,
    found by :func:`match_close`), and the number of pieces the segments cover; None when a
    block does not close or a segment is of no known kind."""
    spans: list[tuple[Segment, int, int]] = []
    at = 0
    for segment in segments:
        kind = segment[0]
        if kind == "F":
            at += segment[1]
        elif kind == "T":
            spans.append((segment, at, at + 1))
            at += 1
        elif kind == "B":
            close = match_close(pieces, at, segment[1].encode())
            if close is None:
                return None
            spans.append((segment, at, close))
            at = close
        else:
            return None
    return spans, at


def block_reason(
    content: Sequence[bytes], text: bytes = b"", *, years: bool = False, name: bytes = b""
) -> str | None:
    """None when ``content`` (the pieces inside a block named ``name``, after the ``text``
    that follows its start tag) is plainly chrome: every tag one of :data:`BLOCK_TAGS`, each
    closed in order and nested as the parser nests it (:data:`AUTO_CLOSED`), nothing of
    :data:`BLOCK_WORDS`, no year (unless ``years``)."""
    stack: list[bytes] = []
    for piece in content:
        found = tag_name(piece)
        if found is None or b">" not in piece:
            return BLOCK
        closing, tag = found
        if tag not in BLOCK_TAGS:
            return BLOCK
        if closing:
            if not stack or stack.pop() != tag:
                return BLOCK
            continue
        if (tag, stack[-1] if stack else name) in AUTO_CLOSED:
            return BLOCK
        head = piece.split(b">", 1)[0]
        if tag not in VOID and not closes_itself(head):
            stack.append(tag)
    if stack:
        return BLOCK
    if says_too_much(content, text, years=years):
        return BLOCK
    return None


def says_too_much(
    content: Sequence[bytes],
    text: bytes,
    before: bytes = b"",
    after: bytes = b"",
    *,
    years: bool = False,
) -> bool:
    """Whether a block's content (its pieces ``content``, after the ``text`` that follows its
    start tag) holds what the metadata readers look at, as the extractor reads it: a word of
    :data:`BLOCK_WORDS` or a year in its raw bytes, or in its text alone with the tags taken
    out (a reader takes an element's text across the tags in it: ``Upd<b></b>ated 20<i>26``
    is "Updated 2026"), continued by the runs of letters and digits just ``before`` its start
    tag and just ``after`` its end tag; or a character reference but those of
    :data:`REFERENCES` (``Upd&#97;ted``, ``&#X61``, ``&#97`` with no ``;`` all read "a";
    an ``&`` that starts none, as in ``?a=1&b=2``, is text); or a date without a year of its
    own that a date reader could read (``05.03.26``, ``20260305``:
    :func:`.date_shapes.block_says_a_date`).  ``years``: neither a year nor a date shape is a
    reason (a block learned with :data:`YEARS_MARK`, where no date reader reads; a digit
    other than 0-9 still is)."""
    raw = b">" + text + b"<" + b"<".join(content)
    if b"&" in raw:
        for found in _REFERENCE.finditer(raw):
            reference = found.group()
            if reference not in REFERENCES and (
                reference.startswith(b"&#") or _reads_as_other(reference)
            ):
                return True
    raw = raw.lower()
    if _BLOCK_WORD.search(raw) is not None or other_digits(raw):
        return True
    if not years and _YEAR.search(raw):
        return True
    inner = content_text(content)
    if not years and block_says_a_date(raw, text, content, before, after, inner):
        return True
    if not content and not before and not after:
        return False  # the text alone: checked above
    said = before[len(before.rstrip(_RUN_BYTES)) :] + text + inner
    lead = _RUN_AFTER.match(after)
    said = (said + (lead.group() if lead else b"")).lower()
    if other_digits(said):
        return True
    if _BLOCK_WORD.search(said) is not None:
        return True
    return not years and _YEAR.search(said) is not None


def says_a_wall(
    content: Sequence[bytes], text: bytes, before: bytes, after: bytes, marks: Sequence[str]
) -> bool:
    """Whether a block's content (its pieces ``content``, after the ``text`` that follows its
    start tag, between the page's ``before`` and ``after``) says what the wall guard reads in
    a wall of one of ``marks`` (:data:`WALL_SAYS`): in its text across tags, continued by the
    runs of letters and digits beside it, or in the attributes it reads a control's words
    from (``value``, ``aria-label``, ``title``).  (Only the text and those values are read:
    the patterns cost about a microsecond a character.)"""
    pattern = _wall_says(tuple(mark for mark in marks if mark in WALL_SAYS))
    if pattern is None:
        return False
    lead = _RUN_AFTER.match(after)
    texts = [piece.partition(b">")[2] for piece in content]
    said = [before[len(before.rstrip(_RUN_BYTES)) :], text, *texts]
    said.append(lead.group() if lead else b"")
    # Each piece's text on its own too: the guard reads a control's words alone, so a glued
    # "...kündbar</span><a>Abo</a>" says "abo" to it, where the text across tags does not.
    said += [b"\n", b"\n".join(texts)]
    for piece in content:
        if b"=" in piece:
            said += [b"\n", *_CONTROL_WORDS.findall(piece.partition(b">")[0])]
    folded = b"".join(said).decode("utf-8", "replace").casefold()
    return pattern.search(folded.translate(_AS_I)) is not None


# What ``re.IGNORECASE`` (the wall guard's) matches with "i" and casefolding does not: the
# dotted capital I folds to "i" and a combining dot, the dotless i stays itself.
_AS_I: Final = str.maketrans({"\u0307": None, "\u0131": "i"})


# The attributes the wall guard reads a control's words from (besides its text), and whatever
# else ends so (``data-title``: read too, harmlessly).
_CONTROL_WORDS: Final = re.compile(
    rb"""(?i:value|aria-label|title)[\t\n\f\r ]*=[\t\n\f\r ]*("[^"]*"|'[^']*'|[^\t\n\f\r >]+)"""
)


@lru_cache(maxsize=8)
def _wall_says(marks: tuple[str, ...]) -> re.Pattern[str] | None:
    """The patterns of :data:`WALL_SAYS` of ``marks`` as one, for a casefolded text (one
    pass over a block; their sources are lowercase, and matching them case-sensitively on a
    casefolded text is five times faster than with ``re.IGNORECASE``)."""
    sources = [pattern.pattern for mark in marks for pattern in WALL_SAYS[mark]]
    if not sources:
        return None
    joined = "|".join(sources)
    return re.compile(joined) if joined == joined.casefold() else re.compile(joined, re.I)


def other_digits(raw: bytes) -> bool:
    """Whether ``raw`` may hold a decimal digit other than 0-9 (a date reader reads
    ``２０２６`` and ``٢٠٢٦`` as 2026): one in it read as UTF-8, or bytes that are not UTF-8
    (read in another charset they may be one)."""
    if raw.isascii():
        return False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return any(char.isdecimal() and not "0" <= char <= "9" for char in text)


def _reads_as_other(reference: bytes) -> bool:
    """Whether an ``&`` and a name is a character reference (:func:`html.unescape` reads
    every one lxml's parser reads, and more: legacy names with no ``;``, names that merely
    start with one) rather than the text it is (``&b=2`` in a link)."""
    spelled = reference.decode("latin-1")
    return unescape(spelled) != spelled


def digest_of(
    pieces: Sequence[bytes],
    segments: Sequence[Segment],
    body: bytes,
    bound: bytes,
    plain: list[bool] | None = None,
) -> str:
    """The digest of ``body`` (split into ``pieces`` on ``b"<"``) outside the template's
    holes, and of ``bound`` (its :func:`context`); raises :class:`Mismatch`.  (SHA-256: the
    fastest of hashlib's here, 0.12 ms for 150 KB; the fixed runs are hashed from the body in
    place, not joined.)  ``plain[0]``, when given, is set False when a piece holding a hole is
    not all ASCII."""
    hasher = sha256()
    update = hasher.update
    update(b"C%d:" % len(bound))
    update(bound)
    view = memoryview(body)
    at, total, pos = 0, len(pieces), 0  # pos: where piece ``at`` starts in ``body``
    for segment in segments:
        kind = segment[0]
        if kind == "F":
            count = segment[1]
            if at + count > total:
                raise Mismatch(PIECES)
            length = sum(map(len, pieces[at : at + count])) + count - 1
            update(b"F%d:" % length)
            update(view[pos : pos + length])
            pos += length + 1
            at += count
        elif kind == "T":
            if at >= total:
                raise Mismatch(PIECES)
            piece = pieces[at]
            part = _tokens_out(piece, segment[1], segment[2], pieces, at)
            if plain is not None and not piece.isascii():
                plain[0] = False
            update(b"T%d:%b" % (len(part), part))  # as two updates: the same digest
            pos += len(piece) + 1
            at += 1
        elif kind == "B":  # ["B", name, parts of its start tag, their holes, vocabulary]
            if at >= total:
                raise Mismatch(PIECES)
            name = segment[1].encode()
            start, _, text = pieces[at].partition(b">")
            if tag_name(start) != (False, name):
                raise Mismatch(PIECES)
            part = _tokens_out(start, segment[2], segment[3])
            update(b"B%d:%b" % (len(part), part))
            close = _block_end(pieces, at, name, text, segment[4])
            length = sum(map(len, pieces[at:close])) + close - at - 1  # the block's pieces
            if plain is not None and not body[pos : pos + length].isascii():
                plain[0] = False
            pos += length + 1
            at = close
        else:
            raise Mismatch(ERROR)
    if at != total:
        raise Mismatch(PIECES)
    return hasher.hexdigest()[:32]


def with_lengths(pieces: Sequence[bytes], segments: Sequence[Segment]) -> list[Segment]:
    """``segments`` (learned or derived on the page split into ``pieces`` on ``b"<"``) with each
    ``F`` segment's byte length in it (``["F", count, length]``, the ``<`` between its pieces
    counted), as :func:`render` stores it; raises :class:`Mismatch` when they do not cover
    ``pieces`` (a block not closing, a run past the end)."""
    out: list[Segment] = []
    read = hole_spans(pieces, segments)
    if read is None or read[1] != len(pieces):
        raise Mismatch(PIECES)
    at = 0
    for segment in segments:
        kind = segment[0]
        if kind == "F":
            count = segment[1]
            if count < 1 or at + count > len(pieces):
                raise Mismatch(PIECES)
            out.append(["F", count, sum(map(len, pieces[at : at + count])) + count - 1])
            at += count
            continue
        out.append(segment)
        if kind == "T":
            at += 1
        else:
            close = match_close(pieces, at, segment[1].encode())
            assert close is not None  # hole_spans found it
            at = close
    return out


# The pieces a window around a hole holds on either side of it (:func:`_window`): more than
# :func:`.date_shapes.text_before` and :func:`.date_shapes.text_after` read.
_AROUND: Final = JOINED_PIECES + 2


def _window(body: bytes, start: int, end: int) -> tuple[list[bytes], int, int, int]:
    """The whole pieces of ``body`` around the bytes from ``start`` (0 or just after a ``<``)
    to ``end`` (a ``<`` or the end), :data:`_AROUND` pieces on either side (fewer at the
    page's edges): the pieces, the index of the one starting at ``start``, where the first
    starts and where the last ends in ``body``."""
    low = start - 1
    for _ in range(_AROUND):
        if low <= 0:
            break
        low = body.rfind(b"<", 0, low)
    low = max(low + 1, 0)
    high = end
    size = len(body)
    for _ in range(_AROUND + 1):
        if high >= size:
            break
        high = body.find(b"<", high + 1)
        if high < 0:
            high = size
    high = min(high, size)
    return body[low:high].split(b"<"), body.count(b"<", low, start), low, high


def _digest_in_place(
    body: bytes, segments: Sequence[Segment], bound: bytes, plain: list[bool]
) -> str | None:
    """What :func:`digest_of` gives on ``body`` (and ``plain[0]``) when the page holds each
    ``F`` segment's bytes at its stored length and every hole passes, found without splitting
    the page: each run of fixed pieces is hashed from where it starts to its stored length
    (and must end at a ``<`` or the page's end), each hole read from the pieces of a window
    around it (:func:`_window`, as many pieces either side as the guards read); None at any
    difference or doubt, where :func:`digest_of` on the split page decides (and names the
    reason).  Equal to the template's digest, the hashed bytes are the learned page's, so the
    split walks the same pieces: each fixed run held its count of pieces, each piece ends
    at the same ``<``, and the holes are read the same."""
    try:
        hasher = sha256()
        update = hasher.update
        update(b"C%d:" % len(bound))
        update(bound)
        view = memoryview(body)
        size, pos = len(body), 0  # pos: where the next segment starts
        for segment in segments:
            kind = segment[0]
            if pos > size:
                return None
            if kind == "F":
                length = segment[2]
                end = pos + length
                if end > size or (end < size and body[end] != 0x3C):  # b"<"
                    return None
                update(b"F%d:" % length)
                update(view[pos:end])
                pos = end + 1
            elif kind == "T":
                pos = _token_in_place(body, pos, segment, update, plain)
            elif kind == "B":
                pos = _block_in_place(body, pos, segment, update, plain)
            else:
                return None
        if pos != size + 1:
            return None
        return hasher.hexdigest()[:32]
    except Exception:  # a mismatch, or any doubt: the split page decides
        return None


def _token_in_place(body: bytes, pos: int, segment: Segment, update: Any, plain: list[bool]) -> int:
    """Hashes (``update``) the token piece of ``segment`` starting at ``pos`` in ``body`` as
    :func:`digest_of` does; where the next segment starts.  Raises at any doubt."""
    size = len(body)
    end = body.find(b"<", pos)
    if end < 0:
        end = size
    piece = body[pos:end]
    for hole in segment[2]:
        if hole[1] == "n":  # a count is read with the text beside it: the pieces around
            pieces, at, low, high = _window(body, pos, end)
            if (low > 0 and at <= JOINED_PIECES) or (high < size and at + _AROUND > len(pieces)):
                raise Mismatch(PIECES)
            part = _tokens_out(piece, segment[1], segment[2], pieces, at)
            break
    else:
        part = _tokens_out(piece, segment[1], segment[2])
    if not piece.isascii():
        plain[0] = False
    update(b"T%d:%b" % (len(part), part))
    return end + 1


def _block_in_place(
    body: bytes,
    pos: int,
    segment: Segment,
    update: Any,
    plain: list[bool],
) -> int:
    """Hashes (``update``) the block of ``segment`` starting at ``pos`` in ``body`` (its start
    tag's pieces; its content checked) as :func:`digest_of` does, from the pieces up to where
    its content may end, the texts beside it read from the page; where its closing piece
    starts.  Raises at any doubt."""
    size = len(body)
    name = segment[1].encode()
    learned = segment[4]
    # the closing ``<`` lies within the longest content learned (or it is too long): the
    # pieces up to the first ``<`` past that hold it, whole
    end = body.find(b">", pos)
    if end < 0:
        raise Mismatch(PIECES)
    reach = end + 1 + int(learned["n"] * BLOCK_GROWTH + BLOCK_SLACK)
    high = body.find(b"<", reach + 1)
    pieces = body[pos : size if high < 0 else high].split(b"<")
    start, _, text = pieces[0].partition(b">")
    if tag_name(start) != (False, name):
        raise Mismatch(PIECES)
    part = _tokens_out(start, segment[2], segment[3])
    update(b"B%d:%b" % (len(part), part))

    def beside(pieces: Sequence[bytes], start: int, close: int) -> tuple[bytes, bytes]:
        # the texts beside it, read from the page (as :func:`_beside` reads them)
        closing = pos + sum(map(len, pieces[:close])) + close - 1
        return text_before_at(body, pos), text_after_at(body, closing)

    close = _block_end(pieces, 0, name, text, learned, beside)
    closing = pos + sum(map(len, pieces[:close])) + close - 1  # its ``<``
    if not body[pos:closing].isascii():
        plain[0] = False
    return closing + 1


def _beside(pieces: Sequence[bytes], start: int, close: int) -> tuple[bytes, bytes]:
    """The texts a reader joins to a block's content from before its start tag
    (``pieces[start]``) and after its end tag (``pieces[close]``): see
    :func:`.date_shapes.text_before` and :func:`.date_shapes.text_after`."""
    return text_before(pieces, start), text_after(pieces, close - 1)


def _block_end(
    pieces: Sequence[bytes],
    start: int,
    name: bytes,
    text: bytes,
    learned: Vocabulary,
    beside: Callable[[Sequence[bytes], int, int], tuple[bytes, bytes]] = _beside,
) -> int:
    """The index of the piece closing the block ``pieces[start]`` opens (``text`` follows its
    start tag), when its content is plainly chrome and made of the ``learned`` vocabulary (and
    not too long); raises :class:`Mismatch` otherwise.  One
    pass doing what :func:`match_close` and :func:`block_reason` do: on plainly chrome content
    (balanced), the first closing of ``name`` outside every element it opens is the one
    :func:`match_close` finds.  A start tag's bytes met again in the block (a menu's items)
    are not read again: they passed."""
    stack: list[bytes] = []
    passed: set[bytes] = set()
    match = TAG.match
    # the tags it may hold: of BLOCK_TAGS, and learned (the same test as each in turn)
    allowed = BLOCK_TAGS.intersection([tag.encode("latin-1") for tag in learned["t"]])
    for j in range(start + 1, len(pieces)):
        piece = pieces[j]
        found = match(piece)
        if found is None or b">" not in piece:
            raise Mismatch(BLOCK)
        tag = found.group(2).lower()
        if found.group(1):
            if stack:
                if stack.pop() != tag:
                    raise Mismatch(BLOCK)
                continue
            if tag != name:
                raise Mismatch(BLOCK)
            content_pieces = pieces[start + 1 : j]
            if _too_long(content_pieces, text, learned):
                raise Mismatch(BLOCK)
            before, after = beside(pieces, start, j)
            marks = learned["t"]
            years = YEARS_MARK in marks
            if says_too_much(content_pieces, text, before, after, years=years):
                raise Mismatch(BLOCK)
            walled = PAYWALL_MARK in marks or CONSENT_MARK in marks
            if walled and says_a_wall(content_pieces, text, before, after, marks):
                raise Mismatch(BLOCK)
            return j
        if (
            tag not in allowed
            or (tag, stack[-1] if stack else name) in AUTO_CLOSED  # not nested as written
        ):
            raise Mismatch(BLOCK)
        head = piece.partition(b">")[0]
        _check_attributes(tag, head, learned, passed)
        if tag not in VOID and not (head.endswith(b"/") and closes_itself(head)):
            stack.append(tag)
    raise Mismatch(BLOCK)


def closes_itself(head: bytes) -> bool:
    """Whether a start tag's bytes before its ``>`` end it as the parser reads an empty
    element (``<span/>``, ``<span class="x"/>``, ``<span x/>``): a ``/`` at its end that is
    not the end of an unquoted attribute value (``<a href=/news/>`` opens a link whose
    ``href`` is ``/news/``, ``<span class=x/>`` a span of class ``x/``)."""
    if not head.endswith(b"/"):
        return False
    found = TAG.match(head)
    if found is None:
        return False
    pos = found.end()
    while (m := ATTRIBUTE.match(head, pos)) is not None:
        pos = m.end()
    return b"/" in head[pos:]


def _check_attributes(
    tag: bytes, head: bytes, learned: Vocabulary, passed: set[bytes] | None = None
) -> None:
    """Raises :class:`Mismatch` unless the attributes of ``head`` (the start tag's bytes of a
    ``tag``) read plainly, each of a name learned on that tag and, but for
    :data:`FREE_VALUES`, of a value learned on that tag.  ``passed``: the heads that passed
    already (``head``'s tag is read from it: the same answer), ``head`` added when it does."""
    if passed is not None:
        if head in passed:
            return
        _check_attributes(tag, head, learned)
        passed.add(head)
        return
    read = attributes(head)
    if read is None:
        raise Mismatch(BLOCK)
    for attribute, value in read:
        if (tag + b" " + attribute).decode("latin-1") not in learned["a"]:
            raise Mismatch(BLOCK)
        if attribute in FREE_VALUES:
            continue
        if bound_value(tag, attribute, value).decode("latin-1") not in learned["v"]:
            raise Mismatch(BLOCK)


def _tokens_out(
    piece: bytes,
    count: int,
    holes: Sequence[Sequence[Any]],
    pieces: Sequence[bytes] = (),
    at: int = 0,
) -> bytes:
    """``piece`` (``pieces[at]``, when the page's pieces are given) with its token holes
    emptied, each checked against its class and, with the bytes a reader joins to it, for a
    date (:func:`_says_a_date`)."""
    parts = RUN.split(piece)
    if len(parts) != count or (not piece.isascii() and other_digits(piece)):
        raise Mismatch(TOKEN)
    if holes and _says_a_date(piece, parts, holes, pieces, at):
        raise Mismatch(TOKEN)
    for index, kind_of, longest in holes:
        value = parts[index]
        if longest >= KEY:
            if not keeps_shape(value, longest - KEY):
                raise Mismatch(TOKEN)
        elif len(value) > longest or CLASSES[kind_of].fullmatch(value) is None:
            raise Mismatch(TOKEN)
        parts[index] = b""
    return b"\x00".join(parts)


def _says_a_date(
    piece: bytes,
    parts: list[bytes],
    holes: Sequence[Sequence[Any]],
    pieces: Sequence[bytes],
    at: int,
) -> bool:
    """Whether a token piece's new values could be read as a date
    (:mod:`archive.extract.date_shapes`): a ``title`` or ``data-utime`` of its tag that could,
    or a hole making a date shape with the bytes beside it (a count: its text, joined across
    tags to the page's text before and after it when ``pieces`` are given)."""
    if TAG.match(piece) is not None and title_says_a_date(piece.partition(b">")[0]):
        return True
    last = len(parts) - 1
    for index, kind_of, _ in holes:
        if kind_of == "y":  # a count admitted where no date reader reads it
            continue
        if kind_of == "n":
            left = b"".join(parts[:index]).rpartition(b">")[2]
            right = b"".join(parts[index + 1 :])
            if pieces and _DIGITS_AND_SEPARATORS.fullmatch(left) is not None:
                left = text_before(pieces, at) + left
            if pieces and _DIGITS_AND_SEPARATORS.fullmatch(right) is not None:
                right += text_after(pieces, at)
            if hole_says_a_date(left, parts[index], right, count=True):
                return True
        elif _SHAPE_BYTE.search(parts[index]) is not None:  # else it is no part of a chain
            if index & 1 and _apart(
                parts[index - 1], index == 1, parts[index + 1], index == last - 1
            ):
                # no byte of a shape beside it: the value alone
                if token_says_a_date(parts[index]):
                    return True
                continue
            left = b"".join(parts[max(index - 6, 0) : index])
            right = b"".join(parts[index + 1 : index + 7])
            if hole_says_a_date(left, parts[index], right, count=False):
                return True
    return False


# A byte a date shape may hold that a separator of runs may hold too.
_SHAPE_SEPARATORS: Final = frozenset(b"./")


def _apart(before: bytes, first: bool, after: bytes, last: bool) -> bool:
    """Whether a token's run stands apart from every byte of a date shape: ``before`` and
    ``after`` the separators beside it (the bytes :func:`_says_a_date` would join to it begin
    and end with them; ``first``, ``last``: no run beyond them) neither end nor start with one.
    A separator holds no digit nor ``-``; one left empty by the split is the piece's edge."""
    return (before[-1] not in _SHAPE_SEPARATORS if before else first) and (
        after[0] not in _SHAPE_SEPARATORS if after else last
    )


def key_shape(values: Sequence[bytes]) -> int | None:
    """The shape of the learned values of a key (class ``k``) as one number (the longest
    length times 256 plus the shortest), or None when one of them is no key: no digit, a
    run of four letters or more with one other than a-f, longer than 255."""
    lengths = [len(v) for v in values]
    shape = max(lengths) * 256 + min(lengths)
    if max(lengths) > _KEY_LONGEST or not all(keeps_shape(v, shape) for v in values):
        return None
    return shape


def keeps_shape(value: bytes, shape: int) -> bool:
    """Whether ``value`` is a key of the learned ``shape`` (:func:`key_shape`): of a length
    from the shortest to the longest learned, with a digit, and no run of four letters or more
    but of a-f (as in a hex digest); so it never spells a word a reader looks for in an id
    ("author", "title", "headline", "date", "meta", "comments", "content", "story"...), nor
    a name the wall guard reads ids by (:data:`.wall_names.WALL_NAMES`: ``abo-box``,
    ``tcf``...), which would make a chrome box a paywall or a consent prompt."""
    if not shape % 256 <= len(value) <= shape // 256:
        return False
    if _KEY_RUN.fullmatch(value) is None:
        return False
    if not all(_HEX_LETTERS.fullmatch(run) for run in _LETTERS.findall(value)):
        return False
    text = value.decode("ascii").lower()
    return not any(pattern.search(text) for pattern in WALL_NAMES)


# Primes the compression of every template (deflate's preset dictionary): what a block's
# vocabulary is made of (its tag names, attribute names, attribute values), most likely last.
# Stored templates depend on it: it changes only with FORMAT.
ZDICT: Final = (
    b" aria-hidden=true aria-expanded=false aria-label role=navigation role=button"
    b" role=menuitem target=_blank tabindex=-1 method=post action autocomplete=off placeholder"
    b" type=text type=submit type=button type=search type=email type=hidden"
    b" name=q name=email name=token name=csrf name=csrf_token data-id data-track data-src"
    b" data-testid srcset width height loading=lazy title style label small strong button"
    b" input section footer aside form nav h6 h5 h4 h3 h2 em b i br img alt value src id class"
    b" href span div li ul ol a"
)
_CLASS_CODES: Final = {"w": 0, "n": 1, "c": 2, "y": 3}
_CLASS_NAMES: Final = tuple(_CLASS_CODES)
_VOCABULARY_LISTS: Final = ("t", "a", "v")


def render(segments: Sequence[Segment], digest: str) -> str:
    """A template as stored on its version (``versions.fast_template``), read back by
    :func:`parse`: after :func:`identity`, base64 of the raw-deflated bytes (primed with
    :data:`ZDICT`) of the digest (16 bytes), the size of a list of numbers, those numbers (as
    varints) and the strings they give the sizes of (Latin-1, one after the other).  A
    segment is a number ``count * 3 + kind`` (kind 0, 1, 2: ``F``, ``T``, ``B``; ``count``:
    the pieces, or the parts of the token piece or of the start tag) followed by what its
    kind holds: a fixed run its byte length (:func:`with_lengths`); a hole list is its size
    and, for each hole, ``(parts - index) * 4 + class`` and its longest length; a block's
    name, then its vocabulary's tag names, attribute names and values, each list its size
    and its strings, then the longest content's length.  321
    characters on average for a corpus page in request chrome, against 518 as format t0b's
    JSON (zlib, base64): ``python -m bench.templates``.  (Ascii85 would save 20 more, but
    Python decodes it at a twentieth of base64's speed, and :func:`check` reads the template
    on every check.)"""
    raw = bytes.fromhex(digest)
    if len(raw) != 16:
        raise ValueError("a digest is 16 bytes")
    numbers: list[int] = []
    strings = bytearray()

    def string(text: str) -> None:
        data = text.encode("latin-1")
        numbers.append(len(data))
        strings.extend(data)

    def holes(count: int, found: Sequence[Sequence[Any]]) -> None:
        numbers.append(len(found))
        for index, kind_of, longest in found:
            if not 0 <= index < count:
                raise ValueError("a hole outside its piece")
            numbers.extend(((count - index) * 4 + _CLASS_CODES[kind_of], longest))

    for segment in segments:
        kind = segment[0]
        if kind == "F":  # ["F", count, length] (with_lengths)
            numbers.extend((segment[1] * 3, segment[2]))
        elif kind == "T":
            numbers.append(segment[1] * 3 + 1)
            holes(segment[1], segment[2])
        elif kind == "B":
            _, name, count, block_holes, learned = segment
            numbers.append(count * 3 + 2)
            string(name)
            holes(count, block_holes)
            for key in _VOCABULARY_LISTS:
                numbers.append(len(learned[key]))
                for word in learned[key]:
                    string(word)
            numbers.append(learned["n"])
        else:
            raise ValueError(f"no segment of kind {kind!r}")
    listed = _varints(numbers)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, ZDICT)
    packed = packer.compress(raw + _varints([len(listed)]) + listed + strings) + packer.flush()
    return f"{identity()}|" + b64encode(packed).decode("ascii") + UNVERIFIED


def _varints(numbers: Sequence[int]) -> bytes:
    out = bytearray()
    for value in numbers:
        if value < 0:
            raise ValueError("a negative number")
        while value > 0x7F:
            out.append(value & 0x7F | 0x80)
            value >>= 7
        out.append(value)
    return bytes(out)


def _numbers(data: bytes) -> list[int]:
    """The varints of ``data``; raises ValueError when the last one is cut.  (A one-byte
    number, most of them, is taken as it is.)"""
    numbers: list[int] = []
    append = numbers.append
    value = shift = 0
    for byte in data:
        if byte < 0x80:
            if shift:
                append(value | byte << shift)
                value = shift = 0
            else:
                append(byte)
        else:
            value |= (byte & 0x7F) << shift
            shift += 7
    if shift:
        raise ValueError("a truncated number")
    return numbers


def parse(template: str) -> tuple[list[Segment], str]:
    """The segments and the digest of a template of this identity (:func:`render`, verified
    or not); raises ValueError (or IndexError, KeyError...) on anything else, a template of
    another format or extractor included."""
    prefix = identity() + "|"
    if not template.startswith(prefix) or template.startswith(prefix + NONE + "|"):
        raise ValueError("not a template of this format and extractor")
    unpacker = zlib.decompressobj(-15, ZDICT)
    packed = template[len(prefix) :].removesuffix(UNVERIFIED).removesuffix(DERIVED)
    data = unpacker.decompress(b64decode(packed))
    if not unpacker.eof or unpacker.unused_data or len(data) < 17:
        raise ValueError("a truncated template")
    return _segments(data), data[:16].hex()


def _segments(data: bytes) -> list[Segment]:
    """The segments :func:`render` wrote after the digest (16 bytes) of ``data``: the size of
    the list of numbers, the numbers, the strings.  (One loop over the numbers, the strings
    read from their Latin-1 text, one character a byte.)"""
    pos, size = 16, 0
    for shift in range(0, 35, 7):  # the size of the list of numbers
        byte = data[pos]
        pos += 1
        size |= (byte & 0x7F) << shift
        if not byte & 0x80:
            break
    if pos + size > len(data):
        raise ValueError("a truncated template")
    numbers = _numbers(data[pos : pos + size])
    strings = data[pos + size :].decode("latin-1")
    total = len(numbers)
    at = used = 0  # the next number, the strings' characters read
    segments: list[Segment] = []
    append = segments.append
    while at < total:
        count, kind = divmod(numbers[at], 3)
        at += 1
        if kind == 0:
            append(["F", count, numbers[at]])
            at += 1
        elif kind == 1:
            holes, at = _holes(numbers, at, count)
            append(["T", count, holes])
        else:
            name, at, used = _string(numbers, at, strings, used)
            holes, at = _holes(numbers, at, count)
            learned: Vocabulary = {}
            for key in _VOCABULARY_LISTS:
                learned[key], at, used = _strings(numbers, at, strings, used)
            learned["n"] = numbers[at]
            at += 1
            append(["B", name, count, holes, learned])
    if at != total or used != len(strings):
        raise ValueError("a template with bytes left over")
    return segments


def _holes(numbers: list[int], at: int, count: int) -> tuple[list[list[Any]], int]:
    """The hole list starting at ``numbers[at]`` (its size, then two numbers a hole) of a
    piece of ``count`` parts, and the index of the number after it."""
    holes: list[list[Any]] = []
    for _ in range(numbers[at]):
        code = numbers[at + 1]
        index = count - (code >> 2)
        if not 0 <= index < count:
            raise ValueError("a hole outside its piece")
        holes.append([index, _CLASS_NAMES[code & 3], numbers[at + 2]])
        at += 2
    return holes, at + 1


def _string(numbers: list[int], at: int, strings: str, used: int) -> tuple[str, int, int]:
    """The string whose length is ``numbers[at]``, its characters from ``strings[used:]`` on;
    the index of the number after it and the characters then read."""
    end = used + numbers[at]
    if end > len(strings):
        raise ValueError("a truncated string")
    return strings[used:end], at + 1, end


def _strings(numbers: list[int], at: int, strings: str, used: int) -> tuple[list[str], int, int]:
    """The list of strings whose size is ``numbers[at]`` (:func:`_string` each), the index of
    the number after it and the characters then read."""
    words: list[str] = []
    count = numbers[at]
    at += 1
    for _ in range(count):
        word, at, used = _string(numbers, at, strings, used)
        words.append(word)
    return words, at, used


def is_unverified(template: str | None) -> bool:
    """Whether no decision of ``template`` has been verified by a full extraction yet (the
    crawl verifies its first one, whatever ``fast_path_verify_every``)."""
    if not template:
        return False
    return template.endswith(UNVERIFIED) and not is_unlearnable(template)


def verified(template: str) -> str:
    """``template`` once a decision of it was verified."""
    return template.removesuffix(UNVERIFIED)


def mark_derived(template: str) -> str:
    """``template`` (as :func:`render` gives it) marked as derived from its site's rules."""
    if template.endswith(UNVERIFIED):
        return template.removesuffix(UNVERIFIED) + DERIVED + UNVERIFIED
    return template + DERIVED


def is_derived(template: str | None) -> bool:
    """Whether ``template`` was derived from its site's rules (:func:`mark_derived`), not
    learned: once the site's rules are dropped it decides nothing."""
    if not template or not template.startswith(identity() + "|"):
        return False
    return template.removesuffix(UNVERIFIED).endswith(DERIVED)


def unlearnable(reason: str) -> str:
    """What is stored for a version whose template cannot be learned (tried once)."""
    return f"{identity()}|{NONE}|{reason}"


def is_unlearnable(template: str) -> bool:
    return template.startswith(f"{identity()}|{NONE}|")


def needs_learning(template: str | None) -> bool:
    """Whether a version with ``template`` has none of this extractor (learned or tried)."""
    return not template or not template.startswith(identity() + "|")


def segments_of(template: str | None) -> tuple[list[Segment], str] | None:
    """The segments and digest of a learned ``template`` of this extractor (None for any other
    or an unlearnable one): :func:`parse`, without its exceptions."""
    if not template:
        return None
    try:
        return parse(template)
    except Exception:
        return None


def check(
    body: bytes, template: str | None, *, url: str, content_type: str | None, min_chars: int
) -> str | None:
    """None when ``body``, fetched from ``url`` (the final one) with ``content_type`` and
    read with ``min_chars``, matches ``template`` (the same article as the template's
    version), else why not (one of :data:`REASONS`)."""
    if not template:
        return NO_TEMPLATE
    prefix = identity() + "|"
    if not template.startswith(prefix):
        return OTHER_EXTRACTOR
    rest = template[len(prefix) :]
    if rest.startswith(NONE + "|"):
        return UNLEARNABLE
    try:
        segments, digest = parse(template)
        charset = first_charset(body, content_type)
        bound = context(url, content_type, min_chars, charset)
        plain = [True]
        if _digest_in_place(body, segments, bound, plain) != digest:
            # a difference (or a doubt): the page split into its pieces says which
            plain = [True]
            if digest_of(body.split(b"<"), segments, body, bound, plain) != digest:
                return DIGEST
        # The fixed bytes are the learned page's, which decoded strictly in ``charset`` (as
        # learning requires): ASCII holes, each whole pieces between two ``<``, keep it so.
        if plain[0] and ascii_keeps_decoding(charset):
            return None
        if not decodes_strictly(body, charset):
            return CHARSET
        return None
    except Mismatch as exc:
        return str(exc.args[0])
    except Exception:  # any doubt: the slower paths decide
        return ERROR
