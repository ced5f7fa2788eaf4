"""The archive's write path: tracking URLs and recording captures.

Every capture is recorded all or nothing by :func:`record_capture`: the capture row, a new
version when the article changed, the change record with its indexed kinds, takedown / restore
/ merge events and the tracked URL's bookkeeping.  The caller commits (``Database.session``;
the crawl commits the captures that arrive together at once, :mod:`crawler.recorder`);
nothing here commits half a capture.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from archive import record
from archive.capture import (
    CaptureResult,
    Extracted,
    Failed,
    FetchFacts,
    NextCheck,
    NotModified,
    Recorded,
    SamePayload,
)
from archive.diff import compare
from archive.diff.flapping import is_flapping
from archive.diff.records import ChangeRecord
from archive.enums import CaptureOutcome, EventKind, FailureReason
from archive.errors import InvalidURLError, UnknownURLError
from archive.extract.article import Article
from archive.models import Capture, Change, ChangeKind, Event, TrackedURL, Version
from archive.record import (
    FLAPPING_WINDOW,
    PARAGRAPH_SEPARATOR,
    TAKEDOWN_REASONS,
    change_values,
    recent_versions,
    version_article,
)
from archive.urls import is_section_or_home, normalize_url, site_of
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
    row = session.connection().execute(record.CURRENT_VERSION, {"b_id": tracked_url_id}).first()
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
    stored = (Capture.warc_file.is_not(None), Capture.warc_offset.is_not(None))
    mine = (Capture.tracked_url_id == version.tracked_url_id, *stored)
    digest = session.scalar(
        select(Capture.payload_digest)
        .where(*mine, Capture.version_id == version_id, Capture.payload_digest.is_not(None))
        .order_by(Capture.id.desc())
        .limit(1)
    )
    rows = []
    if digest is not None:
        rows.append(
            session.execute(
                select(Capture.warc_file, Capture.warc_offset, Capture.payload_digest)
                .where(*mine, Capture.payload_digest == digest)
                .order_by(Capture.id)
                .limit(1)
            ).first()
        )
    if version.first_capture_id is not None:
        rows.append(
            session.execute(
                select(Capture.warc_file, Capture.warc_offset, Capture.payload_digest).where(
                    Capture.id == version.first_capture_id, *stored
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


def record_capture(
    session: Session,
    facts: FetchFacts,
    result: CaptureResult,
    *,
    next_check: NextCheck | None = None,
) -> Recorded:
    """Record one fetch and what it came to; returns what was written (not yet committed).

    The common captures are written with prebuilt Core statements (:mod:`archive.record`);
    those that create events (takedown, restore, a canonical link naming another URL) go
    through the ORM below.
    """
    planned = record.plan(session, facts, result)
    if planned is not None:
        return record.write(session, planned, facts, result, next_check)
    tracked = session.get(TrackedURL, facts.tracked_url_id)
    if tracked is None:
        raise UnknownURLError(f"no tracked URL with id {facts.tracked_url_id}")
    if isinstance(result, Extracted):
        tracked = _follow_canonical(session, tracked, result.article, facts.fetched_at)
    capture = Capture(
        tracked_url_id=tracked.id,
        fetched_at=facts.fetched_at,
        http_status=facts.http_status,
        final_url=facts.final_url,
        etag=facts.etag,
        last_modified=facts.last_modified,
        payload_digest=facts.payload_digest,
        warc_file=facts.warc_file,
        warc_offset=facts.warc_offset,
        outcome=CaptureOutcome.ERROR,
    )
    session.add(capture)
    if isinstance(result, Failed):
        _record_failure(session, tracked, capture, result)
    elif isinstance(result, NotModified):
        _record_not_modified(session, tracked, capture)
    elif isinstance(result, SamePayload):
        _confirm_current(session, tracked, capture, CaptureOutcome.UNCHANGED)
    else:
        _record_article(session, tracked, capture, result)
    _bookkeep(session, tracked, facts, capture, next_check)
    return Recorded(
        capture.id,
        capture.fetched_at,
        CaptureOutcome(capture.outcome),
        FailureReason(capture.reason) if capture.reason else None,
        capture.version_id,
    )


def _bookkeep(
    session: Session,
    tracked: TrackedURL,
    facts: FetchFacts,
    capture: Capture,
    next_check: NextCheck | None,
) -> None:
    """The tracked URL's bookkeeping after one capture; flushes."""
    tracked.last_checked_at = facts.fetched_at
    if capture.outcome == CaptureOutcome.ERROR:
        tracked.consecutive_errors += 1
    else:
        tracked.consecutive_errors = 0
        if facts.etag or facts.last_modified or capture.outcome != CaptureOutcome.NOT_MODIFIED:
            tracked.etag = facts.etag
            tracked.last_modified = facts.last_modified
        if facts.payload_digest:
            tracked.last_payload_digest = facts.payload_digest
        if tracked.taken_down:
            tracked.taken_down = False
            _event(session, tracked, EventKind.RESTORED, capture, "the article is served again")
    if next_check is not None:
        tracked.next_check_at = next_check(
            tracked, CaptureOutcome(capture.outcome), facts.fetched_at
        )
    session.flush()


