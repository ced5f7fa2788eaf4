"""Tier 0's block check reads a block's content as the parser (libxml2) nests it.

libxml2 closes an open ``<a>`` at the next ``<a>``, an open ``<li>`` or heading at the next
``<li>``: content balanced to a count of tags (``<a><a>Watch</a></a>``) is then one end tag
short inside, and its extra end tag closes an element of the page around the hole, moving the
fixed bytes after the hole out of it.  On a page whose rail holds a card linking to the story
(a "promo" label, the hole, and the story's summary in one ``<a>``), the summary then stops
being link text, is counted as a printed copy of the description, and the standfirst the
extractor dropped as the description's echo becomes a paragraph.

The table the check uses (:data:`.template.AUTO_CLOSED`) is derived here from the parser, pair
by pair, and every content the check accepts is parsed in every wrapper as written.  Twins: an
honest rotation of the same label (the same tags, nested as written) is still "same", learned
and derived, and the full extraction agrees.
"""

from __future__ import annotations

import re
from hashlib import sha256
from itertools import product

import pytest

from archive.extract import DEFAULT_MIN_CHARS
from archive.extract.extractor import extract_article, extract_with_fingerprint
from archive.extract.parse import parse_body
from archive.extract.template import (
    AUTO_CLOSED,
    BLOCK,
    BLOCK_TAGS,
    VOID,
    Mismatch,
    _block_end,
    block_reason,
    check,
    closes_itself,
    vocabulary,
)
from archive.extract.template_learn import learn_with_fingerprint
from archive.extract.template_site import derive_using, rules_of
from tests.archive.daily_story import BRIDGE, HARVEST

HTML = "text/html; charset=utf-8"
SITE = "https://daily.example"
# the names a block hole may have (template_learn._BLOCK_NAMES)
BLOCK_NAMES = (b"nav", b"aside", b"form", b"footer", b"div", b"section", b"ul", b"ol")
OPEN = sorted((set(BLOCK_TAGS) | set(BLOCK_NAMES)) - VOID)
WRAPPERS = ("a", "li", "h2", "h4", "span", "div", "section")


def _parsed(body: str) -> object:
    tree = parse_body(f"<html><body><div id=r>{body}</div></body></html>".encode(), "text/html")
    assert tree is not None
    return tree


def _parent_id(tree: object, element_id: str) -> str | None:
    found = tree.xpath(f"//*[@id='{element_id}']")  # type: ignore[attr-defined]
    assert len(found) == 1, element_id
    return found[0].getparent().get("id")


def test_auto_closed_is_the_parsers() -> None:
    """Every pair (a block tag's start tag, an open block tag or block name) the parser closes
    the open element at is in the table, and no other."""
    closed = set()
    for open_, new in product(OPEN, sorted(BLOCK_TAGS)):
        o, n = open_.decode(), new.decode()
        inner = f"<{n} id=n>" if new in VOID else f"<{n} id=n>x</{n}>"
        if _parent_id(_parsed(f"<{o} id=o>{inner}</{o}>"), "n") != "o":
            closed.add((new, open_))
    assert closed == set(AUTO_CLOSED)


def test_the_parser_looks_at_the_open_element_only() -> None:
    """One element between (any block tag) and the pair closes nothing: the check need only
    ask the innermost open element, as it does."""
    for (new, open_), mid in product(sorted(AUTO_CLOSED), OPEN):
        if (new, mid) in AUTO_CLOSED or (mid, open_) in AUTO_CLOSED:
            continue
        n, m, o = new.decode(), mid.decode(), open_.decode()
        tree = _parsed(f"<{o} id=o><{m} id=m><{n} id=n>x</{n}></{m}></{o}>")
        assert _parent_id(tree, "n") == "m", (n, m, o)


@pytest.mark.parametrize(
    "head",
    [
        b"span/",
        b"span /",
        b'span class="x"/',
        b"span class=x /",
        b"span x/",
        b"span class=x/",
        b"span x=/",
        b"span x= /",
        b"a href=/news/",
        b"a href='/news/'/",
        b"span",
    ],
)
def test_an_empty_element_as_the_parser_reads_it(head: bytes) -> None:
    """A start tag's bytes (before its ``>``, the piece's ``<`` split off) end an empty
    element exactly where the parser reads one."""
    tree = _parsed("<" + head.decode() + ">" + "<b id=n>x</b>")
    parent = tree.xpath("//*[@id='n']")[0].getparent()  # type: ignore[attr-defined]
    assert closes_itself(head) == (parent.get("id") == "r")


