"""``redline run`` end to end: a real local site whose pages change when the test says, and the
service as a subprocess with its schedule shrunk to seconds.  Every wait has a deadline."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from scheduler.demo.site import LocalSite
from tests.conftest import Redline
from tests.pages import PARAGRAPHS, Story, article_page
from tests.scheduler.servicerun import Service

pytestmark = pytest.mark.slow


def story_page(name: str, revision: list[int]):
    def body(n: int) -> str:
        paragraphs = (*PARAGRAPHS[:-1], f"{PARAGRAPHS[-1]} {name} revision {revision[0]}.")
        return article_page(Story(headline=f"{name}: Palmyra retaken", paragraphs=paragraphs), n)

    return body


@pytest.fixture
def service(redline_sqlite: Redline, tmp_path: Path) -> Iterator[Service]:
    running = Service(redline_sqlite, tmp_path / "service.log")
    yield running
    running.kill()


def by_url(service: Service) -> dict[str, dict[str, Any]]:
    return {row["url"]: row for row in service.json("list")}


def interval_s(row: dict[str, Any]) -> float:
    return (
        datetime.fromisoformat(row["next_check_at"])
        - datetime.fromisoformat(row["last_checked_at"])
    ).total_seconds()


def captures(service: Service, url: str) -> list[dict[str, Any]]:
    return list(service.json("captures", url))


def database(redline: Redline) -> Path:
    return redline.data_dir / "redline.sqlite"


def test_versions_appear_and_stable_pages_slow_down_while_changing_ones_do_not(
    site: LocalSite, redline_sqlite: Redline, service: Service
) -> None:
    revision = [0]
    site.set_page("/changing", story_page("Changing", revision))
    site.set_page("/stable", story_page("Stable", [0]))
    changing, stable = site.url("/changing"), site.url("/stable")
    redline_sqlite("track", changing, stable)
    service.env["REDLINE_REFETCH_TIME_SCALE"] = "0.005"  # tier 1: 3 s until 54 s quiet; then 18 s
    service.start()

    def step() -> dict[str, dict[str, Any]]:
        """The test's timeline: the page changes each time the archive has caught up."""
        rows = by_url(service)
        if rows[changing]["versions"] > revision[0]:
            revision[0] += 1
        return rows

    service.wait_until(lambda: step()[stable]["last_checked_at"], what="a first capture")
    first = interval_s(by_url(service)[stable])
    assert first < 4.0  # young: the fastest tier (3 s at this scale)
    # 54 s without a change moves the stable page to the hourly tier (18 s here)
    service.wait_until(
        lambda: interval_s(step()[stable]) > 12.0 and revision[0] >= 3,
        timeout=240,
        what="the stable page's interval to grow",
    )
    service.wait_until(
        lambda: step()[changing]["versions"] > revision[0] - 1,
        timeout=60,
        what="the last revision archived",
    )
    rows = by_url(service)
    assert rows[stable]["versions"] == 1
    assert rows[changing]["versions"] >= 3
    assert interval_s(rows[changing]) < 4.0 < 12.0 < interval_s(rows[stable])
    # Until the stable page's interval grew, both were checked on the fastest tier, so their
    # capture counts may still be equal here; from now on the changing page pulls ahead.
    service.wait_until(
        lambda: len(captures(service, changing)) >= len(captures(service, stable)) + 2,
        timeout=60,
        what="the changing page to be checked more often than the stable one",
    )
    table = redline_sqlite("list").stdout
    assert "next check" in table
    assert service.stop() == 0


