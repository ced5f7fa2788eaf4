"""Security headers on every response of the viewer.

The viewer's own pages load scripts and styles only from its own ``/static/`` files (no inline
script, no inline style, nothing from another host), cannot be framed by another site, and
send no ``Referer`` to the sites that archived articles link to.  A route that needs another
policy (the raw snapshot, framed by the viewer's own page and sandboxed) sets its own
``Content-Security-Policy`` and ``X-Frame-Options``, and this middleware leaves them alone.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The viewer's own pages: scripts, styles, images and forms from the viewer only.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)

DEFAULT_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", PAGE_POLICY.encode("ascii")),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


class SecurityHeaders:
    """ASGI middleware adding :data:`DEFAULT_HEADERS` to responses that do not set them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_missing(message)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_missing(message: MutableMapping[str, Any]) -> None:
    """Add each default header the response start ``message`` does not carry already."""
    headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
    present = {name.lower() for name, _ in headers}
    headers.extend((name, value) for name, value in DEFAULT_HEADERS if name not in present)
    message["headers"] = headers
