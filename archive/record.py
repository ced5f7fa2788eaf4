"""The executor of the capture write path: reads, then writes a :class:`~archive.decision.Plan`.

:func:`record_capture` records one fetch, all or nothing, inside the caller's transaction (the
caller commits: ``Database.session``, or the crawl's group commit in :mod:`crawler.recorder`):

1. read the tracked URL's row with its current version (one SELECT);
2. a page whose canonical link names another tracked article may merge into it
   (:func:`archive.decision.merge_into`): the alias is updated, a ``merged`` event recorded,
   and the capture goes on with the article's row;
3. read what the decision needs besides the row (:func:`archive.decision.needs`): nothing for
   most captures;
4. decide (:func:`archive.decision.decide`, pure: every rule is there, the refetch policy too);
5. write the plan: the capture, a new version or the version confirmed, a re-keying, the
   change with its kinds, events, and the tracked URL's bookkeeping.

Every statement is built once, at import time, and executed on the session's connection: no
ORM object is loaded or flushed (building, cache-keying and flushing ORM statements used to
cost more than SQLite itself).  A confirming capture is one SELECT, one INSERT and two UPDATEs.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import fields
from typing import Any, Final, cast

from sqlalchemy import Connection, Table, Text, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from archive import decision
from archive.capture import CaptureResult, Extracted, FetchFacts, Recorded
from archive.decision import Lookups, Plan, URLRow, version_article
from archive.enums import CaptureOutcome, EventKind
from archive.errors import UnknownURLError
from archive.extract.article import Article
from archive.models import (
    Capture,
    Change,
    ChangeKind,
    Event,
    FastPathEvidence,
    TrackedURL,
    Version,
)
from archive.policy import DEFAULT_POLICY, Policy

logger = logging.getLogger(__name__)

__all__ = ["CURRENT_VERSION", "record_capture", "version_article"]


def record_capture(
    session: Session,
    facts: FetchFacts,
    result: CaptureResult,
    *,
    policy: Policy | None = DEFAULT_POLICY,
    rng: random.Random | None = None,
) -> Recorded:
    """Record one fetch and what it came to; returns what was written (not yet committed).

    ``policy`` schedules the URL's next check (build it with ``Policy.from_config``); None
    leaves the next check as it is (for the error capture the crawl records when recording a
    capture failed, since the policy may be what failed).

    Raises:
        UnknownURLError: no tracked URL has the id.
    """
    session.flush()  # what the caller changed through the ORM is read below
    conn = session.connection()
    row = _read_row(conn, facts.tracked_url_id)
    touched = [row.id]
    links = decision.links(row, result)
    if links.canonical is not None:
        other = conn.execute(_NAMED, {"b_url": links.canonical, "b_id": row.id}).first()
        if other is not None and decision.merge_into(row, links.canonical, other.id, other.url):
            _merge(conn, row, links, other, facts)
            row = _read_row(conn, other.id)  # with the alias's tags added
            touched.append(row.id)
            links = decision.Links(row.amp_url, None)
    plan = decision.decide(
        row,
        facts,
        result,
        _lookups(conn, row, decision.needs(row, result)),
        amp_url=links.amp_url,
        canonical_url=links.canonical,
        policy=policy,
        rng=rng,
    )
    recorded = _write(conn, plan, facts)
    if isinstance(result, Extracted) and result.fingerprint and recorded.version_id is not None:
        # kept for the version only if it is this article (by hash): the fast path's evidence
        conn.execute(
            _FINGERPRINT[conn.dialect.name],
            {
                "b_id": recorded.version_id,
                "b_hash": result.content_hash,
                "b_fingerprint": result.fingerprint,
            },
        )
    if isinstance(result, Extracted) and result.template and recorded.version_id is not None:
        conn.execute(  # as the fingerprint: only for the version that is this very article
            _TEMPLATE[conn.dialect.name],
            {
                "b_id": recorded.version_id,
                "b_hash": result.content_hash,
                "b_template": result.template,
            },
        )
    if session.identity_map:  # the crawl's group commit keeps none loaded
        for url_id in touched:
            _expire(session, TrackedURL, url_id)
        for version_id in (row.current_version_id, recorded.version_id):
            if version_id is not None:
                _expire(session, Version, version_id)
    return recorded


# -- reads -------------------------------------------------------------------------------------

_ROW_FIELDS: Final = tuple(f.name for f in fields(URLRow))


def _read_row(conn: Connection, tracked_url_id: int) -> URLRow:
    found = conn.execute(_TRACKED, {"b_id": tracked_url_id}).first()
    if found is None:
        raise UnknownURLError(f"no tracked URL with id {tracked_url_id}")
    return URLRow(*found)  # type: ignore[call-arg]  # the columns in the fields' order


def _lookups(conn: Connection, row: URLRow, needs: decision.Needs) -> Lookups:
    if needs is decision.NOTHING:
        return decision.NO_LOOKUPS
    clash_id: int | None = None
    known: tuple[int, int] | None = None
    article: Article | None = None
    if needs.clash_hash is not None:
        clash = conn.execute(_VERSION_BY_HASH, {"b_url": row.id, "b_hash": needs.clash_hash})
        first = clash.first()
        clash_id = int(first[0]) if first is not None else None
    if needs.version_hash is not None:
        by_hash = conn.execute(_VERSION_BY_HASH, {"b_url": row.id, "b_hash": needs.version_hash})
        first = by_hash.first()
        known = (int(first[0]), int(first[1])) if first is not None else None
    if needs.current_article:
        current = conn.execute(_VERSION_ARTICLE, {"b_id": row.current_version_id}).one()
        article = version_article(current)
    recent: list[tuple[int, int]] = []
    if needs.recent_changes:
        recent = [(int(a), int(b)) for a, b in conn.execute(_RECENT_CHANGES, {"b_url": row.id})]
    return Lookups(clash_id, known, article, recent)


# -- writes ------------------------------------------------------------------------------------


def _merge(
    conn: Connection, row: URLRow, links: decision.Links, other: Any, facts: FetchFacts
) -> None:
    """Make ``row`` an alias of ``other`` (the article its canonical link names)."""
    conn.execute(
        _ALIAS,
        {
            "b_id": row.id,
            "b_other": other.id,
            "b_canonical": links.canonical,
            "b_amp": links.amp_url,
        },
    )
    conn.execute(_TAGS, {"b_id": other.id, "b_tags": decision.merged_tags(row.tags, other.tags)})
    _event(conn, row.id, EventKind.MERGED, decision.merged_detail(other.url), facts, None)


def _write(conn: Connection, plan: Plan, facts: FetchFacts) -> Recorded:
    verdict, url_id = plan.verdict, plan.tracked_url_id
    if verdict.rekey is not None:
        _rekey(conn, url_id, verdict.rekey)
    elif verdict.rekey_refused is not None:
        logger.warning(
            "not re-keying version %d of tracked URL %d: another version already has its new hash",
            verdict.rekey_refused,
            url_id,
        )
    capture = _insert_capture(conn, url_id, verdict, facts)
    version_id = verdict.version_id
    if verdict.new_version is not None:
        version_id = _insert_version(conn, url_id, verdict.new_version, capture)
        conn.execute(_CAPTURE_VERSION, {"b_id": capture.id, "b_version": version_id})
        capture.version_id = version_id
    elif version_id is not None:
        conn.execute(
            _SEEN, {"b_id": version_id, "b_seen": capture.fetched_at, "b_capture": capture.id}
        )
    if verdict.change is not None:
        assert version_id is not None
        _insert_change(conn, url_id, verdict.change, capture, version_id)
    for kind, detail in plan.events:
        _event(conn, url_id, kind, detail, facts, capture.id)
    kept = plan.bookkeeping
    values: dict[str, Any] = {
        "b_id": url_id,
        "b_checked": facts.fetched_at,
        "b_errors": kept.consecutive_errors,
        "b_etag": kept.etag,
        "b_last_modified": kept.last_modified,
        "b_digest": kept.last_payload_digest,
        "b_changed": kept.last_changed_at,
        "b_amp": kept.amp_url,
        "b_canonical": kept.canonical_url,
        "b_down": kept.taken_down,
        "b_flapping": kept.flapping,
    }
    statement = _BOOKKEEP
    if verdict.outcome == CaptureOutcome.NEW_VERSION:
        values["b_current"] = version_id
        statement = _BOOKKEEP_AND_CURRENT
    if kept.schedule:
        values["b_next"] = kept.next_check_at
        statement = _SCHEDULE[statement]
    conn.execute(statement, values)
    return capture


def _insert_capture(
    conn: Connection, tracked_url_id: int, verdict: decision.Verdict, facts: FetchFacts
) -> Recorded:
    values: dict[str, Any] = {
        "tracked_url_id": tracked_url_id,
        "fetched_at": facts.fetched_at,
        "http_status": facts.http_status,
        "final_url": facts.final_url,
        "etag": facts.etag,
        "last_modified": facts.last_modified,
        "payload_digest": facts.payload_digest,
        "warc_file": facts.warc_file,
        "warc_offset": facts.warc_offset,
        "outcome": str(verdict.outcome),
        "reason": str(verdict.reason) if verdict.reason is not None else None,
        "detail": verdict.detail,
        "version_id": verdict.version_id,
    }
    inserted = cast(CursorResult[Any], conn.execute(_INSERT_CAPTURE, values))
    capture_id = int(inserted.inserted_primary_key[0])  # type: ignore[index]
    return Recorded(
        capture_id, facts.fetched_at, verdict.outcome, verdict.reason, verdict.version_id
    )


def _article_values(article: Article) -> dict[str, Any]:
    return {
        "b_headline": article.headline,
        "b_byline": article.byline,
        "b_published": article.published_at,
        "b_updated": article.updated_at,
        "b_description": article.description,
        "b_language": article.language,
        "b_canonical": article.canonical_url,
        "b_text": decision.version_text(article),
    }


def _insert_version(
    conn: Connection, tracked_url_id: int, new: decision.NewVersion, capture: Recorded
) -> int:
    values = {
        "b_url": tracked_url_id,
        **_article_values(new.article),
        "b_hash": new.content_hash,
        "b_extractor": new.extractor,
        "b_capture": capture.id,
        "b_seen": capture.fetched_at,
    }
    inserted = cast(CursorResult[Any], conn.execute(_INSERT_VERSION, values))
    return int(inserted.inserted_primary_key[0])  # type: ignore[index]


def _rekey(conn: Connection, tracked_url_id: int, rekey: decision.Rekey) -> None:
    """Store a re-reading of the version's payload as the version (fields, hash, extractor)."""
    values = {
        "b_id": rekey.version_id,
        "b_hash": rekey.article.content_hash,
        "b_extractor": rekey.extractor,
    }
    article = _article_values(rekey.article)
    conn.execute(_REKEY, {**values, **article})
    conn.execute(
        _REKEY_HEADLINE,
        {"b_url": tracked_url_id, "b_id": rekey.version_id, "b_headline": article["b_headline"]},
    )
    logger.info(
        "version %d of tracked URL %d re-read and re-keyed to extractor %s",
        rekey.version_id,
        tracked_url_id,
        rekey.extractor,
    )


