"""run_crawl: one crawl cycle in this process, used by the CLI and the service.

A Twisted reactor cannot be restarted, so a process runs at most one ``run_crawl``; the
service runs each cycle in a child process (see ``docs/decisions.md``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from scrapy.crawler import CrawlerProcess

from archive.config import Config
from crawler.configure import settings_for
from crawler.extensions import CrawlSummary, ProgressCallback
from crawler.spiders.articles import ArticleSpider
from crawler.workers import ExtractionPool


def run_crawl(
    config: Config,
    *,
    select: str = "due",
    urls: Sequence[str] = (),
    progress: ProgressCallback | None = None,
    next_check: Callable[..., Any] | None = None,
    log_level: str | None = None,
    pool: ExtractionPool | None = None,
) -> CrawlSummary:
    """Fetch the selected tracked URLs once and archive every capture.

    Args:
        select: ``due`` (the URLs whose check is due), ``all``, or ``urls`` (those given).
        progress: called after each capture with (done, expected, outcome).
        next_check: the refetch policy hook, called for each capture by the archive.
        pool: an extraction pool already started (the crawl closes it); one is made if None.
    """
    settings = settings_for(config)
    settings["REDLINE_PROGRESS"] = progress
    settings["REDLINE_NEXT_CHECK"] = next_check
    settings["REDLINE_POOL"] = pool
    if log_level:
        settings["LOG_LEVEL"] = log_level
    settings["LOG_INSTALL_ROOT_HANDLER"] = True
    process = CrawlerProcess(settings)
    # Scrapy filters by level in its root handler only, after building every record (a DEBUG
    # "Scraped from" line per item); at the loggers, records below the level are never built.
    level = logging.getLevelName(str(settings["LOG_LEVEL"]).upper())
    if isinstance(level, int):
        logging.getLogger("scrapy").setLevel(level)
    crawler = process.create_crawler(ArticleSpider)
    process.crawl(crawler, select=select, urls=list(urls))
    process.start()
    assert crawler.stats is not None
    return CrawlSummary.from_stats(crawler.stats.get_stats())
