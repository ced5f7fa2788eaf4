"""``redline crawl``: one refetch cycle now, with a progress bar on the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from archive import store
from archive.errors import CrawlInProgressError
from crawler.lock import CrawlLock
from scheduler.cli.state import JsonOption, check_archive, print_json, state

if TYPE_CHECKING:
    from crawler.extensions import CrawlSummary


def register(app: typer.Typer) -> None:
    """Add ``crawl``."""

    @app.command()
    def crawl(
        ctx: typer.Context,
        all_: Annotated[bool, typer.Option("--all", help="Fetch every tracked URL.")] = False,
        url: Annotated[
            list[str], typer.Option("--url", help="Fetch only this tracked URL (repeatable).")
        ] = [],  # noqa: B006
        json_: JsonOption = False,
        lock_held: Annotated[
            bool, typer.Option("--lock-held", hidden=True, help="The caller holds the lock.")
        ] = False,
    ) -> None:
        """Run one refetch cycle now: the due URLs, all of them, or those given."""
        st = state(ctx)
        if all_ and url:
            raise typer.BadParameter("give --all or --url, not both")
        check_archive(st)
        if url:
            with st.database.session() as session:
                url = [store.resolve(session, u).url for u in url]
        st.close()  # the crawl opens its own connections
        with CrawlLock(st.config.data_dir) as lock:
            if not (lock.acquired or lock_held):
                raise CrawlInProgressError(
                    f"another crawl is running on {st.config.data_dir} ({lock.path} is locked)"
                )
            summary = crawl_with_progress(
                st.config,
                "urls" if url else ("all" if all_ else "due"),
                url,
                show=not json_,
            )
        if json_:
            print_json(summary.to_dict())
        else:
            print_summary(st.console, summary)


def crawl_with_progress(
    config: Any,
    select: str,
    urls: list[str],
    *,
    show: bool = True,
) -> CrawlSummary:
    """One crawl cycle with a Rich progress bar on the terminal."""
    from crawler.workers import ExtractionPool

    # Started before Scrapy is imported: the workers get ready on another core meanwhile.
    pool = ExtractionPool(config.extraction_workers, config.extraction_nice)
    pool.start()
    progress = Progress(
        TextColumn("crawling"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        transient=True,
        disable=not show,
    )
    from crawler.runner import run_crawl  # Scrapy is imported only when a crawl runs

    task = progress.add_task("", total=None)

    def advance(done: int, expected: int, what: str) -> None:
        progress.update(task, completed=done, total=expected or None, description=what)

    try:
        with progress:
            return run_crawl(
                config,
                select=select,
                urls=urls,
                progress=advance if show else None,  # no bar to move: no call per capture
                log_level="WARNING" if show else None,
                pool=pool,
            )
    finally:
        pool.close()  # the crawl closed it, unless it failed before opening


def print_summary(console: Any, summary: CrawlSummary) -> None:
    console.print(
        f"fetched {summary.fetched}: {summary.new_versions} new version(s), "
        f"{summary.unchanged} unchanged, {summary.not_modified} not modified, "
        f"{summary.errors} error(s) in {summary.duration_s:.1f}s"
    )
    for reason, count in sorted(summary.errors_by_reason.items()):
        console.print(f"  {reason}: {count}")
