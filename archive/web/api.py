"""The JSON API under ``/api/``: the pages' content for programs, typed by OpenAPI.

It mirrors the pages: the article list (search and filters), one article, its versions, one
version, its captures, recorded changes (the filters of ``redline changes`` and the home
page's), and the diff between any two versions in exactly the shape ``redline diff --json``
prints (:mod:`archive.version_diff`).  Lists are cursor-paginated (:mod:`archive.web.cursors`)
with a ``Link: <...>; rel="next"`` header and the same address in the body's ``next``.

Version and diff answers carry an ``ETag`` (a digest of the body) and ``Cache-Control``; a
request whose ``If-None-Match`` names the current tag gets ``304 Not Modified``.  A version's
text never changes once written, but its ``last_seen_at`` moves while it is current and a new
extractor may re-key it (docs/design.md), so the tag follows the body and the lifetime is short.

The schema is ``/openapi.json``; :mod:`archive.web.api_docs` renders it as a page.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from archive import queries
from archive.browse import ArticleQuery, ArticleSort, ArticleState, state_of
from archive.durations import parse_instant
from archive.enums import ChangeLabel, EditKind
from archive.errors import ConfigError, InvalidURLError, RedlineError
from archive.models import Capture, Change, Event, TrackedURL, Version
from archive.store import find_tracked
from archive.version_diff import diff_versions
from archive.web import api_models as out
from archive.web import cursors, listings
from archive.web.deps import SessionDep
from archive.web.timetravel import memento_times

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": out.Error, "description": "Malformed parameter or cursor."},
    404: {"model": out.Error, "description": "No such article, version or URL."},
}
router = APIRouter(prefix="/api", tags=["api"], responses=ERRORS)

MAX_ID = 2**31 - 1
CACHE_CONTROL = "public, max-age=300"

ArticleId = Annotated[int, Path(ge=1, le=MAX_ID, description="The article's id.")]
Number = Annotated[int, Path(ge=1, le=MAX_ID, description="A version number (from 1).")]
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]
CursorParam = Annotated[
    str | None,
    Query(max_length=cursors.MAX_CURSOR_CHARS, description="From a previous page's `next`."),
]
Text = Annotated[str | None, Query(max_length=255)]


def _clean(**values: str | None) -> None:
    """Refuse text no database can compare (NUL) with a 400."""
    for name, value in values.items():
        if value is not None and "\x00" in value:
            raise HTTPException(400, f"{name}: NUL characters are not allowed")


def _after(cursor: str | None, size: int) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        return cursors.decode(cursor, size)
    except cursors.BadCursor as exc:
        raise HTTPException(400, str(exc)) from None


def _next(request: Request, key: list[Any] | None) -> str | None:
    return cursors.next_url(request, cursors.encode(key) if key is not None else None)


def _json(model: out.Model, headers: dict[str, str] | None = None) -> Response:
    """``model`` as JSON, serialized once: the route returns it as is, where FastAPI would
    validate the model again against the route's ``response_model`` (which stays its schema)
    and hand that to a thread of its own."""
    return Response(model.model_dump_json(), media_type="application/json", headers=headers)


def _page(model: out.Model, url: str | None) -> Response:
    """A page of a list with its ``Link: <...>; rel="next"`` header (none on the last page)."""
    return _json(model, cursors.link_header(url))


def _ascending_page(
    session: Session, statement: Select[*tuple[Any, ...]], key: Any, cursor: str | None, limit: int
) -> tuple[Sequence[Row[*tuple[Any, ...]]], list[Any] | None]:
    """A page of ``statement``'s rows in ascending order of ``key`` (a unique integer column),
    after the cursor's key, and the key of the next page (None on the last).  Each row ends
    with its ``key``."""
    after = _after(cursor, 1)
    if after is not None:
        statement = statement.where(key > int(after[0]))
    rows = session.execute(statement.add_columns(key).order_by(key).limit(limit + 1)).all()
    return rows[:limit], [rows[limit - 1][-1]] if len(rows) > limit else None


def _tracked(session: Session, article_id: int) -> TrackedURL:
    tracked = session.get(TrackedURL, article_id)
    if tracked is None:
        raise HTTPException(404, f"no article {article_id}")
    return tracked


def _cached(request: Request, payload: Any) -> Response:
    """``payload`` as JSON with an ETag of its bytes; 304 when the client has them."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if etag in _if_none_match(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def _if_none_match(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


