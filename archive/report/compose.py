"""One report as an ``EmailMessage``: headers, a text/plain part and a text/html part.

Pure: ``(recipient, items, envelope) -> EmailMessage``, with no database and no network, so
the service, ``redline report --dry-run`` and the tests compose exactly the same message.

Headers: ``Message-ID`` is given by the outbox (fixed before the first try, so a repeat after
a crash is recognisably the same message); ``List-Unsubscribe`` names the viewer's one-click
address (RFC 2369) and ``List-Unsubscribe-Post`` says it takes a POST (RFC 8058);
``Auto-Submitted`` marks the mail as automatic (RFC 3834), so that vacation replies stay away.
Every header built from archived text goes through
:func:`archive.report.headers.clean_header_text`.
"""

from __future__ import annotations

import email.policy
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime

from archive.enums import DeliveryMode
from archive.report.headers import clean_header_text, subject_for
from archive.report.html_part import html_part
from archive.report.items import Envelope, Recipient, ReportItem
from archive.report.routes import absolute, unsubscribe_path
from archive.report.text_part import text_part


def compose_report(
    recipient: Recipient, items: Sequence[ReportItem], envelope: Envelope
) -> EmailMessage:
    """The report for ``recipient`` about ``items`` (one change, or a digest of several).

    Raises:
        ValueError: ``items`` is empty (there is nothing to report).
    """
    if not items:
        raise ValueError("a report needs at least one change")
    subject = subject_for(items)
    if recipient.mode is not DeliveryMode.IMMEDIATE:
        subject = f"[{recipient.mode.value} digest] {subject}"
    unsubscribe_url = absolute(envelope.base_url, unsubscribe_path(recipient.token))
    parts = {
        "subject": subject,
        "unsubscribe_url": unsubscribe_url,
        "scope_text": scope_text(recipient),
    }
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = clean_header_text(envelope.sender)
    message["To"] = clean_header_text(recipient.email)
    message["Subject"] = subject
    message["Date"] = format_datetime(envelope.date)
    message["Message-ID"] = clean_header_text(envelope.message_id)
    message["List-Unsubscribe"] = f"<{clean_header_text(unsubscribe_url, 2000)}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Redline-Changes"] = " ".join(str(item.change_id) for item in items)
    message.set_content(text_part(recipient, items, envelope, **parts))
    message.add_alternative(html_part(recipient, items, envelope, **parts), subtype="html")
    return message


def scope_text(recipient: Recipient) -> str:
    """What the subscription covers, in words: "to https://…", "tagged 'syria'"…"""
    target = clean_header_text(recipient.target or "", 300)
    if recipient.scope == "url":
        return f"to {target}"
    if recipient.scope == "tag":
        return f"to articles tagged '{target}'"
    if recipient.scope == "site":
        return f"to articles on {target}"
    return "to every tracked article"
