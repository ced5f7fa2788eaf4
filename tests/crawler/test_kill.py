"""kill -9 in the middle of a crawl: nothing committed is lost, nothing is corrupted."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.pages import serve_slow_pages
from tests.support import wait_until

pytestmark = pytest.mark.slow
PAGES = 40


def committed_captures(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("select count(*) from captures").fetchone()[0]
    except sqlite3.Error:
        return 0


def start_slow_crawl(redline, site) -> tuple[Path, subprocess.Popen[bytes]]:
    """Track PAGES slow pages and start `redline crawl --all` on them; the database and the
    crawl process."""
    paths = serve_slow_pages(site, PAGES, delay_s=0.15)
    redline("track", *(site.url(p) for p in paths))
    crawl = subprocess.Popen(
        [sys.executable, "-m", "scheduler.cli", "crawl", "--all", "--json"],
        env=redline.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return redline.data_dir / "redline.sqlite", crawl


def test_kill_9_mid_crawl_loses_nothing_committed(redline_sqlite, site):
    redline = redline_sqlite
    redline.env["REDLINE_CONCURRENT_REQUESTS_PER_DOMAIN"] = "2"
    db, crawl = start_slow_crawl(redline, site)
    try:
        wait_until(lambda: committed_captures(db) >= 5, timeout=60)
        os.kill(crawl.pid, signal.SIGKILL)
        crawl.wait(timeout=30)
    finally:
        if crawl.poll() is None:
            crawl.kill()
    survivors = committed_captures(db)
    assert 5 <= survivors < PAGES, "the kill should land mid-crawl"

    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        rows = conn.execute(
            "select c.warc_file, c.warc_offset, c.outcome, v.headline from captures c "
            "join versions v on v.id = c.version_id"
        ).fetchall()
    assert len(rows) == survivors and all(outcome == "new-version" for _, _, outcome, _ in rows)

    # the next crawl recovers the WARC file left open and goes on where the kill stopped it
    summary = redline.crawl()
    assert summary["errors"] == 0
    assert summary["new_versions"] == PAGES - survivors and summary["unchanged"] == survivors
    warc_dir = redline.data_dir / "warc"
    assert not list(warc_dir.glob("*.open"))
    warcio = Path(sys.executable).with_name("warcio")
    for path in warc_dir.glob("*.warc.gz"):
        assert subprocess.run([str(warcio), "check", str(path)], check=False).returncode == 0
    for warc_file, offset, _, headline in rows:  # every committed capture still reads back
        with open(warc_dir / warc_file, "rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)))
            assert headline.encode() in record.content_stream().read()


def test_a_stop_mid_crawl_commits_every_capture_it_archived(redline_sqlite, site):
    """SIGTERM: Scrapy's graceful stop.  The captures waiting for their group's commit are
    committed: every response written to WARC has its capture (a kill -9, above, may leave
    the last group's records named by no capture)."""
    redline = redline_sqlite
    redline.env["REDLINE_CONCURRENT_REQUESTS_PER_DOMAIN"] = "2"
    # a stop waits for every request handed to the downloader: hand it few at a time
    redline.env["REDLINE_CONCURRENT_REQUESTS"] = "2"
    db, crawl = start_slow_crawl(redline, site)
    try:
        wait_until(lambda: committed_captures(db) >= 5, timeout=60)
        os.kill(crawl.pid, signal.SIGTERM)
        assert crawl.wait(timeout=60) == 0
    finally:
        if crawl.poll() is None:
            crawl.kill()
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        stored = conn.execute(
            "select count(*) from captures where warc_file is not null"
        ).fetchone()[0]
    assert 5 <= stored < PAGES, "the stop should land mid-crawl"
    warc_dir = redline.data_dir / "warc"
    assert not list(warc_dir.glob("*.open"))  # closed, not left for recovery
    responses = 0
    for path in warc_dir.glob("*.warc.gz"):
        with open(path, "rb") as fh:
            responses += sum(1 for r in ArchiveIterator(fh) if r.rec_type == "response")
    assert responses == stored
