"""Tier 0 of the fast path (archive.extract.template, archive.extract.template_learn): a template
learned from two payloads of one article, checked on raw bytes.

Pages are the test article dressed in request chrome (scheduler.demo.chrome.dress: a menu gaining
a "Live" item, ad slot ids, CSRF and request-id tokens, a rotating most-read list with "N minutes
ago" labels, a comment count, an inline script's state, cache-busted asset URLs), new for every
request.  Every "same article" check has twins where the article or what the metadata readers
see changes: each is a mismatch, and the full extraction finds the change.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import zlib
from collections.abc import Callable
from html import unescape

import pytest

from archive.extract import DEFAULT_MIN_CHARS
from archive.extract.extractor import extract_article, extract_with_fingerprint
from archive.extract.template import (
    BLOCK,
    CLASSES,
    DIGEST,
    OTHER_EXTRACTOR,
    PIECES,
    RUN,
    TOKEN,
    UNLEARNABLE,
    YEARS,
    Mismatch,
    hole_spans,
    is_unlearnable,
    is_unverified,
    keeps_shape,
    key_shape,
    needs_learning,
    other_digits,
    parse,
    render,
    segments_of,
    unlearnable,
    verified,
)
from archive.extract.template import check as check_in
from archive.extract.template_learn import learn_with_fingerprint
from archive.extract.years import MAX_YEAR, MIN_YEAR
from scheduler.demo.chrome import dress
from tests.pages import PARAGRAPHS, Story, article_page

URL = "https://news.example/world/palmyra"
HTML = "text/html; charset=utf-8"
FIXED: frozenset[str] = frozenset()  # the test page's own chrome stays put; dress() varies
MOST_READ = '<aside class="most-read"><h2>Most read</h2>'
CORRECTION = '<ol><li class="change-item">Amended the casualty figure</li></ol>'


def page(n: int, story: Story | None = None) -> bytes:
    """Request ``n`` of the story, in new request chrome."""
    base = article_page(story or Story(), 0, vary=FIXED)
    return dress(base, "/world/palmyra", n).encode()


def learned(old: bytes | None = None, new: bytes | None = None) -> str:
    old, new = old or page(1), new or page(2)
    _, fingerprint = extract_with_fingerprint(new, URL)
    return learn_with_fingerprint(old, new, HTML, fingerprint, url=URL, min_chars=DEFAULT_MIN_CHARS)


def check(
    body: bytes,
    template: str | None,
    url: str = URL,
    content_type: str = HTML,
    min_chars: int = DEFAULT_MIN_CHARS,
) -> str | None:
    """Tier 0's check of ``body`` fetched in the learning's context, unless told otherwise."""
    return check_in(body, template, url=url, content_type=content_type, min_chars=min_chars)


@pytest.fixture(scope="module")
def template() -> str:
    found = learned()
    assert not is_unlearnable(found), found
    return found


def test_chrome_only_requests_match_the_template(template):
    """Comment counts that read as years included: the page's markup states its timestamps,
    so no date reader reads them (tests/archive/test_template_years.py)."""
    base = extract_article(page(1), URL).content_hash
    years = 0
    for n in range(3, 23):  # the menu's "Live" item comes and goes: the block varies in length
        body = page(n)
        assert extract_article(body, URL).content_hash == base
        assert check(body, template) is None, n
        years += bool(re.search(rb'data-n="(199[0-9]|20[0-9][0-9]|2100)"', body))
    assert years >= 1


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
    # a block's content is made only of what was seen there when learning: a correction note
    # (an element of a class the history reader reads anywhere) is not
    "correction note put into the most-read block": (
        _replace(MOST_READ, MOST_READ + CORRECTION),
        BLOCK,
        True,
    ),
    # enough text in a block changes what the extractor takes for the article
    "sentences put into the most-read block": (
        _replace(MOST_READ, MOST_READ + "".join(f"<div>{p}</div>" for p in PARAGRAPHS) * 4),
        BLOCK,
        True,
    ),
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
    other = "t0b|7+trafilatura-0|" + template.split("|", 2)[2]
    assert check(page(3), other) == OTHER_EXTRACTOR
    assert needs_learning(other) and needs_learning(None)
    assert not needs_learning(template) and not needs_learning(unlearnable("unmatched"))
    broken = template[: len(template) // 2]
    assert check(page(3), broken) == "error"
    assert check(page(3), None) == "no_template"


def test_a_template_reads_back_as_rendered(template):
    """render() and parse() are each other's inverse, for every kind of segment and hole
    class, verified or not; a template that is cut, padded or of another identity reads as
    an error, never as other segments."""
    segments, digest = parse(template)
    assert {segment[0] for segment in segments} == {"F", "T", "B"}
    assert render(segments, digest) == template
    assert parse(verified(template)) == (segments, digest)
    made = [
        ["F", 70000, 1234567],
        ["T", 7, [[1, "w", 24], [3, "n", 6], [5, "c", 300]]],
        ["B", "nav", 3, [[1, "w", 9]], {"t": ["a"], "a": ["href"], "v": ["x=\x00"], "n": 2}],
        ["B", "div", 1, [], {"t": [], "a": [], "v": [], "n": 0}],
        ["F", 1, 0],
    ]
    assert parse(render(made, "0f" * 16)) == (made, "0f" * 16)
    head, _, packed = template.rpartition("|")
    after = base64.b64encode(base64.b64decode(packed[:-1]) + b"\x00").decode()
    for broken in (template[:-8], f"{head}|AAAA{packed}", f"{head}|{after}~"):
        with pytest.raises(Exception):  # noqa: B017 (any exception: check() says "error")
            parse(broken)
        assert check(page(3), broken) == "error"
        assert segments_of(broken) is None
    assert segments_of(template) == (segments, digest)
    assert segments_of(None) is None and segments_of(unlearnable("unmatched")) is None


def test_a_template_of_the_previous_format_is_learned_again(template):
    """Format t0b (JSON, zlib, base64) is another identity: never read, learned again."""

    segments, digest = parse(template)
    data = json.dumps({"s": segments, "d": digest}, separators=(",", ":")).encode()
    extractor = template.split("|")[1]
    old = f"t0b|{extractor}|z" + base64.b64encode(zlib.compress(data, 9)).decode()
    assert check(page(3), old) == OTHER_EXTRACTOR
    assert needs_learning(old) and needs_learning(old + "~")
    assert check(page(3), template) is None
    assert len(template) < len(old) * 0.75


@pytest.mark.parametrize("previous_format", ["t0h", "t0i"])
def test_a_template_of_an_earlier_format_is_learned_again(template, previous_format):
    """Format t0h stored no byte length in a run of fixed pieces, t0i a skeleton list in every
    block's vocabulary: a template of either is another identity's, never read (its tag is
    looked at before any byte), learned again; the twin, this format's own, decides."""
    assert template.startswith("t0j|")
    previous = previous_format + template[3:]
    assert check(page(3), previous) == OTHER_EXTRACTOR
    assert needs_learning(previous) and needs_learning(verified(previous))
    assert segments_of(previous) is None
    assert check(page(3), template) is None and not needs_learning(template)


