"""Admin pages: track and untrack article URLs and feeds from the browser.

They exist only when the ``admin_token`` setting is set (:func:`enabled`); everything else in
the viewer is read-only.  Signing in with the token sets a cookie (``HttpOnly``,
``SameSite=Strict``, scoped to ``/admin``) holding an HMAC of the token, never the token
itself.  Every form carries a CSRF token (another HMAC of the token), checked on each POST,
and a POST whose ``Origin`` names another site is refused.  Feeds are managed through the
functions the composition root hands to :func:`archive.web.app.create_app` (the feed registry
lives with the service, above this package).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import store
from archive.config import Config
from archive.errors import RedlineError
from archive.models import TrackedURL
from archive.netguard import ensure_allowed
from archive.urls import normalize_url
from archive.web.deps import ConfigDep, SessionDep, TemplatesDep

router = APIRouter(prefix="/admin", include_in_schema=False, default_response_class=HTMLResponse)

COOKIE = "redline_admin"
LISTED = 200  # tracked URLs shown, newest first


def enabled(config: Config) -> bool:
    """The admin pages exist only when an admin token is configured."""
    return bool(config.admin_token)


@dataclass(frozen=True)
class FeedRegistry:
    """The feed functions of the service: add, remove and list feeds (see ``redline feeds``)."""

    add: Callable[..., Any]  # (session, url, *, now, pattern, tags, allow_private)
    remove: Callable[[Session, str], Any]
    listing: Callable[[Session], Sequence[dict[str, Any]]]


def _mac(config: Config, purpose: str) -> str:
    return hmac.new(config.admin_token.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def session_value(config: Config) -> str:
    return _mac(config, "redline admin session")


def csrf_token(config: Config) -> str:
    return _mac(config, "redline admin form")


def signed_in(request: Request, config: Config) -> bool:
    cookie = request.cookies.get(COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie, session_value(config))


def _check_post(request: Request, config: Config, csrf: str) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc:
        raise HTTPException(403, "This form was sent from another site.")
    if not signed_in(request, config):
        raise HTTPException(403, "Sign in to the admin pages first.")
    if not hmac.compare_digest(csrf, csrf_token(config)):
        raise HTTPException(403, "The form's security token is missing or wrong; reload it.")


def _tags(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _page(
    request: Request,
    session: Session,
    config: Config,
    templates: Any,
    *,
    message: str = "",
    bad: bool = False,
) -> HTMLResponse:
    feeds: FeedRegistry | None = getattr(request.app.state, "feeds", None)
    tracked = session.scalars(
        select(TrackedURL)
        .where(TrackedURL.alias_of_id.is_(None), TrackedURL.active.is_(True))
        .order_by(TrackedURL.added_at.desc(), TrackedURL.id.desc())
        .limit(LISTED)
    ).all()
    return templates.render(  # type: ignore[no-any-return]
        request,
        "admin.html",
        {
            "tracked": [(t.id, t.url, tuple(t.tags or ())) for t in tracked],
            "feeds": list(feeds.listing(session)) if feeds is not None else None,
            "csrf": csrf_token(config),
            "message": message,
            "bad": bad,
            "noindex": True,
        },
        status_code=400 if bad else 200,
        headers={"Cache-Control": "no-store"},
    )


def _act(
    request: Request,
    session: Session,
    config: Config,
    templates: Any,
    csrf: str,
    action: Callable[[], str],
) -> Response:
    """What every admin form does: check the POST (origin, sign-in, CSRF token), run
    ``action``, and show the admin page with the message it returns; when the archive refuses
    the action (a ``RedlineError``), the page says why, with status 400."""
    _check_post(request, config, csrf)
    try:
        message = action()
    except RedlineError as exc:
        return _page(request, session, config, templates, message=str(exc), bad=True)
    session.flush()
    return _page(request, session, config, templates, message=message)


@router.get("")
def admin(
    request: Request, session: SessionDep, config: ConfigDep, templates: TemplatesDep
) -> Response:
    """Tracked URLs and feeds, with the forms that change them."""
    if not signed_in(request, config):
        return RedirectResponse("/admin/login", status_code=303)
    return _page(request, session, config, templates)


@router.get("/login")
def login_form(request: Request, templates: TemplatesDep) -> HTMLResponse:
    return templates.render(
        request,
        "admin_login.html",
        {"failed": False, "noindex": True},
        headers={"Cache-Control": "no-store"},
    )


@router.post("/login")
def login(
    request: Request,
    config: ConfigDep,
    templates: TemplatesDep,
    token: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    if not hmac.compare_digest(token.encode(), config.admin_token.encode()):
        return templates.render(
            request,
            "admin_login.html",
            {"failed": True, "noindex": True},
            status_code=403,
            headers={"Cache-Control": "no-store"},
        )
    response = RedirectResponse("/admin", status_code=303)
    response.set_cookie(
        COOKIE,
        session_value(config),
        httponly=True,
        samesite="strict",
        path="/admin",
        secure=config.base_url.startswith("https:"),
    )
    return response


@router.post("/logout")
def logout(
    request: Request, config: ConfigDep, csrf: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    _check_post(request, config, csrf)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/admin")
    return response


@router.post("/track")
def track(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    templates: TemplatesDep,
    url: Annotated[str, Form(max_length=2048)],
    tags: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Follow an article URL (checked as ``redline track`` checks it)."""

    def act() -> str:
        normalized = normalize_url(url.strip())
        ensure_allowed(normalized, allow_private=config.allow_private_networks)
        tracked, created = store.track(session, normalized, now=datetime.now(UTC), tags=_tags(tags))
        return f"{'Now tracking' if created else 'Already tracked'} {tracked.url}"

    return _act(request, session, config, templates, csrf, act)


@router.post("/untrack")
def untrack(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    templates: TemplatesDep,
    url: Annotated[str, Form(max_length=2048)],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Stop following a URL; its history stays."""

    def act() -> str:
        return f"No longer tracking {store.untrack(session, url).url}"

    return _act(request, session, config, templates, csrf, act)


def _registry(request: Request) -> FeedRegistry:
    feeds: FeedRegistry | None = getattr(request.app.state, "feeds", None)
    if feeds is None:
        raise HTTPException(404, "Feeds cannot be managed from this viewer.")
    return feeds


@router.post("/feeds/add")
def add_feed(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    templates: TemplatesDep,
    url: Annotated[str, Form(max_length=2048)],
    pattern: Annotated[str, Form(max_length=500)] = "",
    tags: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Poll a feed or sitemap for new article URLs."""

    def act() -> str:
        feed, created = _registry(request).add(
            session,
            url.strip(),
            now=datetime.now(UTC),
            pattern=pattern or None,
            tags=_tags(tags),
            allow_private=config.allow_private_networks,
        )
        return f"{'Now polling' if created else 'Already polling'} {feed.url}"

    return _act(request, session, config, templates, csrf, act)


@router.post("/feeds/remove")
def remove_feed(
    request: Request,
    session: SessionDep,
    config: ConfigDep,
    templates: TemplatesDep,
    url: Annotated[str, Form(max_length=2048)],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Stop polling a feed (the URLs it found stay tracked)."""

    def act() -> str:
        return f"No longer polling {_registry(request).remove(session, url)}"

    return _act(request, session, config, templates, csrf, act)