def _event(
    session: Session,
    tracked: TrackedURL,
    kind: EventKind,
    capture: Capture | None,
    detail: str,
    at: datetime | None = None,
) -> None:
    session.flush()
    when = capture.fetched_at if capture is not None else at
    assert when is not None, "an event needs a time"
    session.add(
        Event(
            tracked_url_id=tracked.id,
            kind=kind,
            at=when,
            capture_id=capture.id if capture else None,
            detail=detail,
        )
    )


def _record_failure(
    session: Session, tracked: TrackedURL, capture: Capture, failure: Failed
) -> None:
    capture.outcome = CaptureOutcome.ERROR
    capture.reason = failure.reason
    capture.detail = failure.detail[:2000] or None
    if (
        failure.reason in TAKEDOWN_REASONS
        and tracked.current_version_id is not None
        and not tracked.taken_down
    ):
        tracked.taken_down = True
        _event(session, tracked, EventKind.TAKEDOWN, capture, f"{failure.reason}: {failure.detail}")


def _record_not_modified(session: Session, tracked: TrackedURL, capture: Capture) -> None:
    if tracked.current_version_id is None:
        capture.outcome = CaptureOutcome.ERROR
        capture.reason = FailureReason.NOT_MODIFIED_WITHOUT_VERSION
        capture.detail = "304 answered before any version was archived"
        return
    _confirm_current(session, tracked, capture, CaptureOutcome.NOT_MODIFIED)


def _confirm_current(
    session: Session, tracked: TrackedURL, capture: Capture, outcome: CaptureOutcome
) -> None:
    version = (
        session.get(Version, tracked.current_version_id) if tracked.current_version_id else None
    )
    if version is None:
        capture.outcome = CaptureOutcome.ERROR
        capture.reason = FailureReason.INTERNAL
        capture.detail = "identical payload but no current version"
        return
    capture.outcome = outcome
    capture.version_id = version.id
    session.flush()
    version.last_capture_id = capture.id
    version.last_seen_at = capture.fetched_at


