"""Where a page prints a text (its description) as a block of its own, chrome aside.

The extractor asks how many times the page prints its description (the standfirst above the
body, and a body paragraph that came to read the same) to decide whether the copy it extracted
is the standfirst, reported once as the description, or a paragraph of the article.  A page's
chrome may print the description too: a "most read", "trending" or "related" box that lists
this very story with its summary, and rotates it in and out from one request to the next.  A
copy there is another page's teaser, not the article's: counted, it would make the same
article extract differently as the box rotates (an edit no one made).

A copy is chrome (:func:`in_chrome`, judged from the element holding its text up) when it
lies inside a link or a button (a teaser's link), inside an item of a link list (a list whose
every item holds a link), or inside a block that holds no ``<h1>`` and is navigation, an aside,
a form or a footer (by tag: :data:`.fastpath.CHROME_KINDS`, the kinds a tier-0 block hole may
be; or by ARIA role) or is named as chrome (class or id: :func:`.fastpath._named_as_chrome`,
the furniture words of the in-article chrome pass): a teaser in an aside's link, the aside in
a plain grid ``<div>``, is chrome though the lowest block reading the copy is that ``<div>``.
Everything else counts: GOV.UK's lead paragraph (``p.gem-c-lead-paragraph``, above the body
region in ``<main>``) and the body's own paragraphs among them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain

from lxml.html import HtmlElement

from archive.extract.fastpath import CHROME_KINDS, _named_as_chrome
from archive.extract.headline import same_text, text_key

# Elements that may print a standfirst or a body paragraph as a block of its own.
TEXT_BLOCKS = ("p", "div", "li", "h2", "h3", "h4", "h5", "h6", "blockquote", "dd", "td")
# A copy inside one of these is a link's or a button's text: a teaser.
_LINKS = frozenset({"a", "button"})
# Blocks that hold no article text, by tag (the chrome kinds a tier-0 block hole may be: a
# copy in one of them may come and go while tier 0 decides "same") and by ARIA role.
_CHROME_TAGS = CHROME_KINDS
_CHROME_ROLES = frozenset({"navigation", "complementary", "contentinfo"})
_LISTS = ("ul", "ol")


def printed_copies(tree: HtmlElement, text: str) -> int:
    """How many blocks of the page outside its chrome (:func:`in_chrome`) read exactly
    ``text`` (punctuation and spacing aside): for each text node holding its longest word,
    the lowest block around it that reads so, so that a wrapper and its paragraph count once."""
    words = text.split()
    if not words:
        return 0
    # a block (kept, so that its id is its own while this runs: an lxml element's proxy is
    # made anew, maybe at a freed one's address, once nothing holds it), by the element
    # holding its text node
    found: dict[int, tuple[HtmlElement, HtmlElement]] = {}
    for node in tree.xpath("//text()[contains(., $word)]", word=max(words, key=len)):
        element = node.getparent()
        if node.is_tail and element is not None:
            element = element.getparent()
        holder = element
        while element is not None:
            if element.tag in TEXT_BLOCKS:
                shown = element.text_content()
                if same_text(shown, text, exact_case=True):
                    found.setdefault(id(element), (element, holder))
                    break
                if len(shown) > 2 * len(text):
                    break  # the blocks above only hold more
            element = element.getparent()
    # Chrome is judged from the text's own element up, not from the block found: a teaser in
    # an aside's link, the aside in a plain <div>, reads as that <div> and lies in chrome.
    return sum(1 for _, holder in found.values() if holder is not None and not in_chrome(holder))


def varies_with(tree: HtmlElement, text: str, holes: Sequence[HtmlElement]) -> bool:
    """Whether :func:`printed_copies` of ``text`` on ``tree`` may change with what the
    elements ``holes`` hold (tier 0's block holes: any content, each of a chrome kind or named
    as chrome, so that a copy inside one is chrome; their tails fixed).

    A copy outside the holes is counted by the lowest block around a text node holding the
    longest word that reads ``text`` exactly, and only when no block below it holds more than
    twice its length: blocks that hold no hole read the same whatever the holes hold; a block
    around a hole reads its text outside the holes and whatever the holes add.  So the count
    may change when, on the walk up from such a text node outside every hole, a block around
    a hole holds no more letters and digits outside the holes than ``text`` (a share bar whose
    labels become icons or whose words complete the line to the description, made the page
    print it once more; or one that leaves it).  False also means: every hole is still in the
    tree."""
    words = text.split()
    if not words or not holes:
        return False
    root = tree.getroottree().getroot()
    if any(hole.getroottree().getroot() is not root for hole in holes):
        return True  # a hole removed from the page: what it held cannot be told
    # (the elements kept: an lxml element's id is its proxy's, which is made anew, maybe at a
    # freed one's address, once no reference holds it)
    members = [element for hole in holes for element in hole.iter()]
    inside = {id(element) for element in members}
    held = {id(hole) for hole in holes}
    most = len(text_key(text))
    for node in tree.xpath("//text()[contains(., $word)]", word=max(words, key=len)):
        element = node.getparent()
        if node.is_tail and element is not None:
            element = element.getparent()
        if element is None or id(element) in inside:
            continue  # a copy in a hole is chrome
        while element is not None:
            if element.tag in TEXT_BLOCKS:
                if not any(_holds(element, hole) for hole in holes):
                    shown = element.text_content()
                    if same_text(shown, text, exact_case=True) or len(shown) > 2 * len(text):
                        break  # as printed_copies, whatever the holes hold
                elif len(text_key("".join(_outside(element, held)))) <= most:
                    return True
            element = element.getparent()
    return False


def _holds(element: HtmlElement, hole: HtmlElement) -> bool:
    return any(ancestor is element for ancestor in hole.iterancestors())


def _outside(element: HtmlElement, held: set[int]) -> Iterator[str]:
    """The text of ``element`` (as ``text_content`` reads it) outside the elements ``held``
    (by id), their tails included."""
    if element.text and isinstance(element.tag, str):
        yield element.text
    for child in element:
        if id(child) not in held and isinstance(child.tag, str):
            yield from _outside(child, held)
        if child.tail:
            yield child.tail


def in_chrome(element: HtmlElement) -> bool:
    """Whether ``element`` lies in the page's chrome: it or a block around it is a link or a
    button, an item of a link list, or a block without the ``<h1>`` that is navigation, an
    aside, a form, a footer or named as chrome."""
    for block in chain((element,), element.iterancestors()):
        if block.tag in ("body", "html"):
            return False
        if block.tag in _LINKS or (block.tag == "li" and _in_link_list(block)):
            return True
        chrome = (
            block.tag in _CHROME_TAGS
            or (block.get("role") or "").strip() in _CHROME_ROLES
            or _named_as_chrome(block)
        )
        if chrome and block.find(".//h1") is None:
            return True
    return False


def _in_link_list(item: HtmlElement) -> bool:
    """Whether list item ``item`` is one of a list's items that each hold a link."""
    container = item.getparent()
    if container is None or container.tag not in _LISTS:
        return False
    items = [child for child in container if child.tag == "li"]
    return all(child.find(".//a[@href]") is not None for child in items)
