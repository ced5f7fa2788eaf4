"""Tier 0 of the fast path (archive.extract.template, archive.extract.template_learn): a template
learned from two payloads of one article, checked on raw bytes.

Pages are the test article dressed in request chrome (scheduler.demo.chrome.dress: a menu gaining
a "Live" item, ad slot ids, CSRF and request-id tokens, a rotating most-read list with "N minutes
ago" labels, a comment count, an inline script's state, cache-busted asset URLs), new for every
request.  Every "same article" check has twins where the article or what the metadata readers
see changes: each is a mismatch, and the full extraction finds the change.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable

import pytest

from archive.extract.extractor import extract_article, extract_with_fingerprint
from archive.extract.template import (
    BLOCK,
    DIGEST,
    OTHER_EXTRACTOR,
    PIECES,
    TOKEN,
    UNLEARNABLE,
    check,
    is_unlearnable,
    needs_learning,
    unlearnable,
)
from archive.extract.template_learn import learn_with_fingerprint
from scheduler.demo.chrome import dress
from tests.pages import PARAGRAPHS, Story, article_page

URL = "https://news.example/world/palmyra"
FIXED: frozenset[str] = frozenset()  # the test page's own chrome stays put; dress() varies
MOST_READ = '<aside class="most-read"><h2>Most read</h2>'


def page(n: int, story: Story | None = None) -> bytes:
    """Request ``n`` of the story, in new request chrome."""
    base = article_page(story or Story(), 0, vary=FIXED)
    return dress(base, "/world/palmyra", n).encode()


def learned(old: bytes | None = None, new: bytes | None = None) -> str:
    old, new = old or page(1), new or page(2)
    _, fingerprint = extract_with_fingerprint(new, URL)
    return learn_with_fingerprint(old, new, "text/html; charset=utf-8", fingerprint)


@pytest.fixture(scope="module")
def template() -> str:
    found = learned()
    assert not is_unlearnable(found), found
    return found


def test_chrome_only_requests_match_the_template(template):
    base = extract_article(page(1), URL).content_hash
    matched = 0
    for n in range(3, 23):  # the menu's "Live" item comes and goes: the block varies in length
        body = page(n)
        assert extract_article(body, URL).content_hash == base
        reason = check(body, template)
        if reason is None:
            matched += 1
        else:  # a comment count that reads as a year (a date reader could take it for one)
            assert reason == BLOCK  # (the comment-count block: its text holds no year)
            assert re.search(rb'data-n="(199[0-9]|20[0-3][0-9])"', body), n
    assert matched >= 18


def _replace(old: str, new: str) -> Callable[[bytes], bytes]:
    def edit(body: bytes) -> bytes:
        assert old.encode() in body, old
        return body.replace(old.encode(), new.encode(), 1)

    return edit


# Each twin: an edit of request 3's page, the reason tier 0 gives, and whether the article (as
# the full extraction reads it) changes.
TWINS: dict[str, tuple[Callable[[bytes], bytes], str, bool]] = {
    "paragraph edited": (_replace("three months after", "four months after"), DIGEST, True),
    "paragraph added": (
        _replace(f"<p>{PARAGRAPHS[1]}</p>", f"<p>{PARAGRAPHS[1]}</p><p>A new line.</p>"),
        PIECES,
        True,
    ),
    "headline changed": (
        lambda b: b.replace(b"Army retakes Palmyra", b"Army recaptures Palmyra"),
        DIGEST,
        True,
    ),
    "byline changed": (lambda b: b.replace(b"Nadia Harrow", b"Tomas Ridley"), DIGEST, True),
    "JSON-LD date changed": (
        _replace('"dateModified": "2017-03-02T22:43:00+00:00"', '"dateModified": "2017-03-04"'),
        DIGEST,
        False,  # (the visible update time still wins: a fallback all the same)
    ),
    "time put into the most-read block": (
        _replace(MOST_READ, MOST_READ + '<time datetime="2017-03-05">5 Mar</time>'),
        BLOCK,
        False,
    ),
    "Updated put into the most-read block": (
        _replace(MOST_READ, MOST_READ + "<span>Updated 5 March</span>"),
        BLOCK,
        False,
    ),
    "paragraph put into the menu": (
        _replace("<ul><li>", "<ul><p>Breaking: a new line.</p><li>"),
        BLOCK,
        False,
    ),
    "token with a space": (
        lambda b: b.replace(b'name="csrf-token" content="', b'name="csrf-token" content="a b', 1),
        TOKEN,
        False,
    ),
    "count made a year": (lambda b: _recount(b, b"2024"), BLOCK, False),
}


def _recount(body: bytes, count: bytes) -> bytes:
    start = body.index(b'<div class="comment-count"')
    end = body.index(b"</div>", start)
    return (
        body[:start] + b'<div class="comment-count" data-n="7">' + count + b" comments" + body[end:]
    )


@pytest.mark.parametrize("name", TWINS)
def test_every_twin_falls_back(template, name):
    edit, reason, changes_article = TWINS[name]
    body = edit(page(3))
    assert check(body, template) == reason
    if changes_article:  # the full extraction, which the fallback leads to, finds the edit
        assert extract_article(body, URL).content_hash != extract_article(page(3), URL).content_hash


def test_a_difference_inside_the_article_is_no_hole():
    """A number in the article's text that differed between the two payloads is never a
    token hole (digits in the article are content), whatever the full extraction said."""
    old = page(1)
    new = page(2).replace(b"three months after", b"3 months after")
    newer = page(3).replace(b"three months after", b"4 months after")
    old = old.replace(b"three months after", b"5 months after")
    assert learned(old, new).endswith("|token_in_article")
    assert check(newer, learned(old, new)) == UNLEARNABLE


def test_a_changed_block_inside_the_article_is_no_hole():
    old, new = page(1), page(2)
    new = new.replace(b'<div class="story-body">', b'<div class="story-body"><nav><a>x</a></nav>')
    assert is_unlearnable(learned(old, new))


def test_pieces_added_between_the_learning_payloads_make_no_template():
    new = page(2).replace(b"</article>", b"<div>More</div></article>")
    assert learned(page(1), new).endswith("|unmatched")


def test_a_template_of_another_extractor_or_unreadable_is_a_fallback(template):
    other = "t0a|7+trafilatura-0|" + template.split("|", 2)[2]
    assert check(page(3), other) == OTHER_EXTRACTOR
    assert needs_learning(other) and needs_learning(None)
    assert not needs_learning(template) and not needs_learning(unlearnable("unmatched"))
    broken = template[: len(template) // 2]
    assert check(page(3), broken) == "error"
    assert check(page(3), None) == "no_template"


def test_the_check_needs_neither_lxml_nor_trafilatura():
    code = (
        "import sys, archive.extract.template as t; "
        "assert not any(m.split('.')[0] in ('lxml', 'trafilatura') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "block",
    [
        b'<div class="ad">Advertisement</div><p>after</p>',
        b'<div class="ad"><div><span>Ad</span></div><a href="/x">y</a></div><p>after</p>',
        b'<nav class="m"><ul><li><a href="/a">A</a></li><li>Live</li></ul></nav>',
        b'<div class="ad"><div>unclosed</div><p>after</p>',  # no close: refused
        b'<div class="ad"><span>x</div></span></div>',  # misnested: refused
        b'<div class="ad"><p>text</p></div>',  # a paragraph: refused
        b'<div class="ad"><span>Updated 5 May</span></div>',  # a word the readers read
        b'<div class="ad"><span>2024 comments</span></div>',  # a year
        b'<div class="ad"><img src="/a.png"><br/><span>x</span></div>',  # void elements
    ],
)
def test_the_checks_one_pass_over_a_block_is_the_learnings_two(block):
    """The check walks a block hole once (template._block_end); learning chose it with
    match_close and block_reason: the same end, or a refusal, on every content."""
    from archive.extract.template import Mismatch, _block_end, block_reason, match_close

    pieces = block.split(b"<")[1:]
    start, _, text = pieces[0].partition(b">")
    close = match_close(pieces, 0, b"div" if start.startswith(b"div") else b"nav")
    expected = None if close is None or block_reason(pieces[1:close], text) else close
    try:
        found: int | None = _block_end(pieces, 0, start.split()[0], text)
    except Mismatch:
        found = None
    assert found == expected
