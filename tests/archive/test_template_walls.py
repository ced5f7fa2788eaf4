"""A block hole by a wall the wall guard reads (a paywall prompt, a consent overlay) is marked
(:mod:`archive.extract.template_walls`): its new content saying what such a wall's controls
say is a mismatch, since the full extraction may then refuse the page as that wall (learned
templates and derived ones)."""

from __future__ import annotations

from archive.errors import ExtractionError
from archive.extract import DEFAULT_MIN_CHARS
from archive.extract.extractor import extract_article, extract_with_fingerprint
from archive.extract.template import (
    CONSENT_MARK,
    PAYWALL_MARK,
    check,
    is_unlearnable,
    says_a_wall,
    segments_of,
)
from archive.extract.template_learn import learn_with_fingerprint
from archive.extract.template_site import derive
from tests.archive.river_template import URL as RIVER_URL
from tests.archive.river_template import checked, learned
from tests.archive.test_template_site import BRIDGE, DAILY, HARVEST, daily, daily_rules

URL = DAILY + "/news/bridge"
CT = "text/html; charset=utf-8"
A = "Harbour bridge closed"


def _offer(pitch: str, link: str) -> str:
    return (
        f'<div class="subscription-offer" role="dialog"><div>{pitch}</div>'
        f'<a href="/offer">{link}</a></div>'
    )


_FIRST = _offer("Get the morning briefing in your inbox each day", "Sign up")
_SECOND = _offer("Local news you can trust, from our reporters in the city", "Find out more")
_SUBSCRIBE = _offer("Stories from your neighbourhood, every single morning", "Subscribe")
_ROTATED = _offer("Stories from your neighbourhood, every single morning", "Read the latest")


def _outcome(body: bytes, url: str) -> str:
    try:
        return extract_article(body, url).content_hash
    except ExtractionError as exc:
        return f"refused: {exc}"


def _template(first: str, second: str) -> str:
    old, new = daily(A, BRIDGE, 1, before=first), daily(A, BRIDGE, 2, before=second)
    _, fingerprint = extract_with_fingerprint(new, URL, content_type=CT)
    return learn_with_fingerprint(old, new, CT, fingerprint, url=URL, min_chars=DEFAULT_MIN_CHARS)


def _check(body: bytes, template: str) -> str | None:
    return check(body, template, url=URL, content_type=CT, min_chars=DEFAULT_MIN_CHARS)


def test_a_paywall_control_in_a_block_by_a_paywall_is_a_mismatch():
    """A subscription-offer dialog beside a short article gains a "Subscribe" link: the full
    extraction refuses the page as a paywall, so the learned template's check is a mismatch.
    The twin: the pitch rotating with another link is the same article."""
    template = _template(_FIRST, _SECOND)
    assert not is_unlearnable(template)
    read = segments_of(template)
    assert read is not None
    marks = [segment[4]["t"] for segment in read[0] if segment[0] == "B"]
    assert marks and PAYWALL_MARK in marks[0] and CONSENT_MARK in marks[0]
    stored = _outcome(daily(A, BRIDGE, 1, before=_FIRST), URL)
    walled = daily(A, BRIDGE, 3, before=_SUBSCRIBE)
    assert _outcome(walled, URL).startswith("refused: paywall")
    assert _check(walled, template) == "block"
    rotated = daily(A, BRIDGE, 3, before=_ROTATED)
    assert _outcome(rotated, URL) == stored
    assert _check(rotated, template) is None


def test_a_derived_block_by_a_paywall_is_marked_on_its_own_page():
    """The same through a site's rules: article B's derived template marks the offer by its
    place on B's page, refuses the "Subscribe" link (the extraction refuses B as a paywall)
    and decides the pitch rotating."""
    rules_ = daily_rules(daily(A, BRIDGE, 1, before=_FIRST), daily(A, BRIDGE, 2, before=_SECOND))
    # A's marks are A's page's: a rule holds none, B's derivation marks its own
    assert rules_["b"] and all(
        {PAYWALL_MARK, CONSENT_MARK}.isdisjoint(r[5]["t"]) for r in rules_["b"]
    )
    b = "Grape harvest starts early"
    old = daily(b, HARVEST, 10, before=_FIRST)
    url = DAILY + "/news/harvest"
    walled = daily(b, HARVEST, 11, before=_SUBSCRIBE)
    assert _outcome(walled, url).startswith("refused: paywall")
    assert not _derived_same(rules_, old, walled, url)
    rotated = daily(b, HARVEST, 11, before=_ROTATED)
    assert _outcome(rotated, url) == _outcome(old, url)
    assert _derived_same(rules_, old, rotated, url)