def test_a_runs_stored_length_is_its_bytes_on_the_learned_page(template):
    """Each ``F`` segment holds the byte length of its pieces on the learned page (the ``<``
    between them counted); the check finds the runs by it, and a page whose run is longer
    or shorter is a mismatch all the same."""
    segments, _ = parse(template)
    pieces = page(1).split(b"<")
    runs = _runs(pieces, segments)
    assert len(runs) > 1
    for segment, first, end in runs:
        assert segment[2] == len(b"<".join(pieces[first:end]))
    assert check(page(3), template) is None
    assert check(page(3).replace(b"<title>", b"<title> "), template) == DIGEST
    assert check(page(3).replace(b"</title>", b"</title><b></b>"), template) is not None


def _runs(pieces: list[bytes], segments: list[list[object]]) -> list[tuple[list[object], int, int]]:
    """Each ``F`` segment with the pieces it covers (first, end)."""
    read = hole_spans(pieces, segments)
    assert read is not None
    found, at, holes = [], 0, iter(read[0])
    for segment in segments:
        if segment[0] == "F":
            count = segment[1]
            assert isinstance(count, int)
            found.append((segment, at, at + count))
            at += count
        else:
            _, _, at = next(holes)
    return found


def test_a_new_template_is_unverified_until_a_decision_of_it_is(template):
    assert is_unverified(template)
    assert not is_unverified(verified(template))
    assert check(page(3), verified(template)) is None
    assert check(page(3).replace(b"three months after", b"four months after"), verified(template))
    assert not is_unverified(unlearnable("unmatched"))


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
    from archive.extract.template import (
        Mismatch,
        _block_end,
        block_reason,
        match_close,
        vocabulary,
    )

    pieces = block.split(b"<")[1:]
    start, _, text = pieces[0].partition(b">")
    close = match_close(pieces, 0, b"div" if start.startswith(b"div") else b"nav")
    expected = None if close is None or block_reason(pieces[1:close], text) else close
    try:
        learned = vocabulary([(pieces[1:], text)])  # everything in it was seen when learning
        assert learned is not None
        found: int | None = _block_end(pieces, 0, start.split()[0], text, learned)
    except Mismatch:
        found = None
    assert found == expected


