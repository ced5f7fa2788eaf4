"""Soak: ``redline run`` against a local site with changing pages, for minutes; figures as JSON.

    python -m bench.soak --minutes 10 --out bench/results/soak.json

A LocalSite serves ``--pages`` articles; every third page is edited every ``--edit-every``
seconds of the run, the rest never change, and an RSS feed gains a new article every minute.
The service runs as a child process with its schedule shrunk (``refetch_time_scale``) and its
cycle every ``--cycle`` seconds.  The script samples the service's RSS, reads its structured
log, and at the end counts captures, versions and errors in the archive.  It then checks crash
safety: a ``kill -9`` of the service during a cycle, a restart, another cycle, and SQLite's
``integrity_check`` on the database and its WAL.

Figures: cycles, captures, versions, errors, overlaps (cycles whose [start, end] intervals
intersect, from the log), RSS at start (after the first cycle) and end, per-cycle start-up
overhead and the crawl child's peak RSS.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

from bench.figures import write_json
from scheduler.demo.pages import PARAGRAPHS, Story, article_page
from scheduler.demo.site import LocalSite


class Soak:
    def __init__(self, args: argparse.Namespace, data_dir: Path) -> None:
        self.args = args
        self.data_dir = data_dir
        self.site = LocalSite().start()
        self.t0 = time.monotonic()
        self.log_lines: list[dict[str, Any]] = []
        self.other_lines: list[str] = []
        self.proc: subprocess.Popen[str] | None = None
        self.feed_items: list[str] = []

    # -- the site -----------------------------------------------------------------------
    def revision(self, index: int) -> int:
        if index % 3:
            return 0
        return int((time.monotonic() - self.t0) // self.args.edit_every)

    def page(self, index: int):
        def body(n: int) -> str:
            rev = self.revision(index)
            paragraphs = (*PARAGRAPHS[:-1], f"{PARAGRAPHS[-1]} Update {rev} to article {index}.")
            story = Story(headline=f"Article {index}: Palmyra retaken", paragraphs=paragraphs)
            return article_page(story, n)

        return body

    def feed(self, n: int) -> str:
        minutes = int((time.monotonic() - self.t0) // 60) + 1
        items = "".join(
            f"<item><title>Feed story {i}</title><link>{self.site.url(f'/feed-story/{i}')}</link>"
            "</item>"
            for i in range(minutes)
        )
        head = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        return f"{head}{items}</channel></rss>"

    def setup_site(self) -> None:
        self.site.set_page("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
        for i in range(self.args.pages):
            self.site.set_page(f"/article/{i}", self.page(i))
        for i in range(int(self.args.minutes) + 3):
            self.site.set_page(f"/feed-story/{i}", self.page(1000 + i))
        self.site.set_page("/feed.xml", self.feed, content_type="application/rss+xml")

    # -- the service --------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REDLINE_")}
        env.update(
            REDLINE_DATA_DIR=str(self.data_dir),
            REDLINE_ALLOW_PRIVATE_NETWORKS="1",
            REDLINE_AUTOTHROTTLE="0",
            REDLINE_WORKERS="-1",
            REDLINE_RETRY_TIMES="0",
            REDLINE_LOG_LEVEL="INFO",
            REDLINE_LOG_FORMAT="json",
            REDLINE_REFETCH_CYCLE_S=str(self.args.cycle),
            REDLINE_REFETCH_TIME_SCALE=str(self.args.scale),
            REDLINE_FEED_POLL_INTERVAL_S="20",
        )
        return env

    def cli(self, *args: str) -> str:
        cmd = [sys.executable, "-m", "scheduler.cli", *args]
        return subprocess.run(
            cmd, env=self.env(), check=True, capture_output=True, text=True
        ).stdout

    def start_service(self) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scheduler.cli", "run"],
            env=self.env(),
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        threading.Thread(target=self._read_log, args=(proc,), daemon=True).start()
        self.proc = proc
        return proc

    def _read_log(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                entry = None
            if isinstance(entry, dict):
                self.log_lines.append(entry)
            else:
                self.other_lines.append(line.rstrip())

    def events(self, name: str) -> list[dict[str, Any]]:
        return [entry for entry in list(self.log_lines) if entry.get("event") == name]

    def wait_for(self, predicate, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.1)
        return False


def overlaps(cycles: list[dict[str, Any]]) -> int:
    spans = sorted(
        (datetime.fromisoformat(c["started_at"]), datetime.fromisoformat(c["finished_at"]))
        for c in cycles
    )
    return sum(1 for a, b in itertools.pairwise(spans) if b[0] < a[1])


def archive_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:

        def one(sql: str) -> int:
            return int(conn.execute(sql).fetchone()[0])

        return {
            "captures": one("SELECT count(*) FROM captures"),
            "versions": one("SELECT count(*) FROM versions"),
            "changes": one("SELECT count(*) FROM changes"),
            "error_captures": one("SELECT count(*) FROM captures WHERE outcome = 'error'"),
            "tracked": one("SELECT count(*) FROM tracked_urls"),
        }


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def checks_per_url(db: Path) -> dict[str, float]:
    """Mean captures of the edited pages and of the stable pages (the policy at work)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT t.url, count(c.id) FROM tracked_urls t LEFT JOIN captures c "
            "ON c.tracked_url_id = t.id WHERE t.url LIKE '%/article/%' GROUP BY t.id"
        ).fetchall()
    edited = [n for url, n in rows if int(url.rsplit("/", 1)[1]) % 3 == 0]
    stable = [n for url, n in rows if int(url.rsplit("/", 1)[1]) % 3]
    return {
        "edited_mean": round(statistics.mean(edited), 1) if edited else 0.0,
        "stable_mean": round(statistics.mean(stable), 1) if stable else 0.0,
    }


