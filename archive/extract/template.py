"""Tier 0 of the fast path: a page template learned once per version, checked on raw bytes.

A chrome-only refetch (new tokens, counters, a rotating "most read" list; the same article)
costs a full extraction or the fingerprint check of :mod:`.fastpath` (a parse and the
metadata readers: about as much).  Tier 0 decides it in the crawl process, with no parse and
no worker: the page is split into *pieces* on ``b"<"`` (each piece is one tag and the text
after it) and matched against a template learned from two payloads of the same article
(:mod:`.template_learn`).  The template is a list of segments:

* ``F n``: ``n`` pieces, byte-equal to the learned page's (their bytes go into the digest);
* ``T parts holes``: one piece whose runs of ``[A-Za-z0-9_-]`` (``parts``: separators and
  runs, alternately) are equal to the learned page's but for the ``holes``, runs whose new
  value need only be of a class: a token (``w``: a CSRF value, a request id, a cache-buster)
  or a count outside the article (``n``: 1 to 6 digits, not a year from 1990 to 2039, which
  a date reader could take for one); the separators and the
  other runs go into the digest, so a space, a quote or a ``<`` in a hole is a mismatch;
* ``B name parts holes vocabulary``: a block beside the article: its start tag, with token
  holes as above, then whatever follows it up to the piece that closes it (counted by name,
  nesting included), made only of what the two learned payloads' contents of that block were
  made of (``vocabulary``): tag names and attribute names seen there, attribute values seen
  there (but for :data:`FREE_VALUES`: ``href``, ``src``, ``alt``, ``value``), balanced, at most
  :data:`BLOCK_GROWTH` times the longest learned content (plus :data:`BLOCK_SLACK` bytes),
  every tag one of :data:`BLOCK_TAGS`, and nothing the extractor's metadata readers look at
  (:data:`BLOCK_WORDS`, a last guard: dates, bylines, "Updated", microdata...).

Everything outside the holes is hashed into one digest, equal to the learned one, and the
pieces must run out exactly with the segments.  The digest also binds the capture's context
(:func:`context`: the final URL, the Content-Type's media type and charset, the minimum
article length), which changes the extraction of the same bytes.  Any difference, or any
doubt, is a reason (:data:`REASONS`): the page then goes to the fingerprint check or the full
extraction.  This module imports neither lxml nor trafilatura: the crawl process runs it.
"""

from __future__ import annotations

import json
import re
import zlib
from base64 import b64decode, b64encode
from collections.abc import Sequence
from hashlib import sha256
from typing import Any, Final

from archive.extract.version import extractor_version

FORMAT: Final = "t0b"
NONE: Final = "none"  # a template that could not be learned (its reason follows)
# Ends a template none of whose decisions has been verified yet (its first one is).
UNVERIFIED: Final = "~"

# Why tier 0 left a page to the slower paths.
NO_TEMPLATE: Final = "no_template"  # not learned yet
UNLEARNABLE: Final = "unlearnable"  # learning found no safe template for this version
OTHER_EXTRACTOR: Final = "other_extractor"  # learned by another extractor or format
PIECES: Final = "pieces"  # pieces added, removed or changed outside the holes
TOKEN: Final = "token"  # noqa: S105 (a reason, no secret)  # a token hole's new value is not of its class
BLOCK: Final = "block"  # a block hole's new content is not plainly chrome
DIGEST: Final = "digest"  # the bytes outside the holes differ
ERROR: Final = "error"  # the template could not be read
REASONS: Final = (NO_TEMPLATE, UNLEARNABLE, OTHER_EXTRACTOR, PIECES, TOKEN, BLOCK, DIGEST, ERROR)

