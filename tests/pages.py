"""The article page builder of the tests lives in :mod:`scheduler.demo.pages`, its chrome in
:mod:`scheduler.demo.chrome` (the benchmarks use both too, and ``bench`` does not import
``tests``); these names re-export them for the tests."""

from scheduler.demo.chrome import BOX_KINDS, CHROME_KINDS, DEFAULT_VARY
from scheduler.demo.pages import PARAGRAPHS, Story, article_page, serve, serve_slow_pages

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
