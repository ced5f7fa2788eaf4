"""The fast path: an unchanged article recognised from cheap evidence, without trafilatura.

Real news pages change on every request (ad slots, tokens, counters, trending boxes), so most
refetches of an unchanged article bring a new payload with the same article.  A full extraction
takes about 15 ms; the check here parses the page and hashes parts of it (about 1-3 ms).

At a full extraction, :func:`page_fingerprint` records, for the page just read:

* a *locator* of the article's region: the lowest element holding every copy of every
  extracted paragraph (from the earliest occurrence of any of them to the latest end of any,
  looked for in the tree the extractor reads, after its removal passes), as a path of (tag,
  class, id, rank among same-named siblings) steps from ``<html>``; no fingerprint when that
  element is the whole ``<body>``;
* a digest of that region's markup as parsed (every tag, attribute and text), of the names
  of its siblings (a block added next to the article changes it), of the text written
  directly in its parent, and of every text around it up to its container (the nearest
  ``<article>`` or ``<main>``, or the ``<body>`` child holding it; scripts and styles aside),
  and of the text in the blocks beside that container (beside the region when it is a child
  of ``<body>``; navigation, asides, forms and footers aside), so that text written into an
  existing block beside the article changes it; in a block beside it named as chrome (a
  comment count, an ad slot, a most-read list: :data:`_CHROME_WORDS`), with its digits
  masked, so that a counter or a "5 minutes ago" there is no change but any other text is;
* a digest of what the extractor's own metadata readers give for the page (headline
  sources, byline, dates with the visible "Updated" lines and htmldate's candidates,
  description, language, links, change history, wall signals), passed in by the extractor:
  the same functions run in full, no copied selectors.

The fingerprint names :func:`~archive.extract.version.extractor_version`: a new extractor
invalidates every fingerprint.  It is stored compactly (format ``fp7``, about 110 characters
against fp6's 480: see :func:`page_fingerprint`); a fingerprint of another format (fp6's JSON
locator and hex digests) is never read as this one: it is another identity's, so the page is
extracted in full and fingerprinted again.

:func:`fallback_reason` parses a refetched page the same way, finds the region by the locator,
recomputes the digest and, when it is equal, runs the metadata readers again and compares their
findings: both equal means the full extraction would read the same article; anything else (no
region at that path, a different digest, an error, a fingerprint of another format or
extractor) means "do the full extraction", and :func:`fallback_reason` says which (the crawl
counts fallbacks by reason). It can only err towards extracting.
"""

from __future__ import annotations

import json
import re
from base64 import b64decode, b64encode
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from copy import deepcopy
from hashlib import blake2b
from itertools import accumulate

from lxml import etree
from lxml.html import HtmlElement

from archive.extract.inline_chrome import _FURNITURE, _name_words
from archive.extract.parse import parse_body
from archive.extract.version import extractor_version

FORMAT = "fp8"

# Text compared for locating paragraphs: letters and digits only, casefolded, so that the
# extractor's normalisation (quotes, entities, whitespace, list markers) does not matter.
_NOT_KEY = re.compile(r"[\W_]+")
_NOT_KEY_NOR_NUL = re.compile(r"(?:[^\w\x00]|_)+")

# Elements that are chrome by their kind (tag): navigation, asides, forms, footers.  One list
# for every reader of chrome: a block hole of a tier-0 template may be one
# (:mod:`.template_learn`), and a copy of the description printed inside one is no copy the
# page prints (:func:`.printed.in_chrome`), so that no block learning admits can add one.
CHROME_KINDS = frozenset({"nav", "aside", "form", "footer"})
# Siblings of the region that never hold article text (script, style, navigation, asides,
# forms, footers...): chrome inserted there does not count as a block beside the article.
_NOT_TEXT_BLOCKS = (
    frozenset({"script", "style", "link", "meta", "noscript", "template", "iframe"}) | CHROME_KINDS
)
_CONTAINERS = frozenset(("article", "main"))
# A block beside the article named as chrome: a word of its class or id (split as the
# in-article chrome pass splits names) is one of that pass's furniture words (ad slots,
# promos, most-read and related lists, sign-ups...) or names comments, which the extraction
# leaves out (``include_comments=False``), and no word names content.  Its text counts with
# every run of digits masked: a comment count or a "5 minutes ago" there changes nothing, any
# other text written into it still does.  Whole words only: "footnotes" or "story-header"
# is not chrome.
_CHROME_WORDS = _FURNITURE | {"comment", "comments", "commentcount"}
_CONTENT_WORDS = frozenset(
    {"article", "body", "content", "main", "story", "text", "entry", "post", "column"}
)
_DIGITS = re.compile(r"[0-9]+")
# (a script's or a style's text is its only child: libxml2 parses what they hold as raw text)
_TEXT_HERE = etree.XPath(".//text()[not(parent::script or parent::style)]")
_BODY_TEXT = etree.XPath("//body//text()[not(parent::script or parent::style)]")

