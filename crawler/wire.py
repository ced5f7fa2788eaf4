"""Responses as received, for the WARC files: redirect hops included, content coding kept.

:class:`ReceivedMiddleware` sits among Scrapy's downloader middlewares between the download
and ``RedirectMiddleware`` (600) / ``HttpCompressionMiddleware`` (590), which handle a response
after it (``process_response`` runs from the highest number down).  So it sees every response
of a fetch as the server sent it: the 301 before Scrapy follows it, the gzip-compressed body
before Scrapy decodes it, each attempt that ``RetryMiddleware`` throws away.  It appends each
to a list in the request's ``meta``, which Scrapy copies into the follow-up request (a shallow
copy: the same list goes down the whole chain).

The spider hands the list to the pipeline (:func:`received`, :func:`received_before_failure`):
the last response, the one the spider got, becomes the capture's response record, written
from the received bytes; every earlier one (a redirect hop, a page with a meta refresh, a
retried 503) is written as a response record of its own (:func:`write_received`), so that a
tracked URL that answers 301 can itself be replayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from archive.warc import Headers, WarcLocation, WarcWriter

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

META_RECEIVED: Final = "redline_received"
# After RetryMiddleware (550) and HttpCompressionMiddleware (590) and RedirectMiddleware (600),
# before DownloaderStats (850): see the module docstring.
PRIORITY: Final = 650


@dataclass(frozen=True)
class Received:
    """One HTTP exchange as it came off the wire (body before any content decoding)."""

    url: str
    method: str
    request_headers: Headers
    status: int
    response_headers: Headers
    body: bytes
    fetched_at: datetime
    ip: str | None


def headers_list(headers: Any) -> Headers:
    """Scrapy headers as (name, value) text pairs, repeated names kept."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


class ReceivedMiddleware:
    """Keeps every response of a fetch as received (see the module docstring)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReceivedMiddleware:
        return cls()

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        chain: list[Received] = request.meta.setdefault(META_RECEIVED, [])
        chain.append(
            Received(
                url=response.url,
                method=request.method,
                request_headers=headers_list(request.headers),
                status=response.status,
                response_headers=headers_list(response.headers),
                body=response.body,
                fetched_at=datetime.now(UTC),
                ip=str(response.ip_address) if response.ip_address else None,
            )
        )
        return response


def received(response: Response) -> tuple[list[Received], Received | None]:
    """The earlier exchanges of a fetch and, when it is known, the final one as received.

    The final one is the last kept, if it is this response's (same URL and status); without
    it (a response that did not pass the middleware) the pipeline stores Scrapy's decoded body.
    """
    chain: list[Received] = list(response.meta.get(META_RECEIVED) or [])
    if chain and chain[-1].url == response.url and chain[-1].status == response.status:
        return chain[:-1], chain[-1]
    return chain, None


def received_before_failure(request: Request) -> list[Received]:
    """The exchanges of a fetch that ended in a failure (each is kept as a record)."""
    return list(request.meta.get(META_RECEIVED) or [])


def write_received(
    warc: WarcWriter, exchange: Received, *, payload_digest: str | None = None
) -> WarcLocation:
    """Write one exchange as received: a ``response`` record and its ``request`` record."""
    return warc.write_exchange(
        exchange.url,
        request_headers=exchange.request_headers,
        method=exchange.method,
        status=exchange.status,
        response_headers=exchange.response_headers,
        body=exchange.body,
        fetched_at=exchange.fetched_at,
        ip=exchange.ip,
        payload_digest=payload_digest,
    )
