"""Every entry point schedules the same way: `scrapy crawl articles`, run from the repository
root as a user would, moves each URL's next check exactly as `redline crawl` does, from the same
settings (the archive applies the refetch policy to every capture it records)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.db import open_database
from archive.models import TrackedURL
from archive.urls import normalize_url
from tests.pages import Story, serve

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
MINUTE = timedelta(minutes=1)


def run_from_root(redline, *command: str) -> str:
    """Run ``command`` from the repository root in the archive's environment; its stdout."""
    proc = subprocess.run(
        command, cwd=ROOT, env=redline.env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def scrapy_crawl(redline, *args: str) -> None:
    """``scrapy crawl articles ARGS`` from the repository root, as a user runs it."""
    run_from_root(
        redline, str(Path(sys.executable).with_name("scrapy")), "crawl", "articles", *args
    )


def redline_crawl(redline, urls: list[str]) -> None:
    redline.crawl(*(arg for url in urls for arg in ("--url", url)))


def schedule(redline, urls: list[str]) -> list[tuple[timedelta | None, object]]:
    """Each URL's next check, as (delay after its last check, the time itself)."""
    url = redline.env.get("REDLINE_DATABASE_URL") or f"sqlite:///{redline.data_dir}/redline.sqlite"
    database = open_database(url, upgrade=False)
    try:
        with database.session() as session:
            rows = {
                t.url: t
                for t in session.scalars(
                    select(TrackedURL).where(TrackedURL.url.in_([normalize_url(u) for u in urls]))
                )
            }
            result = []
            for u in urls:
                tracked = rows[normalize_url(u)]
                checked, due = tracked.last_checked_at, tracked.next_check_at
                result.append((due - checked if checked and due else None, due))
            return result
    finally:
        database.dispose()


def test_scrapy_crawl_moves_next_checks_as_redline_crawl_does(redline, site):
    redline.env.update(REDLINE_REFETCH_JITTER="0", REDLINE_REFETCH_TAG_INTERVALS="slow=2h")
    groups = {}
    for entry in ("redline", "scrapy"):
        article, gone, slow = (site.url(f"/{entry}/{name}") for name in ("a", "gone", "slow"))
        serve(site, f"/{entry}/a", Story())  # chrome changes on every request
        serve(site, f"/{entry}/slow", Story(headline=f"Slow story {entry}"))
        redline("track", article, gone)  # /gone is not served: a 404 every time
        redline("track", slow, "--tag", "slow")
        groups[entry] = [article, gone, slow]
    tracked = {entry: schedule(redline, urls) for entry, urls in groups.items()}
    runs = {
        "redline": lambda: redline_crawl(redline, groups["redline"]),
        "scrapy": lambda: scrapy_crawl(
            redline, "-a", "select=urls", "-a", f"urls={','.join(groups['scrapy'])}"
        ),
    }
    seen: dict[str, list[list[tuple[timedelta | None, object]]]] = {}
    for entry, run in runs.items():
        seen[entry] = []
        for _ in range(2):
            run()
            seen[entry].append(schedule(redline, groups[entry]))
    # the delays: young and fetched (10 minutes), one then two errors (back-off doubles), and
    # the tag's interval from the settings
    expected = [
        [10 * MINUTE, 20 * MINUTE, 120 * MINUTE],
        [10 * MINUTE, 40 * MINUTE, 120 * MINUTE],
    ]
    for entry in runs:
        assert [[delay for delay, _ in run] for run in seen[entry]] == expected, entry
        first, second = seen[entry]
        for url, before, after, at_tracking in zip(
            groups[entry], first, second, tracked[entry], strict=True
        ):
            assert at_tracking[1] < before[1] < after[1], (entry, url)  # it moved, twice
