"""The service's commands: ``redline run`` and ``redline status``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from archive.durations import parse_duration
from scheduler.cli.state import JsonOption, print_json, state


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(status)


def run(
    ctx: typer.Context,
    cycle: Annotated[
        str | None,
        typer.Option(help="Time between refetch cycles, e.g. 10s or 5m (refetch_cycle_s)."),
    ] = None,
    cycles: Annotated[
        int,
        typer.Option(
            min=0,
            help="Stop after this many refetch cycles (runs that found URLs due); 0: never.",
        ),
    ] = 0,
) -> None:
    """Run the service: refetch due URLs, poll feeds and send reports until SIGTERM/SIGINT."""
    from scheduler.logs import configure_logging
    from scheduler.service import run_service

    st = state(ctx)
    config = st.config
    if cycle:
        config = config.replace(refetch_cycle_s=parse_duration(cycle).total_seconds())
    st.close()
    configure_logging(config.log_level, config.log_format)
    run_service(config, max_cycles=cycles)


def status(ctx: typer.Context, json_: JsonOption = False) -> None:
    """Show the service's state, next run, due URLs, last cycle and recent errors."""
    from scheduler.status import service_status

    st = state(ctx)
    report = service_status(st.database, datetime.now(UTC))
    if json_:
        print_json(report.to_json())
        return
    console = st.console
    pid = report.service.get("pid")
    console.print(f"service: {report.state}" + (f" (pid {pid})" if pid else ""), markup=False)
    next_run = report.next_run.isoformat() if report.next_run else "-"
    console.print(f"next run: {next_run}", markup=False)
    console.print(f"tracked: {report.tracked}, due now: {report.due}", markup=False)
    console.print(_cycle_line(report.last_cycle), markup=False)
    totals = report.refetch_totals
    if totals:
        console.print(
            f"since the start: {totals.get('cycles', 0)} cycles, "
            f"{totals.get('captures', 0)} captures, {totals.get('new_versions', 0)} new "
            f"versions, {totals.get('errors', 0)} errors",
            markup=False,
        )
    fast = report.fast_path
    if any(fast.values()):
        console.print(
            f"fast path: {fast['decisions']} pages found unchanged without extraction, "
            f"{fast['fallbacks']} extracted in full; {fast['verifications']} checked by a full "
            f"extraction, {fast['disagreements']} disagreements; tier 0 (page template, no "
            f"worker): {fast['tier0_decisions']} decisions, {fast['tier0_fallbacks']} "
            f"fallbacks, {fast['tier0_learned']} templates learned, "
            f"{fast['tier0_unlearnable']} versions without one, {fast['tier0_derived']} derived"
            f" from site rules ({fast['site_rules_dropped']} sites' rules dropped)",
            markup=False,
        )
    mail = report.deliveries
    console.print(
        f"reports: {mail['sent']} sent, {mail['due']} due ({mail['retrying']} retrying), "
        f"{mail['failed']} failed",
        markup=False,
    )
    for item in mail["recent_errors"]:
        console.print(
            f"  {item['state']} to {item['email']} after {item['attempts']} tries: {item['error']}",
            markup=False,
        )
    errors = report.recent_errors
    if errors:
        console.print("recent errors:", markup=False)
        for item in errors[-5:]:
            console.print(f"  {item['at']} {item['what']}: {item['detail']}", markup=False)


def _cycle_line(cycle: Mapping[str, Any] | None) -> str:
    if not cycle:
        return "last cycle: none yet"
    return (
        f"last cycle: #{cycle.get('cycle')} at {cycle.get('finished_at')}: "
        f"{cycle.get('fetched', 0)} fetched, {cycle.get('new_versions', 0)} new versions, "
        f"{cycle.get('errors', 0)} errors in {cycle.get('wall_s', 0)}s"
    )
