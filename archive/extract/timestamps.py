"""Published and updated timestamps, at full precision, as timezone-aware UTC datetimes.

Sources, most explicit first: ``<meta>`` tags (``article:published_time``,
``article:modified_time``, ``og:updated_time``, ``itemprop=dateModified``...), JSON-LD
``datePublished`` / ``dateModified`` (article nodes first, ``@graph`` and lists included),
``itemprop`` and ``<time datetime>`` elements of the article, and last htmldate.  For
``updated_at`` every source is read and the latest time wins (``find_updated``).  trafilatura's
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
from lxml import etree
from lxml.html import HtmlElement

from archive.extract.head import Head
from archive.extract.years import MAX_YEAR, MIN_YEAR

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


# <time> elements inside these are navigation, related links or comments: chrome.
_TIME_XPATH = (
    "//time[@datetime][not(ancestor::nav or ancestor::aside or ancestor::footer or ancestor::form)]"
)
# The elements whose itemprop is $prop, with a content or datetime attribute, in document
# order: found from the itemprop attributes, not by testing every element of the page (0.22
# against 0.35 ms a call on the corpus pages, the same elements).
_ITEMPROP_XPATH = etree.XPath("//@itemprop[. = $prop]/parent::*[@content or @datetime]")
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
    for element in _ITEMPROP_XPATH(tree, prop=prop):
        yield element.get("datetime") or element.get("content")


def _time_elements(tree: HtmlElement) -> tuple[list[HtmlElement], list[HtmlElement]]:
    """``<time datetime>`` elements outside chrome: (inside <article> first, updated-looking)."""
    times: list[HtmlElement] = tree.xpath(_TIME_XPATH)
    in_article = [t for t in times if any(a.tag == "article" for a in t.iterancestors())]
    ordered = in_article + [t for t in times if t not in in_article]
    updated = [t for t in ordered if _UPDATED_CLASS.search(_hints(t))]
    return ordered, updated


def _published_too(element: HtmlElement) -> bool:
    """Whether the element's own markup also names it the publication time."""
    own = " ".join((element.get("class", ""), element.get("itemprop", "")))
    return bool(_PUBLISHED_CLASS.search(own) and _UPDATED_CLASS.search(own))


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

    Every source is read and, when they disagree, **the latest time wins** (see
    ``docs/design.md``): the modification ``<meta>`` tags, JSON-LD ``dateModified`` (the first
    node that has one, article nodes first), ``itemprop=dateModified``, the newest entry of
    the page's change history (``history``), the first ``<time>`` marked as updated (one
    marked published as well counts only when no other source states a time), and a
    visible "Updated <day>" line (day precision: it counts only when its day is later than
    every other source's).  A CMS moves the time where its template writes it and leaves
    the other places stale (a ``<meta>`` added by a plugin, a cached JSON-LD block, the
    printed line), and an update never moves a modification time back, so the newest time
    stated anywhere is the page's last modification.
    """
    found = _marked_update(tree, head, history)
    shown = visible_update_day(tree)
    if shown is not None and (found is None or shown.date() > found.date()):
        found = shown
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


def _marked_update(tree: HtmlElement, head: Head, history: datetime | None) -> datetime | None:
    """The last-modified time the page's markup states (every source of :func:`find_updated`
    but the visible line and htmldate), the latest when they disagree."""
    updated_times = _time_elements(tree)[1]
    stated = [
        when
        for when in (
            _latest(head.first_meta(key) for key in UPDATED_META),
            _first(_jsonld_dates(head, "dateModified")),
            _latest(_itemprop(tree, "dateModified")),
            history,
            _first(t.get("datetime") for t in updated_times if not _published_too(t)),
        )
        if when is not None
    ]
    # A <time> marked both published and updated (hAtom's "published updated", which WordPress
    # themes print on a post they take as unmodified) states the publication time; as a source
    # it would outrank a modification time moved elsewhere, so it counts only alone.
    return max(stated, default=None) or _first(t.get("datetime") for t in updated_times)


def dated_by_markup(
    tree: HtmlElement, head: Head, *, published: datetime | None, updated: datetime | None
) -> bool:
    """Whether the page's markup states both its timestamps, so that no date reader of the
    extractor reads its text but :func:`visible_update_day` (``tree`` and ``head`` as the
    extractor reads them; ``published`` and ``updated``: its change history's times).

    Then :func:`find_published` finds a time before its fallback, htmldate's day (htmldate
    reads text: ``extensive_search=False`` still ends on a search of the page's text for a bare
    date), and :func:`find_updated` finds a stated time, so never calls htmldate.  What is left
    is the visible "Updated"/"Modified" line (:func:`update_lines`).  Tier 0 admits a count
    that reads as a year on a page so dated, outside those lines (:mod:`.template_learn`).
    """
    if find_published(tree, head, None, history=published) is None:
        return False
    return _marked_update(tree, head, updated) is not None


def update_lines(tree: HtmlElement) -> list[HtmlElement]:
    """The elements :func:`visible_update_day` reads a line from (the text of each, its
    descendants' included): those whose own text says "updated" or "modified"."""
    found: list[HtmlElement] = tree.xpath(_UPDATE_LINE_XPATH)
    return found


def in_update_line(element: HtmlElement) -> bool:
    """Whether ``element`` is one of :func:`update_lines` of its tree or lies inside one: the
    same test as their XPath, made on ``element`` and its ancestors only (the XPath tests every
    element of the page).  An element under a ``<body>``, no script, style or noscript, under
    no nav, aside or footer, one of whose own text nodes (its text, its children's tails,
    each alone) says "updated" or "modified" (folding the case of those letters only)."""
    chain = [element, *element.iterancestors()]
    bodies = [k for k, e in enumerate(chain) if e.tag == "body"]
    if not bodies:
        return False
    # a candidate lies under the outermost body and under no nav, aside or footer (it may be
    # the outermost of those itself)
    free = max((k for k, e in enumerate(chain) if e.tag in _LINE_FREE), default=0)
    for candidate in chain[free : bodies[-1]]:
        tag = candidate.tag
        if not isinstance(tag, str) or tag in _NOT_LINES:
            continue
        for text in (candidate.text, *(child.tail for child in candidate)):
            if text and _says_updated(text):
                return True
    return False


_NOT_LINES = frozenset({"script", "style", "noscript"})
_LINE_FREE = frozenset({"nav", "aside", "footer"})
_FOLD_UPDATE = str.maketrans("UPDATEMOFI", "updatemofi")  # the XPath's translate()


def _says_updated(text: str) -> bool:
    folded = text.translate(_FOLD_UPDATE)
    return "updated" in folded or "modified" in folded


def _latest(values: Iterable[object]) -> datetime | None:
    return max((w for w in map(parse_datetime, values) if w is not None), default=None)


# A visible update line: "Updated 7 May 2019", "Last updated: May 7, 2019 10:02 am",
# "Updated on 2019-05-07".  English month names; other languages' lines are left to the
# markup sources.
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sep sept",
            "october oct",
            "november nov",
            "december dec",
        ),
        start=1,
    )
    for name in names.split()
}
_UPDATE_DAY = (
    r"(?:updated|modified)(?:\s+on)?\s*:?\s*"
    r"(?:(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m1>[a-z]{3,9})\.?,?\s+(?P<y1>\d{4})"
    r"|(?P<m2>[a-z]{3,9})\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{4})"
    r"|(?P<y3>\d{4})-(?P<m3>\d{2})-(?P<d3>\d{2}))"
)
_VISIBLE_UPDATE = re.compile(r"^\W*(?:last\s+)?" + _UPDATE_DAY + r"\b", re.IGNORECASE)
# The same words and day anywhere in a text, whatever stands around them: every line
# _VISIBLE_UPDATE matches holds such a match (its text is a run of the body's text with its
# spaces collapsed, and every space of the pattern matches a run of spaces).
_UPDATE_DAY_SAID = re.compile(_UPDATE_DAY, re.IGNORECASE)
# The letters other than A-Z and a-z that a case-insensitive [a-z] matches (Python's re).
_FOLDED_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")
# The line is short; a longer text that opens so is a sentence of the story.
MAX_UPDATE_LINE = 80
_UPDATE_LINE_XPATH = (
    "//body//*[not(self::script or self::style or self::noscript)]"
    "[not(ancestor::nav or ancestor::aside or ancestor::footer)]"
    "[text()[contains(translate(., 'UPDATEMOFI', 'updatemofi'), 'updated')"
    " or contains(translate(., 'UPDATEMOFI', 'updatemofi'), 'modified')]]"
)


