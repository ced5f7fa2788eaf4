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
_SEPARATOR = re.compile(r"(\s+(?:[|\-–—·•»/]|::)\s+|\s*\|\s*)")
_ANY_SEPARATOR = re.compile(r"\s*[:|]\s+|\s+(?:[\-–—·•»/]|::)\s+")
_NOT_ALNUM = re.compile(r"[\W_]+")

# Host labels shorter than this ("ap", "ft") match too many words to count as a site name.
MIN_HOST_LABEL = 3

# A site name may carry a qualifier ("BBC" -> "BBC News", "CNN" -> "CNN Politics"); this many
# extra letters at most, so that "The Guardian view on Hong Kong" is not taken for "Guardian".
MAX_SITE_QUALIFIER = 10

# Pages may hold several <h1>s (a logo, a section name, the headline); the headline is among
# the first few.
MAX_H1 = 4

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


def h1_texts(tree: HtmlElement) -> list[str]:
    """The normalised texts of the page's first few non-empty ``<h1>`` elements."""
    texts: list[str] = []
    for element in tree.iterfind(".//h1"):
        text = normalize_text(element.text_content())
        if text:
            texts.append(text)
            if len(texts) == MAX_H1:
                break
    return texts


def page_title(tree: HtmlElement) -> str:
    """The text of the page's ``<title>``, normalised ("" without one)."""
    element = tree.find(".//title")
    return normalize_text(element.text_content()) if element is not None else ""


def _is_site(segment: str, names: Iterable[str]) -> bool:
    key = _key(segment)
    return bool(key) and any(
        key == n
        or ((key.startswith(n) or key.endswith(n)) and len(key) - len(n) <= MAX_SITE_QUALIFIER)
        for n in names
    )


def _strip_whole_site_name(text: str, names: set[str]) -> str:
    # A site name that itself holds a separator ("LinkNaija | Nigeria's news platform"), glued
    # to the headline with a colon or separator at either end.
    # The longest site name wins: "LinkNaija" alone is a name too.
    best = text
    for match in _ANY_SEPARATOR.finditer(text):
        before, after = text[: match.start()], text[match.end() :]
        if after and _key(before) in names and len(after) < len(best):
            best = after.strip()
        suffix_ok = match.group().strip() != ":"  # "Site: Headline" yes, "Headline: Site" no
        if suffix_ok and before and _key(after) in names and len(before) < len(best):
            best = before.strip()
    return best


def clean_headline(title: str | None, h1s: list[str], names: set[str]) -> str:
    """The headline from a page title, with site-name segments removed when evidenced.

    Args:
        title: the page title as trafilatura reads it (og:title, JSON-LD, <title>...).
        h1s: the page's first ``<h1>`` texts (:func:`h1_texts`); used as evidence.
        names: comparison keys of the site's names (:func:`site_names`).
    """
    h1s = [h for h in h1s if not _is_site(h, names)]  # logos are often <h1>s
    text = _strip_whole_site_name(normalize_text(title or ""), names)
    if not text:
        return h1s[0] if h1s else ""
    tokens = _SEPARATOR.split(text)  # segment, separator, segment, ...
    segments = tokens[::2]
    if len(segments) < 2:
        return text

    def joined(first: int, last: int) -> str:
        return "".join(tokens[2 * first : 2 * last + 1]).strip()

    # An <h1> agreeing with a run of segments settles it: that run is the headline.
    runs = sorted(
        ((i, j) for i in range(len(segments)) for j in range(i, len(segments))),
        key=lambda run: run[0] - run[1],
    )
    h1_keys = {_key(h) for h in h1s}
    for i, j in runs:
        if _key(joined(i, j)) in h1_keys:
            return joined(i, j)
    keys = [_key(segment) for segment in segments]
    # A tagline said twice: as its own segment and as a "Tagline: " label on another one.
    labels = {
        segment
        for segment in segments
        if any(other.startswith(segment + ":") for other in segments if other != segment)
    }

    def removable(index: int) -> bool:
        return (
            _is_site(segments[index], names)
            or keys.count(keys[index]) > 1
            or segments[index] in labels
        )

    first, last = 0, len(segments) - 1
    while last > first and removable(last):
        last -= 1
    while first < last and removable(first):
        first += 1
    headline = joined(first, last)
    for label in labels:
        if headline.startswith(label + ":"):
            headline = headline[len(label) + 1 :].strip()
    return headline


def text_key(text: str) -> str:
    """``text`` without punctuation and spacing (its letters and digits, case kept): two
    lines say the same words, in the same case, when their keys are equal and not empty."""
    return _NOT_ALNUM.sub("", text)


def same_text(a: str, b: str, *, exact_case: bool = False) -> bool:
    """Whether two lines say the same words (punctuation and spacing aside; case too unless
    ``exact_case``)."""
    if exact_case:
        return bool(text_key(a)) and text_key(a) == text_key(b)
    return bool(_key(a)) and _key(a) == _key(b)


# An <h1> kept as the first paragraphs of the body is the headline the reader sees when it
# shares this much of its vocabulary (Dice coefficient of the word sets) with the title.
VARIANT_SIMILARITY = 0.5


def _words(text: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"\w+", text)}


def shown_headline(
    titles: list[str], paragraphs: tuple[str, ...], h1s: list[str], depth: int
) -> tuple[str, tuple[str, ...]]:
    """The headline as the page shows it, when its ``<h1>`` is a variant of a title.

    Titles and ``<h1>`` often differ ("Sweden drops Assange rape investigation" in the title,
    "Julian Assange: Sweden drops rape investigation" on the page), and trafilatura then keeps
    the ``<h1>`` as the first paragraph of the body: a headline edit would read as a
    paragraph edit too.  When one of the first ``depth`` paragraphs is an ``<h1>`` of the
    page and a variant of one of ``titles`` (the headline so far first, then the page's
    ``<title>`` and ``og:title``), it becomes the headline and leaves the body.
    """
    # When an <h1> already reads exactly as the headline, that is the headline the page shows;
    # another <h1> near the top that merely repeats it (in capitals, say) is a heading of the
    # body, and an edit to it is a paragraph edit, not a headline one.
    shown = titles[0] in h1s
    for index, paragraph in enumerate(paragraphs[:depth]):
        if not any(same_text(paragraph, h1) for h1 in h1s):
            continue
        if shown and paragraph != titles[0]:
            continue
        words = _words(paragraph)
        for title in titles:
            title_words = _words(title)
            shared = 2 * len(words & title_words) / max(len(words) + len(title_words), 1)
            if shared >= VARIANT_SIMILARITY:
                return paragraph, paragraphs[:index] + paragraphs[index + 1 :]
    return titles[0], paragraphs
