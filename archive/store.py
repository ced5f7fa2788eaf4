"""The archive's write path: tracking URLs, and recording captures.

Every capture is recorded all or nothing by :func:`record_capture` (:mod:`archive.record`:
the rules are decided in :mod:`archive.decision`, then written with prebuilt statements): the
capture row, a new version when the article changed, the change record with its indexed kinds,
takedown / restore / merge events and the tracked URL's bookkeeping, its next check included.
The caller commits (``Database.session``; the crawl commits the captures that arrive together
at once, :mod:`crawler.recorder`); nothing here commits half a capture.  Tracking, untracking
and the reads the crawl needs use the ORM.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, or_, select
from sqlalchemy.orm import Session

from archive import record
from archive.decision import version_article
from archive.errors import UnknownURLError
from archive.extract.article import Article
from archive.models import Capture, TrackedURL, Version
from archive.record import record_capture
from archive.urls import normalize_url, site_of
from archive.warc import WarcLocation

logger = logging.getLogger(__name__)

__all__ = [
    "CurrentVersion",
    "current_version",
    "find_tracked",
    "payload_locations",
    "record_capture",
    "resolve",
    "track",
    "untrack",
    "version_article",
]


def find_tracked(session: Session, url: str) -> TrackedURL | None:
    """The tracked article for ``url``: by URL, canonical or AMP link, following merges."""
    normalized = normalize_url(url)
    found = session.scalars(select(TrackedURL).where(TrackedURL.url == normalized)).first()
    if found is None:
        found = session.scalars(
            select(TrackedURL)
            .where(
                or_(TrackedURL.canonical_url == normalized, TrackedURL.amp_url == normalized),
                TrackedURL.alias_of_id.is_(None),
            )
            .order_by(TrackedURL.id)
        ).first()
    seen: set[int] = set()
    while found is not None and found.alias_of_id is not None and found.id not in seen:
        seen.add(found.id)
        found = session.get(TrackedURL, found.alias_of_id)
    return found


def resolve(session: Session, url: str) -> TrackedURL:
    """Like :func:`find_tracked`, but raise :class:`UnknownURLError` when it is not tracked."""
    found = find_tracked(session, url)
    if found is None:
        raise UnknownURLError(f"not tracked: {url!r}")
    return found


def track(
    session: Session,
    url: str,
    *,
    now: datetime,
    tags: Iterable[str] = (),
    check_interval_s: int | None = None,
) -> tuple[TrackedURL, bool]:
    """Follow ``url`` (normalised); returns the tracked URL and whether it is new.

    Tracking a URL that is already followed (directly, as a canonical or AMP link, or after
    stripping tracking parameters) reactivates it and adds the tags instead of duplicating it.
    The caller checks the destination with :mod:`archive.netguard` first.
    """
    normalized = normalize_url(url)
    existing = find_tracked(session, normalized)
    new_tags = [t for t in dict.fromkeys(tags) if t]
    if existing is not None:
        if not existing.active or existing.next_check_at is None:
            existing.next_check_at = now  # untracked or retired: check it again now
        existing.active = True
        existing.tags = sorted(set(existing.tags) | set(new_tags))
        if check_interval_s is not None:
            existing.check_interval_s = check_interval_s
        return existing, False
    tracked = TrackedURL(
        url=normalized,
        site=site_of(normalized),
        added_at=now,
        tags=sorted(set(new_tags)),
        active=True,
        check_interval_s=check_interval_s,
        consecutive_errors=0,
        taken_down=False,
        flapping=False,
        next_check_at=now,
    )
    session.add(tracked)
    session.flush()
    return tracked, True


def untrack(session: Session, url: str) -> TrackedURL:
    """Stop following ``url``; its history stays in the archive."""
    tracked = resolve(session, url)
    tracked.active = False
    return tracked


@dataclass(frozen=True)
class CurrentVersion:
    """The current version as the crawl compares with it: article, hash and extractor."""

    id: int
    article: Article
    content_hash: str
    extractor: str | None  # None: read by an extractor older than the column


def current_version(session: Session, tracked_url_id: int) -> CurrentVersion | None:
    """The current version (see :class:`CurrentVersion`), or None before the first version."""
    return current_version_at(session.connection(), tracked_url_id)


def current_version_at(conn: Connection, tracked_url_id: int) -> CurrentVersion | None:
    """:func:`current_version` read on a plain connection (no session, no commit)."""
    row = conn.execute(record.CURRENT_VERSION, {"b_id": tracked_url_id}).first()
    if row is None:
        return None
    return CurrentVersion(row.id, version_article(row), row.content_hash, row.extractor_version)


def payload_locations(session: Session, version_id: int) -> list[WarcLocation]:
    """The WARC response records a version was read from, the payload it was last seen in first.

    A version's last capture may be a revisit (an identical payload, stored once) or a 304
    (none stored): its payload is then found as the response record of the URL's earliest
    capture with the same payload digest.  The version's first capture (always a response)
    comes next, for when that one cannot be read.
    """
    version = session.get(Version, version_id)
    if version is None:
        return []
    return _payload_locations(session, version_id, version.tracked_url_id, version.first_capture_id)


def _payload_locations(
    db: Session | Connection,
    version_id: int,
    tracked_url_id: int,
    first_capture_id: int | None,
) -> list[WarcLocation]:
    """:func:`payload_locations` of the version of URL ``tracked_url_id`` whose first capture
    is ``first_capture_id``, read in a session or on a plain connection."""
    stored = (Capture.warc_file.is_not(None), Capture.warc_offset.is_not(None))
    mine = (Capture.tracked_url_id == tracked_url_id, *stored)
    digest = db.scalar(
        select(Capture.payload_digest)
        .where(*mine, Capture.version_id == version_id, Capture.payload_digest.is_not(None))
        .order_by(Capture.id.desc())
        .limit(1)
    )
    rows = []
    if digest is not None:
        rows.append(
            db.execute(
                select(Capture.warc_file, Capture.warc_offset, Capture.payload_digest)
                .where(*mine, Capture.payload_digest == digest)
                .order_by(Capture.id)
                .limit(1)
            ).first()
        )
    if first_capture_id is not None:
        rows.append(
            db.execute(
                select(Capture.warc_file, Capture.warc_offset, Capture.payload_digest).where(
                    Capture.id == first_capture_id, *stored
                )
            ).first()
        )
    locations: list[WarcLocation] = []
    for row in rows:
        if row is not None and row[0] is not None and row[1] is not None:
            location = WarcLocation(row[0], row[1], 0, row[2] or "")
            if location not in locations:
                locations.append(location)
    return locations


def template_sources(
    db: Session | Connection, tracked_url_id: int, content_hash: str
) -> list[WarcLocation]:
    """Where the payload of the URL's current version is stored, when that version is the
    article ``content_hash``, for tier 0 to learn its template from: the version's first
    capture first (the page its full extraction read), then :func:`payload_locations`'s.
    Read in a session or on a plain connection (the crawl's kept one: no session to open
    and commit)."""
    row = db.execute(
        select(Version.id, Version.tracked_url_id, Version.first_capture_id)
        .join(TrackedURL, TrackedURL.current_version_id == Version.id)
        .where(TrackedURL.id == tracked_url_id, Version.content_hash == content_hash)
    ).first()
    if row is None:
        return []
    found = _payload_locations(db, row.id, row.tracked_url_id, row.first_capture_id)
    return list(reversed(found))
