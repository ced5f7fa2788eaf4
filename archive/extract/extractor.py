"""extract_article: the page parsed once, its head read, trafilatura run, the result cleaned."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from lxml.html import HtmlElement
from trafilatura import bare_extraction
from trafilatura.settings import Document

from archive.enums import FailureReason
from archive.errors import ExtractionError
from archive.extract.article import Article
from archive.extract.chrome import drop_chrome
from archive.extract.decode import undecodable_ratio
from archive.extract.fastpath import Parsed, ReadCopy, fallback_reason, page_fingerprint
from archive.extract.head import Head, drop_hidden_metadata, read_head, stated_authors
from archive.extract.headline import (
    clean_headline,
    h1_texts,
    page_title,
    same_text,
    shown_headline,
    site_names,
    text_key,
)
from archive.extract.history import ChangeHistory, take_change_history
from archive.extract.inline_chrome import drop_inline_chrome
from archive.extract.layout import unwrap_layout_tables
from archive.extract.links import find_links
from archive.extract.metadata import read_metadata
from archive.extract.normalize import normalize_optional, split_paragraphs
from archive.extract.parse import parse_body
from archive.extract.printed import printed_copies
from archive.extract.recover import recover_article_text
from archive.extract.repeats import repeated_runs, restore_repeats
from archive.extract.timestamps import find_published, find_updated, hide_modified_stamps
from archive.extract.walls import WallSignals, read_wall_signals

# Below this many characters of body text a page is not an article but a consent wall, a
# paywall stub, an error page served with 200 or a JavaScript shell.  Those yield 0-150
# characters once chrome is filtered, while the shortest genuine news items (wire briefs,
# corrections) run to 300 and more.  Same default as Config.min_article_chars.
DEFAULT_MIN_CHARS = 200

# Extracted text with more undecodable characters than this is garbage, even when the markup
# around it decoded well enough to pass :func:`decode_body`.
MAX_BAD_TEXT_RATIO = 0.10

# How far into the body to look for the headline repeated as a paragraph (after a kicker
# such as "Politics" or "Analysis" at most).
HEADLINE_ECHO_DEPTH = 3

# htmldate options for trafilatura's published-day fallback: no free-text search, which would
# pick dates out of related-article lists and make the day depend on page chrome.
DATE_PARAMS = {"original_date": True, "extensive_search": False}


def run_trafilatura(tree: HtmlElement, url: str, *, with_metadata: bool = False) -> Document | None:
    """trafilatura's extraction of ``tree`` with redline's options (the tree is not changed).

    redline reads the metadata itself (:func:`read_metadata`); ``with_metadata`` is for the
    test that checks that the text does not depend on it.
    """
    document = bare_extraction(
        tree,
        url=url,
        with_metadata=with_metadata,
        include_comments=False,
        include_tables=True,
        deduplicate=False,
        date_extraction_params=dict(DATE_PARAMS),
    )
    return document if isinstance(document, Document) else None


_LANG_PART = re.compile(r"[-_]")


def _language(head: Head, meta: Document) -> str | None:
    raw = (
        head.html_lang
        or head.first_meta("content-language", "og:locale", "language", "dc.language")
        or meta.language
    )
    if not raw:
        return None
    parts = [p for p in _LANG_PART.split(raw.strip().split(",")[0].strip()) if p]
    if not parts or not parts[0].isalpha():
        return None
    tags = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 2 and part.isalpha():
            tags.append(part.upper())
        elif len(part) == 4 and part.isalpha():
            tags.append(part.title())
        else:
            tags.append(part.lower())
    return "-".join(tags)


# Class or id words of a wrapper that is page furniture, not layout: such a wrapper is kept,
# since trafilatura reads these names to drop ads, share boxes and captions.
_FURNITURE = re.compile(
    r"(?<![a-z])(?:ads?|advert\w*|promo\w*|related|shar\w*|social|newsletter|subscri\w*"
    r"|comments?|footer|nav\w*|menu|sidebar|widget|cookie\w*|banner|caption|credits?|byline"
    r"|author|tags?)(?![a-z])",
    re.IGNORECASE,
)


def _unwrap_paragraph_blocks(tree: HtmlElement) -> None:
    """Replace a ``<div>`` or ``<section>`` holding one ``<p>`` and nothing else by the ``<p>``.

    Block-based CMS templates put every paragraph in its own wrapper; that is layout, and
    renders like the bare paragraphs, but trafilatura's choice of what belongs to the
    article shifts with it (loose text, lists and later blocks of the same story were
    dropped, or junk kept): a re-templated page would make a new version with no edit.
    Wrappers named as furniture (``ad``, ``share``, ``caption``...) are left alone.
    """
    for wrapper in list(tree.iter("div", "section")):
        children = [c for c in wrapper if isinstance(c.tag, str)]
        if len(children) != 1 or children[0].tag != "p":
            continue
        paragraph = children[0]
        if (wrapper.text and wrapper.text.strip()) or (paragraph.tail and paragraph.tail.strip()):
            continue
        if _FURNITURE.search(" ".join((wrapper.get("class", ""), wrapper.get("id", "")))):
            continue
        parent = wrapper.getparent()
        if parent is None or len(wrapper) != 1:  # comments beside the <p> stay where they are
            continue
        paragraph.tail = wrapper.tail
        parent.replace(wrapper, paragraph)


def _lift_tables_from_list_items(tree: HtmlElement) -> None:
    """Move a ``<table>`` that is a child of a list item out of its list, to just after it.

    trafilatura flattens everything inside a list item into the item's one line, so a table
    of figures or places kept in a list item ("- The boulders are at: Lat N Long W 50 15.37
    ...") reads as one paragraph: a row added is that paragraph changed, not a row (a
    paragraph) added as the reader sees it.  The items after it go into a second list of the
    same kind after the table, and blocks after the table inside the item follow the table,
    so the reading order is kept.
    """
    for table in list(tree.iter("table")):
        item = table.getparent()
        if item is None or item.tag != "li":
            continue
        container = item.getparent()
        if container is None or container.tag not in ("ul", "ol"):
            continue
        trailing = list(table.itersiblings())
        later_items = list(item.itersiblings())
        for moved in (table, *trailing):  # keep the text around them where it was
            if moved.tail and moved.tail.strip():
                previous = moved.getprevious()
                if previous is not None:
                    previous.tail = (previous.tail or "") + moved.tail
                else:
                    item.text = (item.text or "") + moved.tail
            moved.tail = None
        last: HtmlElement = container
        for moved in (table, *trailing):
            last.addnext(moved)
            last = moved
        if later_items:
            rest = container.makeelement(container.tag, dict(container.attrib))
            rest.extend(later_items)
            last.addnext(rest)
        if not (item.text or "").strip() and len(item) == 0:
            container.remove(item)


# A line above the body that names the author ("By Jane Doe", "5:45 AM PST 11/19/2019 by Jane
# Doe") is the byline as the page prints it, not a paragraph: it is at most this long.
MAX_BYLINE_LINE = 120
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|\band\b|&)\s*")


def _drop_byline_line(paragraphs: tuple[str, ...], byline: str | None) -> tuple[str, ...]:
    """Remove the printed byline from the top of the body (it is ``byline`` already).

    Otherwise a changed byline is also a changed paragraph, and a byline line that trafilatura
    keeps on one fetch and not on the next makes a version of its own.
    """
    if not byline:
        return paragraphs
    names = [n.casefold() for n in _AUTHOR_SPLIT.split(byline) if len(n) > 2]
    for index, paragraph in enumerate(paragraphs[: HEADLINE_ECHO_DEPTH + 1]):
        line = paragraph.casefold()
        if len(line) <= MAX_BYLINE_LINE and any(f"by {name}" in line for name in names):
            return paragraphs[:index] + paragraphs[index + 1 :]
    return paragraphs


def _drop_headline_echo(paragraphs: tuple[str, ...], titles: list[str]) -> tuple[str, ...]:
    """The paragraphs without the first near the top that repeats one of ``titles`` exactly
    (punctuation and spacing aside).  A heading that repeats the headline in other letters
    ("UK CUTS OFF ..." under "UK Cuts off ...") is a line the reader sees twice: text."""
    for index, paragraph in enumerate(paragraphs[:HEADLINE_ECHO_DEPTH]):
        if any(same_text(paragraph, title, exact_case=True) for title in titles if title):
            return paragraphs[:index] + paragraphs[index + 1 :]
    return paragraphs


def _copies_held(paragraphs: tuple[str, ...], text: str) -> int:
    """How many of ``paragraphs`` are ``text`` (``same_text`` with ``exact_case``): each
    paragraph's key computed once, and none for a paragraph shorter than ``text``'s key (a
    key is never longer than its text).  Calling ``same_text`` for each paragraph took its
    key twice and ``text``'s once: 0.38 against 0.12 ms a corpus page."""
    key = text_key(text)
    if not key:
        return 0
    return sum(1 for p in paragraphs if len(p) >= len(key) and text_key(p) == key)


