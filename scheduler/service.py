"""``redline run``: the long-running service that keeps the archive current.

An APScheduler 3 ``BackgroundScheduler`` whose job store is the archive database
(``SQLAlchemyJobStore`` on the archive's engine, table ``apscheduler_jobs``), so the schedule
survives restarts.  The main thread only waits for a stop signal and writes a heartbeat.

Jobs (:mod:`scheduler.jobs`), each with an explicit id, ``coalesce``, ``max_instances=1`` (a
cycle that runs long is never overlapped by the next) and a misfire grace time:

- ``refetch`` every ``refetch_cycle_s`` at most: crawls the due URLs in a child process,
  then wakes sooner if a URL falls due sooner (``jobs.wake_for_earliest_due``);
- ``poll-feeds`` every ``min(feed_poll_interval_s, 60 s)``: polls the feeds that are due;
- ``send-reports`` every ``report_interval_s``.

A job whose interval is unchanged keeps its stored next run time across restarts; a changed
interval replaces it.  The per-URL schedule (``next_check_at``) lives in the archive itself,
so a restart refetches only what is due.  SIGTERM and SIGINT stop the service gracefully: no
new job starts, a crawl in flight is asked to stop (each capture commits whole or not at all)
and is killed after ``shutdown_timeout_s``.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from dataclasses import dataclass
from datetime import UTC, timedelta
from types import FrameType
from typing import Any, Final

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from archive.config import Config
from archive.db import Database, open_database
from scheduler import jobs, status
from scheduler.logs import fields

logger = logging.getLogger(__name__)

FEED_JOB_MAX_INTERVAL_S: Final = 60.0  # feeds are polled on their own schedule; this is the tick
JOB_THREADS: Final = 4  # refetch, feeds and reports, plus one spare


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str
    interval_s: float
    run_now: bool


def job_specs(config: Config) -> list[JobSpec]:
    return [
        JobSpec(jobs.REFETCH_JOB, "scheduler.jobs:refetch_due", config.refetch_cycle_s, True),
        JobSpec(
            jobs.FEEDS_JOB,
            "scheduler.jobs:poll_feeds",
            min(config.feed_poll_interval_s, FEED_JOB_MAX_INTERVAL_S),
            True,
        ),
        JobSpec(jobs.REPORTS_JOB, "scheduler.jobs:send_reports", config.report_interval_s, False),
    ]


def build_scheduler(config: Config, database: Database) -> BackgroundScheduler:
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=database.engine)},
        executors={"default": ThreadPoolExecutor(JOB_THREADS)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": max(1, int(config.misfire_grace_s)),
        },
        timezone=UTC,
    )


def ensure_jobs(scheduler: BackgroundScheduler, config: Config) -> None:
    """Add each job, or replace it when its function or interval changed (else keep it)."""
    for spec in job_specs(config):
        interval = timedelta(seconds=spec.interval_s)
        existing = scheduler.get_job(spec.id)
        trigger = getattr(existing, "trigger", None)
        if (
            existing is not None
            and existing.func_ref == spec.func
            and isinstance(trigger, IntervalTrigger)
            and trigger.interval == interval
        ):
            logger.info("keeping job %s, next run %s", spec.id, existing.next_run_time)
            continue
        options: dict[str, Any] = {"next_run_time": jobs.now_utc()} if spec.run_now else {}
        scheduler.add_job(
            spec.func,
            IntervalTrigger(seconds=spec.interval_s, timezone=UTC),
            id=spec.id,
            name=spec.id,
            replace_existing=True,
            **options,
        )
        logger.info("scheduled job %s every %ss", spec.id, spec.interval_s)


def _listen(database: Database) -> Any:
    def on_event(event: JobExecutionEvent) -> None:
        now = jobs.now_utc()
        if event.code == EVENT_JOB_MAX_INSTANCES:
            logger.warning(
                "job %s still running; this run skipped",
                event.job_id,
                extra=fields(event="overlap-avoided", job=event.job_id),
            )
            status.add_to_totals(database, "refetch_totals", now, overlaps_avoided=1)
        elif event.exception is not None:
            status.record_error(
                database,
                now,
                f"job {event.job_id}",
                f"{type(event.exception).__name__}: {event.exception}",
            )

    return on_event


def _install_signals(stopping: threading.Event) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        logger.info(
            "received %s; stopping",
            signal.Signals(signum).name,
            extra=fields(event="stop-requested"),
        )
        stopping.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _quiesce(scheduler: BackgroundScheduler) -> None:
    """Stop submitting jobs before the executor shuts down.

    APScheduler 3 submits due jobs while holding its job-store lock and checks for "paused"
    only before taking it; shutting the executor down while a submission waits for that lock
    logs "Error submitting job".  Pausing, then passing through the lock once, makes sure no
    submission is under way or can start when the executor goes away.
    """
    scheduler.pause()
    lock = getattr(scheduler, "_jobstores_lock", None)  # APScheduler 3.x internal
    if lock is not None:
        with lock:
            pass


def run_service(
    config: Config, *, stopping: threading.Event | None = None, max_cycles: int = 0
) -> None:
    """Run until SIGTERM or SIGINT (or ``stopping`` is set, or ``max_cycles`` > 0 refetch
    cycles have finished); returns after a clean stop."""
    stop = stopping or threading.Event()
    if threading.current_thread() is threading.main_thread():
        _install_signals(stop)
    database = open_database(config.sqlalchemy_url)
    scheduler = build_scheduler(config, database)
    context = jobs.ServiceContext(
        config=config, database=database, stopping=stop, scheduler=scheduler, max_cycles=max_cycles
    )
    jobs.install(context)
    scheduler.add_listener(_listen(database), EVENT_JOB_ERROR | EVENT_JOB_MAX_INSTANCES)
    try:
        scheduler.start(paused=True)
        ensure_jobs(scheduler, config)
        started = jobs.now_utc()
        status.update_state(
            database,
            "service",
            started,
            state="running",
            pid=os.getpid(),
            started_at=started.isoformat(),
            heartbeat_at=started.isoformat(),
            stopped_at=None,
        )
        scheduler.resume()
        logger.info("service started", extra=fields(event="service-started", pid=os.getpid()))
        while not stop.wait(status.HEARTBEAT_S):
            status.update_state(
                database, "service", jobs.now_utc(), heartbeat_at=jobs.now_utc().isoformat()
            )
        status.update_state(database, "service", jobs.now_utc(), state="stopping")
    finally:
        stop.set()
        if scheduler.running:
            _quiesce(scheduler)
            scheduler.shutdown(wait=True)  # waits for a cycle in flight to wind down
        stopped = jobs.now_utc()
        status.update_state(
            database,
            "service",
            stopped,
            state="stopped",
            stopped_at=stopped.isoformat(),
            heartbeat_at=stopped.isoformat(),
        )
        jobs.install(None)
        database.dispose()
        logger.info("service stopped", extra=fields(event="service-stopped"))