def test_a_block_of_the_learned_make_but_much_longer_falls_back(template):
    """More items of the learned kind (same tags, same classes) in the most-read list: past
    the learned length (times BLOCK_GROWTH, plus slack) it is a mismatch; one short item more
    is decided, as a rotation of the list (other stories, other counts: page(3)...) is
    (above)."""
    item = '<li><a href="/story/x">{}</a> <span class="ago">7 minutes ago</span></li>'
    more = "".join(item.format(p) for p in PARAGRAPHS)
    body = page(3).replace(b"</ol></aside>", more.encode() + b"</ol></aside>", 1)
    assert check(page(3), template) is None
    assert check(body, template) == BLOCK
    one = item.format("A short extra story").encode()
    assert check(page(3).replace(b"</ol></aside>", one + b"</ol></aside>", 1), template) is None


def test_the_url_the_content_type_and_the_minimum_length_are_bound():
    """The same bytes read in another context are another extraction: a relative canonical
    link resolves against another URL; another charset decodes other text."""
    canonical = b'<link rel="canonical" href="palmyra">'
    accented = "three months after the caf\u00e9\u2019s reopening".encode()

    def variant(n: int) -> bytes:
        body = page(n).replace(b"<title>", canonical + b"<title>", 1)
        return body.replace(b"three months after", accented, 1)

    template = learned(variant(1), variant(2))
    assert not is_unlearnable(template), template
    body = variant(3)
    assert check(body, template) is None
    elsewhere = "https://news.example/europe/palmyra"
    assert check(body, template, url=elsewhere) == DIGEST
    here, there = extract_article(body, URL), extract_article(body, elsewhere)
    assert here.canonical_url != there.canonical_url
    cp1252 = "text/html; charset=windows-1252"
    assert check(body, template, content_type=cp1252) == DIGEST
    assert extract_article(body, URL, content_type=cp1252).content_hash != here.content_hash
    assert check(body, template, content_type="text/html;charset=UTF-8") is None
    assert check(body, template, min_chars=DEFAULT_MIN_CHARS + 1) == DIGEST


def test_no_hole_in_a_tag_or_an_attribute_name():
    """An attribute whose name changes per deploy (a scoped-style hash on every paragraph)
    is no hole: else another attribute put in its place would pass."""
    old = re.sub(rb"<p>", b"<p data-v-7ba5bd90>", page(1))
    new = re.sub(rb"<p>", b"<p data-v-1c2d3e4f>", page(2))
    assert learned(old, new).endswith("|unmatched")


def test_a_hole_the_parse_does_not_give_back_makes_no_template():
    """A token the parse drops (here in the doctype) cannot be judged: no template."""
    old = page(1).replace(b"<!DOCTYPE html>", b"<!DOCTYPE html x-aa11bb>", 1)
    new = page(2).replace(b"<!DOCTYPE html>", b"<!DOCTYPE html x-cc22dd>", 1)
    assert learned(old, new).endswith("|token_not_found")


SHIV = b'<!--[if lt IE 9]><script src="/static/shiv.js?v=%s"></script><![endif]-->'


def _with_shiv(body: bytes, build: bytes) -> bytes:
    """``body`` with an IE conditional comment holding a cache-busted script in its head."""
    assert b"</head>" in body
    return body.replace(b"</head>", SHIV % build + b"</head>", 1)


