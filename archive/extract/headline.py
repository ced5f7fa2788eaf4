"""The headline: one title for the article, without the site's name glued to it.

Pages repeat their title in ``<title>``, ``og:title``, JSON-LD ``headline`` and the ``<h1>``,
and the first three often carry a site suffix (``"Headline | Site Name"``,
``"Headline - BBC News"``).  trafilatura's title is the starting point; a trailing (or
leading) segment is stripped only when there is evidence that it is the site's name:

* it matches a site name the page declares (``og:site_name``, ``application-name``, the JSON-LD
  publisher, trafilatura's ``sitename``) or the registrable part of the host name; or
* the page's ``<h1>`` agrees with the title once the segment is removed.

Without that evidence the title is kept whole: "Brexit - what happens next" is a headline.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from archive.extract.head import Head, jsonld_name
from archive.extract.normalize import normalize_text

# Separators between a headline and a site name; the spaces around them are required, so
# hyphenated words and "9-5" are never split.
_SEPARATOR = re.compile(r"\s+(?:[|\-–—·•»:/]|::)\s+|\s*\|\s*")
_NOT_ALNUM = re.compile(r"[\W_]+")

# Host labels shorter than this ("ap", "ft") match too many words to count as a site name.
MIN_HOST_LABEL = 3

# Generic host labels that say nothing about the site.
_HOST_NOISE = frozenset({"www", "com", "org", "net", "co", "uk", "news", "edition", "amp", "m"})


def _key(text: str) -> str:
    return _NOT_ALNUM.sub("", text).casefold()


def site_names(head: Head, url: str, sitename: str | None) -> set[str]:
    """Comparison keys of every name the site goes by on this page."""
    names = [
        head.first_meta("og:site_name"),
        head.first_meta("application-name"),
        head.first_meta("apple-mobile-web-app-title"),
        jsonld_name(head.jsonld_value("publisher")),
        sitename,
    ]
    keys = {_key(n) for n in names if n}
    host = urlsplit(url).hostname or ""
    keys.update(
        label
        for label in host.split(".")
        if len(label) >= MIN_HOST_LABEL and label not in _HOST_NOISE
    )
    keys.discard("")
    return keys


def first_h1(tree: HtmlElement) -> str | None:
    """The normalised text of the page's first non-empty ``<h1>``."""
    for element in tree.iterfind(".//h1"):
        text = normalize_text(element.text_content())
        if text:
            return text
    return None


def _is_site(segment: str, names: Iterable[str]) -> bool:
    key = _key(segment)
    return bool(key) and any(key == n or (len(n) >= MIN_HOST_LABEL and n in key) for n in names)


def clean_headline(title: str | None, h1: str | None, names: set[str]) -> str:
    """The headline from a page title, with a site-name segment removed when evidenced."""
    text = normalize_text(title or "")
    if not text:
        return h1 or ""
    parts = _SEPARATOR.split(text)
    if len(parts) < 2:
        return text
    if h1 and _key(h1) == _key(text):
        return text
    # Split at the last and at the first separator; a site name sits at one end.
    head_part, _, last = text.rpartition(_SEPARATOR.findall(text)[-1])
    first, _, rest = text.partition(_SEPARATOR.findall(text)[0])
    if _is_site(last, names) or (h1 is not None and _key(h1) == _key(head_part)):
        return head_part.strip()
    if _is_site(first, names) or (h1 is not None and _key(h1) == _key(rest)):
        return rest.strip()
    return text


def same_text(a: str, b: str) -> bool:
    """Whether two lines say the same words (case, punctuation and spacing aside)."""
    return bool(_key(a)) and _key(a) == _key(b)