Step = tuple[str, str, str, int]
# A stored step: the tag, a hash of the (class, id) names (None: both empty), the rank among
# the same-tag siblings whose names hash alike.
StoredStep = tuple[str, bytes | None, int]


class Locator:
    """A fingerprint's locator of the article's region, as stored: each step's tag, a 4-byte
    hash of its names and its rank, with a digest of the exact path (every step's tag, class,
    id and rank among the siblings of the same names).  :meth:`locate` finds the element the
    steps lead to and gives it only when its exact path has that digest: a hash shared by two
    siblings' names leads nowhere, never to another element."""

    __slots__ = ("path_digest", "steps")

    def __init__(self, steps: list[StoredStep], path_digest: bytes) -> None:
        self.steps = steps
        self.path_digest = path_digest

    @classmethod
    def of(cls, region: HtmlElement) -> Locator:
        """The locator of ``region``: its steps ranked as :meth:`locate` counts them."""
        steps: list[StoredStep] = []
        exact: list[Step] = []  # the same walk's exact steps, for the path's digest
        element: HtmlElement | None = region
        while element is not None and element.getparent() is not None:
            parent = element.getparent()
            names, hashed = _names(element), _hashed_names(element)
            rank = exact_rank = 0
            for sibling in parent.iterchildren(element.tag):
                if sibling is element:
                    break
                if _hashed_names(sibling) == hashed:
                    rank += 1
                if _names(sibling) == names:
                    exact_rank += 1
            steps.append((str(element.tag), hashed, rank))
            exact.append((str(element.tag), names[0], names[1], exact_rank))
            element = parent
        steps.reverse()
        exact.reverse()
        return cls(steps, _path_digest(exact))

    def locate(self, tree: HtmlElement) -> HtmlElement | None:
        """The element the steps lead to in ``tree`` when its exact path is the one located
        (the path digest); else None."""
        element = tree
        for tag, names, rank in self.steps:
            seen = 0
            for child in element.iterchildren(tag):
                if _hashed_names(child) == names:
                    if seen == rank:
                        element = child
                        break
                    seen += 1
            else:
                return None
        if _path_digest(_locator(element)) != self.path_digest:
            return None
        return element


def _hashed_names(element: HtmlElement) -> bytes | None:
    """The hash of ``element``'s class and id; None when both are empty."""
    class_, id_ = _names(element)
    if not class_ and not id_:
        return None
    return blake2b(f"{class_}\x1f{id_}".encode(), digest_size=_NAMES_HASH).digest()


def _path_digest(steps: list[Step]) -> bytes:
    return blake2b(json.dumps(steps, separators=(",", ":")).encode(), digest_size=8).digest()


_NAMES_HASH = 4
# Tags a stored step names by a code (its index; any other is written out): the list is part
# of format fp7, never to be reordered.
_TAG_NAMES = (
    "html body div article main section span p ul ol li table tbody thead tr td th header"
    " footer aside nav form figure center font b i em strong a blockquote dl dd dt pre h1 h2 h3"
    " h4 h5 h6 small label details summary time address hgroup"
)
_TAG_CODES = tuple(_TAG_NAMES.split(" "))
_TAG_CODE = {tag: code for code, tag in enumerate(_TAG_CODES)}
_LITERAL_TAG = 63  # the low 6 bits of a step's first byte: a written-out tag follows
_HAS_NAMES = 0x40  # a 4-byte names hash follows
_HAS_RANK = 0x80  # a rank (a varint) follows; none: rank 0