RUN: Final = re.compile(rb"([A-Za-z0-9_-]+)")
CLASSES: Final = {
    "w": re.compile(rb"[A-Za-z0-9_-]+"),
    "n": re.compile(rb"(?!(?:199|20[0-3])[0-9]\Z)[0-9]{1,6}"),
    # in a comment of the raw page: no "-", "!" or ">", which could close it
    "c": re.compile(rb"[A-Za-z0-9_]+"),
}
TAG: Final = re.compile(rb"(/?)([A-Za-z][A-Za-z0-9]*)")
# The tags a block hole may hold (no paragraph, heading 1, time, script, comment, table...).
BLOCK_TAGS: Final = frozenset(
    b"a li ul ol span div section nav aside h2 h3 h4 h5 h6 strong em b i small img br".split()
    + b"button input label".split()
)
VOID: Final = frozenset(b"img br input hr wbr source meta link".split())
# What the metadata readers look at (or could): a block holding any of these is no hole.
BLOCK_WORDS: Final = (
    *b"datetime itemprop itemscope itemtype author byline dateline date updat publish modif"
    b" posted correct editor ld+json rel= <h1 <time <article <main <p> <meta <link <script"
    b" <style <title <!-- >by".split(),
    b"> by ",
    b"<p ",
    b"<p\n",
)
_YEAR: Final = re.compile(rb"(?<![0-9])(?:199|20[0-3])[0-9](?![0-9])")
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

Segment = list[Any]


class Mismatch(Exception):
    """The page does not match the template (``args[0]``: one of :data:`REASONS`)."""


def identity() -> str:
    return f"{FORMAT}|{extractor_version()}"


