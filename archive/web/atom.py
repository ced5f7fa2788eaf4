"""Atom 1.0 feeds of recorded changes: site-wide, per tag and per article.

    /feeds/changes.atom            every change, newest first
    /feeds/tags/{tag}.atom         changes of the articles with that tag
    /articles/{id}/changes.atom    changes of one article

Each entry is one change: its title names the article (old → new headline when the headline
changed), its summary is the change's one-line summary, and its content the change rendered
as HTML by :mod:`archive.render.html` (summary, then each edit with the changed paragraphs and
their words), which escapes every piece of archived text.  The XML is built with ElementTree,
which escapes it again as XML, after removing the characters XML 1.0 cannot hold at all (an
archived page may carry control characters), so a hostile headline can neither break the feed
nor add markup to it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote
from xml.etree import ElementTree as ET

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import Response
from sqlalchemy import select

from archive.diff.records import ChangeRecord
from archive.models import Change, TrackedURL
from archive.render.describe import summary_line
from archive.render.html import render_inline
from archive.report.routes import article_path, diff_path
from archive.web import api_models as out
from archive.web import listings
from archive.web.deps import SessionDep

router = APIRouter(include_in_schema=False)

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
ENTRIES = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Everything XML 1.0 allows (its Char production); the rest is removed.
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters an XML 1.0 document cannot contain."""
    return _NOT_XML.sub("", text)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def render_feed(
    *,
    base: str,
    self_path: str,
    page_path: str,
    title: str,
    changes: Sequence[tuple[out.Change, ChangeRecord]],
) -> bytes:
    """An Atom feed document of ``changes`` (newest first), with absolute links under ``base``."""
    feed = ET.Element("feed", {"xmlns": ATOM})
    _add(feed, "id", base + self_path)
    _add(feed, "title", title)
    updated = max((c.detected_at for c, _ in changes), default=EPOCH)
    _add(feed, "updated", _stamp(updated))
    _add(feed, "link", rel="self", type=MEDIA_TYPE, href=base + self_path)
    _add(feed, "link", rel="alternate", type="text/html", href=base + page_path)
    _add(_add(feed, "author"), "name", "redline")
    _add(feed, "generator", "redline")
    for change, record in changes:
        link = base + diff_path(change.article_id, change.from_version, change.to_version)
        entry = _add(feed, "entry")
        _add(entry, "id", f"{link}#change-{change.id}")
        _add(entry, "title", entry_title(change))
        _add(entry, "updated", _stamp(change.detected_at))
        _add(entry, "link", rel="alternate", type="text/html", href=link)
        _add(entry, "link", rel="related", type="text/html", href=change.url)
        _add(entry, "category", term=change.label.value)
        for kind in change.kinds:
            _add(entry, "category", term=kind)
        _add(entry, "summary", summary_line(record))
        _add(entry, "content", render_inline(record), type="html")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return document


def entry_title(change: out.Change) -> str:
    """``Headline (v1 → v2)``, or ``Old → New`` when the headline itself changed."""
    if change.old_headline != change.headline:
        return f"{change.old_headline} → {change.headline}"
    return f"{change.headline} (v{change.from_version} → v{change.to_version})"


def _feed(
    request: Request,
    session: SessionDep,
    query: listings.ChangeFilter,
    title: str,
    page_path: str,
) -> Response:
    items, _ = listings.changes(session, query, None, ENTRIES)
    stored = {
        change_id: ChangeRecord.from_json({"edits": edits, "summary": summary})
        for change_id, edits, summary in session.execute(
            select(Change.id, Change.edits, Change.summary).where(
                Change.id.in_([c.id for c in items])
            )
        )
    }
    body = render_feed(
        base=str(request.base_url).rstrip("/"),
        self_path=request.url.path,
        page_path=page_path,
        title=title,
        changes=[(c, stored[c.id]) for c in items],
    )
    return Response(body, media_type=MEDIA_TYPE)


@router.get("/feeds/changes.atom")
def all_changes(request: Request, session: SessionDep) -> Response:
    """Every recorded change, newest first."""
    return _feed(request, session, listings.ChangeFilter(), "redline: all changes", "/")


@router.get("/feeds/tags/{tag}.atom")
def tag_changes(
    request: Request, session: SessionDep, tag: Annotated[str, Path(max_length=255)]
) -> Response:
    """The changes of the articles with ``tag``."""
    if "\x00" in tag:
        raise HTTPException(400, "NUL characters are not allowed")
    return _feed(
        request,
        session,
        listings.ChangeFilter(tag=tag),
        f"redline: changes tagged {tag}",
        "/?tag=" + quote(tag, safe=""),
    )


@router.get("/articles/{article_id}/changes.atom")
def article_changes(
    request: Request, session: SessionDep, article_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> Response:
    """The changes of one article."""
    tracked = session.get(TrackedURL, article_id)
    if tracked is None:
        raise HTTPException(404, f"no article {article_id}")
    return _feed(
        request,
        session,
        listings.ChangeFilter(article_id=article_id),
        f"redline: changes to {tracked.url}",
        article_path(article_id),
    )
