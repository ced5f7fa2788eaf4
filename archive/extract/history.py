"""A page's own change history: the dated list of public change notes some publishers show.

GOV.UK pages end with "Updates to this page": a list of dated notes ("Corrected the date of
the event", "Added translation", "First published.").  trafilatura would otherwise put that
list, its "+ show all updates" toggle and its dates into the body as loose lines, and the
newest ``<time>`` in it would be taken for the *publication* time.  This module reads the list
into :class:`ChangeHistory` and removes it from the tree, so that :func:`extract_article`
can give each note one paragraph in a fixed form (``Update (20 January 2020): ...``), which
:mod:`archive.diff.notes` recognises: a note that appears with a new version becomes a
``correction_note`` edit through the stored paragraphs alone, with no extra storage.

The markup is recognised by class names (``change-item``, ``change-note``,
``change-history``), never by domain.  What must not live here: the note patterns of free
text (that is :mod:`archive.diff.notes`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from lxml.html import HtmlElement

from archive.extract.normalize import normalize_text
from archive.extract.timestamps import parse_datetime

# The list items of a change history, and the notes inside them when they are marked up.
ITEM_XPATH = "//li[contains(@class, 'change-item')]"
_NOTE_XPATH = ".//*[contains(@class, 'change-note')]"
_TIME_XPATH = ".//time"

# The history block is the list plus its heading, dates and toggle: the nearest ancestor of
# the list whose id or class names a history, at most this many levels up.
MAX_HISTORY_DEPTH = 4
_HISTORY_NAME = re.compile(r"history", re.IGNORECASE)

# The entry every history ends with; it restates ``published_at`` and is not a change note.
_FIRST_PUBLISHED = re.compile(r"^first published\.?$", re.IGNORECASE)


@dataclass(frozen=True)
class ChangeHistory:
    """The change notes of a page, newest first as published, and the times of all entries."""

    notes: tuple[str, ...] = ()
    times: tuple[datetime, ...] = ()

    @property
    def published(self) -> datetime | None:
        """The oldest entry's time: when the page was first published."""
        return min(self.times) if self.times else None

    @property
    def updated(self) -> datetime | None:
        """The newest entry's time, when there is an entry after the first publication."""
        if len(self.times) < 2 or max(self.times) == min(self.times):
            return None
        return max(self.times)


def _item_note(item: HtmlElement) -> tuple[str, str, datetime | None]:
    """(day as shown, note text, time) of one history entry."""
    time = next(iter(item.xpath(_TIME_XPATH)), None)
    day = normalize_text(time.text_content()) if time is not None else ""
    when = parse_datetime(time.get("datetime")) if time is not None else None
    marked = item.xpath(_NOTE_XPATH)
    if marked:
        note = " ".join(normalize_text(n.text_content()) for n in marked)
    else:
        note = normalize_text(item.text_content())
        if day and note.startswith(day):
            note = note[len(day) :].strip()
    return day, note, when


def _history_block(item: HtmlElement) -> HtmlElement:
    """The element to remove: the history block around the item's list."""
    block = item.getparent() if item.getparent() is not None else item
    node = block
    for _ in range(MAX_HISTORY_DEPTH):
        parent = node.getparent()
        if parent is None or parent.tag in {"body", "main", "html"}:
            break
        node = parent
        if _HISTORY_NAME.search(f"{node.get('id', '')} {node.get('class', '')}"):
            block = node  # the outermost match: it holds the heading, dates and toggle too
    return block


def take_change_history(tree: HtmlElement) -> ChangeHistory:
    """Read the change history and remove it from ``tree`` (in place); empty when absent.

    Each note comes back as ``Update (<day>): <note>``; "First published." entries give a
    time but no note.
    """
    items: list[HtmlElement] = tree.xpath(ITEM_XPATH)
    if not items:
        return ChangeHistory()
    # Two entries may read the same ("Added translation" twice in a day): they are two notes.
    # Only an entry shown twice (same words, same time) is one note.
    notes: dict[tuple[str, datetime | None], None] = {}
    times: list[datetime] = []
    for item in items:
        day, note, when = _item_note(item)
        if when is not None:
            times.append(when)
        if note and not _FIRST_PUBLISHED.match(note):
            notes[f"Update ({day}): {note}" if day else f"Update: {note}", when] = None
    blocks = {id(b): b for b in (_history_block(item) for item in items)}
    for block in blocks.values():
        parent = block.getparent()
        if parent is not None:
            block.drop_tree()
    return ChangeHistory(notes=tuple(note for note, _ in notes), times=tuple(times))
