"""Maps redline's settings object onto Scrapy's settings names.

The polite defaults are set explicitly, since Scrapy's own are not polite
(``ROBOTSTXT_OBEY`` and ``AUTOTHROTTLE_ENABLED`` default to False).
"""

from __future__ import annotations

from typing import Any

from archive.config import Config

BOT_NAME = "redline"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Every status the pipeline must see as a response instead of having it dropped by
# HttpErrorMiddleware: 304 for conditional requests, and every 4xx/5xx (recorded as errors).
HANDLED_STATUSES = [304, *range(400, 600)]


def settings_for(config: Config) -> dict[str, Any]:
    """The Scrapy settings for a crawl with ``config``."""
    return {
        "BOT_NAME": BOT_NAME,
        "SPIDER_MODULES": SPIDER_MODULES,
        "NEWSPIDER_MODULE": NEWSPIDER_MODULE,
        "REDLINE_CONFIG": config,
        "USER_AGENT": config.user_agent,
        "ROBOTSTXT_OBEY": config.obey_robots_txt,
        "AUTOTHROTTLE_ENABLED": config.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(config.download_delay_s, 0.5),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(config.concurrent_requests_per_domain),
        "DOWNLOAD_DELAY": config.download_delay_s,
        "CONCURRENT_REQUESTS": config.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": config.concurrent_requests_per_domain,
        # Scrapy's, keeping the per-site limit when no delay is set (see crawler/downloader.py)
        "DOWNLOADER": "crawler.downloader.PoliteDownloader",
        # Items processed at once per response.  The spider yields one item per response, and
        # Scrapy starts this many worker tasks for every response (100 by default).
        "CONCURRENT_ITEMS": 1,
        # Bytes of responses being processed before Scrapy stops starting downloads (5 MB by
        # default: about 30 news pages).  A response waits here for its extraction and for its
        # capture's group commit; 20 MB keeps the downloader busy meanwhile (3.5% more pages a
        # second in the 10%-changed benchmark cycle, alternating runs on one archive).
        "SCRAPER_SLOT_MAX_ACTIVE_SIZE": 20_000_000,
        "DOWNLOAD_TIMEOUT": config.download_timeout_s,
        "DOWNLOAD_MAXSIZE": config.max_body_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "REDIRECT_MAX_TIMES": config.redirect_max,
        # Scrapy's URL-length filter drops a request with no errback, so nothing would be
        # recorded: the network guard refuses over-long URLs instead, as a failed capture.
        "URLLENGTH_LIMIT": 0,
        "RETRY_ENABLED": config.retry_times > 0,
        "RETRY_TIMES": config.retry_times,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
        "COOKIES_ENABLED": False,  # each fetch stands alone; no tracking state between rounds
        "HTTPCACHE_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        # Scrapy (2.19 on) starts an HTTP server in every crawl that runs Python code sent to
        # it (a token in a file under the user's profile guards it): nothing redline uses,
        # and loading it (aiohttp, its TLS contexts) cost about 0.13 s of CPU a crawl.  Left
        # out of the extensions, it is not even imported.
        "EXTENSIONS": {"scrapy.extensions.remote_control.RemoteControl": None},
        "LOG_LEVEL": config.log_level,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        # Scrapy checks each response's callback for a generator returning a value by reading
        # and parsing its source (about 1 ms) whenever its cache, keyed by the short-lived bound
        # method, misses: on about one response in six.  The spider's callbacks return nothing.
        "WARN_ON_GENERATOR_RETURN_VALUE": False,
        "DOWNLOADER_MIDDLEWARES": {
            # before robots.txt (100) so a private destination is refused before anything
            "crawler.middlewares.NetworkGuardMiddleware": 50,
            "crawler.middlewares.ConditionalRequestMiddleware": 560,
            # Scrapy's, without decoding the pages that cannot hold a refresh
            "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
            "crawler.middlewares.MetaRefreshMiddleware": 580,
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "crawler.retry.BackoffRetryMiddleware": 550,
            # each response as received, before redirects are followed and bodies decoded
            "crawler.wire.ReceivedMiddleware": 650,
        },
        # Per-request work whose only product is a Scrapy stat nothing reads (the crawl's
        # summary comes from redline's own stats): the byte counts of each request and response
        # (DownloaderStats builds the request's whole HTTP text to count it), and the link depth
        # (the spider yields items, never links to follow).
        "DOWNLOADER_STATS": False,
        "SPIDER_MIDDLEWARES": {"scrapy.spidermiddlewares.depth.DepthMiddleware": None},
        "ITEM_PIPELINES": {"crawler.pipelines.ArchivePipeline": 300},
    }
