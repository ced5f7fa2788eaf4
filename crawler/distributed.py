"""Crawl workers fed from a shared Redis queue, for a deployment that outgrows one machine.

``redline enqueue`` (and each cycle of ``redline run`` when ``redis_url`` is set) claims the due
URLs in the database (:func:`archive.claims.claim_due`, which leases them) and pushes their ids
onto a Redis list.  Any number of ``redline worker`` processes, on any machines that share the
database (PostgreSQL) and the Redis server, pop ids in batches, read each URL's validators and
current version from the database at that moment, and fetch and archive them exactly as
``redline crawl`` does (same middlewares, same pipeline, WARC files in their own data
directory).  Their requests go through scrapy-redis's scheduler with ``SCHEDULER_PERSIST``, so
the requests a stopped worker had not started stay in Redis for the next one.

A worker keeps its request slots full: it pops its first batch (``concurrent_requests`` ids)
at start, and each time a request leaves its downloader it pops another batch if fewer than
two batches' worth are in flight here and waiting in the requests queue together
(:meth:`WorkerSpider.top_up`), so the next requests are ready while the pages just fetched are
extracted and written.  A popped id becomes a request in ``<prefix>:requests`` at once, as for
the first batch: a worker killed before starting it leaves it there for the next worker, and
one killed mid-download leaves its URL leased until the lease runs out, as before.

Keys, under ``redis_prefix``: ``<prefix>:due`` (the list of ids), ``<prefix>:queued`` (the set
of ids in the list: an id is pushed once however often it is claimed), and scrapy-redis's
``<prefix>:requests`` and ``<prefix>:dupefilter``.  Pushing and popping are Lua scripts, so the
list and the set never disagree, whoever is killed when.

Politeness is shared: before each download a worker takes one of the site's slots in Redis
(:mod:`crawler.site_slots`, ``<prefix>:site:<host>:…``), so ``concurrent_requests_per_domain``
and the download delay hold for all workers together; a killed worker's slots expire.  A
site's robots.txt is fetched once for all workers and kept in Redis for an hour
(:mod:`crawler.shared_robots`, ``<prefix>:robots:<scheme>://<host>``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

import scrapy
from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy_redis.spiders import RedisMixin
from sqlalchemy import select

from archive.claims import claim_due
from archive.config import Config
from archive.db import Database, open_database
from archive.errors import ConfigError, QueueUnavailableError
from archive.models import TrackedURL
from archive.policy import Policy
from crawler.configure import settings_for
from crawler.extensions import CrawlSummary
from crawler.heap import settle
from crawler.spiders.articles import ArticleSpider, targets_of

if TYPE_CHECKING:
    from redis import Redis
    from scrapy.crawler import Crawler
    from twisted.internet.task import LoopingCall

logger = logging.getLogger(__name__)

# How often a worker looks for queued ids besides each request leaving its downloader: the
# most an idle worker waits before it starts on what a cycle of `redline run` queues.
IDLE_POLL_S: Final = 0.5

# Push the ids not queued yet (KEYS: list, set; ARGV: ids); returns how many were pushed.
_PUSH = """
local pushed = 0
for _, id in ipairs(ARGV) do
  if redis.call('SADD', KEYS[2], id) == 1 then
    redis.call('RPUSH', KEYS[1], id)
    pushed = pushed + 1
  end
