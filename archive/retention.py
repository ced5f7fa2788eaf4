"""Which captures keep their raw exchange in WARC (the ``warc_retention`` setting).

With ``all`` every capture's exchange is written: a response record, or a revisit record when
the payload is byte-identical to the last good capture's.  With ``versions`` (the default) the
exchange of a capture that comes to *unchanged* is not written: its row keeps the payload
digest, and the version it confirms keeps the record of the capture that made it.  So the
archive grows with edits, not with fetches.  Everything else keeps its exchange: a capture
that makes a version (a version's first capture always has its record, which re-reading a
version and revisit records rely on), one that makes an event (a restore after a takedown, a
canonical link naming another article), and errors.

The crawl decides before the capture is recorded (the WARC record must exist before the
capture that names it commits), from what the archive holds at that moment:
:func:`keeps_exchange`, which in doubt keeps it.  ``redline storage apply`` reads the same
rule after the fact, from what each capture came to: :func:`stored_exchanges`.  Only another
capture of the same URL committed between that check and this capture's commit could leave a
version without its own record (a due URL is claimed by one worker; a manual ``redline crawl
--url`` run next to them could); a version's payload then cannot be re-read, as when its WARC
file is deleted.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session, aliased

from archive.decision import canonical_elsewhere
from archive.enums import CaptureOutcome, EventKind
from archive.models import Capture, Change, Event, TrackedURL, Version

ALL: Final = "all"
VERSIONS: Final = "versions"
MODES: Final = (ALL, VERSIONS)

_STATE: Final = (
    select(TrackedURL.url, TrackedURL.taken_down, Version.content_hash)
    .join(Version, Version.id == TrackedURL.current_version_id)
    .where(TrackedURL.id == bindparam("url_id"))
)


def keeps_exchange(
    session: Session | Connection,
    retention: str,
    tracked_url_id: int,
    content_hash: str | None,
    canonical_url: str | None = None,
) -> bool:
    """Whether a capture judged unchanged by the crawl must still keep its exchange.

    ``content_hash`` is the extracted article's (None for a payload byte-identical to the last
    good capture's, which confirms the current version whatever its hash); ``canonical_url``
    the article's canonical link.  True under ``all``, and under ``versions`` whenever the
    capture may make a version or an event: no current version, another current article, a
    URL taken down (its return is an event), a canonical link naming another article.
    """
    if retention != VERSIONS:
        return True
    row = session.execute(_STATE, {"url_id": tracked_url_id}).first()
    if row is None or row.taken_down:
        return True
    if content_hash is not None and row.content_hash != content_hash:
        return True
    return canonical_elsewhere(row.url, canonical_url) is not None  # the write path's rule


@dataclass(frozen=True, slots=True)
class StoredExchange:
    """A capture that names a WARC record, and whether the retention requires that record."""

    capture_id: int
    warc_file: str
    warc_offset: int
    required: bool
    tracked_url_id: int = 0
    payload_digest: str | None = None


def stored_exchanges(session: Session, retention: str) -> Iterator[StoredExchange]:
    """Every capture naming a WARC record, with whether ``retention`` requires it, after the fact.

    The rule of :func:`keeps_exchange`, read from what each capture came to instead of what
    it might come to: under ``versions`` an ``unchanged`` capture's record is not required
    unless the capture made something, namely a version (its first capture), a change (a
    return to an earlier version), an event (a restore; a merge, whose ``merged`` event names
    no capture but is dated with the capture recorded for the article merged into).  Every
    other outcome keeps its record: new versions and errors (a 304 answer stores none).
    Under ``all`` every record is required.

    A revisit record that is kept needs the response record holding its payload; that record
    is found in the WARC files, not here (``archive.storage`` keeps it).
    """
    stored = (
        select(Capture.id, Capture.warc_file, Capture.warc_offset, Capture.outcome)
        .add_columns(Capture.tracked_url_id, Capture.fetched_at, Capture.payload_digest)
        .where(Capture.warc_file.is_not(None), Capture.warc_offset.is_not(None))
        .order_by(Capture.id)
    )
    if retention != VERSIONS:
        for row in session.execute(stored):
            yield StoredExchange(row[0], row[1], row[2], True, row[4], row[6])
        return
    made, merged = _made(session)
    for capture_id, warc_file, warc_offset, outcome, url_id, at, digest in session.execute(stored):
        required = (
            outcome != CaptureOutcome.UNCHANGED or capture_id in made or (url_id, at) in merged
        )
        yield StoredExchange(capture_id, warc_file, warc_offset, required, url_id, digest)


def _made(session: Session) -> tuple[set[int], set[tuple[int | None, datetime]]]:
    """The captures that made a version, a change or an event, and the (URL id, time) of the
    captures recorded for a merge (its ``merged`` event names no capture)."""
    made: set[int] = set()
    for column in (Version.first_capture_id, Change.capture_id, Event.capture_id):
        made.update(i for i in session.scalars(select(column).where(column.is_not(None))) if i)
    alias = aliased(TrackedURL)
    merged = {
        (target, at)
        for target, at in session.execute(
            select(alias.alias_of_id, Event.at)
            .join(alias, alias.id == Event.tracked_url_id)
            .where(Event.kind == str(EventKind.MERGED), alias.alias_of_id.is_not(None))
        )
    }
    return made, merged


@dataclass(frozen=True, slots=True)
class Fetch:
    """One capture of a tracked URL seen as a fetch: when it ended, where, and whether the
    retention requires its exchange, and so the redirects and retried attempts before it."""

    capture_id: int
    fetched_at: datetime  # timezone-aware (UTC)
    final_url: str  # the URL whose answer the capture recorded
    required: bool
    warc_file: str | None
    warc_offset: int | None


# IN lists of at most this many URLs (SQLite's limit on bound parameters is far above it)
_CHUNK: Final = 500


def fetches(session: Session, retention: str, urls: Collection[str]) -> dict[str, list[Fetch]]:
    """Every capture of the tracked URLs named in ``urls`` (by their URL), oldest first, each
    with whether ``retention`` requires its exchange.

    The rule of :func:`stored_exchanges`, for the captures without a record too: the crawl
    writes a fetch's redirect and retried-attempt records with the capture's own record
    (before it, in the same file), so under ``versions`` an unchanged capture, or a 304
    answer, that made nothing writes none.  Archives written before then, or under ``all``,
    hold them; ``redline storage apply`` drops them by this rule (:mod:`archive.storage`).
    """
    made, merged = _made(session) if retention == VERSIONS else (set(), set())
    found: dict[str, list[Fetch]] = {}
    wanted = sorted(set(urls))
    for start in range(0, len(wanted), _CHUNK):
        rows = session.execute(
            select(
                TrackedURL.url,
                Capture.id,
                Capture.tracked_url_id,
                Capture.fetched_at,
                Capture.final_url,
                Capture.outcome,
                Capture.warc_file,
                Capture.warc_offset,
            )
            .join(TrackedURL, TrackedURL.id == Capture.tracked_url_id)
            .where(TrackedURL.url.in_(wanted[start : start + _CHUNK]))
            .order_by(Capture.fetched_at, Capture.id)
        )
        for url, capture_id, url_id, at, final_url, outcome, warc_file, warc_offset in rows:
            required = (
                retention != VERSIONS
                or outcome not in (CaptureOutcome.UNCHANGED, CaptureOutcome.NOT_MODIFIED)
                or capture_id in made
                or (url_id, at) in merged
            )
            found.setdefault(url, []).append(
                Fetch(
                    capture_id,
                    at if at.tzinfo is not None else at.replace(tzinfo=UTC),
                    final_url or url,
                    required,
                    warc_file,
                    warc_offset,
                )
            )
    return found
