"""Article extraction: one HTML page in, one normalised :class:`Article` out.

Pure: no database, no network, no Scrapy (checked by import-linter).  The page is parsed once
with lxml; the head (meta tags, JSON-LD, links, ``<h1>``) is read from that tree, then
trafilatura extracts the text from its own copy of it.

Modules, one concern each:

* :mod:`.decode` -- bytes to text; refuses non-HTML and broken encodings;
* :mod:`.head` -- meta tags, JSON-LD nodes and ``<html lang>``;
* :mod:`.timestamps` -- published and updated datetimes;
* :mod:`.links` -- canonical and AMP URLs;
* :mod:`.headline` -- the headline without a site-name suffix;
* :mod:`.normalize` -- the canonical spelling of text (NFC, whitespace, quotes, entities);
* :mod:`.chrome` -- filters for boilerplate lines trafilatura lets through;
* :mod:`.history` -- a page's own dated change notes (GOV.UK "Updates to this page");
* :mod:`.article` -- the :class:`Article` value object and its ``content_hash``;
* :mod:`.extractor` -- :func:`extract_article` itself;
* :mod:`.version` -- ``EXTRACTOR_VERSION``, bumped whenever extraction output may change.

``extract_article`` is loaded on first use: importing :class:`Article` (as the store and the
CLI do) must not pay for importing trafilatura.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archive.extract.article import Article
from archive.extract.version import EXTRACTOR_VERSION, extractor_version

if TYPE_CHECKING:
    from archive.extract.extractor import DEFAULT_MIN_CHARS, extract_article

__all__ = [
    "DEFAULT_MIN_CHARS",
    "EXTRACTOR_VERSION",
    "Article",
    "extract_article",
    "extractor_version",
]


def __getattr__(name: str) -> Any:
    if name in {"extract_article", "DEFAULT_MIN_CHARS"}:
        from archive.extract import extractor

        return getattr(extractor, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
