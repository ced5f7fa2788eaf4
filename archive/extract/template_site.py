"""Site rules for tier 0: a version's template derived from what other articles of its site taught.

A news site serves the same chrome around every article, so the holes a template learned on one
article (:mod:`.template_learn`) are, on another article of the same site, in the same places:
the same start tag of a "most read" block, the same CSRF ``<input>``, the same cache-busted
``<script>``.  When a template is learned, each of its holes becomes a *rule* of its site
(:func:`rules_of`): the hole's context as it stands in the raw bytes, every run of
``[A-Za-z0-9_-]`` but the holes' kept (the whole piece of a token hole; the start tag of a
block hole), with its kind, class, length limit and, for a block, the learned vocabulary.  The
rules of several learnings merge (:func:`merge`; vocabulary united within caps).

At a version's first refetch with other bytes, the version's stored payload ``old`` is turned
into a template by the rules (:func:`derive`): a hole only where a rule's context matches a piece
of ``old`` exactly (outside raw text such as a script's, and for a comment's token inside a
comment), each derived hole checked on ``old`` as :func:`.template.check` checks a new page (the
token's class and length; a block's content balanced, of :data:`.template.BLOCK_TAGS`, made of the
rule's vocabulary, nothing of :data:`.template.BLOCK_WORDS`, within the length cap; the derived
hole's cap then made from the block's own content on ``old`` when shorter than the rule's
longest, learned on other articles), and none
holding the version's own article (:func:`_holds_article`: a block's text found in the stored
article's text means the rule's context is inside the article on this page: no template).  A
count (class ``n``) in the page's text is never a derived hole: learning judged it chrome by
another page's parse, and here the same bytes may be this article's dateline, whose day the
extraction reads (the stored article's text holds no dates to check it against).  The holes
so derived are then judged on ``old`` as parsed, as learning judges its own, with more asked
of them (:mod:`.template_site_judge`: the page's structure, the metadata readers' selectors);
a hole it does not vouch for stays fixed.  Every other byte is fixed, the digest binds the
same context as a learned template, and the refetched page is checked against it with
:func:`.template.check`.  A rule is only as trusted as the full extractions that vouched for
it: a derived template names the rules its holes were made by once judged
(:func:`derive_using`, by :func:`rule_id`, which a widened rule changes), the crawl verifies
a derived decision until each of them has its own verified uses, and drops the site's rules,
and the use of every template derived from them, on a disagreement (:mod:`crawler.pipelines`).
No extraction: the extraction workers run it, a walk over the bytes and one parse of the
stored page (the parser and the metadata readers are imported only there: :func:`derive_using`).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from copy import deepcopy
from hashlib import sha256
from html import unescape
from typing import Any, Final

from archive.extract.decode import decoded_by_detection, first_charset, shared_charset
from archive.extract.template import (
    ATTRIBUTE,
    CLASSES,
    CONSENT_MARK,
    PAYWALL_MARK,
    RUN,
    TAG,
    YEARS_MARK,
    Mismatch,
    Segment,
    _block_end,
    _content_length,
    _tokens_out,
    check,
    context,
    digest_of,
    hole_spans,
    mark_derived,
    match_close,
    render,
    segments_of,
    tag_name,
    with_lengths,
)

# Caps on what a site keeps: rules of each kind, and a block rule's vocabulary.
MAX_RULES: Final = 200
MAX_VOCABULARY: Final = 400
MAX_BLOCK_LENGTH: Final = 20_000
# A block's text fragment this long found anywhere in the stored article's text is the article.
ARTICLE_FRAGMENT: Final = 24
_RAW: Final = frozenset(b"script style textarea title xmp iframe noscript noembed noframes".split())
_COMMENT_END: Final = re.compile(rb"--!?>")
_SPACE: Final = re.compile(r"\s+")
_WORD: Final = re.compile(r"\w")
_PROBE: Final = re.compile(r"[A-Za-z0-9]{4,}")
_NOT_ALNUM: Final = re.compile(r"[\W_]+")

# Why no template was derived (besides the check's reasons, :data:`.template.REASONS`).
NO_RULES: Final = "no_rules"
NO_HOLE: Final = "no_hole"
IN_ARTICLE: Final = "in_article"
NO_REGION: Final = "no_region"
# A page whose charset is guessed from the whole payload (:func:`.decode.decoded_by_detection`).
DETECTED_CHARSET: Final = "detected_charset"
# A page read in a charset other than the one tried first (:func:`.decode.shared_charset`).
CHARSET: Final = "charset"

Rules = dict[str, list[list[Any]]]


def _masked(parts: list[bytes], holes: Iterable[int]) -> bytes:
    out = list(parts)
    for index in holes:
        out[index] = b""
    return b"\x00".join(out)


def _head(parts: list[bytes], holes: Sequence[int]) -> bytes:
    """The bytes of a context before its first hole (its lookup key's prefix)."""
    first = min(holes) if holes else len(parts)
    return b"".join(parts[:first])


# The marks of a learned block that hold for its page only (:func:`rules_of` drops them).
_PAGE_MARKS: Final = frozenset({YEARS_MARK, PAYWALL_MARK, CONSENT_MARK})


def rules_of(template: str, body: bytes) -> Rules | None:
    """The site rules of a learned ``template``, read on ``body``, a payload it matches (None
    when it is no learned template or does not match ``body``).  A token rule:
    ``[count, hole indices, context, holes]``; a block rule: ``[name, count, hole indices,
    context, holes, vocabulary]`` (contexts as latin-1 text)."""
    read = segments_of(template)
    if read is None:
        return None
    segments, _ = read
    pieces = body.split(b"<")
    tokens: list[list[Any]] = []
    blocks: list[list[Any]] = []
    at = 0
    try:
        for segment in segments:
            kind = segment[0]
            if kind == "F":
                at += segment[1]
            elif kind == "T":
                parts = RUN.split(pieces[at])
                holes = [_no_years(h) for h in segment[2]]
                indices = [h[0] for h in holes]
                if len(parts) != segment[1]:
                    return None
                tokens.append(
                    [segment[1], indices, _masked(parts, indices).decode("latin-1"), holes]
                )
                at += 1
            elif kind == "B":
                name = segment[1]
                start = pieces[at].partition(b">")[0]
                parts = RUN.split(start)
                holes = [_no_years(h) for h in segment[3]]
                indices = [h[0] for h in holes]
                if len(parts) != segment[2]:
                    return None
                context_ = _masked(parts, indices).decode("latin-1")
                # a rule's tag names without the page's years and walls (judged anew on the
                # page a template is derived on); a text bound is kept (it only narrows)
                marks = [t for t in segment[4]["t"] if t not in _PAGE_MARKS]
                learned = segment[4] | {"t": marks}
                blocks.append([name, segment[2], indices, context_, holes, learned])
                close = match_close(pieces, at, name.encode())
                if close is None:
                    return None
                at = close
            else:
                return None
    except (IndexError, TypeError, ValueError):
        return None
    return {"t": tokens, "b": blocks}


def rule_id(kind: str, rule: Sequence[Any]) -> str:
    """A rule's identity for trust: a digest of its kind (``t`` or ``b``) and everything it
    holds (context, classes, limits, vocabulary), so that a rule a merge widened is a new rule,
    trusted only once decisions that used it in its new form were verified."""
    data = json.dumps([kind, rule], sort_keys=True, separators=(",", ":"))
    return sha256(data.encode()).hexdigest()[:16]


def rule_ids(rules: Rules | None) -> list[str]:
    """The identities of ``rules``, in their stored order: token rules, then block rules."""
    rules = rules or {}
    return [rule_id("t", r) for r in rules.get("t", [])] + [
        rule_id("b", r) for r in rules.get("b", [])
    ]


def merge(old: Rules | None, new: Rules) -> Rules:
    """``old`` with ``new``'s rules added: a context already known keeps its kind, its holes
    take the longer limit (a token rule whose holes' classes differ keeps the old), a block's
    vocabulary is the union of both (kept as it was past :data:`MAX_VOCABULARY` values or
    :data:`MAX_BLOCK_LENGTH` bytes); at most :data:`MAX_RULES` of each kind."""
    old = old or {}
    return {
        "t": _merged(old.get("t", []), new.get("t", []), _token_key, _widen_token),
        "b": _merged(old.get("b", []), new.get("b", []), _block_key, _widen_block),
    }


def _merged(
    known: Sequence[list[Any]],
    new: Sequence[list[Any]],
    key: Callable[[Sequence[Any]], tuple[Any, ...]],
    widen: Callable[[list[Any], Sequence[Any]], None],
) -> list[list[Any]]:
    """The rules of one kind, ``known`` (copied, never changed) with ``new`` added: a rule of
    an unknown ``key`` appended while there are fewer than :data:`MAX_RULES`, a known one
    widened in place by ``widen`` (which assigns, so ``known``'s lists stay as they were)."""
    merged = [list(r) for r in known]
    by_key = {key(r): r for r in merged}
    for rule in new:
        found = by_key.get(key(rule))
        if found is not None:
            widen(found, rule)
        elif len(merged) < MAX_RULES:
            merged.append(list(rule))
            by_key[key(rule)] = merged[-1]
    return merged


def _token_key(rule: Sequence[Any]) -> tuple[Any, ...]:
    return (rule[0], tuple(rule[1]), rule[2])


def _block_key(rule: Sequence[Any]) -> tuple[Any, ...]:
    return (rule[0], rule[1], tuple(rule[2]), rule[3])


def _longer(known: Sequence[Sequence[Any]], new: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Holes of the same places and classes, each with the longer limit of the two."""
    return [[h[0], h[1], max(h[2], g[2])] for h, g in zip(known, new, strict=True)]


def _same_classes(known: Sequence[Sequence[Any]], new: Sequence[Sequence[Any]]) -> bool:
    return [h[1] for h in known] == [h[1] for h in new]


def _widen_token(known: list[Any], rule: Sequence[Any]) -> None:
    """A known token rule takes the longer limits (kept as it was when its classes differ)."""
    if _same_classes(known[3], rule[3]):
        known[3] = _longer(known[3], rule[3])


def _widen_block(known: list[Any], rule: Sequence[Any]) -> None:
    """A known block rule takes the longer limits and the union of the vocabularies, unless
    its classes differ or the union passes the caps (then it stays as it was)."""
    if not _same_classes(known[4], rule[4]):
        return
    a, b = known[5], rule[5]
    united = {k: sorted(set(a[k]) | set(b[k])) for k in ("t", "a", "v")}
    longest = max(a["n"], b["n"])
    if sum(map(len, united.values())) <= MAX_VOCABULARY and longest <= MAX_BLOCK_LENGTH:
        known[4] = _longer(known[4], rule[4])
        known[5] = {**united, "n": longest}


class _Index:
    """The rules of one kind by where they can match: the first bytes of their context
    (before its first hole, at most 12), then their runs' count and holes, then the context."""

    def __init__(self, rules: Sequence[list[Any]], count_at: int) -> None:
        self.heads: dict[
            int, dict[bytes, dict[tuple[int, tuple[int, ...]], dict[bytes, list[Any]]]]
        ] = {}
        for rule in rules:
            count, indices, masked = rule[count_at], rule[count_at + 1], rule[count_at + 2]
            parts = masked.encode("latin-1").split(b"\x00")
            if len(parts) != count or not (indices or count_at):
                continue  # a token rule has holes (a block's start tag may have none)
            head = _head(parts, indices)[:12]
            shapes = self.heads.setdefault(len(head), {}).setdefault(head, {})
            shapes.setdefault((count, tuple(indices)), {})[masked.encode("latin-1")] = rule

    def find(self, text: bytes) -> tuple[list[Any], list[bytes]] | None:
        """The rule whose context ``text`` (a piece, or a start tag) matches, and its runs."""
        parts: list[bytes] | None = None
        for size, heads in self.heads.items():
            shapes = heads.get(text[:size])
            if shapes is None:
                continue
            if parts is None:
                parts = RUN.split(text)
            for (count, indices), contexts in shapes.items():
                if count == len(parts):
                    rule = contexts.get(_masked(parts, indices))
                    if rule is not None:
                        return rule, parts
        return None


def derive_segments(
    rules: Rules,
    old: bytes,
    paragraphs: Sequence[str],
    fields: Sequence[str] = (),
    content_type: str | None = None,
) -> list[Segment] | str:
    """The segments of a template for the page ``old`` made by ``rules`` (see the module's
    docstring), or why none (:data:`NO_HOLE`, :data:`IN_ARTICLE`, :data:`NO_REGION`).
    ``paragraphs``: the version's stored article's; ``fields``: its headline, byline,
    description; ``content_type``: the page's (its charset reads the page's text).  Judged
    on the bytes only: :func:`derive_using` judges the holes on the parse as well."""
    return _derive_segments(rules, old, paragraphs, fields, content_type)[0]


def _derive_segments(
    rules: Rules,
    old: bytes,
    paragraphs: Sequence[str],
    fields: Sequence[str],
    content_type: str | None = None,
) -> tuple[list[Segment] | str, dict[int, tuple[str, int]]]:
    """:func:`derive_segments`, with each hole's rule: the piece the hole starts at, the
    identity (:func:`rule_id`) of the rule that made it and how many pieces it spans."""
    region = _region(old, paragraphs, _charset(old, content_type))
    if region is None:
        return NO_REGION, {}
    deriver = _Deriver(rules, old, [*fields, *paragraphs], region)
    return deriver.run(), deriver.made


# Before a used rule's identity (:func:`derive_using`): none of its holes' bytes were new in
# the page decided, so a verification of that decision vouches for it in nothing.
HELD: Final = "="


def rule_of(used: str) -> str:
    """The identity of a rule named in :func:`derive_using`'s ``used`` (:data:`HELD` or not)."""
    return used.removeprefix(HELD)


def _rules_used(
    segments: Sequence[Segment],
    made: dict[int, tuple[str, int]],
    old: Sequence[bytes] | None = None,
    new: Sequence[bytes] | None = None,
) -> list[str]:
    """The identities of the rules whose holes are in ``segments`` (a hole the parse judging
    made fixed names no rule): ``made`` as :func:`_derive_segments` gives it, for the page
    ``segments`` were derived on (a hole left is where it was made, over the same pieces).
    With ``old`` and ``new`` (the pieces of the page derived on and of the page the template
    matched), a rule none of whose holes holds other bytes in ``new`` than in ``old`` is named
    :data:`HELD`: the decision did not rest on it."""
    holes: list[str] = []
    at = 0
    for segment in segments:
        if segment[0] == "F":
            at += segment[1]
            continue
        rule, span = made[at]
        holes.append(rule)
        at += span
    if old is None or new is None:
        return sorted(set(holes))
    before, after = _hole_values(old, segments), _hole_values(new, segments)
    if before is None or after is None or not len(before) == len(after) == len(holes):
        return sorted(set(holes))  # any doubt: every rule carried new bytes
    changed = {rule for rule, a, b in zip(holes, before, after, strict=True) if a != b}
    return sorted(rule if rule in changed else HELD + rule for rule in set(holes))


def _hole_values(pieces: Sequence[bytes], segments: Sequence[Segment]) -> list[bytes] | None:
    """The bytes of each hole of ``segments`` on the page of ``pieces``, which the template
    matches (a token's piece; a block's pieces up to its closing one); None when they do not
    read."""
    read = hole_spans(pieces, segments)
    if read is None:
        return None
    return [b"<".join(pieces[at:end]) for _, at, end in read[0]]


def _probes(paragraph: str) -> list[bytes]:
    """The longest ASCII words of a paragraph (at most 8), to find it by in the raw page."""
    words = sorted(set(_PROBE.findall(paragraph)), key=len, reverse=True)
    return [w.encode() for w in words[:8]]


def _charset(old: bytes, content_type: str | None) -> str:
    """The codec the page's text is read with: its declared charset (the header's, else its
    ``<meta>``'s, as the extractor reads them) when one byte of ``<`` is ``<`` in it, else
    UTF-8."""
    from archive.extract.decode import _declared_charsets

    for codec in _declared_charsets(old, content_type):
        if "<".encode(codec, "ignore") == b"<" and not codec.startswith(("utf_16", "utf_32")):
            return codec
    return "utf-8"


def _region(
    old: bytes, paragraphs: Sequence[str], encoding: str = "utf-8"
) -> tuple[int, int] | None:
    """Where the stored article's paragraphs stand in ``old``: their place in the page's text
    (:func:`_text_region`), or else the span of their words (:func:`_word_region`)."""
    if not paragraphs:
        return None
    return _text_region(old, paragraphs, encoding) or _word_region(old, paragraphs)


def _text_region(
    old: bytes, paragraphs: Sequence[str], encoding: str = "utf-8"
) -> tuple[int, int] | None:
    """The pieces of ``old`` whose text holds the stored article's paragraphs: the page's text
    (outside tags, raw text and comments; entities read, letters and digits only, lowercased:
    the extraction's own spacing, quotes and list or table marks left out) from the
    first occurrence of the first paragraph's opening to the last of the last one's end,
    when every paragraph's opening is found between them, in order (so that a teaser repeating
    the first paragraph cannot stand for the article).  None when they are not all found
    (the caller falls back on the words' span)."""
    starts: list[int] = []  # where each piece's text starts in the text
    places: list[int] = []  # where each piece starts in ``old``
    chunks: list[str] = []
    length, pos, raw = 0, 0, None
    for at, piece in enumerate(old.split(b"<")):
        found = tag_name(piece) if at else None
        skip = raw is not None or piece.startswith((b"!", b"?"))
        if raw is not None and found is not None and found[0] and found[1] == raw:
            raw = None
        elif found is not None and not found[0] and found[1] in _RAW:
            raw = found[1]
        text = piece.partition(b">")[2] if at else piece
        if not skip and text:
            chunk = _skeleton(unescape(text.decode(encoding, "replace")))
            if chunk:
                starts.append(length)
                places.append(pos)
                chunks.append(chunk)
                length += len(chunk)
        pos += len(piece) + 1
    page = "".join(chunks)
    lines = [_skeleton(p) for p in paragraphs]
    if not all(lines):
        return None
    first = page.find(lines[0][:32])
    tail = lines[-1][-32:]
    last = page.rfind(tail)
    if first < 0 or last < first:
        return None
    at = first
    for line in lines:
        at = page.find(line[:24], at)
        if at < 0 or at > last + len(tail):
            return None
    end = last + len(tail)
    begin = places[bisect_right(starts, first) - 1]
    stop_at = bisect_right(starts, end - 1) - 1
    stop = places[stop_at + 1] if stop_at + 1 < len(places) else len(old)
    return begin, stop


def _skeleton(text: str) -> str:
    return _NOT_ALNUM.sub("", text).lower()


def _word_region(old: bytes, paragraphs: Sequence[str]) -> tuple[int, int] | None:
    """Where the stored article's paragraphs stand in ``old``: from the earliest occurrence
    (after ``<body``) of any of the first one's longest words to the end of the latest of the
    last one's.  One of a paragraph's words written plainly in it is enough for the region to
    hold the paragraph (one found elsewhere as well only makes it longer); None when none is
    found (no template)."""
    body = old.find(b"<body")
    if body < 0:
        body = old.find(b"<BODY")
    starts = [old.find(w, max(body, 0)) for w in _probes(paragraphs[0])]
    ends = [old.rfind(w) + len(w) for w in _probes(paragraphs[-1]) if old.rfind(w) >= 0]
    starts = [at for at in starts if at >= 0]
    if not starts or not ends or max(ends) < min(starts):
        return None
    return min(starts), max(ends)


class _Deriver:
    """One walk over the pieces of a stored page, making holes where the rules match."""

    def __init__(
        self, rules: Rules, old: bytes, article_texts: Sequence[str], region: tuple[int, int]
    ) -> None:
        self.old, self.pieces, self.region = old, old.split(b"<"), region
        self.blocks, self.tokens = _Index(rules.get("b", []), 1), _Index(rules.get("t", []), 0)
        self.texts = _article(article_texts)
        self.comments: list[tuple[int, int]] | None = None
        self.segments: list[Segment] = []
        self.holes = 0
        # each hole's first piece: the identity of the rule that made it, the pieces it spans
        self.made: dict[int, tuple[str, int]] = {}

    def fixed(self) -> None:
        if self.segments and self.segments[-1][0] == "F":
            self.segments[-1][1] += 1
        else:
            self.segments.append(["F", 1])

    def run(self) -> list[Segment] | str:
        pieces, total = self.pieces, len(self.pieces)
        raw: bytes | None = None  # inside a script, a style...: its text holds no holes
        at, pos = 0, 0  # pos: where piece ``at`` starts in ``old``
        while at < total:
            piece = pieces[at]
            found = tag_name(piece) if at else None
            if raw is not None:
                if found is not None and found[0] and found[1] == raw:
                    raw = None
                self.fixed()
            else:
                close = self.block(at, pos, found)
                if isinstance(close, str):
                    return close
                if close is not None:
                    pos += sum(map(len, pieces[at:close])) + close - at
                    at = close
                    continue
                token = self.token(at, pos) if at else None
                if isinstance(token, str):
                    return token
                if not token:
                    self.fixed()
                start = piece.partition(b">")[0]
                if found is not None and not found[0] and found[1] in _RAW:
                    raw = None if start.endswith(b"/") else found[1]
            pos += len(piece) + 1
            at += 1
        return self.segments if self.holes else NO_HOLE

    def outside(self, start: int, end: int) -> bool:
        """Whether bytes ``start`` to ``end`` of the page are clear of the article's region."""
        return end < self.region[0] or start > self.region[1]

    def block(self, at: int, pos: int, found: tuple[bool, bytes] | None) -> int | str | None:
        """A block hole starting at piece ``at`` (at ``pos`` in the page): the index of its
        closing piece (the hole added), None (no hole), or why no template."""
        if found is None or found[0]:
            return None
        start, _, text = self.pieces[at].partition(b">")
        match = self.blocks.find(start)
        if match is None:
            return None
        rule = match[0]
        close = _derived_block(self.pieces, at, rule[0].encode(), text, rule, self.texts)
        if isinstance(close, int):
            end = pos + sum(map(len, self.pieces[at:close])) + close - at
            if not self.outside(pos, end):
                return None  # the rule's start tag in the article: no hole there
            # the content's length cap is this block's own on the stored page (within the
            # rule's): the rule's longest, learned on another article, would let this one's
            # block grow until it holds enough text to change what the extraction takes
            own = _content_length(self.pieces[at + 1 : close], text)
            learned = {**rule[5], "n": min(rule[5]["n"], own)}
            self.segments.append(["B", rule[0], rule[1], rule[4], learned])
            self.holes += 1
            self.made[at] = (rule_id("b", rule), close - at)
        return close

    def token(self, at: int, pos: int) -> bool | str:
        """Whether piece ``at`` (at ``pos`` in the page) is a token hole (added), or why no
        template."""
        piece = self.pieces[at]
        match = self.tokens.find(piece)
        if match is None:
            return False
        rule = match[0]
        if not self.outside(pos, pos + len(piece)) and not _asset_token(piece, rule[3]):
            return False  # the rule's context in the article: no hole there
        attributes = _hole_attributes(piece, rule[3])
        if b"style" in attributes:
            return False  # an inline style could hide what the extraction reads: never derived
        if any(h[1] == "n" and a is None for h, a in zip(rule[3], attributes, strict=True)):
            # a count in the page's text: learning judged it chrome by the parse of another
            # page; here the same bytes may stand in this article's dateline (a date's day the
            # extraction reads) or any text it reads: never derived
            return False
        classes = {h[1] for h in rule[3]}
        if "c" in classes:  # a comment's token: only inside a comment
            if self.comments is None:
                self.comments = comment_spans(self.pieces)
            parts = RUN.split(piece)
            for hole in rule[3]:
                at_hole = pos + sum(map(len, parts[: hole[0]]))
                if not _in_a_comment(self.comments, at_hole, len(parts[hole[0]])):
                    return False
        text = piece.partition(b">")[2].decode("utf-8", "replace")
        if "n" in classes and _holds_article(self.texts, [text]):
            return IN_ARTICLE
        try:
            _tokens_out(piece, rule[0], rule[3])
        except Mismatch:
            return False
        self.segments.append(["T", rule[0], [list(h) for h in rule[3]]])
        self.holes += 1
        self.made[at] = (rule_id("t", rule), 1)
        return True


def _no_years(hole: Sequence[Any]) -> list[Any]:
    """A learned hole as a rule: a count that may read as a year (class ``y``, admitted by
    the learned page's own dating, :mod:`.template_learn`) is a plain count on another page."""
    return [hole[0], "n" if hole[1] == "y" else hole[1], *hole[2:]]


def _hole_attributes(piece: bytes, holes: Sequence[Sequence[Any]]) -> list[bytes | None]:
    """The name of the attribute whose value holds each hole of a token piece (None: the
    hole is not in an attribute's value)."""
    head = piece.split(b">", 1)[0]
    spans: list[tuple[int, int, bytes]] = []
    at = TAG.match(head)
    pos = at.end() if at is not None else len(head)
    while (m := ATTRIBUTE.match(head, pos)) is not None:
        group = next((g for g in (2, 3, 4) if m.group(g) is not None), None)
        if group is not None:
            spans.append((*m.span(group), m.group(1).lower()))
        pos = m.end()
    parts = RUN.split(piece)
    names: list[bytes | None] = []
    for hole in holes:
        start = sum(map(len, parts[: hole[0]]))
        end = start + len(parts[hole[0]])
        names.append(next((n for a, b, n in spans if a <= start and end <= b), None))
    return names


def _asset_token(piece: bytes, holes: Sequence[Sequence[Any]]) -> bool:
    """Whether every hole of a token piece is in the URL of a script (``src``) or a linked
    resource (``href``): out of what the extraction reads wherever it stands (as learning
    judges it, :func:`.template_learn._attribute_token`)."""
    found = tag_name(piece)
    if found is None or found[0] or found[1] not in (b"script", b"link"):
        return False
    wanted = b"src" if found[1] == b"script" else b"href"
    return all(name == wanted for name in _hole_attributes(piece, holes))


def _derived_block(
    pieces: Sequence[bytes],
    at: int,
    name: bytes,
    text: bytes,
    rule: list[Any],
    texts: tuple[str, frozenset[str]],
) -> int | str | None:
    """The index closing the block a rule's start tag opens at ``pieces[at]``, when its content
    passes what the check of a new page asks of a block hole; None when it does not (no hole
    there); :data:`IN_ARTICLE` when its text is the stored article's."""
    try:
        _tokens_out(pieces[at].partition(b">")[0], rule[1], rule[4])
        close = _block_end(pieces, at, name, text, rule[5])
    except Mismatch:
        return None
    fragments = [text.decode("utf-8", "replace")]
    fragments += [p.partition(b">")[2].decode("utf-8", "replace") for p in pieces[at + 1 : close]]
    if _holds_article(texts, fragments):
        return IN_ARTICLE
    return close


def _article(article_texts: Sequence[str]) -> tuple[str, frozenset[str]]:
    """The stored article's text (whitespace made single spaces, lowercased), and its
    paragraphs and other fields each as one such line."""
    lines = [_SPACE.sub(" ", t).strip().lower() for t in article_texts if t]
    return "\n".join(lines), frozenset(lines)


def _holds_article(texts: tuple[str, frozenset[str]], fragments: Iterable[str]) -> bool:
    """Whether a hole's text fragments hold the stored article's: one is a whole paragraph (or
    headline, byline, description) of it, or is found in its text and is at least
    :data:`ARTICLE_FRAGMENT` characters long, or is a count found in it as a word."""
    joined, lines = texts
    for fragment in fragments:
        line = _SPACE.sub(" ", fragment).strip().lower()
        if not line or not _WORD.search(line):
            continue
        if line in lines:
            return True
        if len(line) >= ARTICLE_FRAGMENT and line in joined:
            return True
        if line.isdigit() and re.search(rf"(?<![0-9]){line}(?![0-9])", joined):
            return True
    return False


def comment_spans(pieces: Sequence[bytes]) -> list[tuple[int, int]]:
    """The comments of the page ``b"<".join(pieces)`` as a parser opens them, in order: a
    ``<!--`` opens one only in markup, never in raw text (a script's, a style's...), which the
    same walk tracks as :func:`_text_region` and the derivation do; it ends at the first
    ``-->`` or ``--!>`` after it (``<!-->`` and ``<!--->`` are empty comments), or at the
    page's end.  (A ``<`` inside an attribute's value is not read as such here: a token the
    walk puts in a comment is a hole only where the parse does not give it back either,
    :mod:`.template_site_judge`.)"""
    spans: list[tuple[int, int]] = []
    page = b"<".join(pieces)
    starts: list[int] = []  # where each piece starts in the page
    pos = 0
    for piece in pieces:
        starts.append(pos)
        pos += len(piece) + 1
    raw: bytes | None = None
    at, total = 1, len(pieces)
    while at < total:
        piece = pieces[at]
        found = tag_name(piece)
        if raw is not None:
            if found is not None and found[0] and found[1] == raw:
                raw = None
        elif piece.startswith(b"!--"):
            start = starts[at] - 1  # its "<"
            if piece.startswith((b"!-->", b"!--->")):
                end = start + (5 if piece[3:4] == b">" else 6)
            else:
                closed = _COMMENT_END.search(page, start + 4)
                end = closed.end() if closed is not None else len(page)
            spans.append((start, end))
            while at + 1 < total and starts[at + 1] - 1 < end:
                at += 1  # a piece whose "<" is inside the comment
        elif (
            found is not None
            and not found[0]
            and found[1] in _RAW
            and not piece.partition(b">")[0].endswith(b"/")
        ):
            raw = found[1]
        at += 1
    return spans


def _in_a_comment(comments: Sequence[tuple[int, int]], at: int, length: int) -> bool:
    """Whether the ``length`` bytes at ``at`` in the page (a hole's value) are inside a
    comment, after its ``<!--`` and before its end."""
    for start, stop in comments:
        if start >= at:
            return False
        if stop > at + length:
            return start + 4 <= at
    return False


def derive(
    rules: Rules,
    old: bytes,
    new: bytes,
    content_type: str | None,
    paragraphs: Sequence[str],
    fields: Sequence[str],
    *,
    url: str,
    min_chars: int,
) -> tuple[str | None, str | None]:
    """``(template, None)``: the template of the version whose stored payload is ``old``,
    derived by the site's ``rules``, which ``new`` (fetched from ``url``, read with
    ``min_chars``) matches; or ``(None, why not)``.  ``paragraphs`` and ``fields`` (headline,
    byline, description): the version's stored article."""
    template, why, _ = derive_using(
        rules, old, new, content_type, paragraphs, fields, url=url, min_chars=min_chars
    )
    return template, why


def derive_using(
    rules: Rules,
    old: bytes,
    new: bytes,
    content_type: str | None,
    paragraphs: Sequence[str],
    fields: Sequence[str],
    *,
    url: str,
    min_chars: int,
) -> tuple[str | None, str | None, list[str]]:
    """:func:`derive`, with the identities (:func:`rule_id`) of the rules the template's holes
    were made by (empty when there is no template): the crawl trusts a derived decision only
    as far as each of those rules was vouched for.  A rule none of whose holes holds other
    bytes in ``new`` than in ``old`` is named :data:`HELD` (read with :func:`rule_of`): it
    still counts for that trust (the template, kept, decides later refetches with it), but a
    verification of this decision, which its holes did not decide, adds no verified use to it
    (:func:`archive.site_rules.count_site_verification`).  The template is marked derived
    (:func:`.template.mark_derived`) and unverified."""
    if not rules or not (rules.get("t") or rules.get("b")):
        return None, NO_RULES, []
    if decoded_by_detection(old, content_type) or decoded_by_detection(new, content_type):
        return None, DETECTED_CHARSET, []  # as :func:`.template_learn.learn`
    if shared_charset(old, new, content_type) is None:
        return None, CHARSET, []
    try:
        segments, made = _derive_segments(rules, old, paragraphs, fields, content_type)
        if isinstance(segments, str):
            return None, segments, []
        # the holes judged on the stored page as parsed, as learning judges its own (imported
        # here: the parser and the metadata readers, which only the extraction workers load)
        from archive.extract.extractor import _removals
        from archive.extract.history import take_change_history
        from archive.extract.template_site_judge import judged

        pieces = old.split(b"<")
        segments = judged(
            pieces,
            segments,
            content_type,
            paragraphs,
            lambda tree: _removals(tree, url),
            lambda tree: take_change_history(deepcopy(tree)).notes,
        )
        if isinstance(segments, str):
            return None, segments, []
        bound = context(url, content_type, min_chars, first_charset(old, content_type))
        digest = digest_of(pieces, segments, old, bound)
        template = mark_derived(render(with_lengths(pieces, segments), digest))
    except Mismatch as exc:
        return None, f"self_check:{exc.args[0]}", []
    except Exception as exc:  # any doubt: the full extraction
        return None, f"error:{type(exc).__name__}", []
    reason = check(new, template, url=url, content_type=content_type, min_chars=min_chars)
    if reason is not None:
        return None, reason, []
    return template, None, _rules_used(segments, made, pieces, new.split(b"<"))


def derived_classes_ok(rules: Rules) -> bool:
    """Whether every hole of ``rules`` is of a known class (rules read back from storage)."""
    holes = [h for r in rules.get("t", []) for h in r[3]]
    holes += [h for r in rules.get("b", []) for h in r[4]]
    return all(h[1] in CLASSES for h in holes)


_ASSET: Final = re.compile(
    rb"""<(?:script|link)\b[^>]*?\b(?:src|href)[\t\n\f\r ]*=[\t\n\f\r ]*["']?"""
    rb"""([^"'\t\n\f\r >?#]+\.(?:js|css|mjs))[?#"'\t\n\f\r >]""",
    re.IGNORECASE,
)


def layout(body: bytes) -> str:
    """The page's layout, as its site's rules are kept apart by: a digest of the paths of its
    scripts and stylesheets (``.js``, ``.css``; query strings, such as a cache-buster, left
    out), which a site's articles share."""
    paths = sorted({m.group(1) for m in _ASSET.finditer(body)})
    return sha256(b"\n".join(paths)).hexdigest()[:16]
