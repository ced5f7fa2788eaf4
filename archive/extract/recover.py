"""Article text that trafilatura would drop, made plain before it sees the tree.

trafilatura loses three kinds of article text on both versions of a page, so an edit to them
is never seen:

* **link-only paragraphs and list items** ("Read the joint statement", a list of training
  videos whose items are links): its link-density filter takes a short block that is mostly
  link for navigation;
* **document links**: a block that names an attached file (a heading linking to a PDF inside
  a box with its thumbnail and size) sits in a container whose class marks it as page
  furniture, and an inline one inside a sentence takes its words with it ("sending your
  completed <form> and your essay" loses the form);
* **figure captions**: ``<figure>`` is dropped whole, caption and all.

:func:`recover_article_text` rewrites the tree in place so that this text reaches trafilatura
as plain paragraphs.  Every rule is structural and applies only *inside prose*: near a
container that holds at least :data:`MIN_PROSE_PARAGRAPHS` paragraphs of running text (not
links).  Menus, footers and teaser grids have no such paragraphs around their links, so they
are left exactly as they were and trafilatura judges them as before.  Inside prose, two
shapes are still left alone: a run of blocks that are only links to the page's own site (a
list of them, or two side by side), which is how stories list related stories; and a bare
caption label (credits, "Image caption"), which article-body annotations leave out; a
caption the author wrote as paragraphs is text.  No rule reads an id or a class name, and
the only host compared is the page's own.
A wrapper with a single child (a block renderer's ``<div>`` around each paragraph, a
call-to-action box around one link) counts as the element it wraps, so that such a template
change leaves the text as it was.

What must not live here: filters of text after extraction (that is :mod:`.chrome`).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement

from archive.extract.normalize import normalize_text

# A paragraph is running text when this many characters of it lie outside links ...
MIN_PROSE_CHARS = 50
# ... and links make up less than this share of it.
MAX_PROSE_LINK_SHARE = 0.5
# A container is prose when it holds this many running-text paragraphs.
MIN_PROSE_PARAGRAPHS = 2
# How deep below a container its running-text paragraphs are counted for a figure (a lead
# image sits beside the body's wrapper, not among its paragraphs).
FIGURE_PROSE_DEPTH = 3
# How far above a file's title its prose container may be (title in a details box in a box).
MAX_BOX_DEPTH = 4
# How far above a paragraph or list of links its prose container may be (a list with its
# lead-in sentence in a call-to-action box).
MAX_LIST_BOX_DEPTH = 2
# Captions and document titles are short; longer blocks are not what these rules are for.
MAX_LIFTED_CHARS = 500

# Files a page attaches: documents, spreadsheets, slides, archives, data.
_FILE_SUFFIX = re.compile(
    r"\.(?:pdf|odt|ods|odp|docx?|xlsx?|xlsm|pptx?|rtf|csv|txt|zip|epub|xml|json)$",
    re.IGNORECASE,
)
_ENTRY_TAGS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LIST_TAGS = frozenset({"ul", "ol"})
# Where a walk up from a link stops looking for its list: the block containers.
_BLOCK_TAGS = frozenset({"div", "section", "article", "main", "body", "td", "blockquote"})
_INLINE_TAGS = frozenset(
    {"span", "em", "strong", "b", "i", "small", "abbr", "cite", "q", "mark", "sub", "sup"}
)
_TOP_TAGS = frozenset({"html", "body"})
_WORD_CHARS = re.compile(r"\W+")
# A block is "only a link" when at most this many letters and digits lie outside its links
# (a bullet, "and", a closing bracket).
MAX_TEASER_EXTRA_CHARS = 3


def _link_chars(element: HtmlElement) -> int:
    return sum(len(a.text_content().strip()) for a in element.iter("a"))


def _is_running_text(paragraph: HtmlElement) -> bool:
    text = len(paragraph.text_content().strip())
    if text < MIN_PROSE_CHARS:
        return False
    links = _link_chars(paragraph)
    return text - links >= MIN_PROSE_CHARS and links < text * MAX_PROSE_LINK_SHARE


def _wrapped(element: HtmlElement) -> HtmlElement:
    """The outermost single-child wrapper around an element (or the element itself).

    Block renderers put each paragraph in a ``<div>`` of its own, and call-to-action boxes
    hold one paragraph: such a wrapper is the paragraph, as far as its place in the text goes.
    """
    parent = element.getparent()
    while parent is not None and len(parent) == 1 and parent.tag not in _TOP_TAGS:
        element, parent = parent, parent.getparent()
    return element


class _Prose:
    """Which elements hold running-text paragraphs, directly and a few levels down (single-
    child wrappers looked through, so that a template's wrapping does not change the answer).
    """

    def __init__(self, tree: HtmlElement) -> None:
        self.direct: dict[HtmlElement, int] = {}
        self.deep: dict[HtmlElement, int] = {}
        for paragraph in tree.iter("p"):
            if not _is_running_text(paragraph):
                continue
            block = _wrapped(paragraph)
            parent = block.getparent()
            if parent is not None:
                self.direct[parent] = self.direct.get(parent, 0) + 1
            for _ in range(FIGURE_PROSE_DEPTH):
                if parent is None:
                    break
                self.deep[parent] = self.deep.get(parent, 0) + 1
                parent = _wrapped(parent).getparent()

    def enclosing(
        self, element: HtmlElement, max_depth: int
    ) -> tuple[HtmlElement, HtmlElement] | None:
        """(child, container): the nearest prose container at most ``max_depth`` blocks up,
        and the element's outermost block below it (the element or a box around it)."""
        child = _wrapped(element)
        for _ in range(max_depth):
            parent = child.getparent()
            if parent is None or parent.tag in _TOP_TAGS:
                return None
            if self.direct.get(parent, 0) >= MIN_PROSE_PARAGRAPHS:
                return child, parent
            child = _wrapped(parent)
        return None

    def around_figure(self, figure: HtmlElement) -> bool:
        """Whether the block around a figure holds running text a few levels down."""
        parent = _wrapped(figure).getparent()
        return parent is not None and self.deep.get(parent, 0) >= MIN_PROSE_PARAGRAPHS


def _entry(link: HtmlElement) -> HtmlElement | None:
    """The paragraph, heading or outermost list item a link belongs to, if any."""
    entry = None
    for ancestor in link.iterancestors():
        tag = ancestor.tag
        if tag in _BLOCK_TAGS:
            break
        if tag in _ENTRY_TAGS and (entry is None or tag == "li"):
            entry = ancestor
    return entry


def _outer_list(entry: HtmlElement) -> HtmlElement:
    """The outermost list around a list item (or the entry itself)."""
    outer = entry
    for ancestor in entry.iterancestors():
        if ancestor.tag in _BLOCK_TAGS:
            break
        if ancestor.tag in _LIST_TAGS:
            outer = ancestor
    return outer


def _is_file(link: HtmlElement) -> bool:
    path = (link.get("href") or "").strip().split("#", 1)[0].split("?", 1)[0]
    return bool(_FILE_SUFFIX.search(path))


def _paragraph_before(element: HtmlElement, text: str) -> None:
    """A new ``<p>`` holding ``text``, inserted before ``element`` (made by its parser, so an
    HTML element like the others)."""
    made = element.makeelement("p", {})
    made.text = text
    element.addprevious(made)


def _lift_captions(tree: HtmlElement, prose: _Prose) -> None:
    """A figure's caption written as paragraphs becomes a paragraph before the figure.

    Only a caption whose text is in ``<p>`` elements: one the author wrote into the body.  A
    bare caption label (a credit, a photo agency line, "Image caption" for screen readers)
    is what article-body annotations leave out, and it is left to trafilatura, which drops
    the figure whole.
    """
    for caption in list(tree.iter("figcaption")):
        figure = caption.getparent()
        if figure is None or figure.tag != "figure":
            continue
        paragraphs = caption.findall("p")
        if not paragraphs:
            continue
        text = normalize_text(" ".join(t for p in paragraphs for t in p.itertext()))
        if not text or len(text) > MAX_LIFTED_CHARS or not prose.around_figure(figure):
            continue
        _paragraph_before(figure, text)
        caption.drop_tree()  # lifted, not copied: a second pass finds nothing to lift


def _lift_file_titles(links: list[HtmlElement], prose: _Prose) -> None:
    """A block naming an attached file, boxed inside prose, becomes a paragraph of the prose.

    The box (thumbnail, title, type and size) is page furniture to trafilatura, which drops
    it by its class names; its title is what a reader sees the page attach.  A file link
    inside a sentence keeps its words in the sentence: the inline wrappers around it go.
    """
    for link in links:
        if not _is_file(link) or link.getparent() is None:
            continue
        entry = _entry(link)
        if entry is None:
            continue
        text = normalize_text(link.text_content())
        if not text:
            continue  # a thumbnail
        outer = _outer_list(entry)
        place = prose.enclosing(outer, MAX_BOX_DEPTH)
        if place is None:
            continue
        if normalize_text(entry.text_content()) != text:
            # inside a sentence (or beside its type and size): unwrap the inline wrappers
            for ancestor in list(link.iterancestors()):
                if ancestor is entry:
                    break
                if ancestor.tag in _INLINE_TAGS:
                    etree.strip_tags(ancestor, *_INLINE_TAGS)
                    ancestor.drop_tag()
            continue
        child, _ = place
        if len(text) > MAX_LIFTED_CHARS or child is _wrapped(outer):
            continue  # already a paragraph of the prose: the link pass makes it plain
        _paragraph_before(child, text)
        entry.drop_tree()


def _site(url: str) -> str:
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return "?"
    return host.removeprefix("www.")


def _words(text: str) -> int:
    return len(_WORD_CHARS.sub("", text))


class _Units:
    """Whether a block of prose is only links to the page's own site (a teaser)."""

    def __init__(self, site: str) -> None:
        self.site = site
        self.teasers: dict[HtmlElement, bool] = {}

    def is_teaser(self, unit: HtmlElement) -> bool:
        known = self.teasers.get(unit)
        if known is None:
            links = list(unit.iter("a"))
            known = (
                bool(links)
                and _words(unit.text_content()) - sum(_words(a.text_content()) for a in links)
                <= MAX_TEASER_EXTRA_CHARS
                and all(_site(a.get("href") or "") in ("", self.site) for a in links)
            )
            self.teasers[unit] = known
        return known

    def in_teaser_run(self, unit: HtmlElement) -> bool:
        """A list of two or more teasers, or a teaser beside another: related articles."""
        block = _wrapped(unit)
        if not self.is_teaser(block):
            return False
        if unit.tag in _LIST_TAGS and len(unit.findall("li")) >= 2:
            return True
        for sibling in (_neighbour(block, before=True), _neighbour(block, before=False)):
            if sibling is not None and self.is_teaser(sibling):
                return True
        return False


def _neighbour(element: HtmlElement, *, before: bool) -> HtmlElement | None:
    """The nearest sibling element with text (empty ad slots and spacers skipped)."""
    siblings = element.itersiblings(preceding=before)
    for sibling in siblings:
        if isinstance(sibling.tag, str) and _words(sibling.text_content()):
            return sibling
    return None


def _unwrap_links(links: list[HtmlElement], prose: _Prose, url: str) -> None:
    """Links in paragraphs and list items of prose become plain text (their words stay).

    A heading that is only a link becomes a plain paragraph too.  Left as they are: runs of
    blocks that are only links to the page's own site (two or more side by side, or a list
    of them), which is how related articles are listed inside a story.
    """
    units = _Units(_site(url))
    done: set[HtmlElement] = set()
    for link in links:
        if link.getparent() is None:
            continue
        entry = _entry(link)
        if entry is None or entry in done:
            continue
        done.add(entry)
        unit = _outer_list(entry)
        if prose.enclosing(unit, MAX_LIST_BOX_DEPTH) is None or units.in_teaser_run(unit):
            continue
        if entry.tag in _HEADINGS:
            if normalize_text(entry.text_content()) != normalize_text(link.text_content()):
                continue
            # a heading that is only a link reads as a paragraph: trafilatura drops a
            # heading at the end of the body as a dangling title, and the link with it
            entry.tag = "p"
        etree.strip_tags(entry, "a")


def recover_article_text(tree: HtmlElement, url: str) -> None:
    """Make link-only blocks, file titles and captions inside prose plain text (in place).

    Call it on the parsed page before trafilatura runs.  Pages without links or figures
    inside prose come back unchanged.
    """
    prose = _Prose(tree)
    if not prose.direct and not prose.deep:
        return
    _lift_captions(tree, prose)
    # Only links inside prose are candidates: those in menus and footers are never visited.
    inside = (c for c, count in prose.direct.items() if count >= MIN_PROSE_PARAGRAPHS)
    links = list(dict.fromkeys(a for c in inside for a in c.iter("a") if a.get("href")))
    if not links:
        return
    _lift_file_titles(links, prose)
    _unwrap_links(links, prose, url)
