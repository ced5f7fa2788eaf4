"""Structured metadata read from the parsed page: ``<meta>`` tags, JSON-LD and ``<html lang>``.

Read once, with a handful of XPath queries over the untouched lxml tree, before trafilatura
copies and cleans it.  Only plain values leave this module; the rules for choosing between
sources live with the field they serve (:mod:`.timestamps`, :mod:`.headline`, :mod:`.links`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml.html import HtmlElement

# schema.org types whose dates and headline describe the article itself.  Other typed nodes
# (WebSite, Organization, VideoObject, BreadcrumbList...) are consulted only when no article
# node carries the property.
ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "scholarlyarticle",
        "techarticle",
        "report",
    }
)

_META_KEYS = ("property", "name", "itemprop", "http-equiv")


@dataclass(frozen=True)
class Head:
    """What the page states about itself, outside the article text."""

    meta: dict[str, str]  # lower-cased property/name/itemprop -> first non-empty content
    jsonld: tuple[dict[str, Any], ...]  # article nodes first, then every other node
    html_lang: str | None

    def first_meta(self, *keys: str) -> str | None:
        """The content of the first of ``keys`` present in the page's meta tags."""
        for key in keys:
            value = self.meta.get(key)
            if value:
                return value
        return None

    def jsonld_value(self, key: str) -> Any:
        """``key`` from the first JSON-LD node that has it (article nodes first)."""
        for node in self.jsonld:
            value = node.get(key)
            if value:
                return value
        return None


def read_head(tree: HtmlElement) -> Head:
    """Collect meta tags, JSON-LD nodes and the document language from a parsed page."""
    meta: dict[str, str] = {}
    for element in tree.iterfind(".//meta"):
        content = element.get("content")
        if not content or not content.strip():
            continue
        for attribute in _META_KEYS:
            key = element.get(attribute)
            if key:
                meta.setdefault(key.strip().lower(), content.strip())
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    return Head(meta=meta, jsonld=_jsonld_nodes(tree), html_lang=lang.strip() if lang else None)


def _jsonld_nodes(tree: HtmlElement) -> tuple[dict[str, Any], ...]:
    articles: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for script in tree.xpath('//script[contains(@type, "ld+json")]'):
        text = script.text
        if not text or not text.strip():
            continue
        try:
            data = json.loads(text, strict=False)
        except ValueError:  # broken JSON-LD is common; the page still has other sources
            continue
        for node in _walk(data):
            (articles if is_article_node(node) else others).append(node)
    return (*articles, *others)


def _walk(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    # Top-level nodes, lists of nodes, @graph members and mainEntity / mainEntityOfPage when it
    # is itself an article.  Depth-limited: JSON-LD is shallow, hostile input need not be.
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _walk(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            inner = data.get(key)
            if isinstance(inner, list | dict):
                yield from _walk(inner, depth + 1)


def is_article_node(node: dict[str, Any]) -> bool:
    """Whether a JSON-LD node's ``@type`` is one of :data:`ARTICLE_TYPES`."""
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.lower() in ARTICLE_TYPES for k in kinds)


def jsonld_name(value: Any) -> str | None:
    """A display name from a JSON-LD value: a string, ``{"name": ...}`` or a list of those."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        name = value.get("name")
        return name if isinstance(name, str) else None
    if isinstance(value, list):
        names = [n for n in (jsonld_name(v) for v in value) if n]
        return names[0] if names else None
    return None


# <meta> keys that name the article's author (lower-cased), in order of preference.  Values
# that are links (``article:author`` often is a profile URL) are not names.
AUTHOR_META = ("author", "article:author", "byl", "parsely-author", "sailthru.author", "dc.creator")
_BY = re.compile(r"^\s*by\s+", re.IGNORECASE)


def _person_names(value: Any) -> list[str]:
    """Names of the people in a JSON-LD ``author`` value (organisations left out)."""
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            kinds = item.get("@type") or item.get("type") or ""
            kinds = kinds if isinstance(kinds, list) else [kinds]
            if any(isinstance(k, str) and k.lower() == "organization" for k in kinds):
                continue
            name = item.get("name")
            if isinstance(name, str):
                names.append(name)
    return [n.strip() for n in names if n.strip() and "://" not in n]


def stated_authors(head: Head) -> str | None:
    """The authors the page states outside its text: JSON-LD article nodes, then ``<meta>``.

    For pages whose byline trafilatura does not find (it reads ``"@type": "Person"`` in that
    spelling only, for one).  Several people are joined with ``"; "``, as trafilatura does.
    """
    for node in head.jsonld:
        if not is_article_node(node):
            break  # article nodes come first
        names = _person_names(node.get("author"))
        if names:
            return "; ".join(dict.fromkeys(names))
    for key in AUTHOR_META:
        value = head.first_meta(key)
        if value and "://" not in value:
            return _BY.sub("", value).strip() or None
    return None


_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def drop_hidden_metadata(tree: HtmlElement) -> None:
    """Remove hidden microdata blocks (``itemscope`` elements styled ``display: none``).

    Some CMSs repeat the article's metadata as invisible schema.org markup in the body (the
    headline, author, description again); trafilatura reads it as text, so a headline edit
    would also read as paragraph edits.  Nobody sees these blocks; call after
    :func:`read_head`.
    """
    for element in tree.xpath("//*[@itemscope][@style]"):
        if _HIDDEN.search(element.get("style", "")) and element.getparent() is not None:
            element.drop_tree()