def test_restart_keeps_the_schedule_and_does_not_refetch_everything(
    site: LocalSite, redline_sqlite: Redline, service: Service
) -> None:
    for i in range(4):
        site.set_page(f"/slow/{i}", story_page(f"Slow {i}", [0]))
    site.set_page("/fast", story_page("Fast", [0]))
    slow = [site.url(f"/slow/{i}") for i in range(4)]
    redline_sqlite("track", "--every", "1h", *slow)
    redline_sqlite("track", "--every", "2s", site.url("/fast"))
    assert service.json("status")["state"] == "never-started"
    service.start()
    service.wait_until(
        lambda: all(by_url(service)[u]["last_checked_at"] for u in slow),
        what="a first capture of every URL",
    )
    before = by_url(service)
    runs_before = service.json("status")["next_runs"]
    assert service.stop() == 0
    assert service.json("status")["state"] == "stopped"
    fast_before = len(captures(service, site.url("/fast")))

    service.start()
    service.wait_until(
        lambda: len(captures(service, site.url("/fast"))) >= fast_before + 2,
        what="two more cycles after the restart",
    )
    after = by_url(service)
    status = service.json("status")
    assert status["state"] == "running"
    assert service.stop() == 0
    for url in slow:  # not refetched: their next check (an hour away) survived the restart
        assert after[url]["last_checked_at"] == before[url]["last_checked_at"]
        assert after[url]["next_check_at"] == before[url]["next_check_at"]
        assert len(captures(service, url)) == 1
    # the persisted report job kept its next run instead of being rescheduled
    assert status["next_runs"]["send-reports"] == runs_before["send-reports"]
    assert status["refetch_totals"]["cycles"] >= 3
    assert status["last_cycle"]["fetched"] >= 1


def check_clean(redline: Redline) -> None:
    db = database(redline)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert (
            conn.execute(
                "SELECT count(*) FROM captures WHERE outcome != 'error' AND version_id IS NULL"
            ).fetchone()[0]
            == 0
        )
        assert (
            conn.execute("SELECT count(*) FROM versions WHERE first_capture_id IS NULL").fetchone()[
                0
            ]
            == 0
        )
        assert (
            conn.execute(
                "SELECT count(*) FROM tracked_urls t JOIN captures c ON c.tracked_url_id = t.id "
                "WHERE t.current_version_id IS NULL AND c.outcome = 'new-version'"
            ).fetchone()[0]
            == 0
        )
    assert not list((redline.data_dir / "warc").glob("*.open"))


def test_sigterm_mid_cycle_leaves_nothing_half_written_and_the_next_start_goes_on(
    site: LocalSite, redline_sqlite: Redline, service: Service
) -> None:
    site.set_page("/quick", story_page("Quick", [0]))
    site.set_page("/slow", story_page("Slow", [0]), delay_s=8)
    redline_sqlite("track", site.url("/quick"), site.url("/slow"))
    service.env["REDLINE_SHUTDOWN_TIMEOUT_S"] = "30"
    service.start()
    service.wait_until(lambda: site.requests("/slow") >= 1, what="the slow fetch in flight")
    assert service.stop(signal.SIGTERM) == 0
    assert service.events("service-stopped")
    check_clean(redline_sqlite)
    stopped = service.events("cycle-finished")[-1]
    assert stopped["stopped"] is True

    site.set_page("/slow", story_page("Slow", [0]))  # no longer slow
    service.start()
    service.wait_until(
        lambda: any(c["outcome"] == "new-version" for c in captures(service, site.url("/slow"))),
        what="the slow page archived after the restart",
    )
    assert service.stop(signal.SIGINT) == 0
    check_clean(redline_sqlite)


