"""A change laid out as a document: the new version's paragraphs in order, each marked.

The email and the terminal list a change edit by edit; the viewer's diff page shows the whole
article with its edits in place, inline or side by side.  This module turns the old and new
paragraphs and their :class:`ChangeRecord` into :class:`Row` values, in reading order:

- a kept paragraph is ``same``; a changed, split or merged one carries its word diff;
- an added paragraph stands where it is now, a removed one where it was (after the kept
  paragraph that preceded it);
- a moved paragraph is shown once where it is now (``moved``, with its word diff if it was
  also reworded) and once as a short ``moved-away`` marker where it was, linked to each other:
  a move is never shown as a removal and an addition.

It returns plain values and no markup: templates escape every piece of text.  When the
record's edits do not fit the paragraphs (a stored change read against versions extracted
again since), :func:`layout` returns None and the caller falls back to the edit list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from archive.diff.records import METADATA_KINDS, ChangeRecord, Edit, WordOp, rebuild
from archive.enums import EditKind
from archive.render.describe import title

#: Row kinds, also the CSS class of each paragraph.
SAME, CHANGED, ADDED, REMOVED, MOVED, MOVED_AWAY, SPLIT, MERGED = (
    "same",
    "changed",
    "added",
    "removed",
    "moved",
    "moved-away",
    "split",
    "merged",
)


@dataclass(frozen=True)
class Row:
    """One paragraph of the document (or the marker of a paragraph that moved away)."""

    kind: str
    words: tuple[WordOp, ...]  # inline: deleted, kept and inserted text
    old_number: int | None = None  # 1-based, on the old side
    new_number: int | None = None  # 1-based, on the new side
    title: str = ""  # describe.title of the edit, for changed rows
    significance: str | None = None
    note: bool = False  # the paragraph is (or holds) a correction note

    @property
    def old_words(self) -> tuple[WordOp, ...]:
        """The old side (deleted and kept text) for a side-by-side view."""
        if self.kind in (ADDED, MOVED_AWAY):
            return ()
        return tuple(w for w in self.words if w[0] <= 0)

    @property
    def new_words(self) -> tuple[WordOp, ...]:
        """The new side (kept and inserted text)."""
        if self.kind in (REMOVED, MOVED_AWAY):
            return ()
        return tuple(w for w in self.words if w[0] >= 0)

    @property
    def reworded(self) -> bool:
        """Some words were deleted or inserted (for a move: it was also edited)."""
        return any(op != 0 for op, _ in self.words)

    @property
    def anchor(self) -> str:
        """An element id: where a moved paragraph is now, or where it was."""
        if self.kind == MOVED_AWAY:
            return f"was-{self.old_number}"
        return f"p-{self.new_number}" if self.new_number is not None else f"old-{self.old_number}"


@dataclass(frozen=True)
class Gap:
    """Unchanged paragraphs left out of a "changes only" view."""

    count: int


@dataclass(frozen=True)
class MetadataLine:
    """A metadata edit for the top of the page: "Headline changed from … to …"."""

    kind: str
    title: str
    old: str | None
    new: str | None
    words: tuple[WordOp, ...]


def metadata_lines(record: ChangeRecord) -> tuple[MetadataLine, ...]:
    """The headline and metadata edits of ``record``, headline first."""
    lines = []
    for edit in record.edits:
        if edit.kind is EditKind.HEADLINE or edit.kind in METADATA_KINDS:
            lines.append(MetadataLine(edit.kind.value, title(edit), edit.old, edit.new, edit.words))
    return tuple(lines)


def correction_notes(record: ChangeRecord) -> tuple[str, ...]:
    """The text of every correction note the change added."""
    return tuple(
        edit.new for edit in record.edits if edit.kind is EditKind.CORRECTION_NOTE and edit.new
    )


def _significance(edit: Edit) -> str | None:
    return edit.significance.value if edit.significance is not None else None


def _text_words(texts: Iterable[str], op: int) -> tuple[WordOp, ...]:
    return tuple((op, text) for text in texts)


def layout(
    old_paragraphs: Sequence[str], new_paragraphs: Sequence[str], record: ChangeRecord
) -> tuple[Row, ...] | None:
    """The document rows for a change, or None when its edits do not fit the paragraphs."""
    try:
        if rebuild(old_paragraphs, record.edits) != list(new_paragraphs):
            return None
    except ValueError:
        return None
    placed: dict[int, Row] = {}  # new position -> row
    covered: set[int] = set()  # new positions shown inside another row (split parts)
    old_to_new: dict[int, int] = {}  # old positions that continue at a new position
    old_only: list[tuple[int, Row]] = []  # rows shown where a paragraph was
    notes = {p for e in record.edits if e.kind is EditKind.CORRECTION_NOTE for p in e.new_positions}
    for edit in record.edits:
        _place(edit, placed, covered, old_to_new, old_only)
    consumed = set(old_to_new) | {p for p, _ in old_only}
    for edit in record.edits:
        if edit.kind is EditKind.PARAGRAPH_MOVED:
            consumed.update(edit.old_positions)
    kept_old = iter(i for i in range(len(old_paragraphs)) if i not in consumed)
    for position, text in enumerate(new_paragraphs):
        if position in placed or position in covered:
            continue
        old_position = next(kept_old, None)
        if old_position is not None:
            old_to_new[old_position] = position
        placed[position] = Row(
            SAME,
            ((0, text),),
            old_number=None if old_position is None else old_position + 1,
            new_number=position + 1,
        )
    rows: list[Row] = []
    anchored: dict[int, list[Row]] = {}
    for old_position, row in sorted(old_only, key=lambda item: item[0]):
        before = [old_to_new[p] for p in old_to_new if p < old_position]
        anchored.setdefault(max(before) if before else -1, []).append(row)
    rows.extend(anchored.get(-1, []))
    for position in range(len(new_paragraphs)):
        if position in placed:
            row = placed[position]
            rows.append(_with_note(row) if position in notes else row)
        rows.extend(anchored.get(position, []))
    return tuple(rows)


def _with_note(row: Row) -> Row:
    return Row(
        row.kind, row.words, row.old_number, row.new_number, row.title, row.significance, True
    )


def _place(
    edit: Edit,
    placed: dict[int, Row],
    covered: set[int],
    old_to_new: dict[int, int],
    old_only: list[tuple[int, Row]],
) -> None:
    kind = edit.kind
    first_old = edit.old_positions[0] + 1 if edit.old_positions else None
    first_new = edit.new_positions[0] + 1 if edit.new_positions else None
    significance = _significance(edit)
    if kind is EditKind.PARAGRAPH_ADDED:
        for position, text in zip(edit.new_positions, edit.new_paragraphs, strict=False):
            placed[position] = Row(
                ADDED, ((1, text),), None, position + 1, title(edit), significance
            )
        return
    if kind is EditKind.PARAGRAPH_REMOVED:
        for position, text in zip(edit.old_positions, edit.old_paragraphs, strict=False):
            old_only.append(
                (
                    position,
                    Row(REMOVED, ((-1, text),), position + 1, None, title(edit), significance),
                )
            )
        return
    if kind is EditKind.PARAGRAPH_MOVED and edit.new_positions and edit.old_positions:
        words = edit.words or _text_words(edit.new_paragraphs, 0)
        placed[edit.new_positions[0]] = Row(
            MOVED, words, first_old, first_new, title(edit), significance
        )
        old_only.append(
            (edit.old_positions[0], Row(MOVED_AWAY, (), first_old, first_new, title(edit)))
        )
        return
    if kind in (
        EditKind.PARAGRAPH_CHANGED,
        EditKind.PARAGRAPH_SPLIT,
        EditKind.PARAGRAPH_MERGED,
    ) or (kind is EditKind.HEADLINE and edit.new_positions):
        if not edit.new_positions:
            return
        row_kind = {EditKind.PARAGRAPH_SPLIT: SPLIT, EditKind.PARAGRAPH_MERGED: MERGED}.get(
            kind, CHANGED
        )
        words = edit.words or (
            _text_words(edit.old_paragraphs or ((edit.old or ""),), -1)
            + _text_words(edit.new_paragraphs or ((edit.new or ""),), 1)
        )
        placed[edit.new_positions[0]] = Row(
            row_kind, words, first_old, first_new, title(edit), significance
        )
        covered.update(edit.new_positions[1:])
        for old_position in edit.old_positions:
            old_to_new[old_position] = edit.new_positions[0]


def changes_only(rows: Sequence[Row]) -> tuple[Row | Gap, ...]:
    """``rows`` with each run of unchanged paragraphs replaced by a :class:`Gap`."""
    out: list[Row | Gap] = []
    run = 0
    for row in rows:
        if row.kind == SAME and not row.note:
            run += 1
            continue
        if run:
            out.append(Gap(run))
            run = 0
        out.append(row)
    if run:
        out.append(Gap(run))
    return tuple(out)
