"""ArticleSpider: fetches tracked URLs (due, all, or given) and yields one FetchResult each."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import scrapy
from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest
from twisted.internet.error import ConnectionRefusedError as TxConnectionRefusedError
from twisted.internet.error import DNSLookupError, TCPTimedOutError
from twisted.internet.error import TimeoutError as TxTimeoutError

from archive.config import Config
from archive.db import open_database
from archive.enums import FailureReason
from archive.models import TrackedURL
from archive.queries import (
    active_page,
    count_active,
    count_due,
    current_fingerprints,
    current_hashes,
    current_templates,
    due_page,
)
from archive.store import resolve
from crawler.configure import HANDLED_STATUSES
from crawler.items import FetchResult
from crawler.middlewares import META_ORIGINAL_URL, META_VALIDATORS, RefusedRequest
from crawler.wire import received, received_before_failure
from crawler.workers import ExtractionPool

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from sqlalchemy.orm import Session
    from twisted.python.failure import Failure

# (tracked_url_id, last_payload_digest, the current version's content hash) at the crawl's start
META_TRACKED = "redline_tracked"


class Target(NamedTuple):
    """A tracked URL to fetch, with what the pipeline needs to know of its last capture."""

    id: int
    url: str
    etag: str | None
    last_modified: str | None
    last_payload_digest: str | None
    current_hash: str | None
    current_fingerprint: str | None = None
    current_template: str | None = None


def headers_list(headers: Any) -> list[tuple[str, str]]:
    """Scrapy headers as (name, value) text pairs, repeated names kept."""
    pairs = []
    for name, values in headers.items():
        for value in values:
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


def failure_reason(failure: Failure) -> tuple[FailureReason, str]:
    """Map a download failure onto a reason and a one-line detail."""
    exc = failure.value
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, RefusedRequest):  # refused by a middleware, which names the reason
        return exc.reason, detail
    if isinstance(exc, IgnoreRequest) and "DOWNLOAD_MAXSIZE" in detail:  # decompression bomb
        return FailureReason.TOO_LARGE, detail
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in detail:
            return FailureReason.ROBOTS_DISALLOWED, detail
        if "redirect" in detail:
            return FailureReason.REDIRECT_LOOP, detail
        return FailureReason.CONNECTION, detail
    if isinstance(exc, DownloadTimeoutError | TxTimeoutError | TCPTimedOutError):
        return FailureReason.TIMEOUT, detail
    if isinstance(exc, DownloadCancelledError) or "download max size" in detail:
        return FailureReason.TOO_LARGE, detail
    if isinstance(exc, DNSLookupError) or type(exc).__name__ == "CannotResolveHostError":
        return FailureReason.DNS, detail
    if isinstance(exc, TxConnectionRefusedError):
        return FailureReason.CONNECTION, detail
    return FailureReason.CONNECTION, f"{type(exc).__name__}: {detail}"


def targets_of(session: Session, rows: Sequence[TrackedURL]) -> list[Target]:
    """The targets for these tracked URLs, with their current versions' hashes."""
    hashes = current_hashes(session, (t.id for t in rows))
    fingerprints = current_fingerprints(session, (t.id for t in rows))
    templates = current_templates(session, (t.id for t in rows))
    return [
        Target(
            t.id,
            t.url,
            t.etag,
            t.last_modified,
            t.last_payload_digest,
            hashes.get(t.id),
            fingerprints.get(t.id),
            templates.get(t.id),
        )
        for t in rows
    ]


