"""Sending a report to a webhook: one signed JSON POST, no redirects, guarded destination.

The destination is checked by the network guard again before every request (a DNS answer or
a setting may have changed since ``subscribe``), and a redirect is never followed: a 3xx is a
permanent failure, like a 4xx (the destination refused this report, or moved).  A 2xx means
accepted; 5xx, 408, 429, a timeout and a connection failure are temporary, and a
``Retry-After`` (seconds or an HTTP date) is passed on to the outbox's backoff.

As with SMTP, the sender returns as soon as the status line says accepted: nothing that
happens afterwards (reading the rest of the response) can turn it into a resend.  Error
messages name the destination masked (:func:`archive.report.destinations.mask`).
"""

from __future__ import annotations

import http.client
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from archive.errors import DeliveryError, ForbiddenDestinationError, SubscriptionError
from archive.report import signing
from archive.report.destinations import DestinationKind, check_webhook, mask, scrub

#: Status codes that are worth retrying although they are not 5xx.
TEMPORARY_STATUSES = frozenset({408, 425, 429})
#: The longest ``Retry-After`` honoured: a destination cannot park a report for a week.
MAX_RETRY_AFTER_S = 24 * 3600.0
#: How much of an error response's body is quoted in the delivery's error.
ERROR_BODY_CHARS = 200


class WebhookSender:
    """POSTs signed report bodies; raises ``DeliveryError`` on failure."""

    def __init__(
        self,
        *,
        timeout_s: float = 10.0,
        allow_private: bool = False,
        user_agent: str = "redline",
        clock: Callable[[], float] = time.time,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self.allow_private = allow_private
        self.user_agent = user_agent
        self.clock = clock
        self.tls_context = tls_context

    def post(self, url: str, body: bytes, *, secret: str, webhook_id: str) -> None:
        """Deliver ``body`` to ``url``, signed with ``secret``; returns once accepted.

        Raises:
            DeliveryError: refused (``permanent`` for a 3xx or 4xx other than 408/425/429,
                and for a destination the network guard refuses) or failed.
        """
        shown = mask(DestinationKind.WEBHOOK, url)
        try:
            check_webhook(url, allow_private=self.allow_private)
        except (ForbiddenDestinationError, SubscriptionError) as exc:
            raise DeliveryError(str(exc), permanent=True) from exc
        headers = {
            "Content-Type": "application/json",
            "User-Agent": self.user_agent,
            **signing.headers(secret, webhook_id, int(self.clock()), body),
        }
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection = self._connection(parts.scheme, parts.hostname or "", parts.port)
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            status = response.status
            if 200 <= status < 300:
                return
            detail = response.read(ERROR_BODY_CHARS).decode("utf-8", "replace")
            retry_after = parse_retry_after(response.getheader("Retry-After"), self.clock())
        except (OSError, http.client.HTTPException) as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise DeliveryError(scrub(f"POST to {shown} failed: {reason}", url, "webhook")) from exc
        finally:
            connection.close()
        raise _refusal(status, response.reason, detail, shown, url, retry_after)

    def _connection(self, scheme: str, host: str, port: int | None) -> http.client.HTTPConnection:
        if scheme.lower() == "https":
            context = self.tls_context or ssl.create_default_context()
            return http.client.HTTPSConnection(host, port, timeout=self.timeout_s, context=context)
        return http.client.HTTPConnection(host, port, timeout=self.timeout_s)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date), capped.

    >>> parse_retry_after("120", 0.0), parse_retry_after("soon", 0.0), parse_retry_after(None, 0)
    (120.0, None, None)
    >>> parse_retry_after("Thu, 01 Jan 1970 00:01:00 GMT", 30.0)
    30.0
    """
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), MAX_RETRY_AFTER_S)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    wait = (when - datetime.fromtimestamp(now, UTC)).total_seconds()
    return min(max(wait, 0.0), MAX_RETRY_AFTER_S)


def _refusal(
    status: int, reason: str, detail: str, shown: str, url: str, retry_after: float | None
) -> DeliveryError:
    temporary = status >= 500 or status in TEMPORARY_STATUSES
    what = "redirect not followed" if 300 <= status < 400 else "refused"
    body = " ".join(detail.split())[:ERROR_BODY_CHARS]
    message = scrub(
        f"{shown} {what}: HTTP {status} {reason}{': ' + body if body else ''}", url, "webhook"
    )
    return DeliveryError(message, permanent=not temporary, retry_after_s=retry_after)
