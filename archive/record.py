"""The common cases of :func:`archive.store.record_capture`, written with prebuilt Core statements.

A refetch cycle records thousands of captures, nearly all of one of a few shapes: the current
version confirmed (identical payload, 304, same article), a new version or a revert, a plain
error.  Each is written here with statements built once at import time, on the session's
connection and in its transaction: no ORM object is loaded or flushed (building, cache-keying
and flushing ORM statements used to cost more than SQLite itself).  A confirming capture is one
SELECT, one INSERT and two UPDATEs.

:func:`plan` reads the tracked URL's row and decides; it returns None (nothing read is kept,
nothing written) for the captures that create events (a takedown, a restore, a canonical link
naming another URL, which may merge two tracked URLs): the ORM path in :mod:`archive.store`
records those.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeAlias, cast

from sqlalchemy import Connection, Row, Table, bindparam, func, insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from archive.capture import (
    CaptureResult,
    Extracted,
    Failed,
    FetchFacts,
    NextCheck,
    NotModified,
    Recorded,
    SamePayload,
    TrackedState,
)
from archive.diff import compare
from archive.diff.flapping import is_flapping
from archive.diff.records import ChangeRecord
from archive.enums import CaptureOutcome, FailureReason
from archive.errors import InvalidURLError, UnknownURLError
from archive.extract.article import Article
from archive.models import Capture, Change, ChangeKind, TrackedURL, Version
from archive.urls import is_section_or_home, normalize_url

# Failures that mean the article itself is gone (as opposed to the site being unwell).
TAKEDOWN_REASONS: Final = frozenset(
    {FailureReason.HTTP_404, FailureReason.HTTP_410, FailureReason.REDIRECTED_AWAY}
)
# How many recent transitions are looked at to decide whether a URL flaps between versions.
FLAPPING_WINDOW: Final = 6
PARAGRAPH_SEPARATOR: Final = "\n\n"

logger = logging.getLogger(__name__)

AnyRow: TypeAlias = Row[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Plan:
    """What :func:`plan` read: the tracked URL's row, and its new AMP link if any."""

    row: AnyRow
    amp_url: str | None


def plan(session: Session, facts: FetchFacts, result: CaptureResult) -> Plan | None:
    """The tracked URL's row if this capture can be written here; None for the ORM path.

    Raises:
        UnknownURLError: no tracked URL has the id.
    """
    row = session.connection().execute(_TRACKED, {"b_id": facts.tracked_url_id}).first()
    if row is None:
        raise UnknownURLError(f"no tracked URL with id {facts.tracked_url_id}")
    if row.taken_down:
        return None  # any capture either keeps it down or restores it: both are events
    if (
        isinstance(result, Failed)
        and result.reason in TAKEDOWN_REASONS
        and row.current_version_id is not None
    ):
        return None  # a takedown
    amp_url = row.amp_url
    if isinstance(result, Extracted):
        article = result.article
        if _names_other_article(row.url, article.canonical_url):
            return None  # a canonical link elsewhere: recorded, and maybe a merge
        if article.amp_url:
            with contextlib.suppress(InvalidURLError):
                amp_url = normalize_url(article.amp_url)
    return Plan(row, amp_url)


