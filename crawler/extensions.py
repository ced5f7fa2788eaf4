"""Crawl progress and the closing summary, both read from the crawler's stats."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scrapy import signals

from archive.enums import CaptureOutcome

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.items import FetchResult

ProgressCallback = Callable[[int, int, str], None]  # (done, expected, what the last one was)


@dataclass(frozen=True)
class CrawlSummary:
    """What one crawl cycle did."""

    expected: int = 0
    fetched: int = 0
    new_versions: int = 0
    unchanged: int = 0
    not_modified: int = 0
    errors: int = 0
    errors_by_reason: dict[str, int] = field(default_factory=dict)
    duration_s: float = 0.0

    @classmethod
    def from_stats(cls, stats: Mapping[str, Any]) -> CrawlSummary:
        def count(outcome: CaptureOutcome) -> int:
            return int(stats.get(f"redline/capture/{outcome}", 0))

        prefix = "redline/capture/error/"
        started, finished = stats.get("start_time"), stats.get("finish_time")
        return cls(
            expected=int(stats.get("redline/expected", 0)),
            fetched=sum(count(o) for o in CaptureOutcome),
            new_versions=count(CaptureOutcome.NEW_VERSION),
            unchanged=count(CaptureOutcome.UNCHANGED),
            not_modified=count(CaptureOutcome.NOT_MODIFIED),
            errors=count(CaptureOutcome.ERROR),
            errors_by_reason={
                k.removeprefix(prefix): int(v) for k, v in stats.items() if k.startswith(prefix)
            },
            duration_s=(finished - started).total_seconds() if started and finished else 0.0,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "expected": self.expected,
            "fetched": self.fetched,
            "new_versions": self.new_versions,
            "unchanged": self.unchanged,
            "not_modified": self.not_modified,
            "errors": self.errors,
            "errors_by_reason": dict(self.errors_by_reason),
            "duration_s": round(self.duration_s, 3),
        }


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