def _derived_same(rules_: dict, old: bytes, new: bytes, url: str) -> bool:
    article = extract_article(old, url)
    fields = [article.headline, article.byline or "", article.description or ""]
    template, _ = derive(
        rules_, old, new, CT, article.paragraphs, fields, url=url, min_chars=DEFAULT_MIN_CHARS
    )
    return template is not None and (
        check(new, template, url=url, content_type=CT, min_chars=DEFAULT_MIN_CHARS) is None
    )


def _login(token: str) -> str:
    return (
        '<form class="login-box" method="post" action="/login">'
        f'<input type="hidden" name="csrf" value="{token}"><button>Log in</button></form>'
    )


def test_a_form_block_is_marked_for_consent_only_and_still_decides():
    """A sign-in form whose token changes per request is a block by a form (a consent overlay
    could be one): marked for consent, not as a paywall, so its "Log in" button still decides
    the same; a consent control in it is a mismatch."""
    template = _template(_login("a8f3k2x9q7"), _login("q7x1m9z4b2"))
    assert not is_unlearnable(template)
    read = segments_of(template)
    assert read is not None
    marks = [segment[4]["t"] for segment in read[0] if segment[0] == "B"]
    assert marks and CONSENT_MARK in marks[0] and PAYWALL_MARK not in marks[0]
    assert _check(daily(A, BRIDGE, 3, before=_login("m2k8w1p5z9")), template) is None
    consent = _login("m2k8w1p5z9").replace("Log in", "Accept cookies")
    assert _check(daily(A, BRIDGE, 3, before=consent), template) == "block"


def test_a_walls_words_are_read_in_any_case_across_tags_and_in_a_controls_attributes():
    """The screen reads a block's text across tags and a control's ``value``, ``aria-label``
    and ``title`` in any case (casefolded: the long s of "ſubscribe" too); the twin: a
    newsletter's "Sign up" says no paywall's control."""

    def said(content: bytes, marks: tuple[str, ...] = (PAYWALL_MARK,)) -> bool:
        pieces = content.split(b"<")
        return says_a_wall(pieces[1:], pieces[0], b"", b"", marks)

    assert said(b"<a href='/s'>SUB<b>SCRIBE</b></a>")
    assert said('<a href="/s">ſubscribe</a>'.encode())
    assert said(b'<input type="submit" value="Log in">')
    assert said(b'<a href="/s" aria-label="Sign in">Go</a>')
    assert not said(b'<a href="/s">Sign up</a>')
    assert not said(b'<a href="/s">Manage</a>')  # a consent control: not marked so
    assert said(b'<a href="/s">Manage</a>', (CONSENT_MARK,))


def test_a_controls_words_glued_to_the_text_before_and_turkish_capitals_are_read():
    """The guard reads each control alone and with ``re.IGNORECASE``: "Abo" glued to the
    text before it (minified pages) and "SİGN İN" (a dotted capital I, as a Turkish locale
    upper-cases "Sign in") are controls to it, and so to the screen; the twins: the same
    word inside a longer one, and a dotless "ı" where no control is spelt."""

    def said(content: bytes) -> bool:
        pieces = content.split(b"<")
        return says_a_wall(pieces[1:], pieces[0], b"", b"", (PAYWALL_MARK,))

    glued = "<span>Jederzeit monatlich kündbar</span><a href='/abo'>Abo</a>"
    assert said(glued.encode())
    assert not said("<span>Jederzeit monatlich kündbar</span><a href='/a'>Mehr</a>".encode())
    assert not said(b"<span>Read about</span><a href='/a'>Aboard</a>")
    assert said('<a href="/s">SİGN İN</a>'.encode())
    assert said('<a href="/s">sıgn ın</a>'.encode())
    assert not said('<a href="/s">SİGNAL</a>'.encode())


