"""Reading discovery documents: RSS, Atom, XML sitemaps, sitemap indexes, Google News sitemaps.

Pure: bytes in, :class:`Parsed` out; no network and no database.  RSS and Atom are read by
feedparser, which copes with the broken feeds found in the wild.  Sitemaps are read by lxml
with entity expansion and network access switched off (a sitemap is untrusted XML); the
``<lastmod>`` of a URL, or the ``<news:publication_date>`` of a Google News sitemap, dates
its entry.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urljoin

import feedparser
from lxml import etree

from archive.errors import FeedError

__all__ = ["Entry", "FeedError", "Parsed", "parse_date", "parse_feed"]

SITEMAP_NS: Final = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS: Final = "http://www.google.com/schemas/sitemap-news/0.9"
_PARSER: Final = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, recover=True
)


@dataclass(frozen=True)
class Entry:
    """One article URL a feed lists, with its date when the feed gives one."""

    url: str
    published_at: datetime | None = None


@dataclass(frozen=True)
class Parsed:
    """What a discovery document holds: its kind, its entries, and (indexes) child sitemaps."""

    kind: str  # rss / atom / sitemap / sitemap-index
    entries: tuple[Entry, ...] = ()
    sitemaps: tuple[Entry, ...] = ()


def parse_date(text: str | None) -> datetime | None:
    """A W3C datetime (``2024-05-01``, ``2024-05-01T10:00:00Z``) in UTC, or None."""
    if not text or not text.strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _sitemap(root: Any, base_url: str) -> Parsed:
    index = _local(root.tag) == "sitemapindex"
    found: list[Entry] = []
    for item in root:
        if _local(item.tag) not in {"url", "sitemap"}:
            continue
        loc = item.findtext(f"{{{SITEMAP_NS}}}loc") or item.findtext("loc")
        if not loc or not loc.strip():
            continue
        date = item.findtext(f"{{{NEWS_NS}}}news/{{{NEWS_NS}}}publication_date")
        date = date or item.findtext(f"{{{SITEMAP_NS}}}lastmod") or item.findtext("lastmod")
        found.append(Entry(urljoin(base_url, loc.strip()), parse_date(date)))
    if index:
        return Parsed("sitemap-index", sitemaps=tuple(found))
    return Parsed("sitemap", entries=tuple(found))


def _feed_date(entry: Any) -> datetime | None:
    # dict.get, not entry.get: feedparser's own lookup maps one key onto the other with a
    # DeprecationWarning when only one is present.
    parsed = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)


def parse_feed(body: bytes, base_url: str) -> Parsed:
    """Read an RSS or Atom feed, a sitemap or a sitemap index.

    Raises:
        FeedError: the document is none of those.
    """
    head = body.lstrip()[:2048]
    if b"sitemaps.org" in head or b"<urlset" in head or b"<sitemapindex" in head:
        try:
            root = etree.fromstring(body, parser=_PARSER)
        except etree.XMLSyntaxError as exc:
            raise FeedError(f"{base_url}: unreadable sitemap: {exc}") from None
        if root is not None and _local(root.tag) in {"urlset", "sitemapindex"}:
            return _sitemap(root, base_url)
    result = feedparser.parse(body)
    version = str(result.get("version") or "")
    if not version:
        reason = result.get("bozo_exception") or "not RSS, Atom or a sitemap"
        raise FeedError(f"{base_url}: {reason}")
    entries = tuple(
        Entry(urljoin(base_url, str(e.get("link")).strip()), _feed_date(e))
        for e in result.entries
        if e.get("link")
    )
    return Parsed("atom" if version.startswith("atom") else "rss", entries=entries)