def _insert_change(
    conn: Connection,
    tracked_url_id: int,
    change: decision.NewChange,
    capture: Recorded,
    version_id: int,
) -> None:
    values = {
        "tracked_url_id": tracked_url_id,
        "from_version_id": change.from_version_id,
        "to_version_id": version_id,
        "capture_id": capture.id,
        "detected_at": capture.fetched_at,
        **decision.change_values(change),
    }
    inserted = cast(CursorResult[Any], conn.execute(_INSERT_CHANGE, values))
    change_id = int(inserted.inserted_primary_key[0])  # type: ignore[index]
    kinds = [
        {"change_id": change_id, "kind": kind, "count": n}
        for kind, n in sorted(change.record.kinds().items())
    ]
    if kinds:
        conn.execute(_INSERT_KIND, kinds)


def _event(
    conn: Connection,
    tracked_url_id: int,
    kind: EventKind,
    detail: str,
    facts: FetchFacts,
    capture_id: int | None,
) -> None:
    conn.execute(
        _INSERT_EVENT,
        {
            "tracked_url_id": tracked_url_id,
            "kind": str(kind),
            "at": facts.fetched_at,
            "capture_id": capture_id,
            "detail": detail,
        },
    )


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
_E = cast(Table, Event.__table__)
_F = cast(Table, FastPathEvidence.__table__)