# The body's text, read in one call: a page that says neither word anywhere (lowercasing
# keeps every match of the XPath's folding), or never follows one with a day, skips the
# XPath, which tests every element.
_BODY_STRING = etree.XPath("string(//body)")


def _says_update_day(body: str, said: str) -> bool:
    """Whether ``body`` (``said`` is it lowercased) has "updated" or "modified" and a day
    after it anywhere (:data:`_UPDATE_DAY_SAID`), looked for where the words stand only.

    Lowercasing moves no character and makes every case-insensitive match of the words
    "updated" and "modified" plain, unless the text holds a letter that lowercases to none of
    a-z and yet matches one of them; then the whole text is searched.
    """
    if any(letter in body for letter in _FOLDED_TO_ASCII):
        return _UPDATE_DAY_SAID.search(body) is not None
    for word in ("updated", "modified"):
        start = said.find(word)
        while start >= 0:
            if _UPDATE_DAY_SAID.match(body, start) is not None:
                return True
            start = said.find(word, start + 1)
    return False


def visible_update_day(tree: HtmlElement) -> datetime | None:
    """The day of the first visible "Updated <day>" line, at midnight UTC, if any."""
    body = _BODY_STRING(tree)
    said = body.lower()
    if "updated" not in said and "modified" not in said:
        return None
    if not _says_update_day(body, said):
        return None
    for element in tree.xpath(_UPDATE_LINE_XPATH):
        text = " ".join(element.text_content().split())
        if len(text) > MAX_UPDATE_LINE:
            continue
        match = _VISIBLE_UPDATE.match(text)
        if match is None:
            continue
        parts = match.groupdict()
        year = parts["y1"] or parts["y2"] or parts["y3"]
        day = parts["d1"] or parts["d2"] or parts["d3"]
        month_text = (parts["m1"] or parts["m2"] or "").casefold()
        month = int(parts["m3"]) if parts["m3"] else _MONTHS.get(month_text, 0)
        try:
            when = datetime(int(year), month, int(day), tzinfo=UTC)
        except ValueError:
            continue
        if MIN_YEAR <= when.year <= MAX_YEAR:
            return when
    return None
