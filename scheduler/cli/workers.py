"""``redline enqueue`` and ``redline worker``: crawling on several machines through Redis.

See :mod:`crawler.distributed` for how the queue works.
"""

from __future__ import annotations

from types import ModuleType
from typing import Annotated

import typer

from archive.errors import ConfigError
from scheduler.cli.crawl import print_summary
from scheduler.cli.state import JsonOption, check_archive, print_json, state


def _distributed() -> ModuleType:
    """crawler.distributed, or a clear error when the ``redis`` extra is not installed."""
    try:
        from crawler import distributed
    except ImportError as exc:
        raise ConfigError(
            f"crawl workers need the redis extra: pip install 'redline[redis]' ({exc})"
        ) from None
    return distributed


def register(app: typer.Typer) -> None:
    """Add ``enqueue`` and ``worker``."""

    @app.command()
    def enqueue(
        ctx: typer.Context,
        limit: Annotated[
            int | None, typer.Option(help="Queue at most this many (most overdue first).")
        ] = None,
        json_: JsonOption = False,
    ) -> None:
        """Queue the due URLs for `redline worker` processes (needs redis_url)."""
        st = state(ctx)
        result = _distributed().enqueue_due(st.config, st.database, limit=limit)
        if json_:
            print_json(result.to_dict())
            return
        st.console.print(
            f"{result.claimed} due, {result.queued} queued; {result.waiting} waiting for workers",
            markup=False,
        )

    @app.command()
    def worker(
        ctx: typer.Context,
        max_idle: Annotated[
            int,
            typer.Option(help="Stop after this many seconds with an empty queue (0: never)."),
        ] = 0,
        json_: JsonOption = False,
    ) -> None:
        """Fetch and archive the URLs queued in Redis, until stopped (needs redis_url)."""
        st = state(ctx)
        check_archive(st)
        st.close()  # the worker opens its own connections
        summary = _distributed().run_worker(st.config, max_idle_s=max_idle)
        if json_:
            print_json(summary.to_dict())
        else:
            print_summary(st.console, summary)
