"""Memento (RFC 7089) for every tracked article: TimeMap, TimeGate and mementos.

The routes follow the layout web-archive tools and aggregators expect, with the original URL
as a raw path suffix (its query string included)::

    /timemap/link/<original URL>       application/link-format: every version as a memento
    /timegate/<original URL>           302 to the version live at Accept-Datetime
    /memento/<YYYYMMDDhhmmss>/<original URL>   that version's text, with Memento headers

Any URL redline folded into the article finds it: its URL, a canonical or AMP link, or an alias
merged into it (:func:`archive.store.find_tracked`).  The choice of memento and its times are
pure and live in :mod:`archive.web.timetravel`; links are written by
:mod:`archive.web.linkformat`, which no archived URL can break.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, aliased

from archive.errors import InvalidURLError
from archive.models import Change, TrackedURL, Version
from archive.store import find_tracked
from archive.web import pages
from archive.web.deps import ConfigDep, SessionDep, TemplatesDep
from archive.web.linkformat import Link, header_value, merge, render_links
from archive.web.timetravel import (
    BadDatetime,
    Memento,
    http_date,
    live_at,
    memento_times,
    neighbours,
    parse_http_date,
    parse_stamp,
)

router = APIRouter(include_in_schema=False)

LINK_FORMAT = "application/link-format"
VARY = "accept-datetime"
# ";" and "," are legal inside a link target, but plain splitters break on them: in the
# viewer's own addresses, which carry the original URL in their path, they are encoded, and
# :func:`original_candidates` decodes them again.
_EMBED_ENCODED = {";": "%3B", ",": "%2C"}
_EMBED_DECODE = re.compile(r"%(3[Bb]|2[Cc])")
#: The version a reverting change returned to (built once: an alias costs a copy of every
#: column of the table).
_RETURN_TARGET = aliased(Version, name="return_target")
#: An article's versions' numbers and times, and the reverting changes' times and targets
#: (statements built once, for every TimeMap, TimeGate and memento).
_MEMENTO_TIMES = select(Version.number, Version.first_seen_at).where(
    Version.tracked_url_id == bindparam("url_id")
)
_RETURNS = (
    select(Change.detected_at, _RETURN_TARGET.number)
    .join(_RETURN_TARGET, _RETURN_TARGET.id == Change.to_version_id)
    .where(Change.tracked_url_id == bindparam("url_id"), Change.reverted.is_(True))
)
_ONE_SLASH_SCHEME = re.compile(r"^(https?):/(?!/)", re.IGNORECASE)


@dataclass(frozen=True)
class History:
    """A tracked article's mementos and what the routes say about it."""

    tracked: TrackedURL
    mementos: list[Memento]
    returns: list[tuple[datetime, int]]


def embed(url: str) -> str:
    """``url`` as the path suffix of one of the viewer's Memento addresses."""
    return "".join(_EMBED_ENCODED.get(ch, ch) for ch in url)


def original_from(request: Request, prefix_segments: int) -> str:
    """The original URL as the client wrote it, after ``prefix_segments`` path segments.

    Taken from the raw request path (percent-encoding kept) and the raw query string, so that
    ``/timegate/https://x.example/a?id=7`` gives ``https://x.example/a?id=7`` exactly.
    """
    raw = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
    path = raw.decode("latin-1")
    suffix = path.lstrip("/").split("/", prefix_segments)[-1]
    query = request.scope.get("query_string", b"").decode("latin-1")
    if query:
        suffix += "?" + query
    # proxies and some clients merge "//" into "/"
    return _ONE_SLASH_SCHEME.sub(lambda m: m.group(1) + "://", suffix)


def original_candidates(original: str) -> list[str]:
    """The spellings to look up: as given, then with the embedded ``;`` and ``,`` decoded."""
    decoded = _EMBED_DECODE.sub(lambda m: unquote(m.group(0)), original)
    return [original] if decoded == original else [original, decoded]


def find_history(session: Session, original: str) -> History | None:
    """The article ``original`` names, with its mementos; None when it is not tracked.

    Raises:
        InvalidURLError: ``original`` is not an http(s) URL.
    """
    tracked = None
    for candidate in original_candidates(original):
        tracked = find_tracked(session, candidate)
        if tracked is not None:
            break
    if tracked is None:
        return None
    rows = session.execute(_MEMENTO_TIMES, {"url_id": tracked.id}).all()
    returns = session.execute(_RETURNS, {"url_id": tracked.id}).all()
    return History(
        tracked,
        memento_times([(number, at) for number, at in rows]),
        [(at, number) for at, number in returns],
    )


