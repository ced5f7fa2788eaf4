"""A learned block hole keeps the skeleton of a learned payload's content
(:func:`.template.skeleton`: its tags and attributes in order, the texts and the links',
images' and fields' values aside), the same payload's for every block of the page: the probes
read both payloads' arrangements (:mod:`.template_probe`), and none other.

Readers weigh the arrangement of what a block holds, not only what it is made of: trafilatura
takes the first ``class="entry"`` element, readability scores a wrapper of text lines.  Each
case below is made of the learned vocabulary within the learned length, re-arranged, and
changes the article; each twin rotates or re-words the same arrangement and is the same
article, decided so.
"""

from __future__ import annotations

from archive.extract.template import BLOCK, is_unlearnable, segments_of
from tests.archive.test_template_worst_case import HEADLINES, MORE, PARAS, TEASERS
from tests.archive.test_template_worst_case import _check as check
from tests.archive.test_template_worst_case import _learn as learn
from tests.archive.test_template_worst_case import _page as page
from tests.archive.test_template_worst_case import _read as read

_LETTERS = [
    "The barriers held through the night, and the water is already falling near the bridge,"
    " which is good news for everyone.",
    "The families on the low road have been told they can go home tomorrow, once the council"
    " has checked the drains.",
]


def _comments(slug: str, order: str, names: tuple[str, ...] = ("Sam Lowe", "Jo Park")) -> str:
    """A comments strip of entries in ``order``: ``b`` a bare link, ``f`` a full entry (a
    heading and a list of letters)."""
    parts, bare = [], iter(names)
    for i, kind in enumerate(order):
        if kind == "b":
            parts.append(f'<div class="entry"><a href="/comments/{slug}{i}">{next(bare)}</a></div>')
        else:
            letters = "".join(f"<li>{letter}</li>" for letter in _LETTERS)
            parts.append(f'<div class="entry"><h3>Readers write</h3><ul>{letters}</ul></div>')
    return f'<div class="reader-comments">{"".join(parts)}</div>'


def test_a_full_entry_rotated_to_the_front_of_a_comments_strip_falls_back():
    """Learned with a bare link first in both payloads, a full entry second; a refetch puts
    the full entry first: trafilatura takes it as the first ``class="entry"`` and prepends it
    to a six-paragraph article.  The twin: the bare links rotating their names."""
    paragraphs = (PARAS + MORE)[:6]
    old, new = (page(paragraphs, before=_comments(s, "bfb")) for s in ("a", "b"))
    template = learn(old, new)
    assert not is_unlearnable(template), template
    rotated = page(paragraphs, before=_comments("c", "fbb"))
    assert read(rotated) != read(old)
    assert check(rotated, template) == BLOCK
    renamed = page(paragraphs, before=_comments("c", "bfb", ("Ravi Shah", "Ann Cole")))
    assert read(renamed) == read(old)
    assert check(renamed, template) is None
    edited = page([*paragraphs[:-1], "An edited last paragraph."], before=_comments("c", "bfb"))
    assert check(edited, template) is not None


def _sidebar(slug: str, rotate: int = 0) -> str:
    headlines = HEADLINES[rotate:] + HEADLINES[:rotate]
    links = "".join(
        f'<div><a href="/news/{slug}-{i}-{h.lower().replace(" ", "-")}">{h}</a></div>'
        for i, h in enumerate(headlines)
    )
    return f"<aside><h2>More stories</h2>{links}</aside>"


def _lines(count: int) -> str:
    lines = "".join(f"<div>{teaser}</div>" for teaser in (TEASERS * 2)[:count])
    return f"<aside><div>{lines}</div></aside>"


