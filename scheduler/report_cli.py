"""``redline report``: send the reports that are due now, or show them with ``--dry-run``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from archive.cli_state import JsonOption, print_json, print_table, state
from scheduler.reports import send_due_reports


def register(app: typer.Typer) -> None:
    """Add ``report`` to the root app."""
    app.command("report")(report)


def report(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the messages; send and record nothing.")
    ] = False,
    to: Annotated[str | None, typer.Option(help="Only the reports owed to this address.")] = None,
    json_: JsonOption = False,
) -> None:
    """Send the reports due now: immediate ones, and digests whose period has ended."""
    st = state(ctx)
    summary = send_due_reports(st.config, dry_run=dry_run, to=to, database=st.database)
    if json_:
        print_json(summary)
        return
    if dry_run:
        _print_preview(st.console, summary)
        return
    print_table(
        st.console,
        ["to", "subject", "outcome", "error"],
        [(m["to"], m["subject"], m["outcome"], m["error"]) for m in summary["messages"]],
    )
    st.console.print(
        f"{summary['sent']} sent, {summary['retrying']} to retry, {summary['failed']} failed"
        f" ({summary['queued']} newly due)",
        markup=False,
    )


def _print_preview(console: Any, summary: dict[str, Any]) -> None:
    if not summary["messages"]:
        console.print("nothing is due", markup=False)
    for message in summary["messages"]:
        header = "\n".join(
            f"{name}: {message[key]}"
            for name, key in (("To", "to"), ("Subject", "subject"), ("Message-ID", "message_id"))
        )
        console.print(Text(header + "\n\n" + message["text"]))
        console.print(Text("-" * 72))
