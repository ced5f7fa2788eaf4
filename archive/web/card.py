"""Diff cards: a change drawn as a 1200×675 PNG, for social posts and chat attachments.

A card shows the headline (its rewrite struck through and inserted, word by word, when it
changed), the most significant changed paragraph with the same marks, the site, the two
versions' times, the change's label and a short link to the viewer.  It is the viewer's
``card.html`` template (autoescaped: archived text only ever reaches it as text) drawn by
headless Chromium (:mod:`archive.web.card_render`), with JavaScript off and every request
refused, so a hostile headline can run nothing and fetch nothing.

Routes: the PNG at :data:`archive.report.routes.CARD_ROUTE`, and ``/c/{change_id}``, the
short link a card prints, which redirects to the change's diff page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, HTTPException
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import browse
from archive.diff.records import METADATA_KINDS, ChangeRecord, Edit, WordOp
from archive.enums import EditKind, Significance
from archive.models import Change
from archive.queries import NEW_VERSION, OLD_VERSION
from archive.render.describe import summary_line, title
from archive.report.bounds import head, tail
from archive.report.items import ReportItem
from archive.report.routes import CARD_ROUTE, absolute, diff_path
from archive.web.card_render import CardUnavailableError, render_png
from archive.web.deps import ConfigDep, SessionDep
from archive.web.templating import build_environment

router = APIRouter(include_in_schema=False)

#: The card's size in CSS pixels: the 16:9 picture social networks show whole.
WIDTH, HEIGHT = 1200, 675
#: Characters of the changed paragraph shown on a card (the layout clamps the rest).
PARAGRAPH_CHARS = 420
#: Unchanged characters kept before the first change of the paragraph.
LEAD_CHARS = 160
HEADLINE_CHARS = 160
SHORT_ROUTE = "/c/{change_id:int}"
_RANK = {Significance.MAJOR: 3, Significance.MINOR: 2, Significance.TRIVIAL: 1}


@dataclass(frozen=True)
class Card:
    """What a card shows, as plain values."""

    site: str
    headline: tuple[WordOp, ...]  # a word diff when the headline changed, else one run
    paragraph: tuple[WordOp, ...]  # the most significant changed paragraph ((op, text) runs)
    paragraph_title: str  # "Paragraph 3 changed", "Paragraph added"…
    summary: str
    label: str
    old_time: datetime | None  # when the old version was first seen, if known
    new_time: datetime | None  # when the change was detected
    from_version: int
    to_version: int
    link: str  # the short link, without the scheme
    more: int  # other edits of the change, not shown


def short_path(change_id: int) -> str:
    """The short link of a recorded change: ``/c/42``."""
    return f"/c/{int(change_id)}"


def card_for(data: browse.DiffData, base_url: str) -> Card:
    """The card of the change ``data`` holds (a recorded change, or any two versions)."""
    path = (
        short_path(data.recorded.change_id)
        if data.recorded is not None
        else diff_path(data.url_id, data.old.number, data.new.number)
    )
    return make_card(
        data.record,
        site=data.site,
        old_headline=data.old.headline,
        new_headline=data.new.headline,
        old_time=data.old.first_seen_at,
        new_time=data.recorded.detected_at if data.recorded else data.new.first_seen_at,
        versions=(data.old.number, data.new.number),
        link=absolute(base_url, path),
    )


def card_for_item(item: ReportItem, base_url: str) -> Card:
    """The card of one reported change (what ``--card`` attaches to a chat report)."""
    return make_card(
        item.record,
        site=item.site,
        old_headline=item.old_headline,
        new_headline=item.new_headline,
        old_time=None,
        new_time=item.detected_at,
        versions=(item.from_version, item.to_version),
        link=absolute(base_url, short_path(item.change_id)),
    )


def make_card(
    record: ChangeRecord,
    *,
    site: str,
    old_headline: str,
    new_headline: str,
    old_time: datetime | None,
    new_time: datetime | None,
    versions: tuple[int, int],
    link: str,
) -> Card:
    """A card from a change record and the facts around it."""
    body = [e for e in record.edits if e.kind is not EditKind.HEADLINE]
    prose = [e for e in body if e.kind not in METADATA_KINDS]
    chosen = max(prose, key=_weight) if prose else None
    return Card(
        site=site,
        headline=_headline(record, old_headline, new_headline),
        paragraph=_cut(_ops(chosen)) if chosen is not None else (),
        paragraph_title=title(chosen) if chosen is not None else "",
        summary=summary_line(record),
        label=record.label.value,
        old_time=old_time,
        new_time=new_time,
        from_version=versions[0],
        to_version=versions[1],
        link=link.split("://", 1)[-1],
        more=len(body) - (1 if chosen is not None else 0),
    )


def render_item_card(item: ReportItem, base_url: str, chromium: str = "") -> bytes:
    """The PNG card of one reported change.

    Raises:
        CardUnavailableError: Playwright or Chromium is missing.
    """
    html = card_html(card_for_item(item, base_url))
    return render_png(html, WIDTH, HEIGHT, executable=chromium)


def card_html(card: Card) -> str:
    """The card as a standalone HTML page (inline styles, no script, no remote resource)."""
    template = build_environment().get_template("card.html")
    return template.render(card=card, width=WIDTH, height=HEIGHT)


def card_png(
    session: Session,
    url_id: int,
    from_version: int,
    to_version: int,
    *,
    base_url: str,
    chromium: str = "",
) -> bytes | None:
    """The PNG card of a change, or None when the article or a version is unknown.

    Raises:
        CardUnavailableError: Playwright or Chromium is missing.
    """
    data = browse.diff_data(session, url_id, from_version, to_version)
    if data is None:
        return None
    return render_png(card_html(card_for(data, base_url)), WIDTH, HEIGHT, executable=chromium)


@router.get(CARD_ROUTE)
async def card_route(
    session: SessionDep, config: ConfigDep, url_id: int, from_version: int, to_version: int
) -> Response:
    """The card of a change between two versions, as a PNG."""
    try:
        # the versions' reads, the diff and the rendering in one thread, off the event loop
        png = await run_in_threadpool(
            card_png,
            session,
            url_id,
            from_version,
            to_version,
            base_url=config.base_url,
            chromium=config.chromium_path,
        )
    except CardUnavailableError as exc:
        raise HTTPException(501, str(exc)) from None
    if png is None:
        raise HTTPException(404, f"Version {from_version} or {to_version} of article {url_id}")
    return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=3600"})


@router.get(SHORT_ROUTE)
def short_link(session: SessionDep, change_id: int) -> RedirectResponse:
    """A card's short link: the diff page of the change."""
    old, new = OLD_VERSION, NEW_VERSION
    row = session.execute(
        select(Change.tracked_url_id, old.number, new.number)
        .join(old, old.id == Change.from_version_id)
        .join(new, new.id == Change.to_version_id)
        .where(Change.id == change_id)
    ).first()
    if row is None:
        raise HTTPException(404, f"Change {change_id}")
    return RedirectResponse(diff_path(row[0], row[1], row[2]), status_code=302)