def _encode(digest: bytes, evidence: bytes, locator: Locator) -> str:
    out = bytearray(digest + evidence + locator.path_digest)
    for tag, names, rank in locator.steps:
        code = _TAG_CODE.get(tag, _LITERAL_TAG)
        out.append(code | (_HAS_NAMES if names else 0) | (_HAS_RANK if rank else 0))
        if code == _LITERAL_TAG:
            raw = tag.encode()
            if len(raw) > 255:
                raise ValueError("a tag name too long to store")
            out.append(len(raw))
            out += raw
        if names:
            out += names
        while rank:
            out.append((rank & 0x7F) | (0x80 if rank > 0x7F else 0))
            rank >>= 7
    return b64encode(bytes(out)).decode().rstrip("=")


def _decode(text: str) -> tuple[bytes, bytes, Locator]:
    """The digests and locator of a fingerprint's payload; ValueError when it is not one."""
    data = b64decode(text + "=" * (-len(text) % 4), validate=True)
    if len(data) < 40:
        raise ValueError("a cut fingerprint")
    digest, evidence, path_digest = data[:16], data[16:32], data[32:40]
    steps: list[StoredStep] = []
    at = 40
    while at < len(data):
        head = data[at]
        at += 1
        code = head & 0x3F
        if code == _LITERAL_TAG:
            size = data[at]
            tag = data[at + 1 : at + 1 + size].decode()
            if len(tag) != size:
                raise ValueError("a cut tag")
            at += 1 + size
        elif code < len(_TAG_CODES):
            tag = _TAG_CODES[code]
        else:
            raise ValueError(f"no tag of code {code}")
        names: bytes | None = None
        if head & _HAS_NAMES:
            names = data[at : at + _NAMES_HASH]
            if len(names) != _NAMES_HASH:
                raise ValueError("a cut names hash")
            at += _NAMES_HASH
        rank = shift = 0
        if head & _HAS_RANK:
            while True:
                byte = data[at]  # (an IndexError past the end: a cut rank)
                at += 1
                rank |= (byte & 0x7F) << shift
                shift += 7
                if not byte & 0x80:
                    break
        steps.append((tag, names, rank))
    if not steps:
        raise ValueError("no locator")
    return digest, evidence, Locator(steps, path_digest)


def _key(text: str) -> str:
    return _NOT_KEY.sub("", text).casefold()


def _names(element: HtmlElement) -> tuple[str, str]:
    return element.get("class", ""), element.get("id", "")


def _owner(text: etree._ElementUnicodeResult) -> HtmlElement | None:
    owner = text.getparent()
    if owner is not None and text.is_tail:
        owner = owner.getparent()
    return owner if isinstance(owner, HtmlElement) else None


def find_region(
    tree: HtmlElement,
    paragraphs: tuple[str, ...],
    prepare: Callable[[HtmlElement], object] | None = None,
) -> HtmlElement | None:
    """The lowest element of ``tree`` holding every copy of every paragraph, below ``<body>``;
    None when one of them is not found at all, or when only ``<body>`` holds them all.

    The paragraphs are looked for in the tree the extractor reads: a copy of ``tree`` that
    ``prepare`` (the extractor's removal passes: in-article chrome, hidden metadata...) changes
    in place, so that a paragraph whose page copy holds an ad slot is found there and not only
    in a clean copy elsewhere.  Those passes only remove elements and unwrap them, so an
    element of the copy that holds two others is, in ``tree``, an element that holds them too.

    The copy's text nodes, reduced to letters and digits, are laid end to end, and every
    occurrence of every paragraph is looked for.  Whichever copy of each paragraph the
    extraction read (a short line such as "Comments" or a standfirst may appear more than
    once, and the extraction does not always give the paragraphs in the page's order), it lies
    between the earliest start and the latest end of all of them: the region is the common
    ancestor of the nodes holding those two points, and everything between two nodes in
    document order lies inside their common ancestor.
    """
    keys = [k for k in map(_key, paragraphs) if k]
    if not keys:
        return None
    if prepare is None:
        return _common_ancestor(tree, keys)
    read = ReadCopy(tree)
    prepare(read.tree)
    return read.region(paragraphs)


