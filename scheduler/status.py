"""The service's state in the ``service_state`` table, and the report ``redline status`` prints.

Keys (each a small JSON object):

- ``service``: ``state`` (running / stopping / stopped), ``pid``, ``started_at``,
  ``heartbeat_at``, ``stopped_at``.
- ``last_cycle``: the figures of the last refetch cycle (see :func:`record_cycle`).
- ``refetch_totals`` and ``feed_totals``: counters since the archive was created.
- ``recent_errors``: the last :data:`RECENT_ERRORS` errors the service met (``items``).
- ``fast_path``: the crawls' fast-path counters (written by the crawl, see
  :mod:`archive.fastpath_counts`).

This module reads and writes those rows; it starts nothing.  Read-modify-write updates are
serialised by a lock, because the service's jobs run in threads.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from archive.db import Database
from archive.fastpath_counts import fast_path_counts
from archive.models import ServiceState, TrackedURL
from archive.queries import due_at, iso
from archive.report.outbox import delivery_status

RECENT_ERRORS: Final = 20
# A running service writes a heartbeat at least this often; status calls it stale after 3 misses.
HEARTBEAT_S: Final = 10.0
_lock = threading.Lock()


def get_state(session: Session, key: str) -> dict[str, Any]:
    row = session.get(ServiceState, key)
    return dict(row.value) if row is not None else {}


def put_state(session: Session, key: str, value: dict[str, Any], now: datetime) -> None:
    row = session.get(ServiceState, key)
    if row is None:
        session.add(ServiceState(key=key, value=value, updated_at=now))
    else:
        row.value = value
        row.updated_at = now


def update_state(database: Database, key: str, now: datetime, **changes: Any) -> dict[str, Any]:
    """Merge ``changes`` into the object under ``key``; returns the new object."""
    with _lock, database.session() as session:
        value = get_state(session, key) | changes
        put_state(session, key, value, now)
        return value


def add_to_totals(database: Database, key: str, now: datetime, **increments: int) -> None:
    with _lock, database.session() as session:
        value = get_state(session, key)
        for name, amount in increments.items():
            value[name] = int(value.get(name, 0)) + amount
        put_state(session, key, value, now)


def record_error(database: Database, now: datetime, what: str, detail: str) -> None:
    """Keep an error for ``redline status`` (the last :data:`RECENT_ERRORS` are kept)."""
    with _lock, database.session() as session:
        items = list(get_state(session, "recent_errors").get("items", []))
        items.append({"at": iso(now), "what": what, "detail": detail[:500]})
        put_state(session, "recent_errors", {"items": items[-RECENT_ERRORS:]}, now)


def record_cycle(database: Database, now: datetime, figures: dict[str, Any]) -> None:
    """Store a refetch cycle's figures as ``last_cycle`` and add them to the totals."""
    with _lock, database.session() as session:
        put_state(session, "last_cycle", dict(figures), now)
    add_to_totals(
        database,
        "refetch_totals",
        now,
        cycles=1,
        captures=int(figures.get("fetched", 0)),
        new_versions=int(figures.get("new_versions", 0)),
        errors=int(figures.get("errors", 0)),
        failed_cycles=0 if figures.get("exit_code") == 0 else 1,
    )


def count_due(session: Session, now: datetime) -> int:
    return int(
        session.scalar(select(func.count()).select_from(TrackedURL).where(*due_at(now))) or 0
    )


def _next_runs(session: Session) -> dict[str, datetime | None]:
    """The persisted jobs' next run times, read from APScheduler's table without unpickling."""
    if not inspect(session.connection()).has_table("apscheduler_jobs"):
        return {}  # the service never ran on this archive: its job store has no table yet
    rows = session.execute(text("SELECT id, next_run_time FROM apscheduler_jobs")).all()
    return {
        str(job_id): datetime.fromtimestamp(float(when), UTC) if when is not None else None
        for job_id, when in rows
    }


def _state_word(service: Mapping[str, Any], now: datetime) -> str:
    state = str(service.get("state") or "never-started")
    beat = service.get("heartbeat_at")
    if state in {"running", "stopping"} and beat:
        age = now - datetime.fromisoformat(beat)
        if age > timedelta(seconds=3 * HEARTBEAT_S):
            return "stale"
    return state


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    """Everything ``redline status`` shows.

    The stored objects (``service``, ``last_cycle``, the totals, ``recent_errors`` and
    ``deliveries``) are kept as the JSON objects they are stored as (see the module's
    docstring); ``to_json()`` is what ``redline status --json`` prints.
    """

    state: str  # never-started, running, stopping, stopped, or stale
    service: Mapping[str, Any]
    next_runs: Mapping[str, datetime | None]
    tracked: int
    due: int
    last_cycle: Mapping[str, Any] | None
    refetch_totals: Mapping[str, Any]
    feed_totals: Mapping[str, Any]
    recent_errors: tuple[Mapping[str, Any], ...]
    deliveries: Mapping[str, Any]
    # the crawls' fast-path counters (archive.fastpath_counts)
    fast_path: Mapping[str, int]

    @property
    def next_run(self) -> datetime | None:
        """The earliest next run of the service's jobs."""
        return min((v for v in self.next_runs.values() if v is not None), default=None)

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "service": dict(self.service),
            "next_runs": {job: iso(when) for job, when in self.next_runs.items()},
            "next_run": iso(self.next_run),
            "tracked": self.tracked,
            "due": self.due,
            "last_cycle": dict(self.last_cycle) if self.last_cycle is not None else None,
            "refetch_totals": dict(self.refetch_totals),
            "feed_totals": dict(self.feed_totals),
            "recent_errors": [dict(item) for item in self.recent_errors],
            "deliveries": dict(self.deliveries),
            "fast_path": dict(self.fast_path),
        }


def service_status(database: Database, now: datetime) -> ServiceStatus:
    """Everything ``redline status`` shows."""
    with database.session() as session:
        service = get_state(session, "service")
        tracked = int(
            session.scalar(
                select(func.count()).select_from(TrackedURL).where(TrackedURL.active.is_(True))
            )
            or 0
        )
        return ServiceStatus(
            state=_state_word(service, now),
            service=service,
            next_runs=_next_runs(session),
            tracked=tracked,
            due=count_due(session, now),
            last_cycle=get_state(session, "last_cycle") or None,
            refetch_totals=get_state(session, "refetch_totals"),
            feed_totals=get_state(session, "feed_totals"),
            recent_errors=tuple(get_state(session, "recent_errors").get("items", [])),
            deliveries=delivery_status(session),
            fast_path=fast_path_counts(session),
        )
