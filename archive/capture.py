"""What the crawler hands the archive for one fetch: facts, plus what the page came to.

These are plain values (no Scrapy, no database), so the write path in :mod:`archive.store`
can be called from the crawler, a test or a replay tool alike; :mod:`archive.decision` decides
what each comes to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from archive.diff.records import ChangeRecord
from archive.enums import CaptureOutcome, FailureReason
from archive.extract.article import Article
from archive.extract.version import extractor_version


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
class Reread:
    """Version ``version_id``'s own stored payload, extracted again by this extractor.

    Given when that version was read by another extractor (or an unknown one): the store then
    re-keys the version to this reading (fields, hash, extractor) if it is still current, and
    compares the new article with it, so that an extractor change is never taken for an edit.
    """

    version_id: int
    article: Article


@dataclass(frozen=True)
class Extracted:
    """The page gave an article; ``change`` was computed against version ``based_on``.

    ``extractor`` is the identity of the extractor that read it (stored on a new version);
    ``reread`` the current version's payload read again by that extractor, if it was needed;
    ``fingerprint`` the page's fast-path fingerprint (:mod:`archive.extract.fastpath`), kept
    on the version this article is, for the next fetch's fast path.
    """

    article: Article
    based_on_version_id: int | None = None
    change: ChangeRecord | None = None
    reread: Reread | None = None
    extractor: str = field(default_factory=extractor_version)
    fingerprint: str | None = None
    # tier 0's template learned for this article's version (:mod:`archive.extract.template`)
    template: str | None = None

    @cached_property
    def content_hash(self) -> str:
        """The article's content hash, computed once (it serialises the whole article)."""
        return self.article.content_hash


CaptureResult = Failed | NotModified | SamePayload | Extracted


@dataclass(slots=True)
class Recorded:
    """What :func:`archive.store.record_capture` wrote: the capture row's id and outcome."""

    id: int
    fetched_at: datetime
    outcome: CaptureOutcome
    reason: FailureReason | None = None
    version_id: int | None = None