@router.get("/articles", response_model=out.ArticlePage, summary="Search articles")
def articles(
    request: Request,
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=200, description="In headline or URL.")] = None,
    site: Text = None,
    tag: Text = None,
    state: ArticleState | None = None,
    kind: Annotated[EditKind | None, Query(description="Has a change with this edit.")] = None,
    sort: ArticleSort = ArticleSort.CHANGED,
    limit: Limit = 50,
    cursor: CursorParam = None,
) -> Response:
    """Tracked articles matching the search and filters, as on the articles page."""
    _clean(q=q, site=site, tag=tag)
    query = ArticleQuery(q, site, tag, state, kind, sort)
    size = 2 if sort in (ArticleSort.VERSIONS, ArticleSort.ADDED) else 3
    items, key = listings.articles(session, query, _after(cursor, size), limit)
    url = _next(request, key)
    return _page(out.ArticlePage(items=items, next=url), url)


@router.get("/articles/{article_id}", response_model=out.ArticleDetail, summary="One article")
def article(session: SessionDep, article_id: ArticleId) -> Response:
    """One tracked article with its schedule, state and events."""
    tracked = _tracked(session, article_id)
    current = (
        session.get(Version, tracked.current_version_id) if tracked.current_version_id else None
    )
    versions, changes = session.execute(
        select(
            select(func.count()).where(Version.tracked_url_id == tracked.id).scalar_subquery(),
            select(func.count()).where(Change.tracked_url_id == tracked.id).scalar_subquery(),
        )
    ).one()
    events = session.scalars(
        select(Event).where(Event.tracked_url_id == tracked.id).order_by(Event.at, Event.id)
    )
    detail = out.ArticleDetail(
        id=tracked.id,
        url=tracked.url,
        canonical_url=tracked.canonical_url,
        site=tracked.site,
        tags=list(tracked.tags or ()),
        state=state_of(tracked).value,
        headline=current.headline if current else None,
        versions=int(versions),
        current_version=current.number if current else None,
        added_at=tracked.added_at,
        last_checked_at=tracked.last_checked_at,
        last_changed_at=tracked.last_changed_at,
        active=tracked.active,
        taken_down=tracked.taken_down,
        flapping=tracked.flapping,
        consecutive_errors=tracked.consecutive_errors,
        next_check_at=tracked.next_check_at,
        check_interval_s=tracked.check_interval_s,
        changes=int(changes),
        events=[out.Event(kind=e.kind, at=e.at, detail=e.detail) for e in events],
    )
    return _json(detail)


def _version(version: Version) -> out.Version:
    """The version as ``redline versions --json`` shows it (:class:`archive.queries.VersionRow`)."""
    return out.Version.model_validate(queries.VersionRow.of(version), from_attributes=True)


@router.get("/articles/{article_id}/versions", response_model=out.VersionPage, summary="Versions")
def versions(
    request: Request,
    session: SessionDep,
    article_id: ArticleId,
    limit: Limit = 50,
    cursor: CursorParam = None,
) -> Response:
    """The article's versions, oldest first (``redline versions --json``)."""
    tracked = _tracked(session, article_id)
    query = select(Version).where(Version.tracked_url_id == tracked.id)
    rows, key = _ascending_page(session, query, Version.number, cursor, limit)
    url = _next(request, key)
    return _page(out.VersionPage(items=[_version(row[0]) for row in rows], next=url), url)


