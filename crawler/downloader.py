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
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from scrapy.core.downloader import Downloader, Slot

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response
    from twisted.internet.defer import Deferred


class PoliteDownloader(Downloader):
    """Scrapy's downloader; see the module docstring for what it changes."""

    def _wait_for_download(  # a plain method: it runs when the download is scheduled
        self, slot: Slot, request: Request, queue_dfd: Deferred[Response]
    ) -> Coroutine[Any, Any, None]:
        slot.transferring.add(request)
        return super()._wait_for_download(slot, request, queue_dfd)
