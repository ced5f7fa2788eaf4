"""Crawl progress and the closing summary, both read from the crawler's stats."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scrapy import signals

from crawler.summary import CrawlSummary

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.items import FetchResult

__all__ = ["CrawlProgress", "CrawlSummary", "ProgressCallback"]

ProgressCallback = Callable[[int, int, str], None]  # (done, expected, what the last one was)


class CrawlProgress:
    """Calls ``callback`` after each archived fetch of ``crawler`` (its ``item_scraped`` signal).

    Made by whoever runs the crawl and wants to watch it (``run_crawl``): a callback is a
    runtime object, so it never rides in Scrapy's settings.
    """

    def __init__(self, crawler: Crawler, callback: ProgressCallback) -> None:
        self.crawler = crawler
        self.callback = callback
        self.done = 0
        # held strongly by the crawler's signals: nothing else keeps this object
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped, weak=False)

    def item_scraped(self, item: FetchResult, **kwargs: Any) -> None:
        self.done += 1
        assert self.crawler.stats is not None
        expected = int(self.crawler.stats.get_value("redline/expected", 0) or 0)
        self.callback(self.done, expected, item.detail)
