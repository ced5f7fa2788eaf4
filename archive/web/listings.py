"""The JSON API's and the feeds' lists: articles and changes, filtered, in keyset pages.

Filters mean what they mean on the viewer's pages: ``text`` searches the current headline and
the URL, ``site`` and ``tag`` match exactly, ``state`` is the article's state, ``kind`` keeps
articles (or changes) with at least one edit of that kind and ``label`` changes of at least
that significance.  Each page is read after the sort key of the previous page's last item
(:mod:`archive.web.cursors`), never with an offset.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from archive.browse import (
    VERSION_COUNT,
    ArticleQuery,
    ArticleSort,
    FilterShape,
    change_kinds,
    change_label,
    filter_conditions,
    filter_shape,
    filter_values,
    state_of,
    tag_like,
)
from archive.enums import ChangeLabel, EditKind
from archive.models import Change, ChangeKind, TrackedURL, Version
from archive.queries import NEW_VERSION, OLD_VERSION
from archive.web import api_models as out


@dataclass(frozen=True)
class ChangeFilter:
    since: datetime | None = None
    article_id: int | None = None
    site: str | None = None
    tag: str | None = None
    kind: EditKind | None = None
    label: ChangeLabel | None = None  # this label or a larger one


@functools.lru_cache(maxsize=256)
def _articles_statement(
    dialect: str, shape: FilterShape, sort: ArticleSort, after: bool, never: bool | None
) -> Any:
    """The statement of :func:`articles` for one combination of filters and sort, after a
    cursor or not (built once per combination; the values are bound parameters: ``text`` and
    ``tag`` patterns, ``site``, ``kind``, ``after0``..., ``limit``)."""
    conditions = filter_conditions(dialect, shape)
    if sort is ArticleSort.VERSIONS:
        keys: list[Any] = [VERSION_COUNT, TrackedURL.id]
        order: list[Any] = [VERSION_COUNT.desc(), TrackedURL.id.desc()]
    else:
        keys, order = _sort_keys(sort, TrackedURL)
    if after:
        conditions.append(_after_articles(sort, keys, never))
    # The page's rows (plain columns, not ORM objects) in a subquery; then, for those rows
    # alone, their current version's headline and number and (unless sorted by it, when every
    # matching row is counted) their version count, in the same statement.  A correlated count
    # or a join in the page's own select would be read for every matching row before the sort.
    columns = [*ARTICLE_COLUMNS, TrackedURL.current_version_id]
    if sort is ArticleSort.VERSIONS:
        columns.append(VERSION_COUNT.label("versions"))
    page = (
        select(*columns)
        .where(*conditions)
        .order_by(*order)
        .limit(bindparam("limit"))
        .subquery("page")
    )
    if sort is ArticleSort.VERSIONS:
        versions: Any = page.c.versions
        outer_order = [page.c.versions.desc(), page.c.id.desc()]
    else:
        versions = (
            select(func.count())
            .where(Version.tracked_url_id == page.c.id)
            .correlate(page)  # not the current version's row the statement joins
            .scalar_subquery()
            .label("versions")
        )
        outer_order = _sort_keys(sort, page.c)[1]
    return (
        select(
            *(page.c[column.key] for column in ARTICLE_COLUMNS),
            versions,
            Version.headline,
            Version.number,
        )
        .select_from(page)
        .outerjoin(Version, Version.id == page.c.current_version_id)
        .order_by(*outer_order)
    )


def _sort_keys(sort: ArticleSort, columns: Any) -> tuple[list[Any], list[Any]]:
    """The keys of the ``added`` or ``changed`` sort over ``columns`` (the tracked URL's or the
    page subquery's), and the ORDER BY that sorts by them."""
    if sort is ArticleSort.ADDED:
        return [columns.added_at, columns.id], [columns.added_at.desc(), columns.id.desc()]
    # never-changed articles (NULL) come last, newest id first
    changed = func.coalesce(columns.last_changed_at, columns.added_at)
    order = [columns.last_changed_at.is_(None), changed.desc(), columns.id.desc()]
    return [changed, columns.id], order


def _after(keys: Sequence[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows after ``values`` in descending order of ``keys`` (the last key unique)."""
    first, rest = keys[0], keys[1:]
    if not rest:
        return first < values[0]  # type: ignore[no-any-return]
    return or_(first < values[0], and_(first == values[0], _after(rest, values[1:])))


def articles(
    session: Session, query: ArticleQuery, after: list[Any] | None, size: int
) -> tuple[list[out.Article], list[Any] | None]:
    """One page of articles and the key to read the next one from (None on the last)."""
    values = filter_values(query)
    values["limit"] = size + 1
    never: bool | None = None
    if after is not None:
        never = _after_values(query.sort, after, values)
    statement = _articles_statement(
        session.get_bind().dialect.name,
        filter_shape(query),
        query.sort,
        after is not None,
        never,
    )
    rows = session.execute(statement, values).all()
    items = [
        out.Article(
            id=row.id,
            url=row.url,
            canonical_url=row.canonical_url,
            site=row.site,
            tags=list(row.tags or ()),
            state=state_of(row).value,
            headline=row.headline,
            versions=int(row.versions or 0),
            current_version=row.number,
            added_at=row.added_at,
            last_checked_at=row.last_checked_at,
            last_changed_at=row.last_changed_at,
        )
        for row in rows[:size]
    ]
    if len(rows) <= size:
        return items, None
    last = rows[size - 1]
    return items, _article_key(query.sort, last, int(last.versions or 0))


ARTICLE_COLUMNS = (
    TrackedURL.id,
    TrackedURL.url,
    TrackedURL.canonical_url,
    TrackedURL.site,
    TrackedURL.tags,
    TrackedURL.active,
    TrackedURL.consecutive_errors,
    TrackedURL.taken_down,
    TrackedURL.flapping,
    TrackedURL.added_at,
    TrackedURL.last_checked_at,
    TrackedURL.last_changed_at,
)


def _article_key(sort: ArticleSort, tracked: Any, versions: int) -> list[Any]:
    if sort is ArticleSort.VERSIONS:
        return [versions, tracked.id]
    if sort is ArticleSort.ADDED:
        return [tracked.added_at.isoformat(), tracked.id]
    changed = tracked.last_changed_at
    return [changed is None, (changed or tracked.added_at).isoformat(), tracked.id]


def _after_values(sort: ArticleSort, after: list[Any], values: dict[str, Any]) -> bool | None:
    """Put a cursor's key into ``values`` (``after0``, ``after1``); for the default sort, return
    whether only never-changed articles are left (None for the other sorts)."""
    if sort is ArticleSort.VERSIONS:
        values["after0"], values["after1"] = int(after[0]), int(after[1])
        return None
    if sort is ArticleSort.ADDED:
        values["after0"], values["after1"] = datetime.fromisoformat(after[0]), int(after[1])
        return None
    never, at, last_id = bool(after[0]), datetime.fromisoformat(after[1]), int(after[2])
    values["after0"], values["after1"] = at, last_id
    return never


def _after_articles(sort: ArticleSort, keys: list[Any], never: bool | None) -> ColumnElement[bool]:
    within = _after(keys, [bindparam("after0"), bindparam("after1")])
    if sort is not ArticleSort.CHANGED:
        return within
    if never:  # only never-changed articles are left
        return and_(TrackedURL.last_changed_at.is_(None), within)
    return or_(
        TrackedURL.last_changed_at.is_(None), and_(TrackedURL.last_changed_at.is_not(None), within)
    )


@functools.lru_cache(maxsize=256)
def _changes_statement(
    since: bool,
    article: bool,
    site: bool,
    tag: bool,
    kind: bool,
    label: ChangeLabel | None,
    after: bool,
) -> Any:
    """The statement of :func:`changes` for one combination of filters, after a cursor or not
    (built once per combination; the values are bound parameters: ``since``, ``article``,
    ``site``, the ``tag`` pattern, ``kind``, ``after0`` and ``after1``, ``limit``)."""
    old, new = OLD_VERSION, NEW_VERSION
    conditions: list[ColumnElement[bool]] = []
    if since:
        conditions.append(Change.detected_at >= bindparam("since"))
    if article:
        conditions.append(Change.tracked_url_id == bindparam("article"))
    if site:
        conditions.append(TrackedURL.site == bindparam("site"))
    if tag:
        conditions.append(tag_like(bindparam("tag")))
    if kind:
        conditions.append(
            exists().where(ChangeKind.change_id == Change.id, ChangeKind.kind == bindparam("kind"))
        )
    if label is not None:
        wanted = [each.value for each in ChangeLabel if each.rank >= label.rank]
        conditions.append(Change.label.in_(wanted))
    if after:
        conditions.append(
            _after([Change.detected_at, Change.id], [bindparam("after0"), bindparam("after1")])
        )
    return (
        select(
            Change.id,
            Change.tracked_url_id,
            TrackedURL.url,
            Change.detected_at,
            old.number,
            new.number,
            old.headline,
            new.headline,
            Change.label,
            Change.reverted,
            Change.stealth,
            Change.flapping,
        )
        .join(TrackedURL, TrackedURL.id == Change.tracked_url_id)
        .join(old, old.id == Change.from_version_id)
        .join(new, new.id == Change.to_version_id)
        .where(*conditions)
        .order_by(Change.detected_at.desc(), Change.id.desc())
        .limit(bindparam("limit"))
    )


def changes(
    session: Session, query: ChangeFilter, after: list[Any] | None, size: int
) -> tuple[list[out.Change], list[Any] | None]:
    """One page of recorded changes, newest first, and the key of the next page."""
    # the site, tag and kind values as an article list binds them
    values = filter_values(ArticleQuery(site=query.site, tag=query.tag, kind=query.kind))
    values["limit"] = size + 1
    if after is not None:
        values["after0"], values["after1"] = datetime.fromisoformat(after[0]), int(after[1])
    if query.since is not None:
        values["since"] = query.since
    if query.article_id is not None:
        values["article"] = query.article_id
    statement = _changes_statement(
        query.since is not None,
        query.article_id is not None,
        bool(query.site),
        bool(query.tag),
        query.kind is not None,
        query.label,
        after is not None,
    )
    rows = session.execute(statement, values).all()
    kinds = change_kinds(session, [row[0] for row in rows[:size]])
    items = [
        out.Change(
            id=row[0],
            article_id=row[1],
            url=row[2],
            detected_at=row[3],
            from_version=row[4],
            to_version=row[5],
            old_headline=row[6],
            headline=row[7],
            label=change_label(row[8]),
            kinds=dict(kinds.get(row[0], ())),
            reverted=row[9],
            stealth=row[10],
            flapping=row[11],
        )
        for row in rows[:size]
    ]
    if len(rows) <= size:
        return items, None
    last = rows[size - 1]
    return items, [last[3].isoformat(), last[0]]
