"""Paragraphs that a page prints twice in a row, kept twice.

trafilatura drops an element of more than 50 characters whose text equals the one before it,
whatever its ``deduplicate`` option says: a guard against its own passes emitting one
element twice.  A page that really prints a paragraph twice (a publishing slip, fixed on a
later fetch) then extracts as if it printed it once, and the fix, a paragraph removed that a
reader saw go, makes no version.

:func:`repeated_runs` reads the page's own runs of equal consecutive ``<p>`` elements (on the
tree trafilatura read, which it leaves unchanged), and :func:`restore_repeats` gives a
paragraph of the extracted text back the copies that the page has and the extraction lost.
Only a text that the article prints in one run and the extraction keeps in one run is
restored, so an element that trafilatura itself emitted twice (one ``<p>`` in the page) is
never doubled, and a text printed in two places of the article is left as extracted.

Two fetches of one article must read the same run, whatever chrome comes and goes around it:

* Between two copies, an element a reader sees nothing of does not break the run: one with no
  text but space (an empty lazy-load ``<div>``, an ad slot not yet filled, a comment, a
  script or a style).  Images, pictures and figures without text count as nothing too:
  trafilatura (which redline runs without images) drops the second copy across them all the
  same, and a lazy-loaded image that is there on one fetch only must not change the count.
  A figure with a caption has text, and so does any other element: it breaks the run.
* The copies are counted in the article's region only (the lowest element holding the
  extraction's other paragraphs and the run, :func:`archive.extract.fastpath.find_region`),
  not on the whole page: the same text in a rotating box beside the article on one fetch
  does not make it "printed in two places".  Where that region cannot be found, the page.
  A box inside the region that repeats the text still counts as a second place.
"""

from __future__ import annotations

from collections import Counter

from lxml import etree
from lxml.html import HtmlElement

from archive.extract.fastpath import find_region
from archive.extract.normalize import normalize_text

# What is in an element that a reader sees as text (not a script's, a style's...)
_SHOWN_TEXT = etree.XPath(
    "boolean(.//text()[normalize-space()][not(ancestor::script or ancestor::style"
    " or ancestor::template or ancestor::noscript)])"
)
_NEVER_SHOWN = frozenset({"script", "style", "template", "noscript"})


def _shows_nothing(element: HtmlElement) -> bool:
    """Whether a reader sees no text of ``element`` (see the module docstring)."""
    if not isinstance(element.tag, str):  # a comment or a processing instruction
        return True
    if element.tag in _NEVER_SHOWN:
        return True
    if element.text and element.text.strip():
        return False
    return not _SHOWN_TEXT(element)


def _follows(paragraph: HtmlElement, last: HtmlElement | None) -> bool:
    """Whether ``paragraph`` comes right after ``last`` to a reader: only space, and elements
    that show nothing, between them."""
    if last is None or (last.tail and last.tail.strip()):
        return False
    element = paragraph.getprevious()
    while element is not None and element is not last:
        if (element.tail and element.tail.strip()) or not _shows_nothing(element):
            return False
        element = element.getprevious()
    return element is last


def _common_ancestor(elements: list[HtmlElement]) -> HtmlElement | None:
    chain = [elements[0], *elements[0].iterancestors()]
    for element in elements[1:]:
        ancestors = {id(e) for e in [element, *element.iterancestors()]}
        chain = [e for e in chain if id(e) in ancestors]
    return chain[0] if chain else None


def repeated_runs(tree: HtmlElement, extracted: tuple[str, ...] = ()) -> dict[str, int]:
    """Texts of ``<p>`` elements printed two or more times in a row (nothing a reader sees
    between them), with the run's length, for the texts that the article prints in that one
    run only.  ``extracted`` is the extraction's paragraphs, which locate the article."""
    runs: dict[str, list[tuple[int, HtmlElement]]] = {}
    last: HtmlElement | None = None
    last_text = ""
    length = 0
    start: HtmlElement | None = None
    for paragraph in tree.iter("p"):
        text = paragraph.text_content()  # as printed; normalised only for the runs found
        if text.strip() and text == last_text and _follows(paragraph, last):
            length += 1
        else:
            if length > 1 and start is not None:
                runs.setdefault(last_text, []).append((length, start))
            length, start = 1, paragraph
        last, last_text = paragraph, text
    if length > 1 and start is not None:
        runs.setdefault(last_text, []).append((length, start))
    if not runs:
        return {}
    region = _article_region(tree, runs, extracted)
    seen = Counter(p.text_content() for p in region.iter("p"))
    return {
        normalize_text(text): found[0][0]
        for text, found in runs.items()
        if len(found) == 1 and seen[text] == found[0][0]
    }


def _article_region(
    tree: HtmlElement, runs: dict[str, list[tuple[int, HtmlElement]]], extracted: tuple[str, ...]
) -> HtmlElement:
    """The lowest element holding the extraction's paragraphs (but the runs' texts, which a
    box elsewhere may repeat) and every run; the page when they cannot be located."""
    repeated = {normalize_text(text) for text in runs}
    others = tuple(p for p in extracted if p not in repeated)
    region = find_region(tree, others) if others else None
    if region is None:
        return tree
    starts = [start for found in runs.values() for _, start in found]
    common = _common_ancestor([region, *starts])
    return tree if common is None else common


def restore_repeats(paragraphs: tuple[str, ...], runs: dict[str, int]) -> tuple[str, ...]:
    """``paragraphs`` with each run of a text in ``runs`` as long as the page's run, where
    the extraction keeps that text in one run, shorter."""
    if not runs:
        return paragraphs
    starts: dict[str, list[int]] = {}
    for index, paragraph in enumerate(paragraphs):
        if paragraph in runs and (index == 0 or paragraphs[index - 1] != paragraph):
            starts.setdefault(paragraph, []).append(index)
    restored = list(paragraphs)
    for text, indexes in sorted(starts.items(), key=lambda item: -item[1][0]):
        if len(indexes) != 1:
            continue
        start = stop = indexes[0]
        while stop < len(paragraphs) and paragraphs[stop] == text:
            stop += 1
        missing = runs[text] - (stop - start)
        if missing > 0:
            restored[stop:stop] = [text] * missing
    return tuple(restored)
