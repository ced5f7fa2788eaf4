"""A block hole that shrinks: its ancestors' text shrinks with it, and readers that read an
element's whole text decide by its length or by where it starts (the visible "Updated" line:
at most 80 characters and opening the text; htmldate: the first 52 characters of a date
candidate; trafilatura's author: under 120 characters), or by its equality with the
description (:func:`archive.extract.printed.printed_copies`).  Learning reads the page with
every block hole emptied as well as grown: a template whose check would admit a refetch the
full extraction reads otherwise is not kept.  Twins: the same share bar beside those elements,
not inside them, still decides a shrunk bar (shorter labels, as many items) "same", the full
extraction agreeing."""

from __future__ import annotations

from archive.errors import ExtractionError
from archive.extract.extractor import extract_article
from archive.extract.template import is_unlearnable
from tests.archive.river_template import CT, FLOOD, URL, checked, learned
from tests.archive.river_template import FLOOD_DESCRIPTION as D

BODY = "".join(f"<p>{p}</p>" for p in FLOOD)
DATED = (
    '<meta property="article:published_time" content="2025-03-01T09:00:00Z">'
    '<meta property="article:modified_time" content="2025-03-10T09:00:00Z">'
)


def _page(above: str, *, head: str = DATED, first: str = "") -> bytes:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>River report - News</title>{head}</head><body>"
        '<header><a href="/">News</a></header>'
        f"{above}<main><article><h1>River report</h1>{first}{BODY}</article></main>"
        "<footer><p>About us</p></footer></body></html>"
    ).encode()


def _outcome(body: bytes) -> str:
    try:
        return extract_article(body, URL, content_type=CT).content_hash
    except ExtractionError as exc:
        return f"refused: {exc}"


def _assert_caught(old: bytes, new: bytes, refetch: bytes, reason: str) -> None:
    """The refetch extracts to another article than the stored page, and tier 0 does not say
    "same": no template (for ``reason``)."""
    assert _outcome(old) == _outcome(new)
    assert _outcome(refetch) != _outcome(old)
    template = learned(old, new)
    assert is_unlearnable(template) or checked(refetch, template) is not None, template
    assert template.endswith(f"|{reason}"), template


def _assert_same(old: bytes, new: bytes, refetch: bytes) -> None:
    """A template is learned and decides the refetch "same", the full extraction agreeing."""
    assert _outcome(refetch) == _outcome(old) == _outcome(new)
    template = learned(old, new)
    assert not is_unlearnable(template), template
    assert checked(refetch, template) is None


def _links(labels: list[str]) -> str:
    return "".join(f'<li><a href="/share">{t}</a></li>' for t in labels)


_FIVE = ["Share on Facebook", "Share on X", "Share on LinkedIn", "Share by email", "Copy link"]
_FIVE_B = ["Share on Facebook", "Share on X", "Share on WhatsApp", "Share by email", "Copy link"]


def _update_line(labels: list[str], *, inside: bool) -> bytes:
    share = f'<nav class="share-links"><ul>{_links(labels)}</ul></nav>'
    if inside:
        return _page(f'<div class="story-meta">Updated 20 March 2025 {share}</div>')
    return _page(f'<div class="story-meta">Updated 20 March 2025</div>{share}')


def test_a_share_bar_shrinking_inside_an_update_line_is_no_same():
    """The line is read only at 80 characters or fewer: a shorter share bar makes its later
    day the article's ``updated_at``."""
    _assert_caught(
        _update_line(_FIVE, inside=True),
        _update_line(_FIVE_B, inside=True),
        _update_line(["Share"], inside=True),
        "block_emptied_read",
    )


def test_a_share_bar_shrinking_beside_an_update_line_is_same():
    _assert_same(
        _update_line(_FIVE, inside=False),
        _update_line(_FIVE_B, inside=False),
        _update_line(["Share", "X", "In", "Mail", "Copy"], inside=False),
    )


_ICON = '<li><a href="/s/fb"><img src="/i/fb.svg" alt="Facebook">Share</a></li>'
_ICONS = '<li><a href="/s/x"><img src="/i/x.svg" alt="X">Share</a></li>' + _ICON
_BARE = '<li><a href="/s/fb"><img src="/i/fb.svg" alt="Facebook"></a></li>'


def _line_after(share: str, *, inside: bool) -> bytes:
    bar = f'<nav class="share-links"><ul>{share}</ul></nav>'
    if inside:
        return _page(f'<div class="story-meta">{bar} Updated 20 March 2025</div>')
    return _page(f'{bar}<div class="story-meta">Updated 20 March 2025</div>')


