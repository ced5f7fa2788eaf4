"""Derived holes judged on the stored page as parsed, as learning judges its own holes.

A hole derived from a site's rules (:mod:`.template_site`) is a learned hole's context found in
the raw bytes of another article's stored page.  The bytes alone do not say where it stands in
that page's structure: a comments panel rendered inside the article's ``<article>`` between the
headline and the first paragraph, or inside the ``<h1>`` as a "Live" badge; a wrapper whose start
tag lies before the paragraphs but which encloses the lead one.  So every derived hole is marked
on the stored page (each token value a marker of its own, each block's start tag an attribute),
the page is parsed once (no extraction), the article's region is found there from the stored
article's paragraphs as the fast path's fingerprint finds it (:func:`.fastpath.find_region`,
after the extractor's removal passes), and each hole is judged by learning's own tests
(:mod:`.template_learn`): a token in an attribute outside the region, not on ``<html>``,
``<title>``, ``<time>``, microdata, a metadata ``<meta>`` or ``<link>``; in a script's text only
when the script names no date, author or headline; a block only named as chrome (or a chrome
tag), neither inside the article's container nor enclosing it.  Derivation asks more, since the
rule was vouched for on another page whose metadata may have made it harmless there:

- no token on an element enclosing the article's container (but ``<html>`` and ``<body>``), nor
  in an ``<abbr>`` or in the ``title`` of an element htmldate reads a date from;
- no block inside ``<h1>``, ``<title>``, ``<time>``, ``<abbr>``, ``<head>`` or an element the
  metadata readers read (trafilatura's author and title expressions);
- a comment's token only where the parse does not give it back (the walk over the raw bytes
  put it inside a comment: :func:`.template_site.comment_spans`);
- no block that is, is inside or holds an element trafilatura may take as the article's body
  on this page (:func:`bodies`: the first match of each of its ``BODY_XPATH`` expressions, on
  the page as parsed, as the extractor's removal passes leave it and as trafilatura's own
  cleaning then leaves it): learning's worst-case probe, which derivation does not run, found
  a box harmless beside the body on the page a rule was learned on; on this page the box may
  stand inside the body, where trafilatura keeps it once it grows past the extractor's box
  size (:data:`.inline_chrome.MAX_BOX_CHARS`);
- a block's vocabulary without the attribute values that the readers select on their tag
  (:func:`read_values`: trafilatura's author and title expressions, htmldate's date candidates
  and ``<abbr>`` dates, the change history's notes, trafilatura's body expressions), so that
  content another article could carry harmlessly (its byline in ``<meta name=author>``)
  cannot, on this one, become its byline, headline, date, body or a change note;
- a block whose text on this page is short enough for the extractor to drop it as a box is
  bounded there (:data:`.template.TEXT_MARK`, as learning's probe bounds its own blocks), so
  that it stays dropped on every page the check admits.

A hole failing any of these is no hole: its bytes stay fixed (as a rule's context found inside
the article was).  None left: no template.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, Final

from htmldate.core import CLASS_ATTRS, is_date_candidate
from lxml.html import HtmlElement
from trafilatura.htmlprocessing import tree_cleaning
from trafilatura.settings import Extractor
from trafilatura.xpaths import AUTHOR_XPATHS, BODY_XPATH, TITLE_XPATHS

from archive.extract.fastpath import ReadCopy, _container, find_region
from archive.extract.history import ITEM_XPATH
from archive.extract.inline_chrome import MAX_BOX_CHARS
from archive.extract.parse import parse_body
from archive.extract.template import (
    BLOCK_GROWTH,
    BLOCK_SLACK,
    TEXT_MARK,
    Mismatch,
    Segment,
    Vocabulary,
    _block_end,
    match_close,
    text_bound,
    text_length,
)
from archive.extract.template_learn import (
    _BLOCK_MARK,
    _MARK,
    _MARKER,
    _SCRIPT_WORDS,
    _attribute_token,
    _block,
    _inside,
    _marked,
)
from archive.extract.template_walls import element_marks, marked, vocabulary_marks

# Elements a derived block may not stand in: the metadata readers read them whole.
_NOT_BLOCK_OWNERS: Final = frozenset({"h1", "title", "time", "abbr", "head"})
# Attributes htmldate reads a date from, on the elements it takes as date candidates.
_DATE_ATTRIBUTES: Final = frozenset({"title", "data-utime"})
_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]*\Z")
NO_REGION: Final = "no_region"
NOT_PARSED: Final = "not_parsed"
NO_HOLE: Final = "no_hole"


def _readers_select(tree: HtmlElement) -> dict[int, HtmlElement]:
    """The elements of ``tree`` that trafilatura's author and title expressions find (their
    text is read whole when the head names no author, no title), by id (each kept: the id of
    a freed lxml proxy can be reused)."""
    return {id(e): e for xpath in (*AUTHOR_XPATHS, *TITLE_XPATHS) for e in xpath(tree)}


def _date_read(element: HtmlElement) -> bool:
    """Whether htmldate reads a date from ``element``'s attributes or text."""
    if element.tag == "abbr":
        return "data-utime" in element.attrib or element.get("class") in CLASS_ATTRS
    return bool(is_date_candidate(element))