def write(
    session: Session,
    planned: Plan,
    facts: FetchFacts,
    result: CaptureResult,
    next_check: NextCheck | None,
) -> Recorded:
    """Write the capture :func:`plan` accepted; returns what was written."""
    conn = session.connection()
    row = planned.row
    changed_at = row.last_changed_at
    flapping = row.flapping
    current_id = row.current_version_id
    if isinstance(result, Failed):
        capture = _insert_capture(conn, facts, CaptureOutcome.ERROR, result.reason, result.detail)
    elif isinstance(result, NotModified | SamePayload):
        outcome = (
            CaptureOutcome.NOT_MODIFIED
            if isinstance(result, NotModified)
            else CaptureOutcome.UNCHANGED
        )
        capture = _confirm(conn, facts, current_id, outcome)
    else:
        content_hash = result.content_hash
        stored = (current_id, row.content_hash, row.extractor_version)
        if current_id is not None and hash_to_compare(conn, row.id, stored, result) == content_hash:
            capture = _confirm(conn, facts, current_id, CaptureOutcome.UNCHANGED)
        else:
            capture, flapped = _new_version(conn, row, facts, result, content_hash)
            current_id = capture.version_id
            if flapped is not None:
                changed_at, flapping = facts.fetched_at, flapped
    failed = capture.outcome == CaptureOutcome.ERROR
    errors = row.consecutive_errors + 1 if failed else 0
    values: dict[str, Any] = {
        "b_id": row.id,
        "b_checked": facts.fetched_at,
        "b_errors": errors,
        "b_etag": row.etag,
        "b_last_modified": row.last_modified,
        "b_digest": row.last_payload_digest,
        "b_current": current_id,
        "b_changed": changed_at,
        "b_amp": planned.amp_url,
        "b_flapping": flapping,
    }
    if not failed:
        if facts.etag or facts.last_modified or capture.outcome != CaptureOutcome.NOT_MODIFIED:
            values["b_etag"], values["b_last_modified"] = facts.etag, facts.last_modified
        if facts.payload_digest:
            values["b_digest"] = facts.payload_digest
    statement = _BOOKKEEP
    if next_check is not None:
        state = TrackedState(
            added_at=row.added_at,
            last_changed_at=changed_at,
            consecutive_errors=errors,
            check_interval_s=row.check_interval_s,
            tags=tuple(row.tags or ()),
        )
        values["b_next"] = next_check(state, capture.outcome, facts.fetched_at)
        statement = _BOOKKEEP_AND_SCHEDULE
    conn.execute(statement, values)
    _expire(session, TrackedURL, row.id)
    if current_id is not None:
        _expire(session, Version, current_id)
    return capture


def hash_to_compare(
    conn: Connection,
    tracked_url_id: int,
    current: tuple[int, str, str | None],
    result: Extracted,
) -> str:
    """The current version's hash to compare ``result`` with, re-keying the version first.

    ``current`` is the current version's (id, content hash, extractor).  When ``result.reread``
    re-read that version and it is still current and still keyed to another (or an unknown)
    extractor (a concurrent capture may have re-keyed or replaced it meanwhile), the version is
    re-keyed to the re-reading and the re-reading's hash is returned.  When the re-reading
    cannot be stored (another version has its hash) but equals the new article, its hash is
    still the one to compare with: the publisher changed nothing; the version keeps its old
    key, and the next capture reads it again.  Both write paths call this.
    """
    version_id, content_hash, extractor = current
    reread = result.reread
    if reread is None or reread.version_id != version_id or extractor == result.extractor:
        return content_hash
    _rekey_version(conn, tracked_url_id, version_id, reread.article, result.extractor)
    return reread.article.content_hash


def _rekey_version(
    conn: Connection, tracked_url_id: int, version_id: int, article: Article, extractor: str
) -> bool:
    """Store ``article`` (a re-reading of the version's payload) as version ``version_id``.

    The version's fields, content hash and extractor become the re-reading's, so that later
    captures compare with it directly.  Refused (False, logged) when another version of the
    URL already has that hash: two versions would then be one article.
    """
    content_hash = article.content_hash
    clash = conn.execute(_VERSION_BY_HASH, {"b_url": tracked_url_id, "b_hash": content_hash})
    other = clash.first()
    if other is not None and int(other[0]) != version_id:
        logger.warning(
            "not re-keying version %d of tracked URL %d: version id %d already has its new hash",
            version_id,
            tracked_url_id,
            int(other[0]),
        )
        return False
    values = {"b_id": version_id, "b_hash": content_hash, "b_extractor": extractor}
    conn.execute(_REKEY, {**values, **_article_values(article)})
    logger.info(
        "version %d of tracked URL %d re-read and re-keyed to extractor %s",
        version_id,
        tracked_url_id,
        extractor,
    )
    return True


def version_article(version: Version | AnyRow) -> Article:
    """The :class:`Article` a stored version (an ORM object or a row) holds."""
    return Article(
        headline=version.headline,
        paragraphs=tuple(version.text.split(PARAGRAPH_SEPARATOR)) if version.text else (),
        byline=version.byline,
        published_at=version.published_at,
        updated_at=version.updated_at,
        description=version.description,
        language=version.language,
        canonical_url=version.canonical_url,
    )


