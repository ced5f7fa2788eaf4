"""One report, ready to go to its destination: an email, a signed webhook POST or an Apprise
message, behind one shape (:class:`Outgoing`) that :mod:`scheduler.reports` sends and records.

Composition happens in :func:`prepare` (pure but for reading Apprise's limits of a service);
nothing leaves before ``Outgoing.send()`` is called, which is after the outbox's claim has been
committed.  Every destination keeps the outbox's promises: the webhook-id of a webhook and the
Message-ID of an email are the batch's fixed id, so a repeat after a crash is recognisable.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from archive.enums import DeliveryMode
from archive.report.chat_text import chat_message
from archive.report.compose import compose_report
from archive.report.destinations import DestinationKind, mask
from archive.report.items import Envelope, Recipient, ReportItem
from archive.report.signing import webhook_id
from archive.report.webhook_payload import webhook_body
from scheduler.apprise_send import apprise_plugin, limits, send_apprise
from scheduler.mail import Transport
from scheduler.webhook import WebhookSender

logger = logging.getLogger(__name__)

#: Draws a diff card for a change (PNG bytes), or raises; see :mod:`archive.web.card_render`.
CardRenderer = Callable[[ReportItem, str], bytes]


@dataclass(frozen=True)
class ChannelSettings:
    """What sending needs besides the report: read once per run from the settings."""

    envelope_from: str
    allow_private: bool = False
    webhook_timeout_s: float = 10.0
    user_agent: str = "redline"
    card_renderer: CardRenderer | None = None


@dataclass(frozen=True)
class Outgoing:
    """A composed report: who it is for (masked), what it says, and how to send it."""

    to: str
    subject: str
    changes: tuple[int, ...]
    text: str  # the readable body (for --dry-run)
    raw: str  # the whole thing as sent (a MIME message, a JSON body, a chat message)
    send: Callable[[], None]


def prepare(
    recipient: Recipient,
    items: Sequence[ReportItem],
    envelope: Envelope,
    *,
    transport: Callable[[], Transport],
    settings: ChannelSettings,
) -> Outgoing:
    """The report for ``recipient`` about ``items``, composed for its kind of destination."""
    kind = DestinationKind(recipient.kind)
    changes = tuple(item.change_id for item in items)
    if kind is DestinationKind.WEBHOOK:
        return _webhook(recipient, items, envelope, changes, settings)
    if kind is DestinationKind.APPRISE:
        return _apprise(recipient, items, envelope, changes, settings)
    message = compose_report(recipient, items, envelope)
    plain = message.get_body(("plain",))

    def send_mail() -> None:
        transport().send(message, sender=settings.envelope_from, recipients=[recipient.email])

    return Outgoing(
        to=str(message["To"]),
        subject=str(message["Subject"]),
        changes=changes,
        text=plain.get_content() if plain is not None else "",
        raw=message.as_string(),
        send=send_mail,
    )


def _webhook(
    recipient: Recipient,
    items: Sequence[ReportItem],
    envelope: Envelope,
    changes: tuple[int, ...],
    settings: ChannelSettings,
) -> Outgoing:
    body = webhook_body(recipient, items, envelope)
    secret = recipient.secret or ""
    sender = WebhookSender(
        timeout_s=settings.webhook_timeout_s,
        allow_private=settings.allow_private,
        user_agent=settings.user_agent,
    )

    def post() -> None:
        sender.post(
            recipient.email, body, secret=secret, webhook_id=webhook_id(envelope.message_id)
        )

    text = body.decode("utf-8")
    return Outgoing(
        to=mask(DestinationKind.WEBHOOK, recipient.email),
        subject=chat_message(recipient, items, envelope).title,
        changes=changes,
        text=text,
        raw=text,
        send=post,
    )


def _apprise(
    recipient: Recipient,
    items: Sequence[ReportItem],
    envelope: Envelope,
    changes: tuple[int, ...],
    settings: ChannelSettings,
) -> Outgoing:
    body_limit, title_limit, takes_attachments = limits(apprise_plugin(recipient.email))
    message = chat_message(
        recipient, items, envelope, limit=body_limit, title_limit=title_limit or 250
    )
    wants_card = (
        recipient.card
        and recipient.mode is DeliveryMode.IMMEDIATE
        and takes_attachments
        and settings.card_renderer is not None
        and len(items) == 1
    )

    def notify() -> None:
        if not wants_card or settings.card_renderer is None:
            send_apprise(recipient.email, message)
            return
        with tempfile.TemporaryDirectory(prefix="redline-card-") as folder:
            attachments: list[Path] = []
            try:
                path = Path(folder) / f"change-{items[0].change_id}.png"
                path.write_bytes(settings.card_renderer(items[0], envelope.base_url))
                attachments.append(path)
            except Exception:  # a card is a bonus: the report goes without it
                logger.exception("cannot draw the card of change %s", items[0].change_id)
            send_apprise(recipient.email, message, attachments)

    return Outgoing(
        to=mask(DestinationKind.APPRISE, recipient.email),
        subject=message.title,
        changes=changes,
        text=message.body,
        raw=f"{message.title}\n\n{message.body}",
        send=notify,
    )