end
return pushed
"""

# Pop up to ARGV[1] ids (KEYS: list, set), taking them out of the set in the same step.
_POP = """
local ids = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #ids > 0 then
  redis.call('LTRIM', KEYS[1], #ids, -1)
  redis.call('SREM', KEYS[2], unpack(ids))
end
return ids
"""


@dataclass(frozen=True)
class QueueKeys:
    """redline's Redis keys for one archive."""

    due: str
    queued: str
    requests: str
    dupefilter: str

    @classmethod
    def for_prefix(cls, prefix: str) -> QueueKeys:
        return cls(
            f"{prefix}:due", f"{prefix}:queued", f"{prefix}:requests", f"{prefix}:dupefilter"
        )


def connect(config: Config) -> Redis:
    """A client for the configured Redis server, checked with a PING.

    Raises:
        ConfigError: ``redis_url`` is not set.
        QueueUnavailableError: the server cannot be reached.
    """
    from redis import Redis
    from redis.exceptions import RedisError

    if not config.redis_url:
        raise ConfigError("no Redis server: set redis_url (REDLINE_REDIS_URL) for workers")
    try:
        client: Redis = Redis.from_url(config.redis_url, socket_connect_timeout=10)
        client.ping()
    except (RedisError, ValueError) as exc:
        raise QueueUnavailableError(
            f"cannot reach the crawl queue at {config.redis_url}: {exc}"
        ) from None
    return client


def push(client: Redis, keys: QueueKeys, ids: Sequence[int]) -> int:
    """Queue the ids not queued already; returns how many were added."""
    if not ids:
        return 0
    return int(client.eval(_PUSH, 2, keys.due, keys.queued, *ids))


def pop(client: Redis, keys: QueueKeys, count: int) -> list[int]:
    """Take up to ``count`` ids off the queue, oldest first."""
    raw = client.eval(_POP, 2, keys.due, keys.queued, count)
    return [int(x) for x in raw]


def queue_length(config: Config) -> int:
    """How many URLs wait in the queue."""
    keys = QueueKeys.for_prefix(config.redis_prefix)
    return int(connect(config).llen(keys.due))


@dataclass(frozen=True)
class EnqueueResult:
    """What one enqueue did."""

    claimed: int  # due URLs leased in the database
    queued: int  # of those, pushed (the others were in the queue already)
    waiting: int  # the queue's length afterwards

    def to_dict(self) -> dict[str, int]:
        return {"claimed": self.claimed, "queued": self.queued, "waiting": self.waiting}


def enqueue_due(
    config: Config, database: Database, *, now: datetime | None = None, limit: int | None = None
) -> EnqueueResult:
    """Claim the due URLs and queue them for the workers.

    The ids are pushed before the claim commits: if Redis cannot be reached the claim rolls
    back and the URLs stay due; if the commit fails after the push, the URLs are fetched and
    simply claimed again later.
    """
    client = connect(config)
    keys = QueueKeys.for_prefix(config.redis_prefix)
    with database.session() as session:
        ids = claim_due(
            session, now or datetime.now(UTC), lease_s=config.worker_lease_s, limit=limit
        )
        queued = push(client, keys, ids)
    return EnqueueResult(len(ids), queued, int(client.llen(keys.due)))


class WorkerSpider(RedisMixin, ArticleSpider):  # type: ignore[misc]
    """Fetches the tracked URLs popped from the shared queue, until stopped or idle."""

    name = "articles-worker"

    def __init__(self, config: Config | None = None, **kwargs: Any) -> None:
        super().__init__(config=config, **kwargs)
        self.database: Database | None = None
        self._poll: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> WorkerSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        assert isinstance(spider, WorkerSpider)
        spider.setup_redis(crawler)
        crawler.signals.connect(spider.closed_database, signal=signals.spider_closed)
        crawler.signals.connect(spider.top_up, signal=signals.request_left_downloader)
        crawler.signals.connect(spider.start_polling, signal=signals.spider_opened)
        return spider

    def start_polling(self) -> None:
        """Look for queued ids every :data:`IDLE_POLL_S` (a worker with nothing in flight has no
        request leaving its downloader to call :meth:`top_up`, and Scrapy would look again
        only at its idle check, every 5 s)."""
        from twisted.internet import task

        self._poll = task.LoopingCall(self._poll_once)
        self._poll.start(IDLE_POLL_S, now=False)

    def _poll_once(self) -> None:
        engine = self.crawler.engine
        if engine is None or engine.needs_backout():  # full, or closing: requests leaving call
            return
        try:
            self.top_up()
        except Exception:  # the next poll, or the next request leaving, tries again
            logger.exception("could not read the crawl queue")

    async def start(self) -> AsyncIterator[Any]:
        for request in self.next_requests():
            yield request

    def next_requests(self) -> Iterator[scrapy.Request]:
        """Requests for the next batch of queued ids (at start, when idle, and by top_up)."""
        assert self.config is not None and self.crawler.stats is not None
        keys = QueueKeys.for_prefix(self.config.redis_prefix)
        ids = pop(self.server, keys, self.redis_batch_size)
        if not ids:
            return
        self.spider_idle_start_time = int(time.time())  # --max-idle counts from the last work
        if self.database is None:
            # the pipeline has opened (and upgraded) the database already
            self.database = open_database(self.config.sqlalchemy_url, upgrade=False)
        with self.database.session() as session:
            rows = session.scalars(
                select(TrackedURL).where(
                    TrackedURL.id.in_(ids),
                    TrackedURL.active.is_(True),
                    TrackedURL.alias_of_id.is_(None),
                )
            ).all()
            targets = targets_of(session, rows)
        self.crawler.stats.inc_value("redline/expected", len(targets))
        for target in targets:
            yield self.request_for(target)

    def top_up(self) -> None:
        """Pop the next batch before this worker runs dry (on each request that leaves the
        downloader): scrapy-redis alone pops only when the worker is idle, so every batch would
        end with nothing in flight while its pages are extracted and written."""
        engine = self.crawler.engine
        assert self.config is not None
        if engine is None or not engine.running or self.server is None:
            return  # stopping: what is queued stays in Redis for the next worker
        keys = QueueKeys.for_prefix(self.config.redis_prefix)
        # the request leaving is still counted as active: a conservative count
        pending = len(engine.downloader.active) + int(self.server.zcard(keys.requests))
        if pending >= 2 * self.redis_batch_size:
            return
        for request in self.next_requests():
            engine.crawl(request)

    def closed_database(self) -> None:
        if self._poll is not None and self._poll.running:
            self._poll.stop()
        if self.database is not None:
            self.database.dispose()
            self.database = None


def worker_settings(config: Config, *, max_idle_s: int = 0) -> dict[str, Any]:
    """The Scrapy settings of a worker: a crawl's, with scrapy-redis's scheduler and queue.

    ``max_idle_s`` > 0 stops the worker after that long with an empty queue.
    """
    keys = QueueKeys.for_prefix(config.redis_prefix)
    connect(config)  # a clear error when redis_url is missing
    settings = settings_for(config)
    return {
        **settings,
        "DOWNLOADER_MIDDLEWARES": {
            **settings["DOWNLOADER_MIDDLEWARES"],
            # each site's robots.txt fetched once for all workers (crawler/shared_robots.py)
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawler.shared_robots.SharedRobotsTxtMiddleware": 100,
        },
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "SCHEDULER_PERSIST": True,
        # a sorted set (scrapy-redis's default), counted with ZCARD by WorkerSpider.top_up
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "REDIS_URL": config.redis_url,
        "REDIS_START_URLS_KEY": keys.due,
        "MAX_IDLE_TIME_BEFORE_CLOSE": max_idle_s,
        "REDLINE_SHARED_SITE_SLOTS": True,  # per-site limits over all workers (downloader.py)
    }


def run_worker(
    config: Config,
    *,
    max_idle_s: int = 0,
    log_level: str | None = None,
) -> CrawlSummary:
    """Fetch queued URLs until stopped (SIGTERM, Ctrl-C) or idle for ``max_idle_s`` (> 0).

    A stop is graceful, as for a crawl: requests in flight finish and are recorded.  The
    archive schedules each URL's next check from ``config``, as for a crawl.
    """
    Policy.from_config(config)  # a bad refetch_* setting is an error before the worker starts
    settings = worker_settings(config, max_idle_s=max_idle_s)
    if log_level:
        settings["LOG_LEVEL"] = log_level
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(WorkerSpider)
    process.crawl(crawler)
    settle()  # as for a crawl (crawler/runner.py): start-up's objects never examined again
    process.start()
    assert crawler.stats is not None
    return CrawlSummary.from_stats(crawler.stats.get_stats())