class ReadCopy:
    """A copy of a tree that the extractor's removal passes change (:func:`find_region`),
    each of its elements mapped to the element it copies in the page as parsed (elements the
    passes made: to none)."""

    __slots__ = ("_copies", "originals", "tree")

    def __init__(self, tree: HtmlElement) -> None:
        self.tree: HtmlElement = deepcopy(tree)
        # (the list keeps the copy's proxies alive: the id of a freed lxml proxy can be reused)
        self._copies = list(self.tree.iter())
        self.originals = {id(c): o for c, o in zip(self._copies, tree.iter(), strict=True)}

    def region(self, paragraphs: tuple[str, ...]) -> HtmlElement | None:
        """:func:`find_region`'s region, the copy prepared: an element of the tree copied."""
        keys = [k for k in map(_key, paragraphs) if k]
        if not keys:
            return None
        common = _common_ancestor(self.tree, keys)
        while common is not None and id(common) not in self.originals:
            common = common.getparent()  # an element a pass made: its nearest original ancestor
        return None if common is None else self.originals[id(common)]


class Parsed:
    """A copy of a page's tree as parsed (``tree``), kept while the extractor's passes change
    the tree it copies: :meth:`read_copy` then copies that tree part-way through its passes,
    each element mapped back to this copy, so that the passes already run need not run again
    on a copy of the page as parsed (:func:`find_region`'s ``prepare``)."""

    __slots__ = ("_copied", "_parsed", "tree")

    def __init__(self, tree: HtmlElement) -> None:
        self.tree: HtmlElement = deepcopy(tree)
        # (the list keeps the parsed tree's proxies alive, so their ids stay theirs)
        self._parsed = list(tree.iter())
        self._copied = {id(e): c for e, c in zip(self._parsed, self.tree.iter(), strict=True)}

    def read_copy(self, tree: HtmlElement) -> ReadCopy:
        """A copy of ``tree`` (the tree this copied, changed by passes since), each of its
        elements mapped to the element of :attr:`tree` it stands for."""
        copied = self._copied
        read = ReadCopy.__new__(ReadCopy)
        read.tree = deepcopy(tree)
        read._copies = list(read.tree.iter())
        read.originals = {}
        for copy, element in zip(read._copies, tree.iter(), strict=True):
            found = copied.get(id(element))
            if found is not None:
                read.originals[id(copy)] = found
        return read


def _common_ancestor(tree: HtmlElement, keys: list[str]) -> HtmlElement | None:
    texts = _BODY_TEXT(tree)
    # every node's key at once (C-level): NUL between nodes, the only non-key character kept
    parts = _NOT_KEY_NOR_NUL.sub("", "\x00".join(texts)).casefold().split("\x00")
    ends = list(accumulate(map(len, parts)))
    joined = "".join(parts)
    starts = [joined.find(key) for key in keys]
    if min(starts) < 0:
        return None
    start = min(starts)
    end = max(joined.rfind(key) + len(key) for key in keys)
    first = _owner(texts[bisect_right(ends, start)])
    last = _owner(texts[bisect_left(ends, end)])
    if first is None or last is None:
        return None
    # (the chain keeps its proxies alive: the id of a freed lxml proxy can be reused by another)
    chain = [first, *first.iterancestors()]
    ancestors = {id(e) for e in chain}
    common: HtmlElement | None = last
    while common is not None and id(common) not in ancestors:
        common = common.getparent()
    # the whole <body>: its chrome would fail every check, and no fingerprint costs nothing
    if common is None or common.tag in ("html", "head", "body"):
        return None
    return common


def _locator(region: HtmlElement) -> list[Step]:
    steps: list[Step] = []
    element: HtmlElement | None = region
    while element is not None and element.getparent() is not None:
        parent = element.getparent()
        names = _names(element)
        rank = 0
        for sibling in parent.iterchildren(element.tag):
            if sibling is element:
                break
            if _names(sibling) == names:
                rank += 1
        steps.append((str(element.tag), names[0], names[1], rank))
        element = parent
    steps.reverse()
    return steps


