"""crawler.shared_robots: a worker waiting for another's robots.txt never blocks its reactor.

The middleware runs on the asyncio loop Scrapy's reactor drives; its Redis calls here go
through a real relay to the real Redis (REDLINE_TEST_REDIS_URL) that holds every answer for
:data:`DELAY_S`, as a slow or distant Redis would.  Workers started together, fetching and
sharing robots.txt for real, are tests/crawler/test_workers.py's."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from scrapy.utils.test import get_crawler

from archive.config import Config
from crawler.shared_robots import CLAIM_S, SharedRobotsTxtMiddleware, robots_key

pytestmark = [pytest.mark.redis]

# How long the relay holds each of Redis's answers; the loop must keep turning meanwhile.
DELAY_S = 0.3


def _pipe(source: socket.socket, sink: socket.socket, delay_s: float) -> None:
    try:
        while chunk := source.recv(65536):
            time.sleep(delay_s)
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            end.close()


@pytest.fixture
def slow_redis_url(redis_url: str) -> Iterator[str]:
    """A TCP relay on loopback to the real Redis, each answer held for DELAY_S."""
    target = urlsplit(redis_url)
    listener = socket.create_server(("127.0.0.1", 0))
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection((target.hostname, target.port or 6379))
            threading.Thread(target=_pipe, args=(client, upstream, 0), daemon=True).start()
            threading.Thread(target=_pipe, args=(upstream, client, DELAY_S), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    port = listener.getsockname()[1]
    yield f"redis://127.0.0.1:{port}{target.path or '/0'}"
    stopping.set()
    listener.close()


def _middleware(redis_url: str, prefix: str) -> SharedRobotsTxtMiddleware:
    config = Config(redis_url=redis_url, redis_prefix=prefix)
    crawler = get_crawler(settings_dict={"REDLINE_CONFIG": config, "ROBOTSTXT_OBEY": True})
    return SharedRobotsTxtMiddleware(crawler)


async def _while_ticking(work: asyncio.Future[bytes | None]) -> tuple[bytes | None, float]:
    """``work``'s result, and the longest the loop went without running a 10 ms ticker."""
    longest = 0.0
    last = time.monotonic()
    while not work.done():
        await asyncio.sleep(0.01)
        now = time.monotonic()
        longest, last = max(longest, now - last), now
    return work.result(), longest


def test_waiting_for_another_workers_copy_leaves_the_loop_free(slow_redis_url, redis_url):
    """Another worker holds the claim; this one looks up, finds it, polls (every answer held
    0.3 s) until the copy is stored, and gets it: the loop meanwhile never stops for longer
    than a fraction of one Redis answer."""
    from redis import Redis

    prefix = f"redline-test-{uuid.uuid4().hex[:8]}"
    key = robots_key(prefix, "https", "news.example")
    direct = Redis.from_url(redis_url)
    middleware = _middleware(slow_redis_url, prefix)
    try:
        assert direct.set(f"{key}:fetching", b"1", nx=True, ex=CLAIM_S)  # the other worker's
        stored = threading.Timer(1.5, direct.set, (key, b"User-agent: *\nDisallow: /x/\n"))
        stored.start()

        async def look_up() -> tuple[bytes | None, float, float]:
            started = time.monotonic()
            lookup = asyncio.ensure_future(middleware._look_up(key, "news.example"))
            body, longest = await _while_ticking(lookup)
            return body, longest, time.monotonic() - started

        body, longest, took = asyncio.run(look_up())
        stored.join()
    finally:
        middleware.close()
        direct.delete(key, f"{key}:fetching")
        direct.close()
    assert body == b"User-agent: *\nDisallow: /x/\n"
    assert 1.5 <= took < CLAIM_S  # it waited for the copy (one GET, one SET NX, the polls)
    assert longest < DELAY_S / 2, longest  # never blocked on a Redis answer