def crash_check(soak: Soak, db: Path) -> dict[str, Any]:
    """kill -9 during a cycle, restart, one more cycle; nothing committed is lost."""
    started = len(soak.events("cycle-started"))
    proc = soak.start_service()
    soak.wait_for(lambda: len(soak.events("cycle-started")) > started, 120)
    time.sleep(0.5)  # into the cycle: the crawl child is starting or fetching
    before = archive_counts(db)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    finished = len(soak.events("cycle-finished"))
    proc = soak.start_service()
    ok = soak.wait_for(lambda: len(soak.events("cycle-finished")) > finished, 180)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(120)
    after = archive_counts(db)
    return {
        "cycle_after_restart": ok,
        "exit_code_after_sigterm": code,
        "captures_before_kill": before["captures"],
        "captures_after_restart": after["captures"],
        "lost_nothing": after["captures"] >= before["captures"]
        and after["versions"] >= before["versions"],
        "integrity_check": integrity(db),
        "wal_present_after_stop": (db.parent / (db.name + "-wal")).exists(),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="redline-soak-"))
    soak = Soak(args, data_dir)
    soak.setup_site()
    urls = [soak.site.url(f"/article/{i}") for i in range(args.pages)]
    soak.cli("track", *urls)
    soak.cli(
        "feeds", "add", soak.site.url("/feed.xml"), "--pattern", "/feed-story/", "--tag", "feed"
    )
    proc = soak.start_service()
    service = psutil.Process(proc.pid)
    soak.wait_for(lambda: soak.events("cycle-finished"), 120)
    rss_start = service.memory_info().rss
    samples = [rss_start]
    deadline = soak.t0 + args.minutes * 60
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(5)
        samples.append(service.memory_info().rss)
    rss_end = service.memory_info().rss
    proc.send_signal(signal.SIGTERM)
    exit_code = proc.wait(120)
    db = data_dir / "redline.sqlite"
    counts = archive_counts(db)
    cycles = soak.events("cycle-finished")
    overhead = [c["overhead_s"] for c in cycles if c.get("exit_code") == 0]
    errors = [e for e in soak.log_lines if e.get("level") in {"ERROR", "CRITICAL"}]
    result: dict[str, Any] = {
        "minutes": args.minutes,
        "pages": args.pages,
        "cycle_s": args.cycle,
        "time_scale": args.scale,
        "cycles": len(cycles),
        "captures": counts["captures"],
        "versions": counts["versions"],
        "changes": counts["changes"],
        "errors": counts["error_captures"] + len(errors),
        "error_captures": counts["error_captures"],
        "error_log_lines": len(errors),
        "error_messages": [str(e.get("msg", e))[:300] for e in errors[:10]],
        "overlaps": overlaps(cycles),
        "cycles_skipped_locked": len(soak.events("cycle-skipped")),
        "tracked_urls": counts["tracked"],
        "feed_urls_discovered": counts["tracked"] - args.pages,
        "checks_per_url": checks_per_url(db),
        "rss_start_mb": round(rss_start / 2**20, 1),
        "rss_end_mb": round(rss_end / 2**20, 1),
        "rss_max_mb": round(max(samples) / 2**20, 1),
        "cycle_overhead_s_median": round(statistics.median(overhead), 3) if overhead else None,
        "cycle_wall_s_median": round(statistics.median(c["wall_s"] for c in cycles), 3)
        if cycles
        else None,
        "crawl_child_max_rss_mb": round(
            max((c.get("child_max_rss_kb", 0) for c in cycles), default=0) / 1024, 1
        ),
        "service_exit_code": exit_code,
        "integrity_check": integrity(db),
    }
    if args.crash_check:
        result["crash_check"] = crash_check(soak, db)
    soak.site.stop()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--cycle", type=float, default=2.0, help="refetch_cycle_s")
    parser.add_argument("--scale", type=float, default=0.005, help="refetch_time_scale")
    parser.add_argument("--edit-every", type=float, default=45.0)
    parser.add_argument("--no-crash-check", dest="crash_check", action="store_false")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    result = run(args)
    print(json.dumps(result, indent=2))
    write_json(args.out, result)


if __name__ == "__main__":
    main()
