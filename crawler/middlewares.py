"""Downloader middlewares: the network guard, conditional requests and meta refresh.

A request a middleware refuses raises a :class:`RefusedRequest` that names its failure reason,
so that the spider's errback records it as a capture (none is dropped silently).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urljoin, urlsplit

from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as ScrapyMetaRefresh
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import HtmlResponse
from twisted.internet.error import ConnectError, DNSLookupError
from twisted.internet.error import TimeoutError as TxTimeoutError

from archive.enums import FailureReason
from archive.netguard import HostVerdicts
from archive.urls import ALLOWED_SCHEMES, MAX_URL_CHARS

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

META_VALIDATORS = "redline_validators"  # (etag, last_modified) of the last good capture
META_ORIGINAL_URL = "redline_url"


class RefusedRequest(IgnoreRequest):
    """A request a middleware will not fetch, with the failure reason to record."""

    reason: ClassVar[FailureReason] = FailureReason.CONNECTION


class BlockedDestinationError(RefusedRequest):
    """The network guard refused the request's destination."""

    reason = FailureReason.BLOCKED_DESTINATION


class UnresolvedHostError(RefusedRequest):
    """The request's host name does not resolve."""

    reason = FailureReason.DNS


class RedirectRefusedError(RefusedRequest):
    """A redirect to a scheme redline does not fetch (``file:``, ``ftp:``, ``data:``...)."""

    reason = FailureReason.REDIRECT_REFUSED


class URLTooLongError(RefusedRequest):
    """A URL longer than the archive stores (``archive.urls.MAX_URL_CHARS``)."""

    reason = FailureReason.URL_TOO_LONG


REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# How much of a refused Location is quoted in the capture's detail.
MAX_QUOTED_LOCATION = 200


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
        logging.getLogger(ROBOTS_LOGGER).addFilter(ONE_LINE_NETWORK_ERRORS)  # (once: a set)
        return cls(crawler.settings["REDLINE_CONFIG"].allow_private_networks)

    async def process_request(self, request: Request) -> None:
        if len(request.url) > MAX_URL_CHARS:
            raise URLTooLongError(
                f"URL of {len(request.url)} characters not fetched; redline fetches URLs of"
                f" up to {MAX_URL_CHARS}"
            )
        verdict = await self.verdicts.check(request.url)
        if verdict.unresolved:
            host = urlsplit(request.url).hostname
            raise UnresolvedHostError(f"DNS lookup failed for {host}: {verdict.why}")
        if verdict.blocked:
            crawler_stats_key = "redline/guard/blocked"
            logger.info("%s: %s (%s)", crawler_stats_key, request.url, verdict.why)
            raise BlockedDestinationError(f"destination refused: {request.url} ({verdict.why})")

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        """Refuse a redirect to a scheme other than http(s).

        Scrapy's redirect middleware leaves such a redirect unfollowed and hands the 3xx on,
        where it was dropped as a "non-200 response": the capture must say the redirect was
        refused, and why.
        """
        if response.status not in REDIRECT_STATUSES:
            return response
        location = response.headers.get(b"Location")
        if not location:
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        scheme = urlsplit(target).scheme.lower()
        if scheme in ALLOWED_SCHEMES:
            return response
        quoted = target[:MAX_QUOTED_LOCATION] + ("..." if len(target) > MAX_QUOTED_LOCATION else "")
        raise RedirectRefusedError(
            f"redirect ({response.status}) to a {scheme or 'schemeless'}: URL refused: only"
            f" http and https are followed ({quoted})"
        )


# Errors that say a site cannot be reached: the capture of the article records them.
_NETWORK_ERRORS = (
    CannotResolveHostError,
    DNSLookupError,
    DownloadTimeoutError,
    TxTimeoutError,
    DownloadConnectionRefusedError,
    ConnectError,
)
ROBOTS_LOGGER = "scrapy.downloadermiddlewares.robotstxt"


class OneLineNetworkErrors(logging.Filter):
    """Drops the traceback of a robots.txt fetch that failed for a network reason.

    Scrapy logs each one with its chained traceback (about 75 lines for a host that does not
    resolve), although the article's own fetch fails the same way and is recorded with its
    reason: the message line is enough.  Other errors keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and _is_network_error(record.exc_info[1]):
            record.exc_info = None
            record.exc_text = None
        return True


def _is_network_error(error: BaseException | None) -> bool:
    seen = 0
    while error is not None and seen < 5:
        if isinstance(error, _NETWORK_ERRORS):
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


ONE_LINE_NETWORK_ERRORS = OneLineNetworkErrors()


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


# Scrapy looks for a meta refresh in a page's first 4,096 characters: at most 4 bytes each in
# UTF-8 (and in any other ASCII-compatible encoding a page may use).
META_REFRESH_WINDOW = 4 * 4096


def may_refresh(body: bytes) -> bool:
    """Whether a page's first 4,096 characters may hold a meta refresh.

    False only when the bytes they can take are ASCII-compatible (no NUL, so not UTF-16 or
    UTF-32) and do not spell "refresh" in any case.
    """
    window = body[:META_REFRESH_WINDOW]
    # bytes.lower() folds ASCII letters only, as a bytes pattern with re.I does; a search of
    # the lowered copy costs a fifth of that pattern's (20 against 110 us a page)
    return b"\x00" in window or b"refresh" in window.lower()


class MetaRefreshMiddleware(ScrapyMetaRefresh):
    """Scrapy's ``MetaRefreshMiddleware``, which skips the pages that cannot hold a refresh.

    Scrapy decodes the whole body to read its first 4,096 characters: about 0.3 ms of the
    crawl process's time for an average news page, on every page.  A page whose first bytes
    do not even spell "refresh" (nearly all) is passed on as it is; the others go through
    Scrapy's own check.  Replaces Scrapy's at the same place (``METAREFRESH_*`` settings
    apply).
    """

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if isinstance(response, HtmlResponse) and not may_refresh(response.body):
            return response
        return super().process_response(request, response)
