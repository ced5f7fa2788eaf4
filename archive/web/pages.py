"""The viewer's HTML pages: latest changes, articles, an article's timeline, versions, diffs.

Every page is rendered on the server and works without JavaScript.  Paths of the pages that
reports link to come from :mod:`archive.report.routes`, so a link in a mail always answers.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from enum import StrEnum
from html import escape
from typing import Annotated, TypeVar, cast
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from archive import browse
from archive.enums import ChangeLabel, EditKind
from archive.render import document
from archive.render.describe import summary_line
from archive.render.html import render_inline
from archive.report.routes import DIFF_ROUTE, absolute, article_path, diff_path
from archive.web.deps import ConfigDep, SessionDep, TemplatesDep

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

E = TypeVar("E", bound=StrEnum)

PageNumber = Annotated[int, Query(ge=1, le=100_000)]
Text = Annotated[str, Query(max_length=200)]


class DiffView(StrEnum):
    INLINE = "inline"
    SIDE_BY_SIDE = "side-by-side"


def choice(enum: type[E], value: str | None, name: str) -> E | None:
    """An optional enum filter from a query string ("" means no filter); 400 when unknown."""
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        raise HTTPException(400, f"Unknown {name}: {value[:60]!r}.") from None


#: Seconds the site and tag lists of the filter forms are reused (reading every article's tags
#: on each request would cost more than the page itself on a large archive).
CHOICES_TTL_S = 60.0


def filter_choices(request: Request, session: Session) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The sites and tags the filter forms offer, read at most once a minute per app."""
    cached = getattr(request.app.state, "filter_choices", None)
    now = time.monotonic()
    if cached is not None and now - cached[0] < CHOICES_TTL_S:
        return cached[1], cached[2]
    sites, tags = browse.sites(session), browse.tags(session)
    request.app.state.filter_choices = (now, sites, tags)
    return sites, tags


def tag_feed(tag: str) -> str:
    return "/feeds/tags/" + quote(tag, safe="") + ".atom"


def article_feed(url_id: int) -> str:
    return f"/articles/{int(url_id)}/changes.atom"


def version_path(url_id: int, number: int) -> str:
    return f"/articles/{int(url_id)}/versions/{int(number)}"


def robust_link(original: str, version_url: str, at: datetime | None, text: str) -> str:
    """A Robust Links anchor (``data-originalurl``, ``data-versionurl``, ``data-versiondate``)."""
    date = f' data-versiondate="{at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}"' if at else ""
    return (
        f'<a href="{escape(original)}" data-originalurl="{escape(original)}"'
        f' data-versionurl="{escape(version_url)}"{date}>'
        f"{escape(' '.join(text.split()))}</a>"
    )


def _not_found(what: str) -> HTTPException:
    return HTTPException(404, f"{what} is not in the archive.")


@router.get("/")
def home(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    site: Text = "",
    tag: Text = "",
    kind: Text = "",
    label: Text = "",
    page: PageNumber = 1,
) -> HTMLResponse:
    """The latest changes across the archive, newest first, with filters."""
    filters = browse.ChangeFilter(
        site=site or None,
        tag=tag or None,
        kind=choice(EditKind, kind, "edit kind"),
        label=choice(ChangeLabel, label, "significance"),
    )
    listing = browse.latest_changes(session, filters, page=page)
    sites, tags = filter_choices(request, session)
    return templates.render(
        request,
        "home.html",
        {
            "listing": listing,
            "filters": {"site": site, "tag": tag, "kind": kind, "label": label},
            "sites": sites,
            "tags": tags,
            "kinds": list(EditKind),
            "labels": list(ChangeLabel),
            "feed": tag_feed(tag) if tag else "/feeds/changes.atom",
            "feed_title": f"changes tagged {tag}" if tag else "all changes",
        },
    )


@router.get("/articles")
def articles(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    q: Text = "",
    site: Text = "",
    tag: Text = "",
    state: Text = "",
    kind: Text = "",
    sort: Text = "changed",
    page: PageNumber = 1,
) -> HTMLResponse:
    """Tracked articles: search by headline or URL, filter, sort, paginate."""
    query = browse.ArticleQuery(
        text=q.strip() or None,
        site=site or None,
        tag=tag or None,
        state=choice(browse.ArticleState, state, "state"),
        kind=choice(EditKind, kind, "edit kind"),
        sort=choice(browse.ArticleSort, sort, "sort order") or browse.ArticleSort.CHANGED,
    )
    listing = browse.search_articles(session, query, page=page)
    sites, tags = filter_choices(request, session)
    return templates.render(
        request,
        "articles.html",
        {
            "listing": listing,
            "filters": {
                "q": q,
                "site": site,
                "tag": tag,
                "state": state,
                "kind": kind,
                "sort": sort,
            },
            "sites": sites,
            "tags": tags,
            "kinds": list(EditKind),
            "states": list(browse.ArticleState),
            "sorts": list(browse.ArticleSort),
            "feed": tag_feed(tag) if tag else "/feeds/changes.atom",
            "feed_title": f"changes tagged {tag}" if tag else "all changes",
        },
    )


@router.get("/articles/{url_id}")
def article(
    request: Request, session: SessionDep, templates: TemplatesDep, url_id: int
) -> Response:
    """An article's timeline: versions, captures, takedowns, a chart of change sizes."""
    found = browse.timeline(session, url_id)
    if found is None:
        raise _not_found(f"Article {url_id}")
    if found.alias_of is not None:
        return RedirectResponse(article_path(found.alias_of), status_code=301)
    return templates.render(
        request,
        "article.html",
        {
            "t": found,
            "chart": change_chart(found),
            "entries": timeline_entries(found),
            "feed": article_feed(url_id),
            "feed_title": "changes of this article",
        },
    )


