"""The archive's read path: listings, timelines, due URLs and recorded changes.

Listings come back as frozen rows (:class:`TrackedRow`, :class:`VersionRow`,
:class:`CaptureRow`, :class:`EventRow`, :class:`ChangeRow`) with Python values, shared by the
CLI and the viewer.  Each row's ``to_json()`` is the ``--json`` contract of the CLI, which other
tools build on: timestamps in ISO 8601 with a UTC offset, enum values as their wire words.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from archive.errors import VersionNotFoundError
from archive.models import (
    Capture,
    Change,
    ChangeKind,
    Event,
    FastPathEvidence,
    TrackedURL,
    Version,
)

# A change's two versions and an article's current one, as aliases built once: an alias made
# per query costs more Python than the query itself (its columns are rebuilt each time, and
# the statement cache sees a new structure).
OLD_VERSION = aliased(Version, name="old_version")
NEW_VERSION = aliased(Version, name="new_version")
CURRENT_VERSION = aliased(Version, name="current_version")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class TrackedRow:
    """A tracked URL as listings show it, with its version count."""

    url: str
    canonical_url: str | None
    site: str
    tags: tuple[str, ...]
    active: bool
    added_at: datetime | None
    last_checked_at: datetime | None
    last_changed_at: datetime | None
    next_check_at: datetime | None
    check_interval_s: int | None
    consecutive_errors: int
    taken_down: bool
    flapping: bool
    versions: int | None = None

    @classmethod
    def of(cls, tracked: TrackedURL, *, versions: int | None = None) -> TrackedRow:
        return cls(
            url=tracked.url,
            canonical_url=tracked.canonical_url,
            site=tracked.site,
            tags=tuple(tracked.tags),
            active=tracked.active,
            added_at=tracked.added_at,
            last_checked_at=tracked.last_checked_at,
            last_changed_at=tracked.last_changed_at,
            next_check_at=tracked.next_check_at,
            check_interval_s=tracked.check_interval_s,
            consecutive_errors=tracked.consecutive_errors,
            taken_down=tracked.taken_down,
            flapping=tracked.flapping,
            versions=versions,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "canonical_url": self.canonical_url,
            "site": self.site,
            "tags": list(self.tags),
            "active": self.active,
            "added_at": iso(self.added_at),
            "last_checked_at": iso(self.last_checked_at),
            "last_changed_at": iso(self.last_changed_at),
            "next_check_at": iso(self.next_check_at),
            "check_interval_s": self.check_interval_s,
            "consecutive_errors": self.consecutive_errors,
            "taken_down": self.taken_down,
            "flapping": self.flapping,
            "versions": self.versions,
        }


@dataclass(frozen=True, slots=True)
class VersionRow:
    """One version of an article; ``text`` only when asked for (``None`` otherwise)."""

    number: int
    headline: str
    byline: str | None
    published_at: datetime | None
    updated_at: datetime | None
    description: str | None
    language: str | None
    canonical_url: str | None
    content_hash: str
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    text: str | None = None

    @classmethod
    def of(cls, version: Version, *, with_text: bool = False) -> VersionRow:
        return cls(
            number=version.number,
            headline=version.headline,
            byline=version.byline,
            published_at=version.published_at,
            updated_at=version.updated_at,
            description=version.description,
            language=version.language,
            canonical_url=version.canonical_url,
            content_hash=version.content_hash,
            first_seen_at=version.first_seen_at,
            last_seen_at=version.last_seen_at,
            text=version.text if with_text else None,
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "number": self.number,
            "headline": self.headline,
            "byline": self.byline,
            "published_at": iso(self.published_at),
            "updated_at": iso(self.updated_at),
            "description": self.description,
            "language": self.language,
            "canonical_url": self.canonical_url,
            "content_hash": self.content_hash,
            "first_seen_at": iso(self.first_seen_at),
            "last_seen_at": iso(self.last_seen_at),
        }
        if self.text is not None:
            data["text"] = self.text
        return data


@dataclass(frozen=True, slots=True)
class CaptureRow:
    """One fetch of a URL: what came back, what it was recorded as, where its WARC record is.

    ``id`` (the capture's, for the viewer's links to it) is not part of ``to_json()``.
    """

    id: int
    fetched_at: datetime | None
    http_status: int | None
    outcome: str
    reason: str | None
    detail: str | None
    version: int | None
    final_url: str | None
    payload_digest: str | None
    warc_file: str | None
    warc_offset: int | None

    @classmethod
    def of(cls, capture: Capture, version_number: int | None) -> CaptureRow:
        return cls(
            id=capture.id,
            fetched_at=capture.fetched_at,
            http_status=capture.http_status,
            outcome=capture.outcome,
            reason=capture.reason,
            detail=capture.detail,
            version=version_number,
            final_url=capture.final_url,
            payload_digest=capture.payload_digest,
            warc_file=capture.warc_file,
            warc_offset=capture.warc_offset,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "fetched_at": iso(self.fetched_at),
            "http_status": self.http_status,
            "outcome": self.outcome,
            "reason": self.reason,
            "detail": self.detail,
            "version": self.version,
            "final_url": self.final_url,
            "payload_digest": self.payload_digest,
            "warc_file": self.warc_file,
            "warc_offset": self.warc_offset,
        }


@dataclass(frozen=True, slots=True)
class EventRow:
    """A takedown, restore or merge event."""

    kind: str
    at: datetime | None
    detail: str | None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "at": iso(self.at), "detail": self.detail}


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """A recorded change as listings show it: which article, which versions, what kinds."""

    url: str
    detected_at: datetime | None
    from_version: int
    to_version: int
    headline: str
    label: str
    kinds: Mapping[str, int]
    reverted: bool
    stealth: bool
    flapping: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "detected_at": iso(self.detected_at),
            "from_version": self.from_version,
            "to_version": self.to_version,
            "headline": self.headline,
            "label": self.label,
            "kinds": dict(self.kinds),
            "reverted": self.reverted,
            "stealth": self.stealth,
            "flapping": self.flapping,
        }


def list_tracked(session: Session, *, include_inactive: bool = False) -> list[TrackedRow]:
    """Every tracked URL (merged aliases left out), with its version count."""
    return list(iter_tracked(session, include_inactive=include_inactive))


def iter_tracked(
    session: Session, *, include_inactive: bool = False, batch: int = 500
) -> Iterator[TrackedRow]:
    """:func:`list_tracked`, streamed: rows are read ``batch`` at a time (a server-side cursor
    on PostgreSQL) and each version count comes with its row, so memory does not grow with
    the number of tracked URLs."""
    versions = (
        select(func.count())
        .select_from(Version)
        .where(Version.tracked_url_id == TrackedURL.id)
        .scalar_subquery()
    )
    query = (
        select(TrackedURL, versions)
        .where(TrackedURL.alias_of_id.is_(None))
        .order_by(TrackedURL.id)
        .execution_options(yield_per=batch)
    )
    if not include_inactive:
        query = query.where(TrackedURL.active.is_(True))
    for tracked, count in session.execute(query):
        yield TrackedRow.of(tracked, versions=int(count))


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


def captures_of(session: Session, tracked: TrackedURL) -> list[CaptureRow]:
    rows = session.execute(
        select(Capture, Version.number)
        .outerjoin(Version, Version.id == Capture.version_id)
        .where(Capture.tracked_url_id == tracked.id)
        .order_by(Capture.fetched_at, Capture.id)
    ).all()
    return [CaptureRow.of(capture, number) for capture, number in rows]


def events_of(session: Session, tracked: TrackedURL) -> list[EventRow]:
    return [
        EventRow(kind=e.kind, at=e.at, detail=e.detail)
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
) -> list[ChangeRow]:
    """Recorded changes across the archive, newest first."""
    old, new = OLD_VERSION, NEW_VERSION
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
        ChangeRow(
            url=url,
            detected_at=change.detected_at,
            from_version=from_number,
            to_version=to_number,
            headline=headline,
            label=change.label,
            kinds={k.kind: k.count for k in change.kinds},
            reverted=change.reverted,
            stealth=change.stealth,
            flapping=change.flapping,
        )
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


def due_page(
    session: Session, now: datetime, *, after: tuple[datetime, int] | None, limit: int
) -> list[TrackedURL]:
    """The next ``limit`` URLs due at ``now``, most overdue first, after the key ``after``.

    Keyset pagination on (``next_check_at``, ``id``): pass the last row's key to read the next
    page.  Each page is its own short query, so a crawl holds neither every due URL in memory
    nor a read transaction for its whole length.  A URL recorded during the crawl is checked
    next after ``now``, so it never comes back in a later page of the same crawl.
    """
    query = select(TrackedURL).where(*due_at(now))
    if after is not None:
        after_at, after_id = after
        query = query.where(
            or_(
                TrackedURL.next_check_at > after_at,
                and_(TrackedURL.next_check_at == after_at, TrackedURL.id > after_id),
            )
        )
    return list(session.scalars(query.order_by(*MOST_OVERDUE_FIRST).limit(limit)))


def count_due(session: Session, now: datetime) -> int:
    """How many URLs are due at ``now``."""
    return int(
        session.scalar(select(func.count()).select_from(TrackedURL).where(*due_at(now))) or 0
    )


ACTIVE = (TrackedURL.active.is_(True), TrackedURL.alias_of_id.is_(None))


def active_page(session: Session, *, after_id: int | None, limit: int) -> list[TrackedURL]:
    """The next ``limit`` active tracked URLs (aliases left out) by id, after ``after_id``."""
    query = select(TrackedURL).where(*ACTIVE)
    if after_id is not None:
        query = query.where(TrackedURL.id > after_id)
    return list(session.scalars(query.order_by(TrackedURL.id).limit(limit)))


def count_active(session: Session) -> int:
    """How many tracked URLs are active (aliases left out)."""
    return int(session.scalar(select(func.count()).select_from(TrackedURL).where(*ACTIVE)) or 0)


def current_fingerprints(
    session: Session, ids: Iterable[int], *, batch: int = 500
) -> dict[int, str]:
    """The fast-path fingerprint of each given tracked URL's current version (where it has one)."""
    return _current_values(session, FastPathEvidence.fingerprint, ids, batch)


def current_templates(session: Session, ids: Iterable[int], *, batch: int = 500) -> dict[int, str]:
    """Tier 0's template of each given tracked URL's current version (where it has one)."""
    return _current_values(session, FastPathEvidence.template, ids, batch)


def current_hashes(session: Session, ids: Iterable[int], *, batch: int = 500) -> dict[int, str]:
    """The content hash of each given tracked URL's current version (URLs without one left out)."""
    return _current_values(session, Version.content_hash, ids, batch)


def _current_values(
    session: Session, column: InstrumentedAttribute[Any], ids: Iterable[int], batch: int
) -> dict[int, str]:
    """``column`` of each given tracked URL's current version where it is set, in batches."""
    wanted = list(ids)
    found: dict[int, str] = {}
    # the row of the version: by its id (versions) or by version_id (fast_path_evidence)
    key = Version.id if column.class_ is Version else FastPathEvidence.version_id
    for start in range(0, len(wanted), batch):
        rows = session.execute(
            select(TrackedURL.id, column)
            .join(column.class_, key == TrackedURL.current_version_id)
            .where(TrackedURL.id.in_(wanted[start : start + batch]), column.is_not(None))
        )
        found.update((int(i), str(v)) for i, v in rows)
    return found
