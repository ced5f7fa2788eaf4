"""Tier 0's worst-case probe: a learned template's holes filled to their limits, read in full.

A template (:mod:`.template`) admits any block content made of its learned vocabulary up to
:data:`.template.BLOCK_GROWTH` times the longest learned one (plus
:data:`.template.BLOCK_SLACK` bytes), and any count of 1 to 6 digits.  Readers that look at
the whole page can change their verdict within those limits while every learned payload reads
the same: a "trending" box whose text passes :data:`.inline_chrome.MAX_BOX_CHARS` stays in the
tree and readability scores it above a short article; trafilatura's first ``class="entry"``
element, a bare link when learned, gains lines and becomes the article; an author card's count
shrinks from four digits to one and its text enters the author reader's length gate.

So, once a template is learned (:mod:`.template_learn`), the stored page is read in full
(:func:`.extractor.extract_article`, what the pipeline makes a version's article with), and
again as the template would let a refetch make it, *grown*: every block's learned content (as
stored) with each link, image and field value (:data:`.template.FREE_VALUES`) cut to one byte,
and running text (:data:`_FILLER`, in chunks of :data:`_CHUNK` characters, each in a ``<div>``
when the block's vocabulary holds one, first outside links and not right inside a ``<ul>`` or
``<ol>``, in order: the first item of a list gets it) added to the content's texts until its
text is as long as the whole content may be (the limit in bytes, tags included: no content the
check admits holds more text), or as its text bound (:data:`.template.TEXT_MARK`); every count
hole of one digit.  With count holes, a third reading: every count of six digits, the blocks
as stored.  An article other than the stored page's own (its content hash):
no template (:data:`PROBE_REASON`).  One page for all the holes; no bisection: a template one
of whose holes moves a reader is not kept, and the version keeps the fingerprint check.

A block's vocabulary is the union of both learned payloads' contents: when a block's content
in the refetch learned against is of another skeleton than on the stored page
(:func:`.template.skeleton`: other tags, other attributes), the same readings are made of the
stored page with every block's content as the refetch has it (:func:`spliced`), so that what
the template admits from either payload is read (learning's metadata probe reads that page
too, :mod:`.template_learn`).

Not probed here: a block emptied (the reverse of growth): the metadata readers read the stored
page with every block emptied at learning (:func:`.template_learn._read_by_metadata`), and a
block that could make the page print its description once more or once less is no hole
(:func:`.printed.varies_with`), but the whole extraction is not run on it.  Nor are
arrangements of the learned tags other than the two payloads' own (docs/design.md,
"Arrangements a block hole admits").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from archive.errors import ExtractionError
from archive.extract.article import Article
from archive.extract.extractor import extract_article
from archive.extract.inline_chrome import MAX_BOX_CHARS
from archive.extract.template import (
    BLOCK_GROWTH,
    BLOCK_SLACK,
    RUN,
    TEXT_MARK,
    VOID,
    Segment,
    Vocabulary,
    cut_free_values,
    hole_spans,
    render,
    segments_of,
    skeleton,
    tag_name,
    text_bound,
    text_length,
    unlearnable,
)

# Why a template was refused: a hole filled to its limit changes the article.
PROBE_REASON: Final = "worst_case"
# Running text with commas (readability's scoring counts them), none of the words the block
# guards refuse (:data:`.template.BLOCK_WORDS`), no digit.
_FILLER: Final = (
    "The crews worked through the night, the council said, and the road along the coast"
    " stayed shut while engineers checked the walls, the drains and the old bridge. "
)
# The text added to one text of a grown block (at most), so that an item reads as a paragraph.
_CHUNK: Final = 240
_LISTS: Final = frozenset({b"ul", b"ol"})
_SHORT_COUNT: Final = b"7"
_LONG_COUNT: Final = b"888888"


def probed(
    template: str,
    old: bytes,
    new: bytes,
    content_type: str | None,
    *,
    url: str,
    min_chars: int,
    article_hash: str | None = None,
) -> str:
    """``template`` (as :func:`.template_learn.learn` gives it, learned from the stored
    payload ``old`` and ``new``) with its blocks' texts bounded (:func:`bounded`), or
    :func:`~.template.unlearnable` when a hole at its limits changes the article
    (:func:`probe_reason`; ``article_hash``: the content hash the article is known to have,
    when the caller has just extracted it, else the stored payload is read for it)."""
    read = segments_of(template)
    if read is None:  # unlearnable already
        return template
    segments, digest = read
    a, b = old.split(b"<"), new.split(b"<")
    if not bounded(a, b, segments):
        return unlearnable(PROBE_REASON)
    other = spliced(a, b, segments)
    reason = probe_reason(
        a,
        segments,
        url=url,
        content_type=content_type,
        min_chars=min_chars,
        article_hash=article_hash,
        others=[other[0]] if other is not None else [],
    )
    return render(segments, digest) if reason is None else unlearnable(reason)


def spliced(
    a: Sequence[bytes], b: Sequence[bytes], segments: Sequence[Segment]
) -> tuple[list[bytes], dict[int, int]] | None:
    """The page ``a`` with the content of every block hole of ``segments`` as page ``b`` has
    it (its start tag ``a``'s, the text after it and the content ``b``'s): what the template
    admits from the other payload, for the probes to read too; and where each piece of ``a``
    outside the blocks' contents (their start and closing pieces included) lies in it.  None
    when every block's content in ``b`` has the skeleton it has in ``a``
    (:func:`.template.skeleton`: the probes read its texts grown or made probes, and no
    reader reads the free values), or when the segments do not cover both pages."""
    spans_a, spans_b = hole_spans(a, segments), hole_spans(b, segments)
    if spans_a is None or spans_b is None:
        return None
    pairs = [
        ((at_a, close_a), (at_b, close_b))
        for (segment, at_a, close_a), (_, at_b, close_b) in zip(spans_a[0], spans_b[0], strict=True)
        if segment[0] == "B"
    ]
    if all(skeleton(a[x + 1 : y]) == skeleton(b[u + 1 : v]) for (x, y), (u, v) in pairs):
        return None
    pieces: list[bytes] = []
    where: dict[int, int] = {}
    done = 0
    for (at_a, close_a), (at_b, close_b) in pairs:
        for i in range(done, at_a):
            where[i] = len(pieces)
            pieces.append(a[i])
        where[at_a] = len(pieces)
        pieces.append(a[at_a].partition(b">")[0] + b">" + b[at_b].partition(b">")[2])
        pieces += b[at_b + 1 : close_b]
        done = close_a
    for i in range(done, len(a)):
        where[i] = len(pieces)
        pieces.append(a[i])
    return pieces, where


def bounded(a: Sequence[bytes], b: Sequence[bytes], segments: Sequence[Segment]) -> bool:
    """Marks the text of every block of ``segments`` (learned from pages ``a`` and ``b``)
    that may grow past :data:`.inline_chrome.MAX_BOX_CHARS` but held no more in either
    (:data:`.template.TEXT_MARK`): the extractor dropped it as a box, and the probe reads it
    at that bound.  False when the segments do not cover the pages."""
    places_a, places_b = _places(a, segments), _places(b, segments)
    if places_a is None or places_b is None:
        return False
    blocks = [segment for segment in segments if segment[0] == "B"]
    for segment, (start_a, close_a, limit), (start_b, close_b, _) in zip(
        blocks, places_a[0], places_b[0], strict=True
    ):
        if limit <= MAX_BOX_CHARS:
            continue  # its text cannot pass the bound
        texts = (
            text_length(pages[start + 1 : close], pages[start].partition(b">")[2])
            for pages, start, close in ((a, start_a, close_a), (b, start_b, close_b))
        )
        if max(texts) <= MAX_BOX_CHARS:
            segment[4]["t"] = sorted([*segment[4]["t"], f"{TEXT_MARK}{MAX_BOX_CHARS}"])
    return True


def probe_reason(
    a: Sequence[bytes],
    segments: Sequence[Segment],
    *,
    url: str,
    content_type: str | None,
    min_chars: int,
    article_hash: str | None = None,
    others: Sequence[Sequence[bytes]] = (),
) -> str | None:
    """None when the stored page (``a``: its pieces, split on ``b"<"``) extracts to the same
    article (of content hash ``article_hash`` when given, else as the stored page reads) with
    every hole of ``segments`` (a learned template's) at its limits (the module's docstring),
    and so does each page of ``others`` (the stored page with the other payload's blocks,
    :func:`spliced`); else :data:`PROBE_REASON`."""
    learned = [segment[4] for segment in segments if segment[0] == "B"]
    pages = []
    for frame in (a, *others):
        places = _places(frame, segments)
        if places is None:
            return PROBE_REASON
        blocks, counts = places
        if blocks or counts:
            pages.append(_probe_page(frame, blocks, learned, counts, _SHORT_COUNT))
        if counts:  # the other end of the counts, the blocks as stored
            pages.append(_probe_page(frame, [], [], counts, _LONG_COUNT))
    if not pages:
        return None
    try:
        stored = article_hash or _read(b"<".join(a), url, content_type, min_chars).content_hash
        for page in pages:
            if _read(page, url, content_type, min_chars).content_hash != stored:
                return PROBE_REASON
    except ExtractionError:
        return PROBE_REASON
    return None


def _read(page: bytes, url: str, content_type: str | None, min_chars: int) -> Article:
    return extract_article(page, url, content_type=content_type, min_chars=min_chars)


# A block's start piece, its closing piece and its limit in bytes; a count: its piece and the
# index of its run.
_Block = tuple[int, int, int]
_Count = tuple[int, int]


def _places(
    a: Sequence[bytes], segments: Sequence[Segment]
) -> tuple[list[_Block], list[_Count]] | None:
    """Where the blocks and the count holes of ``segments`` are in ``a``; None when the
    segments do not cover ``a`` as :func:`.template.digest_of` walks it."""
    read = hole_spans(a, segments)
    if read is None or read[1] != len(a):
        return None
    blocks: list[_Block] = []
    counts: list[_Count] = []
    for segment, at, end in read[0]:
        if segment[0] == "T":
            counts += [(at, hole[0]) for hole in segment[2] if hole[1] in ("n", "y")]
        else:
            limit = int(segment[4]["n"] * BLOCK_GROWTH + BLOCK_SLACK)
            blocks.append((at, end, limit))
    return blocks, counts


def _probe_page(
    a: Sequence[bytes],
    blocks: list[_Block],
    learned: list[Vocabulary],
    counts: list[_Count],
    count: bytes,
) -> bytes:
    """The page ``a`` with every block of ``blocks`` (of vocabularies ``learned``) grown
    (:func:`_grown`) and every count hole of ``counts`` made ``count``."""
    pieces = list(a)
    for at, index in counts:
        parts = RUN.split(pieces[at])
        parts[index] = count
        pieces[at] = b"".join(parts)
    # later blocks first: the indices stay
    for (start, close, limit), vocabulary in reversed(list(zip(blocks, learned, strict=True))):
        head, _, text = pieces[start].partition(b">")
        content = list(pieces[start + 1 : close])
        # the text added: up to the cap in bytes (no content the check admits holds more
        # text), or the text bound, the content's own text included
        bound = text_bound(vocabulary)
        limit = min(limit, bound if bound is not None else limit)
        limit = max(limit - text_length(content, text), 0)
        text, content = _grown(text, content, limit, lines="div" in vocabulary["t"])
        pieces[start:close] = [head + b">" + text, *content]
    return b"<".join(pieces)


def _grown(
    text: bytes, content: list[bytes], limit: int, *, lines: bool
) -> tuple[bytes, list[bytes]]:
    """A block's content (``text`` after its start tag, then its pieces) with its free values
    cut and :data:`_FILLER` added to its texts, ``limit`` bytes of it in all (``lines``: each
    chunk in a ``<div>`` of its own, a tag the block's vocabulary holds)."""
    heads, texts = [b""], [text]
    # whether each text is outside every link and not right inside a list (where an item
    # would be: a ``<div>`` there is no item)
    outside = [True]
    opened: list[bytes] = []
    for piece in content:
        head, sep, after = piece.partition(b">")
        found = tag_name(piece)
        if found is not None:
            closing, name = found
            if closing and name in opened:
                del opened[len(opened) - 1 - opened[::-1].index(name) :]
            elif not closing:
                head = cut_free_values(head)
                if name not in VOID and not head.endswith(b"/"):
                    opened.append(name)
        heads.append(head + sep)
        texts.append(after)
        outside.append(b"a" not in opened and (not opened or opened[-1] not in _LISTS))
    order = [i for i, out in enumerate(outside) if out] + [
        i for i, out in enumerate(outside) if not out
    ]
    filler = (_FILLER * (limit // len(_FILLER) + 2)).encode()
    used = 0
    for i in order:
        if used >= limit:
            break
        size = min(_CHUNK, limit - used)
        chunk = filler[used : used + size]
        texts[i] += b"<div>" + chunk + b"</div>" if lines else b" " + chunk
        used += size
    return texts[0], [h + t for h, t in zip(heads[1:], texts[1:], strict=True)]
