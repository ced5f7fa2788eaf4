"""Site rules: a block is no derived hole where trafilatura may take its place as the body.

Learning runs a worst-case probe (:mod:`archive.extract.template_probe`); derivation does not.
A "trending" box learned on article A beside ``div.post-content`` (trafilatura's body) is, on
article B of the same layout, inside that element.  B's box, stored at 8 teasers (under the
extractor's box size: dropped), rotates to 12 (within the derived cap): kept in the tree,
trafilatura reads it inside its body and the article gains the teasers as paragraphs.  The
judge now refuses a derived block that is, is inside or holds one of trafilatura's candidate
bodies on the stored page (:func:`archive.extract.template_site_judge.bodies`), screens body
names out of a derived vocabulary, and bounds a block dropped as a box on the stored page under
the box size.  Twins: the same box beside the body, rotated within its size, is still derived
and "same", and the full extraction agrees.
"""

from __future__ import annotations

from hashlib import sha256

from archive.extract import DEFAULT_MIN_CHARS
from archive.extract.extractor import extract_article, extract_with_fingerprint
from archive.extract.inline_chrome import MAX_BOX_CHARS
from archive.extract.template import BLOCK, DIGEST, TEXT_MARK, check, segments_of
from archive.extract.template_learn import learn_with_fingerprint
from archive.extract.template_site import Rules, derive_using, rules_of
from archive.extract.template_site_judge import read_values
from tests.archive.daily_story import BRIDGE, HARVEST

HTML = "text/html; charset=utf-8"
SITE = "https://daily.example"
A_URL, B_URL = SITE + "/news/bridge", SITE + "/news/harvest"
TOPICS = [
    "Mayor opens the new library on the old market square with a reading hour for children",
    "Storm warning for the coast as forecasters expect strong winds through the weekend",
    "Local team wins the cup in a dramatic final decided on penalties at the city stadium",
    "Rail strike called off after unions and operators agree on a new pay offer for staff",
    "School meals to be free for every pupil in the district from the start of next term",
    "Museum reopens after repairs to its roof with a new gallery of maritime paintings",
    "Ferry fares to rise for island residents as fuel costs push the operator into losses",
    "Park gets a new playground after neighbours raised funds over two years of bake sales",
    "Hospital wing opens with forty new beds and a larger emergency department for the city",
    "Harbour festival returns with tall ships, music on the quay and fireworks over the bay",
    "Cyclists welcome the new lane along the river path linking the suburbs to the centre",
    "Bakery on the high street celebrates a century of bread with free loaves for neighbours",
    "Students plant a thousand trees on the hillside above the town to restore the old forest",
]


def _page(headline: str, paragraphs: list[str], seed: int, box: str, *, inside: bool) -> bytes:
    v = sha256(str(seed).encode()).hexdigest()[:8]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    trending = f'<div class="trending"><ul>{box}</ul></div>'
    article = f'<article><h1>{headline}</h1><div class="copy">{body}</div></article>'
    main = (
        f'<div class="post-content">{trending}{article}</div>'
        if inside
        else f'{trending}<div class="post-content">{article}</div>'
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{headline} | Daily Example</title>"
        '<meta name="author" content="Jo Writer">'
        '<meta property="article:published_time" content="2024-05-01T09:00:00+00:00">'
        f'<script src="/static/app.js?v={v}"></script></head><body>'
        f'<nav class="menu"><a href="/">Home</a></nav>{main}'
        '<div class="site-bottom">Daily Example</div></body></html>'
    ).encode()


def _teasers(seed: int, n: int) -> str:
    topic = [TOPICS[(seed + k) % len(TOPICS)] for k in range(n)]
    return "".join(
        f'<li><a href="/news/{k}">Story {k}</a><span>{topic[k]}.</span></li>' for k in range(n)
    )


def _rules() -> Rules:
    """A's rules: its box beside the body, A a long report (its probe passes)."""
    long = [f"{p} (part {k})" for k in range(1, 6) for p in BRIDGE]
    a1 = _page("Harbour bridge closed", long, 1, _teasers(1, 12), inside=False)
    a2 = _page("Harbour bridge closed", long, 2, _teasers(2, 13), inside=False)
    _, fingerprint = extract_with_fingerprint(a2, A_URL)
    template = learn_with_fingerprint(
        a1, a2, HTML, fingerprint, url=A_URL, min_chars=DEFAULT_MIN_CHARS
    )
    assert "|none|" not in template, template
    rules = rules_of(template, a2)
    assert rules is not None and rules["b"]
    return rules


def _harvest(seed: int, teasers: int, *, inside: bool) -> bytes:
    return _page(
        "Grape harvest starts early", HARVEST, seed, _teasers(seed, teasers), inside=inside
    )


def _decided(old: bytes, new: bytes) -> tuple[bool, str | None, str | None]:
    """(tier 0 said "same", why not derived, the derived template) for B's refetch ``new``."""
    stored = extract_article(old, B_URL)
    fields = [stored.headline, stored.byline or "", stored.description or ""]
    template, why, _ = derive_using(
        _rules(), old, new, HTML, stored.paragraphs, fields, url=B_URL, min_chars=DEFAULT_MIN_CHARS
    )
    same = template is not None and (
        check(new, template, url=B_URL, content_type=HTML, min_chars=DEFAULT_MIN_CHARS) is None
    )
    return same, why, template


def _hash(body: bytes) -> str:
    return extract_article(body, B_URL).content_hash


def test_a_box_inside_the_body_on_this_page_is_no_derived_hole() -> None:
    """The review's pages: B's box inside ``div.post-content`` grows from 8 teasers to 12; the
    extraction gains them, tier 0 does not say "same" (the box's bytes stay fixed)."""
    old, new = _harvest(3, 8, inside=True), _harvest(5, 12, inside=True)
    assert _hash(new) != _hash(old)
    same, why, _ = _decided(old, new)
    assert not same
    # the box is fixed on B: even a rotation of its size is no match (extracted in full)
    same, why, _ = _decided(old, _harvest(4, 8, inside=True))
    assert not same and why == DIGEST


def test_a_box_beside_the_body_rotating_is_derived_and_same() -> None:
    """The twin: the same box beside the body on B, its 8 teasers rotated: derived, "same",
    and the full extraction agrees."""
    old, new = _harvest(3, 8, inside=False), _harvest(4, 8, inside=False)
    assert _hash(new) == _hash(old)
    same, why, template = _decided(old, new)
    assert same, why
    read = segments_of(template)
    assert read is not None
    blocks = [segment for segment in read[0] if segment[0] == "B"]
    # dropped as a box on the stored page: bounded there
    assert [f"{TEXT_MARK}{MAX_BOX_CHARS}" in b[4]["t"] for b in blocks] == [True]


def test_a_box_beside_the_body_grown_past_the_box_size_is_no_match() -> None:
    """Beside the body, B's box grown from 8 teasers to 12 passes the box size it was dropped
    under on the stored page: no match (a block), the page extracted in full."""
    old, new = _harvest(3, 8, inside=False), _harvest(5, 12, inside=False)
    same, why, _ = _decided(old, new)
    assert not same and why == BLOCK


def test_body_names_are_screened_out_of_a_derived_vocabulary() -> None:
    """A class trafilatura takes a body by (``post-content``, ``entry``) is no value a derived
    block's content may use; the twin, an item's class, stays."""
    values = ("div class=post-content", "div class=entry", "div class=item", "li class=entry")
    assert read_values(values) == {"div class=post-content", "div class=entry"}
