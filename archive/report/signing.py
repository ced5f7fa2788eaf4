"""Standard Webhooks signatures (https://www.standardwebhooks.com/): who sent it, and when.

Every webhook request carries three headers:

* ``webhook-id``: the delivery's id, the same on every retry of one report (receivers
  deduplicate on it);
* ``webhook-timestamp``: the send time in whole seconds since the epoch (receivers refuse old
  ones, which stops replays);
* ``webhook-signature``: ``v1,`` and the base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}``
  under the subscription's secret.

The secret is ``whsec_`` and base64 of 32 random bytes; the HMAC key is those bytes.

>>> secret = "whsec_" + "A" * 43 + "="
>>> sign(secret, "msg_1", 1700000000, b'{"a":1}')
'v1,HA9nSvEEuynF+mEPWgOAUWbrVA21G6kMzfOt+yEvB3I='
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 (the scheme's prefix, not a secret)


def new_secret() -> str:
    """A fresh signing secret, ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key inside ``secret`` (with or without its ``whsec_`` prefix)."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for one request."""
    signed = f"{webhook_id}.{int(timestamp)}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secret: str, webhook_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers of one request."""
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": sign(secret, webhook_id, timestamp, body),
    }


def webhook_id(message_id: str) -> str:
    """A report's webhook id: its outbox Message-ID without the angle brackets.

    >>> webhook_id("<redline.7.ab12@example.org>")
    'redline.7.ab12@example.org'
    """
    return message_id.strip().removeprefix("<").removesuffix(">")
