"""The crawler's one item: the facts of one exchange, success or failure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from archive.enums import FailureReason
from archive.warc import WarcLocation
from crawler.wire import Received


@dataclass
class FetchResult:
    """One fetch of a tracked URL, as the spider saw it.

    ``failure`` is set when no usable response arrived (timeout, refused destination, redirect
    loop, robots.txt...); HTTP error statuses arrive as responses and are judged by the pipeline.
    """

    tracked_url_id: int
    url: str
    fetched_at: datetime
    status: int | None = None
    final_url: str | None = None
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    ip: str | None = None
    failure: FailureReason | None = None
    detail: str = ""
    last_payload_digest: str | None = None  # of the last good capture, for the shortcut
    current_hash: str | None = None  # of the current version's article when the crawl started
    current_fingerprint: str | None = None  # that version's fast-path fingerprint, if any
    current_template: str | None = None  # and its tier-0 template (or why it has none), if any
    # The final response as received (``body`` is Scrapy's, decoded), and the responses of the
    # fetch before it (redirect hops, retried attempts): all go to WARC as received.
    received: Received | None = None
    hops: list[Received] = field(default_factory=list)
    written: WarcLocation | None = None  # where the pipeline wrote the final exchange, once it has

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.response_headers:
            if key.lower() == lowered:
                return value
        return None