@router.get(
    "/articles/{article_id}/versions/{number}",
    response_model=out.VersionText,
    summary="One version",
)
def version(request: Request, session: SessionDep, article_id: ArticleId, number: Number) -> Any:
    """One version with its text (``redline show --json``); cacheable (ETag)."""
    tracked = _tracked(session, article_id)
    found = session.scalars(
        select(Version).where(Version.tracked_url_id == tracked.id, Version.number == number)
    ).first()
    if found is None:
        raise HTTPException(404, f"article {article_id} has no version {number}")
    times = session.execute(
        select(Version.number, Version.first_seen_at).where(Version.tracked_url_id == tracked.id)
    ).all()
    [memento] = [m for m in memento_times([(n, at) for n, at in times]) if m.number == number]
    from archive.web.memento import Addresses  # the Memento routes' own addresses

    payload = out.VersionText(
        **_version(found).model_dump(),
        article_id=tracked.id,
        url=tracked.url,
        text=found.text,
        memento=Addresses(request, tracked.url).memento(memento),
    )
    return _cached(request, payload.model_dump(mode="json"))


@router.get("/articles/{article_id}/captures", response_model=out.CapturePage, summary="Captures")
def captures(
    request: Request,
    session: SessionDep,
    article_id: ArticleId,
    limit: Limit = 50,
    cursor: CursorParam = None,
) -> Response:
    """Every fetch of the article, oldest first (``redline captures --json``)."""
    tracked = _tracked(session, article_id)
    query = (
        select(Capture, Version.number)
        .outerjoin(Version, Version.id == Capture.version_id)
        .where(Capture.tracked_url_id == tracked.id)
    )
    rows, key = _ascending_page(session, query, Capture.id, cursor, limit)
    # the fields of ``redline captures --json`` (archive.queries.CaptureRow), with the id
    items = [out.Capture(**asdict(queries.CaptureRow.of(c, n))) for c, n, _id in rows]
    url = _next(request, key)
    return _page(out.CapturePage(items=items, next=url), url)


@router.get(
    "/articles/{article_id}/diff/{from_version}..{to_version}",
    response_model=out.Diff,
    summary="Diff between two versions",
)
def diff(
    request: Request,
    session: SessionDep,
    article_id: ArticleId,
    from_version: Number,
    to_version: Number,
) -> Any:
    """The change between two versions, exactly as ``redline diff --json`` prints it; any two
    versions, in either order.  Cacheable (ETag)."""
    tracked = _tracked(session, article_id)
    try:
        found = diff_versions(session, tracked, from_version, to_version)
    except RedlineError as exc:
        raise HTTPException(404, str(exc)) from None
    return _cached(request, found.to_json())


@router.get("/changes", response_model=out.ChangePage, summary="Recorded changes")
def changes(
    request: Request,
    session: SessionDep,
    since: Annotated[
        str | None, Query(max_length=64, description="2026-11-01, 2026-11-01T08:00Z or 24h.")
    ] = None,
    url: Annotated[str | None, Query(max_length=2048, description="Only this URL.")] = None,
    article: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this id.")] = None,
    site: Text = None,
    tag: Text = None,
    kind: EditKind | None = None,
    label: Annotated[ChangeLabel | None, Query(description="At least this label.")] = None,
    limit: Limit = 50,
    cursor: CursorParam = None,
) -> Response:
    """Recorded changes, newest first, with the filters of ``redline changes`` and the home
    page."""
    _clean(since=since, url=url, site=site, tag=tag)
    when = None
    if since:
        try:
            when = parse_instant(since, now=datetime.now(UTC))
        except (ConfigError, ValueError, OverflowError) as exc:
            raise HTTPException(400, f"since: {exc}") from None
    if url:
        try:
            tracked = find_tracked(session, url)
        except InvalidURLError as exc:
            raise HTTPException(400, str(exc)) from None
        if tracked is None:
            raise HTTPException(404, f"not tracked: {url!r}")
        if article is not None and article != tracked.id:
            return _json(out.ChangePage(items=[], next=None))
        article = tracked.id
    query = listings.ChangeFilter(when, article, site, tag, kind, label)
    items, key = listings.changes(session, query, _after(cursor, 2), limit)
    url = _next(request, key)
    return _page(out.ChangePage(items=items, next=url), url)