def _drop_description_echo(
    paragraphs: tuple[str, ...], description: str | None, tree: HtmlElement
) -> tuple[str, ...]:
    """The paragraphs without the description's echo near the top (``_drop_headline_echo``),
    unless each copy extracted is one the page prints as a block of its own.

    A page may print its standfirst (the description) and then open the body with the same
    words (GOV.UK does when a body paragraph is rewritten to match its summary): the body's
    copy is a paragraph of the article, and it changed from what it said before.  Dropping it
    too would report that paragraph removed.  So an echo goes only while the extraction holds
    as many copies as the page prints, or more (the standfirst among them); a copy in the
    page's chrome (a "most read" teaser of this story) is not one it prints
    (:func:`.printed.printed_copies`).
    """
    if not description:
        return paragraphs
    held = _copies_held(paragraphs, description)
    if not held or held < printed_copies(tree, description):
        return paragraphs
    return _drop_headline_echo(paragraphs, [description])


def extract_article(
    body: bytes | str,
    url: str,
    *,
    content_type: str | None = None,
    min_chars: int = DEFAULT_MIN_CHARS,
) -> Article:
    """Extract the article from one fetched page (see :func:`extract_with_fingerprint`)."""
    return _extract(body, url, content_type, min_chars, fingerprint=False)[0]


