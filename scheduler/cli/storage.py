"""``redline storage``: the archive's size by part; ``redline storage apply``: the retention
setting applied to the existing WARC files (see :mod:`archive.storage`).

``apply`` takes the crawl lock for its whole run, so no crawl or service cycle starts while
files are rewritten, and refuses to start while a crawl holds it.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from archive.errors import CrawlInProgressError
from archive.storage import ApplyResult, StorageReport, apply_retention, storage_report
from crawler.lock import CrawlLock
from scheduler.cli.state import JsonOption, print_json, print_table, state

storage_app = typer.Typer(
    name="storage",
    help="The archive's size by part, and warc_retention applied to existing WARC files.",
    invoke_without_command=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(storage_app)


@storage_app.callback()
def report(ctx: typer.Context, json_: JsonOption = False) -> None:
    """Sizes by part (database, tables, WARC files) and what `storage apply` would drop."""
    if ctx.invoked_subcommand is not None:
        return
    st = state(ctx)
    result = storage_report(st.database, st.config.warc_dir, st.config.warc_retention)
    if json_:
        print_json(result.to_json())
        return
    _print_report(st.console, result)


@storage_app.command("apply")
def apply(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be rewritten; change nothing.")
    ] = False,
    json_: JsonOption = False,
) -> None:
    """Rewrite the WARC files to hold only what warc_retention keeps (crash-safe)."""
    st = state(ctx)
    with CrawlLock(st.config.data_dir) as lock:
        if not lock.acquired:
            raise CrawlInProgressError(
                f"a crawl is running on {st.config.data_dir} ({lock.path} is locked);"
                " try again when it has finished"
            )
        result = apply_retention(
            st.database, st.config.warc_dir, st.config.warc_retention, dry_run=dry_run
        )
    if json_:
        print_json(result.to_json())
        return
    _print_apply(st.console, result)


def _mb(n: int | None) -> str:
    """A size for people: bytes, kB, MB or GB (powers of 1000)."""
    if n is None:
        return "?"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n} B"


def _print_report(console: Console, r: StorageReport) -> None:
    parts = [
        (f"database ({r.backend})", _mb(r.database_bytes), ""),
        ("WARC files", _mb(r.warc_bytes), f"{r.warc_files} files"),
    ]
    if r.open_files:
        parts.append(("WARC files being written", _mb(r.open_bytes), f"{r.open_files} files"))
    parts.append(("total", _mb(r.total_bytes), ""))
    print_table(console, ["part", "size", ""], parts, title="Archive storage")
    print_table(
        console,
        ["table", "rows", "size"],
        [(t.name, f"{t.rows:,}", _mb(t.bytes) if t.bytes is not None else "") for t in r.tables],
    )
    console.print(
        f"{r.captures:,} captures, {r.captures_with_record:,} naming a WARC record;"
        f" {r.records_not_required:,} of those records are not required under"
        f" warc_retention = {r.retention}"
        + (" (`redline storage apply` drops them)" if r.records_not_required else "")
        + (
            f"; {r.kept_for_revisits:,} more are kept as the payload of kept revisit records"
            if r.kept_for_revisits
            else ""
        ),
        markup=False,
    )
    if r.unreferenced_files:
        console.print(
            f"{len(r.unreferenced_files)} WARC file(s) named by no capture"
            f" ({_mb(r.unreferenced_bytes)}): " + ", ".join(r.unreferenced_files),
            markup=False,
        )
    if r.missing_files:
        console.print(
            f"{len(r.missing_files)} WARC file(s) named by captures are missing: "
            + ", ".join(r.missing_files),
            markup=False,
        )
    if r.leftovers:
        console.print(
            "left by an interrupted `storage apply` (the next run cleans up): "
            + "; ".join(r.leftovers),
            markup=False,
        )


def _print_apply(console: Console, r: ApplyResult) -> None:
    for note in r.recovered:
        console.print(note, markup=False)
    if r.rewrites:
        print_table(
            console,
            ["file", "new file", "records kept", "dropped", "before", "after"],
            [
                (
                    w.file,
                    w.new_file or ("-" if r.dry_run else "(removed)"),
                    w.records_kept,
                    w.records_dropped,
                    _mb(w.bytes_before),
                    _mb(w.bytes_after),
                )
                for w in r.rewrites
            ],
        )
    verb = "would reclaim" if r.dry_run else "reclaimed"
    console.print(
        f"{r.files_scanned} WARC file(s) read, {len(r.rewrites)} to rewrite"
        f" under warc_retention = {r.retention}; {verb} {_mb(r.bytes_before - r.bytes_after)},"
        f" {r.captures_cleared:,} capture(s) left without a record",
        markup=False,
    )
    if r.hops_dropped:
        console.print(
            f"{r.hops_dropped:,} redirect or retried-attempt response(s) dropped with their"
            " capture's record",
            markup=False,
        )
    if r.hops_unowned:
        console.print(
            f"{r.hops_unowned:,} redirect or retried-attempt response(s) kept: no capture is"
            " surely theirs (their first URL is no tracked URL as stored, or the fetch is in"
            " doubt)",
            markup=False,
        )
    if r.kept_for_revisits:
        console.print(
            f"{r.kept_for_revisits} record(s) kept because kept revisit records need their payload",
            markup=False,
        )
    if r.damaged:
        console.print(
            "left alone, damaged (unreadable, or a capture names an offset holding no record): "
            + ", ".join(r.damaged),
            markup=False,
        )
