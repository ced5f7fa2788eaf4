"""Due URLs are streamed to the crawl a batch (``crawl_batch``) at a time: each batch is its
own short query, so a crawl holds one batch in memory and no read transaction while it records,
and each due URL is fetched exactly once however many batches there are."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import update

from archive.config import load_config
from archive.db import open_database
from archive.models import TrackedURL
from archive.store import track
from crawler.spiders.articles import ArticleSpider
from tests.pages import Story, serve

URLS = 23
BATCH = 5


@pytest.mark.slow
def test_a_crawl_over_more_due_urls_than_one_batch_fetches_each_once(redline, site):
    paths = [f"/a{i}" for i in range(URLS)]
    for path in paths:
        serve(site, path, Story())
    redline("track", *[site.url(p) for p in paths])
    redline.env["REDLINE_CRAWL_BATCH"] = str(BATCH)
    summary = redline.json("crawl")  # the due URLs (no --all)
    assert summary["expected"] == URLS
    assert summary["new_versions"] == URLS and summary["errors"] == 0
    assert [len(site.request_log(p)) for p in paths] == [1] * URLS
    # the twin: nothing is due any more, so a second crawl of the due URLs fetches nothing
    assert redline.json("crawl")["expected"] == 0
    assert [len(site.request_log(p)) for p in paths] == [1] * URLS


def spider_over(data_dir: Path, batch: int) -> ArticleSpider:
    config = load_config(environ={}, data_dir=data_dir, crawl_batch=batch)
    crawler = get_crawler(ArticleSpider, settings_dict={"REDLINE_CONFIG": config})
    spider: ArticleSpider = ArticleSpider.from_crawler(crawler, select="due")
    return spider


def test_the_loader_holds_one_batch_and_no_transaction_between_batches(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    url = f"sqlite:///{data_dir / 'redline.sqlite'}"
    database = open_database(url)
    past = datetime.now(UTC) - timedelta(hours=1)
    with database.session() as session:
        for i in range(URLS):
            tracked, _ = track(session, f"https://news.example/a{i}", now=past)
            tracked.next_check_at = past + timedelta(seconds=i % 4)  # ties broken by id
    spider = spider_over(data_dir, BATCH)
    seen: list[int] = []
    sizes = []
    raw = sqlite3.connect(data_dir / "redline.sqlite", timeout=0.5)
    for targets in spider.target_batches():
        sizes.append(len(targets))
        seen.extend(t.id for t in targets)
        # as a crawl does between batches: record the URLs read (their next check moves on)...
        with database.session() as session:
            session.execute(
                update(TrackedURL)
                .where(TrackedURL.id.in_([t.id for t in targets]))
                .values(next_check_at=datetime.now(UTC) + timedelta(hours=1))
            )
        # ...and the loader holds no read snapshot: a full checkpoint of the WAL completes
        busy, _, _ = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    raw.close()
    assert max(sizes) == BATCH and len(sizes) == -(-URLS // BATCH)
    assert sorted(seen) == sorted(set(seen)) and len(seen) == URLS
    assert spider.crawler.stats.get_value("redline/expected") == URLS
    # the twin: nothing is due now
    assert list(spider_over(data_dir, BATCH).target_batches()) == []
    database.dispose()
