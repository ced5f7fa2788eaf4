"""Tier 0's learning probes read what the template admits from either learned payload.

A block hole's vocabulary is the union of both payloads' contents, so a value seen only in the
refetch learned against (an empty ``<span class="username">`` there) is admitted in later
refetches.  The metadata readers' probe and the worst-case probe therefore read the stored page
with its block holes as the refetch had them too (:func:`.template_probe.spliced`): a page
whose author reader takes that span's text learns no template; the twin, the same span of a
class no reader reads, keeps its template and a chrome-only refetch is still the same article.
"""

from __future__ import annotations

from archive.extract.extractor import extract_article
from archive.extract.template import is_unlearnable
from tests.archive.river_template import CT, URL
from tests.archive.river_template import checked as _check
from tests.archive.river_template import learned as _learn
from tests.pages import PARAGRAPHS


def _page(aside: str, last: str = PARAGRAPHS[-1]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in [*PARAGRAPHS[:-1], last])
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<title>River report - News</title></head><body><header><a href="/">News</a></header>'
        f"<main><article><h1>River report</h1>{body}</article></main>"
        f'<aside class="discussion">{aside}</aside>'
        "<footer><p>About us</p></footer></body></html>"
    ).encode()


def _hash(body: bytes) -> str:
    return extract_article(body, URL, content_type=CT).content_hash


def _strip(link: str, span: str = "") -> str:
    return f'<ul><li><a href="/talk/{link}">Join the talk</a>{span}</li></ul>'


def test_a_value_only_the_refetch_held_is_probed_and_its_twin_keeps_its_template():
    """``<span class="username">`` only in the refetch learned against, empty: trafilatura's
    author reader takes a later refetch's ``Jane Roe`` there as the byline (the page names no
    author in its head).  The twin: ``class="handle"``, which no reader reads."""
    old = _page(_strip("a8f3k2"))
    new = _page(_strip("q7x1m9", '<span class="username"></span>'))
    filled = _page(_strip("m2k8w1", '<span class="username">Jane Roe</span>'))
    assert _hash(old) == _hash(new)
    assert _hash(filled) != _hash(old)
    template = _learn(old, new)
    assert is_unlearnable(template), template
    assert _check(filled, template) is not None

    old = _page(_strip("a8f3k2"))
    new = _page(_strip("q7x1m9", '<span class="handle"></span>'))
    filled = _page(_strip("m2k8w1", '<span class="handle">Jane Roe</span>'))
    template = _learn(old, new)
    assert not is_unlearnable(template), template
    assert _hash(filled) == _hash(old)
    assert _check(filled, template) is None
    edited = _page(_strip("m2k8w1"), last="An edited last paragraph.")
    assert _check(edited, template) is not None


def _comments(kind: str, slug: str, lines: list[str] | None = None) -> str:
    names = ["Sam Lowe", "Ann Cole", "Ravi Shah"]
    first = "".join(f"<div>{line}</div>" for line in lines or [])
    entries = "".join(
        f'<div class="{kind}"><a href="/comments/{slug}{i}">{name}</a>{first if i == 0 else ""}'
        "</div>"
        for i, name in enumerate(names)
    )
    return f'<div class="reader-comments">{entries}</div>'


def test_the_worst_case_probe_grows_the_refetchs_blocks_too():
    """trafilatura's body expressions take the first ``class="entry"`` element: none on the
    stored page (its comments are ``class="note"``), bare links in the refetch learned
    against; a later refetch's first entry with lines becomes the article.  Growing the stored
    page's blocks alone reads no entry; growing the refetch's does.  The twin: the same strip
    below an article of ordinary length keeps its template."""
    from tests.archive.test_template_worst_case import MORE, PARAS
    from tests.archive.test_template_worst_case import _check as check
    from tests.archive.test_template_worst_case import _learn as learn
    from tests.archive.test_template_worst_case import _page as page
    from tests.archive.test_template_worst_case import _read as read

    lines = [f"Thank you, {w}, for covering the roads and the barriers so carefully." for w in "ab"]
    lines += [f"I hope the families can go home soon and the water falls, {w} said." for w in "ab"]
    old = page(PARAS, before=_comments("note", "a"))
    new = page(PARAS, before=_comments("entry", "b"))
    later = page(PARAS, before=_comments("entry", "c", lines))
    assert read(later) != read(old)
    template = learn(old, new)
    assert is_unlearnable(template), template
    assert check(later, template) is not None

    paragraphs = PARAS + MORE
    old = page(paragraphs, before=_comments("note", "a"))
    new = page(paragraphs, before=_comments("entry", "b"))
    template = learn(old, new)
    assert not is_unlearnable(template), template
    later = page(paragraphs, before=_comments("entry", "c"))
    assert read(later) == read(old)
    assert check(later, template) is None
    edited = page([*paragraphs[:-1], "An edited last paragraph."], before=_comments("note", "c"))
    assert check(edited, template) is not None