# The columns of a URLRow, in its order.
_TRACKED = (
    select(
        *(_T.c[name] for name in _ROW_FIELDS[:-2]),
        _V.c.content_hash,
        _V.c.extractor_version,
    )
    .select_from(_T.outerjoin(_V, _V.c.id == _T.c.current_version_id))
    .where(_T.c.id == bindparam("b_id"))
)
# The tracked article a canonical link names: by its URL or its own canonical link, not an
# alias, the first tracked.
_NAMED = (
    select(_T.c.id, _T.c.url, _T.c.tags)
    .where(
        (_T.c.url == bindparam("b_url")) | (_T.c.canonical_url == bindparam("b_url")),
        _T.c.id != bindparam("b_id"),
        _T.c.alias_of_id.is_(None),
    )
    .order_by(_T.c.id)
    .limit(1)
)
_ALIAS = (
    update(_T)
    .where(_T.c.id == bindparam("b_id"))
    .values(
        alias_of_id=bindparam("b_other"),
        active=False,
        canonical_url=bindparam("b_canonical"),
        amp_url=bindparam("b_amp"),
    )
)
_TAGS = update(_T).where(_T.c.id == bindparam("b_id")).values(tags=bindparam("b_tags"))
_INSERT_CAPTURE = insert(_C)
_INSERT_EVENT = insert(_E)
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


