"""Sending a report through Apprise (Slack, Matrix, Teams, Mastodon, ntfy, json://…).

Apprise is an optional dependency (the ``apprise`` extra).  Its ``notify`` says only whether
the service took the message, so every failure is temporary: retried with the outbox's
backoff until ``mail_max_attempts`` runs out.  What Apprise logged about a failure becomes
the delivery's error, with the destination's secrets masked.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from archive.errors import DeliveryError
from archive.report.chat_text import DEFAULT_LIMIT, ChatMessage
from archive.report.destinations import (
    APPRISE_HINT,
    DestinationKind,
    apprise_installed,
    mask,
    scrub,
)

#: Apprise's default body limit when a service states none; ours is kinder to chat windows.
APPRISE_UNLIMITED = 32768


def apprise_plugin(url: str) -> Any:
    """The Apprise plugin for ``url``.

    Raises:
        DeliveryError: Apprise is not installed (temporary: installing it fixes the
            subscription), or the URL is no longer one Apprise knows (permanent).
    """
    if not apprise_installed():
        raise DeliveryError(f"Apprise is not installed: {APPRISE_HINT}")
    import apprise

    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        raise DeliveryError(
            f"Apprise cannot send to {mask(DestinationKind.APPRISE, url)}", permanent=True
        )
    return plugin


def limits(plugin: Any) -> tuple[int, int, bool]:
    """The body and title limits of ``plugin``'s service, and whether it takes attachments."""
    body = int(getattr(plugin, "body_maxlen", 0) or 0)
    if body <= 0 or body >= APPRISE_UNLIMITED:
        body = DEFAULT_LIMIT
    title = int(getattr(plugin, "title_maxlen", 0) or 0)
    return body, title if title > 0 else 0, bool(getattr(plugin, "attachment_support", False))


def send_apprise(url: str, message: ChatMessage, attachments: Sequence[Path] = ()) -> None:
    """Deliver ``message`` to the Apprise URL ``url``; returns once the service accepted it.

    Raises:
        DeliveryError: Apprise is missing or the service did not take the message.
    """
    import apprise

    plugin = apprise_plugin(url)
    notifier = apprise.Apprise()
    notifier.add(plugin)
    attach = apprise.AppriseAttachment([str(path) for path in attachments]) if attachments else None
    with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
        accepted = notifier.notify(
            body=message.body,
            title=message.title,
            body_format=apprise.NotifyFormat.TEXT,
            attach=attach,
        )
        logged = captured.getvalue() if hasattr(captured, "getvalue") else ""
    if not accepted:
        detail = " ".join(str(logged).split())[-300:] or "the service did not accept it"
        shown = mask(DestinationKind.APPRISE, url)
        raise DeliveryError(scrub(f"Apprise to {shown}: {detail}", url, "apprise"))
