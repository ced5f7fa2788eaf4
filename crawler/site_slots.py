"""Per-site request slots in Redis, shared by every crawl worker of an archive.

Scrapy keeps ``CONCURRENT_REQUESTS_PER_DOMAIN`` and the download delay per process, so N
``redline worker`` processes alone would send N times as much to one site.  A worker's
downloader (:class:`crawler.downloader.PoliteDownloader`) therefore takes one of the site's
slots here before each download and gives it back when the response has arrived.

Per site (Scrapy's download slot key, the host name), under ``<redis_prefix>:site:<host>``:

- ``…:leases``, a sorted set: one member per download in flight, scored by the time its lease
  runs out (milliseconds, Redis's clock).  A lease lasts ``site_slot_lease_s`` and is renewed
  while the download runs, so the slots of a killed worker (or of a machine that vanished)
  are free again within one lease.
- ``…:last``, the time the last download of the site started, for the download delay.

Taking a slot is one Lua script (atomic on the server): drop the expired leases; if fewer than
the limit remain and the delay since the last start has passed, add a lease and note the start;
otherwise answer how long to wait.  Time is the Redis server's (``TIME``), so the workers'
clocks need not agree.  Both keys expire on their own once nothing holds them.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis import Redis
    from redis.asyncio import Redis as AsyncRedis

logger = logging.getLogger(__name__)

# KEYS: leases, last start; ARGV: token, limit, lease (ms), delay (ms).
# Returns 0 when the slot is taken, else the milliseconds to wait at least (a hint).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
local delay = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(first[2]) - now)
end
local last = redis.call('GET', KEYS[2])
if last and delay > 0 and now < tonumber(last) + delay then
  return math.max(1, tonumber(last) + delay - now)
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
redis.call('SET', KEYS[2], now, 'PX', math.max(delay, 1000))
return 0
"""

# KEYS: leases; ARGV: token, lease (ms).  Returns 1 if the lease was still held (and renewed).
_RENEW = """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""

# The longest pause between two tries for a full site: a slot given back is seen within it.
# A pause is drawn from 50-100% of it, so that waiting workers do not try in step.
POLL_S = 0.1
# A failed call to Redis is tried again after this long (a download never goes without a slot).
RETRY_S = 1.0


@dataclass(frozen=True)
class SlotKeys:
    """The Redis keys of one site's slots."""

    leases: str
    last: str

    @classmethod
    def of(cls, prefix: str, site: str) -> SlotKeys:
        return cls(f"{prefix}:site:{site}:leases", f"{prefix}:site:{site}:last")


def new_token() -> str:
    """A name for one download's lease, unique over every worker."""
    return uuid.uuid4().hex


class SiteSlots:
    """The shared slots through a blocking client (for tools, tests and inspection)."""

    def __init__(self, client: Redis, prefix: str, *, lease_s: float) -> None:
        self.client = client
        self.prefix = prefix
        self.lease_ms = max(1, round(lease_s * 1000))

    def try_acquire(self, site: str, token: str, *, limit: int, delay_s: float = 0.0) -> int:
        """Take a slot of ``site`` for ``token``: 0 if taken, else milliseconds to wait."""
        keys = SlotKeys.of(self.prefix, site)
        delay_ms = round(delay_s * 1000)
        args = (token, limit, self.lease_ms, delay_ms)
        return int(self.client.eval(_ACQUIRE, 2, keys.leases, keys.last, *args))

    def renew(self, site: str, token: str) -> bool:
        """Extend ``token``'s lease by a full lease; False if it had run out already."""
        keys = SlotKeys.of(self.prefix, site)
        return bool(self.client.eval(_RENEW, 1, keys.leases, token, self.lease_ms))

    def release(self, site: str, token: str) -> None:
        self.client.zrem(SlotKeys.of(self.prefix, site).leases, token)

    def holders(self, site: str) -> int:
        """How many leases of ``site`` have not run out."""
        keys = SlotKeys.of(self.prefix, site)
        now_s, now_us = self.client.time()
        now_ms = int(now_s) * 1000 + int(now_us) // 1000
        return int(self.client.zcount(keys.leases, f"({now_ms}", "+inf"))


class SharedSlots:
    """The shared slots for a downloader on the asyncio reactor: waiting never blocks it."""

    def __init__(self, redis_url: str, prefix: str, *, lease_s: float) -> None:
        self.redis_url = redis_url
        self.prefix = prefix
        self.lease_s = lease_s
        self.lease_ms = max(1, round(lease_s * 1000))
        self._client: AsyncRedis | None = None
        self._scripts: dict[str, Any] = {}
        # set when this process gives back a slot of the site: its waiters try again at once
        self._freed: dict[str, asyncio.Event] = {}

    def _redis(self) -> AsyncRedis:
        if self._client is None:  # made in the running loop, which its connections belong to
            from redis.asyncio import Redis as AsyncRedis

            self._client = AsyncRedis.from_url(self.redis_url, socket_connect_timeout=10)
            self._scripts = {
                "acquire": self._client.register_script(_ACQUIRE),
                "renew": self._client.register_script(_RENEW),
            }
        return self._client

    async def acquire(self, site: str, token: str, *, limit: int, delay_s: float) -> None:
        """Wait (without blocking the event loop) until ``token`` holds a slot of ``site``."""
        from redis.exceptions import RedisError

        keys = SlotKeys.of(self.prefix, site)
        args = [token, max(1, limit), self.lease_ms, round(delay_s * 1000)]
        while True:
            try:
                self._redis()
                wait_ms = int(
                    await self._scripts["acquire"](keys=[keys.leases, keys.last], args=args)
                )
            except RedisError as exc:
                logger.warning("cannot take a slot of %s in Redis (%s); trying again", site, exc)
                await asyncio.sleep(RETRY_S)
                continue
            if wait_ms == 0:
                return
            freed = self._freed.setdefault(site, asyncio.Event())
            pause = min(wait_ms / 1000, POLL_S * random.uniform(0.5, 1.0))
            with suppress(TimeoutError):
                await asyncio.wait_for(freed.wait(), pause)

    async def release(self, site: str, token: str) -> None:
        from redis.exceptions import RedisError

        try:
            await self._redis().zrem(SlotKeys.of(self.prefix, site).leases, token)
        except RedisError as exc:  # the lease runs out on its own
            logger.warning("cannot give back a slot of %s in Redis (%s)", site, exc)
        freed = self._freed.pop(site, None)
        if freed is not None:
            freed.set()

    async def _renew_while_held(self, site: str, token: str) -> None:
        from redis.exceptions import RedisError

        keys = SlotKeys.of(self.prefix, site)
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                held = await self._scripts["renew"](keys=[keys.leases], args=[token, self.lease_ms])
            except RedisError as exc:
                logger.warning("cannot renew a slot of %s in Redis (%s)", site, exc)
                continue
            if not held:
                logger.warning("a download from %s outlived its slot's lease", site)
                return

    @asynccontextmanager
    async def hold(self, site: str, *, limit: int, delay_s: float) -> AsyncIterator[None]:
        """A slot of ``site`` for the duration of the block, renewed while it runs."""
        token = new_token()
        await self.acquire(site, token, limit=limit, delay_s=delay_s)
        renewing = asyncio.ensure_future(self._renew_while_held(site, token))
        try:
            yield
        finally:
            renewing.cancel()
            with suppress(asyncio.CancelledError):
                await renewing
            await self.release(site, token)

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()
