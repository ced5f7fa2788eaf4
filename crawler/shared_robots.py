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

Every Redis call is made in a thread (:func:`asyncio.to_thread`), never on the reactor's: a
worker waiting for another's copy polls every :data:`POLL_S` for up to :data:`CLAIM_S`, and a
slow Redis (up to its 2 s socket timeouts a call) would otherwise stall every download of the
process meanwhile.
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
        # made before any thread uses it (it connects at its first call; it is thread-safe)
        self._client: Redis | None = self._connect()
        # this process's one look-up per site (its requests to the site wait on it) and the
        # claims it holds, by site
        self._lookups: dict[str, asyncio.Future[bytes | None]] = {}
        self._claims: dict[str, str] = {}
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    def _connect(self) -> Redis:
        from redis import Redis

        # short timeouts: a worker whose Redis is slow fetches robots.txt itself
        return Redis.from_url(self.redis_url, socket_connect_timeout=2, socket_timeout=2)

    def _redis(self) -> Redis:
        if self._client is None:  # closed: a request after the spider closed
            self._client = self._connect()
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
        body = await asyncio.to_thread(self._shared, key)
        if body is not None:
            return body
        if await asyncio.to_thread(self._claim, key):
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
        deadline = time.monotonic() + CLAIM_S
        while time.monotonic() < deadline:
            await asyncio.sleep(POLL_S)
            body, claimed = await asyncio.to_thread(self._poll, key)
            if body is not None or not claimed:
                return body
        return None

    def _poll(self, key: str) -> tuple[bytes | None, bool]:
        """The shared copy, and whether a worker still claims its fetch (not when Redis
        fails: then this worker fetches its own)."""
        from redis.exceptions import RedisError

        try:
            body, claimed = self._redis().mget(key, f"{key}:fetching")
        except RedisError as exc:
            logger.warning("cannot read the shared robots.txt %s (%s)", key, exc)
            return None, False
        return (body if isinstance(body, bytes) else None), claimed is not None

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
        parser = await super().robot_parser(request)
        # fetched here (and stored when it may be: _parse_robots) or failed: either way the
        # claim ends now, and workers waiting for a copy that will not come fetch their own
        claimed = self._claims.pop(netloc, None)
        if claimed is not None:
            await asyncio.to_thread(self._release, claimed)
        return parser

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        # what Scrapy parses (a 404's page allows everything); not a server error's answer,
        # which this worker reads as allowing everything but the others should try again
        if response.status < 500 and response.status != 429:
            key = robots_key(self.prefix, urlparse_cached(request).scheme, netloc)
            await asyncio.to_thread(self._share, key, response.body)
        await super()._parse_robots(response, netloc, request)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
