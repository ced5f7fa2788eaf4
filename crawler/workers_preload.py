"""Imported by the extraction pool's fork server only (``crawler.workers.PRELOAD``).

Importing it loads the extraction and diff modules and the data they load on first use
(:func:`crawler.workers.load_first_use_data`), once per crawl, in the fork server: every
worker forked from it starts with all of it, frozen for the garbage collector
(:mod:`crawler.heap`).  The crawl process itself never imports it.
"""

import archive.extract.extractor  # noqa: F401  (the crawl process itself does not import it)
from crawler.heap import settle
from crawler.workers import load_first_use_data

load_first_use_data()
settle()  # in the fork server: every worker forked from it starts so