def extract_with_fingerprint(
    body: bytes | str,
    url: str,
    *,
    content_type: str | None = None,
    min_chars: int = DEFAULT_MIN_CHARS,
) -> tuple[Article, str | None]:
    """:func:`extract_article`, and the page's fast-path fingerprint (:mod:`.fastpath`).

    The fingerprint is None when the article's region cannot be located for sure.
    """
    return _extract(body, url, content_type, min_chars, fingerprint=True)


def _extract(
    body: bytes | str,
    url: str,
    content_type: str | None,
    min_chars: int,
    *,
    fingerprint: bool,
) -> tuple[Article, str | None]:
    """Extract the article from one fetched page.

    Args:
        body: the response body, raw bytes (decoded here) or already-decoded text.
        url: the URL the page was fetched from; relative links resolve against it.
        content_type: the ``Content-Type`` header, if known (charset and media type).
        min_chars: body text shorter than this is an empty extraction.

    Returns:
        The normalised article.  Equal pages give equal articles and equal ``content_hash``.

    Raises:
        ExtractionError: ``NOT_HTML``, ``BAD_ENCODING`` or ``EMPTY_EXTRACTION``.
    """
    tree = parse_body(body, content_type)
    if tree is None:
        raise ExtractionError(FailureReason.NOT_HTML, "lxml could not parse the page")
    pristine = Parsed(tree) if fingerprint else None  # as parsed, for the fingerprint
    # and, for the fingerprint's region, a copy of the tree as this reading's first two
    # removal passes leave it (:func:`_removals`: they need not run again on a copy)
    cleared: list[ReadCopy] = []

    def copy_cleared(read: HtmlElement) -> None:
        assert pristine is not None
        cleared.append(pristine.read_copy(read))

    reading = read_page(tree, url, cleared=None if pristine is None else copy_cleared)
    head, walls, history, meta = reading.head, reading.walls, reading.history, reading.meta
    canonical_url, amp_url = reading.canonical_url, reading.amp_url
    document = run_trafilatura(tree, url)
    if document is None or not document.text:
        wall = walls.judge((), min_chars)
        raise wall or ExtractionError(FailureReason.EMPTY_EXTRACTION, "no text extracted (0 chars)")
    if undecodable_ratio(document.text) > MAX_BAD_TEXT_RATIO:
        raise ExtractionError(FailureReason.BAD_ENCODING, "article text is mostly undecodable")

    names = site_names(head, url, meta.sitename)
    h1s = h1_texts(tree)
    headline = clean_headline(meta.title, h1s, names)
    extracted = split_paragraphs(document.text)
    # paragraphs the page prints twice or more in a row, which trafilatura keeps once (read on
    # the tree trafilatura read: it does not change it)
    paragraphs = drop_chrome(restore_repeats(extracted, repeated_runs(tree, extracted)))
    paragraphs = _drop_headline_echo(paragraphs, [headline, meta.title or ""])
    title = page_title(tree)
    titles = [headline, title, head.first_meta("og:title", "twitter:title") or ""]
    headline, paragraphs = shown_headline(titles, paragraphs, h1s, HEADLINE_ECHO_DEPTH)
    byline = normalize_optional(meta.author or stated_authors(head))
    paragraphs = _drop_byline_line(paragraphs, byline)
    notes = tuple(p for p in history.notes if p not in paragraphs)
    paragraphs += notes
    description = normalize_optional(meta.description)
    # A standfirst that repeats the description above the body is kept by trafilatura only
    # when the body is short, so it would come and go as a story grows: it is reported once,
    # as the description (but a copy the body prints too is text: ``_drop_description_echo``).
    paragraphs = _drop_description_echo(paragraphs, description, tree)
    wall = walls.judge(paragraphs, min_chars)
    if wall is not None:  # a consent wall, a paywall stub or an error page: not an article
        raise wall
    chars = sum(len(p) for p in paragraphs)
    if chars < min_chars:
        raise ExtractionError(
            FailureReason.EMPTY_EXTRACTION, f"{chars} chars of text, fewer than {min_chars}"
        )

    published_at = find_published(tree, head, meta.date, history=history.published)
    updated_at = find_updated(tree, head, published_at, history=history.updated)
    language = _language(head, meta)
    article = Article(
        headline=headline,
        paragraphs=paragraphs,
        byline=byline,
        published_at=published_at,
        updated_at=updated_at,
        description=description,
        language=language,
        canonical_url=canonical_url,
        amp_url=amp_url,
    )
    if pristine is None:
        return article, None
    # what the metadata readers gave above, read on this very tree: the evidence takes it
    # as found (they only read the tree) instead of running them all again
    found = _Found(names, h1s, title, language, published_at, updated_at, _printed(tree, meta))
    read = cleared[0]
    _later_removals(read.tree)
    # the change notes come from the history block, which the fingerprint covers as such
    return article, page_fingerprint(
        pristine.tree,
        tuple(p for p in paragraphs if p not in notes),
        url,
        min_chars,
        _metadata_evidence(tree, reading, url, found),
        read=read,
    )


