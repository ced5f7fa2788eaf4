"""Reading the archive for people browsing it: typed, immutable results for the viewer's pages.

Each function takes a session and plain filter values and returns frozen dataclasses (never
ORM objects, so nothing lazy-loads after the session closes).  Lists are paginated by offset
(pages of a fixed size) because people jump to page numbers; machine clients use the JSON API's
cursors instead.  Tag filters match a tag exactly on SQLite and PostgreSQL alike, by its JSON
spelling inside the stored list.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, NamedTuple, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    cast,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, defer

from archive.diff.records import ChangeRecord, Summary
from archive.enums import ChangeLabel, EditKind
from archive.extract.article import Article
from archive.models import Capture, Change, ChangeKind, TrackedURL, Version
from archive.queries import (
    NEW_VERSION,
    OLD_VERSION,
    CaptureRow,
    EventRow,
    VersionRow,
    captures_of,
    events_of,
)
from archive.record import version_article
from archive.render.describe import summary_text

T = TypeVar("T")

PAGE_SIZE = 25
MAX_QUERY_CHARS = 200


class ArticleState(StrEnum):
    """An article's state as the list filters it (``redline list`` shows the same)."""

    OK = "ok"
    TAKEN_DOWN = "taken-down"
    FLAPPING = "flapping"
    ERRORS = "errors"
    INACTIVE = "inactive"


class ArticleSort(StrEnum):
    CHANGED = "changed"  # last change first
    VERSIONS = "versions"  # most versions first
    ADDED = "added"  # most recently tracked first


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: its items, its number (from 1), and whether another page follows.

    There is no total: counting every match costs as much as the whole list on a large
    archive, and readers step through pages.
    """

    items: tuple[T, ...]
    number: int
    size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


@dataclass(frozen=True)
class ChangeFilter:
    """Filters of the latest-changes list; None means no filter."""

    site: str | None = None
    tag: str | None = None
    kind: EditKind | None = None
    label: ChangeLabel | None = None  # this label or a larger one
    url_id: int | None = None


@dataclass(frozen=True)
class ChangeItem:
    """One recorded change, with what a list needs to show it."""

    change_id: int
    url_id: int
    url: str
    site: str
    tags: tuple[str, ...]
    from_version: int
    to_version: int
    old_headline: str
    new_headline: str
    detected_at: datetime
    label: ChangeLabel
    kinds: tuple[tuple[str, int], ...]
    reverted: bool
    stealth: bool
    flapping: bool
    chars_inserted: int
    chars_deleted: int
    summary: str

    @property
    def headline_changed(self) -> bool:
        return self.old_headline != self.new_headline

    @property
    def has_correction_note(self) -> bool:
        return any(kind == EditKind.CORRECTION_NOTE.value for kind, _ in self.kinds)

    @property
    def size(self) -> int:
        return self.chars_inserted + self.chars_deleted


@dataclass(frozen=True)
class ArticleItem:
    """One tracked article in a list, with its current headline and counts."""

    url_id: int
    url: str
    site: str
    tags: tuple[str, ...]
    headline: str | None
    versions: int
    changes: int
    added_at: datetime
    last_checked_at: datetime | None
    last_changed_at: datetime | None
    state: ArticleState


@dataclass(frozen=True)
class ChangeStep:
    """One recorded change of an article, for its timeline and for stepping through edits."""

    change_id: int
    from_version: int
    to_version: int
    detected_at: datetime
    label: ChangeLabel
    kinds: tuple[tuple[str, int], ...]
    reverted: bool
    stealth: bool
    flapping: bool
    chars_inserted: int
    chars_deleted: int

    @property
    def size(self) -> int:
        return self.chars_inserted + self.chars_deleted


@dataclass(frozen=True)
class Timeline:
    """Everything the article page shows."""

    article: ArticleItem
    canonical_url: str | None
    alias_of: int | None
    current_version: int | None
    versions: tuple[VersionRow, ...]
    captures: tuple[CaptureRow, ...]
    events: tuple[EventRow, ...]
    changes: tuple[ChangeStep, ...]


@dataclass(frozen=True)
class VersionDetail:
    """One version with its text, its neighbours and the capture it was first read from."""

    url_id: int
    url: str
    site: str
    version: VersionRow
    description: str | None
    language: str | None
    canonical_url: str | None
    paragraphs: tuple[str, ...]
    previous: int | None
    next: int | None
    latest: int
    evidence: CaptureRow | None  # the first capture that served this version
    captures: int  # how many captures served it


@dataclass(frozen=True)
class DiffData:
    """Two versions of an article and the change between them."""

    url_id: int
    url: str
    site: str
    old: VersionRow
    new: VersionRow
    old_article: Article
    new_article: Article
    record: ChangeRecord
    recorded: ChangeStep | None  # the stored change, when the pair is one
    previous: ChangeStep | None  # the article's change before this one
    next: ChangeStep | None  # and after it
    versions: tuple[int, ...]


# -- helpers -----------------------------------------------------------------------------


def _page_number(page: int) -> int:
    return max(1, page)


def _tag_condition(tag: str) -> ColumnElement[bool]:
    """``tag`` is one of a tracked URL's tags (its JSON spelling inside the stored list)."""
    return tag_like(tag_pattern(tag))


