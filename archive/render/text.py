"""A ``ChangeRecord`` as lines of styled segments, and as plain text with ``wdiff`` markers.

The lines are what every text rendering of a change shows: an optional heading, the summary
line, then each edit's title and body.  Each segment carries a style *name* (``deleted``,
``inserted``, ``title``, ``note``, ``label-<label>`` or ``""``), not a look: the terminal
renderer (:mod:`scheduler.cli.render`) maps the names to colours, and :func:`render_text`
brackets deletions ``[-like this-]`` and insertions ``{+like this+}``, as ``wdiff`` does, so
that nothing depends on colour (an email's text part, a pipe, a log).  Archived text is only
ever carried as segment text, never interpreted.
"""

from __future__ import annotations

from collections.abc import Sequence

from archive.diff.records import ChangeRecord, Edit, WordOp
from archive.enums import EditKind
from archive.render.describe import summary_line, title

DELETED = "deleted"
INSERTED = "inserted"
TITLE = "title"
NOTE = "note"

Segment = tuple[str, str]
"""Some text and its style name (``""`` for none)."""

Line = tuple[Segment, ...]

#: Control characters a terminal would act on (bell, backspace, vertical tab, form feed,
#: carriage return): dropped from plain text, as the terminal renderer drops them.
_CONTROL = str.maketrans(dict.fromkeys((7, 8, 11, 12, 13)))


def label_style(record: ChangeRecord) -> str:
    """The style name of ``record``'s summary line: ``label-`` and its label."""
    return f"label-{record.label.value}"


def change_lines(
    record: ChangeRecord, *, heading: str | None = None, markers: bool = False
) -> list[Line]:
    """The lines showing ``record``: summary line, then each edit with its text.

    Args:
        record: the change, fresh from ``compare`` or read back with ``from_json``.
        heading: an optional first line (e.g. the article's URL or headline); plain text.
        markers: also bracket deletions ``[-…-]`` and insertions ``{+…+}`` in the text.
    """
    lines: list[Line] = []
    if heading is not None:
        lines.append(((heading, TITLE),))
    lines.append(((summary_line(record), label_style(record)),))
    for edit in record.edits:
        lines.append(())
        lines.append(((title(edit), TITLE),))
        lines.extend(_body(edit, markers))
    return lines


def render_text(record: ChangeRecord, *, heading: str | None = None) -> str:
    """``record`` as plain text, deletions and insertions bracketed; one line per line."""
    out: list[str] = []
    for line in change_lines(record, heading=heading, markers=True):
        text = "".join(part for part, _ in line).translate(_CONTROL)
        out.extend(piece.expandtabs(8) for piece in text.split("\n"))
    return "\n".join(out) + "\n"


def _words(words: Sequence[WordOp], markers: bool) -> Line:
    line: list[Segment] = []
    for op, part in words:
        if op < 0:
            line.append((f"[-{part}-]" if markers else part, DELETED))
        elif op > 0:
            line.append((f"{{+{part}+}}" if markers else part, INSERTED))
        else:
            line.append((part, ""))
    return tuple(line)


def _body(edit: Edit, markers: bool) -> list[Line]:
    if edit.kind is EditKind.CORRECTION_NOTE:
        return [((edit.new or "", NOTE),)]
    if edit.words:
        return [_words(edit.words, markers)]
    if edit.kind is EditKind.PARAGRAPH_ADDED:
        return [_words([(1, p)], markers) for p in edit.new_paragraphs]
    if edit.kind is EditKind.PARAGRAPH_REMOVED:
        return [_words([(-1, p)], markers) for p in edit.old_paragraphs]
    if edit.new_paragraphs:
        return [((p, ""),) for p in edit.new_paragraphs]
    old = _words([(-1, edit.old)], markers) if edit.old is not None else (("(none)", ""),)
    new = _words([(1, edit.new)], markers) if edit.new is not None else (("(none)", ""),)
    return [(*old, (" → ", ""), *new)]
