"""Rich rendering of a ``ChangeRecord`` for terminals (and plain text when not a terminal).

This module owns the terminal look.  Archived text is never parsed as Rich markup: it only
ever enters ``rich.text.Text`` objects through ``append`` with an explicit style, so a
headline such as ``"[bold red]"`` prints as written.  Deleted text is red and struck
through, inserted text green and underlined.  With ``markers=True`` (for output without
colour: a pipe, a log, an email's text part) deletions and insertions are also bracketed
``[-like this-]`` and ``{+like this+}``, as ``wdiff`` does, so nothing depends on colour.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich.console import Console, Group
from rich.text import Text

from archive.diff.records import ChangeRecord, Edit, WordOp
from archive.enums import ChangeLabel, EditKind
from archive.render.describe import summary_line, title

DELETED_STYLE = "red strike"
INSERTED_STYLE = "green underline"
TITLE_STYLE = "bold"
NOTE_STYLE = "bold yellow"
LABEL_STYLES = {
    ChangeLabel.METADATA_ONLY: "dim",
    ChangeLabel.TRIVIAL: "dim",
    ChangeLabel.MINOR: "yellow",
    ChangeLabel.MAJOR: "bold red",
}


def render_change(
    record: ChangeRecord, *, heading: str | None = None, markers: bool = False
) -> Group:
    """A Rich renderable for ``record``: summary line, then each edit with its text.

    Args:
        record: the change, fresh from ``compare`` or read back with ``from_json``.
        heading: an optional first line (e.g. the article's URL or headline); plain text.
        markers: also bracket deletions ``[-…-]`` and insertions ``{+…+}``.
    """
    lines: list[Text] = []
    if heading is not None:
        lines.append(Text(heading, style=TITLE_STYLE))
    lines.append(Text(summary_line(record), style=LABEL_STYLES[record.label]))
    for edit in record.edits:
        lines.append(Text(""))
        lines.append(Text(title(edit), style=TITLE_STYLE))
        lines.extend(_body(edit, markers))
    return Group(*lines)


def render_text(
    record: ChangeRecord,
    *,
    heading: str | None = None,
    color: bool = False,
    width: int = 100,
) -> str:
    """``render_change`` as a string: ANSI colours when ``color``, else plain with markers."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
    )
    console.print(render_change(record, heading=heading, markers=not color))
    return buffer.getvalue()


def _words(words: Sequence[WordOp], markers: bool) -> Text:
    text = Text()
    for op, part in words:
        if op < 0:
            text.append(f"[-{part}-]" if markers else part, style=DELETED_STYLE)
        elif op > 0:
            text.append(f"{{+{part}+}}" if markers else part, style=INSERTED_STYLE)
        else:
            text.append(part)
    return text


def _marked(part: str, op: int, markers: bool) -> Text:
    return _words([(op, part)], markers)


def _body(edit: Edit, markers: bool) -> list[Text]:
    if edit.kind is EditKind.CORRECTION_NOTE:
        return [Text(edit.new or "", style=NOTE_STYLE)]
    if edit.words:
        return [_words(edit.words, markers)]
    if edit.kind is EditKind.PARAGRAPH_ADDED:
        return [_marked(p, 1, markers) for p in edit.new_paragraphs]
    if edit.kind is EditKind.PARAGRAPH_REMOVED:
        return [_marked(p, -1, markers) for p in edit.old_paragraphs]
    if edit.new_paragraphs:
        return [Text(p) for p in edit.new_paragraphs]
    line = Text()
    line.append_text(_marked(edit.old, -1, markers) if edit.old is not None else Text("(none)"))
    line.append(" → ")
    line.append_text(_marked(edit.new, 1, markers) if edit.new is not None else Text("(none)"))
    return [line]