def test_share_labels_becoming_icons_before_an_update_line_is_no_same():
    """The line is read only when the element's text opens with it: labels that become
    icons (``alt`` is a free value, not text) open it."""
    _assert_caught(
        _line_after(_ICON, inside=True),
        _line_after(_ICONS, inside=True),
        _line_after(_BARE, inside=True),
        "block_emptied_read",
    )


def test_share_labels_becoming_icons_above_an_update_line_is_same():
    _assert_same(
        _line_after(_ICON, inside=False),
        _line_after(_ICONS, inside=False),
        _line_after(_BARE, inside=False),
    )


def _undated(labels: list[str], *, inside: bool) -> bytes:
    bar = f'<nav class="share-links"><ul>{_links(labels)}</ul></nav>'
    meta = f'<div class="post-meta">{bar} 5 March 2025</div>'
    if not inside:
        meta = f'{bar}<div class="post-meta">5 March 2025</div>'
    return _page(meta, head="")


_THREE = ["Share on Facebook", "Share on LinkedIn", "Share by email"]
_THREE_B = ["Share on Facebook", "Share on WhatsApp", "Share by email"]


def test_a_share_bar_shrinking_in_a_date_candidate_is_no_same():
    """htmldate reads the first 52 characters of a date candidate's text: a shorter bar
    brings the day in, and an undated page gains a ``published_at``."""
    _assert_caught(
        _undated(_THREE, inside=True),
        _undated(_THREE_B, inside=True),
        _undated(["Share"], inside=True),
        "block_emptied_read",
    )


def test_a_share_bar_shrinking_beside_a_date_candidate_is_same():
    _assert_same(
        _undated(_THREE, inside=False),
        _undated(_THREE_B, inside=False),
        _undated(["Share", "WhatsApp", "Mail"], inside=False),
    )


_NETS = [
    "Facebook", "X", "LinkedIn", "WhatsApp", "Reddit", "Pinterest", "Telegram", "Email",
    "Threads", "Bluesky", "Mastodon", "Flipboard", "Messenger", "Tumblr", "Discord",
]  # fmt: skip


def _byline(nets: list[str], *, inside: bool) -> bytes:
    bar = f'<nav class="share-links"><ul>{_links(nets)}</ul></nav>'
    if inside:
        return _page(f'<div class="byline">Jane Doe {bar}</div>')
    return _page(f'<div class="byline">Jane Doe</div>{bar}')


def test_a_share_bar_shrinking_in_a_byline_is_no_same():
    """trafilatura takes a byline element's text under 120 characters: with one share item
    left the page gains a byline (two probe words per text slot kept it too long)."""
    _assert_caught(
        _byline(_NETS[:14], inside=True),
        _byline(_NETS[1:15], inside=True),
        _byline(_NETS[:1], inside=True),
        "block_emptied_read",
    )


def test_a_share_bar_shrinking_beside_a_byline_is_same():
    _assert_same(
        _byline(_NETS[:14], inside=False),
        _byline(_NETS[1:15], inside=False),
        _byline([net[:2] for net in _NETS[:14]], inside=False),
    )


def _intro(share: str, *, inside: bool, lead: str = D) -> bytes:
    bar = f'<nav class="share-links"><ul>{share}</ul></nav>'
    intro = f'<div class="intro">{lead}{bar}</div>'
    if not inside:
        intro = f'<div class="intro">{lead}</div>{bar}'
    head = f'<meta name="description" content="{D}">{DATED}'
    return _page(intro, head=head, first=f"<p>{D}</p>")


def test_share_labels_becoming_icons_in_an_intro_printing_the_description_is_no_same():
    """The intro ``<div>`` comes to read exactly the description: the page prints it twice,
    and the standfirst echo at the article's top is kept (a paragraph more).  The metadata
    evidence binds the count of printed copies: the emptied reading gives another."""
    _assert_caught(
        _intro(_ICON, inside=True),
        _intro(_ICONS, inside=True),
        _intro(_BARE, inside=True),
        "block_emptied_read",
    )


def test_a_share_bar_completing_the_description_in_an_intro_is_no_same():
    """Not only at the empty end: a block whose words complete the intro's text to the
    description (a length between the learned ones and none) makes it a printed copy too."""
    half = "Emergency shelters opened as the river burst"
    rest = "its banks after three days of rain."

    def page(label: str) -> bytes:
        return _intro(f'<li><a href="/s">{label}</a></li>', inside=True, lead=half)

    _assert_caught(page("Share"), page("Share this"), page(rest), "block_in_printed_copy")


def test_share_labels_becoming_icons_in_an_intro_saying_more_than_the_description_is_same():
    """The intro holds more than the description whatever its share bar holds: no copy."""
    more = f"{D} Live coverage below."
    _assert_same(
        _intro(_ICON, inside=True, lead=more),
        _intro(_ICONS, inside=True, lead=more),
        _intro(_BARE, inside=True, lead=more),
    )
