"""The service wakes for the earliest URL due, not only every ``refetch_cycle_s``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from archive import store
from archive.config import load_config
from archive.db import open_database
from archive.models import TrackedURL
from scheduler import jobs


@pytest.fixture
def service(tmp_path, database_url):
    config = load_config(environ={}, data_dir=tmp_path / "data", database_url=database_url)
    database = open_database(config.sqlalchemy_url)
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start(paused=True)
    scheduler.add_job(
        "scheduler.jobs:refetch_due",
        IntervalTrigger(seconds=60, timezone=UTC),
        id=jobs.REFETCH_JOB,
        next_run_time=datetime.now(UTC) + timedelta(seconds=60),
    )
    yield jobs.ServiceContext(config, database, scheduler=scheduler)
    scheduler.shutdown(wait=False)
    database.dispose()


def track_due_in(ctx, url, seconds, *, active=True):
    now = datetime.now(UTC)
    with ctx.database.session() as session:
        tracked, _ = store.track(session, url, now=now, check_interval_s=10)
        tracked.next_check_at = now + timedelta(seconds=seconds)
        tracked.active = active


def next_run(ctx):
    return ctx.scheduler.get_job(jobs.REFETCH_JOB).next_run_time


def test_wakes_when_the_earliest_url_falls_due(service):
    track_due_in(service, "https://news.example/later", 45)
    track_due_in(service, "https://news.example/soon", 20)
    track_due_in(service, "https://news.example/gone", 12, active=False)  # never due
    before = datetime.now(UTC)
    wake = jobs.wake_for_earliest_due(service)
    assert wake is not None and next_run(service) == wake
    assert timedelta(seconds=19) < wake - before < timedelta(seconds=21)


def test_never_sooner_than_the_floor(service):
    track_due_in(service, "https://news.example/overdue", -300)
    before = datetime.now(UTC)
    wake = jobs.wake_for_earliest_due(service)
    assert wake is not None
    assert wake - before >= timedelta(seconds=jobs.WAKE_FLOOR_S)


def test_the_cycle_interval_stays_the_longest_wait(service):
    planned = next_run(service)
    assert jobs.wake_for_earliest_due(service) is None  # nothing tracked
    track_due_in(service, "https://news.example/next-week", 7 * 86400)
    assert jobs.wake_for_earliest_due(service) is None
    assert next_run(service) == planned
    with service.database.session() as session:
        assert session.query(TrackedURL).count() == 1
