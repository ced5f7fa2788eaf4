"""Which captures keep their raw exchange in WARC (the ``warc_retention`` setting).

With ``all`` every capture's exchange is written: a response record, or a revisit record when
the payload is byte-identical to the last good capture's.  With ``versions`` (the default) the
exchange of a capture that comes to *unchanged* is not written: its row keeps the payload
digest, and the version it confirms keeps the record of the capture that made it.  So the
archive grows with edits, not with fetches.  Everything else keeps its exchange: a capture
that makes a version (a version's first capture always has its record, which re-reading a
version and revisit records rely on), one that makes an event (a restore after a takedown, a
canonical link naming another article), and errors.  A 304 answer has no record of its own
under either setting; the records of the redirects and retried attempts before any answer go
with the capture's exchange.  :func:`exchange_required` is that rule, from what a capture
came to; the three places that apply it ask it.

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

from collections.abc import Callable, Collection, Iterator
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

# the outcomes of a capture that confirms the current version: its exchange is required only if
# the capture made something besides (a version, a change, an event)
_CONFIRMING: Final = frozenset({CaptureOutcome.UNCHANGED, CaptureOutcome.NOT_MODIFIED})


def exchange_required(retention: str, outcome: str, made: bool) -> bool:
    """Whether ``retention`` requires a capture's exchange (its response or revisit record, and
    the records of the redirects and retried attempts before it).

    ``outcome`` is what the capture came to (a :class:`CaptureOutcome` value), ``made``
    whether it made a version, a change or an event (a restore, a merge).  Under ``all``
    always; under ``versions`` unless the capture only confirmed the current version
    (``unchanged``, or a 304 answer) and made nothing.
    """
    return retention != VERSIONS or outcome not in _CONFIRMING or made


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
    outcome: str = CaptureOutcome.UNCHANGED,
) -> bool:
    """Whether a capture the crawl judges ``outcome`` (unchanged, or a 304 answer) must still
    keep its exchange: :func:`exchange_required`, with ``made`` foreseen from the URL's state.

    ``content_hash`` is the extracted article's (None for a payload byte-identical to the last
    good capture's, or a 304, which confirm the current version whatever its hash);
    ``canonical_url`` the article's canonical link.  The capture may make a version or an
    event when the URL has no current version or another current article, is taken down (its
    return is an event), or the canonical link names another article.
    """
    if exchange_required(retention, outcome, made=False):
        return True  # whatever the capture makes: nothing to read
    row = session.execute(_STATE, {"url_id": tracked_url_id}).first()
    made = (
        row is None
        or row.taken_down
        or (content_hash is not None and row.content_hash != content_hash)
        or canonical_elsewhere(row.url, canonical_url) is not None  # the write path's rule
    )
    return exchange_required(retention, outcome, made)


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

    :func:`exchange_required`, read from what each capture came to instead of what it might
    come to: a capture made something when it is a version's first capture, a change's (a
    return to an earlier version) or an event's (a restore; a merge, whose ``merged`` event
    names no capture but is dated with the capture recorded for the article merged into).

    A revisit record that is kept needs the response record holding its payload; that record
    is found in the WARC files, not here (``archive.storage`` keeps it).
    """
    stored = (
        select(Capture.id, Capture.warc_file, Capture.warc_offset, Capture.outcome)
        .add_columns(Capture.tracked_url_id, Capture.fetched_at, Capture.payload_digest)
        .where(Capture.warc_file.is_not(None), Capture.warc_offset.is_not(None))
        .order_by(Capture.id)
    )
    made = _made(session, retention)
    for capture_id, warc_file, warc_offset, outcome, url_id, at, digest in session.execute(stored):
        required = exchange_required(retention, outcome, made(capture_id, url_id, at))
        yield StoredExchange(capture_id, warc_file, warc_offset, required, url_id, digest)


def _made(session: Session, retention: str) -> Callable[[int, int, datetime], bool]:
    """Whether a capture (by its id, URL id and time) made a version, a change or an event.

    Read only when ``retention`` may ask (under ``all`` every exchange is required): the
    captures named by a version, a change or an event, and the (URL id, time) of the
    captures recorded for a merge (its ``merged`` event names no capture)."""
    if exchange_required(retention, CaptureOutcome.UNCHANGED, made=False):
        return lambda capture_id, url_id, at: True
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
    return lambda capture_id, url_id, at: capture_id in made or (url_id, at) in merged


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

    :func:`exchange_required`, for the captures without a record too: the crawl writes a
    fetch's redirect and retried-attempt records with the capture's own record (before it, in
    the same file), so under ``versions`` an unchanged capture, or a 304 answer, that made
    nothing writes none.  Archives written before then, or under ``all``, hold them;
    ``redline storage apply`` drops them by this rule (:mod:`archive.storage`).
    """
    made = _made(session, retention)
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
            required = exchange_required(retention, outcome, made(capture_id, url_id, at))
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
