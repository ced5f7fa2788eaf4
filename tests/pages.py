"""The article page builder of the tests lives in :mod:`scheduler.demo.pages` (the benchmarks
use it too, and ``bench`` does not import ``tests``); this name re-exports it for the tests."""

from scheduler.demo.pages import (
    BOX_KINDS,
    CHROME_KINDS,
    DEFAULT_VARY,
    PARAGRAPHS,
    Story,
    article_page,
    serve,
    serve_slow_pages,
)

__all__ = [
    "BOX_KINDS",
    "CHROME_KINDS",
    "DEFAULT_VARY",
    "PARAGRAPHS",
    "Story",
    "article_page",
    "serve",
    "serve_slow_pages",
]
