"""``redline status``: the service's state, figures and errors as stored in service_state."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from archive import store
from archive.db import Database, open_database
from scheduler import status
from tests.conftest import Redline

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A fresh archive on SQLite and on PostgreSQL, which the service never ran on."""
    db = open_database(database_url)
    yield db
    db.dispose()


def test_fresh_archive_has_never_run(database: Database) -> None:
    report = status.service_status(database, NOW).to_json()
    assert report["state"] == "never-started"
    assert report["last_cycle"] is None and report["next_run"] is None
    assert report["due"] == 0 and report["recent_errors"] == []


def test_cycles_errors_and_due_urls_are_reported(database: Database) -> None:
    with database.session() as session:
        store.track(session, "https://example.com/a", now=NOW - timedelta(minutes=5))
        retired, _ = store.track(session, "https://example.com/b", now=NOW)
        retired.next_check_at = None
    status.record_cycle(
        database,
        NOW,
        {"cycle": 1, "fetched": 3, "new_versions": 1, "errors": 1, "exit_code": 0, "wall_s": 2.0},
    )
    status.record_cycle(database, NOW, {"cycle": 2, "fetched": 2, "exit_code": 1})
    for i in range(status.RECENT_ERRORS + 5):
        status.record_error(database, NOW, "capture", f"error {i}")
    report = status.service_status(database, NOW).to_json()
    assert report["due"] == 1  # the retired URL is never due
    assert report["last_cycle"] == {
        "cycle": 2,
        "fetched": 2,
        "exit_code": 1,
    }  # replaced, not merged
    assert report["refetch_totals"] == {
        "cycles": 2,
        "captures": 5,
        "new_versions": 1,
        "errors": 1,
        "failed_cycles": 1,
    }
    assert len(report["recent_errors"]) == status.RECENT_ERRORS
    assert report["recent_errors"][-1]["detail"] == f"error {status.RECENT_ERRORS + 4}"


def test_a_silent_running_service_is_stale(database: Database) -> None:
    status.update_state(
        database, "service", NOW, state="running", pid=1, heartbeat_at=NOW.isoformat()
    )
    assert status.service_status(database, NOW + timedelta(seconds=5)).state == "running"
    later = NOW + timedelta(seconds=4 * status.HEARTBEAT_S)
    assert status.service_status(database, later).state == "stale"


def test_status_command_prints_text_and_json(redline: Redline) -> None:
    text = redline("status").stdout
    assert "service: never-started" in text and "last cycle: none yet" in text
    assert redline.json("status")["state"] == "never-started"


def test_next_runs_are_read_from_the_job_store(database: Database) -> None:
    import sqlalchemy as sa

    # the columns status reads of APScheduler's SQLAlchemyJobStore table
    jobs = sa.Table(
        "apscheduler_jobs",
        sa.MetaData(),
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25), index=True),
        sa.Column("job_state", sa.LargeBinary, nullable=False),
    )
    with database.engine.begin() as conn:
        jobs.create(conn)
        for job, minutes in (("refetch", 5), ("poll-feeds", 1)):
            when = (NOW + timedelta(minutes=minutes)).timestamp()
            conn.execute(jobs.insert().values(id=job, next_run_time=when, job_state=b""))
        conn.execute(jobs.insert().values(id="paused", next_run_time=None, job_state=b""))
    report = status.service_status(database, NOW)
    assert report.next_runs == {
        "refetch": NOW + timedelta(minutes=5),
        "poll-feeds": NOW + timedelta(minutes=1),
        "paused": None,
    }
    assert report.next_run == NOW + timedelta(minutes=1)
    assert report.to_json()["next_run"] == (NOW + timedelta(minutes=1)).isoformat()