def _container(region: HtmlElement) -> HtmlElement | None:
    """The nearest ``<article>`` or ``<main>`` above the region, else its ancestor that is a
    child of ``<body>``; None when the region is itself a child of ``<body>`` (or above)."""
    element = region.getparent()
    while element is not None and element.tag not in ("body", "html"):
        parent = element.getparent()
        if element.tag in _CONTAINERS or parent is None or parent.tag == "body":
            return element
        element = parent
    return None


def _named_as_chrome(block: HtmlElement) -> bool:
    """Whether ``block``'s class and id name it as chrome (:data:`_CHROME_WORDS`)."""
    words = _name_words(f"{block.get('class', '')} {block.get('id', '')}")
    return not words.isdisjoint(_CHROME_WORDS) and words.isdisjoint(_CONTENT_WORDS)


def _beside(element: HtmlElement) -> str:
    """The text of the blocks beside ``element`` (its siblings that may hold text); that of a
    block named as chrome (:func:`_named_as_chrome`) with its runs of digits masked."""
    parent = element.getparent()
    if parent is None:
        return ""
    blocks = []
    for block in parent:
        if block is element or not isinstance(block.tag, str) or block.tag in _NOT_TEXT_BLOCKS:
            continue
        text = "\x00".join(_TEXT_HERE(block))
        if _named_as_chrome(block):
            text = "#" + _DIGITS.sub("0", text)
        blocks.append(text)
    return "\x1e".join(blocks)


def _digest(region: HtmlElement, url: str, min_chars: int) -> bytes:
    """The digest of the region's markup, of its siblings' names, of the text written
    directly in its parent, of the text of its container (:func:`_container`) and of the
    text of the blocks beside the container (beside the region when it has none)."""
    hasher = blake2b(digest_size=16)

    def add(part: bytes) -> None:
        hasher.update(len(part).to_bytes(8, "big"))
        hasher.update(part)

    add(f"{url}\x1f{min_chars}".encode())  # links resolve against the URL; a minimum

    parent = region.getparent()
    if parent is not None:  # the blocks beside the article: their names
        add(
            "\x1f".join(
                f"{c.tag}.{c.get('class', '')}"
                for c in parent
                if isinstance(c.tag, str) and c.tag not in _NOT_TEXT_BLOCKS
            ).encode()
        )
        # and the text written directly in the parent, between its children (a paragraph
        # added as bare text after the article, even when the parent is the <body>)
        add("\x00".join([parent.text or "", *(c.tail or "" for c in parent)]).encode())
    container = _container(region)
    if container is not None:  # and every text around it up to its container (a note added)
        add("\x00".join(_TEXT_HERE(container)).encode())
    # and the text in the blocks beside the container, or beside the region when it is a
    # child of <body>: a note written into an existing, empty block there
    add(_beside(region if container is None else container).encode())
    add(_markup(region))
    return hasher.digest()


def _markup(region: HtmlElement) -> bytes:
    """The region's markup as parsed (every tag, attribute and text), its scripts, styles and
    asset links (cache-busted URLs, inline state) taken out of a copy first, their tails kept.
    (libxml2's serialiser of a copy costs less than half a walk of the tree in Python.)"""
    region = deepcopy(region)
    region.tail = None
    for element in list(region.iter("script", "style", "link")):
        _remove_keeping_tail(element)
    markup: bytes = etree.tostring(region, encoding="utf-8", with_tail=False)
    return markup


def _remove_keeping_tail(element: HtmlElement) -> None:
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _identity() -> str:
    return f"{FORMAT}|{extractor_version()}"


def _evidence_digest(evidence: str) -> bytes:
    return blake2b(evidence.encode(), digest_size=16).digest()


def locator_of(fingerprint: str | None) -> Locator | None:
    """The locator of a fingerprint of this format and extractor; None for any other (or none,
    or one that does not read)."""
    if not fingerprint:
        return None
    prefix = _identity() + "|"
    if not fingerprint.startswith(prefix):
        return None
    try:
        return _decode(fingerprint[len(prefix) :])[2]
    except (ValueError, IndexError, UnicodeDecodeError):
        return None


