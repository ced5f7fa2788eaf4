"""The diff engine's value objects: ``Edit``, ``Summary`` and ``ChangeRecord``.

This module owns the wire shape of a change (``to_json`` / ``from_json``) and the
``rebuild`` function that replays paragraph edits.  It must not compute diffs: that is
``align``, ``words`` and friends.  Everything here is immutable and JSON round-trips exactly,
so a record read back from the store renders exactly like a freshly computed one.

Positions are 0-based indexes into ``Article.paragraphs`` of the old and new version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from archive.enums import ChangeLabel, EditKind, Significance

# Edit kinds that describe article metadata, not its text.  A change made only of these is
# labelled ``metadata-only``.
METADATA_KINDS = frozenset(
    {
        EditKind.DESCRIPTION,
        EditKind.BYLINE,
        EditKind.PUBLISHED,
        EditKind.UPDATED,
        EditKind.CANONICAL_URL,
        EditKind.LANGUAGE,
    }
)

# Edit kinds that ``rebuild`` replays.  ``correction_note`` is an annotation on the
# paragraph edit it came with, and a headline edit only touches the body when the headline is
# echoed as the first paragraph (then it carries positions).
PARAGRAPH_KINDS = frozenset(
    {
        EditKind.PARAGRAPH_ADDED,
        EditKind.PARAGRAPH_REMOVED,
        EditKind.PARAGRAPH_CHANGED,
        EditKind.PARAGRAPH_MOVED,
        EditKind.PARAGRAPH_SPLIT,
        EditKind.PARAGRAPH_MERGED,
    }
)

#: One word-diff operation: ``(op, text)`` with op -1 (deleted), 0 (kept) or 1 (inserted),
#: the convention of diff-match-patch.
WordOp = tuple[int, str]


@dataclass(frozen=True)
class Edit:
    """One edit between two versions.

    Metadata edits (and ``headline``) carry ``old`` and ``new`` values (timestamps as
    ISO 8601 strings).  Paragraph edits carry the positions and texts on each side:
    ``old_positions``/``old_paragraphs`` (empty for an added paragraph; several for a merge)
    and ``new_positions``/``new_paragraphs`` (empty for a removed paragraph; several for a
    split).  Edits whose text differs carry ``words``, the word-level diff of the old text
    against the new (paragraphs joined by a space), and a ``significance``.  A ``headline``
    edit's ``words`` diff the two headlines; its paragraphs, when it has any, are the copies
    of the headline in the body that changed with it (see ``engine``).  A
    ``correction_note`` carries the note in ``new`` and, when the note is a paragraph, its
    position in ``new_positions``.
    """

    kind: EditKind
    old: str | None = None
    new: str | None = None
    old_positions: tuple[int, ...] = ()
    new_positions: tuple[int, ...] = ()
    old_paragraphs: tuple[str, ...] = ()
    new_paragraphs: tuple[str, ...] = ()
    words: tuple[WordOp, ...] = ()
    significance: Significance | None = None

    @property
    def old_text(self) -> str:
        """The old side as one string (paragraphs joined by a blank line)."""
        return "\n\n".join(self.old_paragraphs) if self.old_paragraphs else (self.old or "")

    @property
    def new_text(self) -> str:
        """The new side as one string (paragraphs joined by a blank line)."""
        return "\n\n".join(self.new_paragraphs) if self.new_paragraphs else (self.new or "")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; fields at their default are left out."""
        data: dict[str, Any] = {"kind": self.kind.value}
        if self.old is not None:
            data["old"] = self.old
        if self.new is not None:
            data["new"] = self.new
        for name in ("old_positions", "new_positions", "old_paragraphs", "new_paragraphs"):
            value = getattr(self, name)
            if value:
                data[name] = list(value)
        if self.words:
            data["words"] = [[op, text] for op, text in self.words]
        if self.significance is not None:
            data["significance"] = self.significance.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Edit:
        """The inverse of ``to_json``."""
        significance = data.get("significance")
        return cls(
            kind=EditKind(data["kind"]),
            old=data.get("old"),
            new=data.get("new"),
            old_positions=tuple(int(i) for i in data.get("old_positions", ())),
            new_positions=tuple(int(i) for i in data.get("new_positions", ())),
            old_paragraphs=tuple(data.get("old_paragraphs", ())),
            new_paragraphs=tuple(data.get("new_paragraphs", ())),
            words=tuple((int(op), str(text)) for op, text in data.get("words", ())),
            significance=Significance(significance) if significance else None,
        )


#: Every edit kind, in order (iterating the enum itself costs more, on every stored summary read).
_EDIT_KINDS = tuple(EditKind)


