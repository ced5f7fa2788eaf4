"""What one crawl cycle did, read from the crawler's stats (no Scrapy import: the service
reads a child crawl's summary without loading Scrapy)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from archive.enums import CaptureOutcome

FAST_PATH_PREFIX = "redline/fast_path/"


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
    # the fast path's decisions, fallbacks, verifications and disagreements (when non-zero)
    fast_path: dict[str, int] = field(default_factory=dict)

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
            fast_path={
                k.removeprefix(FAST_PATH_PREFIX): int(v)
                for k, v in stats.items()
                if k.startswith(FAST_PATH_PREFIX)
            },
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CrawlSummary:
        """The inverse of :meth:`to_dict` (what ``redline crawl --json`` printed)."""
        return cls(
            expected=int(data.get("expected", 0)),
            fetched=int(data.get("fetched", 0)),
            new_versions=int(data.get("new_versions", 0)),
            unchanged=int(data.get("unchanged", 0)),
            not_modified=int(data.get("not_modified", 0)),
            errors=int(data.get("errors", 0)),
            errors_by_reason={
                str(k): int(v) for k, v in (data.get("errors_by_reason") or {}).items()
            },
            duration_s=float(data.get("duration_s") or 0.0),
            fast_path={str(k): int(v) for k, v in (data.get("fast_path") or {}).items()},
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: what ``redline crawl --json`` prints."""
        return {
            "expected": self.expected,
            "fetched": self.fetched,
            "new_versions": self.new_versions,
            "unchanged": self.unchanged,
            "not_modified": self.not_modified,
            "errors": self.errors,
            "errors_by_reason": dict(self.errors_by_reason),
            "duration_s": round(self.duration_s, 3),
            "fast_path": dict(self.fast_path),
        }
