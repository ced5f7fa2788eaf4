"""Sending what is due: match changes to subscriptions, seal digests, send, record.

:func:`send_due_reports` is what the service calls after each refetch cycle and on the digest
schedule (:func:`next_digest_at` says when the next digest boundary falls), and what
``redline report`` runs.  Each step commits before the next one starts, in the order that
:mod:`archive.report.outbox` explains: that order is what makes a report go out once, even
across crashes, retries and two senders running at the same time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any

from sqlalchemy.exc import IntegrityError

from archive.config import Config
from archive.db import Database, open_database
from archive.enums import DeliveryMode
from archive.errors import ConfigError, DeliveryError
from archive.report import outbox
from archive.report.items import Envelope, ReportItem
from archive.report.schedule import period_start, zone
from archive.report.subscriptions import normalize_destination
from scheduler.channels import CardRenderer, ChannelSettings, Outgoing, prepare
from scheduler.mail import Transport, retry_delay, transport_from_config

logger = logging.getLogger(__name__)

#: A claimed message may be retried by another run after this long: far longer than one SMTP
#: exchange (a few replies, each bounded by ``smtp_timeout_s``), so only a sender that died
#: mid-send leaves a claim to expire.
MIN_CLAIM_LEASE = timedelta(minutes=10)
#: How often enqueueing is retried when a concurrent run inserted the same delivery first.
ENQUEUE_TRIES = 3
DIGEST_MODES = (DeliveryMode.HOURLY, DeliveryMode.DAILY)


@dataclass(frozen=True, slots=True)
class ReportMessage:
    """One report message of a run: to whom, what became of it, and (dry run) its text."""

    to: str | None
    subject: str | None
    message_id: str
    deliveries: tuple[int, ...]
    changes: tuple[str, ...]
    outcome: str  # sent, retrying, failed, skipped, or dry-run
    error: str | None = None
    text: str | None = None  # the text/plain part (dry run only)
    message: str | None = None  # the whole message (dry run only)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "to": self.to,
            "subject": self.subject,
            "message_id": self.message_id,
            "deliveries": list(self.deliveries),
            "changes": list(self.changes),
            "outcome": self.outcome,
            "error": self.error,
        }
        if self.outcome == "dry-run":
            data["text"] = self.text or ""
            data["message"] = self.message or ""
        return data


@dataclass(frozen=True, slots=True)
class ReportRun:
    """What one :func:`send_due_reports` run did."""

    queued: int
    digests: int
    messages: tuple[ReportMessage, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for m in self.messages if m.outcome == outcome)

    @property
    def sent(self) -> int:
        return self.count("sent")

    @property
    def retrying(self) -> int:
        return self.count("retrying")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    def to_json(self) -> dict[str, Any]:
        return {
            "queued": self.queued,
            "digests": self.digests,
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "skipped": self.skipped,
            "messages": [m.to_json() for m in self.messages],
        }


@dataclass(frozen=True)
class _Run:
    """The values one run needs, read once from the settings."""

    now: datetime
    sender: str
    envelope_from: str
    domain: str
    base_url: str
    lease: timedelta
    max_attempts: int
    retry_base_s: float
    channels: ChannelSettings


def send_due_reports(
    config: Config,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    to: str | None = None,
    transport: Transport | None = None,
    database: Database | None = None,
) -> ReportRun:
    """Send every report that is due now (or, with ``dry_run``, compose them and record nothing).

    Args:
        config: the settings (SMTP or Maildir, digest hour and time zone, base URL...).
        now: the time of this run (default: the clock).
        dry_run: compose and return the messages; nothing is committed or sent.
        to: only reports owed to this address.
        transport: overrides the one the settings name (tests, previews).
        database: an open archive database (default: opened from the settings).

    Returns:
        the run: messages queued, digests sealed, and each message with its outcome (and, in
        a dry run, its text and the whole message); ``to_json()`` is what
        ``redline report --json`` prints.
    """
    run = _settings(config, now or datetime.now(UTC))
    email = normalize_destination(to) if to else None
    boundaries = digest_boundaries(config, run.now)
    db = database or open_database(config.sqlalchemy_url)
    try:
        if dry_run:
            return _preview(db, run, boundaries, email)
        queued, sealed = _prepare(db, run, boundaries, email)
        with db.session() as session:
            batches = outbox.due_batches(session, run.now, email=email)
        made: list[Transport] = [transport] if transport is not None else []

        def mail_transport() -> Transport:
            if not made:  # built on first use: a run with webhooks only needs no mail settings
                made.append(transport_from_config(config))
            return made[0]

        messages = [_deliver(db, run, batch, mail_transport) for batch in batches]
    finally:
        if database is None:
            db.dispose()
    return _summary(queued, sealed, messages)


def digest_boundaries(config: Config, now: datetime) -> dict[DeliveryMode, datetime]:
    """The start of the current hourly and daily digest periods."""
    tz = zone(config.digest_timezone)
    return {m: period_start(m, now, hour=config.digest_hour, tz=tz) for m in DIGEST_MODES}


def next_digest_at(config: Config, now: datetime) -> datetime:
    """The next digest boundary after ``now``: when the service should run reports again."""
    tz = zone(config.digest_timezone)
    # Every daily boundary is also an hourly one (both fall on the hour, local time).
    return period_start(DeliveryMode.HOURLY, now + timedelta(hours=1), hour=0, tz=tz)


def _settings(config: Config, now: datetime) -> _Run:
    _, address = parseaddr(config.mail_from)
    if "@" not in address:
        raise ConfigError(f"setting mail_from: not an email address: {config.mail_from!r}")
    return _Run(
        now=now,
        sender=config.mail_from,
        envelope_from=address,
        domain=address.rpartition("@")[2],
        base_url=config.base_url,
        lease=max(MIN_CLAIM_LEASE, timedelta(seconds=20 * config.smtp_timeout_s)),
        max_attempts=max(1, config.mail_max_attempts),
        retry_base_s=config.mail_retry_base_s,
        channels=ChannelSettings(
            envelope_from=address,
            allow_private=config.allow_private_networks,
            webhook_timeout_s=config.webhook_timeout_s,
            user_agent=config.user_agent,
            card_renderer=_card_renderer(config.chromium_path),
        ),
    )


def _card_renderer(chromium: str) -> CardRenderer:
    """Draws the card of a reported change (``--card``); Playwright is imported when used."""

    def render(item: ReportItem, base_url: str) -> bytes:
        from archive.web.card import render_item_card

        return render_item_card(item, base_url, chromium)

    return render


def _prepare(
    db: Database, run: _Run, boundaries: dict[DeliveryMode, datetime], email: str | None
) -> tuple[int, int]:
    """Enqueue owed deliveries and seal ended digests, committed before anything is sent."""
    for attempt in range(1, ENQUEUE_TRIES + 1):
        try:
            with db.session() as session:
                queued = outbox.enqueue(session, run.now, domain=run.domain, email=email)
                sealed = outbox.seal_digests(session, boundaries, domain=run.domain, email=email)
            return queued, sealed
        except IntegrityError:
            if attempt == ENQUEUE_TRIES:
                raise
            logger.info("another run enqueued the same reports; enqueueing again")
    raise AssertionError("unreachable")


def _deliver(
    db: Database, run: _Run, batch: outbox.Batch, transport: Callable[[], Transport]
) -> ReportMessage:
    """Claim, compose, send and record one message (an email, a webhook POST, a chat message)."""
    session = db.sessions()
    try:
        if not outbox.claim(session, batch, run.now, lease=run.lease):
            session.rollback()
            return _result(batch, None, "skipped", "being sent by another run")
        session.commit()  # the claim is durable before the message leaves
        recipient, items = outbox.load_report(session, batch)
        attempts = outbox.attempts_of(session, batch)
        session.commit()
    finally:
        session.close()
    envelope = Envelope(run.sender, batch.message_id, run.now, run.base_url)
    try:
        message = prepare(recipient, items, envelope, transport=transport, settings=run.channels)
    except DeliveryError as exc:  # e.g. Apprise uninstalled since the subscription was made
        return _record_failure(db, run, batch, attempts, exc)
    except Exception as exc:  # a composition bug must not hold up everyone else's reports
        logger.exception("cannot compose report %s", batch.message_id)
        return _record_failure(db, run, batch, attempts, DeliveryError(f"cannot compose: {exc}"))
    try:
        message.send()
    except DeliveryError as exc:
        return _record_failure(db, run, batch, attempts, exc, message)
    with db.session() as session:
        outbox.mark_sent(session, batch, run.now)
    logger.info("report %s sent to %s", batch.message_id, message.to)
    return _result(batch, message, "sent")


def _record_failure(
    db: Database,
    run: _Run,
    batch: outbox.Batch,
    attempts: int,
    error: DeliveryError,
    message: Outgoing | None = None,
) -> ReportMessage:
    final = error.permanent or attempts >= run.max_attempts
    with db.session() as session:
        if final:
            outbox.mark_failed(session, batch, str(error))
        else:
            wait = retry_delay(attempts, base_s=run.retry_base_s)
            if error.retry_after_s is not None:  # the destination said how long (Retry-After)
                wait = max(wait, timedelta(seconds=error.retry_after_s))
            retry_at = run.now + wait
            outbox.mark_retry(session, batch, str(error), retry_at)
    logger.warning("report %s %s: %s", batch.message_id, "failed" if final else "deferred", error)
    return _result(batch, message, "failed" if final else "retrying", str(error))


def _preview(
    db: Database, run: _Run, boundaries: dict[DeliveryMode, datetime], email: str | None
) -> ReportRun:
    """What a run would send now, composed in a transaction that is rolled back."""
    session = db.sessions()
    try:
        queued = outbox.enqueue(session, run.now, domain=run.domain, email=email)
        sealed = outbox.seal_digests(session, boundaries, domain=run.domain, email=email)
        messages: list[ReportMessage] = []
        for batch in outbox.due_batches(session, run.now, email=email):
            recipient, items = outbox.load_report(session, batch)
            envelope = Envelope(run.sender, batch.message_id, run.now, run.base_url)
            try:
                message = prepare(
                    recipient, items, envelope, transport=_no_transport, settings=run.channels
                )
            except DeliveryError as exc:  # e.g. an Apprise destination without Apprise
                messages.append(_result(batch, None, "dry-run", str(exc)))
                continue
            messages.append(
                replace(_result(batch, message, "dry-run"), text=message.text, message=message.raw)
            )
    finally:
        session.rollback()
        session.close()
    return _summary(queued, sealed, messages)


def _no_transport() -> Transport:
    raise AssertionError("a dry run sends nothing")


def _result(
    batch: outbox.Batch, message: Outgoing | None, outcome: str, error: str | None = None
) -> ReportMessage:
    return ReportMessage(
        to=message.to if message is not None else None,
        subject=message.subject if message is not None else None,
        message_id=batch.message_id,
        deliveries=tuple(batch.delivery_ids),
        changes=tuple(str(c) for c in message.changes) if message is not None else (),
        outcome=outcome,
        error=error,
    )


def _summary(queued: int, sealed: int, messages: list[ReportMessage]) -> ReportRun:
    return ReportRun(queued=queued, digests=sealed, messages=tuple(messages))