@router.get("/articles/{url_id}/compare")
def compare(
    session: SessionDep,
    url_id: int,
    from_: Annotated[int, Query(alias="from", ge=1)],
    to: Annotated[int, Query(ge=1)],
) -> RedirectResponse:
    """The compare form's target (works without JavaScript): redirects to the diff page."""
    return RedirectResponse(diff_path(url_id, from_, to), status_code=303)


@router.get("/articles/{url_id}/versions/{number}")
def version(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    config: ConfigDep,
    url_id: int,
    number: int,
) -> HTMLResponse:
    """One version's clean text and metadata, its neighbours and its evidence."""
    found = browse.version_detail(session, url_id, number)
    if found is None:
        raise _not_found(f"Version {number} of article {url_id}")
    return templates.render(
        request,
        "version.html",
        {
            "v": found,
            "robust_link": robust_link(
                found.url,
                absolute(config.base_url, version_path(url_id, number)),
                found.version.first_seen_at,
                found.version.headline,
            ),
            "feed": article_feed(url_id),
            "feed_title": "changes of this article",
        },
    )


@router.get(DIFF_ROUTE)
def diff(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    url_id: int,
    from_version: int,
    to_version: int,
    view: Text = DiffView.INLINE.value,
    only: Text = "",
) -> HTMLResponse:
    """How an article changed between two versions, inline or side by side."""
    shown = choice(DiffView, view, "view") or DiffView.INLINE
    if only not in ("", "changes"):
        raise HTTPException(400, "only= takes 'changes' or nothing.")
    found = browse.diff_data(session, url_id, from_version, to_version)
    if found is None:
        raise _not_found(f"Version {from_version} or {to_version} of article {url_id}")
    record = found.record
    rows = document.layout(found.old_article.paragraphs, found.new_article.paragraphs, record)
    body: tuple[document.Row | document.Gap, ...] | None = None
    if rows is not None:
        body = document.changes_only(rows) if only else rows
    moves = sum(1 for r in rows or () if r.kind == document.MOVED)
    return templates.render(
        request,
        "diff.html",
        {
            "d": found,
            "record": record,
            "summary": summary_line(record),
            "meta": document.metadata_lines(record),
            "notes": document.correction_notes(record),
            "rows": body,
            "moves": moves,
            "fallback": render_inline(record) if rows is None else None,
            "view": shown.value,
            "only": only,
            "stealth": record.stealth or bool(found.recorded and found.recorded.stealth),
            "diff_path": diff_path,
            "feed": article_feed(url_id),
            "feed_title": "changes of this article",
        },
    )


# -- timeline helpers ------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 640, 140, 24


def change_chart(t: browse.Timeline) -> dict[str, object]:
    """Bars for an inline SVG: one per change, x by time, height by characters changed."""
    steps = t.changes
    if not steps:
        return {"bars": [], "width": CHART_WIDTH, "height": CHART_HEIGHT}
    start = steps[0].detected_at.timestamp()
    span = max(steps[-1].detected_at.timestamp() - start, 1.0)
    top = max(math.log1p(s.size) for s in steps) or 1.0
    usable_w = CHART_WIDTH - 2 * CHART_PAD
    usable_h = CHART_HEIGHT - 2 * CHART_PAD
    bar_w = max(4.0, min(24.0, usable_w / (len(steps) * 1.6)))
    bars = []
    for index, step in enumerate(steps):
        offset = (step.detected_at.timestamp() - start) / span if len(steps) > 1 else 0.5
        if len(steps) > 1 and span <= 1.0:
            offset = index / (len(steps) - 1)
        height = max(2.0, usable_h * math.log1p(step.size) / top)
        x = CHART_PAD + offset * (usable_w - bar_w)
        bars.append(
            {
                "x": round(x, 1),
                "y": round(CHART_HEIGHT - CHART_PAD - height, 1),
                "w": round(bar_w, 1),
                "h": round(height, 1),
                "step": step,
                "href": diff_path(t.article.url_id, step.from_version, step.to_version),
            }
        )
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": CHART_HEIGHT - CHART_PAD,
        "pad": CHART_PAD,
        "first": steps[0].detected_at,
        "last": steps[-1].detected_at,
    }


def timeline_entries(t: browse.Timeline) -> list[dict[str, object]]:
    """Versions (each with the change that brought it), reverts and events, oldest first."""
    arrivals: dict[int, browse.ChangeStep] = {}
    for step in t.changes:
        arrivals.setdefault(step.to_version, step)
    arrival_ids = {step.change_id for step in arrivals.values()}
    entries: list[dict[str, object]] = [
        {"type": "version", "at": v.first_seen_at, "version": v, "step": arrivals.get(v.number)}
        for v in t.versions
    ]
    entries.extend(
        {"type": "change", "at": step.detected_at, "step": step}
        for step in t.changes
        if step.change_id not in arrival_ids
    )
    entries.extend({"type": "event", "at": event.at, "event": event} for event in t.events)
    order = {"version": 0, "change": 1, "event": 2}
    entries.sort(key=lambda e: (cast(datetime, e["at"]), order[str(e["type"])]))
    return entries