# Contents of two block tags: nested, in a row, and each as the review's (nested links, an
# item in an item, an item in a heading).
_PAIRS = [t.decode() for t in sorted(BLOCK_TAGS - VOID)]
CONTENTS = [f"<{x}><{y}>X</{y}></{x}>" for x, y in product(_PAIRS, _PAIRS)]
CONTENTS += [f"<{x}>X</{x}><{y}>Y</{y}>" for x, y in product(_PAIRS, _PAIRS)]
CONTENTS += ["<a href=1><a href=2>X</a></a>", "<li><li>X</li></li>", "<h2><li>X</li></h2>"]
CONTENTS += ["<a href=/x/>X</a>", "<span class=x/>X</span>"]
CONTENTS += ["<a href=1><span><a href=2>X</a></span></a>"]


def _accepted(block: bytes, content: str) -> bool:
    """Whether the check (and learning) accept ``content`` in a block named ``block``."""
    pieces = f"<{block.decode()} class=promo>{content}</{block.decode()}>".encode().split(b"<")[1:]
    inner = pieces[1:-1]
    learned = vocabulary([(inner, b"")])
    if learned is None:
        return False
    by_learning = block_reason(inner, name=block) is None
    try:
        _block_end(pieces, 0, block, b"", learned)
        by_check = True
    except Mismatch as exc:
        assert exc.args[0] == BLOCK
        by_check = False
    assert by_learning == by_check, (block, content)
    return by_check


_START = re.compile(r"<([a-z0-9]+)")


def _as_written(block: str, wrap: str, content: str) -> bool:
    """Whether the parse keeps what follows the block inside the page's ``wrap`` around it
    (as it does with a plain text content), and the content's elements inside the block."""
    tagged = _START.sub(r"<\1 data-k=1", content)
    body = f"<{wrap} id=w><{block} id=b>{tagged}</{block}><span id=after>after</span></{wrap}>"
    if wrap == "li":
        body = f"<ul>{body}</ul>"
    tree = _parsed(body)
    if _parent_id(tree, "after") != "w":
        return False
    for element in tree.xpath("//*[@data-k]"):  # type: ignore[attr-defined]
        if "b" not in [a.get("id") for a in element.iterancestors()]:
            return False
    return True


def test_every_content_the_check_accepts_is_nested_as_written() -> None:
    """The review's table (every block name in a page's ``a``, ``li`` or heading, with nested
    links, an item in an item, an item in a heading) and every content of two block tags:
    whatever the check accepts, the parse keeps the page's element around the block, and the
    content inside the block; what it refuses includes every content that escapes."""
    refused = 0
    for block, wrap, content in product(BLOCK_NAMES, WRAPPERS, CONTENTS):
        b = block.decode()
        if not _as_written(b, wrap, "X"):
            continue  # the block's start tag closes the wrapper (a form in a heading): fixed
        if _accepted(block, content):
            assert _as_written(b, wrap, content), (b, wrap, content)
        else:
            refused += 1
    assert refused


# The review's pages: B's rail holds a card linking to this very story, a "promo" label (the
# hole) and the story's summary in one link; B's body opens with the summary as standfirst.
SUMMARY = "Vineyards across the valley are picking their grapes weeks ahead of schedule."
A_URL, B_URL = SITE + "/news/bridge", SITE + "/news/harvest"
LIVE = "<span>Live</span>"
WATCH = '<a href="/live">Watch</a> <span>now</span>'
NESTED = '<a href="/live"><a href="/live">Watch</a></a>'  # balanced, not as the parser nests it
HONEST = '<span>Live</span> <a href="/live">Watch</a>'  # the same tags, nested as written
# a learned arrangement re-worded
REWORDED = '<a href="/live">Listen</a> <span>again</span>'