# trafilatura's cleaning as the extractor runs it (:func:`.extractor.run_trafilatura`: tables
# kept, no comments, no deduplication)
_CLEANING: Final = Extractor(output_format="python", comments=False, tables=True, dedup=False)


def bodies(tree: HtmlElement, read: ReadCopy | None = None) -> dict[int, HtmlElement]:
    """The elements of ``tree`` (a page as parsed) trafilatura may take as the article's body,
    by id: the first match of each of its ``BODY_XPATH`` expressions (trafilatura takes the
    first expression's whose extraction holds enough, so any of them may be), on ``tree`` and,
    when given, on ``read``'s copy as the extractor's removal passes left it and then as
    trafilatura's cleaning leaves it (which changes the copy), each mapped back to ``tree``
    (an element a pass made: its nearest ancestor of ``tree``)."""
    found = {id(e): e for e in _first_matches(tree)}
    if read is None:
        return found
    copies = [_first_matches(read.tree)]
    cleaned = tree_cleaning(read.tree, _CLEANING)
    copies.append(_first_matches(cleaned) if cleaned is read.tree else [])
    for copy in (e for matches in copies for e in matches):
        while copy is not None and id(copy) not in read.originals:
            copy = copy.getparent()
        if copy is not None:
            original = read.originals[id(copy)]
            found[id(original)] = original
    return found


def _first_matches(tree: HtmlElement) -> list[HtmlElement]:
    return [found[0] for expression in BODY_XPATH if (found := expression(tree))]


@lru_cache(maxsize=256)
def read_values(values: tuple[str, ...]) -> frozenset[str]:
    """The vocabulary ``values`` (``tag name=value``: :func:`.template.bound_value`) that, on
    an element of their tag, make a reader select it: trafilatura's author and title
    expressions, htmldate's date candidates and ``<abbr>`` dates, the extractor's change
    history (:data:`.history.ITEM_XPATH`: a change note appended to the article) and
    trafilatura's body expressions (``BODY_XPATH``: such an element before the body would
    be the body).  A value that cannot be tried (a name XML does not take) counts as
    selected."""
    from lxml.html import Element

    root = Element("html")
    body = Element("body")
    root.append(body)
    owners: list[tuple[HtmlElement, str]] = []
    selected: set[str] = set()
    for value in values:
        tag, _, pair = value.partition(" ")
        name, _, text = pair.partition("=")
        if text == "\x00":
            text = ""
        if not _NAME.match(tag) or not _NAME.match(name):
            selected.add(value)
            continue
        try:
            element = Element(tag, {name: text})
        except ValueError:
            selected.add(value)
            continue
        body.append(element)
        owners.append((element, value))
    found = _readers_select(root)
    found.update((id(e), e) for e in root.xpath(ITEM_XPATH))
    for element, value in owners:
        if id(element) in found or _date_read(element) or _a_body(element):
            selected.add(value)
    return frozenset(selected)


def _a_body(element: HtmlElement) -> bool:
    """Whether one of trafilatura's body expressions selects ``element`` (alone in a page)."""
    from lxml.html import Element

    root = Element("html")
    body = Element("body")
    root.append(body)
    body.append(Element(str(element.tag), dict(element.attrib)))
    return any(expression(root) for expression in BODY_XPATH)


def screened(learned: Vocabulary) -> Vocabulary:
    """``learned`` without the values a reader selects (:func:`read_values`)."""
    values = tuple(learned["v"])
    if not values:
        return learned
    dropped = read_values(values)
    if not dropped:
        return learned
    return {**learned, "v": [v for v in learned["v"] if v not in dropped]}


class _Hole:
    """A derived hole: its segment's index, the piece it starts at, and for a block the index
    of its closing piece."""

    __slots__ = ("close", "index", "marks", "piece", "refused")

    def __init__(self, index: int, piece: int, close: int | None) -> None:
        self.index, self.piece, self.close = index, piece, close
        self.refused = False
        self.marks: set[str] = set()  # a block's walls by its place (:mod:`.template_walls`)


