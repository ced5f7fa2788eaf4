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
    """Calls the ``REDLINE_PROGRESS`` callback after each archived fetch."""

    def __init__(self, crawler: Crawler, callback: ProgressCallback | None) -> None:
        self.crawler = crawler
        self.callback = callback
        self.done = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        extension = cls(crawler, crawler.settings.get("REDLINE_PROGRESS"))
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        return extension

    def item_scraped(self, item: FetchResult, **kwargs: Any) -> None:
        self.done += 1
        if self.callback is not None:
            assert self.crawler.stats is not None
            expected = int(self.crawler.stats.get_value("redline/expected", 0) or 0)
            self.callback(self.done, expected, item.detail)
