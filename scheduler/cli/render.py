"""Rich rendering of a ``ChangeRecord`` for terminals (and plain text when not a terminal).

This module owns the terminal look of the lines :func:`archive.render.text.change_lines`
builds.  Archived text is never parsed as Rich markup: it only ever enters
``rich.text.Text`` objects through ``append`` with an explicit style, so a headline such as
``"[bold red]"`` prints as written.  Deleted text is red and struck through, inserted text
green and underlined.  With ``markers=True`` (for output without colour: a pipe, a log)
deletions and insertions are also bracketed ``[-like this-]`` and ``{+like this+}``, as
``wdiff`` does, so nothing depends on colour.
"""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.text import Text

from archive.diff.records import ChangeRecord
from archive.enums import ChangeLabel
from archive.render.text import DELETED, INSERTED, NOTE, TITLE, change_lines

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
STYLES = {
    DELETED: DELETED_STYLE,
    INSERTED: INSERTED_STYLE,
    TITLE: TITLE_STYLE,
    NOTE: NOTE_STYLE,
    **{f"label-{label.value}": style for label, style in LABEL_STYLES.items()},
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
    for line in change_lines(record, heading=heading, markers=markers):
        text = Text()
        for part, style in line:
            text.append(part, style=STYLES.get(style) or None)
        lines.append(text)
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