def test_a_token_inside_a_comment_is_a_hole_that_cannot_leave_it():
    """The parse drops comments, so the extraction never reads a token in one (an IE
    conditional comment's cache-busted script): a hole of class ``c``.  Its new value may not
    hold "-" (nor ">" or "!"), which could close the comment early and show what follows."""
    old, new = _with_shiv(page(1), b"a1b2c3"), _with_shiv(page(2), b"d4e5f6")
    template = learned(old, new)
    assert not is_unlearnable(template), template
    base = extract_article(old, URL).content_hash
    body = _with_shiv(page(3), b"g7h8i9")
    assert extract_article(body, URL).content_hash == base
    assert check(body, template) is None
    assert check(_with_shiv(page(3), b"g7h8-i9"), template) == TOKEN
    # twin: the comment closed before the script, whose text then is the page's
    opened = _with_shiv(page(3), b"g7h8i9").replace(b"<!--[if lt IE 9]>", b"<!--[if lt IE 9]-->")
    assert check(opened, template) in (PIECES, DIGEST, TOKEN)


def test_a_token_outside_every_comment_the_parse_drops_is_still_no_hole():
    """The doctype's token (no comment) stays unlearnable beside a comment's token."""
    old = _with_shiv(page(1), b"a1b2c3").replace(b"<!DOCTYPE html>", b"<!DOCTYPE html x-a1>", 1)
    new = _with_shiv(page(2), b"d4e5f6").replace(b"<!DOCTYPE html>", b"<!DOCTYPE html x-c2>", 1)
    assert learned(old, new).endswith("|token_not_found")


def _comment_count(body: bytes, content: bytes) -> bytes:
    """``body`` with the comment-count block (a block hole) holding ``content``."""
    start = body.index(b'<div class="comment-count"')
    end = body.index(b"</div>", start)
    return body[:start] + b'<div class="comment-count" data-n="7">' + content + body[end:]


# An "Updated" line the extractor reads (a new updated_at) spelled with character references,
# which the raw bytes' words and year do not show.
ENCODED_UPDATES: dict[str, bytes] = {
    "decimal": b"Upd&#97;ted 5 March &#50;026",
    "hexadecimal": b"Upd&#x61;ted 5 March 202&#x36;",
    "hexadecimal, capital X": b"Upd&#X61;ted 5 March 202&#X36;",
    "no semicolon": b"Upd&#97ted 5 March 202&#54",
    "zero-padded": b"Upd&#0097;ted 5 March 202&#00054;",
    "only the year encoded": b"Modi&#102;ied 5 March &#50;&#48;26",
}


@pytest.mark.parametrize("name", ENCODED_UPDATES)
def test_an_update_line_spelled_with_references_falls_back(template, name):
    body = _comment_count(page(3), ENCODED_UPDATES[name])
    assert check(body, template) == BLOCK
    # the full extraction, which the fallback leads to, reads the update
    assert extract_article(body, URL).updated_at != extract_article(page(3), URL).updated_at


@pytest.mark.parametrize(
    "content",
    [
        b"7 comments &copy",  # a legacy name with no ";"
        b"7 comments &AMP;",  # a name, but not spelled as listed
        b"7 comments &copy2026",  # a legacy name run into a year
        b"7 comments &#169;",  # a number, though not a letter's
        b"7 comments &#",
    ],
)
def test_a_reference_not_listed_in_a_block_falls_back(template, content):
    assert check(_comment_count(page(3), content), template) == BLOCK


@pytest.mark.parametrize(
    "inserted",
    [
        '<span class="ago">Upd</span><span class="ago">ated 5 March</span>',
        'Upd<span class="ago"></span>ated 5 March',
        '<li><a href="/story/x">Last modi</a><span class="ago">fied</span></li>',
    ],
)
def test_words_and_years_split_by_tags_fall_back(template, inserted):
    """A reader takes an element's text across the tags in it: the guard does too."""
    body = page(3).replace(MOST_READ.encode(), (MOST_READ + inserted).encode(), 1)
    assert check(body, template) == BLOCK


