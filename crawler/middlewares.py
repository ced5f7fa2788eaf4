"""Downloader middlewares: the network guard and conditional requests."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest

from archive.netguard import HostVerdicts

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

META_VALIDATORS = "redline_validators"  # (etag, last_modified) of the last good capture
META_ORIGINAL_URL = "redline_url"


class BlockedDestinationError(IgnoreRequest):
    """The network guard refused the request's destination."""


class NetworkGuardMiddleware:
    """Refuses private, loopback, link-local and multicast destinations.

    It runs on every request, redirects included (a redirect comes back through the
    downloader middlewares as a new request), after resolving the host name (each host's
    verdict is kept for a minute: see :class:`archive.netguard.HostVerdicts`).
    """

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self.verdicts = HostVerdicts(allow_private=allow_private)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NetworkGuardMiddleware:
        return cls(crawler.settings["REDLINE_CONFIG"].allow_private_networks)

    async def process_request(self, request: Request) -> None:
        verdict = await self.verdicts.check(request.url)
        if verdict.blocked:
            crawler_stats_key = "redline/guard/blocked"
            logger.info("%s: %s (%s)", crawler_stats_key, request.url, verdict.why)
            raise BlockedDestinationError(f"destination refused: {request.url} ({verdict.why})")


class ConditionalRequestMiddleware:
    """Adds If-None-Match / If-Modified-Since from the last good capture.

    Only on the request for the tracked URL itself: a redirect target is another resource,
    and the validators of one must never be sent to the other.
    """

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls()

    def process_request(self, request: Request) -> Any:
        validators = request.meta.get(META_VALIDATORS)
        if not validators or request.url != request.meta.get(META_ORIGINAL_URL):
            return None
        etag, last_modified = validators
        if etag:
            request.headers.setdefault(b"If-None-Match", etag.encode("latin-1", "replace"))
        if last_modified:
            request.headers.setdefault(
                b"If-Modified-Since", last_modified.encode("latin-1", "replace")
            )
        return None