def _removals(tree: HtmlElement, url: str) -> None:
    """What :func:`read_page` removes from the tree trafilatura reads, in its order: the
    change history, in-article chrome, hidden metadata, modification stamps.  The fast path
    looks for the extracted paragraphs in a page so cleaned.  (:func:`_extract` copies the
    tree it reads after the first two, ``cleared``, and runs the last two on the copy.)"""
    take_change_history(tree)
    drop_inline_chrome(tree, url)
    _later_removals(tree)


def _later_removals(tree: HtmlElement) -> None:
    """:func:`_removals`' passes after ``read_page``'s ``cleared`` point."""
    drop_hidden_metadata(tree)
    hide_modified_stamps(tree)


@dataclass(frozen=True)
class PageReading:
    """What the extractor's own readers found on a page before trafilatura runs."""

    head: Head
    walls: WallSignals
    canonical_url: str | None
    amp_url: str | None
    history: ChangeHistory
    meta: Document


def read_page(
    tree: HtmlElement, url: str, *, cleared: Callable[[HtmlElement], object] | None = None
) -> PageReading:
    """The readers run before trafilatura, and the tree made ready for it (changed in place).

    ``cleared`` is called with the tree once the change history and the in-article chrome
    are removed and nothing else has changed it: the first two of :func:`_removals` (the
    readers before them only read it)."""
    first = first_readings(tree, url)
    history = take_change_history(tree)  # read, then removed from the tree trafilatura sees
    drop_inline_chrome(tree, url)  # sign-up boxes, promos, ad slots... inside the article
    if cleared is not None:
        cleared(tree)
    return read_cleared_page(tree, url, first, history)


# What :func:`read_page`'s first readers read: the head, the wall signals, the canonical and
# AMP links.
FirstReadings = tuple[Head, WallSignals, str | None, str | None]


