"""The page's links to itself: ``rel=canonical`` and ``rel=amphtml``, as absolute URLs.

Relative hrefs are resolved against ``<base href>`` when the page has one, else against the
URL the page was fetched from.  Fragments are dropped (they never name another document);
query strings are kept, since some sites put the article id there.
"""

from __future__ import annotations

from urllib.parse import urldefrag, urljoin, urlsplit

from lxml.html import HtmlElement


def _absolute(href: str, base: str) -> str | None:
    href = href.strip()
    if not href:
        return None
    absolute, _fragment = urldefrag(urljoin(base, href))
    if urlsplit(absolute).scheme not in {"http", "https"}:
        return None
    return absolute


def find_links(tree: HtmlElement, url: str) -> tuple[str | None, str | None]:
    """Return ``(canonical_url, amp_url)`` resolved against the page, ``None`` when absent."""
    base = url
    for element in tree.iterfind(".//base[@href]"):
        base = urljoin(url, element.get("href", "").strip())
        break
    canonical: str | None = None
    amp: str | None = None
    for element in tree.iterfind(".//link[@rel][@href]"):
        rels = element.get("rel", "").lower().split()
        if canonical is None and "canonical" in rels:
            canonical = _absolute(element.get("href", ""), base)
        elif amp is None and "amphtml" in rels:
            amp = _absolute(element.get("href", ""), base)
        if canonical is not None and amp is not None:
            break
    return canonical, amp
