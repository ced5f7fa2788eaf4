"""Crawl workers on a shared Redis queue: `redline enqueue` and two `redline worker` processes
against one PostgreSQL archive and a real site on 127.0.0.1.  Needs Redis
(REDLINE_TEST_REDIS_URL) and PostgreSQL (REDLINE_TEST_POSTGRES_URL)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.claims import claim_due
from archive.db import open_database
from archive.models import TrackedURL
from archive.store import track
from crawler.distributed import QueueKeys, pop, push
from tests.conftest import Redline, _postgres_schema_url
from tests.pages import Story, serve

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]

PAGES = [f"/story-{i}" for i in range(6)]


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own, deleted afterwards."""
    from redis import Redis

    client = Redis.from_url(redis_url)
    name = f"redline-test-{uuid.uuid4().hex[:8]}"
    yield name
    for key in client.scan_iter(f"{name}:*"):
        client.delete(key)
    client.close()


@pytest.fixture
def postgres() -> Iterator[str]:
    """A fresh PostgreSQL archive: the database workers on several machines share."""
    yield from _postgres_schema_url()


def test_queue_pushes_each_id_once_and_pops_in_order(redis_url, prefix):
    from redis import Redis

    client = Redis.from_url(redis_url)
    keys = QueueKeys.for_prefix(prefix)
    assert push(client, keys, [3, 1, 2]) == 3
    assert push(client, keys, [2, 4]) == 1  # 2 is waiting already
    assert pop(client, keys, 2) == [3, 1]
    assert push(client, keys, [3]) == 1  # popped, so it may be queued again
    assert pop(client, keys, 10) == [2, 4, 3]
    assert pop(client, keys, 10) == []
    client.close()


def test_a_claim_leases_due_urls_so_they_are_not_claimed_twice(postgres):
    database = open_database(postgres)
    now = datetime.now(UTC)
    with database.session() as session:
        ids = [track(session, f"https://example.org/{i}", now=now)[0].id for i in range(3)]
    now += timedelta(seconds=1)
    with database.session() as session:
        assert sorted(claim_due(session, now, lease_s=600)) == sorted(ids)
    with database.session() as session:
        assert claim_due(session, now, lease_s=600) == []
        # the lease runs out: a worker that died never recorded a capture
        later = now + timedelta(seconds=601)
        assert sorted(claim_due(session, later, lease_s=600)) == sorted(ids)
        leased = session.get(TrackedURL, ids[0])
        assert leased is not None and leased.next_check_at is not None
    database.dispose()


def _worker(redline: Redline) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scheduler.cli", "worker", "--max-idle", "3", "--json"],
        env=redline.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run_workers(redline: Redline, count: int) -> list[dict[str, int]]:
    procs = [_worker(redline) for _ in range(count)]
    summaries = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        summaries.append(json.loads(out))
    return summaries


def test_two_workers_share_the_queue_and_archive_every_url_once(
    postgres, redis_url, prefix, tmp_path, site
):
    redline = Redline(tmp_path / "data", postgres)
    redline.env.update(REDLINE_REDIS_URL=redis_url, REDLINE_REDIS_PREFIX=prefix)
    for path in PAGES:
        serve(site, path, Story())
        redline("track", site.url(path))

    queued = redline.json("enqueue")
    assert queued == {"claimed": len(PAGES), "queued": len(PAGES), "waiting": len(PAGES)}
    assert redline.json("enqueue") == {"claimed": 0, "queued": 0, "waiting": len(PAGES)}

    summaries = _run_workers(redline, 2)
    assert sum(s["fetched"] for s in summaries) == len(PAGES)
    assert sum(s["new_versions"] for s in summaries) == len(PAGES)
    assert sum(s["errors"] for s in summaries) == 0
    fetched = Counter(
        url for url in (site.url(p) for p in PAGES) for _ in redline.json("captures", url)
    )
    assert set(fetched.values()) == {1}, fetched  # every URL once, by one worker or the other

    # The next round: every URL is due again; one article really changes.
    serve(site, PAGES[2], Story().but(headline="Palmyra back in government hands"))
    redline("crawl", "--url", site.url(PAGES[0]))  # a local crawl next to the workers is fine
    database = open_database(postgres)
    with database.session() as session:
        for tracked in session.query(TrackedURL):
            tracked.next_check_at = datetime.now(UTC) - timedelta(seconds=1)
    database.dispose()
    assert redline.json("enqueue")["queued"] == len(PAGES)
    summaries = _run_workers(redline, 2)
    assert sum(s["new_versions"] for s in summaries) == 1
    assert sum(s["unchanged"] + s["not_modified"] for s in summaries) == len(PAGES) - 1
    versions = redline.json("versions", site.url(PAGES[2]))
    assert [v["headline"] for v in versions][-1] == "Palmyra back in government hands"
    assert len(redline.json("versions", site.url(PAGES[1]))) == 1