def tag_pattern(tag: str) -> str:
    return f"%{escape_like(json.dumps(tag))}%"


def tag_like(pattern: Any) -> ColumnElement[bool]:
    return cast(TrackedURL.tags, String).like(pattern, escape="\\")


def escape_like(text: str) -> str:
    """``text`` with the LIKE wildcards and the escape character escaped (escape ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def text_pattern(text: str) -> str:
    return f"%{escape_like(text[:MAX_QUERY_CHARS].lower())}%"


def text_like(dialect: str, pattern: Any) -> ColumnElement[bool]:
    headline: ColumnElement[Any] = TrackedURL.current_headline.expression
    url: ColumnElement[Any] = TrackedURL.url.expression
    if dialect != "sqlite":
        headline, url = func.lower(headline), func.lower(url)
    return or_(headline.like(pattern, escape="\\"), url.like(pattern, escape="\\"))


def state_of(tracked: Any) -> ArticleState:
    """The article's one state, in this order: taken down, flapping, errors, inactive, ok."""
    if tracked.taken_down:
        return ArticleState.TAKEN_DOWN
    if tracked.flapping:
        return ArticleState.FLAPPING
    if tracked.consecutive_errors:
        return ArticleState.ERRORS
    if not tracked.active:
        return ArticleState.INACTIVE
    return ArticleState.OK


def state_condition(state: ArticleState) -> ColumnElement[bool]:
    """Articles whose :func:`state_of` is ``state`` (each article in exactly one state)."""
    taken_down, flapping = TrackedURL.taken_down.is_(True), TrackedURL.flapping.is_(True)
    errors, inactive = TrackedURL.consecutive_errors > 0, TrackedURL.active.is_(False)
    if state is ArticleState.TAKEN_DOWN:
        return taken_down
    if state is ArticleState.FLAPPING:
        return and_(~taken_down, flapping)
    if state is ArticleState.ERRORS:
        return and_(~taken_down, ~flapping, errors)
    if state is ArticleState.INACTIVE:
        return and_(~taken_down, ~flapping, ~errors, inactive)
    return and_(~taken_down, ~flapping, ~errors, ~inactive)


_KIND_ORDER = {kind.value: i for i, kind in enumerate(EditKind)}

# Statements the pages run on every request, built once: building a statement costs about as
# much as SQLite running these small ones (values are bound parameters; ``expanding`` ones
# take a list).
_KINDS_OF = select(ChangeKind.change_id, ChangeKind.kind, ChangeKind.count).where(
    ChangeKind.change_id.in_(bindparam("ids", expanding=True))
)
_VERSION_BY_NUMBER = select(Version).where(
    Version.tracked_url_id == bindparam("url_id"), Version.number == bindparam("number")
)
_VERSION_NUMBERS = (
    select(Version.number)
    .where(Version.tracked_url_id == bindparam("url_id"))
    .order_by(Version.number)
)


