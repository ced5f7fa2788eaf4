"""ExtractionPool: started in the background before the crawl, closed cleanly whatever state
it is in, and the same articles as extracting inline."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path

import psutil
import pytest

from archive.extract import Article, extract_article
from crawler.workers import PRELOAD, ExtractionPool
from scheduler.demo.chrome import dress
from tests.pages import PARAGRAPHS, Story, article_page

PAGE = (Path(__file__).resolve().parents[1] / "pages" / "extract-article.html").read_bytes()
URL = "https://news.example/world/article"


def _worker_pids(pool: ExtractionPool) -> list[int]:
    executor = pool._executor
    assert executor is not None
    return list(executor._processes)  # type: ignore[attr-defined]


def _wait_until_gone(pids: list[int]) -> bool:
    _gone, alive = psutil.wait_procs([psutil.Process(p) for p in pids if psutil.pid_exists(p)], 10)
    return not alive


def test_start_runs_in_the_background_and_close_stops_the_workers() -> None:
    pool = ExtractionPool(2)
    pool.start()
    pool.start()  # idempotent: one start, one set of workers
    started = pool._started
    assert started is not None
    started.result(timeout=120)
    pids = _worker_pids(pool)
    assert len(pids) == 2 and all(psutil.pid_exists(p) for p in pids)
    article = asyncio.run(pool.extract(PAGE, URL, "text/html", 200))
    assert isinstance(article, Article)
    assert article == extract_article(PAGE, URL, content_type="text/html")
    pool.close()
    assert _wait_until_gone(pids)
    assert pool._executor is None


def test_close_right_after_start_waits_for_it_and_leaves_no_worker() -> None:
    pool = ExtractionPool(2)
    pool.start()
    started = pool._started
    assert started is not None and not started.done()  # the start is still under way
    pool.close()  # so close waits for it, then stops the workers it started
    assert started.done()
    for thread in threading.enumerate():  # a close that did not wait: the start goes on
        if thread.name == "extraction-pool-start":
            thread.join(timeout=120)
    assert pool._executor is None and pool._started is None


def test_a_pool_nobody_started_starts_on_its_first_job() -> None:
    pool = ExtractionPool(1)
    assert pool._started is None
    try:
        article = asyncio.run(pool.extract(PAGE, URL, "text/html", 200))
        assert isinstance(article, Article)
        assert pool._started is not None and pool._started.done()
    finally:
        pool.close()


def test_inline_pool_never_starts_processes() -> None:
    pool = ExtractionPool(-1)
    pool.start()
    assert pool._started is None
    article = asyncio.run(pool.extract(PAGE, URL, "text/html", 200))
    assert isinstance(article, Article)
    pool.close()


@pytest.mark.parametrize("workers", [1])
def test_a_start_that_fails_is_reported_to_the_first_job(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = ExtractionPool(workers)

    def broken() -> None:
        raise OSError("no processes for you")

    monkeypatch.setattr(pool, "_start", broken)
    pool.start()
    with pytest.raises(OSError, match="no processes"):
        asyncio.run(pool.extract(PAGE, URL, "text/html", 200))
    pool.close()  # nothing to stop, and no error


def test_the_crawl_uses_the_pool_its_caller_started(tmp_path: Path) -> None:
    """A started pool reaches the pipeline as a crawl argument, never through the settings."""
    from scrapy.utils.test import get_crawler

    from archive.config import Config
    from crawler.configure import settings_for
    from crawler.pipelines import ArchivePipeline
    from crawler.spiders.articles import ArticleSpider

    settings = settings_for(Config(data_dir=tmp_path))
    started = ExtractionPool(1)
    for given in (started, None):  # the twin: without one, the pipeline makes its own
        crawler = get_crawler(ArticleSpider, settings)
        assert all(value is not started for value in crawler.settings.copy_to_dict().values())
        crawler.spider = ArticleSpider.from_crawler(crawler, extraction_pool=given)
        pipeline = ArchivePipeline.from_crawler(crawler)
        pipeline.open_spider()
        try:
            assert pipeline.pool is not None
            assert (pipeline.pool is started) == (given is started)
        finally:
            asyncio.run(pipeline.close_spider())


@pytest.mark.parametrize(("nice", "added"), [(10, 10), (0, 0), (-5, 0)])
def test_workers_run_at_the_configured_niceness(nice: int, added: int) -> None:
    own = psutil.Process().nice()
    pool = ExtractionPool(1, nice)
    pool.start()
    try:
        assert pool._started is not None
        pool._started.result(timeout=120)
        [pid] = _worker_pids(pool)
        expected = min(own + added, 19)
        assert psutil.Process(pid).nice() == expected
        article = asyncio.run(pool.extract(PAGE, URL, "text/html", 200))
        assert isinstance(article, Article)
    finally:
        pool.close()
    assert psutil.Process().nice() == own  # the crawl process keeps its priority


_LOADED = (
    "import sys, tld.utils, trafilatura.external as te\n"
    "__import__(sys.argv[1])\n"
    "print(te.JT_STOPLIST is not None, bool(tld.utils.get_tld_names_container()))\n"
)


def _loaded_after_importing(module: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _LOADED, module], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_fork_server_loads_what_extraction_loads_on_first_use() -> None:
    # justext's stoplists and the public suffix list: loaded once in the fork server, not
    # by every worker on its first page
    assert PRELOAD == ["crawler.workers_preload"]
    assert _loaded_after_importing("crawler.workers_preload") == "True True"
    # the twin: the modules alone leave both to the first page (so the crawl process,
    # which imports them but never extracts, does not pay for it)
    assert _loaded_after_importing("crawler.workers") == "False False"


_IMPORTED = "import sys, {module}; print('trafilatura' in sys.modules)"


def _imports_trafilatura(module: str) -> bool:
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTED.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout.strip() == "True"


def test_the_crawl_process_does_not_import_the_extractor() -> None:
    # the crawl process sends pages to the pool: trafilatura and what it loads are imported
    # by the fork server only
    assert not _imports_trafilatura("crawler.pipelines, crawler.runner, scheduler.cli")
    # the twin: the fork server's preload does import it
    assert _imports_trafilatura("crawler.workers_preload")


def test_the_workers_extract_through_the_extractor_loaded_on_first_use() -> None:
    import crawler.workers as workers

    assert workers.extract_job(PAGE, URL, "text/html", 200) == extract_article(PAGE, URL)


def _dressed(story: Story, n: int) -> bytes:
    """The story's page in request chrome ``n`` (scheduler.demo.chrome.dress)."""
    return dress(article_page(story, 0, vary=frozenset()), "/a", n).encode()


