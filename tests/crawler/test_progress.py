"""The crawl's progress callback (what moves `redline crawl`'s bar) is called after each archived
fetch with (done, expected, outcome), given to ``run_crawl`` as a plain argument: it is
connected to the crawler's ``item_scraped`` signal, never carried in Scrapy's settings."""

from __future__ import annotations

import json
import sys

import pytest

from tests.crawler.test_entry_points import run_from_root
from tests.pages import Story, serve

pytestmark = pytest.mark.slow

SCRIPT = """
import json
from archive.config import load_config
from crawler.runner import run_crawl

calls = []
run_crawl(load_config(), select="all", progress=lambda *call: calls.append(call))
print(json.dumps(calls))
"""


def crawl_with_progress(redline) -> list[list[object]]:
    out = run_from_root(redline, sys.executable, "-c", SCRIPT)
    calls: list[list[object]] = json.loads(out.strip().splitlines()[-1])
    return calls


def test_progress_is_reported_after_each_archived_fetch(redline_sqlite, site):
    redline = redline_sqlite
    for path in ("/a", "/b"):
        serve(site, path, Story(headline=f"Palmyra story {path}"))
        redline("track", site.url(path))
    assert crawl_with_progress(redline) == [[1, 2, "new-version"], [2, 2, "new-version"]]
    # the twin: a second cycle reports what it found this time
    assert crawl_with_progress(redline) == [[1, 2, "unchanged"], [2, 2, "unchanged"]]