def test_a_sidebar_rearranged_into_lines_under_a_wrapper_falls_back():
    """An unnamed ``<aside>`` of links in ``<div>``s beside a three-paragraph article; a
    refetch makes it nine ``<div>`` lines of text under one wrapper, fewer bytes than learned
    and under its text bound: readability scores the wrapper over the article.  The twin: the
    links rotating."""
    old, new = page(PARAS, after=_sidebar("a8f3k2")), page(PARAS, after=_sidebar("q7x1m9", 3))
    template = learn(old, new)
    assert not is_unlearnable(template), template
    read_ = segments_of(template)
    assert read_ is not None
    blocks = [segment[4] for segment in read_[0] if segment[0] == "B"]
    assert [len(block["s"]) for block in blocks] == [1]  # rotated: one skeleton
    assert blocks[0]["n"] > len(_lines(9)) - len("<aside></aside>")
    lines = page(PARAS, after=_lines(9))
    assert read(lines) != read(old)
    assert check(lines, template) == BLOCK
    rotated = page(PARAS, after=_sidebar("z4k1", 5))
    assert read(rotated) == read(old)
    assert check(rotated, template) is None
    edited = page([*PARAS[:-1], "An edited last paragraph."], after=_sidebar("z4k1", 5))
    assert check(edited, template) is not None


def _menu(live: bool) -> str:
    links = "".join(f'<li><a href="/s/{k}">{h}</a></li>' for k, h in enumerate(HEADLINES[:4]))
    extra = '<li class="live"><a href="/live">Live</a></li>' if live else ""
    return f'<nav class="site-menu"><ul>{links}{extra}</ul></nav>'


def _popular(items: int, heading: bool, rotate: int = 0) -> str:
    headlines = (HEADLINES[rotate:] + HEADLINES[:rotate])[:items]
    links = "".join(f'<li><a href="/p/{k}">{h}</a></li>' for k, h in enumerate(headlines))
    title = "<h2>Most read</h2>" if heading else ""
    return f'<aside class="most-read">{title}<ol>{links}</ol></aside>'


def test_every_block_keeps_the_skeleton_of_one_and_the_same_learned_payload():
    """Two blocks, each arranged otherwise in the two payloads (a menu with a "Live" item of
    its own class, a list with a heading): a refetch whose blocks are one payload's each, but
    not the same payload's, is an arrangement no probe read, and falls back; one whose blocks
    are both one payload's is decided the same (its items rotated)."""
    paragraphs = PARAS + MORE
    old = page(paragraphs, before=_menu(False), after=_popular(4, False))
    new = page(paragraphs, before=_menu(True), after=_popular(4, True))
    template = learn(old, new)
    assert not is_unlearnable(template), template
    for live, heading in ((True, True), (False, False)):
        refetch = page(paragraphs, before=_menu(live), after=_popular(4, heading, 3))
        assert read(refetch) == read(old)
        assert check(refetch, template) is None
    mixed = page(paragraphs, before=_menu(True), after=_popular(4, False))
    assert read(mixed) == read(old)  # here the same article, but never probed
    assert check(mixed, template) == BLOCK
    edited = page([*paragraphs[:-1], "An edited last paragraph."], _menu(True), _popular(4, True))
    assert check(edited, template) is not None


def test_one_item_more_of_a_learned_kind_falls_back():
    """Why the number of items is bound too: eight links in ``<div>``s learned, each of nine
    in a refetch with a teaser beside its link (the same item skeleton, within the learned
    length and text bound) tips readability over a three-paragraph article.  The twin: the
    eight learned items with the same teasers are the same article, decided so."""
    old, new = page(PARAS, after=_sidebar("a8f3k2")), page(PARAS, after=_sidebar("q7x1m9", 3))
    template = learn(old, new)
    assert not is_unlearnable(template), template

    def teased(count: int) -> bytes:
        items = "".join(
            f'<div><a href="/n/{i}">Go</a> {teaser}</div>'
            for i, teaser in enumerate((TEASERS * 2)[:count])
        )
        return page(PARAS, after=f"<aside><h2>More stories</h2>{items}</aside>")

    assert read(teased(9)) != read(old)
    assert check(teased(9), template) == BLOCK
    assert read(teased(8)) == read(old)
    assert check(teased(8), template) is None
