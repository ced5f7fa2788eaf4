"""read_metadata: trafilatura's page metadata, without the fields redline does not keep.

``bare_extraction(with_metadata=True)`` runs ``trafilatura.metadata.extract_metadata``, which
also looks for the page's categories, tags and licence: three more searches of the whole tree
(about 1 ms a page on the article-extraction-benchmark pages) for fields redline never stores.
This is the same sequence of trafilatura's own metadata functions (headline, author, URL,
date, site name, description) without those three, run by ``extract_article`` on its own tree
while ``bare_extraction`` runs with ``with_metadata=False``: ``bare_extraction`` reads the
metadata from a copy of that tree taken before it extracts anything, and never changes the
tree it was given, so both read the same markup.  ``tests/archive/test_extract_metadata.py``
checks field by field that the result is trafilatura's on the fixture pages and the corpora.
"""

from __future__ import annotations

import logging
from typing import Any

from courlan import extract_domain
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document

from archive.extract.author import page_author

logger = logging.getLogger(__name__)

# The fields of trafilatura's Document that read_metadata fills (as extract_metadata does).
FIELDS = ("title", "author", "url", "hostname", "description", "sitename", "date", "filedate")


def read_metadata(tree: HtmlElement, url: str | None, date_params: dict[str, Any]) -> Document:
    """The page's metadata, as ``trafilatura.metadata.extract_metadata`` reads it, without
    categories, tags and licence."""
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as exc:  # as trafilatura: a bug in its JSON-LD reader loses the JSON-LD
        logger.warning("error in trafilatura's JSON-LD reader: %s", exc)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = page_author(tree)  # extract_author's answer, for less work
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    if metadata.url:
        metadata.hostname = extract_domain(metadata.url, fast=True)
    date_config = {**date_params, "url": metadata.url}
    metadata.date = find_date(tree, **date_config)
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        name = metadata.sitename
        if name and "." not in name and not name[0].isupper():
            metadata.sitename = name.title()
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    metadata.filedate = date_config.get("max_date")
    metadata.clean_and_trim()
    return metadata