def _record_article(
    session: Session, tracked: TrackedURL, capture: Capture, result: Extracted
) -> None:
    article = result.article
    current = (
        session.get(Version, tracked.current_version_id) if tracked.current_version_id else None
    )
    current_hash = None
    if current is not None:
        session.flush()  # a re-keying writes on the session's connection
        stored = (current.id, current.content_hash, current.extractor_version)
        current_hash = record.hash_to_compare(session.connection(), tracked.id, stored, result)
        if current_hash != current.content_hash:
            session.expire(current)  # re-keyed (or to be re-read): load it again
    if current is not None and current_hash == article.content_hash:
        _confirm_current(session, tracked, capture, CaptureOutcome.UNCHANGED)
        return
    capture.outcome = CaptureOutcome.NEW_VERSION
    session.flush()
    version = session.scalars(
        select(Version).where(
            Version.tracked_url_id == tracked.id, Version.content_hash == article.content_hash
        )
    ).first()
    reverted = version is not None
    if version is None:
        version = _new_version(session, tracked, capture, article, result.extractor)
    version.last_capture_id = capture.id
    version.last_seen_at = capture.fetched_at
    capture.version_id = version.id
    if current is not None:
        change = result.change
        if change is None or result.based_on_version_id != current.id:
            change = compare(version_article(current), article)
        _record_change(session, tracked, capture, current, version, change, reverted=reverted)
        tracked.last_changed_at = capture.fetched_at
    tracked.current_version_id = version.id


def _new_version(
    session: Session, tracked: TrackedURL, capture: Capture, article: Article, extractor: str
) -> Version:
    number = (
        session.scalar(select(func.max(Version.number)).where(Version.tracked_url_id == tracked.id))
        or 0
    ) + 1
    version = Version(
        tracked_url_id=tracked.id,
        number=number,
        headline=article.headline,
        byline=article.byline,
        published_at=article.published_at,
        updated_at=article.updated_at,
        description=article.description,
        language=article.language,
        canonical_url=article.canonical_url,
        text=PARAGRAPH_SEPARATOR.join(
            p.replace(PARAGRAPH_SEPARATOR, "\n") for p in article.paragraphs
        ),
        content_hash=article.content_hash,
        extractor_version=extractor,
        first_capture_id=capture.id,
        first_seen_at=capture.fetched_at,
        last_seen_at=capture.fetched_at,
    )
    session.add(version)
    session.flush()
    return version


def _record_change(
    session: Session,
    tracked: TrackedURL,
    capture: Capture,
    old: Version,
    new: Version,
    record: ChangeRecord,
    *,
    reverted: bool,
) -> Change:
    sequence = recent_versions(session.connection(), tracked.id, old.id, new.id)
    flapping = is_flapping(sequence, FLAPPING_WINDOW)
    change = Change(
        tracked_url_id=tracked.id,
        from_version_id=old.id,
        to_version_id=new.id,
        capture_id=capture.id,
        detected_at=capture.fetched_at,
        kinds=[ChangeKind(kind=k, count=n) for k, n in sorted(record.kinds().items())],
        **change_values(record, reverted_to=new.number if reverted else None, flapping=flapping),
    )
    session.add(change)
    tracked.flapping = flapping
    return change


def _follow_canonical(
    session: Session, tracked: TrackedURL, article: Article, now: datetime
) -> TrackedURL:
    """Record the page's canonical and AMP links; merge into the article they name, if tracked.

    A canonical link that points to a home or section page (a common misconfiguration) is
    ignored, so that it can never merge unrelated articles.
    """
    if article.amp_url:
        with contextlib.suppress(InvalidURLError):
            tracked.amp_url = normalize_url(article.amp_url)
    if not article.canonical_url:
        return tracked
    try:
        canonical = normalize_url(article.canonical_url)
    except InvalidURLError:
        return tracked
    if canonical == tracked.url or is_section_or_home(tracked.url, canonical):
        return tracked
    tracked.canonical_url = canonical
    other = session.scalars(
        select(TrackedURL)
        .where(
            or_(TrackedURL.url == canonical, TrackedURL.canonical_url == canonical),
            TrackedURL.id != tracked.id,
            TrackedURL.alias_of_id.is_(None),
        )
        .order_by(TrackedURL.id)
    ).first()
    if other is None or (other.id > tracked.id and other.url != canonical):
        return tracked
    tracked.alias_of_id = other.id
    tracked.active = False
    other.tags = sorted(set(other.tags) | set(tracked.tags))
    _event(session, tracked, EventKind.MERGED, None, f"same article as {other.url}", at=now)
    return other
