"""The exactly-once bookkeeping of reports: what is owed, what is in flight, what was sent.

One ``Delivery`` row per (subscription, change) pair, unique in the database, is the promise
that this change is reported to this subscriber once, whatever the destination (email, a
webhook, an Apprise channel).  Its life::

    enqueue ─► due ──claim──► (sending) ──accepted──► sent
                │               │  └──4xx / connection──► due, retried later ─► … ─► failed
                │               └──5xx──► failed
                └──unsubscribe──► cancelled

* **enqueue** creates ``due`` rows for owed changes (:mod:`archive.report.matching`).  An
  immediate report's ``message_id`` is fixed right then.
* **seal** (digests only): when a digest period has ended, the subscription's unsealed due
  rows for changes detected before the boundary become one message: its Message-ID is
  derived from the subscription token and the *sorted delivery ids*
  (:func:`digest_message_id`) and written into every member row.  Storing it fixes the batch:
  changes arriving later start a new digest, so a retry resends exactly the same message.
  (A digest subscription switched to immediate gets one message per waiting row.)
* **claim** marks a batch as being sent (``next_attempt_at`` set to a lease, attempts + 1)
  and is committed *before* the message leaves, so that two senders never send one batch and
  a crash mid-send is retried once the lease has run out.
* **mark_sent** is committed as soon as the server accepted the message.

So a crash before the claim sends later; a crash between the claim and the server's answer
retries after the lease; a crash after the answer and before ``mark_sent`` commits is the one
window that repeats a message, and the repeat carries the same Message-ID, which mail clients
treat as one message (a webhook's ``webhook-id`` is that Message-ID, so receivers deduplicate
on it the same way).  Nothing here commits: the caller (``scheduler.reports``) commits after
each step, which is what makes the steps durable in that order.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from archive.diff.records import ChangeRecord
from archive.enums import DeliveryMode
from archive.models import Change, Delivery, Subscription, TrackedURL, Version
from archive.report.destinations import mask
from archive.report.items import Recipient, ReportItem
from archive.report.matching import owed_changes


class DeliveryState(StrEnum):
    """Where one delivery stands (the ``deliveries.state`` column)."""

    DUE = "due"  # owed; not sent yet (maybe waiting for its next attempt)
    SENT = "sent"  # the mail server (or the webhook, or the Apprise service) accepted it
    FAILED = "failed"  # refused permanently (SMTP 5xx, HTTP 4xx) or out of attempts
    CANCELLED = "cancelled"  # the subscription ended before it was sent


@dataclass(frozen=True)
class Batch:
    """One message to send: the deliveries it reports and its Message-ID."""

    subscription_id: int
    delivery_ids: tuple[int, ...]
    message_id: str


def change_message_id(change_id: int, domain: str) -> str:
    """A new Message-ID for an immediate report (random part: unique across archives)."""
    return f"<redline.{change_id}.{secrets.token_hex(8)}@{domain}>"


def digest_message_id(token: str, delivery_ids: tuple[int, ...], domain: str) -> str:
    """The Message-ID of a digest: a hash of the subscription token and sorted delivery ids.

    >>> digest_message_id("t", (3, 1, 2), "x.org") == digest_message_id("t", (1, 2, 3), "x.org")
    True
    """
    key = token + ":" + ",".join(str(i) for i in sorted(delivery_ids))
    return f"<redline.digest.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def enqueue(session: Session, now: datetime, *, domain: str, email: str | None = None) -> int:
    """Create ``due`` deliveries for every owed (subscription, change); returns how many.

    A concurrent enqueue may insert the same pair first; the flush then raises
    ``IntegrityError`` and the caller rolls back and enqueues again.
    """
    created = 0
    for subscription in _active(session, email):
        immediate = subscription.mode == DeliveryMode.IMMEDIATE.value
        for change_id in owed_changes(session, subscription, now):
            session.add(
                Delivery(
                    subscription_id=subscription.id,
                    change_id=change_id,
                    state=DeliveryState.DUE.value,
                    created_at=now,
                    attempts=0,
                    message_id=change_message_id(change_id, domain) if immediate else None,
                )
            )
            created += 1
    session.flush()
    return created


def seal_digests(
    session: Session,
    boundaries: Mapping[DeliveryMode, datetime],
    *,
    domain: str,
    email: str | None = None,
) -> int:
    """Turn due digest deliveries older than their period's boundary into messages.

    Args:
        boundaries: for each digest mode, the start of the current period (see
            :func:`archive.report.schedule.period_start`).

    Returns:
        How many digests were sealed.
    """
    sealed = 0
    for subscription in _active(session, email):
        mode = DeliveryMode(subscription.mode)
        if mode is DeliveryMode.IMMEDIATE:
            _seal_singly(session, subscription, domain)
            continue
        if mode not in boundaries:
            continue
        ids = tuple(
            session.scalars(
                select(Delivery.id)
                .join(Change, Change.id == Delivery.change_id)
                .where(
                    Delivery.subscription_id == subscription.id,
                    Delivery.state == DeliveryState.DUE.value,
                    Delivery.message_id.is_(None),
                    Change.detected_at < boundaries[mode],
                )
                .order_by(Delivery.id)
            )
        )
        if ids:
            message_id = digest_message_id(subscription.token, ids, domain)
            session.execute(
                update(Delivery).where(Delivery.id.in_(ids)).values(message_id=message_id)
            )
            sealed += 1
    return sealed


def _seal_singly(session: Session, subscription: Subscription, domain: str) -> None:
    """Give each unsealed delivery its own message (a digest subscription made immediate)."""
    for delivery in session.scalars(
        select(Delivery).where(
            Delivery.subscription_id == subscription.id,
            Delivery.state == DeliveryState.DUE.value,
            Delivery.message_id.is_(None),
        )
    ):
        delivery.message_id = change_message_id(delivery.change_id, domain)


def due_batches(session: Session, now: datetime, *, email: str | None = None) -> list[Batch]:
    """The messages ready to go now: sealed, due, and not waiting for a retry or a lease."""
    query = (
        select(Delivery.id, Delivery.subscription_id, Delivery.message_id)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .where(
            Subscription.active.is_(True),
            Delivery.state == DeliveryState.DUE.value,
            Delivery.message_id.is_not(None),
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        )
        .order_by(Delivery.id)
    )
    if email is not None:
        query = query.where(Subscription.email == email)
    batches: dict[str, list[int]] = {}
    owners: dict[str, int] = {}
    for delivery_id, subscription_id, message_id in session.execute(query):
        assert message_id is not None  # the query keeps sealed deliveries only
        batches.setdefault(message_id, []).append(delivery_id)
        owners[message_id] = subscription_id
    return [Batch(owners[m], tuple(ids), m) for m, ids in batches.items()]


def claim(session: Session, batch: Batch, now: datetime, *, lease: timedelta) -> bool:
    """Take ``batch`` for sending until ``now + lease``; False if another sender has it."""
    result: Any = session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(batch.delivery_ids),
            Delivery.state == DeliveryState.DUE.value,
            Delivery.message_id == batch.message_id,
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        )
        .values(next_attempt_at=now + lease, attempts=Delivery.attempts + 1)
    )
    return int(result.rowcount) == len(batch.delivery_ids)


def attempts_of(session: Session, batch: Batch) -> int:
    """How many times the batch was claimed (its members are always claimed together)."""
    return int(
        session.scalar(
            select(func.max(Delivery.attempts)).where(Delivery.id.in_(batch.delivery_ids))
        )
        or 0
    )


def mark_sent(session: Session, batch: Batch, now: datetime) -> None:
    """The server accepted the message."""
    _set(
        session,
        batch,
        state=DeliveryState.SENT.value,
        sent_at=now,
        next_attempt_at=None,
        last_error=None,
    )


def mark_retry(session: Session, batch: Batch, error: str, retry_at: datetime) -> None:
    """A temporary failure: try again at ``retry_at``."""
    _set(session, batch, next_attempt_at=retry_at, last_error=error[:2000])


def mark_failed(session: Session, batch: Batch, error: str) -> None:
    """A permanent failure: never retried."""
    _set(
        session,
        batch,
        state=DeliveryState.FAILED.value,
        next_attempt_at=None,
        last_error=error[:2000],
    )


def load_report(session: Session, batch: Batch) -> tuple[Recipient, list[ReportItem]]:
    """The recipient and the items of ``batch``, in detection order."""
    subscription = session.get_one(Subscription, batch.subscription_id)
    recipient = Recipient(
        email=subscription.email,
        token=subscription.token,
        mode=DeliveryMode(subscription.mode),
        scope=subscription.scope,
        target=subscription.target,
        kind=subscription.kind,
        secret=subscription.secret,
        card=subscription.card,
    )
    old, new = aliased(Version), aliased(Version)
    rows = session.execute(
        select(Change, TrackedURL, old, new)
        .join(Delivery, Delivery.change_id == Change.id)
        .join(TrackedURL, TrackedURL.id == Change.tracked_url_id)
        .join(old, old.id == Change.from_version_id)
        .join(new, new.id == Change.to_version_id)
        .where(Delivery.id.in_(batch.delivery_ids))
        .order_by(Change.detected_at, Change.id)
    ).all()
    items = [
        ReportItem(
            change_id=change.id,
            url_id=tracked.id,
            url=tracked.url,
            site=tracked.site,
            from_version=old_version.number,
            to_version=new_version.number,
            old_headline=old_version.headline,
            new_headline=new_version.headline,
            detected_at=change.detected_at,
            record=ChangeRecord.from_json({"edits": change.edits, "summary": change.summary}),
            reverted=change.reverted,
            stored_summary=change.summary,
        )
        for change, tracked, old_version, new_version in rows
    ]
    return recipient, items


def delivery_status(session: Session, *, recent: int = 5) -> dict[str, Any]:
    """Counts per state, reports waiting to be retried, and the latest errors (for status).

    ``{"due": 2, "sent": 40, "failed": 1, "cancelled": 0, "retrying": 1,
    "recent_errors": [{"email", "message_id", "state", "attempts", "next_attempt_at",
    "error"}, ...]}``; one error per message (a digest's members share theirs).
    """
    counts = dict.fromkeys((s.value for s in DeliveryState), 0)
    for state, n in session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)):
        counts[state] = n
    retrying = session.scalar(
        select(func.count(func.distinct(Delivery.message_id))).where(
            Delivery.state == DeliveryState.DUE.value, Delivery.last_error.is_not(None)
        )
    )
    errors: list[dict[str, Any]] = []
    seen: set[str | None] = set()
    for delivery, email, kind in session.execute(
        select(Delivery, Subscription.email, Subscription.kind)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .where(Delivery.last_error.is_not(None))
        .order_by(Delivery.id.desc())
        .limit(recent * 50)  # digests share one error per message; enough rows for `recent`
    ):
        if delivery.message_id in seen:
            continue
        seen.add(delivery.message_id)
        errors.append(
            {
                "email": mask(kind, email),
                "kind": kind,
                "message_id": delivery.message_id,
                "state": delivery.state,
                "attempts": delivery.attempts,
                "next_attempt_at": delivery.next_attempt_at.isoformat()
                if delivery.next_attempt_at and delivery.state == DeliveryState.DUE.value
                else None,
                "error": delivery.last_error,
            }
        )
        if len(errors) >= recent:
            break
    return {**counts, "retrying": int(retrying or 0), "recent_errors": errors}


def _set(session: Session, batch: Batch, **values: Any) -> None:
    session.execute(update(Delivery).where(Delivery.id.in_(batch.delivery_ids)).values(**values))


def _active(session: Session, email: str | None) -> list[Subscription]:
    query = select(Subscription).where(Subscription.active.is_(True)).order_by(Subscription.id)
    if email is not None:
        query = query.where(Subscription.email == email)
    return list(session.scalars(query))
