"""What the crawler hands the archive for one fetch: facts, plus what the page came to.

These are plain values (no Scrapy, no database), so the write path in :mod:`archive.store`
can be called from the crawler, a test or a replay tool alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from archive.diff.records import ChangeRecord
from archive.enums import FailureReason
from archive.extract.article import Article


@dataclass(frozen=True)
class FetchFacts:
    """The facts of one exchange, success or failure."""

    tracked_url_id: int
    fetched_at: datetime
    http_status: int | None = None
    final_url: str | None = None  # None when no redirect happened
    etag: str | None = None
    last_modified: str | None = None
    payload_digest: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None


@dataclass(frozen=True)
class Failed:
    """The fetch gave no article."""

    reason: FailureReason
    detail: str = ""


@dataclass(frozen=True)
class NotModified:
    """The server answered 304 to a conditional request."""


@dataclass(frozen=True)
class SamePayload:
    """The body is byte-identical to the last good capture's: unchanged, not extracted."""


@dataclass(frozen=True)
class Extracted:
    """The page gave an article; ``change`` was computed against version ``based_on``."""

    article: Article
    based_on_version_id: int | None = None
    change: ChangeRecord | None = None


CaptureResult = Failed | NotModified | SamePayload | Extracted