def test_feed_entries_become_tracked_urls_and_are_fetched(
    site: LocalSite, redline_sqlite: Redline, service: Service
) -> None:
    entries = ["/news/one", "/sport/two"]

    def feed(n: int) -> str:
        items = "".join(
            f"<item><title>{p}</title><link>{site.url(p)}</link></item>" for p in entries
        )
        head = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        return f"{head}{items}</channel></rss>"

    site.set_page("/feed.xml", feed, content_type="application/rss+xml")
    for path in ("/news/one", "/sport/two", "/news/three"):
        site.set_page(path, story_page(path, [0]))
    redline_sqlite("feeds", "add", site.url("/feed.xml"), "--pattern", "/news/", "--tag", "world")
    service.start()

    def archived(path: str) -> bool:
        row = by_url(service).get(site.url(path))
        return bool(row and row["versions"] >= 1)

    service.wait_until(lambda: archived("/news/one"), what="the feed's first entry archived")
    entries.append("/news/three")  # the feed gains an entry while the service runs
    service.wait_until(lambda: archived("/news/three"), what="the new entry archived")
    rows = by_url(service)
    assert site.url("/sport/two") not in rows  # the pattern keeps it out
    assert rows[site.url("/news/three")]["tags"] == ["world"]
    feeds = service.json("feeds", "list")
    assert feeds[0]["kind"] == "rss" and feeds[0]["last_polled_at"]
    assert service.stop() == 0
    assert service.json("status")["feed_totals"]["urls_discovered"] == 2


def test_kill_9_of_the_service_mid_cycle_loses_nothing_committed(
    site: LocalSite, redline_sqlite: Redline, service: Service
) -> None:
    paths = [f"/k/{n}" for n in range(12)]
    for path in paths:
        site.set_page(path, story_page(path, [0]), delay_s=0.4)
    redline_sqlite("track", *(site.url(p) for p in paths))
    service.start()
    db = database(redline_sqlite)

    def committed() -> int:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM captures").fetchone()[0])

    service.wait_until(lambda: committed() >= 2, what="captures of the first cycle")
    service.stop(signal.SIGKILL)  # the service dies mid-cycle; its crawl child is orphaned
    before = committed()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    service.start()  # skips cycles while the orphan holds the crawl lock, then goes on
    # The orphan may archive every page before the new service is up: wait for the service
    # itself, or the SIGTERM below could arrive before it has installed its handler.
    service.wait_until(
        lambda: len(service.events("service-started")) >= 2, what="the restarted service up"
    )
    service.wait_until(
        lambda: all(row["versions"] >= 1 for row in by_url(service).values()),
        timeout=120,
        what="every page archived after the restart",
    )
    assert service.stop(signal.SIGTERM) == 0
    assert committed() >= before
    check_clean(redline_sqlite)
    warcio = Path(sys.executable).with_name("warcio")
    for path in (redline_sqlite.data_dir / "warc").glob("*.warc.gz"):
        assert subprocess.run([str(warcio), "check", str(path)], check=False).returncode == 0, path


def test_cycles_option_stops_the_service_after_that_many_refetch_cycles(
    site: LocalSite, redline_sqlite: Redline, service: Service
) -> None:
    site.set_page("/story", story_page("Story", [0]))
    redline_sqlite("track", site.url("/story"))
    # the page falls due again a fraction of a second after each capture
    service.env["REDLINE_REFETCH_TIME_SCALE"] = "0.0001"
    service.start("--cycles", "2")
    assert service.proc is not None
    code = service.proc.wait(90)
    service.handle.close()
    assert code == 0, service.tail()
    status = service.json("status")
    assert status["state"] == "stopped"
    assert status["refetch_totals"]["cycles"] == 2
    assert status["last_cycle"]["cycle"] == 2
    assert len(captures(service, site.url("/story"))) == 2


def test_without_cycles_option_the_service_keeps_running_past_two_cycles(
    site: LocalSite, redline_sqlite: Redline, service: Service
) -> None:
    site.set_page("/story", story_page("Story", [0]))
    redline_sqlite("track", site.url("/story"))
    service.env["REDLINE_REFETCH_TIME_SCALE"] = "0.0001"
    service.start()
    service.wait_until(
        lambda: service.json("status")["refetch_totals"].get("cycles", 0) >= 3,
        what="a third cycle",
    )
    assert service.proc is not None and service.proc.poll() is None
    assert service.stop() == 0
