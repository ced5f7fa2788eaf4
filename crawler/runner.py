"""run_crawl: one crawl cycle in this process, used by the CLI and the service.

A Twisted reactor cannot be restarted, so a process runs at most one ``run_crawl``; the
service runs each cycle in a child process (see ``docs/decisions.md``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from scrapy.crawler import CrawlerProcess

from archive.config import Config
from archive.policy import Policy
from crawler.configure import settings_for
from crawler.extensions import CrawlProgress, CrawlSummary, ProgressCallback
from crawler.heap import settle
from crawler.spiders.articles import ArticleSpider
from crawler.workers import ExtractionPool


def run_crawl(
    config: Config,
    *,
    select: str = "due",
    urls: Sequence[str] = (),
    progress: ProgressCallback | None = None,
    log_level: str | None = None,
    pool: ExtractionPool | None = None,
) -> CrawlSummary:
    """Fetch the selected tracked URLs once and archive every capture.

    Args:
        select: ``due`` (the URLs whose check is due), ``all``, or ``urls`` (those given).
        progress: called after each capture with (done, expected, outcome).
        pool: an extraction pool already started (the crawl closes it); one is made if None.

    The archive schedules each URL's next check from ``config`` (its ``refetch_*`` settings),
    as for every other entry point.
    """
    Policy.from_config(config)  # a bad refetch_* setting is an error before the crawl starts
    settings = settings_for(config)
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
    if progress is not None:
        CrawlProgress(crawler, progress)
    # runtime objects are crawl arguments, never settings (Scrapy copies its settings)
    process.crawl(crawler, select=select, urls=list(urls), extraction_pool=pool)
    settle()  # what start-up made lives as long as the process: never collected again
    process.start()
    assert crawler.stats is not None
    return CrawlSummary.from_stats(crawler.stats.get_stats())
