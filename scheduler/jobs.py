"""The service's jobs: module-level functions that APScheduler stores by textual reference.

``SQLAlchemyJobStore`` pickles each job, so the jobs take no arguments (nothing to pickle
but the reference, ``"scheduler.jobs:refetch_due"``).  What they need (the settings, the
database, the stop flag) is installed once per process by the service with :func:`install`.

- :func:`refetch_due`: if any URL is due, one crawl cycle under the crawl lock; its figures go
  to ``service_state``; then the reports that are due.  With
  ``redis_url`` set, the cycle queues the due URLs for ``redline worker`` processes instead.
- :func:`poll_feeds`: polls the feeds that are due and wakes the refetch job when they found
  new URLs.
- :func:`send_reports`: the periodic report run.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from sqlalchemy import func, select

from archive.config import Config
from archive.db import Database
from archive.models import TrackedURL
from crawler.lock import CrawlLock
from scheduler import status
from scheduler.cycle import run_cycle
from scheduler.feeds import poll_due_feeds
from scheduler.logs import fields
from scheduler.reports import ReportRun, send_due_reports

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

logger = logging.getLogger(__name__)

REFETCH_JOB = "refetch"
FEEDS_JOB = "poll-feeds"
REPORTS_JOB = "send-reports"
#: The refetch job never wakes sooner than this after a cycle to serve a URL falling due.
WAKE_FLOOR_S: Final = 10.0


@dataclass
class ServiceContext:
    """What the jobs of one service process share."""

    config: Config
    database: Database
    stopping: threading.Event = field(default_factory=threading.Event)
    scheduler: BaseScheduler | None = None
    rng: random.Random = field(default_factory=random.Random)
    cycle: int = 0
    max_cycles: int = 0  # > 0: the service stops once this many refetch cycles have finished


_context: ServiceContext | None = None


def install(context: ServiceContext | None) -> None:
    global _context  # one service per process; the jobs are referenced by name
    _context = context


def context() -> ServiceContext:
    if _context is None:
        raise RuntimeError("no service context: jobs run inside `redline run` only")
    return _context


def now_utc() -> datetime:
    return datetime.now(UTC)


def refetch_due() -> None:
    """Crawl the due URLs once (skipped when nothing is due or another crawl holds the lock),
    then wake for the earliest URL due next (:func:`wake_for_earliest_due`), or stop the
    service when this was the last of its ``max_cycles``."""
    ctx = context()
    if ctx.stopping.is_set():
        return
    try:
        _refetch_due(ctx)
    finally:
        if ctx.max_cycles and ctx.cycle >= ctx.max_cycles:
            logger.info("%d refetch cycle(s) done; stopping", ctx.cycle)
            ctx.stopping.set()
        if not ctx.stopping.is_set():
            wake_for_earliest_due(ctx)


def wake_for_earliest_due(ctx: ServiceContext) -> datetime | None:
    """Move the refetch job's next run forward to when the earliest URL falls due, at least
    :data:`WAKE_FLOOR_S` from now; returns the new run time, or ``None`` if unchanged.

    The job's interval (``refetch_cycle_s``) is only the longest wait: a URL tracked with
    ``--every 10s`` is checked every 10 s, not every cycle.  The floor keeps a URL with a tiny
    interval (or many URLs falling due one after another) from waking the service in a loop.
    """
    job = ctx.scheduler.get_job(REFETCH_JOB) if ctx.scheduler is not None else None
    if job is None or job.next_run_time is None:
        return None
    with ctx.database.session() as session:
        earliest: datetime | None = session.scalar(
            select(func.min(TrackedURL.next_check_at)).where(
                TrackedURL.active.is_(True),
                TrackedURL.alias_of_id.is_(None),
                TrackedURL.next_check_at.is_not(None),
            )
        )
    if earliest is None:
        return None
    if earliest.tzinfo is None:
        earliest = earliest.replace(tzinfo=UTC)
    wake = max(earliest, now_utc() + timedelta(seconds=WAKE_FLOOR_S))
    if wake >= job.next_run_time:
        return None
    job.modify(next_run_time=wake)
    logger.info("next refetch at %s, when the next URL falls due", wake.isoformat())
    return wake


def _refetch_due(ctx: ServiceContext) -> None:
    with ctx.database.session() as session:
        due = status.count_due(session, now_utc())
    if due == 0:
        return
    if ctx.config.redis_url:
        queue_for_workers(ctx, due)
        return
    with CrawlLock(ctx.config.data_dir) as lock:
        if not lock.acquired:
            logger.warning(
                "another crawl holds the crawl lock; cycle skipped",
                extra=fields(event="cycle-skipped", due=due),
            )
            status.add_to_totals(ctx.database, "refetch_totals", now_utc(), overlaps_avoided=1)
            return
        ctx.cycle += 1
        started = now_utc()
        logger.info("cycle started", extra=fields(event="cycle-started", cycle=ctx.cycle, due=due))
        result = run_cycle(ctx.config, lock, ctx.stopping)
    finished = now_utc()
    figures = {
        "cycle": ctx.cycle,
        "due": due,
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        **result.figures(),
    }
    status.record_cycle(ctx.database, finished, figures)
    logger.info("cycle finished", extra=fields(event="cycle-finished", **figures))
    if result.exit_code != 0 and not result.stopped:
        status.record_error(
            ctx.database, finished, "crawl", f"cycle {ctx.cycle}: crawl exited {result.exit_code}"
        )
    for reason, count in (result.summary.errors_by_reason if result.summary else {}).items():
        status.record_error(ctx.database, finished, "capture", f"{count} x {reason}")
    if not ctx.stopping.is_set():
        call_reports(ctx)


def queue_for_workers(ctx: ServiceContext, due: int) -> None:
    """With a shared queue, a cycle hands the due URLs to ``redline worker`` processes."""
    from crawler.distributed import enqueue_due

    ctx.cycle += 1
    try:
        result = enqueue_due(ctx.config, ctx.database)
    except Exception as exc:  # Redis down: the URLs stay due, the next cycle tries again
        logger.error("could not queue the due URLs", extra=fields(event="enqueue-failed"))
        status.record_error(ctx.database, now_utc(), "enqueue", f"{type(exc).__name__}: {exc}")
        return
    figures = {"cycle": ctx.cycle, "due": due, **result.to_dict()}
    logger.info("due URLs queued for workers", extra=fields(event="cycle-queued", **figures))


def poll_feeds() -> None:
    """Poll the due feeds; new URLs are tracked and the refetch job is woken for them."""
    ctx = context()
    if ctx.stopping.is_set():
        return
    now = now_utc()
    summary = poll_due_feeds(ctx.config, ctx.database, now, rng=ctx.rng)
    if not summary.polled:
        return
    status.add_to_totals(
        ctx.database,
        "feed_totals",
        now,
        polls=summary.polled,
        urls_discovered=len(summary.new_urls),
        errors=len(summary.errors),
    )
    for error in summary.errors:
        status.record_error(ctx.database, now, "feed", error)
    logger.info(
        "feeds polled",
        extra=fields(
            event="feeds-polled",
            polled=summary.polled,
            new_urls=len(summary.new_urls),
            errors=len(summary.errors),
        ),
    )
    if summary.new_urls and ctx.scheduler is not None:
        job = ctx.scheduler.get_job(REFETCH_JOB)
        if job is not None:
            job.modify(next_run_time=now_utc())


def call_reports(ctx: ServiceContext) -> ReportRun | None:
    """:func:`scheduler.reports.send_due_reports`, its failure recorded rather than raised."""
    try:
        return send_due_reports(ctx.config, now=now_utc())
    except Exception as exc:  # a mail failure must not stop the service
        logger.exception("sending reports failed")
        status.record_error(ctx.database, now_utc(), "reports", f"{type(exc).__name__}: {exc}")
        return None


def send_reports() -> None:
    """The periodic report run."""
    ctx = context()
    if not ctx.stopping.is_set():
        call_reports(ctx)
