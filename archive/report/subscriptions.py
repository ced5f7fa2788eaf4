"""Subscriptions: who wants reports about which articles, kept in the archive database.

A subscription's destination is an email address, a webhook URL or an Apprise URL
(:mod:`archive.report.destinations`); a webhook gets a signing secret when it is created.

A subscription has a scope (one URL, a tag, a site, or every tracked article), a delivery mode
(immediate, hourly or daily digest), the smallest change label worth a mail, and optionally
"headline rewrites only".  Subscribing again to the same scope updates it in place (and
reactivates it).  Unsubscribing keeps the row, inactive, so that the history of what was sent
stays, and cancels what was still due.  ``created_at`` is the start of the current active
period: changes detected before it are never owed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from email.errors import HeaderParseError
from email.headerregistry import Address
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from archive.enums import ChangeLabel, DeliveryMode
from archive.errors import SubscriptionError, UnknownSubscriptionError
from archive.models import Delivery, Subscription
from archive.report.destinations import DestinationKind, check_apprise, check_webhook, kind_of, mask
from archive.report.signing import new_secret
from archive.urls import normalize_url, site_of

SCOPES = ("url", "tag", "site", "all")


@dataclass(frozen=True)
class Scope:
    """What a subscription covers: ``kind`` is one of :data:`SCOPES`; ``target`` its value."""

    kind: str
    target: str | None = None


def normalize_email(address: str) -> str:
    """``address`` as a bare, checked addr-spec (``user@example.org``).

    Raises:
        SubscriptionError: not a single plain address (display names, lists, control
            characters and addresses without a domain are refused).
    """
    text = address.strip()
    if not text or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise SubscriptionError(f"not an email address: {address!r}")
    try:
        parsed = Address(addr_spec=text)
    except (HeaderParseError, ValueError, IndexError):
        raise SubscriptionError(f"not an email address: {address!r}") from None
    if not parsed.username or ("." not in parsed.domain and parsed.domain != "localhost"):
        raise SubscriptionError(f"not an email address: {address!r}")
    return parsed.addr_spec


def normalize_destination(value: str) -> str:
    """``value`` in the form it is stored and looked up in (no network check).

    Raises:
        SubscriptionError: a malformed email address.
    """
    if kind_of(value) is DestinationKind.EMAIL:
        return normalize_email(value)
    text = value.strip()
    if not text or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise SubscriptionError("a destination URL cannot hold spaces or control characters")
    return text


def check_destination(value: str, *, allow_private: bool) -> tuple[DestinationKind, str]:
    """The kind and stored form of ``value``, after the checks its kind needs.

    Raises:
        SubscriptionError: malformed, or an Apprise URL without Apprise installed.
        ForbiddenDestinationError: the network guard refuses a webhook or Apprise host.
    """
    kind = kind_of(value)
    destination = normalize_destination(value)
    if kind is DestinationKind.WEBHOOK:
        check_webhook(destination, allow_private=allow_private)
    elif kind is DestinationKind.APPRISE:
        check_apprise(destination, allow_private=allow_private)
    return kind, destination


def normalize_scope(kind: str, target: str | None) -> Scope:
    """The scope with its target in canonical form (normalised URL, bare host, tag).

    Raises:
        SubscriptionError: an unknown scope, or a target missing or given where none belongs.
        InvalidURLError: the URL or host cannot be normalised.
    """
    if kind not in SCOPES:
        raise SubscriptionError(f"unknown scope {kind!r}; one of: {', '.join(SCOPES)}")
    if kind == "all":
        if target:
            raise SubscriptionError("the 'all' scope takes no target")
        return Scope("all")
    value = (target or "").strip()
    if not value:
        raise SubscriptionError(f"the {kind!r} scope needs a value")
    if kind == "url":
        return Scope("url", normalize_url(value))
    if kind == "site":
        return Scope("site", site_of(value if "://" in value else f"http://{value}/"))
    return Scope("tag", value)


def subscribe(
    session: Session,
    email: str,
    scope: Scope,
    *,
    now: datetime,
    mode: DeliveryMode = DeliveryMode.IMMEDIATE,
    min_label: ChangeLabel = ChangeLabel.MINOR,
    only_headline: bool = False,
    card: bool = False,
    allow_private: bool = False,
) -> tuple[Subscription, bool]:
    """Subscribe the destination ``email`` (an address or a URL) to ``scope``.

    Returns the subscription and whether it is new; a new webhook subscription holds its
    signing secret in ``secret`` (the caller shows it once).

    Raises:
        SubscriptionError: a malformed destination, or ``card`` on one that is not Apprise.
        ForbiddenDestinationError: the network guard refuses the destination.
    """
    kind, address = check_destination(email, allow_private=allow_private)
    if card and kind is not DestinationKind.APPRISE:
        raise SubscriptionError("--card is for Apprise destinations")
    existing = _find(session, address, scope)
    if existing is not None:
        if not existing.active:
            existing.active = True
            existing.created_at = now
        existing.mode, existing.min_label = mode.value, min_label.value
        existing.only_headline = only_headline
        existing.card = card
        return existing, False
    subscription = Subscription(
        email=address,
        kind=kind.value,
        secret=new_secret() if kind is DestinationKind.WEBHOOK else None,
        card=card,
        scope=scope.kind,
        target=scope.target,
        mode=mode.value,
        min_label=min_label.value,
        only_headline=only_headline,
        created_at=now,
        active=True,
        token=secrets.token_urlsafe(24),
    )
    session.add(subscription)
    session.flush()
    return subscription, True


def unsubscribe(
    session: Session,
    *,
    email: str | None = None,
    scope: Scope | None = None,
    token: str | None = None,
) -> list[Subscription]:
    """End subscriptions: by token, or an address's (all of them, or the one for ``scope``).

    Reports still due for them are cancelled.

    Raises:
        UnknownSubscriptionError: nothing active matched.
    """
    query = select(Subscription).where(Subscription.active.is_(True))
    if token is not None:
        query = query.where(Subscription.token == token)
    elif email is not None:
        query = query.where(Subscription.email == normalize_destination(email))
        if scope is not None:
            query = query.where(Subscription.scope == scope.kind, _target_is(scope.target))
    else:
        raise SubscriptionError("give an address or a token")
    found = list(session.scalars(query.order_by(Subscription.id)))
    if not found:
        shown = mask(kind_of(email), email) if email else "that token"
        raise UnknownSubscriptionError(f"no active subscription for {shown!r}")
    for subscription in found:
        subscription.active = False
    session.execute(
        update(Delivery)
        .where(Delivery.subscription_id.in_([s.id for s in found]), Delivery.state == "due")
        .values(state="cancelled", next_attempt_at=None)
    )
    return found


def list_subscriptions(
    session: Session, *, email: str | None = None, include_inactive: bool = False
) -> list[dict[str, Any]]:
    """Subscriptions as JSON-ready dicts, with their delivery counts per state."""
    query = select(Subscription).order_by(Subscription.email, Subscription.id)
    if email is not None:
        query = query.where(Subscription.email == normalize_destination(email))
    if not include_inactive:
        query = query.where(Subscription.active.is_(True))
    counts: dict[int, dict[str, int]] = {}
    for sub_id, state, n in session.execute(
        select(Delivery.subscription_id, Delivery.state, func.count()).group_by(
            Delivery.subscription_id, Delivery.state
        )
    ):
        counts.setdefault(sub_id, {})[state] = n
    return [subscription_dict(s, counts.get(s.id, {})) for s in session.scalars(query)]


def subscription_dict(subscription: Subscription, counts: dict[str, int]) -> dict[str, Any]:
    """One subscription, JSON-ready; the destination masked (secrets are never listed)."""
    return {
        "id": subscription.id,
        "email": mask(subscription.kind, subscription.email),
        "kind": subscription.kind,
        "card": subscription.card,
        "scope": subscription.scope,
        "target": subscription.target,
        "mode": subscription.mode,
        "min_label": subscription.min_label,
        "only_headline": subscription.only_headline,
        "active": subscription.active,
        "since": subscription.created_at.isoformat(),
        "deliveries": {state: counts.get(state, 0) for state in ("due", "sent", "failed")},
    }


def _find(session: Session, email: str, scope: Scope) -> Subscription | None:
    return session.scalars(
        select(Subscription)
        .where(
            Subscription.email == email,
            Subscription.scope == scope.kind,
            _target_is(scope.target),
        )
        .order_by(Subscription.id)
    ).first()


def _target_is(target: str | None) -> Any:
    return Subscription.target.is_(None) if target is None else Subscription.target == target


__all__ = [
    "SCOPES",
    "Scope",
    "SubscriptionError",
    "UnknownSubscriptionError",
    "check_destination",
    "list_subscriptions",
    "normalize_destination",
    "normalize_email",
    "normalize_scope",
    "subscribe",
    "unsubscribe",
]
