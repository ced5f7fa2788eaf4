"""Published and updated timestamps, at full precision, as timezone-aware UTC datetimes.

Sources, most explicit first: ``<meta>`` tags (``article:published_time``,
``article:modified_time``, ``og:updated_time``, ``itemprop=dateModified``...), JSON-LD
``datePublished`` / ``dateModified`` (article nodes first, ``@graph`` and lists included),
``itemprop`` and ``<time datetime>`` elements of the article, and last htmldate.  trafilatura's
metadata carries only a published *day*, so it is the last resort for ``published_at``;
``updated_at`` falls back to htmldate's ``original_date=False`` without the free-text search,
which would pick up dates from related-article lists and make the result depend on chrome.

A timestamp without a zone is taken to be UTC: the page gives nothing better, and a fixed
rule keeps the result deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from htmldate import find_date
from lxml.html import HtmlElement

from archive.extract.head import Head

# Meta keys (lower-cased), in order of preference.
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "article.published",
    "parsely-pub-date",
    "pubdate",
    "publishdate",
    "publish-date",
    "sailthru.date",
    "dcterms.created",
    "dc.date.issued",
    "date",
)
UPDATED_META = (
    "article:modified_time",
    "og:updated_time",
    "og:article:modified_time",
    "datemodified",
    "article.updated",
    "lastmod",
    "dcterms.modified",
    "dc.date.modified",
    "last-modified",  # <meta http-equiv="Last-Modified">, and name= on some CMSs
)

_UPDATED_KEYS = frozenset(UPDATED_META)
_META_KEYS = ("property", "name", "itemprop", "http-equiv")

# Timestamps outside these years are parse accidents (epoch zero, "0001-01-01", typos), not
# publication dates.  Fixed bounds rather than "now" keep extraction deterministic.
MIN_YEAR = 1990
MAX_YEAR = 2100

# <time> elements inside these are navigation, related links or comments: chrome.
_TIME_XPATH = (
    "//time[@datetime][not(ancestor::nav or ancestor::aside or ancestor::footer or ancestor::form)]"
)
_ITEMPROP_XPATH = "//*[@itemprop=$prop][@content or @datetime]"
_UPDATED_CLASS = re.compile(r"updat|modif|revis", re.IGNORECASE)
_PUBLISHED_CLASS = re.compile(r"publish|posted|pubdate|created", re.IGNORECASE)
_FRACTION = re.compile(r"(\.\d{6})\d+")
_HTMLDATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def parse_datetime(value: object) -> datetime | None:
    """Parse an ISO 8601 or RFC 2822 timestamp to an aware UTC datetime, or ``None``.

    >>> parse_datetime("2019-11-19T08:00:00.000-05:00").isoformat()
    '2019-11-19T13:00:00+00:00'
    """
    if not isinstance(value, str):
        return None
    text = _FRACTION.sub(r"\1", value.strip())
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if not MIN_YEAR <= when.year <= MAX_YEAR:
        return None
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _first(values: Iterable[object]) -> datetime | None:
    for value in values:
        if (when := parse_datetime(value)) is not None:
            return when
    return None


def _jsonld_dates(head: Head, key: str) -> Iterable[object]:
    for node in head.jsonld:
        value = node.get(key)
        if isinstance(value, list):
            yield from value
        else:
            yield value


def _itemprop(tree: HtmlElement, prop: str) -> Iterable[object]:
    for element in tree.xpath(_ITEMPROP_XPATH, prop=prop):
        yield element.get("datetime") or element.get("content")


def _time_elements(tree: HtmlElement) -> tuple[list[HtmlElement], list[HtmlElement]]:
    """``<time datetime>`` elements outside chrome: (inside <article> first, updated-looking)."""
    times: list[HtmlElement] = tree.xpath(_TIME_XPATH)
    in_article = [t for t in times if any(a.tag == "article" for a in t.iterancestors())]
    ordered = in_article + [t for t in times if t not in in_article]
    updated = [t for t in ordered if _UPDATED_CLASS.search(_hints(t))]
    return ordered, updated


def _hints(element: HtmlElement) -> str:
    parent = element.getparent()
    parent_class = parent.get("class", "") if parent is not None else ""
    return " ".join((element.get("class", ""), element.get("itemprop", ""), parent_class))


def hide_modified_stamps(tree: HtmlElement) -> None:
    """Remove the ``<meta>`` modification times from the tree (after :func:`read_head`).

    trafilatura's published day comes from htmldate, which falls back to a page's
    ``article:modified_time`` when it finds no publication date: the published day would
    then move with every update, and an update would read as a re-publication.  The
    modification times are still read, from the :class:`Head` taken before.
    """
    for element in list(tree.iterfind(".//meta")):
        key = next((element.get(a) for a in _META_KEYS if element.get(a)), None)
        if key and key.strip().lower() in _UPDATED_KEYS:
            element.drop_tree()


def find_published(
    tree: HtmlElement,
    head: Head,
    fallback_day: str | None,
    *,
    history: datetime | None = None,
) -> datetime | None:
    """The publication time; ``fallback_day`` is trafilatura's (htmldate's) published day.

    ``history`` is the first entry of the page's own change history, when it has one
    (:mod:`archive.extract.history`): after the explicit sources, before ``<time>`` elements.
    """
    found = (
        _first(head.first_meta(key) for key in PUBLISHED_META)
        or _first(_jsonld_dates(head, "datePublished"))
        or _first(_itemprop(tree, "datePublished"))
        or history
    )
    if found is not None:
        return found
    ordered, updated = _time_elements(tree)
    explicit = [t for t in ordered if t.get("pubdate") is not None]
    explicit += [t for t in ordered if _PUBLISHED_CLASS.search(_hints(t))]
    plain = [t for t in ordered if t not in updated]
    return _first(t.get("datetime") for t in explicit + plain) or parse_datetime(fallback_day)


def find_updated(
    tree: HtmlElement,
    head: Head,
    published: datetime | None,
    *,
    history: datetime | None = None,
) -> datetime | None:
    """The last-modified time stated by the page, or ``None`` when it states none.

    ``history`` is the newest entry of the page's change history after its first publication,
    if any; a page with a change history but no such entry has not been updated.
    """
    found = (
        _first(head.first_meta(key) for key in UPDATED_META)
        or _first(_jsonld_dates(head, "dateModified"))
        or _first(_itemprop(tree, "dateModified"))
        or history
        or _first(t.get("datetime") for t in _time_elements(tree)[1])
    )
    if found is not None:
        return found
    guess = parse_datetime(
        find_date(
            tree,
            extensive_search=False,
            original_date=False,
            outputformat=_HTMLDATE_FORMAT,
        )
    )
    # htmldate's "latest date" is usually the publication date again, at day precision; it
    # only says something new when it is later than what we already know.
    if guess is not None and (published is None or guess > published):
        return guess
    return None