def change_values(
    record: ChangeRecord, *, reverted_to: int | None, flapping: bool
) -> dict[str, Any]:
    """The columns of a change row that come from its record (edits, summary, flags)."""
    payload = record.to_json()
    summary = dict(payload.get("summary", {}))
    summary["reverted_to"] = reverted_to
    summary["flapping"] = flapping
    return {
        "edits": payload.get("edits", []),
        "summary": summary,
        "label": record.label,
        "reverted": reverted_to is not None,
        "stealth": record.stealth,
        "flapping": flapping,
    }


def recent_versions(conn: Connection, tracked_url_id: int, from_id: int, to_id: int) -> list[int]:
    """The versions the URL went through, oldest first, ending with a change to ``to_id``."""
    recent = conn.execute(_RECENT_CHANGES, {"b_url": tracked_url_id}).all()[::-1]
    return [recent[0][0] if recent else from_id, *(to for _, to in recent), to_id]


# -- internals ------------------------------------------------------------------------------


def _names_other_article(url: str, canonical_url: str | None) -> bool:
    """Whether a page's canonical link names another article than its tracked URL."""
    if not canonical_url:
        return False
    try:
        canonical = normalize_url(canonical_url)
    except InvalidURLError:
        return False
    return canonical != url and not is_section_or_home(url, canonical)


def _insert_capture(
    conn: Connection,
    facts: FetchFacts,
    outcome: CaptureOutcome,
    reason: FailureReason | None = None,
    detail: str = "",
    version_id: int | None = None,
) -> Recorded:
    values: dict[str, Any] = {
        "tracked_url_id": facts.tracked_url_id,
        "fetched_at": facts.fetched_at,
        "http_status": facts.http_status,
        "final_url": facts.final_url,
        "etag": facts.etag,
        "last_modified": facts.last_modified,
        "payload_digest": facts.payload_digest,
        "warc_file": facts.warc_file,
        "warc_offset": facts.warc_offset,
        "outcome": str(outcome),
        "reason": str(reason) if reason is not None else None,
        "detail": detail[:2000] or None,
        "version_id": version_id,
    }
    inserted = cast(CursorResult[Any], conn.execute(_INSERT_CAPTURE, values))
    capture_id = int(inserted.inserted_primary_key[0])  # type: ignore[index]
    return Recorded(capture_id, facts.fetched_at, outcome, reason, version_id)


def _confirm(
    conn: Connection, facts: FetchFacts, version_id: int | None, outcome: CaptureOutcome
) -> Recorded:
    """A capture of the current version: insert it, and point the version at it."""
    if version_id is None:
        if outcome == CaptureOutcome.NOT_MODIFIED:
            return _insert_capture(
                conn,
                facts,
                CaptureOutcome.ERROR,
                FailureReason.NOT_MODIFIED_WITHOUT_VERSION,
                "304 answered before any version was archived",
            )
        return _insert_capture(
            conn,
            facts,
            CaptureOutcome.ERROR,
            FailureReason.INTERNAL,
            "identical payload but no current version",
        )
    capture = _insert_capture(conn, facts, outcome, version_id=version_id)
    _seen(conn, version_id, capture)
    return capture


def _seen(conn: Connection, version_id: int, capture: Recorded) -> None:
    conn.execute(_SEEN, {"b_id": version_id, "b_seen": capture.fetched_at, "b_capture": capture.id})