def test_a_word_continued_across_the_blocks_own_tags_is_seen():
    """The runs of letters and digits just before a block's start tag and just after its end
    tag continue its text."""
    from archive.extract.template import says_too_much

    assert not says_too_much([], b"ated 5 March")
    assert says_too_much([], b"ated 5 March", before=b"Last upd")
    assert says_too_much([], b"5 March 20", after=b"26 ")
    assert not says_too_much([], b"5 March 20", before=b"Last seen ", after=b" 26")
    # a year split by tags (a block learned without :data:`YEARS_MARK`; with it, a year is
    # no reason, but a word still is)
    split = [b'span class="ago">26', b"/span>"]
    assert says_too_much(split, b"5 March 20")
    assert not says_too_much(split, b"5 March 20", years=True)
    assert says_too_much([b'span class="ago">ated', b"/span>"], b"Upd", years=True)


@pytest.mark.parametrize(
    "edit",
    [
        lambda b: _comment_count(b, b"12 comments &amp; 3 replies"),
        lambda b: _comment_count(b, b"12 comments&nbsp;&middot; Readers&#39; &lsquo;picks&rsquo;"),
        lambda b: b.replace(b'href="/story/263149c65d-1"', b'href="/story/y?a=1&b=2&amp;c=3"', 1),
    ],
)
def test_plain_chrome_with_listed_references_is_still_decided(template, edit):
    """The twins: a counter and a most-read list changing, with the references chrome holds,
    are chrome only (tier 0 decides them, and the full extraction agrees)."""
    body = edit(page(3))
    assert body != page(3)
    assert check(body, template) is None
    assert extract_article(body, URL).content_hash == extract_article(page(3), URL).content_hash


def _updated_page(n: int) -> bytes:
    """Request ``n`` with the comment-count block (a block hole) after fixed text "Updated ",
    its counts never reading as a year: a date in the hole is one the extractor reads."""
    html = page(n).decode()
    html = re.sub(
        rf'data-n="{YEARS.decode()}"|>{YEARS.decode()} comments',
        lambda m: re.sub("[0-9]+", "7", m.group(0)),
        html,
    )
    html = re.sub(
        r'(<div class="comment-count"[^>]*>[^<]*</div>)',
        r'<div class="meta">Updated \1</div>',
        html,
    )
    return html.encode()


@pytest.fixture(scope="module")
def updated_template() -> str:
    found = learned(_updated_page(1), _updated_page(2))
    assert not is_unlearnable(found), found
    return found


@pytest.mark.parametrize(
    "date",
    [
        "5 March 2026",
        "5 March 2045",  # a year up to the date readers' last (2100)
        "5 March 2100",
        "2045-03-05",
        "5 March ２０２６",  # fullwidth digits
        "5 March ٢٠٢٦",  # Arabic-Indic digits
        "5 March 20٢٦",  # mixed
    ],
)
def test_a_date_in_a_block_hole_falls_back_whatever_its_year_or_digits(updated_template, date):
    body = _comment_count(_updated_page(3), date.encode())
    assert check(body, updated_template) == BLOCK
    # the full extraction, which the fallback leads to, reads the date as the update
    before = extract_article(_updated_page(3), URL).updated_at
    assert extract_article(body, URL).updated_at not in (None, before)


@pytest.mark.parametrize("count", ["12 comments", "7 comments", "1 comment"])
def test_a_plain_counter_after_updated_is_still_decided(updated_template, count):
    """The twins: a counter changing in the same hole is chrome (tier 0 decides it, and the
    full extraction agrees)."""
    body = _comment_count(_updated_page(3), count.encode())
    assert check(body, updated_template) is None
    base = extract_article(_updated_page(3), URL)
    assert extract_article(body, URL).content_hash == base.content_hash


def test_the_guards_years_are_every_year_the_date_readers_accept():
    from datetime import datetime

    from htmldate.settings import MIN_DATE

    from archive.extract import timestamps

    assert (timestamps.MIN_YEAR, timestamps.MAX_YEAR) == (MIN_YEAR, MAX_YEAR)
    assert MIN_DATE.year >= MIN_YEAR and datetime.now().year <= MAX_YEAR  # htmldate's bounds
    for year in range(10000):
        number = b"%04d" % year
        a_year = MIN_YEAR <= year <= MAX_YEAR
        assert (re.fullmatch(YEARS, number) is not None) == a_year
        assert (CLASSES["n"].fullmatch(number) is None) == a_year  # a count is no year


