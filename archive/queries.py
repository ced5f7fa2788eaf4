"""The archive's read path: listings, timelines, due URLs and recorded changes.

Listings come back as JSON-ready dicts (the ``--json`` contract of the CLI, which other tools
build on): timestamps in ISO 8601 with a UTC offset, enum values as their wire words.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, aliased

from archive.errors import VersionNotFoundError
from archive.models import Capture, Change, ChangeKind, Event, TrackedURL, Version


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def tracked_dict(tracked: TrackedURL, *, versions: int | None = None) -> dict[str, Any]:
    return {
        "url": tracked.url,
        "canonical_url": tracked.canonical_url,
        "site": tracked.site,
        "tags": list(tracked.tags),
        "active": tracked.active,
        "added_at": iso(tracked.added_at),
        "last_checked_at": iso(tracked.last_checked_at),
        "last_changed_at": iso(tracked.last_changed_at),
        "next_check_at": iso(tracked.next_check_at),
        "check_interval_s": tracked.check_interval_s,
        "consecutive_errors": tracked.consecutive_errors,
        "taken_down": tracked.taken_down,
        "flapping": tracked.flapping,
        "versions": versions,
    }


def version_dict(version: Version, *, with_text: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": version.number,
        "headline": version.headline,
        "byline": version.byline,
        "published_at": iso(version.published_at),
        "updated_at": iso(version.updated_at),
        "description": version.description,
        "language": version.language,
        "canonical_url": version.canonical_url,
        "content_hash": version.content_hash,
        "first_seen_at": iso(version.first_seen_at),
        "last_seen_at": iso(version.last_seen_at),
    }
    if with_text:
        data["text"] = version.text
    return data


def capture_dict(capture: Capture, version_number: int | None) -> dict[str, Any]:
    return {
        "fetched_at": iso(capture.fetched_at),
        "http_status": capture.http_status,
        "outcome": capture.outcome,
        "reason": capture.reason,
        "detail": capture.detail,
        "version": version_number,
        "final_url": capture.final_url,
        "payload_digest": capture.payload_digest,
        "warc_file": capture.warc_file,
        "warc_offset": capture.warc_offset,
    }


def list_tracked(session: Session, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    """Every tracked URL (merged aliases left out), with its version count."""
    counts = dict(
        session.execute(
            select(Version.tracked_url_id, func.count()).group_by(Version.tracked_url_id)
        ).all()
    )
    query = select(TrackedURL).where(TrackedURL.alias_of_id.is_(None)).order_by(TrackedURL.id)
    if not include_inactive:
        query = query.where(TrackedURL.active.is_(True))
    return [tracked_dict(t, versions=counts.get(t.id, 0)) for t in session.scalars(query)]


def versions_of(session: Session, tracked: TrackedURL) -> list[Version]:
    return list(
        session.scalars(
            select(Version).where(Version.tracked_url_id == tracked.id).order_by(Version.number)
        )
    )


def version_of(session: Session, tracked: TrackedURL, number: int | None = None) -> Version:
    """Version ``number`` of the article, or the current one."""
    if number is None:
        version = (
            session.get(Version, tracked.current_version_id) if tracked.current_version_id else None
        )
    else:
        version = session.scalars(
            select(Version).where(Version.tracked_url_id == tracked.id, Version.number == number)
        ).first()
    if version is None:
        which = f"version {number}" if number is not None else "any version"
        raise VersionNotFoundError(f"{tracked.url!r} has no {which}")
    return version


def captures_of(session: Session, tracked: TrackedURL) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Capture, Version.number)
        .outerjoin(Version, Version.id == Capture.version_id)
        .where(Capture.tracked_url_id == tracked.id)
        .order_by(Capture.fetched_at, Capture.id)
    ).all()
    return [capture_dict(capture, number) for capture, number in rows]


def events_of(session: Session, tracked: TrackedURL) -> list[dict[str, Any]]:
    return [
        {"kind": e.kind, "at": iso(e.at), "detail": e.detail}
        for e in session.scalars(
            select(Event).where(Event.tracked_url_id == tracked.id).order_by(Event.id)
        )
    ]


def change_between(
    session: Session, tracked: TrackedURL, old: Version, new: Version
) -> Change | None:
    """The recorded change from ``old`` to ``new`` (the latest, if it happened more than once)."""
    return session.scalars(
        select(Change)
        .where(
            Change.tracked_url_id == tracked.id,
            Change.from_version_id == old.id,
            Change.to_version_id == new.id,
        )
        .order_by(Change.id.desc())
    ).first()


def changes(
    session: Session,
    *,
    since: datetime | None = None,
    tracked: TrackedURL | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Recorded changes across the archive, newest first."""
    old, new = aliased(Version), aliased(Version)
    query = (
        select(Change, TrackedURL.url, old.number, new.number, new.headline)
        .join(TrackedURL, TrackedURL.id == Change.tracked_url_id)
        .join(old, old.id == Change.from_version_id)
        .join(new, new.id == Change.to_version_id)
        .order_by(Change.detected_at.desc(), Change.id.desc())
    )
    if since is not None:
        query = query.where(Change.detected_at >= since)
    if tracked is not None:
        query = query.where(Change.tracked_url_id == tracked.id)
    if kind is not None:
        query = query.where(
            Change.id.in_(select(ChangeKind.change_id).where(ChangeKind.kind == kind))
        )
    if limit is not None:
        query = query.limit(limit)
    return [
        {
            "url": url,
            "detected_at": iso(change.detected_at),
            "from_version": from_number,
            "to_version": to_number,
            "headline": headline,
            "label": change.label,
            "kinds": {k.kind: k.count for k in change.kinds},
            "reverted": change.reverted,
            "stealth": change.stealth,
            "flapping": change.flapping,
        }
        for change, url, from_number, to_number, headline in session.execute(query)
    ]


def due_at(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """The conditions of a tracked URL whose check is due at ``now``."""
    return (
        TrackedURL.active.is_(True),
        TrackedURL.alias_of_id.is_(None),
        TrackedURL.next_check_at.is_not(None),
        TrackedURL.next_check_at <= now,
    )


MOST_OVERDUE_FIRST = (TrackedURL.next_check_at, TrackedURL.id)


def due_urls(
    session: Session, now: datetime, *, limit: int | None = None, batch: int = 500
) -> Iterator[TrackedURL]:
    """Active tracked URLs whose check is due, most overdue first (streamed).

    A URL with no next check (``next_check_at`` NULL) is retired by the refetch policy and is
    never due; ``redline crawl --all`` or ``--url`` still fetches it.
    """
    query = (
        select(TrackedURL)
        .where(*due_at(now))
        .order_by(*MOST_OVERDUE_FIRST)
        .execution_options(yield_per=batch)
    )
    if limit is not None:
        query = query.limit(limit)
    yield from session.scalars(query)


def current_hashes(session: Session, ids: Iterable[int], *, batch: int = 500) -> dict[int, str]:
    """The content hash of each given tracked URL's current version (URLs without one left out)."""
    wanted = list(ids)
    found: dict[int, str] = {}
    for start in range(0, len(wanted), batch):
        rows = session.execute(
            select(TrackedURL.id, Version.content_hash)
            .join(Version, Version.id == TrackedURL.current_version_id)
            .where(TrackedURL.id.in_(wanted[start : start + batch]))
        )
        found.update((int(i), str(h)) for i, h in rows)
    return found