def _new_version(
    conn: Connection, row: AnyRow, facts: FetchFacts, result: Extracted, content_hash: str
) -> tuple[Recorded, bool | None]:
    """A capture whose article differs from the current one: a new version, or a revert.

    Returns the capture and, when there was a current version (a change is recorded), whether
    the URL now flaps.
    """
    article = result.article
    known = conn.execute(_VERSION_BY_HASH, {"b_url": row.id, "b_hash": content_hash}).first()
    if known is not None:
        version_id, number = int(known[0]), int(known[1])
        capture = _insert_capture(conn, facts, CaptureOutcome.NEW_VERSION, version_id=version_id)
        _seen(conn, version_id, capture)
    else:
        capture = _insert_capture(conn, facts, CaptureOutcome.NEW_VERSION)
        inserted = cast(
            CursorResult[Any],
            conn.execute(
                _INSERT_VERSION,
                _version_values(row.id, article, content_hash, capture, result.extractor),
            ),
        )
        version_id = int(inserted.inserted_primary_key[0])  # type: ignore[index]
        number = 0  # not needed: only a revert's number goes into the change's summary
        conn.execute(_CAPTURE_VERSION, {"b_id": capture.id, "b_version": version_id})
    capture.version_id = version_id
    if row.current_version_id is None:
        return capture, None
    flapping = _record_change(
        conn,
        row,
        capture,
        version_id,
        result,
        reverted_to=number if known is not None else None,
    )
    return capture, flapping


def _article_values(article: Article) -> dict[str, Any]:
    return {
        "b_headline": article.headline,
        "b_byline": article.byline,
        "b_published": article.published_at,
        "b_updated": article.updated_at,
        "b_description": article.description,
        "b_language": article.language,
        "b_canonical": article.canonical_url,
        "b_text": PARAGRAPH_SEPARATOR.join(
            p.replace(PARAGRAPH_SEPARATOR, "\n") for p in article.paragraphs
        ),
    }


def _version_values(
    tracked_url_id: int, article: Article, content_hash: str, capture: Recorded, extractor: str
) -> dict[str, Any]:
    return {
        "b_url": tracked_url_id,
        **_article_values(article),
        "b_hash": content_hash,
        "b_extractor": extractor,
        "b_capture": capture.id,
        "b_seen": capture.fetched_at,
    }


def _record_change(
    conn: Connection,
    row: AnyRow,
    capture: Recorded,
    version_id: int,
    result: Extracted,
    *,
    reverted_to: int | None,
) -> bool:
    """Insert the change from the current version to ``version_id``; returns flapping."""
    current_id = int(row.current_version_id)
    record = result.change
    if record is None or result.based_on_version_id != current_id:
        current = conn.execute(_VERSION_ARTICLE, {"b_id": current_id}).one()
        record = compare(version_article(current), result.article)
    flapping = is_flapping(recent_versions(conn, row.id, current_id, version_id), FLAPPING_WINDOW)
    values = {
        "tracked_url_id": row.id,
        "from_version_id": current_id,
        "to_version_id": version_id,
        "capture_id": capture.id,
        "detected_at": capture.fetched_at,
        **change_values(record, reverted_to=reverted_to, flapping=flapping),
    }
    inserted = cast(CursorResult[Any], conn.execute(_INSERT_CHANGE, values))
    change_id = int(inserted.inserted_primary_key[0])  # type: ignore[index]
    kinds = [
        {"change_id": change_id, "kind": kind, "count": n}
        for kind, n in sorted(record.kinds().items())
    ]
    if kinds:
        conn.execute(_INSERT_KIND, kinds)
    return flapping


def _expire(session: Session, model: type[Any], ident: int) -> None:
    """Expire a loaded object whose row was just updated under the session's feet."""
    loaded = session.identity_map.get(session.identity_key(model, ident))
    if loaded is not None:
        session.expire(loaded)


# -- the statements, built once: building and cache-keying one per capture costs more than
# executing it ---------------------------------------------------------------------------------

_T = cast(Table, TrackedURL.__table__)
_V = cast(Table, Version.__table__)
_C = cast(Table, Capture.__table__)
_CH = cast(Table, Change.__table__)
_K = cast(Table, ChangeKind.__table__)