def test_a_digit_other_than_ascii_refuses_a_block_or_a_token():
    from archive.extract.template import _tokens_out, says_too_much

    for digits in ["２", "٢", "۲", "२"]:
        assert other_digits(f"7 comments {digits}".encode())
        assert says_too_much([], f"7 comments {digits}".encode())
        assert says_too_much([], b"5 March 20", after=f"{digits}6".encode())
        piece = f'div data-n="7">{digits}'.encode()
        with pytest.raises(Mismatch, match=TOKEN):
            _tokens_out(piece, len(RUN.split(piece)), [])
    assert other_digits("7 comments".encode("utf-16"))  # not UTF-8: it may be one
    # the twins: other letters and signs are no digit
    for text in ["7 comments · éàü", "Читать далее", "²³ ½"]:
        assert not other_digits(text.encode())
        assert not says_too_much([], text.encode())
    piece = b'div data-n="7">12 comments'
    assert _tokens_out(piece, len(RUN.split(piece)), [[5, "n", 6]])


def _timed_page(seed: int, labels: list[str], paragraphs: list[str] = PARAGRAPHS) -> bytes:
    """A brief with no date of its own (no meta, no JSON-LD, no <time>): its published date
    is what htmldate reads on it.  Beside the article, a comments panel labels each reply
    with <span class="time">, a class htmldate reads dates from."""
    items = "".join(
        f'<li><a href="/c/{k}">Reader {k}</a> replied <span class="time">{label}</span></li>'
        for k, label in enumerate(labels)
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Grape harvest starts early | Daily Example</title>"
        f'<meta name="author" content="Jo Writer"><script src="/static/app.js?v={seed}a"></script>'
        f'</head><body><div class="js-comments-panel"><ul>{items}</ul></div>'
        "<article><h1>Grape harvest starts early</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + '</article><div class="site-bottom">Daily Example</div></body></html>'
    ).encode()


@pytest.fixture(scope="module")
def timed_template() -> str:
    found = learned(
        _timed_page(10, ["3 minutes ago", "8 minutes ago"]),
        _timed_page(11, ["4 minutes ago", "9 minutes ago", "1 minute ago"]),
    )
    assert not is_unlearnable(found), found
    return found


@pytest.mark.parametrize(
    "label",
    [
        "05.03.26",
        "on 5.3.26",
        "05/03/26",
        "05-03-26",
        "20260305",
        "2026-03-05",
        "5 March 2026",
        "March 5, 20261",
        "260305 12",
        '<span class="time">05</span>.<span class="time">03</span>.26',
    ],
)
def test_a_date_without_a_year_of_its_own_in_a_block_hole_falls_back(timed_template, label):
    """A label htmldate reads as a date (a two-digit year, a year glued to its month and day,
    a year glued to other digits, a date split across tags) fails the block's guard: the full
    extraction, which the fallback leads to, finds a published date the page did not have."""
    base = _timed_page(12, ["5 minutes ago", "9 minutes ago"])
    body = _timed_page(12, [label, "9 minutes ago"])
    assert check(base, timed_template) is None
    assert check(body, timed_template) == BLOCK
    assert extract_article(base, URL).published_at is None
    assert extract_article(body, URL).published_at is not None


@pytest.mark.parametrize(
    "label", ["12 minutes ago", "3 comments", "1,234 views", "1234 views", "18252 views"]
)
def test_plain_counts_in_a_timed_block_are_still_decided(timed_template, label):
    """The twins: ordinary counts in the same hole are chrome (tier 0 decides them, and the
    full extraction agrees: no date, the same article)."""
    body = _timed_page(12, [label, "9 minutes ago"])
    assert check(body, timed_template) is None
    base = extract_article(_timed_page(12, ["5 minutes ago", "9 minutes ago"]), URL)
    found = extract_article(body, URL)
    assert found.published_at is None
    assert found.content_hash == base.content_hash


def test_lxml_reads_every_named_reference_as_html_unescape_does():
    """The block guard refuses every ``&name`` :func:`html.unescape` reads as a reference and
    lets the others through as text: the parser the extraction uses must read none of those
    others as a character (a name with no ``;`` that is no legacy one, an unknown name, a
    legacy name run into letters or digits), in text as in a block."""
    from html.entities import html5

    from archive.extract.parse import parse_body

    cases = [f"&{name}{tail}" for name in html5 for tail in ("", "x", "7", ";")]
    cases += ["&foo;", "&upd;", "&ldquo", "&Afr", "&ampersand;", "&updated"]
    markup = "".join(f"<span>A{case}B</span>" for case in cases)
    tree = parse_body(f"<html><body><div>{markup}</div></body></html>".encode(), HTML)
    assert tree is not None
    read = [span.text_content() for span in tree.iter("span")]
    assert read == [unescape(f"A{case}B") for case in cases]