def judged(
    pieces: list[bytes],
    segments: list[Segment],
    content_type: str | None,
    paragraphs: Sequence[str],
    prepare: Callable[[HtmlElement], object] | None = None,
    notes: Callable[[HtmlElement], Sequence[str]] | None = None,
) -> list[Segment] | str:
    """``segments`` (derived on the page ``pieces``) with every hole the parse does not
    vouch for made fixed (see the module's docstring), or why no template
    (:data:`NO_REGION`, :data:`NOT_PARSED`, :data:`NO_HOLE`).  ``paragraphs``: the stored
    article's; ``prepare``: the extractor's removal passes (see :func:`.fastpath.find_region`);
    ``notes``: the change notes the extraction adds to the paragraphs from the page's change
    history (which those passes remove: left out of the region, as the fingerprint leaves
    them out)."""
    tokens: list[tuple[_Hole, list[list[Any]]]] = []
    blocks: list[_Hole] = []
    at = 0
    for index, segment in enumerate(segments):
        kind = segment[0]
        if kind == "F":
            at += segment[1]
        elif kind == "T":
            tokens.append((_Hole(index, at, None), [list(h) for h in segment[2]]))
            at += 1
        else:
            close = match_close(pieces, at, segment[1].encode())
            if close is None:
                return NO_HOLE
            blocks.append(_Hole(index, at, close))
            at = close
    marked = _marked(pieces, [(h.piece, holes) for h, holes in tokens], [h.piece for h in blocks])
    if isinstance(marked, str):
        return marked
    page, spots = marked
    owners = [hole for hole, holes in tokens for _ in holes]  # each marker's token
    tree = parse_body(page, content_type)
    if tree is None:
        return NOT_PARSED
    if notes is not None:
        taken = frozenset(notes(tree))
        paragraphs = [p for p in paragraphs if p not in taken]
    read = None
    if prepare is None:
        region = find_region(tree, tuple(paragraphs))
    else:  # as find_region does it, its copy kept for the bodies
        read = ReadCopy(tree)
        prepare(read.tree)
        region = read.region(tuple(paragraphs))
    if region is None:
        return NO_REGION
    container = _container(region)
    article = container if container is not None else region
    judge = _Judge(tree, region, article, spots, owners, blocks)
    judge.bodies = bodies(tree, read) if blocks else {}
    judge.run()
    return _rebuilt(pieces, segments, judge.holes)


class _Judge:
    """One pass over the parsed, marked page, refusing the holes it does not vouch for."""

    def __init__(
        self,
        tree: HtmlElement,
        region: HtmlElement,
        article: HtmlElement,
        spots: list[list[Any]],
        owners: list[_Hole],
        blocks: list[_Hole],
    ) -> None:
        self.tree, self.region, self.article = tree, region, article
        self.spots, self.owners, self.blocks = spots, owners, blocks
        self.seen: dict[int, int] = {}
        self.holes = [*dict.fromkeys(owners), *blocks]
        self._selected: dict[int, HtmlElement] | None = None
        self.bodies: dict[int, HtmlElement] = {}  # :func:`bodies`

    def selected(self, element: HtmlElement) -> bool:
        if self._selected is None:
            self._selected = _readers_select(self.tree)
        return id(element) in self._selected

    def markers(self, text: str) -> list[int]:
        found = [int(m.group(1)) for m in _MARK.finditer(text)]
        for n in found:
            self.seen[n] = self.seen.get(n, 0) + 1
        return [n for n in found if n < len(self.spots)]

    def refuse(self, n: int) -> None:
        self.owners[n].refused = True

    def run(self) -> None:
        for element in self.tree.iter():
            if not isinstance(element.tag, str):  # a comment kept by the parse
                for n in self.markers((element.text or "") + (element.tail or "")):
                    self.refuse(n)
            else:
                self.element(element)
        for n, spot in enumerate(self.spots):
            count = self.seen.get(n, 0)
            # a comment's token: only where the parse drops it (the walk put it in a comment);
            # any other: given back once, where it was judged
            if (count != 0) if spot[1] == "c" else (count != 1):
                self.refuse(n)
        if len(self.tree.xpath(f"//*[@{_BLOCK_MARK}]")) != len(self.blocks):
            for hole in self.blocks:
                hole.refused = True

    def element(self, element: HtmlElement) -> None:
        """The markers in ``element``'s attributes, text and tail, and its block's mark."""
        for name, value in element.items():
            if _MARKER in value:
                for n in self.markers(value):
                    if self.attribute(element, name):
                        self.refuse(n)
        for text, owner in ((element.text, element), (element.tail, element.getparent())):
            if text and _MARKER in text:
                for n in self.markers(text):
                    if not _script_token(owner, self.spots[n]):
                        self.refuse(n)
        mark = element.get(_BLOCK_MARK)
        if mark is not None and mark.isdigit() and int(mark) < len(self.blocks):
            self.blocks[int(mark)].refused |= self.block(element)
            self.blocks[int(mark)].marks = element_marks(element)

    def attribute(self, element: HtmlElement, name: str) -> bool:
        """Whether a token in attribute ``name`` of ``element`` is refused."""
        if _attribute_token(element, name, self.region):
            return True
        if element.tag in ("script", "link") and name in ("src", "href"):
            return False  # an asset's URL: out of what the extraction reads
        if element.tag not in ("html", "body") and _inside(self.article, element):
            return True  # on an element holding the article (its class or id read by pruning)
        return element.tag == "abbr" or (name in _DATE_ATTRIBUTES and _date_read(element))

    def block(self, element: HtmlElement) -> bool:
        """Whether the block ``element`` starts is refused."""
        if _block(element, self.article, self.region):
            return True
        chain = [element, *element.iterancestors()]
        if any(id(e) in self.bodies for e in chain):
            return True  # the body trafilatura may take, or inside it
        if any(_inside(body, element) for body in self.bodies.values()):
            return True  # holding it
        return any(e.tag in _NOT_BLOCK_OWNERS or self.selected(e) for e in chain)


