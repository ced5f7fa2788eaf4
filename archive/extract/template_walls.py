"""Which block holes of a tier-0 template stand by a wall the wall guard reads.

The wall guard (:mod:`.walls`) refuses a short article as a paywall when an element named as a
paywall prompt holds a subscribe or sign-in control, and a page as a consent wall when a
consent overlay (named so, a dialog, a form) holds its text.  A block hole's new content can
make either: a subscription-offer dialog beside a short article gains a "Subscribe" link, and
the full extraction refuses the page while tier 0 would say "same".  So learning
(:mod:`.template_learn`) and derivation (:mod:`.template_site_judge`) mark such a block
(:data:`.template.PAYWALL_MARK`, :data:`.template.CONSENT_MARK` in its vocabulary's tag names),
and the check refuses its new content when it says what such a wall's controls say
(:func:`.template.says_a_wall`).  A block is by a wall when it, or an ancestor holding no part
of the article (:func:`.walls._holds_the_page`), is an element the guard reads so, or when its
vocabulary holds a value that makes one (a ``class`` or ``id`` of a wall's name, a dialog's
``role`` or ``aria-modal``, on a tag the guard reads).  Unmarked blocks cost the check
nothing more.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from lxml.html import HtmlElement

from archive.extract.template import CONSENT_MARK, PAYWALL_MARK, Vocabulary
from archive.extract.wall_names import CONSENT_NAME, CONSENT_TOPIC, PAYWALL_NAME
from archive.extract.walls import _holds_the_page

# The elements the wall guard reads as walls (:func:`.walls.read_wall_signals`).
_WALL_TAGS: Final = frozenset({"div", "section", "aside", "dialog", "form", "iframe", "footer"})
_DIALOG_ROLES: Final = frozenset({"dialog", "alertdialog"})


def _marks(tag: str, names: str, role: str | None, modal: str | None) -> set[str]:
    """The marks an element of ``tag`` named ``names`` (its id and class), of ``role`` and
    ``aria-modal`` ``modal``, gives the blocks it holds or stands in."""
    marks: set[str] = set()
    if tag not in _WALL_TAGS:
        return marks
    if PAYWALL_NAME.search(names):
        marks.add(PAYWALL_MARK)
    dialog = tag in ("dialog", "form") or role in _DIALOG_ROLES or modal == "true"
    if dialog or CONSENT_NAME.search(names):
        marks.add(CONSENT_MARK)
    return marks


def _walls_around(element: HtmlElement) -> Iterator[tuple[HtmlElement, str]]:
    """``element`` and its ancestors the wall guard may read as a wall (an element of a wall's
    tag holding no part of the page's article), innermost first, each with its names (its id
    and class)."""
    for node in (element, *element.iterancestors()):
        if not isinstance(node.tag, str) or node.tag not in _WALL_TAGS:
            continue
        if _holds_the_page(node):
            continue
        yield node, f"{node.get('id', '')} {node.get('class', '')}"


def element_marks(element: HtmlElement) -> set[str]:
    """The marks of a block hole ``element`` by itself and its ancestors (those holding the
    page's article are never a wall)."""
    marks: set[str] = set()
    for node, names in _walls_around(element):
        marks |= _marks(node.tag, names, node.get("role"), node.get("aria-modal"))
    return marks


def vocabulary_marks(learned: Vocabulary) -> set[str]:
    """The marks of a block hole by what its new content may hold (its vocabulary's values,
    each bound to its tag: :func:`.template.bound_value`)."""
    marks: set[str] = set()
    for value in learned["v"]:
        tag, _, pair = value.partition(" ")
        name, _, text = pair.partition("=")
        if name in ("id", "class"):
            marks |= _marks(tag, text, None, None)
        elif name == "role":
            marks |= _marks(tag, "", text, None)
        elif name == "aria-modal":
            marks |= _marks(tag, "", None, text)
    return marks


def marked(learned: Vocabulary, marks: set[str]) -> Vocabulary:
    """``learned`` with ``marks`` among its tag names (itself when it holds them all)."""
    if marks.issubset(learned["t"]):
        return learned
    return {**learned, "t": sorted({*learned["t"], *marks})}


def reads_values(element: HtmlElement) -> bool:
    """Whether the wall guard may read the value of a field ``element`` as a wall's control's
    words: it lies in an element the guard reads as a paywall prompt or a consent overlay
    (:func:`element_marks`), but for a plain form (a form by its tag alone) whose text says
    nothing of consent: the guard counts such a form's consent controls only when its text
    speaks of consent (:func:`.walls._consent_container`), and no hole can make it (a count
    is digits, a block in a form is marked for consent and says none of it)."""
    for node, names in _walls_around(element):
        role, modal = node.get("role"), node.get("aria-modal")
        marks = _marks(node.tag, names, role, modal)
        if not marks:
            continue
        plain_form = (
            node.tag == "form"
            and marks == {CONSENT_MARK}
            and not CONSENT_NAME.search(names)
            and role not in _DIALOG_ROLES
            and modal != "true"
        )
        if plain_form and not CONSENT_TOPIC.search(node.text_content()):
            continue
        return True
    return False