@pytest.mark.parametrize(
    "words",
    ["Modıfıed 5 March", "Ｕｐｄａｔｅｄ 5 March", "Poſted 5 March", "Publıshed 5 March"],
)
def test_look_alike_words_in_a_block_are_read_by_no_reader(template, words):
    """ "Updated" and its kin spelled with letters other than ASCII (dotless i, long s,
    fullwidth) pass the block guard, which needs ASCII; no reader of the extraction reads
    them as the word either (the update line's XPath takes ASCII letters only): the full
    extraction agrees with tier 0's "same"."""
    # in the heading's text
    said = MOST_READ.replace("</h2>", f" {words}</h2>")
    body = page(3).replace(MOST_READ.encode(), said.encode(), 1)
    assert check(body, template) is None
    assert extract_article(body, URL).content_hash == extract_article(page(3), URL).content_hash


def bare(chrome: str, title: str = "Army retakes Palmyra - News", logo: str = "") -> bytes:
    """The article on a page stating no byline, date or headline of its own but its <h1> and
    <title> (what the metadata readers then look for is in the page's chrome), with
    ``chrome`` before the article."""
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    logo = logo or '<a href="/">News</a>'
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title></head><body><header>{logo}"
        f"</header>{chrome}<main><article><h1>Army retakes Palmyra</h1>{body}</article></main>"
        "<footer><p>About us</p></footer></body></html>"
    ).encode()


# A token in an attribute a reader reads, its learned values harmless, its later one read:
# (chrome, the two learned values, the later value, the field it changes).
READ_ATTRIBUTES = {
    # trafilatura's author reader: a div with @id='author' (the id of a block named as chrome)
    "id_author": (
        '<div class="comment-count" id="{}"><a href="#comments">Join the discussion</a></div>',
        ("cc-a8f3k2", "cc-q7x1m9"),
        "author",
        "byline",
    ),
    # ... @data-testid='AuthorCard'
    "data_testid": (
        '<div data-testid="{}"><a href="/more">More from the newsroom</a></div>',
        ("rail-a8f3k2", "rail-q7x1m9"),
        "AuthorCard",
        "byline",
    ),
    # htmldate's examine_abbr_elements: data-utime, a Unix time
    "data_utime": (
        '<div class="discussion-bar">Last reply <abbr data-utime="{}">recently</abbr></div>',
        ("86400", "172800"),
        "1709640000",
        "published_at",
    ),
    # ... the title of an <abbr class="published">
    "abbr_title": (
        '<div class="discussion-bar">Thread <abbr class="published" title="{}">open</abbr></div>',
        ("pending-k3j2h1", "pending-m9x8q7"),
        "2024-03-05",
        "published_at",
    ),
}


def _learned_bare(old: bytes, new: bytes) -> str:
    _, fingerprint = extract_with_fingerprint(new, URL, content_type=HTML)
    return learn_with_fingerprint(old, new, HTML, fingerprint, url=URL, min_chars=DEFAULT_MIN_CHARS)


@pytest.mark.parametrize("name", sorted(READ_ATTRIBUTES))
def test_a_token_in_an_attribute_a_reader_reads_never_decides(name):
    """Only attributes no reader reads hold token holes (an allow-list), and a token in an id
    keeps its learned shape: the later value, which a metadata reader reads (a byline, a
    published time), is refused at learning or is a mismatch."""
    chrome, (old, new), later, field = READ_ATTRIBUTES[name]
    template = _learned_bare(bare(chrome.format(old)), bare(chrome.format(new)))
    body = bare(chrome.format(later))
    # the hazard is real: the full extraction of the later page reads another article
    base = extract_article(bare(chrome.format(old)), URL, content_type=HTML)
    assert getattr(extract_article(body, URL, content_type=HTML), field) != getattr(base, field)
    assert check(body, template) is not None


