"""Retries with exponential backoff (Scrapy's own RetryMiddleware retries at once).

A retry waits ``base * 2 ** (n - 1)`` seconds before its n-th attempt, capped at
:data:`MAX_BACKOFF_S`, or as long as the server's ``Retry-After`` asks (seconds form), within
the same cap.  The wait holds the request's download slot, so a struggling site also sees
fewer concurrent requests from us while it recovers.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

# Longest wait before one retry: past a minute, the next scheduled check is the better retry.
MAX_BACKOFF_S = 60.0


def backoff_delay(attempt: int, base_s: float, retry_after: str | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (1-based)."""
    if retry_after and retry_after.strip().isdigit():
        return min(float(retry_after.strip()), MAX_BACKOFF_S)
    return min(base_s * 2.0 ** max(attempt - 1, 0), MAX_BACKOFF_S)


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits before each retry (see the module docstring)."""

    base_s: float = 1.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = super().from_crawler(crawler)
        middleware.base_s = crawler.settings["REDLINE_CONFIG"].retry_backoff_s
        return middleware

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            retry_after = response.headers.get(b"Retry-After")
            await self._wait(result, retry_after.decode("latin-1") if retry_after else None)
        return result

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result, None)
        return result

    async def _wait(self, retry: Request, retry_after: str | None) -> None:
        delay = backoff_delay(int(retry.meta.get("retry_times", 1)), self.base_s, retry_after)
        if delay > 0:
            await asyncio.sleep(delay)
