"""robots.txt read once for every crawl worker of an archive, through Redis.

Scrapy's ``RobotsTxtMiddleware`` fetches a site's robots.txt the first time a process sends the
site a request, and keeps it for the life of the process.  N ``redline worker`` processes
sharing a queue of many sites each fetched every site's robots.txt: N requests where one
does, and each worker's first request to a site waited for its own copy (with 4 workers over
40 sites answering in 100 ms, 160 robots.txt requests at the start of a cycle instead of 40).

:class:`SharedRobotsTxtMiddleware` (set by :func:`crawler.distributed.worker_settings`) looks in
Redis before fetching: ``<redis_prefix>:robots:<scheme>://<host>`` holds the body a worker fetched,
for :data:`TTL_S`. A worker that finds it parses it as Scrapy would have parsed its own copy (the
same parser, the same rules); one that does not fetches it as Scrapy does and stores what it got.
Workers started together all miss it at once, so the first to look claims the fetch
(``...:fetching``, set if absent, for :data:`CLAIM_S`) and the others wait for its copy, polling
Redis, until it is stored or the claim is gone (the claimer's fetch failed: each then fetches its
own) or expired. A robots.txt that could not be fetched (a network error) is not stored: the next
worker tries for itself, and so does it after a server error (5xx) or a 429. Within a process, as
in Scrapy, a site's rules are read once and kept.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Final

from scrapy import signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

if TYPE_CHECKING:
    from redis import Redis
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.robotstxt import RobotParser

    from archive.config import Config

logger = logging.getLogger(__name__)

# How long a fetched robots.txt serves every worker (Google's crawlers keep one up to a day).
TTL_S: Final = 3600
# A larger robots.txt is not shared (Google reads the first 500 KiB of one).
MAX_BYTES: Final = 512 * 1024
# How long a worker's claim to fetch a site's robots.txt for all of them lasts, and how often
# the others look for its copy meanwhile.
CLAIM_S: Final = 10
POLL_S: Final = 0.05


def robots_key(prefix: str, scheme: str, netloc: str) -> str:
    return f"{prefix}:robots:{scheme}://{netloc}"


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with each site's robots.txt shared through Redis."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        config: Config = crawler.settings["REDLINE_CONFIG"]
        self.prefix = config.redis_prefix
        self.redis_url = config.redis_url
        self._client: Redis | None = None
        # this process's one look-up per site (its requests to the site wait on it) and the
        # claims it holds, by site
        self._lookups: dict[str, asyncio.Future[bytes | None]] = {}
        self._claims: dict[str, str] = {}
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    def _redis(self) -> Redis:
        if self._client is None:
            from redis import Redis

            # short timeouts: the calls are made on the reactor's thread
            self._client = Redis.from_url(
                self.redis_url, socket_connect_timeout=2, socket_timeout=2
            )
        return self._client

    def _shared(self, key: str) -> bytes | None:
        from redis.exceptions import RedisError

        try:
            body = self._redis().get(key)
        except RedisError as exc:  # fetch it as if no worker had
            logger.warning("cannot read the shared robots.txt %s (%s)", key, exc)
            return None
        return body if isinstance(body, bytes) else None

    async def _look_up(self, key: str, netloc: str) -> bytes | None:
        """The shared copy, waited for while another worker fetches it; None: fetch it here
        (with the claim, when this worker made it)."""
        body = self._shared(key)
        if body is not None:
            return body
        if self._claim(key):
            self._claims[netloc] = key
            return None
        return await self._wait_for_shared(key)

    def _claim(self, key: str) -> bool:
        """Whether this worker fetches ``key``'s robots.txt for all (True when Redis fails)."""
        from redis.exceptions import RedisError

        try:
            return bool(self._redis().set(f"{key}:fetching", b"1", nx=True, ex=CLAIM_S))
        except RedisError as exc:
            logger.warning("cannot claim robots.txt %s (%s)", key, exc)
            return True

    def _release(self, key: str) -> None:
        from redis.exceptions import RedisError

        try:
            self._redis().delete(f"{key}:fetching")
        except RedisError as exc:  # it expires
            logger.warning("cannot release robots.txt %s (%s)", key, exc)

    async def _wait_for_shared(self, key: str) -> bytes | None:
        """The copy the claiming worker stores; None when its claim ends without one."""
        from redis.exceptions import RedisError

        deadline = time.monotonic() + CLAIM_S
        while time.monotonic() < deadline:
            await asyncio.sleep(POLL_S)
            try:
                body, claimed = self._redis().mget(key, f"{key}:fetching")
            except RedisError as exc:
                logger.warning("cannot read the shared robots.txt %s (%s)", key, exc)
                return None
            if isinstance(body, bytes):
                return body
            if claimed is None:
                return None
        return None

    def _share(self, key: str, body: bytes) -> None:
        from redis.exceptions import RedisError

        if len(body) > MAX_BYTES:
            return
        try:
            self._redis().set(key, body, ex=TTL_S)
        except RedisError as exc:  # the other workers fetch their own
            logger.warning("cannot share robots.txt %s (%s)", key, exc)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            lookup = self._lookups.get(netloc)
            if lookup is None:
                key = robots_key(self.prefix, url.scheme, netloc)
                lookup = self._lookups[netloc] = asyncio.ensure_future(self._look_up(key, netloc))
            body = await lookup
            if body is not None and netloc not in self._parsers:
                self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler, body)
                self._stats.inc_value("robotstxt/shared")
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        # what Scrapy parses (a 404's page allows everything); not a server error's answer,
        # which this worker reads as allowing everything but the others should try again
        key = robots_key(self.prefix, urlparse_cached(request).scheme, netloc)
        if response.status < 500 and response.status != 429:
            self._share(key, response.body)
        claimed = self._claims.pop(netloc, None)
        if claimed is not None:
            self._release(claimed)
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        claimed = self._claims.pop(netloc, None)
        if claimed is not None:  # the waiting workers fetch their own now
            self._release(claimed)
        super()._robots_error(exc, netloc)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