def first_readings(tree: HtmlElement, url: str) -> FirstReadings:
    """:func:`read_page`'s readers before the change history is taken: they only read
    ``tree``."""
    head = read_head(tree)
    walls = read_wall_signals(tree, head)  # before anything changes the tree
    canonical_url, amp_url = find_links(tree, url)
    return head, walls, canonical_url, amp_url


def read_cleared_page(
    tree: HtmlElement, url: str, first: FirstReadings, history: ChangeHistory
) -> PageReading:
    """:func:`read_page` from its ``cleared`` point on: ``tree`` as the change history
    (``history``: what it read) and the in-article chrome were removed from it, ``first``
    what :func:`first_readings` read on it before (the tree is changed in place)."""
    head, walls, canonical_url, amp_url = first
    unwrap_layout_tables(tree)  # an article laid out in a table cell: its paragraphs
    _unwrap_paragraph_blocks(tree)
    _lift_tables_from_list_items(tree)
    drop_hidden_metadata(tree)
    hide_modified_stamps(tree)  # read into ``head``; htmldate must not take them as published
    recover_article_text(tree, url)  # article text trafilatura would drop, made plain
    meta = read_metadata(tree, url, dict(DATE_PARAMS))  # trafilatura's, minus unused fields
    return PageReading(head, walls, canonical_url, amp_url, history, meta)


@dataclass(frozen=True)
class _Found:
    """What :func:`_extract`'s metadata readers found on the tree :func:`read_page` left,
    for :func:`_metadata_evidence` (which would find the same: they only read it)."""

    site_names: set[str]
    h1s: list[str]
    page_title: str
    language: str | None
    published: datetime | None
    updated: datetime | None
    printed: int


def _printed(tree: HtmlElement, meta: Document) -> int:
    """How many times the page prints its description as a block of its own
    (:func:`.printed.printed_copies`), which keeps or drops the standfirst's echo."""
    description = normalize_optional(meta.description)
    return printed_copies(tree, description) if description else 0


def _metadata_evidence(
    tree: HtmlElement, reading: PageReading, url: str, found: _Found | None = None
) -> str:
    """Everything the extractor's metadata readers give for a page (``tree`` as
    :func:`read_page` left it), as one string: the same functions :func:`_extract` calls,
    run in full (or as ``found`` by :func:`_extract` on that tree), so that a change
    anywhere they look (an "Updated" line or a footer date outside the article, an author
    card, a wall, the page printing its description once more) changes it.  For the fast
    path."""
    head, meta, history = reading.head, reading.meta, reading.history
    if found is None:
        published = find_published(tree, head, meta.date, history=history.published)
        found = _Found(
            site_names(head, url, meta.sitename),
            h1_texts(tree),
            page_title(tree),
            _language(head, meta),
            published,
            find_updated(tree, head, published, history=history.updated),
            _printed(tree, meta),
        )
    values = (
        meta.title,
        meta.author,
        meta.description,
        meta.sitename,
        meta.date,
        stated_authors(head),
        sorted(found.site_names),
        found.h1s,
        found.page_title,
        head.first_meta("og:title", "twitter:title"),
        found.language,
        reading.canonical_url,
        reading.amp_url,
        history.notes,
        history.times,
        repr(reading.walls),
        found.published,
        found.updated,
        found.printed,
    )
    return repr(values)


def page_metadata_evidence(tree: HtmlElement, url: str, reading: PageReading | None = None) -> str:
    """:func:`_metadata_evidence` of a page as parsed (``tree`` is changed), or of ``tree`` as
    :func:`read_page` left it when ``reading`` is what it read."""
    return _metadata_evidence(tree, read_page(tree, url) if reading is None else reading, url)


def same_article(
    body: bytes | str, url: str, content_type: str | None, min_chars: int, fingerprint: str | None
) -> bool:
    """Whether the fast path finds the page unchanged (:func:`fast_path_fallback_reason`)."""
    return fast_path_fallback_reason(body, url, content_type, min_chars, fingerprint) is None


def fast_path_fallback_reason(
    body: bytes | str, url: str, content_type: str | None, min_chars: int, fingerprint: str | None
) -> str | None:
    """:func:`archive.extract.fastpath.fallback_reason` with the extractor's metadata readers:
    None when the page surely gives the fingerprinted article, else why it must be extracted."""
    return fallback_reason(body, url, content_type, min_chars, fingerprint, page_metadata_evidence)