def change_kinds(session: Session, ids: Sequence[int]) -> dict[int, tuple[tuple[str, int], ...]]:
    """Edit counts per kind of each of the changes ``ids``, in ``EditKind`` order (one query)."""
    found: dict[int, list[tuple[str, int]]] = {}
    if ids:
        for change_id, kind, count in session.execute(_KINDS_OF, {"ids": list(ids)}):
            found.setdefault(change_id, []).append((kind, count))
    return {
        change_id: tuple(sorted(pairs, key=lambda p: _KIND_ORDER.get(p[0], len(_KIND_ORDER))))
        for change_id, pairs in found.items()
    }


def change_label(value: str) -> ChangeLabel:
    """The label stored as ``value``; a label this version does not know counts as major."""
    try:
        return ChangeLabel(value)
    except ValueError:
        return ChangeLabel.MAJOR


#: The columns of a change that a :class:`ChangeStep` reads (not its edits).
_STEP_COLUMNS = (
    Change.id,
    Change.detected_at,
    Change.label,
    Change.summary,
    Change.reverted,
    Change.stealth,
    Change.flapping,
)


def _step(
    change: Any, kinds: tuple[tuple[str, int], ...], from_number: int, to_number: int
) -> ChangeStep:
    """A step from a row of :data:`_STEP_COLUMNS` (or a ``Change``) and its kinds."""
    summary = change.summary or {}
    return ChangeStep(
        change_id=change.id,
        from_version=from_number,
        to_version=to_number,
        detected_at=change.detected_at,
        label=change_label(change.label),
        kinds=kinds,
        reverted=change.reverted,
        stealth=change.stealth,
        flapping=change.flapping,
        chars_inserted=int(summary.get("chars_inserted", 0)),
        chars_deleted=int(summary.get("chars_deleted", 0)),
    )


def _label_at_least(label: ChangeLabel) -> ColumnElement[bool]:
    return Change.label.in_([v.value for v in ChangeLabel if v.rank >= label.rank])


# -- lists -------------------------------------------------------------------------------


