"""The Scrapy settings module (``scrapy.cfg``), for ``scrapy crawl articles``.

This is an entry point: redline's settings are read here once, from ``redline.toml`` and the
``REDLINE_*`` environment, and mapped onto Scrapy's names by :func:`crawler.configure.settings_for`.
``redline crawl`` does not load this module; it builds the same settings from its own config.
"""

from __future__ import annotations

from archive.config import load_config
from crawler.configure import settings_for

globals().update(settings_for(load_config()))