@dataclass(frozen=True)
class Summary:
    """Figures for a whole change.

    ``counts`` holds ``(kind, count)`` pairs in ``EditKind`` order, kinds with no edit left
    out.  Characters are counted from the word diffs and from added/removed paragraphs.
    Sentence figures come from sentence-level alignment inside the edited paragraphs.
    """

    counts: tuple[tuple[EditKind, int], ...] = ()
    chars_inserted: int = 0
    chars_deleted: int = 0
    sentences_added: int = 0
    sentences_removed: int = 0
    sentences_changed: int = 0
    label: ChangeLabel = ChangeLabel.METADATA_ONLY
    stealth: bool = False

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "counts": {kind.value: n for kind, n in self.counts},
            "chars_inserted": self.chars_inserted,
            "chars_deleted": self.chars_deleted,
            "sentences_added": self.sentences_added,
            "sentences_removed": self.sentences_removed,
            "sentences_changed": self.sentences_changed,
            "label": self.label.value,
            "stealth": self.stealth,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Summary:
        """The inverse of ``to_json``."""
        counts = {EditKind(k): int(v) for k, v in data.get("counts", {}).items()}
        return cls(
            counts=tuple((kind, counts[kind]) for kind in _EDIT_KINDS if kind in counts),
            chars_inserted=int(data.get("chars_inserted", 0)),
            chars_deleted=int(data.get("chars_deleted", 0)),
            sentences_added=int(data.get("sentences_added", 0)),
            sentences_removed=int(data.get("sentences_removed", 0)),
            sentences_changed=int(data.get("sentences_changed", 0)),
            label=ChangeLabel(data.get("label", ChangeLabel.METADATA_ONLY.value)),
            stealth=bool(data.get("stealth", False)),
        )


@dataclass(frozen=True)
class ChangeRecord:
    """Everything that changed between two versions: the edits and their summary.

    ``label`` and ``stealth`` are read from the summary, so they cannot disagree with it.
    """

    edits: tuple[Edit, ...]
    summary: Summary

    @property
    def label(self) -> ChangeLabel:
        """The one-word label of the change (see ``archive.diff.significance``)."""
        return self.summary.label

    @property
    def stealth(self) -> bool:
        """True when the text or headline changed but the declared update time did not."""
        return self.summary.stealth

    @property
    def is_empty(self) -> bool:
        """True when the two versions did not differ at all."""
        return not self.edits

    def kinds(self) -> dict[str, int]:
        """Edit counts per ``EditKind`` value, in ``EditKind`` order."""
        return count_kinds(self.edits)

    def to_json(self) -> dict[str, Any]:
        """``{"edits": [...], "summary": {...}}``, ready for ``json.dumps``."""
        return {
            "edits": [edit.to_json() for edit in self.edits],
            "summary": self.summary.to_json(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChangeRecord:
        """The inverse of ``to_json``: ``from_json(r.to_json()) == r``."""
        return cls(
            edits=tuple(Edit.from_json(item) for item in data.get("edits", ())),
            summary=Summary.from_json(data.get("summary", {})),
        )


def count_kinds(edits: Iterable[Edit]) -> dict[str, int]:
    """Edit counts per ``EditKind`` value, in ``EditKind`` order, zero counts left out."""
    seen: dict[EditKind, int] = {}
    for edit in edits:
        seen[edit.kind] = seen.get(edit.kind, 0) + 1
    return {kind.value: seen[kind] for kind in EditKind if kind in seen}


def rebuild(old_paragraphs: Sequence[str], edits: Iterable[Edit]) -> list[str]:
    """Replay the paragraph edits of a change on the old paragraphs.

    Paragraphs that no edit touches were kept, in their order; every paragraph edit names the
    positions it consumes in the old version and the texts it puts at positions in the new
    one.  A headline edit with positions stands for a headline echoed as the first paragraph.

    Raises:
        ValueError: when the edits do not fit the paragraphs (a position out of range or
            claimed twice).

    >>> rebuild(["a", "b"], [Edit(EditKind.PARAGRAPH_ADDED, new_positions=(1,),
    ...                           new_paragraphs=("x",))])
    ['a', 'x', 'b']
    """
    consumed: set[int] = set()
    placed: dict[int, str] = {}
    for edit in edits:
        if edit.kind not in PARAGRAPH_KINDS and not (
            edit.kind is EditKind.HEADLINE and (edit.old_positions or edit.new_positions)
        ):
            continue
        new_texts = edit.new_paragraphs or ((edit.new or "",) if edit.new_positions else ())
        _claim(consumed, edit.old_positions, len(old_paragraphs))
        if len(new_texts) != len(edit.new_positions):
            raise ValueError(f"{edit.kind}: {len(edit.new_positions)} positions for texts")
        for position, text in zip(edit.new_positions, new_texts, strict=True):
            if position in placed or position < 0:
                raise ValueError(f"new position {position} claimed twice or negative")
            placed[position] = text
    kept = iter([p for i, p in enumerate(old_paragraphs) if i not in consumed])
    size = len(old_paragraphs) - len(consumed) + len(placed)
    if placed and max(placed) >= size:
        raise ValueError(f"new position {max(placed)} beyond {size} paragraphs")
    return [placed[i] if i in placed else next(kept) for i in range(size)]


def _claim(consumed: set[int], positions: Iterable[int], size: int) -> None:
    for position in positions:
        if position in consumed or not 0 <= position < size:
            raise ValueError(f"old position {position} out of range or claimed twice")
        consumed.add(position)
