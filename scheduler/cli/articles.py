"""The archive's commands: track, untrack, list, captures, versions, show, diff, changes.

Thin over :mod:`archive.store` and :mod:`archive.queries`; errors are ``RedlineError``s that
the root command turns into one line on stderr.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.text import Text

from archive import queries, store
from archive.durations import format_duration, parse_duration, parse_instant
from archive.enums import EditKind
from archive.netguard import ensure_allowed
from archive.urls import normalize_url
from archive.version_diff import diff_versions
from scheduler.cli.state import JsonOption, print_json, print_listing, state

UrlArg = Annotated[str, typer.Argument(help="A tracked URL (or its canonical or AMP form).")]


def register(app: typer.Typer) -> None:
    """Add the archive's commands to the root app."""
    for command in (track, untrack, list_urls, captures, versions, show, diff, changes):
        name = "list" if command is list_urls else command.__name__
        app.command(name)(command)


def track(
    ctx: typer.Context,
    urls: Annotated[list[str], typer.Argument(help="URLs to follow.")],
    tag: Annotated[list[str], typer.Option("--tag", "-t", help="Tag (repeatable).")] = [],  # noqa: B006
    every: Annotated[
        str | None, typer.Option(help="Fixed check interval, e.g. 10s, 30m, 6h, 1d.")
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Follow article URLs (tracking parameters and fragments are stripped)."""
    st = state(ctx)
    interval = int(parse_duration(every).total_seconds()) if every else None
    normalized = [normalize_url(url) for url in urls]  # every URL is checked before any is added
    for url in normalized:
        ensure_allowed(url, allow_private=st.config.allow_private_networks)
    now = datetime.now(UTC)
    results: list[dict[str, Any]] = []
    with st.database.session() as session:
        for url in normalized:
            tracked, created = store.track(
                session, url, now=now, tags=tag, check_interval_s=interval
            )
            results.append({"url": tracked.url, "created": created, "tags": list(tracked.tags)})
    if json_:
        print_json(results)
        return
    for row in results:
        st.console.print(f"{'tracking' if row['created'] else 'already tracked'} {row['url']}")


def untrack(
    ctx: typer.Context,
    urls: Annotated[list[str], typer.Argument(help="Tracked URLs to stop following.")],
) -> None:
    """Stop following URLs; their history stays in the archive."""
    st = state(ctx)
    with st.database.session() as session:
        done = [store.untrack(session, url).url for url in urls]
    for url in done:
        st.console.print(f"no longer tracking {url}")


def list_urls(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Include untracked URLs.")] = False,
    json_: JsonOption = False,
) -> None:
    """List tracked URLs with their version count and next check."""
    st = state(ctx)
    with st.database.session() as session:
        # streamed: with --json each row is written as it is read
        print_listing(
            st.console,
            queries.iter_tracked(session, include_inactive=all_),
            [
                ("URL", lambda r: r.url),
                ("versions", lambda r: r.versions),
                ("last checked", lambda r: _short(r.last_checked_at)),
                ("next check", lambda r: _short(r.next_check_at) if r.active else "-"),
                ("every", lambda r: format_duration_s(r.check_interval_s)),
                ("state", _url_state),
            ],
            as_json=json_,
        )


def captures(ctx: typer.Context, url: UrlArg, json_: JsonOption = False) -> None:
    """List every fetch of a URL, oldest first."""
    st = state(ctx)
    with st.database.session() as session:
        rows = queries.captures_of(session, store.resolve(session, url))
    print_listing(
        st.console,
        rows,
        [
            ("fetched", lambda r: _short(r.fetched_at)),
            ("status", lambda r: r.http_status),
            ("outcome", lambda r: r.outcome),
            ("reason", lambda r: r.reason),
            ("version", lambda r: r.version),
        ],
        as_json=json_,
    )


def versions(ctx: typer.Context, url: UrlArg, json_: JsonOption = False) -> None:
    """List the distinct versions of an article, oldest first."""
    st = state(ctx)
    with st.database.session() as session:
        rows = [
            queries.VersionRow.of(v)
            for v in queries.versions_of(session, store.resolve(session, url))
        ]
    print_listing(
        st.console,
        rows,
        [
            ("#", lambda r: r.number),
            ("headline", lambda r: r.headline),
            ("updated", lambda r: _short(r.updated_at)),
            ("first seen", lambda r: _short(r.first_seen_at)),
            ("last seen", lambda r: _short(r.last_seen_at)),
        ],
        as_json=json_,
    )


def show(
    ctx: typer.Context,
    url: UrlArg,
    version: Annotated[int | None, typer.Option(help="Version number (default: current).")] = None,
    json_: JsonOption = False,
) -> None:
    """Print one version of an article (default: the current one)."""
    st = state(ctx)
    with st.database.session() as session:
        row = queries.VersionRow.of(
            queries.version_of(session, store.resolve(session, url), version), with_text=True
        )
    if json_:
        print_json(row.to_json())
        return
    st.console.print(Text(row.headline, style="bold"))
    meta = [f"version {row.number}"]
    if row.byline:
        meta.append(f"by {row.byline}")
    if row.published_at:
        meta.append(f"published {row.published_at.isoformat()}")
    if row.updated_at:
        meta.append(f"updated {row.updated_at.isoformat()}")
    st.console.print(Text(" · ".join(meta), style="dim"))
    st.console.print()
    st.console.print(Text(row.text or ""))


def diff(
    ctx: typer.Context,
    url: UrlArg,
    from_: Annotated[int | None, typer.Argument(metavar="FROM", help="Older version.")] = None,
    to: Annotated[int | None, typer.Argument(help="Newer version.")] = None,
    json_: JsonOption = False,
) -> None:
    """Show how an article changed between two versions (default: the last two)."""
    st = state(ctx)
    with st.database.session() as session:
        tracked = store.resolve(session, url)
        found = diff_versions(session, tracked, from_, to)
        payload = found.to_json()
    if json_:
        print_json(payload)
        return
    from scheduler.cli.render import render_change

    heading = f"{found.url}  v{found.old.number} → v{found.new.number}"
    # colour on a terminal; [-deleted-]{+inserted+} markers where colour would be lost
    st.console.print(
        render_change(found.record, heading=heading, markers=not st.console.is_terminal)
    )


def changes(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option(help="Only since then: 2026-11-01, or 24h ago.")
    ] = None,
    url: Annotated[str | None, typer.Option(help="Only this tracked URL.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only changes holding this edit kind.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
    json_: JsonOption = False,
) -> None:
    """List recorded changes across the archive, newest first."""
    st = state(ctx)
    if kind is not None and kind not in {k.value for k in EditKind}:
        raise typer.BadParameter(
            f"unknown kind {kind!r}; one of: {', '.join(k.value for k in EditKind)}"
        )
    when = parse_instant(since, now=datetime.now(UTC)) if since else None
    with st.database.session() as session:
        tracked = store.resolve(session, url) if url else None
        rows = queries.changes(session, since=when, tracked=tracked, kind=kind, limit=limit)
    print_listing(
        st.console,
        rows,
        [
            ("detected", lambda r: _short(r.detected_at)),
            ("URL", lambda r: r.url),
            ("versions", lambda r: f"{r.from_version}→{r.to_version}"),
            ("label", _change_label),
            (
                "kinds",
                lambda r: ", ".join(f"{k}×{n}" if n > 1 else k for k, n in r.kinds.items()),
            ),
        ],
        as_json=json_,
    )


def _change_label(row: queries.ChangeRow) -> str:
    marks = [mark for flag, mark in ((row.stealth, "stealth"), (row.reverted, "revert")) if flag]
    return " ".join([str(row.label), *marks])


def format_duration_s(seconds: int | None) -> str:
    return format_duration(timedelta(seconds=seconds)) if seconds else "auto"


def _url_state(row: queries.TrackedRow) -> str:
    if not row.active:
        return "untracked"
    if row.taken_down:
        return "taken down"
    if row.flapping:
        return "flapping"
    if row.consecutive_errors:
        return f"{row.consecutive_errors} error(s)"
    return "ok"


def _short(value: datetime | None) -> str:
    return value.isoformat()[:19].replace("T", " ") if value else "-"
