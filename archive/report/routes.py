"""The web viewer's addresses that reports link to, defined once.

The email report builds links with these functions and the viewer serves the same paths, so a
link in a mail can never drift from the route that answers it.  Paths are relative to the
``base_url`` setting; :func:`absolute` joins them.

>>> diff_path(7, 2, 3)
'/articles/7/diff/2..3'
>>> absolute("https://redline.example/", diff_path(7, 2, 3))
'https://redline.example/articles/7/diff/2..3'
"""

from __future__ import annotations

from urllib.parse import quote

#: The diff page of an article between two version numbers; the viewer parses it back with
#: :data:`DIFF_ROUTE` (Starlette path syntax).
DIFF_ROUTE = "/articles/{url_id:int}/diff/{from_version:int}..{to_version:int}"

#: One-click unsubscribe (RFC 8058: the viewer must accept a POST with no other input).
UNSUBSCRIBE_ROUTE = "/unsubscribe/{token}"


def diff_path(url_id: int, from_version: int, to_version: int) -> str:
    """The viewer's page for the change of tracked URL ``url_id`` between two version numbers."""
    return f"/articles/{int(url_id)}/diff/{int(from_version)}..{int(to_version)}"


#: The diff card of a change (a 1200×675 PNG drawn from the viewer's card template).
CARD_ROUTE = "/articles/{url_id:int}/card/{from_version:int}..{to_version:int}.png"


def card_path(url_id: int, from_version: int, to_version: int) -> str:
    """The viewer's PNG card of the change of ``url_id`` between two version numbers."""
    return f"/articles/{int(url_id)}/card/{int(from_version)}..{int(to_version)}.png"


def article_path(url_id: int) -> str:
    """The viewer's page of one tracked article (its timeline)."""
    return f"/articles/{int(url_id)}"


def unsubscribe_path(token: str) -> str:
    """The page (GET: confirm; POST: unsubscribe at once) for one subscription's token."""
    return "/unsubscribe/" + quote(token, safe="")


def absolute(base_url: str, path: str) -> str:
    """``path`` under the viewer's public address."""
    return base_url.rstrip("/") + path
