"""Fetching a feed: one guarded HTTP GET with the standard library.

Feeds are few and small, so they are fetched in the service process with ``urllib`` instead of
a Scrapy crawl (see ``docs/decisions.md``).  Every destination, the first and each redirect,
passes :func:`archive.netguard.check_url`; the body is read up to a limit; conditional GET
(ETag, Last-Modified) turns an unchanged feed into a cheap 304.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPMessage
from typing import IO, Any

from archive.errors import ForbiddenDestinationError
from archive.netguard import check_url
from scheduler.feedparse import FeedError


@dataclass(frozen=True)
class FeedResponse:
    """A fetched feed (``status`` 304 means unchanged, with an empty body)."""

    status: int
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    final_url: str = ""


def _guard(url: str, allow_private: bool) -> None:
    verdict = check_url(url, allow_private=allow_private)
    if verdict.blocked:
        raise ForbiddenDestinationError(f"refusing to fetch {url!r}: {verdict.why}")


class _GuardedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        _guard(newurl, self.allow_private)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch_feed(
    url: str,
    *,
    allow_private: bool,
    timeout_s: float,
    max_bytes: int,
    user_agent: str,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FeedResponse:
    """GET ``url`` with the guard, a timeout and a size limit.

    Raises:
        ForbiddenDestinationError: the guard refused the URL or a redirect.
        FeedError: a network error, an HTTP error status, or a body over ``max_bytes``.
    """
    _guard(url, allow_private)
    headers = {
        "User-Agent": user_agent,
        "Accept": "application/rss+xml, application/atom+xml, "
        "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    opener = urllib.request.build_opener(_GuardedRedirects(allow_private))
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) checked by the guard
    try:
        with opener.open(request, timeout=timeout_s) as response:
            body = _read_limited(response, max_bytes, url)
            return FeedResponse(
                response.status,
                body,
                response.headers.get("ETag"),
                response.headers.get("Last-Modified"),
                response.geturl(),
            )
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return FeedResponse(304, b"", etag, last_modified, url)
        raise FeedError(f"{url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason: Any = getattr(exc, "reason", exc)
        raise FeedError(f"{url}: {reason}") from None


def _read_limited(response: Any, max_bytes: int, url: str) -> bytes:
    body: bytes = response.read(max_bytes + 1)
    if len(body) > max_bytes:
        raise FeedError(f"{url}: larger than {max_bytes} bytes")
    return body