def _script_token(owner: HtmlElement | None, spot: list[Any]) -> bool:
    """Whether a token in text is one learning would take: in a script naming no date,
    author or headline, or in a style."""
    if owner is None or spot[1] != "w":
        return False
    if owner.tag == "style":
        return True
    if owner.tag != "script":
        return False
    return not _SCRIPT_WORDS.search(((owner.get("type") or "") + (owner.text or "")).lower())


def _box_bounded(learned: Vocabulary, block: list[bytes]) -> Vocabulary:
    """``learned`` with its text bounded at :data:`.inline_chrome.MAX_BOX_CHARS`
    (:data:`.template.TEXT_MARK`) when its cap lets it grow past the bound and its content on
    the page (``block``: its start piece and its content's pieces) holds no more text: as
    learning's probe bounds a block the extractor dropped as a box (:mod:`.template_probe`),
    which derivation does not run, so that the box stays dropped."""
    if (
        text_bound(learned) is not None
        or learned["n"] * BLOCK_GROWTH + BLOCK_SLACK <= MAX_BOX_CHARS
    ):
        return learned
    if text_length(block[1:], block[0].partition(b">")[2]) > MAX_BOX_CHARS:
        return learned
    return {**learned, "t": sorted([*learned["t"], f"{TEXT_MARK}{MAX_BOX_CHARS}"])}


def _rebuilt(
    pieces: list[bytes], segments: list[Segment], holes: list[_Hole]
) -> list[Segment] | str:
    """``segments`` with the refused holes fixed and each block's vocabulary screened and
    marked by the walls it stands by (:mod:`.template_walls`; a block whose stored content uses
    a screened value, or says what such a wall's controls say, is refused too); :data:`NO_HOLE`
    when none is left."""
    refused = {h.index: h for h in holes if h.refused}
    blocks = {h.index: h for h in holes if h.close is not None}
    out: list[Segment] = []
    kept = 0

    def fixed(count: int) -> None:
        if out and out[-1][0] == "F":
            out[-1][1] += count
        else:
            out.append(["F", count])

    for index, segment in enumerate(segments):
        kind = segment[0]
        if kind == "F":
            fixed(segment[1])
            continue
        hole = refused.get(index)
        if kind == "T":
            if hole is not None:
                fixed(1)
            else:
                out.append(segment)
                kept += 1
            continue
        block = blocks[index]
        assert block.close is not None
        learned = screened(segment[4])
        learned = marked(learned, block.marks | vocabulary_marks(learned))
        learned = _box_bounded(learned, pieces[block.piece : block.close])
        if hole is None and learned is not segment[4]:
            text = pieces[block.piece].partition(b">")[2]
            try:
                _block_end(pieces, block.piece, segment[1].encode(), text, learned)
            except Mismatch:
                hole = block
        if hole is not None:
            fixed(block.close - block.piece)
        else:
            out.append([*segment[:4], learned])
            kept += 1
    return out if kept else NO_HOLE