@pytest.mark.parametrize(
    ("value", "keeps"),
    [
        (b"ad-3f9a1c0b2e", True),
        (b"ad-deadbeef12", True),
        (b"author", False),
        (b"author12345", False),
        (b"ad-title1234", False),
        (b"ad-date12345", False),
        (b"ad-31", False),  # shorter than learned
        (b"ad-3f9a1c0b2e7", False),  # longer
        (b"ad-fcbaedcfab", False),  # no digit
    ],
)
def test_a_key_keeps_its_learned_shape(value, keeps):
    shape = key_shape([b"ad-3f9a1c0b2e", b"ad-77c1d0e9aa"])
    assert shape is not None
    assert keeps_shape(value, shape) is keeps


def test_an_id_spelling_a_word_is_learned_as_no_key():
    chrome = '<div class="comment-count" id="{}"><a href="#comments">Join</a></div>'
    old, new = bare(chrome.format("count-a8f3k2")), bare(chrome.format("count-q7x1m9"))
    assert _learned_bare(old, new).endswith("|token_shape")


# Chrome whose learned content a metadata reader reads: (chrome, learned, learned, later,
# the field it changes).
READ_BLOCKS = {
    # trafilatura's author reader: span[@class='username'] (the same name in both payloads)
    "username": (
        '<aside><h3>Most discussed</h3><ul><li><a href="/c/1">Palmyra thread</a> '
        '<span class="username">{}</span> <small>{} replies</small></li></ul></aside>',
        ("Alice Jones", "3"),
        ("Alice Jones", "4"),
        ("Mallory Smith", "5"),
        "byline",
    ),
    # trafilatura's title reader: an h1-h3 whose class holds "title" (a logo's <h1> beside
    # the article's, no og:title)
    "widget_title": (
        '<aside><h3 class="widget-title">{}</h3><ul><li><a href="/s/0">{}</a></li></ul></aside>',
        ("Most read", "Storm hits coast"),
        ("Most read", "Rates held"),
        ("Most shared", "Rates held"),
        "headline",
    ),
}


def _widget_page(chrome: str) -> bytes:
    title = "Syria: the desert city changes hands again"
    return bare(chrome, title=title, logo='<h1 class="logo">Daily Courier</h1>')


@pytest.mark.parametrize("name", sorted(READ_BLOCKS))
def test_a_block_a_metadata_reader_reads_is_no_hole(name):
    """The metadata readers run at learning on the page with every text of every block hole
    made a probe: a block whose probe they read (a byline, a headline) is no hole, whatever
    the guards' word list says."""
    chrome, one, two, later, field = READ_BLOCKS[name]
    make = _widget_page if name == "widget_title" else bare
    old, new, body = (make(chrome.format(*values)) for values in (one, two, later))
    base = extract_article(old, URL, content_type=HTML)
    assert getattr(extract_article(body, URL, content_type=HTML), field) != getattr(base, field)
    template = _learned_bare(old, new)
    assert template.endswith("|block_read"), template


def test_ordinary_chrome_is_still_learned_and_decided():
    """Twin: request-id and ad-slot data attributes, an ad slot's id, a CSRF hidden field, a
    cache-busted script and a most-read list without reader classes are holes: a later
    request is "same"; the article changed is a mismatch that the full extraction sees."""
    chrome = (
        '<div class="ad-slot" id="ad-{0}" data-request-id="req-{0}" data-ad-slot="{0}">'
        '<a href="/promo">Advertisement</a></div>'
        '<form class="search"><input type="hidden" name="csrf" value="{0}"></form>'
        '<script src="/static/app.js?v={0}"></script>'
        '<aside class="popular"><h3>Most read</h3><ol><li><a href="/s/{0}">{1}</a></li></ol>'
        "</aside>"
    )
    old = bare(chrome.format("3f9a1c0b2e", "Storm hits coast"))
    template = _learned_bare(old, bare(chrome.format("77c1d0e9aa", "Rates held")))
    assert not is_unlearnable(template), template
    base = extract_article(old, URL, content_type=HTML).content_hash
    later = bare(chrome.format("0c4d2e9f81", "Markets fall"))
    assert extract_article(later, URL, content_type=HTML).content_hash == base
    assert check(later, template) is None
    edited = later.replace(b"desert city of Palmyra", b"desert city of Raqqa", 1)
    assert extract_article(edited, URL, content_type=HTML).content_hash != base
    assert check(edited, template) is not None
