"""Plain-text words for a change: edit titles and the summary line, shared by renderers.

This module owns the wording (English, sentence case, 1-based paragraph numbers); it returns
unescaped text, and every renderer escapes it for its own output.  It reads only the
``ChangeRecord``, so anything rendered from stored JSON reads exactly like a fresh diff.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from archive.diff.records import ChangeRecord, Edit, Summary
from archive.enums import EditKind

_METADATA_NAMES = {
    EditKind.HEADLINE: "Headline",
    EditKind.DESCRIPTION: "Description",
    EditKind.BYLINE: "Byline",
    EditKind.PUBLISHED: "Published time",
    EditKind.UPDATED: "Updated time",
    EditKind.CANONICAL_URL: "Canonical URL",
    EditKind.LANGUAGE: "Language",
}

# Singular and plural nouns for the summary line, in EditKind order.
_COUNT_NOUNS = {
    EditKind.HEADLINE: ("headline change", "headline changes"),
    EditKind.DESCRIPTION: ("description change", "description changes"),
    EditKind.BYLINE: ("byline change", "byline changes"),
    EditKind.PUBLISHED: ("published time change", "published time changes"),
    EditKind.UPDATED: ("updated time change", "updated time changes"),
    EditKind.CANONICAL_URL: ("canonical URL change", "canonical URL changes"),
    EditKind.LANGUAGE: ("language change", "language changes"),
    EditKind.PARAGRAPH_ADDED: ("paragraph added", "paragraphs added"),
    EditKind.PARAGRAPH_REMOVED: ("paragraph removed", "paragraphs removed"),
    EditKind.PARAGRAPH_CHANGED: ("paragraph changed", "paragraphs changed"),
    EditKind.PARAGRAPH_MOVED: ("paragraph moved", "paragraphs moved"),
    EditKind.PARAGRAPH_SPLIT: ("paragraph split", "paragraphs split"),
    EditKind.PARAGRAPH_MERGED: ("paragraph merge", "paragraph merges"),
    EditKind.CORRECTION_NOTE: ("correction note", "correction notes"),
}

#: ``_COUNT_NOUNS`` by kind value, in EditKind order (read for every line of the change lists).
_NOUNS_BY_VALUE = tuple((kind.value, _COUNT_NOUNS[kind]) for kind in EditKind)


def numbers(positions: Sequence[int]) -> str:
    """1-based paragraph numbers: ``(2,)`` → "3", ``(2, 3, 4)`` → "3–5", ``(1, 4)`` → "2, 5"."""
    shown = [p + 1 for p in positions]
    if len(shown) > 2 and shown == list(range(shown[0], shown[-1] + 1)):
        return f"{shown[0]}–{shown[-1]}"
    return ", ".join(str(n) for n in shown)


def title(edit: Edit) -> str:
    """A one-line title for an edit, e.g. "Paragraph 3 changed (minor)"."""
    text = _bare_title(edit)
    if edit.significance is not None:
        text += f" ({edit.significance.value})"
    return text


def _bare_title(edit: Edit) -> str:
    old, new = numbers(edit.old_positions), numbers(edit.new_positions)
    kind = edit.kind
    if kind in _METADATA_NAMES:
        if edit.old is None:
            return f"{_METADATA_NAMES[kind]} added"
        if edit.new is None:
            return f"{_METADATA_NAMES[kind]} removed"
        return f"{_METADATA_NAMES[kind]} changed"
    if kind is EditKind.PARAGRAPH_ADDED:
        return f"Paragraph {new} added"
    if kind is EditKind.PARAGRAPH_REMOVED:
        return f"Paragraph {old} removed"
    if kind is EditKind.PARAGRAPH_CHANGED:
        return f"Paragraph {new} changed" if old == new else f"Paragraph {old} → {new} changed"
    if kind is EditKind.PARAGRAPH_MOVED:
        return f"Paragraph {old} moved to {new}"
    if kind is EditKind.PARAGRAPH_SPLIT:
        return f"Paragraph {old} split into {new}"
    if kind is EditKind.PARAGRAPH_MERGED:
        return f"Paragraphs {old} merged into {new}"
    where = f" (paragraph {new})" if edit.new_positions else ""
    return f"Correction note{where}"


def summary_line(record: ChangeRecord) -> str:
    """One line for a whole change, e.g. "Minor change: 1 paragraph changed; +5 −3 characters"."""
    return summary_text(record.kinds(), record.summary)


def summary_text(counts: Mapping[str, int], summary: Summary) -> str:
    """:func:`summary_line` from a change's edit counts per kind (``ChangeRecord.kinds()``, as
    the ``change_kinds`` table stores them) and its summary, without reading its edits."""
    if not counts:
        return "No change"
    label = summary.label.value.replace("-", " ")
    parts = [
        f"{n} {nouns[n != 1]}" for value, nouns in _NOUNS_BY_VALUE if (n := counts.get(value, 0))
    ]
    figures = [f"+{summary.chars_inserted} −{summary.chars_deleted} characters"]
    sentences = (summary.sentences_added, summary.sentences_removed, summary.sentences_changed)
    if any(sentences):
        figures.append("sentences: {} added, {} removed, {} changed".format(*sentences))
    if summary.stealth:
        figures.append("stealth edit: declared update time unchanged")
    return f"{label.capitalize()} change: {', '.join(parts)}; {'; '.join(figures)}"