_TRACKED = (
    select(
        _T.c.id,
        _T.c.url,
        _T.c.amp_url,
        _T.c.added_at,
        _T.c.tags,
        _T.c.check_interval_s,
        _T.c.consecutive_errors,
        _T.c.last_changed_at,
        _T.c.etag,
        _T.c.last_modified,
        _T.c.last_payload_digest,
        _T.c.current_version_id,
        _T.c.taken_down,
        _T.c.flapping,
        _V.c.content_hash,
        _V.c.extractor_version,
    )
    .select_from(_T.outerjoin(_V, _V.c.id == _T.c.current_version_id))
    .where(_T.c.id == bindparam("b_id"))
)
_INSERT_CAPTURE = insert(_C)
_SEEN = (
    update(_V)
    .where(_V.c.id == bindparam("b_id"))
    .values(last_seen_at=bindparam("b_seen"), last_capture_id=bindparam("b_capture"))
)
_VERSION_BY_HASH = select(_V.c.id, _V.c.number).where(
    _V.c.tracked_url_id == bindparam("b_url"), _V.c.content_hash == bindparam("b_hash")
)
_ARTICLE_FIELDS = (
    _V.c.headline,
    _V.c.text,
    _V.c.byline,
    _V.c.published_at,
    _V.c.updated_at,
    _V.c.description,
    _V.c.language,
    _V.c.canonical_url,
)
_VERSION_ARTICLE = select(*_ARTICLE_FIELDS).where(_V.c.id == bindparam("b_id"))
# The tracked URL's current version: what the crawl compares a new article with.
CURRENT_VERSION = (
    select(_V.c.id, _V.c.content_hash, _V.c.extractor_version, *_ARTICLE_FIELDS)
    .select_from(_T.join(_V, _V.c.id == _T.c.current_version_id))
    .where(_T.c.id == bindparam("b_id"))
)
# The version's number is computed in the statement: one more than the URL's highest.
_NEXT_NUMBER = (
    select(func.coalesce(func.max(_V.c.number), 0) + 1)
    .where(_V.c.tracked_url_id == bindparam("b_url"))
    .scalar_subquery()
)
# What a version stores of its article (and the extractor that read it): inserted with a new
# version, replaced when a version is re-keyed to a newer extractor's reading.
_ARTICLE_COLUMNS: Final[dict[str, Any]] = {
    "headline": bindparam("b_headline"),
    "byline": bindparam("b_byline"),
    "published_at": bindparam("b_published"),
    "updated_at": bindparam("b_updated"),
    "description": bindparam("b_description"),
    "language": bindparam("b_language"),
    "canonical_url": bindparam("b_canonical"),
    "text": bindparam("b_text"),
    "content_hash": bindparam("b_hash"),
    "extractor_version": bindparam("b_extractor"),
}
_INSERT_VERSION = insert(_V).values(
    tracked_url_id=bindparam("b_url"),
    number=_NEXT_NUMBER,
    **_ARTICLE_COLUMNS,
    first_capture_id=bindparam("b_capture"),
    last_capture_id=bindparam("b_capture"),
    first_seen_at=bindparam("b_seen"),
    last_seen_at=bindparam("b_seen"),
)
_REKEY = update(_V).where(_V.c.id == bindparam("b_id")).values(**_ARTICLE_COLUMNS)
_CAPTURE_VERSION = (
    update(_C).where(_C.c.id == bindparam("b_id")).values(version_id=bindparam("b_version"))
)
_RECENT_CHANGES = (
    select(_CH.c.from_version_id, _CH.c.to_version_id)
    .where(_CH.c.tracked_url_id == bindparam("b_url"))
    .order_by(_CH.c.id.desc())
    .limit(FLAPPING_WINDOW - 1)
)
_INSERT_CHANGE = insert(_CH)
_INSERT_KIND = insert(_K)
_BOOKKEEPING: Mapping[str, Any] = {
    "last_checked_at": bindparam("b_checked"),
    "consecutive_errors": bindparam("b_errors"),
    "etag": bindparam("b_etag"),
    "last_modified": bindparam("b_last_modified"),
    "last_payload_digest": bindparam("b_digest"),
    "current_version_id": bindparam("b_current"),
    "last_changed_at": bindparam("b_changed"),
    "amp_url": bindparam("b_amp"),
    "flapping": bindparam("b_flapping"),
}
_BOOKKEEP = update(_T).where(_T.c.id == bindparam("b_id")).values(**_BOOKKEEPING)
_BOOKKEEP_AND_SCHEDULE = _BOOKKEEP.values(next_check_at=bindparam("b_next"))