class ArticleSpider(scrapy.Spider):
    """Fetches tracked URLs: the due ones (default), all of them, or the URLs given."""

    name = "articles"

    def __init__(
        self,
        select: str = "due",
        urls: Sequence[str] | str = (),
        config: Config | None = None,
        extraction_pool: ExtractionPool | None = None,
        **kwargs: Any,
    ) -> None:
        """``extraction_pool``: a pool already started by the caller (the pipeline uses it and
        closes it); without one, the pipeline makes its own."""
        super().__init__(**kwargs)
        if select not in {"due", "all", "urls"}:
            raise ValueError(f"select must be due, all or urls, not {select!r}")
        self.select = select
        self.urls = [u for u in urls.split(",") if u] if isinstance(urls, str) else list(urls)
        self.config = config
        self.extraction_pool = extraction_pool

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ArticleSpider:
        kwargs.setdefault("config", crawler.settings["REDLINE_CONFIG"])
        spider: ArticleSpider = super().from_crawler(crawler, *args, **kwargs)
        return spider

    def target_batches(self) -> Iterator[list[Target]]:
        """The URLs to fetch, a batch (``crawl_batch``) at a time.

        Each batch is read in its own short session, closed before the batch is handed on: a
        crawl holds one batch in memory, and no read transaction while it fetches and records
        (on SQLite a long one would keep the WAL from being checkpointed; on PostgreSQL it
        would hold a snapshot).  Due URLs are read by keyset on (``next_check_at``, id) as of
        the crawl's start, so each is read once however the captures already recorded move.
        """
        assert self.config is not None and self.crawler.stats is not None
        batch = max(1, self.config.crawl_batch)
        now = datetime.now(UTC)
        # the pipeline has opened (and upgraded) the database already: no Alembic check here
        database = open_database(self.config.sqlalchemy_url, upgrade=False)
        try:
            if self.select == "urls":
                for start in range(0, len(self.urls), batch):
                    with database.session() as session:
                        rows = [resolve(session, url) for url in self.urls[start : start + batch]]
                        targets = targets_of(session, rows)
                    yield targets
                return
            with database.session() as session:
                expected = (
                    count_due(session, now) if self.select == "due" else count_active(session)
                )
            self.crawler.stats.set_value("redline/expected", expected)
            due_key: tuple[datetime, int] | None = None
            after_id: int | None = None
            while True:
                with database.session() as session:
                    if self.select == "all":
                        rows = active_page(session, after_id=after_id, limit=batch)
                    else:
                        rows = due_page(session, now, after=due_key, limit=batch)
                    if not rows:
                        return
                    last = rows[-1]
                    after_id = last.id
                    if last.next_check_at is not None:
                        due_key = (last.next_check_at, last.id)
                    targets = targets_of(session, rows)
                self.crawler.stats.inc_value("redline/batches_read")
                yield targets
                if len(rows) < batch:
                    return
        finally:
            database.dispose()

    async def start(self) -> AsyncIterator[Any]:
        assert self.crawler.stats is not None
        if self.select == "urls":
            self.crawler.stats.set_value("redline/expected", len(self.urls))
        for targets in self.target_batches():
            for target in targets:
                # lazy start: a request waits here, not in the scheduler, until the downloader
                # has room, so the crawl never holds more than this batch's requests
                engine = self.crawler.engine
                if engine is not None and engine.needs_backout():
                    await self.crawler.signals.wait_for(signals.scheduler_empty)
                yield self.request_for(target)

    def request_for(self, target: Target) -> scrapy.Request:
        """The fetch of one target: conditional, every status handed to the pipeline."""
        return scrapy.Request(
            target.url,
            callback=self.parse,
            errback=self.failed,
            dont_filter=True,
            meta={
                "handle_httpstatus_list": HANDLED_STATUSES,
                META_TRACKED: (
                    target.id,
                    target.last_payload_digest,
                    target.current_hash,
                    target.current_fingerprint,
                    target.current_template,
                ),
                META_ORIGINAL_URL: target.url,
                META_VALIDATORS: (target.etag, target.last_modified),
            },
        )

    def parse(self, response: Response, **kwargs: Any) -> Any:
        tracked_id, digest, current_hash, fingerprint, template = response.meta[META_TRACKED]
        original = response.meta[META_ORIGINAL_URL]
        hops, final = received(response)
        yield FetchResult(
            tracked_url_id=tracked_id,
            url=original,
            fetched_at=datetime.now(UTC),
            status=response.status,
            final_url=response.url if response.url != original else None,
            # the request's headers as the middleware read them already, when it kept them
            request_headers=(
                final.request_headers
                if final is not None
                else headers_list(response.request.headers)
                if response.request
                else []
            ),
            response_headers=headers_list(response.headers),
            body=response.body,
            ip=str(response.ip_address) if response.ip_address else None,
            last_payload_digest=digest,
            current_hash=current_hash,
            current_fingerprint=fingerprint,
            current_template=template,
            received=final,
            hops=hops,
        )

    def failed(self, failure: Failure) -> Any:
        request = failure.request  # type: ignore[attr-defined]
        tracked_id, digest, current_hash, fingerprint, template = request.meta[META_TRACKED]
        reason, detail = failure_reason(failure)
        yield FetchResult(
            tracked_url_id=tracked_id,
            url=request.meta[META_ORIGINAL_URL],
            fetched_at=datetime.now(UTC),
            failure=reason,
            detail=detail,
            last_payload_digest=digest,
            current_hash=current_hash,
            current_fingerprint=fingerprint,
            current_template=template,
            hops=received_before_failure(request),
        )
