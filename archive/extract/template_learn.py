"""Learning tier 0's template (:mod:`.template`) from two payloads of the same article.

Run in an extraction worker once per version: when a refetch brings a payload ``new`` other
than the version's stored one (``old``) and its full extraction gives the version's very
article (the same content hash), the two are compared piece by piece (split on ``b"<"``), in
step.  Equal pieces are fixed.  A difference inside a block named as chrome (the innermost
element around it, or starting with it, of a block's tag and named as chrome by its tag or its
class and id, that closes in both payloads, its content plainly chrome in both) makes that
block a block hole, whatever its length, so that a menu gaining an item later is still the
template's.  Elsewhere two different pieces whose runs of ``[A-Za-z0-9_-]`` differ with every
separator equal are a token hole; anything else: no template.

Every hole is then judged on ``old`` as parsed (each marked in place with a token of its own):
a token in an attribute is a hole only outside the article's region, not on ``<html>``,
``<title>``, ``<time>`` or microdata, and only in an attribute no reader reads
(:func:`_attribute_class`: an asset's URL, a nonce, a request token's ``<meta>``, a hidden
field's value, a ``data-`` attribute naming a request token, or an id of an element named as
chrome, whose value must keep the learned shape); a token in a script's text only when
the script is no JSON and names no date, author or headline; a token in visible text only when
it is a count (digits) in a block beside the article's container named as chrome (navigation,
aside, form, footer, or chrome by name, see :func:`.fastpath._named_as_chrome`) and outside
title, headings 1, times; a block only when it is such a block and holds nothing the metadata
readers read (:func:`.template.block_reason`).  Then the metadata readers run on the page
with every block hole's texts made a probe and every token hole's marker in place: a probe or
a marker they read is no hole (:func:`_read_by_metadata`); and once more with every token
hole holding a date, or a name and a date, of its class (:func:`_probe_value`), and every
block hole emptied: if they give anything else, a reader that takes only a date or a name
from what it reads reads a hole, or a reader of an element's whole text gated on its length
or its start reads a block shrinking (:func:`_shape_probed`).  A block that could make the
page print its description once more or once less is no hole (:func:`.printed.varies_with`).
When a block's content in ``new`` is of another skeleton than in ``old``
(:func:`.template.skeleton`), all of this is judged again on ``old`` with every block's content
as ``new`` has it (:func:`_judge_both`): the vocabulary admits what either payload held.
Anything else: no template
(:func:`~.template.unlearnable`), and the version keeps using the fingerprint check.  The
template is kept only if both payloads match it with the same digest.

A count in visible text is of class ``n`` (never a year from 1990 to 2100) and a block's content
holds no year, unless the page's timestamps are stated by its markup alone
(:func:`.timestamps.dated_by_markup`, judged on ``old`` as the extractor reads it, in the
same reading as the probe's, whose readers read no hole: then no date reader of the extractor
reads text) and the chrome around the hole names no date (the
text of its outermost ancestor that holds no part of the article has none of "published",
"posted", "updated", "modified": the dateline a paragraph could be dropped as): then the count
is of class ``y`` and the block's vocabulary holds :data:`.template.YEARS_MARK`, and a year
there is no reason to fall back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from copy import deepcopy
from typing import Any

from htmldate.core import (
    DATE_ATTRIBUTES,
    ITEMPROP_ATTRS,
    NAME_MODIFIED,
    PROPERTY_MODIFIED,
)
from lxml.html import HtmlElement
from trafilatura.metadata import (
    METANAME_AUTHOR,
    METANAME_DESCRIPTION,
    METANAME_IMAGE,
    METANAME_PUBLISHER,
    METANAME_TAG,
    METANAME_TITLE,
)

from archive.extract.date_shapes import _SEGMENT, YEAR_RUN
from archive.extract.decode import decoded_by_detection, first_charset, shared_charset
from archive.extract.extractor import (
    PageReading,
    first_readings,
    page_metadata_evidence,
    read_cleared_page,
    read_page,
)
from archive.extract.fastpath import (
    _CHROME_WORDS,
    _CONTENT_WORDS,
    _NOT_TEXT_BLOCKS,
    CHROME_KINDS,
    Locator,
    _container,
    _named_as_chrome,
    locator_of,
)
from archive.extract.history import ITEM_XPATH, ChangeHistory
from archive.extract.inline_chrome import _name_words, reads
from archive.extract.normalize import normalize_optional
from archive.extract.parse import parse_body
from archive.extract.printed import varies_with as printed_varies_with
from archive.extract.template import (
    ATTRIBUTE,
    BLOCK_TAGS,
    CHARSET,
    KEY,
    RUN,
    TAG,
    VOID,
    YEARS_MARK,
    Mismatch,
    Segment,
    attributes,
    block_reason,
    context,
    digest_of,
    key_shape,
    match_close,
    render,
    tag_name,
    unlearnable,
    vocabulary,
    with_lengths,
)
from archive.extract.template_probe import probed, spliced
from archive.extract.template_walls import element_marks, reads_values, vocabulary_marks
from archive.extract.timestamps import (
    _FOLDED_TO_ASCII,
    PUBLISHED_META,
    UPDATED_META,
    dated_by_markup,
    in_update_line,
)

# Elements a block hole may be (beside the article, named as chrome or of a chrome kind).
# (Of a chrome kind: :data:`.fastpath.CHROME_KINDS`, which :func:`.printed.in_chrome` reads as
# chrome too; else named as chrome.)
_CHROME_TAGS = CHROME_KINDS
_BLOCK_NAMES = frozenset(
    {kind.encode() for kind in CHROME_KINDS} | {b"div", b"section", b"ul", b"ol"}
)
_RAW = frozenset(b"script style textarea title xmp iframe noscript noembed noframes".split())
_MARK = re.compile(r"qzrl([0-9]+)hz")
_MARKER = "qzrl"  # what every marker holds
_COMMENT = re.compile(rb"<!--.*?(?:-->|--!>|\Z)", re.DOTALL)
_BLOCK_MARK = "data-qzrlblock"
# On a <meta> or <link>: names of request tokens and asset links, never of metadata.
_TOKEN_NAMES = re.compile(r"csrf|token|request|nonce|build|session|trace|cache|stylesheet|preload")
_META_NAMES = re.compile(
    r"date|time|author|publish|modif|updat|title|descr|keyword|lang|locale|section|byline"
    r"|creator|canonical|amphtml|alternate|og:|article|twitter|refresh|content-type|itemprop"
)
# The <meta> keys a reader reads (the extractor's timestamps, trafilatura's and htmldate's
# metadata): a <meta> any of whose naming attributes is one holds no token.
_READ_META_KEYS = frozenset(
    key.lower()
    for keys in (
        PUBLISHED_META,
        UPDATED_META,
        METANAME_AUTHOR,
        METANAME_DESCRIPTION,
        METANAME_IMAGE,
        METANAME_PUBLISHER,
        METANAME_TAG,
        METANAME_TITLE,
        DATE_ATTRIBUTES,
        NAME_MODIFIED,
        PROPERTY_MODIFIED,
        ITEMPROP_ATTRS,
    )
    for key in keys
)
_META_NAMING = ("name", "property", "itemprop", "http-equiv")
# A month's name or abbreviation (English: :func:`.timestamps.visible_update_day`'s and
# dateutil's), as a word.
_MONTH = re.compile(
    r"(?<![a-z])(?:january|february|march|april|may|june|july|august|september|october"
    r"|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)(?![a-z])"
)
_LINK_RELS = re.compile(r"canonical|amphtml|alternate|author|shortlink|publisher|\bme\b|license")
_SCRIPT_WORDS = re.compile(r"json|date|author|publish|modif|updat|byline|headline|time[\"']")
# A ``data-`` attribute that names a request token, an ad slot or a count (no reader reads
# one: htmldate reads ``data-utime``, trafilatura ``data-testid``, ``data-component``,
# ``data-src``...).
_DATA_TOKEN = re.compile(
    r"data-(?:[a-z0-9]+-)*(?:csrf|token|request|req|nonce|build|session|trace|cache|slot|n"
    r"|count|id|hash|version|rev)(?:-[a-z0-9]+)*"
)
# The reason a page whose charset is detected, not declared nor UTF-8, has no template.
DETECTED_CHARSET = "detected_charset"
_NOT_TEXT_OWNERS = frozenset({"title", "h1", "time", "head", "article", "main", "html", "body"})
# The words a dateline opens with (``chrome._DATELINE``, which drops a paragraph that is only
# date statements): chrome around a hole that says none can be no such paragraph.
_DATELINE_WORDS = ("publish", "posted", "updat", "modif")


def learn_with_fingerprint(
    old: bytes,
    new: bytes,
    content_type: str | None,
    fingerprint: str | None,
    *,
    url: str,
    min_chars: int,
    article_hash: str | None = None,
) -> str:
    """:func:`learn`, the region located by ``new``'s fast-path fingerprint (as
    :func:`.fastpath.fallback_reason` reads it); no fingerprint of this extractor, no template."""
    if not fingerprint:
        return unlearnable("no_fingerprint")
    locator = locator_of(fingerprint)
    if locator is None:
        return unlearnable("other_fingerprint")
    return learn(
        old, new, content_type, locator, url=url, min_chars=min_chars, article_hash=article_hash
    )


def learn(
    old: bytes,
    new: bytes,
    content_type: str | None,
    locator: Locator | None,
    *,
    url: str,
    min_chars: int,
    article_hash: str | None = None,
) -> str:
    """The template of the version whose stored payload is ``old``, learned against ``new``
    (same article, other bytes), or :func:`~.template.unlearnable` with the reason.
    ``article_hash``, when the caller has just extracted ``new`` to it, spares the worst-case
    probe (:func:`.template_probe.probed`) a full extraction of ``old``.

    ``locator`` is the fingerprint's locator of the article's region (:mod:`.fastpath`): no
    region, no template.  ``url`` (the final URL ``new`` was fetched from) and ``min_chars``
    (the minimum article length it was read with) are bound into the template with the
    Content-Type (:func:`.template.context`): a check in another context is a mismatch."""
    try:
        bound = context(url, content_type, min_chars, first_charset(old, content_type))
        learned = _learn(old, new, bound, content_type, locator, url, years=True)
        if learned is None:  # a block held a year where none may be: learn as before
            learned = _learn(old, new, bound, content_type, locator, url, years=False)
        assert learned is not None
        return probed(
            learned,
            old,
            new,
            content_type,
            url=url,
            min_chars=min_chars,
            article_hash=article_hash,
        )
    except Exception as exc:  # any doubt: no template
        return unlearnable(f"error:{type(exc).__name__}")


def _outside_lines(
    tree: HtmlElement, reading: PageReading, elements: list[HtmlElement]
) -> list[HtmlElement]:
    """Of ``elements`` (each holding a hole), those that may hold a year as far as the page's
    timestamps go: none unless the page is dated by its markup
    (:func:`.timestamps.dated_by_markup`), and then those outside every element a visible
    update line is read from (:func:`.timestamps.in_update_line`), both judged on ``tree`` as
    :func:`.extractor.read_page` made it ready for the extraction (``reading``: what it read;
    the elements stay themselves, the tree changed in place)."""
    try:
        history = reading.history
        if not dated_by_markup(
            tree, reading.head, published=history.published, updated=history.updated
        ):
            return []
        return [element for element in elements if not in_update_line(element)]
    except Exception:  # any doubt: no year (the template is learned without)
        return []


def _learn(
    old: bytes,
    new: bytes,
    bound: bytes,
    content_type: str | None,
    locator: Locator | None,
    url: str,
    *,
    years: bool,
) -> str | None:
    """The template (or why none); None when, ``years`` taken, a block whose learned content
    holds a year was not admitted to hold one (then learn with ``years`` off)."""
    if locator is None:
        return unlearnable("no_region")
    if decoded_by_detection(old, content_type) or decoded_by_detection(new, content_type):
        # the charset is guessed from the whole payload: new bytes in a hole may move the
        # guess, and every accented letter of the article then reads otherwise
        return unlearnable(DETECTED_CHARSET)
    if shared_charset(old, new, content_type) is None:
        # read in a charset other than the one tried first (which a hole's new bytes may
        # make decode): the check could not hold holes to the charset the page is read in
        return unlearnable(CHARSET)
    a, b = old.split(b"<"), new.split(b"<")
    walked = _walk(a, b, years=years)
    if isinstance(walked, str):
        return unlearnable(walked)
    entries, blocks, yearly = walked
    tokens = [(i, e[2]) for i, e in entries if e[0] == "T"]
    tokens += [(i, e[3]) for i, e in entries if e[0] == "B" and e[3]]
    reason = _judge_both(a, b, content_type, locator, tokens, blocks, entries, url)
    if reason is not None:
        return unlearnable(reason)
    if any(e[0] == "B" and i in yearly and YEARS_MARK not in e[4]["t"] for i, e in entries):
        return None
    for _, found in tokens:
        for hole in found:
            del hole[3:]  # the learned values
    segments = _compress(entries)
    try:
        digest = digest_of(a, segments, old, bound)
        if digest_of(b, segments, new, bound) != digest:
            return unlearnable("self_check")
        segments = with_lengths(a, segments)  # they cover ``a``: its digest was taken
    except Mismatch as exc:
        return unlearnable(f"self_check:{exc.args[0]}")
    return render(segments, digest)


Entry = tuple[int, Segment]


def _judge_both(
    a: list[bytes],
    b: list[bytes],
    content_type: str | None,
    locator: Locator,
    tokens: list[tuple[int, list[list[Any]]]],
    blocks: list[int],
    entries: list[Entry],
    url: str,
) -> str | None:
    """:func:`_judge` on the stored page ``a``, then, when a block's content in ``b`` is of
    another skeleton (:func:`.template_probe.spliced`), on ``a`` with every block's content
    as ``b`` has it: the vocabulary admits what either payload held, so every probe reads
    both.  The second judgement runs on copies of the holes and must come to the same classes
    and marks ("judged_otherwise")."""
    other = spliced(a, b, [entry for _, entry in entries]) if blocks else None
    again = deepcopy((tokens, entries)) if other is not None else None
    reason = _judge(a, content_type, locator, tokens, blocks, entries, url)
    if reason is not None or other is None or again is None:
        return reason
    page, where = other
    tokens_b = [(where[i], found) for i, found in again[0]]
    entries_b = [(where[i], entry) for i, entry in again[1]]
    blocks_b = [where[i] for i in blocks]
    reason = _judge(page, content_type, locator, tokens_b, blocks_b, entries_b, url)
    if reason is None and [e for _, e in entries_b] != [e for _, e in entries]:
        return "judged_otherwise"
    return reason


def _walk(
    a: list[bytes], b: list[bytes], *, years: bool = False
) -> tuple[list[Entry], list[int], set[int]] | str:
    """The pieces of ``a`` and ``b`` compared in step: the entries covering ``a`` in order (a
    run of fixed pieces, a token piece, or a block's start tag and content), the start pieces
    of the blocks, and those of the blocks whose content holds a year in ``a`` or ``b``; or
    why not.  ``years``: a block's content may hold a year (whether it may is judged after,
    :func:`_judge`)."""
    yearly: set[int] = set()
    entries: list[Entry] = []
    blocks: list[int] = []
    opened = _Open()
    tags = _tags(a)
    run: Segment | None = None  # the run of fixed pieces the last entry is, if it is one
    i = j = 0
    size_a, size_b = len(a), len(b)
    while i < size_a and j < size_b:
        x, y = a[i], b[j]
        if x == y:
            if run is None:
                run = ["F", 1]
                entries.append((i, run))
            else:
                run[1] += 1
        else:
            run = None
            # a difference inside a block named as chrome makes the whole block a hole (its
            # length may vary: a menu item added, a list rotating), when it is plainly chrome;
            # elsewhere, a token hole
            block = _enclosing_block(a, b, i, j, opened.stack, years)
            holes = _token_holes(x, y) if block is None else None
            if block is None and holes is None:
                return "unmatched"
            if holes is not None:
                entries.append((i, ["T", len(RUN.split(x)), holes]))
            else:
                assert block is not None
                _take_block(a, entries, blocks, block)
                if years and _holds_year(a, b, block):
                    yearly.add(block[0])
                opened.cut(block[0])
                i, j = block[3], block[4]
                continue
        closing, name = tags[i]
        if name:
            opened.passed(x, i, j, closing, name)
        i += 1
        j += 1
    if i != size_a or j != size_b:
        return "length"
    return entries, blocks, yearly & set(blocks)


Block = tuple[int, int, bytes, int, int, list[list[Any]], dict[str, Any]]


def _holds_year(a: list[bytes], b: list[bytes], block: Block) -> bool:
    """Whether a block's content (plainly chrome but for years) holds a year in ``a`` or ``b``."""
    start_a, start_b, _, close_a, close_b, _, _ = block
    return bool(
        block_reason(a[start_a + 1 : close_a], a[start_a].partition(b">")[2])
        or block_reason(b[start_b + 1 : close_b], b[start_b].partition(b">")[2])
    )