def _fast_path_evidence(column: str, name: str) -> dict[str, Any]:
    """The statement that keeps a fast-path value (``column`` of ``fast_path_evidence``, bound
    as ``name``) for version ``b_id``, only when the version is the article of hash ``b_hash``
    and the value is new: an insert of the version's row, or an update of the row it has (one
    statement, by dialect: SQLite's and PostgreSQL's ``ON CONFLICT``)."""
    statements: dict[str, Any] = {}
    for dialect, insert_of in (("sqlite", sqlite_insert), ("postgresql", postgresql_insert)):
        value = bindparam(name, type_=Text())
        guarded = select(_V.c.id, value).where(
            _V.c.id == bindparam("b_id"), _V.c.content_hash == bindparam("b_hash")
        )
        statement = insert_of(_F).from_select(["version_id", column], guarded)
        new = statement.excluded[column]
        statements[dialect] = statement.on_conflict_do_update(
            index_elements=[_F.c.version_id],
            set_={column: new},
            where=or_(_F.c[column].is_(None), _F.c[column] != new),
        )
    return statements


_FINGERPRINT = _fast_path_evidence("fingerprint", "b_fingerprint")
_TEMPLATE = _fast_path_evidence("template", "b_template")
_REKEY = update(_V).where(_V.c.id == bindparam("b_id")).values(**_ARTICLE_COLUMNS)
# A re-keyed version that is its URL's current one: its headline, copied to the URL again.
_REKEY_HEADLINE = (
    update(_T)
    .where(_T.c.id == bindparam("b_url"), _T.c.current_version_id == bindparam("b_id"))
    .values(current_headline=bindparam("b_headline"))
)
_CAPTURE_VERSION = (
    update(_C).where(_C.c.id == bindparam("b_id")).values(version_id=bindparam("b_version"))
)
_RECENT_CHANGES = (
    select(_CH.c.from_version_id, _CH.c.to_version_id)
    .where(_CH.c.tracked_url_id == bindparam("b_url"))
    .order_by(_CH.c.id.desc())
    .limit(decision.FLAPPING_WINDOW - 1)
)
_INSERT_CHANGE = insert(_CH)
_INSERT_KIND = insert(_K)
_BOOKKEEPING: Mapping[str, Any] = {
    "last_checked_at": bindparam("b_checked"),
    "consecutive_errors": bindparam("b_errors"),
    "etag": bindparam("b_etag"),
    "last_modified": bindparam("b_last_modified"),
    "last_payload_digest": bindparam("b_digest"),
    "last_changed_at": bindparam("b_changed"),
    "amp_url": bindparam("b_amp"),
    "canonical_url": bindparam("b_canonical"),
    "taken_down": bindparam("b_down"),
    "flapping": bindparam("b_flapping"),
}
_BOOKKEEP = update(_T).where(_T.c.id == bindparam("b_id")).values(**_BOOKKEEPING)
# A new current version: its headline is copied to the tracked URL, which the viewer searches.
_BOOKKEEP_AND_CURRENT = _BOOKKEEP.values(
    current_version_id=bindparam("b_current"),
    current_headline=select(_V.c.headline)
    .where(_V.c.id == bindparam("b_current"))
    .scalar_subquery(),
)
_SCHEDULE = {
    statement: statement.values(next_check_at=bindparam("b_next"))
    for statement in (_BOOKKEEP, _BOOKKEEP_AND_CURRENT)
}