def test_the_extraction_job_learns_the_template_a_learning_job_would(tmp_path: Path) -> None:
    """A learning refetch's one job (``extract_learning_job``): the article and fingerprint
    of ``extract_fingerprinted_job`` and the template ``learn_template_job`` learns from the
    stored page; none for another article (its twin: an edit), and the stored page unreadable
    is said so."""
    from datetime import UTC, datetime

    from archive.extract.template import is_unlearnable
    from archive.warc import WarcWriter
    from crawler.workers import (
        extract_fingerprinted_job,
        extract_learning_job,
        learn_template_job,
    )

    html = "text/html; charset=utf-8"
    story = Story()
    stored, page = _dressed(story, 1), _dressed(story, 2)
    with WarcWriter(tmp_path, max_bytes=1 << 30) as warc:
        location = warc.write_exchange(
            URL,
            request_headers=[],
            status=200,
            response_headers=[("Content-Type", html)],
            body=stored,
            fetched_at=datetime.now(UTC),
        )
    article, fingerprint = extract_fingerprinted_job(stored, URL, html, 200)
    args = (str(tmp_path), [location])
    found = extract_learning_job(page, URL, html, 200, *args, article.content_hash)
    alone = learn_template_job(
        *args, page, html, extract_fingerprinted_job(page, URL, html, 200)[1], URL, 200
    )
    assert found == (*extract_fingerprinted_job(page, URL, html, 200), alone)
    assert alone is not None and not is_unlearnable(alone)

    edited = _dressed(
        story.but(paragraphs=(PARAGRAPHS[0] + " Two soldiers died.", *PARAGRAPHS[1:])), 2
    )
    other = extract_learning_job(edited, URL, html, 200, *args, article.content_hash)
    assert isinstance(other, tuple) and other[0].content_hash != article.content_hash
    assert other[2] is None

    unread = extract_learning_job(page, URL, html, 200, str(tmp_path), [], article.content_hash)
    assert isinstance(unread, tuple) and unread[2] is not None
    assert unread[2].endswith("no_stored_payload")
    assert fingerprint is not None