def test_a_worker_keeps_redirect_hops_and_compressed_pages_as_received(
    postgres, redis_url, prefix, tmp_path, site
):
    """A redirect goes back through scrapy-redis's queue: the hops kept so far go with it."""
    import gzip

    from warcio.archiveiterator import ArchiveIterator

    from tests.pages import article_page

    redline = Redline(tmp_path / "data", postgres)
    redline.env.update(REDLINE_REDIS_URL=redis_url, REDLINE_REDIS_PREFIX=prefix)
    sent = gzip.compress(article_page(Story(), 1).encode(), mtime=0)
    site.set_page("/gz", sent, headers={"Content-Encoding": "gzip"}, conditional=False)
    site.redirect("/tracked", "/gz")
    redline("track", site.url("/tracked"))
    assert redline.json("enqueue")["queued"] == 1
    (summary,) = _run_workers(redline, 1)
    assert summary["new_versions"] == 1
    found = []
    for path in sorted((redline.data_dir / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    found.append(
                        (uri, record.http_headers.get_statuscode(), record.raw_stream.read())
                    )
    assert [(uri, status) for uri, status, _ in found] == [
        (site.url("/tracked"), "301"),
        (site.url("/gz"), "200"),
    ]
    assert found[1][2] == sent


def test_enqueue_and_worker_need_a_redis_url(redline_sqlite):
    for command in (["enqueue"], ["worker", "--max-idle", "1"]):
        proc = redline_sqlite(*command, check=False)
        assert proc.returncode == 1
        assert "set redis_url (REDLINE_REDIS_URL)" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_the_service_queues_due_urls_for_workers_instead_of_crawling(
    postgres, redis_url, prefix, tmp_path, site
):
    from redis import Redis

    from tests.scheduler.servicerun import Service

    redline = Redline(tmp_path / "data", postgres)
    redline.env.update(REDLINE_REDIS_URL=redis_url, REDLINE_REDIS_PREFIX=prefix)
    for path in PAGES[:3]:
        serve(site, path, Story())
        redline("track", site.url(path))
    client = Redis.from_url(redis_url)
    keys = QueueKeys.for_prefix(prefix)
    service = Service(redline, tmp_path / "service.log").start()
    try:
        service.wait_until(lambda: client.llen(keys.due) == 3, timeout=60, what="three URLs queued")
        # The ids reach Redis just before the service logs the cycle: wait for the line too.
        service.wait_until(
            lambda: service.events("cycle-queued"), timeout=30, what="the queued cycle logged"
        )
        assert service.events("cycle-queued")[0]["queued"] == 3
        assert not service.events("cycle-started")  # nothing crawled by the service itself
        assert service.stop() == 0
    finally:
        service.kill()
    assert all(redline.json("captures", site.url(p)) == [] for p in PAGES[:3])
    [summary] = _run_workers(redline, 1)
    assert summary["new_versions"] == 3
    assert client.llen(keys.due) == 0
    client.close()


def test_an_unreachable_queue_is_a_one_line_error_and_claims_nothing(redline_sqlite, site):
    serve(site, "/a", Story())
    redline_sqlite("track", site.url("/a"))
    redline_sqlite.env["REDLINE_REDIS_URL"] = "redis://127.0.0.1:9/0"  # nothing listens there
    for command in (["enqueue"], ["worker", "--max-idle", "1"]):
        proc = redline_sqlite(*command, check=False)
        assert proc.returncode == 1
        assert "cannot reach the crawl queue at redis://127.0.0.1:9/0" in proc.stderr
        assert "Traceback" not in proc.stderr
    [row] = redline_sqlite.json("list")
    # still due: nothing was claimed
    assert datetime.fromisoformat(row["next_check_at"]) <= datetime.now(UTC)


def test_workers_re_read_a_version_made_by_an_older_extractor(
    postgres, redis_url, prefix, tmp_path, site
):
    """An extractor change is not an edit through the Redis workers either: the worker's
    pool re-reads the older extractor's version from its WARC record (the data directory the
    workers share), confirms the same article and records only the real edit."""
    from tests.crawler.test_extractor_change import BASE, EDITED, assert_re_read, older_crawl

    redline = Redline(tmp_path / "data", postgres)
    redline.env.update(REDLINE_REDIS_URL=redis_url, REDLINE_REDIS_PREFIX=prefix)
    urls = {path: site.url(path) for path in ("/same", "/edited")}
    for path in urls:
        serve(site, path, BASE)
    redline("track", *urls.values())
    assert older_crawl(redline)["new_versions"] == 2
    serve(site, "/edited", EDITED)
    database = open_database(postgres)
    try:
        with database.session() as session:  # due again
            for tracked in session.query(TrackedURL):
                tracked.next_check_at = datetime.now(UTC) - timedelta(seconds=1)
        assert redline.json("enqueue")["queued"] == 2
        [summary] = _run_workers(redline, 1)
        assert (summary["fetched"], summary["new_versions"], summary["unchanged"]) == (2, 1, 1)
        assert_re_read(database, urls)
    finally:
        database.dispose()


# -- politeness shared by the workers ------------------------------------------------------


def _redline_for_workers(
    postgres: str | None, redis_url: str, prefix: str, tmp_path: Path, per_site: int
) -> Redline:
    redline = Redline(tmp_path / "data", postgres)
    redline.env.update(
        REDLINE_REDIS_URL=redis_url,
        REDLINE_REDIS_PREFIX=prefix,
        REDLINE_CONCURRENT_REQUESTS_PER_DOMAIN=str(per_site),
        # each worker takes only what it may fetch at once, so all three get a share
        REDLINE_CONCURRENT_REQUESTS=str(per_site),
        REDLINE_DOWNLOAD_DELAY_S="0",
    )
    return redline


def test_three_workers_keep_one_site_limit_together(postgres, redis_url, prefix, tmp_path, site):
    """Three workers, a limit of 2: the site never answers more than 2 requests at once (each
    worker alone would send 2, so 6 without the shared slots), and the limit is what holds
    them back (2 at once are reached)."""
    from tests.pages import serve_slow_pages

    redline = _redline_for_workers(postgres, redis_url, prefix, tmp_path, per_site=2)
    paths = serve_slow_pages(site, 24, delay_s=0.5)
    redline("track", *(site.url(p) for p in paths))
    assert redline.json("enqueue")["queued"] == len(paths)
    summaries = _run_workers(redline, 3)
    assert sum(s["new_versions"] for s in summaries) == len(paths)
    assert sum(1 for s in summaries if s["fetched"]) >= 2, summaries  # they did share the work
    assert site.most_in_flight() == 2


def test_a_worker_keeps_its_request_slots_full_between_batches(
    postgres, redis_url, prefix, tmp_path, site
):
    """One worker, 4 requests at once, 40 slow pages: it pops the next batch while the last
    ones download, so the site stays busy.  Popping only when idle (a batch of 4, then
    nothing in flight while the pages are extracted and written) gives the site at least one
    busy spell per batch: 10 here, plus robots.txt's.  Latencies vary (0.2-0.4 s) so that
    requests do not start and end in step, and a short stall of a loaded machine is absorbed."""
    redline = _redline_for_workers(postgres, redis_url, prefix, tmp_path, per_site=4)
    paths = []
    for n in range(40):
        path = f"/slow/{n}"
        serve(site, path, Story(headline=f"Palmyra dispatch number {n}"), delay_s=0.2 + n % 5 / 20)
        paths.append(path)
    redline("track", *(site.url(p) for p in paths))
    assert redline.json("enqueue")["queued"] == len(paths)
    [summary] = _run_workers(redline, 1)
    assert summary["new_versions"] == len(paths)
    assert all(site.requests(p) == 1 for p in paths)
    assert site.most_in_flight() == 4
    # at least two batches' worth a spell on average, where batch-at-a-time gives at most one
    assert site.busy_spells() <= len(paths) // 8, site.busy_spells()


def test_workers_share_several_sites_and_fetch_every_url_once_a_cycle(
    postgres, redis_url, prefix, tmp_path
):
    """Two sites (two host names, so two slots), three workers, two cycles: each URL fetched
    exactly once a cycle, and neither site ever answers more than its limit at once."""
    from scheduler.demo.site import LocalSite

    with LocalSite() as one, LocalSite() as two:
        redline = _redline_for_workers(postgres, redis_url, prefix, tmp_path, per_site=2)
        urls: dict[str, tuple[LocalSite, str]] = {}
        for running, host in ((one, "127.0.0.1"), (two, "localhost")):
            running.set_page("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
            for n in range(8):
                path = f"/news/{n}"
                serve(running, path, Story(headline=f"Dispatch {host} {n}"), delay_s=0.3)
                urls[running.url(path).replace("127.0.0.1", host)] = (running, path)
        redline("track", *urls)
        for cycle in (1, 2):
            if cycle == 2:
                database = open_database(postgres)
                with database.session() as session:
                    for tracked in session.query(TrackedURL):
                        tracked.next_check_at = datetime.now(UTC) - timedelta(seconds=1)
                database.dispose()
            assert redline.json("enqueue")["queued"] == len(urls)
            summaries = _run_workers(redline, 3)
            assert sum(s["fetched"] for s in summaries) == len(urls)
            assert sum(s["errors"] for s in summaries) == 0
            for url, (running, path) in urls.items():
                assert running.requests(path) == cycle, url
                assert len(redline.json("captures", url)) == cycle, url
        assert one.most_in_flight() <= 2 and two.most_in_flight() <= 2


def test_a_killed_workers_site_slot_expires(postgres, redis_url, prefix, tmp_path, site):
    """A worker holds a site's only slot for a download longer than the lease: the lease is
    renewed while it runs; killed with SIGKILL, the slot is free again within the lease."""
    import time

    from redis import Redis

    from crawler.site_slots import SiteSlots

    redline = _redline_for_workers(postgres, redis_url, prefix, tmp_path, per_site=1)
    redline.env["REDLINE_SITE_SLOT_LEASE_S"] = "3"
    redline.env["REDLINE_DOWNLOAD_TIMEOUT_S"] = "60"
    serve(site, "/slow", Story(), delay_s=60)
    redline("track", site.url("/slow"))
    assert redline.json("enqueue")["queued"] == 1
    client = Redis.from_url(redis_url)
    slots = SiteSlots(client, prefix, lease_s=3)
    worker = _worker(redline)
    try:
        deadline = time.monotonic() + 60
        while site.requests("/slow") == 0:
            assert worker.poll() is None and time.monotonic() < deadline, "no request came"
            time.sleep(0.05)
        time.sleep(6)  # twice the lease: still held, because it is renewed
        assert slots.holders("127.0.0.1") == 1
        assert slots.try_acquire("127.0.0.1", "probe", limit=1) > 0  # the slot is taken
        worker.kill()
        worker.wait(timeout=30)
        killed_at = time.monotonic()
        while slots.try_acquire("127.0.0.1", "probe", limit=1) > 0:
            assert time.monotonic() - killed_at < 3 + 1.0, "the killed worker's slot stayed"
            time.sleep(0.05)
        assert slots.holders("127.0.0.1") == 1  # the probe's
        slots.release("127.0.0.1", "probe")
        assert slots.holders("127.0.0.1") == 0
    finally:
        worker.kill()
        worker.communicate(timeout=30)
        client.close()


def test_site_slots_keep_the_limit_and_the_delay(redis_url, prefix):
    import time

    from redis import Redis

    from crawler.site_slots import SiteSlots

    client = Redis.from_url(redis_url)
    slots = SiteSlots(client, prefix, lease_s=30)
    assert slots.try_acquire("a.example", "1", limit=2) == 0
    assert slots.try_acquire("a.example", "2", limit=2) == 0
    assert slots.try_acquire("a.example", "3", limit=2) > 0  # full
    assert slots.try_acquire("b.example", "4", limit=2) == 0  # another site has its own
    slots.release("a.example", "1")
    assert slots.try_acquire("a.example", "3", limit=2) == 0
    assert slots.holders("a.example") == 2 and slots.holders("b.example") == 1
    # a delay between starts, whoever starts: the wait is the rest of the delay
    assert slots.try_acquire("c.example", "5", limit=5, delay_s=0.5) == 0
    wait_ms = slots.try_acquire("c.example", "6", limit=5, delay_s=0.5)
    assert 0 < wait_ms <= 500
    time.sleep(wait_ms / 1000 + 0.01)
    assert slots.try_acquire("c.example", "6", limit=5, delay_s=0.5) == 0
    # a lease runs out unless renewed
    short = SiteSlots(client, prefix, lease_s=0.3)
    assert short.try_acquire("d.example", "7", limit=1) == 0
    time.sleep(0.2)
    assert short.renew("d.example", "7")
    time.sleep(0.2)
    assert short.try_acquire("d.example", "8", limit=1) > 0  # renewed: still held
    time.sleep(0.35)
    assert not short.renew("d.example", "7")
    assert short.try_acquire("d.example", "8", limit=1) == 0
    client.close()


def test_an_idle_worker_starts_on_queued_urls_within_a_second(
    postgres, redis_url, prefix, tmp_path, site
):
    """A running worker with an empty queue looks for work every IDLE_POLL_S (0.5 s), not only
    at Scrapy's idle check every 5 s: each URL queued while it idles is fetched within about a
    second of being queued (three rounds, at different moments of Scrapy's 5 s cycle)."""
    import threading
    import time

    redline = Redline(tmp_path / "data", postgres)
    redline.env.update(
        REDLINE_REDIS_URL=redis_url, REDLINE_REDIS_PREFIX=prefix, REDLINE_LOG_LEVEL="INFO"
    )
    for path in PAGES[:3]:
        serve(site, path, Story())
        redline("track", site.url(path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "scheduler.cli", "worker", "--max-idle", "30", "--json"],
        env=redline.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    opened = threading.Event()

    def read_log() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if "Spider opened" in line:
                opened.set()

    threading.Thread(target=read_log, daemon=True).start()
    try:
        assert opened.wait(90), "the worker did not start"
        delays = []
        for k, path in enumerate(PAGES[:3]):
            time.sleep(1.0 + 1.7 * k)  # idle, at a different point of the 5 s cycle each time
            assert redline.json("enqueue", "--limit", "1")["queued"] == 1
            queued = time.monotonic()
            while not site.request_log(path):
                assert time.monotonic() - queued < 10, f"{path} was not fetched"
                time.sleep(0.05)
            delays.append(time.monotonic() - queued)
        # Scrapy's idle check alone waits 0 to 5 s: three rounds all under 1.5 s would be luck
        assert max(delays) < 1.5, delays
    finally:
        proc.terminate()
        proc.communicate(timeout=60)


def test_workers_share_a_sites_robots_txt(postgres, redis_url, prefix, tmp_path, site):
    """A site's robots.txt is fetched once for every worker of the archive, and its rules hold
    for the workers that read the shared copy: a worker started after the site changed its
    robots.txt still keeps out of the path the shared copy forbids.  The twin: workers of
    another archive (another Redis prefix) fetch it themselves and read the new rules."""
    site.set_page("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    paths = [f"/news/{n}" for n in range(4)]
    for path in [*paths, "/private/memo"]:
        serve(site, path, Story(headline=f"Dispatch {path}"))
    redline = _redline_for_workers(postgres, redis_url, prefix, tmp_path, per_site=2)
    redline("track", *(site.url(p) for p in [*paths, "/private/memo"]))
    assert redline.json("enqueue")["queued"] == len(paths) + 1
    summaries = _run_workers(redline, 2)
    assert sum(s["new_versions"] for s in summaries) == len(paths)
    assert site.requests("/private/memo") == 0
    assert site.requests("/robots.txt") == 1  # each worker alone would fetch its own

    site.set_page("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
    database = open_database(postgres)
    with database.session() as session:
        for tracked in session.query(TrackedURL):
            tracked.next_check_at = datetime.now(UTC) - timedelta(seconds=1)
    database.dispose()
    assert redline.json("enqueue")["queued"] == len(paths) + 1
    _run_workers(redline, 1)
    assert site.requests("/robots.txt") == 1 and site.requests("/private/memo") == 0

    # another archive (SQLite, one worker) with its own prefix
    other = _redline_for_workers(None, redis_url, prefix + "-other", tmp_path / "other", 2)
    other("track", site.url("/private/memo"))
    try:
        assert other.json("enqueue")["queued"] == 1
        [summary] = _run_workers(other, 1)
    finally:
        from redis import Redis

        client = Redis.from_url(redis_url)
        for key in client.scan_iter(f"{prefix}-other:*"):
            client.delete(key)
        client.close()
    assert summary["new_versions"] == 1
    assert site.requests("/robots.txt") == 2 and site.requests("/private/memo") == 1


ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"


@pytest.mark.parametrize("first_fetch", ["server error", "connection dropped", "served"])
def test_a_failed_robots_txt_fetch_ends_the_claim_at_once(
    first_fetch, postgres, redis_url, prefix, tmp_path, site
):
    """Worker A claims the site's robots.txt; its fetch is held while worker B, started
    meanwhile, waits for A's copy.  When A's fetch fails (a 503, or the connection dropped
    with no answer; retries off), A releases the claim at once: B fetches its own within a
    moment, not after CLAIM_S (the claim is stretched to a minute here, so a claim left to
    expire would show), and each worker follows Scrapy's rules for what it got: A's failed
    fetch allows everything (it fetches /private/a), B's robots.txt keeps it out of
    /private/b, and only B's copy is stored for the others.  The twin: A's fetch succeeds,
    B reads A's copy, one robots.txt request in all, and neither fetches a private page."""
    import threading
    import time

    from redis import Redis

    from crawler.shared_robots import robots_key

    redline = _redline_for_workers(postgres, redis_url, prefix, tmp_path, per_site=1)
    redline.env["REDLINE_RETRY_TIMES"] = "0"  # a retry would turn the failure into a success
    redline.env["REDLINE_DOWNLOAD_TIMEOUT_S"] = "60"  # A's fetch is held while B starts
    for path in ("/private/a", "/private/b"):
        serve(site, path, Story(headline=f"Dispatch {path}"))
    gate = threading.Event()
    answered: list[float] = []  # when A's fetch was let go, then when each later one arrived

    def held(number: int) -> str:
        gate.wait(120)
        answered.append(time.monotonic())
        if first_fetch == "connection dropped":
            raise ConnectionAbortedError("no answer")  # the site closes the connection
        if first_fetch == "server error":
            return "<html><body><h1>Service unavailable</h1></body></html>"
        return ROBOTS_TXT

    def later(number: int) -> str:
        answered.append(time.monotonic())
        return ROBOTS_TXT

    failed = first_fetch != "served"
    site.set_page(
        "/robots.txt",
        held,
        status=503 if first_fetch == "server error" else 200,
        content_type="text/html" if failed else "text/plain",
    )
    client = Redis.from_url(redis_url)
    keys = QueueKeys.for_prefix(prefix)
    key = robots_key(prefix, "http", f"127.0.0.1:{site.port}")
    workers: list[subprocess.Popen[str]] = []
    try:
        # A: one request at a time, so it takes /private/a alone and holds the claim
        redline("track", site.url("/private/a"))
        assert redline.json("enqueue")["queued"] == 1
        workers.append(_worker(redline))
        deadline = time.monotonic() + 90
        while site.requests("/robots.txt") == 0:
            assert workers[0].poll() is None and time.monotonic() < deadline, "A never asked"
            time.sleep(0.05)
        # A's claim, held for a minute: B's start cannot outlast it, and left, it would show
        assert client.expire(f"{key}:fetching", 60)
        site.set_page("/robots.txt", later, content_type="text/plain")
        # B: takes /private/b and waits for A's copy
        redline("track", site.url("/private/b"))
        assert redline.json("enqueue")["queued"] == 1
        workers.append(_worker(redline))
        while client.llen(keys.due) or client.zcard(keys.requests):
            assert workers[1].poll() is None and time.monotonic() < deadline, "B never began"
            time.sleep(0.05)
        time.sleep(1.0)  # B reaches its look-up: it finds A's claim and polls
        assert site.requests("/robots.txt") == 1  # B did not fetch its own meanwhile
        gate.set()
        while client.exists(f"{key}:fetching"):  # left, it would last a minute
            assert time.monotonic() < deadline + 60, "the claim was never released"
            time.sleep(0.02)
        ended = time.monotonic()
        summaries = []
        for proc in workers:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            summaries.append(json.loads(out))
    finally:
        gate.set()
        for proc in workers:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=30)
    shared = client.get(key)
    client.close()
    assert ended - answered[0] < 2.0  # released at once, not left to expire
    assert shared == ROBOTS_TXT.encode()  # B's copy (a failure is never stored) or A's
    if failed:
        assert site.requests("/robots.txt") == 2
        assert answered[1] - answered[0] < 2.0  # B's own fetch came at once, not after CLAIM_S
        assert site.requests("/private/a") == 1 and site.requests("/private/b") == 0
        assert [s["new_versions"] for s in summaries] == [1, 0]
    else:
        assert site.requests("/robots.txt") == 1  # B read A's copy
        assert site.requests("/private/a") == 0 and site.requests("/private/b") == 0
        assert [s["new_versions"] for s in summaries] == [0, 0]
