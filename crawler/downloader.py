"""PoliteDownloader: Scrapy's downloader, keeping the per-site concurrency limit without delays.

Scrapy 2.19 on the asyncio reactor starts each download as a task
(``scrapy.utils.defer._schedule_coro``) that counts itself as transferring only once it runs.
The pass over a slot's queue (``Downloader._process_queue``) counts free places by what is
transferring, so with no download delay it lets every queued request through at once:
``CONCURRENT_REQUESTS_PER_DOMAIN`` is not kept (measured: 40 slow pages of one site fetched 40
at a time with a limit of 2).  With a delay, Scrapy takes one request a pass, and the limit
holds; redline's AutoThrottle (the default) always sets one, but ``autothrottle = false`` with
``download_delay_s = 0`` does not.

Here a request scheduled but not yet started counts against its slot, and each pass is given
only as much of the queue as the slot has room for.  ``tests/crawler/test_politeness.py``
measures the requests a site answers at once, so a Scrapy that changes these internals fails
it instead of going unnoticed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.core.downloader import Downloader, Slot

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


class PoliteDownloader(Downloader):
    """Scrapy's downloader; see the module docstring for what it changes."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._starting: set[Request] = set()  # scheduled, not yet transferring

    def _process_queue(self, slot: Slot) -> None:
        room = slot.free_transfer_slots() - len(self._starting & slot.active)
        held = []
        while len(slot.queue) > max(room, 0):
            held.append(slot.queue.pop())  # the newest wait for the next pass
        queued = [request for request, _ in slot.queue]
        super()._process_queue(slot)
        self._starting.update(queued[: len(queued) - len(slot.queue)])
        slot.queue.extend(reversed(held))

    async def _download(self, slot: Slot, request: Request) -> Response:
        self._starting.discard(request)  # transferring from here on (Scrapy counts it)
        return await super()._download(slot, request)
