"""An internal error while judging a fetch records a failed capture and keeps its evidence: the
final exchange and the redirects before it are written to WARC, once each."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.config import Config
from archive.db import open_database
from archive.models import Capture
from archive.store import track
from crawler.items import FetchResult
from crawler.wire import Received

PAGE = (Path(__file__).resolve().parents[1] / "pages" / "extract-article.html").read_bytes()
URL = "https://news.example/world/article"
OLD = "https://news.example/old/article"
HTML = [("Content-Type", "text/html; charset=utf-8")]


def _responses(warc_dir: Path) -> list[tuple[int, str]]:
    found = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    status = int(record.http_headers.get_statuscode())
                    found.append((status, record.rec_headers.get_header("WARC-Target-URI")))
    return found


def _item(tracked_id: int, now: datetime) -> FetchResult:
    hop = Received(OLD, "GET", [], 301, [("Location", URL)], b"", now, "127.0.0.1")
    final = Received(URL, "GET", [], 200, HTML, PAGE, now, "127.0.0.1")
    return FetchResult(
        tracked_url_id=tracked_id,
        url=OLD,
        fetched_at=now,
        status=200,
        final_url=URL,
        response_headers=HTML,
        body=PAGE,
        received=final,
        hops=[hop],
    )


def _crawl_one(tmp_path: Path, broken: bool) -> tuple[Config, list[Capture]]:
    from scrapy.utils.test import get_crawler

    from crawler.configure import settings_for
    from crawler.pipelines import ArchivePipeline
    from crawler.spiders.articles import ArticleSpider

    config = Config(data_dir=tmp_path, workers=1)
    now = datetime.now(UTC)
    database = open_database(config.sqlalchemy_url)
    with database.session() as session:
        tracked, _ = track(session, OLD, now=now)
        session.commit()
        tracked_id = tracked.id
    crawler = get_crawler(ArticleSpider, settings_for(config))
    crawler.spider = ArticleSpider.from_crawler(crawler)
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    if broken:  # a bug in judging: the one fault no real input should cause

        async def fail(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("a bug")

        pipeline._extract = fail  # type: ignore[method-assign]
    try:
        asyncio.run(pipeline.process_item(_item(tracked_id, now)))
    finally:
        asyncio.run(pipeline.close_spider())
    with database.session() as session:
        captures = list(session.query(Capture).filter_by(tracked_url_id=tracked_id))
        session.expunge_all()
    database.dispose()
    return config, captures


@pytest.mark.parametrize("broken", [True, False])
def test_an_internal_error_keeps_the_exchange_and_its_redirects(tmp_path, broken):
    config, [capture] = _crawl_one(tmp_path, broken)
    if broken:
        assert capture.outcome == "error" and capture.reason == "internal-error"
        assert "RuntimeError: a bug" in (capture.detail or "")
    else:  # the twin: the same fetch judged without the fault makes a version
        assert capture.outcome == "new-version"
    assert capture.payload_digest and capture.warc_file  # the evidence is kept, either way
    assert _responses(config.warc_dir) == [(301, OLD), (200, URL)]  # each record once