#: The latest changes' page, without its filters (built once; a filter adds its condition).
_LATEST_CHANGES = (
    select(
        *_STEP_COLUMNS,
        TrackedURL.id.label("url_id"),
        TrackedURL.url,
        TrackedURL.site,
        TrackedURL.tags,
        OLD_VERSION.number.label("old_number"),
        OLD_VERSION.headline.label("old_headline"),
        NEW_VERSION.number.label("new_number"),
        NEW_VERSION.headline.label("new_headline"),
    )
    .join(TrackedURL, TrackedURL.id == Change.tracked_url_id)
    .join(OLD_VERSION, OLD_VERSION.id == Change.from_version_id)
    .join(NEW_VERSION, NEW_VERSION.id == Change.to_version_id)
    .order_by(Change.detected_at.desc(), Change.id.desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)


def latest_changes(
    session: Session,
    filters: ChangeFilter = ChangeFilter(),
    *,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> Page[ChangeItem]:
    """Recorded changes, newest first, with old and new headlines."""
    page = _page_number(page)
    conditions: list[ColumnElement[bool]] = []
    if filters.site:
        conditions.append(TrackedURL.site == filters.site)
    if filters.tag:
        conditions.append(_tag_condition(filters.tag))
    if filters.kind is not None:
        conditions.append(
            exists().where(ChangeKind.change_id == Change.id, ChangeKind.kind == filters.kind.value)
        )
    if filters.label is not None:
        conditions.append(_label_at_least(filters.label))
    if filters.url_id is not None:
        conditions.append(Change.tracked_url_id == filters.url_id)
    # plain columns (not the change's edits, which the list does not show): its summary line
    # is made from the stored summary and edit counts
    statement = _LATEST_CHANGES.where(*conditions) if conditions else _LATEST_CHANGES
    rows = session.execute(statement, {"limit": size + 1, "offset": (page - 1) * size}).all()
    kinds = change_kinds(session, [row.id for row in rows[:size]])
    items = []
    for row in rows[:size]:
        step = _step(row, kinds.get(row.id, ()), row.old_number, row.new_number)
        items.append(
            ChangeItem(
                change_id=row.id,
                url_id=row.url_id,
                url=row.url,
                site=row.site,
                tags=tuple(row.tags or ()),
                from_version=row.old_number,
                to_version=row.new_number,
                old_headline=row.old_headline,
                new_headline=row.new_headline,
                detected_at=row.detected_at,
                label=step.label,
                kinds=step.kinds,
                reverted=row.reverted,
                stealth=row.stealth,
                flapping=row.flapping,
                chars_inserted=step.chars_inserted,
                chars_deleted=step.chars_deleted,
                summary=summary_text(dict(step.kinds), Summary.from_json(row.summary or {})),
            )
        )
    return Page(tuple(items), page, size, len(rows) > size)


@dataclass(frozen=True)
class ArticleQuery:
    """Search and filters of the article list; None or "" means no filter."""

    text: str | None = None  # in the current headline or the URL
    site: str | None = None
    tag: str | None = None
    state: ArticleState | None = None
    kind: EditKind | None = None  # has at least one change with an edit of this kind
    sort: ArticleSort = ArticleSort.CHANGED


class FilterShape(NamedTuple):
    """Which filters an article list sets (not their values): statements are built once per
    shape (:func:`filter_conditions`), the values bound per request (:func:`filter_values`)."""

    text: bool
    site: bool
    tag: bool
    state: ArticleState | None
    kind: bool


def filter_shape(query: ArticleQuery) -> FilterShape:
    """The filters ``query`` sets."""
    return FilterShape(
        bool(query.text), bool(query.site), bool(query.tag), query.state, query.kind is not None
    )


def filter_conditions(dialect: str, shape: FilterShape) -> list[ColumnElement[bool]]:
    """The conditions of an article list (the page's and the JSON API's) with these filters,
    merged aliases left out; the filters' values are the bound parameters ``text``, ``site``,
    ``tag`` and ``kind`` (:func:`filter_values`)."""
    text, site, tag, state, kind = shape
    conditions: list[ColumnElement[bool]] = [TrackedURL.alias_of_id.is_(None)]
    if text:
        conditions.append(text_like(dialect, bindparam("text")))
    if site:
        conditions.append(TrackedURL.site == bindparam("site"))
    if tag:
        conditions.append(tag_like(bindparam("tag")))
    if state is not None:
        conditions.append(state_condition(state))
    if kind:
        # Nested EXISTS: the article's changes by their index, then each one's kinds by the
        # primary key; stops at the first match.  With one flat EXISTS and no statistics (no
        # ANALYZE) SQLite scans every change of that kind for each article instead (seconds
        # on a large archive, bench/viewer.py).
        has_kind = exists().where(
            ChangeKind.change_id == Change.id, ChangeKind.kind == bindparam("kind")
        )
        conditions.append(exists().where(Change.tracked_url_id == TrackedURL.id, has_kind))
    return conditions


def filter_values(query: ArticleQuery) -> dict[str, Any]:
    """The bound values of :func:`filter_conditions` for ``query``."""
    values: dict[str, Any] = {}
    if query.text:
        values["text"] = text_pattern(query.text)
    if query.site:
        values["site"] = query.site
    if query.tag:
        values["tag"] = tag_pattern(query.tag)
    if query.kind is not None:
        values["kind"] = query.kind.value
    return values


def search_articles(
    session: Session,
    query: ArticleQuery = ArticleQuery(),
    *,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> Page[ArticleItem]:
    """Tracked articles (merged aliases left out) matching ``query``, sorted and paginated.

    The page's rows are found first; their version and change counts are then read for those
    rows only (counting for every article would cost as much as the whole list).
    """
    page = _page_number(page)
    statement = _search_statement(session.get_bind().dialect.name, filter_shape(query), query.sort)
    values = filter_values(query)
    values["limit"], values["offset"] = size + 1, (page - 1) * size
    page_ids = list(session.scalars(statement, values))
    loaded = {row.id: row for row in session.execute(_ARTICLES_BY_ID, {"ids": page_ids[:size]})}
    shown = [loaded[i] for i in page_ids[:size] if i in loaded]
    items = tuple(
        ArticleItem(
            url_id=row.id,
            url=row.url,
            site=row.site,
            tags=tuple(row.tags or ()),
            headline=row.current_headline,
            versions=int(row.n_versions or 0),
            changes=int(row.n_changes or 0),
            added_at=row.added_at,
            last_checked_at=row.last_checked_at,
            last_changed_at=row.last_changed_at,
            state=state_of(row),
        )
        for row in shown
    )
    return Page(items, page, size, len(page_ids) > size)


@functools.lru_cache(maxsize=128)
def _search_statement(dialect: str, shape: FilterShape, sort: ArticleSort) -> Select[int]:
    """The ids of a page of :func:`search_articles`, for one combination of filters (built once
    per combination; the filters' values, the page size and offset are bound parameters)."""
    conditions = filter_conditions(dialect, shape)
    if sort is ArticleSort.VERSIONS:
        order: tuple[Any, ...] = (VERSION_COUNT.desc(), TrackedURL.id.desc())
    elif sort is ArticleSort.ADDED:
        order = (TrackedURL.added_at.desc(), TrackedURL.id.desc())
    else:
        order = (
            TrackedURL.last_changed_at.is_(None),
            TrackedURL.last_changed_at.desc(),
            TrackedURL.id.desc(),
        )
    return (
        select(TrackedURL.id)
        .where(*conditions)
        .order_by(*order)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


#: What an :class:`ArticleItem` reads of a tracked URL (plain columns, not ORM objects).
_ARTICLE_COLUMNS = (
    TrackedURL.id,
    TrackedURL.url,
    TrackedURL.site,
    TrackedURL.tags,
    TrackedURL.current_headline,
    TrackedURL.added_at,
    TrackedURL.last_checked_at,
    TrackedURL.last_changed_at,
    TrackedURL.active,
    TrackedURL.consecutive_errors,
    TrackedURL.taken_down,
    TrackedURL.flapping,
)


def _count_of(column: Any) -> Any:
    """How many rows of ``column``'s table belong to the tracked URL of the outer query."""
    return (
        select(func.count()).where(column == TrackedURL.id).correlate(TrackedURL).scalar_subquery()
    )


#: An article's number of versions, in a statement over tracked URLs (every version row of
#: the article: the article list, its sort by versions and the JSON API count the same).
VERSION_COUNT = _count_of(Version.tracked_url_id)

#: The rows of a page of articles, with their version and change counts (counted for the
#: page's rows only, by the indexes on ``tracked_url_id``: counting for every article would
#: cost as much as the whole list).
_ARTICLES_BY_ID = select(
    *_ARTICLE_COLUMNS,
    VERSION_COUNT.label("n_versions"),
    _count_of(Change.tracked_url_id).label("n_changes"),
).where(TrackedURL.id.in_(bindparam("ids", expanding=True)))


def sites(session: Session) -> tuple[str, ...]:
    """Every site with a tracked URL, sorted."""
    return tuple(session.scalars(select(TrackedURL.site).distinct().order_by(TrackedURL.site)))


def tags(session: Session) -> tuple[str, ...]:
    """Every tag of a tracked article, sorted."""
    found: set[str] = set()
    for spelled in session.scalars(select(cast(TrackedURL.tags, String)).distinct()):
        try:
            values = json.loads(spelled) if spelled else []
        except ValueError:
            continue
        found.update(str(v) for v in values if isinstance(v, str))
    return tuple(sorted(found))


# -- one article ---------------------------------------------------------------------------


def _article_item(tracked: TrackedURL, n_versions: int, n_changes: int) -> ArticleItem:
    return ArticleItem(
        url_id=tracked.id,
        url=tracked.url,
        site=tracked.site,
        tags=tuple(tracked.tags or ()),
        headline=tracked.current_headline,
        versions=n_versions,
        changes=n_changes,
        added_at=tracked.added_at,
        last_checked_at=tracked.last_checked_at,
        last_changed_at=tracked.last_changed_at,
        state=state_of(tracked),
    )


_STEPS_OF = (
    select(*_STEP_COLUMNS, OLD_VERSION.number, NEW_VERSION.number)
    .join(OLD_VERSION, OLD_VERSION.id == Change.from_version_id)
    .join(NEW_VERSION, NEW_VERSION.id == Change.to_version_id)
    .where(Change.tracked_url_id == bindparam("url_id"))
    .order_by(Change.detected_at, Change.id)
)


def change_steps(session: Session, url_id: int) -> tuple[ChangeStep, ...]:
    """The article's recorded changes, oldest first."""
    rows = session.execute(_STEPS_OF, {"url_id": url_id}).all()
    kinds = change_kinds(session, [row.id for row in rows])
    return tuple(_step(row, kinds.get(row.id, ()), row[-2], row[-1]) for row in rows)


def timeline(session: Session, url_id: int) -> Timeline | None:
    """The article page's content, or None for an unknown id."""
    tracked = session.get(TrackedURL, url_id)
    if tracked is None:
        return None
    versions = session.scalars(
        select(Version)
        .where(Version.tracked_url_id == url_id)
        .order_by(Version.number)
        .options(defer(Version.text))  # the page shows no text
    ).all()
    numbers = {v.id: v.number for v in versions}
    steps = change_steps(session, url_id)
    return Timeline(
        article=_article_item(tracked, len(versions), len(steps)),
        canonical_url=tracked.canonical_url,
        alias_of=tracked.alias_of_id,
        current_version=numbers.get(tracked.current_version_id or -1),
        versions=tuple(VersionRow.of(v) for v in versions),
        captures=tuple(captures_of(session, tracked)),
        events=tuple(events_of(session, tracked)),
        changes=steps,
    )


def alias_target(session: Session, url_id: int) -> int | None:
    """The article a merged URL was folded into, if ``url_id`` is such an alias."""
    return session.scalar(select(TrackedURL.alias_of_id).where(TrackedURL.id == url_id))


def _version_row(session: Session, url_id: int, number: int) -> Version | None:
    return session.scalars(_VERSION_BY_NUMBER, {"url_id": url_id, "number": number}).first()


#: The previous, next and last version numbers of an article around one version, and how many
#: captures served that version.
_NEIGHBOURS = select(
    select(func.max(Version.number))
    .where(Version.tracked_url_id == bindparam("url_id"), Version.number < bindparam("number"))
    .scalar_subquery(),
    select(func.min(Version.number))
    .where(Version.tracked_url_id == bindparam("url_id"), Version.number > bindparam("number"))
    .scalar_subquery(),
    select(func.max(Version.number))
    .where(Version.tracked_url_id == bindparam("url_id"))
    .scalar_subquery(),
    select(func.count())
    .select_from(Capture)
    .where(Capture.version_id == bindparam("version_id"))
    .scalar_subquery(),
)


def version_detail(session: Session, url_id: int, number: int) -> VersionDetail | None:
    """Version ``number`` of article ``url_id``, or None if either is unknown."""
    tracked = session.get(TrackedURL, url_id)
    version = _version_row(session, url_id, number) if tracked is not None else None
    if tracked is None or version is None:
        return None
    neighbours = session.execute(
        _NEIGHBOURS, {"url_id": url_id, "number": number, "version_id": version.id}
    ).one()
    evidence = evidence_capture(session, version)
    served = neighbours[3]
    return VersionDetail(
        url_id=tracked.id,
        url=tracked.url,
        site=tracked.site,
        version=VersionRow.of(version),
        description=version.description,
        language=version.language,
        canonical_url=version.canonical_url,
        paragraphs=version_article(version).paragraphs,
        previous=neighbours[0],
        next=neighbours[1],
        latest=int(neighbours[2]),
        evidence=evidence,
        captures=int(served or 0),
    )


def evidence_capture(session: Session, version: Version) -> CaptureRow | None:
    """The capture a version was first read from (a response record), if it is known."""
    capture = session.get(Capture, version.first_capture_id) if version.first_capture_id else None
    if capture is None:
        capture = session.scalars(
            select(Capture)
            .where(Capture.version_id == version.id, Capture.warc_file.is_not(None))
            .order_by(Capture.id)
        ).first()
    return CaptureRow.of(capture, version.number) if capture is not None else None


def capture_of(session: Session, url_id: int, capture_id: int) -> CaptureRow | None:
    """One capture of article ``url_id``, or None."""
    row = session.execute(
        select(Capture, Version.number)
        .outerjoin(Version, Version.id == Capture.version_id)
        .where(Capture.id == capture_id, Capture.tracked_url_id == url_id)
    ).first()
    return CaptureRow.of(row[0], row[1]) if row is not None else None


_CHANGE_BETWEEN = (
    select(Change)
    .where(
        Change.tracked_url_id == bindparam("url_id"),
        Change.from_version_id == bindparam("old_id"),
        Change.to_version_id == bindparam("new_id"),
    )
    .order_by(Change.id.desc())
)


def diff_data(session: Session, url_id: int, from_number: int, to_number: int) -> DiffData | None:
    """The change of article ``url_id`` between two version numbers (stored or computed).

    A pair that the archive recorded as a change reads its stored record, so the page shows
    exactly what reports said; any other pair is compared now.  None when the article or a
    version is unknown.
    """
    tracked = session.get(TrackedURL, url_id)
    if tracked is None:
        return None
    old = _version_row(session, url_id, from_number)
    new = _version_row(session, url_id, to_number)
    if old is None or new is None:
        return None
    steps = change_steps(session, url_id)
    stored = session.scalars(
        _CHANGE_BETWEEN, {"url_id": url_id, "old_id": old.id, "new_id": new.id}
    ).first()
    old_article, new_article = version_article(old), version_article(new)
    if stored is not None:
        record = ChangeRecord.from_json({"edits": stored.edits, "summary": stored.summary})
    else:
        from archive.diff import compare  # only for pairs the crawl did not record

        record = compare(old_article, new_article)
    recorded, previous, following = _neighbours(steps, stored.id if stored else None, to_number)
    versions = session.scalars(_VERSION_NUMBERS, {"url_id": url_id}).all()
    return DiffData(
        url_id=tracked.id,
        url=tracked.url,
        site=tracked.site,
        old=VersionRow.of(old),
        new=VersionRow.of(new),
        old_article=old_article,
        new_article=new_article,
        record=record,
        recorded=recorded,
        previous=previous,
        next=following,
        versions=tuple(versions),
    )


def _neighbours(
    steps: Sequence[ChangeStep], change_id: int | None, to_number: int
) -> tuple[ChangeStep | None, ChangeStep | None, ChangeStep | None]:
    """The recorded step shown (if any), and the steps before and after it."""
    index = next((i for i, s in enumerate(steps) if s.change_id == change_id), None)
    if index is None:  # not a recorded pair: place it after the last change reaching `to`
        reaching = [i for i, s in enumerate(steps) if s.to_version == to_number]
        if not reaching:
            return None, None, None
        last = reaching[-1]
        return None, steps[last], steps[last + 1] if last + 1 < len(steps) else None
    previous = steps[index - 1] if index > 0 else None
    following = steps[index + 1] if index + 1 < len(steps) else None
    return steps[index], previous, following


def version_location(session: Session, url_id: int, number: int) -> CaptureRow | None:
    """The capture whose response record holds version ``number``'s payload, for replay."""
    version = _version_row(session, url_id, number)
    if version is None:
        return None
    return evidence_capture(session, version)