def _headline(record: ChangeRecord, old: str, new: str) -> tuple[WordOp, ...]:
    for edit in record.edits:
        if edit.kind is EditKind.HEADLINE and edit.words:
            return tuple((op, head(text, HEADLINE_CHARS)) for op, text in edit.words)
    if old != new:
        return ((-1, head(old, HEADLINE_CHARS)), (0, " "), (1, head(new, HEADLINE_CHARS)))
    return ((0, head(new, HEADLINE_CHARS)),)


def _weight(edit: Edit) -> tuple[int, int]:
    """Significance first, then how many characters changed."""
    changed = sum(len(text) for op, text in _ops(edit) if op != 0)
    return (_RANK.get(edit.significance, 0) if edit.significance else 0, changed)


def _ops(edit: Edit) -> tuple[WordOp, ...]:
    if edit.words:
        return edit.words
    if edit.kind is EditKind.PARAGRAPH_ADDED:
        return ((1, " ".join(edit.new_paragraphs) or (edit.new or "")),)
    if edit.kind is EditKind.PARAGRAPH_REMOVED:
        return ((-1, " ".join(edit.old_paragraphs) or (edit.old or "")),)
    if edit.kind is EditKind.CORRECTION_NOTE:
        return ((1, edit.new or ""),)
    return ((0, " ".join(edit.new_paragraphs) or (edit.new or "")),)


def _cut(ops: tuple[WordOp, ...]) -> tuple[WordOp, ...]:
    """At most about :data:`PARAGRAPH_CHARS`: the text before the first change is cut to
    :data:`LEAD_CHARS`, then runs are kept in order until the budget is spent."""
    if not ops:
        return ()
    runs = list(ops)
    if runs[0][0] == 0 and len(ops) > 1:
        runs[0] = (0, tail(runs[0][1], LEAD_CHARS))
    out: list[WordOp] = []
    used = 0
    for op, text in runs:
        room = PARAGRAPH_CHARS - used
        if room <= 0:
            break
        piece = head(text, room) if len(text) > room else text
        out.append((op, piece))
        used += len(piece)
    return tuple(out)
