"""PoliteDownloader: Scrapy's downloader, keeping the per-site concurrency limit without delays.

Scrapy 2.19 on the asyncio reactor starts each download as a task
(``scrapy.utils.defer._schedule_coro``) that counts itself as transferring only once it runs.
The pass over a slot's queue (``Downloader._process_queue``) counts free places by what is
transferring, so with no download delay it lets every queued request through at once:
``CONCURRENT_REQUESTS_PER_DOMAIN`` is not kept (measured: 40 slow pages of one site fetched 40
at a time with a limit of 2).  With a delay, Scrapy takes one request a pass, and the limit
holds; redline's AutoThrottle (the default) always sets one, but ``autothrottle = false`` with
``download_delay_s = 0`` does not.

Here a request counts as transferring from the moment its download is scheduled: Scrapy's own
loop then sees the right number of free places in every path (a delay, a pass started from a
finished download, a task that runs at once).  Scrapy's ``_download`` adds it again (a set)
and removes it when the download ends.  ``tests/crawler/test_politeness.py`` measures the
requests a site answers at once, so a Scrapy that changes these internals fails it instead of
going unnoticed.

Crawl workers (``redline worker``) share each site's limit and delay: with
``REDLINE_SHARED_SITE_SLOTS`` set (``crawler.distributed.worker_settings`` sets it), a download
first waits, as an asyncio task that never blocks the reactor, for one of the site's slots in
Redis (:mod:`crawler.site_slots`), held until the response has arrived.  The request counts as
transferring while it waits, so a worker never has more of a site's requests waiting or in
flight than the site's limit.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from scrapy.core.downloader import Downloader, Slot

from crawler.site_slots import SharedSlots

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.internet.defer import Deferred

    from archive.config import Config


class PoliteDownloader(Downloader):
    """Scrapy's downloader; see the module docstring for what it changes."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.shared_slots: SharedSlots | None = None
        if crawler.settings.getbool("REDLINE_SHARED_SITE_SLOTS"):
            config: Config = crawler.settings["REDLINE_CONFIG"]
            self.shared_slots = SharedSlots(
                config.redis_url, config.redis_prefix, lease_s=config.site_slot_lease_s
            )

    def _wait_for_download(  # a plain method: it runs when the download is scheduled
        self, slot: Slot, request: Request, queue_dfd: Deferred[Response]
    ) -> Coroutine[Any, Any, None]:
        slot.transferring.add(request)
        return super()._wait_for_download(slot, request, queue_dfd)

    async def _download(self, slot: Slot, request: Request) -> Response:
        if self.shared_slots is None:
            return await super()._download(slot, request)
        started = False
        try:
            site = self.get_slot_key(request)
            async with self.shared_slots.hold(site, limit=slot.concurrency, delay_s=slot.delay):
                started = True
                return await super()._download(slot, request)
        finally:
            if not started:  # Scrapy's _download never ran: give back the place taken above
                slot.transferring.discard(request)
                self._process_queue(slot)

    def close(self) -> None:
        super().close()
        if self.shared_slots is not None:
            import asyncio

            from scrapy.utils.asyncio import is_asyncio_available

            if is_asyncio_available():
                asyncio.get_event_loop().create_task(self.shared_slots.close())
