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
def database(sqlite_url: str) -> Iterator[Database]:
    db = open_database(sqlite_url)
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


def test_status_command_prints_text_and_json(redline_sqlite: Redline) -> None:
    text = redline_sqlite("status").stdout
    assert "service: never-started" in text and "last cycle: none yet" in text
    assert redline_sqlite.json("status")["state"] == "never-started"