def _river(box: str, after: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in _RIVER)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>River report - News</title>"
        '<meta property="article:published_time" content="2025-03-01T09:00:00Z"></head><body>'
        f'<header><a href="/">News</a></header><main><article><h1>River report</h1>{body}'
        f"</article>{box}</main>{after}<footer><p>About us</p></footer></body></html>"
    ).encode()


_RIVER = (
    "The river rose by two metres overnight after three days of heavy rain across the valley, "
    "and the town council opened its emergency shelters at the school and the sports hall.",
    "Residents of the lower streets were told to move their cars to higher ground before dawn, "
    "while volunteers filled sandbags outside the fire station until late in the evening.",
    "Forecasters expect the rain to ease by the weekend, though the river may not fall back "
    "below its banks for several days, and farmers fear for the crops in the flooded fields.",
)


def _free_stories(token: str, name: str = "piano") -> str:
    return (
        f'<div class="{name}"><span>You are reading one of your free stories this month. Enjoy'
        f' the rest of the site too.</span><input type="hidden" name="csrf" value="{token}">'
        "<button>More stories</button></div>"
    )


def test_a_hidden_fields_token_in_a_paywall_prompt_is_no_hole():
    """The wall guard reads an ``<input>``'s value as a control's words: a CSRF token in a box
    named as a paywall prompt, beside a short article, that comes to read "m2k8LoGin5p3" makes
    the full extraction refuse the page as a paywall.  Such a value is no token place."""
    old, new = _river(_free_stories("a8f3k2x9q1w7")), _river(_free_stories("q7x1m9z4e2r5"))
    walled = _river(_free_stories("m2k8LoGin5p3"))
    assert _outcome(old, RIVER_URL) == _outcome(new, RIVER_URL)
    assert _outcome(walled, RIVER_URL).startswith("refused: paywall")
    template = learned(old, new)
    assert is_unlearnable(template) or checked(walled, template) is not None
    assert template.endswith("token_in_wall")


def test_a_hidden_fields_token_in_a_plain_box_is_still_a_hole():
    """The twin: the same field in a box the guard reads no wall in is a token hole, and the
    token spelling "LoGin" there changes nothing (the extraction agrees)."""
    old, new = (_river(_free_stories(t, "more-stories")) for t in ("a8f3k2x9q1w7", "q7x1m9z4e2r5"))
    other = _river(_free_stories("m2k8LoGin5p3", "more-stories"))
    assert _outcome(other, RIVER_URL) == _outcome(old, RIVER_URL) == _outcome(new, RIVER_URL)
    template = learned(old, new)
    assert not is_unlearnable(template), template
    assert checked(other, template) is None


def _campaign(token: str, text: str) -> bytes:
    # (a paragraph in the form: no block hole, so the value is a token place)
    form = f'<form class="promo"><p>{text}</p><input type="hidden" name="c" value="{token}"></form>'
    return _river("", form)


def test_a_hidden_fields_token_in_a_form_speaking_of_consent_is_no_hole():
    """A form is a consent overlay to the guard when two of its controls say a consent
    control's words and its text speaks of consent: a token could be the second control."""
    old, new = (_campaign(t, "Your privacy matters") for t in ("a8f3k2x9", "q7x1m9z4"))
    assert learned(old, new).endswith("token_in_wall")


def test_a_hidden_fields_token_in_a_plain_form_is_still_a_hole():
    """The twin: a form whose text says nothing of consent is never a consent overlay to the
    guard, whatever its fields' values: a token there is a hole, decided the same."""
    old, new = (_campaign(t, "Offers for readers") for t in ("a8f3k2x9", "q7x1m9z4"))
    other = _campaign("Accept12", "Offers for readers")
    assert _outcome(other, RIVER_URL) == _outcome(old, RIVER_URL)
    template = learned(old, new)
    assert not is_unlearnable(template), template
    assert checked(other, template) is None