class Addresses:
    """The absolute addresses of one article's Memento resources on this viewer."""

    def __init__(self, request: Request, original: str) -> None:
        self.base = str(request.base_url).rstrip("/")
        self.original = original
        self._embedded = embed(original)

    @property
    def timemap(self) -> str:
        return f"{self.base}/timemap/link/{self._embedded}"

    @property
    def timegate(self) -> str:
        return f"{self.base}/timegate/{self._embedded}"

    def memento(self, memento: Memento) -> str:
        return f"{self.base}/memento/{memento.stamp}/{self._embedded}"

    def memento_link(self, memento: Memento, *rels: str) -> Link:
        return Link(self.memento(memento), rels, (("datetime", http_date(memento.at)),))


def timemap_links(addresses: Addresses, mementos: list[Memento]) -> list[Link]:
    """The TimeMap: original, self (with from and until), timegate and one link per memento."""
    links = [
        Link(addresses.original, ("original",)),
        Link(
            addresses.timemap,
            ("self",),
            (
                ("type", LINK_FORMAT),
                ("from", http_date(mementos[0].at)),
                ("until", http_date(mementos[-1].at)),
            ),
        ),
        Link(addresses.timegate, ("timegate",)),
    ]
    for index, memento in enumerate(mementos):
        rels = ("first",) * (index == 0) + ("last",) * (index == len(mementos) - 1)
        links.append(addresses.memento_link(memento, *rels, "memento"))
    return links


def around_links(addresses: Addresses, mementos: list[Memento], chosen: Memento) -> list[Link]:
    """The chosen memento and its first/prev/next/last neighbours, merged by target."""
    links = [addresses.memento_link(chosen, "memento")]
    for rel, memento in neighbours(mementos, chosen).items():
        links.append(addresses.memento_link(memento, rel, "memento"))
    return merge(links)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


def _lookup(request: Request, session: Session, segments: int) -> History | JSONResponse:
    original = original_from(request, segments)
    try:
        found = find_history(session, original)
    except InvalidURLError:
        return _error(400, "not an http(s) URL")
    if found is None or not found.mementos:
        return _error(404, "no archived versions of this URL")
    return found


@router.api_route("/timemap/link/{original:path}", methods=["GET", "HEAD"])
def timemap(request: Request, session: SessionDep, original: str) -> Response:
    """Every version of the article as a memento, in link-format."""
    found = _lookup(request, session, 2)
    if isinstance(found, Response):
        return found
    addresses = Addresses(request, found.tracked.url)
    body = render_links(timemap_links(addresses, found.mementos), ",\n") + "\n"
    return Response(body, media_type=LINK_FORMAT)


@router.api_route("/timegate/{original:path}", methods=["GET", "HEAD"])
def timegate(request: Request, session: SessionDep, original: str) -> Response:
    """302 to the version live at ``Accept-Datetime`` (no header: the latest)."""
    vary = {"Vary": VARY}
    asked = request.headers.get("accept-datetime")
    when = None
    if asked is not None:
        try:
            when = parse_http_date(asked)
        except BadDatetime:
            return _error(400, "Accept-Datetime must be an RFC 1123 date in GMT", vary)
    found = _lookup(request, session, 1)
    if isinstance(found, Response):
        found.headers["Vary"] = VARY
        return found
    addresses = Addresses(request, found.tracked.url)
    chosen = live_at(found.mementos, when, found.returns)
    links = [
        Link(addresses.original, ("original",)),
        Link(addresses.timemap, ("timemap",), (("type", LINK_FORMAT),)),
        *around_links(addresses, found.mementos, chosen),
    ]
    return Response(
        status_code=302,
        headers={**vary, "Location": addresses.memento(chosen), "Link": header_value(links)},
    )


@router.api_route("/memento/{stamp}/{original:path}", methods=["GET", "HEAD"])
def memento(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    config: ConfigDep,
    stamp: str,
    original: str,
) -> Response:
    """One version's text, with ``Memento-Datetime`` and its Memento links.

    A stamp that names no memento exactly redirects to the memento live at that time.
    """
    try:
        at = parse_stamp(stamp)
    except BadDatetime as exc:
        return _error(400, str(exc))
    found = _lookup(request, session, 2)
    if isinstance(found, Response):
        return found
    addresses = Addresses(request, found.tracked.url)
    exact = [m for m in found.mementos if m.at == at]
    if not exact:
        chosen = live_at(found.mementos, at, found.returns)
        return Response(status_code=302, headers={"Location": addresses.memento(chosen)})
    [chosen] = exact
    # the version's own page, as the viewer shows it, with the Memento headers
    page = pages.version(request, session, templates, config, found.tracked.id, chosen.number)
    links = [
        Link(addresses.original, ("original",)),
        Link(addresses.timegate, ("timegate",)),
        Link(addresses.timemap, ("timemap",), (("type", LINK_FORMAT),)),
        *around_links(addresses, found.mementos, chosen),
    ]
    page.headers["Memento-Datetime"] = http_date(chosen.at)
    page.headers["Link"] = header_value(links)
    return page
