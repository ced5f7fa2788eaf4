"""page_author: trafilatura's author reader, without its copy of the page.

``trafilatura.metadata.extract_author`` (run when the head names no author: 75 of the 181
corpus pages) copies the whole tree, deletes from the copy the elements its
``AUTHOR_DISCARD_XPATHS`` find (comments, titles, dates, sidebars, quotes... and every
``<time>`` and ``<figure>``), then runs its three ``AUTHOR_XPATHS`` on the copy and takes the
first element, in their order, whose text is 3 to 119 characters long.  Four of those
expressions test every element with an EXSLT regular expression; with the copy and the
deletions it cost about 4 ms a page, a tenth of the extraction on the pages that need it.

Every predicate of those expressions reads only the element's own tag and attributes, except
``rel='me'`` (a child element ``<rel>``), and deleting removes elements without changing the
attributes of the others.  So the elements an expression finds in the pruned copy are the ones
it finds in the page minus the deleted ones: those with an ancestor-or-self the discard
expressions find, the top element aside (it has no parent, and ``delete_element`` leaves it).
Here each expression is one walk over the page in Python, a candidate's ancestors are tested
against the discard expressions, and its text is read as in the pruned copy: from the page when
nothing inside it would be deleted, else from a copy of that one element, pruned by
trafilatura's own function (a deleted element's tail moves to its previous sibling or its
parent, both inside the candidate).  A page with a ``<rel>`` element, or a trafilatura whose
expressions are not the ones read here (:data:`EXPRESSIONS_DIGEST`), goes to
``extract_author`` itself.  ``tests/archive/test_extract_author.py`` compares both on the corpora.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from copy import deepcopy

from lxml.html import HtmlElement
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import extract_author
from trafilatura.utils import trim
from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

# SHA-256 of the source of the expressions read below (trafilatura 2.3's), in their order.
EXPRESSIONS_DIGEST = "8f8f389b39fc26138ef2927e3aaf4415c89100789f065a1c5a8d2bdadd3a998b"
_SAME_EXPRESSIONS = (
    hashlib.sha256(
        "".join(x.path for x in (*AUTHOR_XPATHS, *AUTHOR_DISCARD_XPATHS)).encode()
    ).hexdigest()
    == EXPRESSIONS_DIGEST
)
MAX_AUTHOR_CHARS = 120  # extract_author's len_limit

# AUTHOR_XPATHS[0]: "specific and almost specific", and every <author> element.
_SPECIFIC_TAGS = ("a", "address", "div", "link", "p", "span", "strong", "author")
_SPECIFIC_CLASS = re.compile("author-?name|AuthorName|authorName")
# AUTHOR_XPATHS[1]: "almost generic and generic".
_GENERIC_TAGS = ("a", "div", "h3", "h4", "p", "span")
_GENERIC_ID = re.compile("author|zuozhe|bianji|xiaobian")
_GENERIC_CLASS = re.compile(
    "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
# AUTHOR_XPATHS[2]: "last resort: any element".
_ANY_ID = re.compile("[Aa]uthor")
_ANY_CLASS = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")
# AUTHOR_DISCARD_XPATHS.
_DISCARD_TAGS = frozenset({"a", "div", "section", "span"})
_DISCARD_ID = re.compile("^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(
    "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram"
    "|article-(?:share|support)|print|category|meta-date|meta-reviewer"
)
_ALWAYS_DISCARDED = frozenset({"time", "figure"})


def _specific(element: HtmlElement) -> bool:
    if element.tag == "author":
        return True
    get = element.get
    css = get("class")
    return (
        get("rel") == "author"
        or get("id") == "author"
        or css == "author"
        or get("itemprop") == "author name"
        or get("data-testid") in ("AuthorCard", "AuthorURL")
        or _SPECIFIC_CLASS.search(css or "") is not None
    )


def _generic(element: HtmlElement) -> bool:
    get = element.get
    css = get("class")
    return (
        css in ("byline", "username", "byl", "BBL")
        or "author" in (get("itemprop") or "")
        or _GENERIC_ID.search(get("id") or "") is not None
        or _GENERIC_CLASS.search(css or "") is not None
    )


def _any(element: HtmlElement) -> bool:
    get = element.get
    return (
        "Byline" in (get("data-component") or "")
        or "author" in (get("itemprop") or "")
        or _ANY_ID.search(get("id") or "") is not None
        or _ANY_CLASS.search(get("class") or "") is not None
    )


def _discarded(element: HtmlElement) -> bool:
    """Whether AUTHOR_DISCARD_XPATHS find ``element`` (the top element aside)."""
    tag = element.tag
    if tag in _ALWAYS_DISCARDED:
        return True
    if tag not in _DISCARD_TAGS:
        return False
    get = element.get
    ident, css = get("id") or "", get("class") or ""
    return (
        ident == "comments"
        or css in ("comments", "title", "date")
        or _DISCARD_ID.search(ident) is not None
        or _DISCARD_CLASS.search(css) is not None
        or "Figure" in (get("data-component") or "")
    )


_WALKS: tuple[tuple[tuple[str, ...], Callable[[HtmlElement], bool]], ...] = (
    (_SPECIFIC_TAGS, _specific),
    (_GENERIC_TAGS, _generic),
    ((), _any),
)


def _found(
    tree: HtmlElement, tags: tuple[str, ...], test: Callable[[HtmlElement], bool]
) -> Iterator[HtmlElement]:
    """What one expression finds in the pruned copy, in document order."""
    for element in tree.iter(*tags):
        if not isinstance(element.tag, str) or not test(element):
            continue
        if element is not tree and any(
            _discarded(e) for e in (element, *_below(element.iterancestors(), tree))
        ):
            continue
        yield element


def _below(ancestors: Iterator[HtmlElement], top: HtmlElement) -> Iterator[HtmlElement]:
    for ancestor in ancestors:
        if ancestor is top:
            return
        yield ancestor


def _pruned_text(element: HtmlElement) -> str | None:
    if any(_discarded(d) for d in element.iterdescendants() if isinstance(d.tag, str)):
        element = prune_unwanted_nodes(deepcopy(element), AUTHOR_DISCARD_XPATHS)
    return trim(" ".join(element.itertext()))


def page_author(tree: HtmlElement) -> str | None:
    """``trafilatura.metadata.extract_author(tree)``, the same answer for less work."""
    if not _SAME_EXPRESSIONS or next(tree.iter("rel"), None) is not None:
        return extract_author(tree)
    for tags, test in _WALKS:
        for element in _found(tree, tags, test):
            content = _pruned_text(element)
            if content and 2 < len(content) < MAX_AUTHOR_CHARS:
                return normalize_authors(None, content)
    return None