def _page(headline: str, paragraphs: list[str], seed: int, label: str, summary: str = "") -> bytes:
    v = sha256(str(seed).encode()).hexdigest()[:8]
    body = "".join(f"<p>{p}</p>" for p in ([summary] if summary else []) + paragraphs)
    described = f'<meta name="description" content="{summary}">' if summary else ""
    card = (
        f'<div class="grid"><a class="card" href="/news/harvest">'
        f'<section class="promo">{label}</section><span>{summary or "Read more"}</span></a></div>'
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{headline} | Daily Example</title>{described}"
        '<meta name="author" content="Jo Writer">'
        '<meta property="article:published_time" content="2024-05-01T09:00:00+00:00">'
        f'<script src="/static/app.js?v={v}"></script></head><body>'
        f'<nav class="menu"><a href="/">Home</a></nav>{card}'
        f"<article><h1>{headline}</h1>{body}</article>"
        '<div class="site-bottom">Daily Example</div></body></html>'
    ).encode()


def _harvest(seed: int, label: str) -> bytes:
    return _page("Grape harvest starts early", HARVEST, seed, label, SUMMARY)


def _learned(old: bytes, new: bytes, url: str) -> str:
    _, fingerprint = extract_with_fingerprint(new, url)
    return learn_with_fingerprint(old, new, HTML, fingerprint, url=url, min_chars=DEFAULT_MIN_CHARS)


def _checked(body: bytes, template: str, url: str) -> str | None:
    return check(body, template, url=url, content_type=HTML, min_chars=DEFAULT_MIN_CHARS)


def _hash(body: bytes, url: str) -> str:
    return extract_article(body, url).content_hash


def test_nested_links_in_a_learned_block_are_a_mismatch() -> None:
    """B's own template, learned on two fetches whose label rotates: the nested links (which
    add the standfirst to the article) are refused; the full extraction finds the change."""
    old = _harvest(3, LIVE)
    template = _learned(old, _harvest(5, WATCH), B_URL)
    assert "|none|" not in template
    refetch = _harvest(4, NESTED)
    assert _hash(refetch, B_URL) != _hash(old, B_URL)
    assert _checked(refetch, template, B_URL) == BLOCK


def test_an_honest_rotation_of_a_learned_block_is_same() -> None:
    """The twin: a learned arrangement re-worded, and the same tags in another order, nested
    as written: "same", and the full extraction agrees."""
    old = _harvest(3, LIVE)
    template = _learned(old, _harvest(5, WATCH), B_URL)
    refetch = _harvest(4, REWORDED)
    assert _hash(refetch, B_URL) == _hash(old, B_URL)
    assert _checked(refetch, template, B_URL) is None
    assert _hash(_harvest(4, HONEST), B_URL) == _hash(old, B_URL)
    assert _checked(_harvest(4, HONEST), template, B_URL) is None


def _derived(refetch: bytes) -> tuple[str | None, str | None]:
    a1 = _page("Harbour bridge closed", BRIDGE, 1, LIVE)
    a2 = _page("Harbour bridge closed", BRIDGE, 2, WATCH)
    rules = rules_of(_learned(a1, a2, A_URL), a2)
    assert rules is not None and rules["b"]
    old = _harvest(3, LIVE)
    stored = extract_article(old, B_URL)
    fields = [stored.headline, stored.byline or "", stored.description or ""]
    template, why, _ = derive_using(
        rules, old, refetch, HTML, stored.paragraphs, fields, url=B_URL, min_chars=DEFAULT_MIN_CHARS
    )
    return template, why


def test_nested_links_in_a_derived_block_are_no_match() -> None:
    """A's rule derived on B: the nested links are no match (the refetch is extracted)."""
    refetch = _harvest(4, NESTED)
    assert _hash(refetch, B_URL) != _hash(_harvest(3, LIVE), B_URL)
    template, why = _derived(refetch)
    assert template is None and why == BLOCK


def test_an_honest_rotation_of_a_derived_block_is_same() -> None:
    refetch = _harvest(4, HONEST)
    assert _hash(refetch, B_URL) == _hash(_harvest(3, LIVE), B_URL)
    template, why = _derived(refetch)
    assert template is not None, why
    assert _checked(refetch, template, B_URL) is None
