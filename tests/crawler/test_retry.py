"""Retries wait, longer each time, and a server that recovers gets its page archived."""

from __future__ import annotations

import threading
import time

import pytest

from crawler.retry import MAX_BACKOFF_S, backoff_delay
from tests.pages import Story, serve


def test_backoff_doubles_and_is_capped_and_honours_retry_after():
    assert [backoff_delay(n, 1.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff_delay(30, 1.0) == MAX_BACKOFF_S
    assert backoff_delay(1, 1.0, "7") == 7.0
    assert backoff_delay(1, 1.0, "99999") == MAX_BACKOFF_S
    assert backoff_delay(2, 1.0, "Wed, 21 Oct 2026 07:28:00 GMT") == 2.0  # date form: ours


@pytest.mark.slow
def test_a_server_that_recovers_is_retried_with_backoff(redline_sqlite, site):
    redline = redline_sqlite
    redline.env.update(REDLINE_RETRY_TIMES="2", REDLINE_RETRY_BACKOFF_S="0.5")
    site.set_page("/flaky", "<html><body>busy</body></html>", status=503)
    site.set_page("/down", "<html><body>busy</body></html>", status=503)
    stamps: list[float] = []

    def recover() -> None:  # the third request to /flaky finds the server well again
        deadline = time.monotonic() + 60
        while site.requests("/flaky") < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        stamps.append(time.monotonic())
        serve(site, "/flaky", Story())

    watcher = threading.Thread(target=recover, daemon=True)
    watcher.start()
    redline("track", site.url("/flaky"), site.url("/down"))
    started = time.monotonic()
    summary = redline.crawl()
    watcher.join(timeout=5)
    assert summary["new_versions"] == 1 and summary["errors_by_reason"] == {"http-5xx": 1}
    assert site.requests("/flaky") == 3 and site.requests("/down") == 3  # 1 + 2 retries each
    assert stamps and stamps[0] - started >= 0.5  # the first retry waited
    assert summary["duration_s"] >= 1.5  # 0.5 s, then 1 s before the second retry
