"""Opaque cursors for the JSON API's lists, and their ``Link: <...>; rel="next"`` header.

A cursor is the sort key of the last item of a page (keyset pagination), as URL-safe base64 of
a small JSON array.  A page then starts right after that item however many items were added
in front of it meanwhile, and reading a deep page costs no more than reading the first.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from starlette.requests import Request

from archive.web.linkformat import Link, header_value

MAX_CURSOR_CHARS = 400


class BadCursor(ValueError):
    """A cursor this viewer did not write."""


def encode(key: list[Any]) -> str:
    raw = json.dumps(key, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode(cursor: str, size: int) -> list[Any]:
    """The key list of ``size`` items a cursor holds; raises :class:`BadCursor`."""
    if len(cursor) > MAX_CURSOR_CHARS:
        raise BadCursor("cursor too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadCursor("malformed cursor") from None
    if not isinstance(key, list) or len(key) != size:
        raise BadCursor("malformed cursor")
    return key


def next_url(request: Request, cursor: str | None) -> str | None:
    """The address of the next page: this request's with ``cursor`` replaced."""
    if cursor is None:
        return None
    return str(request.url.include_query_params(cursor=cursor))


def link_header(url: str | None) -> dict[str, str]:
    """``{"Link": '<url>; rel="next"'}``, or nothing on the last page."""
    return {"Link": header_value([Link(url, ("next",))])} if url else {}