def context(url: str, content_type: str | None, min_chars: int) -> bytes:
    """What, besides the bytes, the extraction of a capture depends on, as bound into a
    template's digest: the final URL (a relative canonical link, say, resolves against it), the
    Content-Type's media type and charset (the decoding), the minimum article length."""
    media, _, params = (content_type or "").partition(";")
    charset = ""
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower()
    return f"{url}\n{media.strip().lower()}\n{charset}\n{min_chars}".encode()


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
    names (``t``), attribute names (``a``), attribute values but of :data:`FREE_VALUES`
    (``v``, as ``name=value``), the longest content's length (``n``); None when a tag does not
    read plainly."""
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
                names.add(name)
                if name not in FREE_VALUES:
                    values.add(name + b"=" + (value if value is not None else b"\x00"))
    return {
        "t": sorted(t.decode("latin-1") for t in tags),
        "a": sorted(n.decode("latin-1") for n in names),
        "v": sorted(v.decode("latin-1") for v in values),
        "n": longest,
    }


def _content_length(pieces: Sequence[bytes], text: bytes) -> int:
    return len(text) + sum(len(p) + 1 for p in pieces)


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


def block_reason(content: Sequence[bytes], text: bytes = b"") -> str | None:
    """None when ``content`` (the pieces inside a block, after the ``text`` that follows its
    start tag) is plainly chrome: every tag one of :data:`BLOCK_TAGS`, each closed in order,
    nothing of :data:`BLOCK_WORDS`, no year."""
    stack: list[bytes] = []
    for piece in content:
        found = tag_name(piece)
        if found is None or b">" not in piece:
            return BLOCK
        closing, name = found
        if name not in BLOCK_TAGS:
            return BLOCK
        if closing:
            if not stack or stack.pop() != name:
                return BLOCK
        elif name not in VOID and not piece.split(b">", 1)[0].endswith(b"/"):
            stack.append(name)
    if stack:
        return BLOCK
    text = b">" + text.lower() + b"<" + b"<".join(content).lower()
    if any(word in text for word in BLOCK_WORDS) or _YEAR.search(text):
        return BLOCK
    return None


def digest_of(
    pieces: Sequence[bytes], segments: Sequence[Segment], body: bytes, bound: bytes
) -> str:
    """The digest of ``body`` (split into ``pieces`` on ``b"<"``) outside the template's
    holes, and of ``bound`` (its :func:`context`); raises :class:`Mismatch`.  (SHA-256: the
    fastest of hashlib's here, 0.12 ms for 150 KB; the fixed runs are hashed from the body in
    place, not joined.)"""
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
            part = _tokens_out(piece, segment[1], segment[2])
            update(b"T%d:" % len(part))
            update(part)
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
            update(b"B%d:" % len(part))
            update(part)
            close = _block_end(pieces, at, name, text, segment[4])
            pos += sum(map(len, pieces[at:close])) + close - at
            at = close
        else:
            raise Mismatch(ERROR)
    if at != total:
        raise Mismatch(PIECES)
    return hasher.hexdigest()[:32]


def _block_end(
    pieces: Sequence[bytes], start: int, name: bytes, text: bytes, learned: Vocabulary
) -> int:
    """The index of the piece closing the block ``pieces[start]`` opens (``text`` follows its
    start tag), when its content is plainly chrome and made of the ``learned`` vocabulary (and
    not too long); raises :class:`Mismatch` otherwise.  One
    pass doing what :func:`match_close` and :func:`block_reason` do: on plainly chrome content
    (balanced), the first closing of ``name`` outside every element it opens is the one
    :func:`match_close` finds."""
    stack: list[bytes] = []
    match = TAG.match
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
            limit = learned["n"] * BLOCK_GROWTH + BLOCK_SLACK
            if _content_length(content_pieces, text) > limit:
                raise Mismatch(BLOCK)
            content = b">" + text.lower() + b"<" + b"<".join(pieces[start + 1 : j]).lower()
            if any(word in content for word in BLOCK_WORDS) or _YEAR.search(content):
                raise Mismatch(BLOCK)
            return j
        if tag not in BLOCK_TAGS or tag.decode("latin-1") not in learned["t"]:
            raise Mismatch(BLOCK)
        head = piece.split(b">", 1)[0]
        _check_attributes(head, learned)
        if tag not in VOID and not head.endswith(b"/"):
            stack.append(tag)
    raise Mismatch(BLOCK)


def _check_attributes(head: bytes, learned: Vocabulary) -> None:
    """Raises :class:`Mismatch` unless the attributes of ``head`` (a start tag's bytes) read
    plainly, each of a learned name and, but for :data:`FREE_VALUES`, of a learned value."""
    read = attributes(head)
    if read is None:
        raise Mismatch(BLOCK)
    for attribute, value in read:
        if attribute.decode("latin-1") not in learned["a"]:
            raise Mismatch(BLOCK)
        if attribute not in FREE_VALUES:
            pair = attribute + b"=" + (value if value is not None else b"\x00")
            if pair.decode("latin-1") not in learned["v"]:
                raise Mismatch(BLOCK)


def _tokens_out(piece: bytes, count: int, holes: Sequence[Sequence[Any]]) -> bytes:
    """``piece`` with its token holes emptied (each checked against its class)."""
    parts = RUN.split(piece)
    if len(parts) != count:
        raise Mismatch(TOKEN)
    for index, kind_of, longest in holes:
        value = parts[index]
        if len(value) > longest or CLASSES[kind_of].fullmatch(value) is None:
            raise Mismatch(TOKEN)
        parts[index] = b""
    return b"\x00".join(parts)


def render(segments: Sequence[Segment], digest: str) -> str:
    """A template as stored on its version (``versions.fast_template``): its JSON, compressed
    (a third of the size: about 350 characters for a corpus page in request chrome)."""
    data = json.dumps({"s": segments, "d": digest}, separators=(",", ":")).encode()
    return f"{identity()}|z" + b64encode(zlib.compress(data, 9)).decode() + UNVERIFIED


def is_unverified(template: str | None) -> bool:
    """Whether no decision of ``template`` has been verified by a full extraction yet (the
    crawl verifies its first one, whatever ``fast_path_verify_every``)."""
    if not template:
        return False
    return template.endswith(UNVERIFIED) and not is_unlearnable(template)


def verified(template: str) -> str:
    """``template`` once a decision of it was verified."""
    return template.removesuffix(UNVERIFIED)


def unlearnable(reason: str) -> str:
    """What is stored for a version whose template cannot be learned (tried once)."""
    return f"{identity()}|{NONE}|{reason}"


def is_unlearnable(template: str) -> bool:
    return template.startswith(f"{identity()}|{NONE}|")


def needs_learning(template: str | None) -> bool:
    """Whether a version with ``template`` has none of this extractor (learned or tried)."""
    return not template or not template.startswith(identity() + "|")


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
        data = rest.removeprefix("z").removesuffix(UNVERIFIED)
        stored = json.loads(zlib.decompress(b64decode(data)))
        segments, digest = stored["s"], stored["d"]
        bound = context(url, content_type, min_chars)
        if digest_of(body.split(b"<"), segments, body, bound) != digest:
            return DIGEST
        return None
    except Mismatch as exc:
        return str(exc.args[0])
    except Exception:  # any doubt: the slower paths decide
        return ERROR
