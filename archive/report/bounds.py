"""Keeping a report short: at most a few edits per change, long unchanged text elided.

A report shows what changed, not the article: unchanged text around a change is cut to a
little context, long inserted or deleted runs and whole paragraphs are cut at a word boundary,
and edits past :data:`MAX_EDITS` are counted ("and 4 more edits") with the diff page linked
for the rest.  Cuts never split a word and are marked with an ellipsis.  The headline edit is
left to the item's heading, which shows it as old → new.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from archive.diff.records import METADATA_KINDS, ChangeRecord, Edit, WordOp
from archive.enums import EditKind
from archive.render.describe import summary_line

#: Edits shown per change; a paragraph-heavy rewrite has dozens, and the reader has a link.
MAX_EDITS = 5
#: Unchanged characters kept on each side of a change: about a dozen words, enough to place it.
CONTEXT_CHARS = 80
#: Longest inserted, deleted or whole paragraph shown: a long paragraph of a news story.
MAX_RUN_CHARS = 600
#: Paragraphs shown from an edit that adds, removes or moves several at once.
MAX_PARAGRAPHS = 3
ELLIPSIS = "…"


@dataclass(frozen=True)
class BoundedChange:
    """The part of a change a report shows, and how many edits it leaves out.

    ``summary`` is the one-line summary of the *whole* change (the shown record counts only
    the edits it keeps).
    """

    record: ChangeRecord
    more: int
    summary: str


def bound(record: ChangeRecord, *, max_edits: int = MAX_EDITS) -> BoundedChange:
    """The edits to show (body first, then metadata; headline left out), each trimmed."""
    edits = [edit for edit in record.edits if edit.kind is not EditKind.HEADLINE]
    edits.sort(key=lambda edit: edit.kind in METADATA_KINDS)  # stable: article order kept
    shown = tuple(trim_edit(edit) for edit in edits[:max_edits])
    return BoundedChange(
        ChangeRecord(shown, record.summary), len(edits) - len(shown), summary_line(record)
    )


def trim_edit(edit: Edit) -> Edit:
    """``edit`` with long texts cut (see the module docstring)."""
    paragraphs_old = _paragraphs(edit.old_paragraphs)
    paragraphs_new = _paragraphs(edit.new_paragraphs)
    return replace(
        edit,
        old=None if edit.old is None else head(edit.old, MAX_RUN_CHARS),
        new=None if edit.new is None else head(edit.new, MAX_RUN_CHARS),
        old_paragraphs=paragraphs_old,
        new_paragraphs=paragraphs_new,
        words=trim_words(edit.words),
    )


def trim_words(words: tuple[WordOp, ...]) -> tuple[WordOp, ...]:
    """A word diff with unchanged runs cut to context and changed runs to a paragraph.

    >>> trim_words(((0, "a " * 100), (1, "b"), (0, " c")))[0][1][:3]
    '… a'
    """
    out: list[WordOp] = []
    last = len(words) - 1
    for index, (op, text) in enumerate(words):
        if op != 0:
            out.append((op, head(text, MAX_RUN_CHARS)))
        elif index == 0 and last > 0:
            out.append((op, tail(text, CONTEXT_CHARS)))
        elif index == last and last > 0:
            out.append((op, head(text, CONTEXT_CHARS)))
        elif len(text) > 2 * CONTEXT_CHARS + 3:
            start = head(text, CONTEXT_CHARS).removesuffix(ELLIPSIS)
            out.append((op, start + tail(text, CONTEXT_CHARS)))
        else:
            out.append((op, text))
    return tuple(out)


def head(text: str, limit: int) -> str:
    """The start of ``text``, at most about ``limit`` characters, cut between words."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    if cut <= 0:
        cut = limit
    return text[:cut].rstrip() + " " + ELLIPSIS


def tail(text: str, limit: int) -> str:
    """The end of ``text``, at most about ``limit`` characters, cut between words."""
    if len(text) <= limit:
        return text
    start = len(text) - limit
    cut = text.find(" ", start)
    if cut < 0 or cut == len(text) - 1:
        cut = start
    return ELLIPSIS + " " + text[cut:].lstrip()


def _paragraphs(paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    shown = tuple(head(p, MAX_RUN_CHARS) for p in paragraphs[:MAX_PARAGRAPHS])
    if len(paragraphs) > MAX_PARAGRAPHS:
        shown = (*shown[:-1], shown[-1] + f" ({len(paragraphs) - MAX_PARAGRAPHS} more)")
    return shown