def page_fingerprint(
    tree: HtmlElement,
    paragraphs: tuple[str, ...],
    url: str,
    min_chars: int,
    evidence: str,
    prepare: Callable[[HtmlElement], object] | None = None,
    *,
    read: ReadCopy | None = None,
) -> str | None:
    """The fingerprint of a page as parsed (before any cleaning), given the paragraphs the full
    extraction read from it, what its metadata readers gave (``evidence``) and the
    extractor's removal passes (``prepare``, see :func:`find_region`); None when the
    article's region cannot be found for sure, or is the whole ``<body>``.

    Stored as ``fp7|<extractor>|<base64>``, the base64 of: the region's digest and the
    metadata's (16 raw bytes each), the locator's digest of the region's exact path (8 bytes),
    then a step per element from ``<html>`` down (:class:`Locator`): one byte with the tag's
    code (or 63 and the tag written out), whether a names hash and a rank follow, then the
    4-byte hash of the step's class and id when either is set, and its rank as a varint when
    it is not 0.  (fp6 stored the class and id in full, in JSON, and the digests in hex: 480
    characters on average for bench.cycle's pages against about 110.)

    ``read``, instead of ``prepare``: a copy of ``tree`` the removal passes changed already
    (:meth:`ReadCopy.region` finds the region in it, an element of ``tree``)."""
    region = find_region(tree, paragraphs, prepare) if read is None else read.region(paragraphs)
    if region is None:
        return None
    locator = Locator.of(region)
    digest = _digest(region, url, min_chars)
    try:
        payload = _encode(digest, _evidence_digest(evidence), locator)
    except ValueError:  # a step's tag name over 255 bytes: no fingerprint, as with no region
        return None
    return f"{_identity()}|{payload}"


# Why the fast path left a page to the full extraction (:func:`fallback_reason`).
NO_FINGERPRINT = "no_fingerprint"  # the version has none (its region could not be located)
OTHER_EXTRACTOR = "other_extractor"  # a fingerprint of another format or extractor
NOT_PARSED = "not_parsed"  # the page does not decode or parse
NO_REGION = "no_region"  # no element at the stored locator
REGION_CHANGED = "region_changed"  # the region, its siblings or its surroundings differ
METADATA_CHANGED = "metadata_changed"  # the metadata readers find something else
ERROR = "error"  # the check failed
VERSION_MOVED = "version_moved"  # the current version is not the fingerprinted one any more
REASONS = (
    NO_FINGERPRINT,
    OTHER_EXTRACTOR,
    NOT_PARSED,
    NO_REGION,
    REGION_CHANGED,
    METADATA_CHANGED,
    ERROR,
    VERSION_MOVED,
)


def fallback_reason(
    body: bytes | str,
    url: str,
    content_type: str | None,
    min_chars: int,
    fingerprint: str | None,
    read_evidence: Callable[[HtmlElement, str], str],
) -> str | None:
    """None when the page surely gives the article ``fingerprint`` was taken from; else why
    not (one of :data:`REASONS`), and the full extraction decides.

    ``read_evidence`` runs the extractor's metadata readers on the parsed page (which it may
    change) and gives their findings as one string, compared with those the fingerprint
    recorded.  Any doubt is a reason: no fingerprint, another extractor's, no region at the
    locator, a different digest or metadata, a page that does not decode or parse, an error.
    """
    if not fingerprint:
        return NO_FINGERPRINT
    prefix = _identity() + "|"
    if not fingerprint.startswith(prefix):
        return OTHER_EXTRACTOR
    try:
        digest, evidence, locator = _decode(fingerprint[len(prefix) :])
        tree = parse_body(body, content_type)
        if tree is None:
            return NOT_PARSED
        region = locator.locate(tree)
        if region is None:
            return NO_REGION
        if _digest(region, url, min_chars) != digest:
            return REGION_CHANGED
        if _evidence_digest(read_evidence(tree, url)) != evidence:
            return METADATA_CHANGED
        return None
    except Exception:  # any doubt: the full extraction decides
        return ERROR
