"""One-click unsubscribe, at the address every report names (RFC 2369 / RFC 8058).

``GET /unsubscribe/{token}`` shows what the link ends and a button; ``POST`` to the same
address unsubscribes at once, with no other input: mail clients send
``List-Unsubscribe=One-Click`` and nothing else, with no cookie and no CSRF token, and the
token in the path is the only credential (the outbox made it unguessable).  A POST for a
subscription that has already ended answers 200 too, so a client retrying is not told off.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from archive.models import Subscription
from archive.report.routes import UNSUBSCRIBE_ROUTE
from archive.report.subscriptions import unsubscribe as end_subscriptions
from archive.web.deps import SessionDep, TemplatesDep

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

TOKEN_CHARS = 200


def _subscription(session: SessionDep, token: str) -> Subscription:
    found = (
        session.scalars(select(Subscription).where(Subscription.token == token)).first()
        if 0 < len(token) <= TOKEN_CHARS
        else None
    )
    if found is None:
        raise HTTPException(404, "This unsubscribe link is not known (it may be mistyped).")
    return found


def _scope(subscription: Subscription) -> str:
    if subscription.scope == "all":
        return "every tracked article"
    noun = {"url": "the article", "tag": "articles tagged", "site": "articles from"}
    return f"{noun.get(subscription.scope, subscription.scope)} {subscription.target or ''}"


@router.get(UNSUBSCRIBE_ROUTE)
def confirm(
    request: Request, session: SessionDep, templates: TemplatesDep, token: str
) -> HTMLResponse:
    """What the link ends, and a button that ends it."""
    subscription = _subscription(session, token)
    return templates.render(
        request,
        "unsubscribe.html",
        {
            "email": subscription.email,
            "scope": _scope(subscription),
            "active": subscription.active,
            "done": False,
            "noindex": True,
        },
        headers={"Cache-Control": "no-store"},
    )


@router.post(UNSUBSCRIBE_ROUTE)
def unsubscribe(
    request: Request, session: SessionDep, templates: TemplatesDep, token: str
) -> HTMLResponse:
    """Unsubscribe now (the body, ``List-Unsubscribe=One-Click`` or nothing, is not needed)."""
    subscription = _subscription(session, token)
    if subscription.active:
        end_subscriptions(session, token=token)
    return templates.render(
        request,
        "unsubscribe.html",
        {
            "email": subscription.email,
            "scope": _scope(subscription),
            "active": False,
            "done": True,
            "noindex": True,
        },
        headers={"Cache-Control": "no-store"},
    )