def _take_block(a: list[bytes], entries: list[Entry], blocks: list[int], block: Block) -> None:
    """The entries and the blocks from ``block``'s start on, replaced by the block."""
    start_a, _, name, _, _, holes, learned = block
    while entries and entries[-1][0] >= start_a:  # taken into the block
        entries.pop()
    if entries and entries[-1][1][0] == "F":  # a run ending inside: cut
        first, cut = entries[-1]
        cut[1] = min(cut[1], start_a - first)
    blocks[:] = [k for k in blocks if k < start_a]
    start = a[start_a].partition(b">")[0]
    entries.append((start_a, ["B", name.decode(), len(RUN.split(start)), holes, learned]))
    blocks.append(start_a)


class _Open:
    """The open elements (for :func:`_enclosing_block`) as ``a``'s pieces are passed: a start
    tag opens an element but a void or self-closed one, an end tag closes the innermost open
    element of its name and every element opened in it (nothing when none is open), and
    inside a raw-text element (a script, a style...) only its own end tag counts."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, int, bytes]] = []  # index in a, in b, name
        self.names: list[bytes] = []  # their names
        self.raw: bytes | None = None  # inside a script, a style...: no tags

    def passed(self, piece: bytes, i: int, j: int, closing: bytes, name: bytes) -> None:
        """Piece ``i`` of ``a`` (``j`` of ``b``), whose tag is ``closing`` and ``name``."""
        if self.raw is not None:
            if closing and name == self.raw:
                self.raw = None
        elif closing:
            names = self.names
            if name in names:
                while names:
                    self.stack.pop()
                    if names.pop() == name:
                        break
        elif name in _RAW:
            self.raw = name
        elif name not in VOID:
            end = piece.find(b">")
            if not piece.endswith(b"/", 0, end if end >= 0 else len(piece)):
                self.stack.append((i, j, name))
                self.names.append(name)

    def cut(self, start: int) -> None:
        """The elements opened from piece ``start`` of ``a`` on are gone (in a block)."""
        while self.stack and self.stack[-1][0] >= start:
            self.stack.pop()
            self.names.pop()
        self.raw = None


_TAGS = re.compile(rb"<(/?)([a-z][a-z0-9]*)|<")


def _tags(a: list[bytes]) -> list[tuple[bytes, bytes]]:
    """Each piece's tag as :func:`.template.tag_name` reads it: ``(b"/" or b"", lowercased
    name)``, the name empty when the piece starts with no tag.  One pass over the page: the
    piece after each ``<`` of the lowercased page."""
    first = tag_name(a[0])
    head = (b"/" if first[0] else b"", first[1]) if first is not None else (b"", b"")
    return [head, *_TAGS.findall(b"<".join(a).lower())]


def _token_holes(x: bytes, y: bytes) -> list[list[Any]] | None:
    """The token holes making piece ``x`` piece ``y`` (``[index, class, longest]``, the class
    settled by :func:`_judge`); None when they differ otherwise."""
    px, py = RUN.split(x), RUN.split(y)
    if len(px) != len(py):
        return None
    holes: list[list[Any]] = []
    for index, (u, v) in enumerate(zip(px, py, strict=True)):
        if u == v:
            continue
        if index % 2 == 0:  # a separator
            return None
        if index == 1 and px[0] in (b"", b"/", b"!"):  # the tag's name
            return None
        if _in_a_name(px, index) or _in_a_name(py, index):
            return None
        # (the learned values go once the holes are judged: :func:`_learn`)
        holes.append([index, "?", max(len(u), len(v)) * 2 + 4, u, v])
    return holes


def _in_a_name(parts: list[bytes], index: int) -> bool:
    """Whether run ``parts[index]`` of a piece is in a tag's name or an attribute's name (or
    where the piece's tag does not read plainly: any doubt is a name)."""
    piece = b"".join(parts)
    if tag_name(piece) is None:
        return False  # text (after a ``<`` that opens no tag)
    at = sum(map(len, parts[:index]))
    end = at + len(parts[index])
    head = piece.split(b">", 1)[0]
    if at > len(head):
        return False  # the text after the tag
    if attributes(head) is None:
        return True
    return any(start < end and at < stop for start, stop in _name_spans(head))


def _name_spans(head: bytes) -> list[tuple[int, int]]:
    """The spans of the tag's name and of its attributes' names in ``head`` (a tag's bytes
    before its ``>``, reading plainly: :func:`.template.attributes`)."""
    found = TAG.match(head)
    assert found is not None
    spans = [found.span(2)]
    pos = found.end()
    while (m := ATTRIBUTE.match(head, pos)) is not None:
        spans.append(m.span(1))
        pos = m.end()
    return spans


def _enclosing_block(
    a: list[bytes],
    b: list[bytes],
    i: int,
    j: int,
    stack: Sequence[tuple[int, int, bytes]],
    years: bool = False,
) -> Block | None:
    """The innermost element around pieces ``a[i]`` / ``b[j]`` (or starting there) that may
    be a block hole: of a block's name and named as chrome, its start tags equal but for
    token holes, closing in both, its content plainly chrome in both."""
    candidates = list(reversed(stack))
    here_a, here_b = tag_name(a[i]), tag_name(b[j])
    if here_a is not None and here_a == here_b and not here_a[0]:
        candidates.insert(0, (i, j, here_a[1]))
    for start_a, start_b, name in candidates:
        if name not in _BLOCK_NAMES or not _looks_chrome(name, a[start_a]):
            continue
        close_a, close_b = match_close(a, start_a, name), match_close(b, start_b, name)
        if close_a is None or close_b is None or close_a < i or close_b < j:
            continue
        tag_a, _, text_a = a[start_a].partition(b">")
        tag_b, _, text_b = b[start_b].partition(b">")
        holes = [] if tag_a == tag_b else _token_holes(tag_a, tag_b)
        content_a, content_b = a[start_a + 1 : close_a], b[start_b + 1 : close_b]
        learned = vocabulary([(content_a, text_a), (content_b, text_b)])
        if (
            holes is None
            or learned is None
            or block_reason(content_a, text_a, years=years, name=name)
            or block_reason(content_b, text_b, years=years, name=name)
        ):
            return None  # the innermost block is not plainly chrome: none outside it is a hole
        return start_a, start_b, name, close_a, close_b, holes, learned
    return None


_NAME_ATTRIBUTE = re.compile(rb"""\b(?:class|id)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def _looks_chrome(name: bytes, piece: bytes) -> bool:
    """Whether a start tag names a block as chrome, by its tag or its class and id (the parse
    confirms it: :func:`_block`)."""
    if name.decode() in _CHROME_TAGS:
        return True
    tag = piece.split(b">", 1)[0]
    names = b" ".join(b"".join(m.groups(b"")) for m in _NAME_ATTRIBUTE.finditer(tag))
    words = _name_words(names.decode("latin-1"))
    return not words.isdisjoint(_CHROME_WORDS) and words.isdisjoint(_CONTENT_WORDS)


def _compress(entries: list[Entry]) -> list[Segment]:
    segments: list[Segment] = []
    for _, entry in entries:
        if entry[0] == "F" and segments and segments[-1][0] == "F":
            segments[-1][1] += entry[1]
        else:
            segments.append(list(entry))
    return segments


def _judge(
    a: list[bytes],
    content_type: str | None,
    locator: Locator,
    tokens: list[tuple[int, list[list[Any]]]],
    blocks: list[int],
    entries: list[Entry],
    url: str,
) -> str | None:
    """None when every hole is provably outside what the extraction reads (see the module's
    docstring), each token hole's class set (a count ``y`` and a block marked
    :data:`.template.YEARS_MARK` where a year is safe); else why not."""
    marked = _marked(a, tokens, blocks)
    if isinstance(marked, str):
        return marked
    page, spots = marked
    tree = parse_body(page, content_type)
    if tree is None:
        return "not_parsed"
    region = locator.locate(tree)
    if region is None:
        return "no_region"
    container = _container(region)
    holes = _Holes(a, entries, spots, region, container if container is not None else region)
    for element in tree.iter():
        reason = holes.judge(element)
        if reason:
            return reason
    if any(count != 1 for count in holes.seen.values()):
        return "token_twice"
    # a token inside a comment of the raw page (an IE conditional comment's cache-busted
    # script, say): the parse drops comments, so the extraction never reads it
    pieces = [i for i, found in tokens for _ in found]
    unseen = [(n, i) for n, i in enumerate(pieces) if n not in holes.seen]
    comments = [m.span() for m in _COMMENT.finditer(b"<".join(a))] if unseen else []
    for n, i in unseen:
        if _in_a_comment(a, i, spots[n], comments):
            spots[n][1] = "c"
            holes.seen[n] = 1
    # a marker the parse did not give back where it was put (in a tag's or an attribute's
    # name, say) is no hole: what it would admit cannot be judged
    if len(holes.seen) != len(spots):
        return "token_not_found"
    probed = tree.xpath(f"//*[@{_BLOCK_MARK}]")
    if len(probed) != len(blocks):
        return "block_not_found"
    _mark_walls(probed, blocks, entries)
    return _probed(tree, probed, url, holes, blocks, entries) if spots or blocks else None


def _mark_walls(probed: list[HtmlElement], blocks: list[int], entries: list[Entry]) -> None:
    """Each block hole (``probed``: their elements, marked with their number in ``blocks``)
    marked by the walls it stands by (:mod:`.template_walls`): its new content must say
    nothing such a wall's controls say."""
    at = dict(entries)
    for element in probed:
        learned = at[blocks[int(element.get(_BLOCK_MARK))]][4]
        marks = element_marks(element) | vocabulary_marks(learned)
        if marks:
            learned["t"] = sorted({*learned["t"], *marks})


def _probed(
    tree: HtmlElement,
    probed: list[HtmlElement],
    url: str,
    holes: _Holes,
    blocks: list[int],
    entries: list[Entry],
) -> str | None:
    """:func:`_read_by_metadata`'s reason, the years admitted (:func:`_admit_years`) when
    there is none."""
    # the elements that may hold a year, if the page's timestamps allow
    quiet = [owner for _, owner in holes.quiet] + list(holes.quiet_blocks.values())
    reason, admitted = _read_by_metadata(tree, probed, url, quiet, holes.places, holes.spots)
    if reason is None and admitted:
        _admit_years(holes, blocks, entries, admitted)
    return reason


# What every text of a block hole reads while the metadata readers run on the learned page
# (:func:`_read_by_metadata`): two capitalised words, as a name or a headline would be.
_PROBE = "Qzrlpa Qzrlpb"


def _read_by_metadata(
    tree: HtmlElement,
    blocks: list[HtmlElement],
    url: str,
    quiet: list[HtmlElement],
    places: list[tuple[HtmlElement, str | None]],
    spots: list[list[Any]],
) -> tuple[str | None, list[HtmlElement]]:
    """Why a hole is no hole when the extractor's metadata readers, run in full on the learned
    page (``tree``: parsed with every token hole's marker in place) with every text of every
    block hole made :data:`_PROBE` (every element's text and every tail inside it, empty ones
    included: a later content may put words anywhere), read a marker or a probe: a byline
    read from a ``<span class="username">`` of an aside, a headline from a widget's
    ``<h3 class="widget-title">``, a date from a token...  The word lists of the guards
    (:data:`.template.BLOCK_WORDS`) cannot name every element a reader selects; the readers
    themselves can.  Then, when there are token holes (at ``places``, see :class:`_Holes`) or
    blocks, the readers run again on a copy with a date or a name in each token hole and every
    block emptied (:func:`_shape_probed`): if they give anything other than on the marked
    page, one reads a hole ("token_probe_read", "block_emptied_read", "probe_read" when
    both).  Last, a block that could make the page print its description once more or once
    less (:func:`.printed.varies_with`, on the page as read) is no hole
    ("block_in_printed_copy").  (The tree is changed.)

    With the reason, those of ``quiet`` (elements holding a count hole or a block hole whose
    chrome names no date) that may hold a year (:func:`_outside_lines`, judged on the page as
    read here: the readers read neither a marker nor a probe, so the holes' values are none
    of what dates the page)."""
    for block in blocks:
        for element in block.iter():
            if element is not block:
                element.tail = _PROBE
            if isinstance(element.tag, str) and element.tag.encode() not in VOID:
                element.text = _PROBE
    # the readers' second page: every token hole holding a value of its class, every block
    # hole emptied (the other end from the probe's words: a reader of an element's whole text
    # gated on its length or its start, a share bar shrinking inside a byline or an "Updated"
    # line, reads it only then)
    shaped = _shape_probed(tree, places, spots, blocks) if places or blocks else None
    # the copy's removals before the cleared point are the marked page's (_removals_blind):
    # its reading goes on from a copy of the marked page taken there (never with a block
    # emptied: the in-article chrome's removal may read any element's text)
    cleared: list[HtmlElement] = []
    blind = shaped is not None and not blocks and _removals_blind(tree, places, spots)
    reading = read_page(  # in place: the elements of ``quiet`` stay themselves
        tree,
        url,
        cleared=(lambda read: cleared.append(_shape_probed(read, places, spots)))
        if blind
        else None,
    )
    admitted = _outside_lines(tree, reading, quiet) if quiet else []
    evidence = page_metadata_evidence(tree, url, reading)
    if _MARKER in evidence.lower():
        return ("token_read" if "qzrlp" not in evidence.lower() else "block_read"), []
    if shaped is not None and _shaped_evidence(shaped, cleared, url) != evidence:
        return (
            "token_probe_read" if not blocks else _EMPTIED_READ if not places else "probe_read"
        ), []
    description = normalize_optional(reading.meta.description)
    if blocks and description and printed_varies_with(tree, description, blocks):
        # the count of the page's copies of its description, which keeps or drops the
        # standfirst's echo in the article, may change with a block's content
        return "block_in_printed_copy", []
    return None, admitted


# Why a template was refused: a reader gives another answer with every block hole emptied.
_EMPTIED_READ = "block_emptied_read"


def _removals_blind(
    tree: HtmlElement, places: list[tuple[HtmlElement, str | None]], spots: list[list[Any]]
) -> bool:
    """Whether :func:`.extractor.read_page`'s removals before its ``cleared`` point remove
    the same elements from :func:`_shape_probed`'s copy of ``tree`` as from ``tree`` itself
    (the marked page, before it is read), leaving the copy what a copy taken at that point
    with the same values put in would be.  So when the page holds no change history's item
    (nothing is taken; the items are found by their class, which no value put in is, below)
    and every value the copy holds other than ``tree`` (a marker :func:`_probe_value` gives a
    value) is where the in-article chrome's removal reads and moves nothing
    (:func:`.inline_chrome.reads`): it reads the same page on both, the same elements as
    they come, and removes the same boxes."""
    for element, where in places:
        held = (
            element.tail if where is None else element.text if where == "" else element.get(where)
        )
        changed = (_probe_value(spots[int(m.group(1))]) for m in _MARK.finditer(held or ""))
        if any(value is not None for value in changed) and reads(element, where):
            return False
    return not tree.xpath(ITEM_XPATH)


def _shaped_evidence(shaped: HtmlElement, cleared: list[HtmlElement], url: str) -> str:
    """:func:`.extractor.page_metadata_evidence` of ``shaped`` (:func:`_shape_probed`'s
    copy of the marked page), or, when ``cleared`` holds its copy taken at
    :func:`.extractor.read_page`'s ``cleared`` point (:func:`_removals_blind`), of that copy
    read on from there, ``shaped`` read by the first readers only and no change history
    taken (the same reading)."""
    if not cleared:
        return page_metadata_evidence(shaped, url)
    first = first_readings(shaped, url)
    reading = read_cleared_page(cleared[0], url, first, ChangeHistory())
    return page_metadata_evidence(cleared[0], url, reading)


# What a token hole holds in the readers' second pass (:func:`_shape_probed`): the first of
# its class's probes its longest value allows, each a value the check would let it hold.  A
# word's (a run of letters, digits, "_" and "-"): a person's name and a date (ISO 8601, the
# form htmldate's patterns, the visible update line's and dateutil's read), else the date
# alone, plain or basic; a count's (digits, never a year): a basic date, else a short one.
# The year is one no page of the corpus shows.
WORD_PROBES = ("Wilhelmina-2003-07-19", "2003-07-19", "20030719")
COUNT_PROBES = ("20030719", "030719")


def _probe_value(hole: list[Any]) -> str | None:
    """What token hole ``hole`` holds in the second pass, or None (a key, of a shape of its
    own; a count too short for any probe): it keeps its marker."""
    kind, longest = hole[1], hole[2]
    if longest >= KEY:
        return None
    probes = COUNT_PROBES if kind == "n" else WORD_PROBES if kind == "w" else ()
    return next((probe for probe in probes if len(probe) <= longest), None)


def _shape_probed(
    tree: HtmlElement,
    places: list[tuple[HtmlElement, str | None]],
    spots: list[list[Any]],
    blocks: Sequence[HtmlElement] = (),
) -> HtmlElement:
    """A copy of ``tree`` with every token hole's marker (at ``places``: an element and an
    attribute's name, "" for its text, None for its tail; ``spots``: the holes by marker)
    made a date or a name and a date (:func:`_probe_value`), and every block hole of
    ``blocks`` emptied (no text, no element; its tail stays).

    The markers are a run of lowercase letters and digits: a reader that reads a hole but
    takes only a date or a name from it (htmldate's patterns, a byline's) passes them by, and
    the marker probe (:func:`_read_by_metadata`) sees nothing.  Run on this copy the readers
    give what they give on the marked page unless one reads a hole: the lists of the guards
    (the date shapes, the attributes allowed, the month names near a count) name what is
    known to be read; this asks the readers."""

    def probed(text: str) -> str:
        def value(found: re.Match[str]) -> str:
            return _probe_value(spots[int(found.group(1))]) or found.group(0)

        return _MARK.sub(value, text)

    copy = deepcopy(tree)
    for element, where in places:
        # (no twin: an element no longer in ``tree``, removed with a box by
        # :func:`.extractor.read_page` before its ``cleared`` point, see
        # :func:`_removals_blind`, its attributes and text with it)
        twin = _twin(element, tree, copy)
        if twin is None:
            continue
        if where is None:
            twin.tail = probed(twin.tail or "")
        elif where == "":
            twin.text = probed(twin.text or "")
        else:
            twin.set(where, probed(twin.get(where) or ""))
    for block in blocks:
        twin = _twin(block, tree, copy)
        assert twin is not None  # (the copy is taken before the page is read)
        twin.text = None
        for child in list(twin):
            twin.remove(child)  # with its tail
    return copy


def _twin(element: HtmlElement, tree: HtmlElement, copy: HtmlElement) -> HtmlElement | None:
    """The element of ``copy`` (a deep copy of ``tree``) at ``element``'s place in ``tree``
    (each child by its index among its parent's children), or None when ``element`` is no
    longer in ``tree``."""
    path: list[int] = []
    while element is not tree:
        parent = element.getparent()
        if parent is None:
            return None
        path.append(parent.index(element))
        element = parent
    for index in reversed(path):
        copy = copy[index]
    return copy


def _admit_years(
    holes: _Holes, blocks: list[int], entries: list[Entry], admitted: list[HtmlElement]
) -> None:
    """Count holes of class ``y`` and blocks marked :data:`.template.YEARS_MARK`: those whose
    chrome names no date (``holes.quiet``, ``holes.quiet_blocks``) among ``admitted`` (on a
    page dated by its markup, outside its visible update lines: :func:`_outside_lines`)."""
    allowed = {id(element) for element in admitted}
    for hole, owner in holes.quiet:
        if id(owner) in allowed:
            hole[1] = "y"
    starts = {start: n for n, start in enumerate(blocks)}
    for i, entry in entries:
        element = holes.quiet_blocks.get(starts.get(i, -1))
        if entry[0] == "B" and element is not None and id(element) in allowed:
            entry[4]["t"] = sorted([*entry[4]["t"], YEARS_MARK])


def _in_a_comment(
    a: list[bytes], index: int, hole: list[Any], comments: list[tuple[int, int]]
) -> bool:
    """Whether token hole ``hole`` of piece ``index`` of the raw page ``a`` lies inside a
    comment (``<!--`` to ``-->`` or ``--!>``; ``comments``: their spans in the page, in
    order).  Asked only of a hole the parse did not give
    back, so never of one in a script's or a style's text, where ``<!--`` opens no comment.
    Its class is ``c`` (no ``-``, ``!`` or ``>``), and every other byte of the page is checked:
    no value can open, close or move the comment."""
    parts = RUN.split(a[index])
    at = sum(len(piece) + 1 for piece in a[:index]) + sum(map(len, parts[: hole[0]]))
    end = at + len(parts[hole[0]])
    for start, stop in comments:
        if start >= at:
            return False
        if stop > end:
            return start + 4 <= at  # after its "<!--"
    return False


def _marked(
    a: list[bytes], tokens: list[tuple[int, list[list[Any]]]], blocks: list[int]
) -> tuple[bytes, list[list[Any]]] | str:
    """The page ``a`` with every token hole's value made a marker of its own (``qzrlNhz``,
    token characters: the parse is the same) and every block's start tag marked; and the
    hole of each token marker.  Or why not."""
    marked = list(a)
    spots: list[list[Any]] = []
    for i, holes in tokens:
        parts = RUN.split(marked[i])
        for hole in holes:
            parts[hole[0]] = b"qzrl%dhz" % len(spots)
            spots.append(hole)
        marked[i] = b"".join(parts)
    for n, start in enumerate(blocks):
        piece = marked[start]
        found = tag_name(piece)
        if found is None or found[1] not in BLOCK_TAGS | _BLOCK_NAMES:
            return "block_start"
        end = len(found[1])
        marked[start] = piece[:end] + b' %s="%d"' % (_BLOCK_MARK.encode(), n) + piece[end:]
    return b"<".join(marked), spots


class _Holes:
    """Judges the marked holes element by element (:func:`_judge`)."""

    def __init__(
        self,
        a: list[bytes],
        entries: list[Entry],
        spots: list[list[Any]],
        region: HtmlElement,
        article: HtmlElement,
    ) -> None:
        self.a, self.entries, self.spots = a, entries, spots
        self.region, self.article = region, article
        self.seen: dict[int, int] = {}
        # where the markers stand: an element and an attribute's name, "" for its text, None
        # for its tail (:func:`_shape_probed`)
        self.places: list[tuple[HtmlElement, str | None]] = []
        # the count holes and the blocks (by number) whose chrome names no date
        self.quiet: list[tuple[list[Any], HtmlElement]] = []
        self.quiet_blocks: dict[int, HtmlElement] = {}

    def _markers(self, text: str | None) -> list[int]:
        found = [int(m.group(1)) for m in _MARK.finditer(text or "")]
        for n in found:
            self.seen[n] = self.seen.get(n, 0) + 1
        return found

    def judge(self, element: HtmlElement) -> str | None:
        """Why a hole marked in ``element`` (its attributes, its text, its tail, its start
        tag for a block) is no hole, if it is not.  (Most elements hold no marker: each value
        is looked for ``qzrl`` first, the markers read only where it is.)"""
        if not isinstance(element.tag, str):  # a comment or a processing instruction
            if _MARK.search(element.text or "") or _MARK.search(element.tail or ""):
                return "token_in_comment"
            return None
        for name, value in element.items():
            if _MARKER in value:
                self.places.append((element, name))
                reason = self._attribute(element, name, value)
                if reason:
                    return reason
        text, tail = element.text, element.tail
        if text and _MARKER in text:
            self.places.append((element, ""))
            reason = self._text(text, element)
            if reason:
                return reason
        if tail and _MARKER in tail:
            self.places.append((element, None))
            reason = self._text(tail, element.getparent())
            if reason:
                return reason
        if element.get(_BLOCK_MARK) is not None:
            return self._block(element)
        return None

    def _block(self, element: HtmlElement) -> str | None:
        reason = _block(element, self.article, self.region)
        if reason is None and _names_no_date(element, self.article, self.region):
            self.quiet_blocks[int(element.get(_BLOCK_MARK))] = element
        return reason

    def _attribute(self, element: HtmlElement, name: str, value: str) -> str | None:
        for n in self._markers(value):
            reason = _attribute_token(element, name, self.region)
            if reason:
                return reason
            kind = _attribute_class(element, name)
            assert kind is not None
            if kind == "k":
                shape = key_shape(self.spots[n][3:])
                if shape is None:
                    return "token_shape"
                self.spots[n][2] = KEY + shape
                kind = "w"
            self.spots[n][1] = kind
        return None

    def _text(self, text: str, owner: HtmlElement | None) -> str | None:
        for n in self._markers(text):
            if owner is None:
                return "token_owner"
            hole = self.spots[n]
            reason = _text_token(owner, self.article, self.region, self.a, hole, self.entries)
            if reason:
                return reason
            if hole[1] == "n":
                reason = self._count(owner, n)
                if reason:
                    return reason
            if hole[1] == "n" and _names_no_date(owner, self.article, self.region):
                self.quiet.append((hole, owner))
        return None

    def _count(self, owner: HtmlElement, n: int) -> str | None:
        """Why count hole ``n`` (in the text of ``owner``) is no hole: it lies in an element a
        visible update line is read from (:func:`.timestamps.in_update_line`), or the text
        readers read around it (its chrome's text across tags, :func:`_chrome_top`) holds a
        month's name or a year within :data:`.date_shapes._SEGMENT` characters: its digits
        could be that date's day (``Updated <15> March <span>2025</span>``)."""
        if in_update_line(owner):
            return "count_in_update_line"
        text = " ".join(_chrome_top(owner, self.article, self.region).itertext())
        at = text.find(f"{_MARKER}{n}hz")
        if at < 0:
            return "count_not_found"
        near = text[max(at - _SEGMENT, 0) : at + len(f"{_MARKER}{n}hz") + _SEGMENT].lower()
        if _MONTH.search(near) or YEAR_RUN.search(near.encode()):
            return "count_near_a_date"
        return None


def _chrome_top(element: HtmlElement, article: HtmlElement, region: HtmlElement) -> HtmlElement:
    """``element``'s outermost ancestor (itself included) holding no part of the article
    (``article``: its container, ``region``)."""
    top = element
    for ancestor in element.iterancestors():
        if _inside(article, ancestor) or _inside(region, ancestor):
            break
        top = ancestor
    return top


def _inside(element: HtmlElement, other: HtmlElement) -> bool:
    return element is other or any(e is other for e in element.iterancestors())


def _names_no_date(element: HtmlElement, article: HtmlElement, region: HtmlElement) -> bool:
    """Whether the text of ``element``'s outermost ancestor (itself included) holding no part
    of the article (``article``: its container, ``region``) has no word a dateline opens with.

    A paragraph holding a hole's text is the text of an element holding the hole: that one, or
    one holding the article's text as well, which is no dateline.  So no paragraph holding the
    hole is one :data:`.chrome._DATELINE` drops, whatever number the hole holds."""
    text = _chrome_top(element, article, region).text_content()
    if any(letter in text for letter in _FOLDED_TO_ASCII):
        return False
    said = text.lower()
    return not any(word in said for word in _DATELINE_WORDS)


def _attribute_token(element: HtmlElement, name: str, region: HtmlElement) -> str | None:
    """Why a token in attribute ``name`` of ``element`` is no hole, or None with the hole's
    class (:func:`_attribute_class`).  Only an attribute no reader of the extraction reads is
    one (an allow-list): an asset's URL, a nonce, a request token in a ``<meta>``, a hidden
    field's value outside every element the wall guard reads a control's words in
    (:func:`.template_walls.reads_values`), a ``data-`` attribute naming a request token,
    slot or count, or an id of an element named as chrome (its value keeping the learned
    shape: class ``k``)."""
    tag = element.tag
    asset = tag in ("script", "link") and name in ("src", "href")
    # (scripts and asset links are out of what the extraction reads, in the article or not)
    if not asset and _inside(element, region):
        return "token_in_article"
    if tag in ("html", "title", "time", "base"):
        return "token_attribute"
    if element.get("itemprop") is not None or element.get("itemscope") is not None:
        return "token_microdata"
    rel = (element.get("rel") or "").lower()
    if (tag == "link" and _LINK_RELS.search(rel)) or "author" in rel or "canonical" in rel:
        return "token_link"
    if _attribute_class(element, name) is None:
        return "id_not_chrome" if name == "id" else "token_attribute"
    if name == "value" and reads_values(element):
        # the wall guard reads an <input>'s value as a control's words in an element it reads
        # as a paywall prompt or a consent overlay: a token there could spell "LoGin"
        return "token_in_wall"
    return None


def _attribute_class(element: HtmlElement, name: str) -> str | None:
    """The class of a token in attribute ``name`` of ``element`` when that attribute is one
    no reader reads (``w``; ``k`` for an id), else None.  trafilatura, htmldate and the
    extractor's own readers read ids (``@id='author'``, ``contains(@id, 'title')``...),
    titles (an ``<abbr class=published>``), ``data-utime``, ``data-testid``,
    ``data-component``, ``role``, ``style``...: none of those is a hole."""
    tag = element.tag
    if tag in ("script", "link") and name in ("src", "href", "nonce", "integrity"):
        return "w"
    if tag == "style" and name == "nonce":
        return "w"
    if tag == "meta" and name == "content":
        key = " ".join(
            element.get(k) or "" for k in ("name", "property", "http-equiv", "rel", "as")
        ).lower()
        if any((element.get(k) or "").strip().lower() in _READ_META_KEYS for k in _META_NAMING):
            return None  # the head reader takes a meta's name from its first naming attribute
        return "w" if _TOKEN_NAMES.search(key) and not _META_NAMES.search(key) else None
    if tag == "input" and name == "value" and (element.get("type") or "").lower() == "hidden":
        return "w"
    if _DATA_TOKEN.fullmatch(name) and not _META_NAMES.search(name):
        return "w"
    if name == "id":
        # only on an element named as chrome by its class (what pruning by name reads)
        words = _name_words(element.get("class") or "")
        if words.isdisjoint(_CHROME_WORDS) or not words.isdisjoint(_CONTENT_WORDS):
            return None
        return "k"
    return None


def _text_token(
    owner: HtmlElement,
    article: HtmlElement,
    region: HtmlElement,
    a: list[bytes],
    hole: list[Any],
    entries: list[Entry],
) -> str | None:
    if owner.tag == "script":
        if _SCRIPT_WORDS.search(((owner.get("type") or "") + (owner.text or "")).lower()):
            return "token_script"
        hole[1] = "w"
        return None
    if owner.tag == "style":
        # a run a selector names: a key of the learned shape only (:func:`.template.keeps_shape`),
        # never a word (``.story{display:none}`` would hide the article when replayed)
        shape = key_shape(hole[3:])
        if shape is None:
            return "token_style"
        hole[1], hole[2] = "w", KEY + shape
        return None
    if _inside(owner, article) or _inside(owner, region):
        return "token_in_article"
    chain = [owner, *owner.iterancestors()]
    if any(e.tag in _NOT_TEXT_OWNERS for e in chain[:-2]) or owner.tag in _NOT_TEXT_OWNERS:
        return "token_text_owner"
    if not any(e.tag in _NOT_TEXT_BLOCKS or _named_as_chrome(e) for e in chain):
        return "token_text_not_chrome"
    if not _piece_values_are_counts(a, hole, entries):
        return "token_text_not_count"
    hole[1] = "n"
    return None


def _piece_values_are_counts(a: list[bytes], hole: list[Any], entries: list[Entry]) -> bool:
    """Whether the learned page's value of a visible-text hole is a count (its other value
    is checked by the self-check: it must be of the class too)."""
    for i, entry in entries:
        if entry[0] in ("T", "B") and any(h is hole for h in entry[-1]):
            value = RUN.split(a[i])[hole[0]]
            return bool(value.isdigit())
    return False


def _block(element: HtmlElement, article: HtmlElement, region: HtmlElement) -> str | None:
    if not (element.tag in _CHROME_TAGS or _named_as_chrome(element)):
        return "block_not_chrome"
    if _inside(element, article) or _inside(article, element) or _inside(region, element):
        return "block_in_article"
    if not any(e.tag == "body" for e in element.iterancestors()):
        return "block_not_in_body"
    return None
