"""Tier 0's worst-case probe (:mod:`archive.extract.template_probe`): a template whose holes,
filled to their limits, change the stored page's article is not kept; chrome that rotates
beside an article of ordinary length still decides "same".  And a token in a ``<style>``
keeps its learned key shape."""

from __future__ import annotations

import pytest

from archive.extract.extractor import extract_article, extract_with_fingerprint
from archive.extract.template import BLOCK, check, is_unlearnable
from archive.extract.template_probe import PROBE_REASON

URL = "https://news.example/uk/flood-barriers-raised"
CT = "text/html; charset=utf-8"
MIN = 200
PARAS = [
    "Flood barriers on the River Test were raised overnight after heavy rain, the Environment"
    " Agency said, and two roads near Romsey were closed.",
    "Residents were told to move cars away from the water and to check the agency's flood map"
    " before travelling this morning.",
    "The agency said levels were expected to fall during the afternoon if the forecast for a"
    " drier spell held.",
]
# More of the same story: an article of ordinary length.
MORE = [
    "Crews from three counties worked through the night to fill sandbags at the depot, and"
    " volunteers carried them to the houses nearest the river before the water rose.",
    "The barriers, put up after the floods of ten winters ago, are raised a few times a year;"
    " the agency said they had held well and that no homes had been flooded so far.",
    "Buses were diverted around the closed roads, and the rail line along the valley ran a"
    " reduced service while engineers checked an embankment south of the station.",
    "Schools stayed open, though two asked parents to collect children early, and the council"
    " opened a rest centre in the sports hall for anyone who had to leave home.",
    "Farmers downstream said fields were under water again, the third time since autumn, and"
    " asked for the drainage ditches along the lower valley to be cleared sooner.",
]
HEADLINES = [
    "Storm closes coast road as crews work through the night",
    "Council votes on new budget after a long evening session",
    "School wins science prize for a rooftop weather station",
    "Rail strike called off after talks run late into evening",
    "Harbour gets new ferry able to carry four hundred people",
    "Museum reopens its doors after a two month refurbishment",
    "Farmers warn of losses as the wet spring delays planting",
    "Hospital opens new ward for older patients in the county",
]
TEASERS = [
    "Fallen trees blocked the road in three places, and the council expects it to stay shut for"
    " another day.",
    "Councillors agreed a rise in parking charges, a new bus route and more money for road"
    " repairs.",
    "Pupils built the station from spare parts, and it now sends readings to a national network.",
    "The union said members would meet on Friday to vote on the offer, which includes a pay rise.",
    "The vessel, built in Scotland, will carry cars, bikes and foot passengers to the island.",
    "The galleries have new lighting, a lift and a cafe, and entry stays free for local residents.",
    "Growers said fields were still too wet for tractors, and some crops would be planted late.",
    "The ward has fifty beds, a day room and a garden, and will open to patients next month.",
]


def _page(paragraphs: list[str], before: str = "", after: str = "", head: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Flood barriers raised - News</title>{head}"
        '<meta property="article:published_time" content="2025-03-01T09:00:00Z">'
        f'</head><body><header><a href="/">News</a></header>{before}'
        f"<main><article><h1>Flood barriers raised</h1>{body}</article></main>{after}"
        "<footer><p>About us</p></footer></body></html>"
    ).encode()


def _learn(old: bytes, new: bytes) -> str:
    from archive.extract.template_learn import learn_with_fingerprint

    assert _read(old) == _read(new)
    _, fingerprint = extract_with_fingerprint(new, URL, content_type=CT, min_chars=MIN)
    return learn_with_fingerprint(old, new, CT, fingerprint, url=URL, min_chars=MIN)


def _read(page: bytes) -> str:
    return extract_article(page, URL, content_type=CT, min_chars=MIN).content_hash


def _check(page: bytes, template: str) -> str | None:
    return check(page, template, url=URL, content_type=CT, min_chars=MIN)


def _trending(slug: str, rotate: int = 0, teasers: bool = False) -> str:
    order = HEADLINES[rotate:] + HEADLINES[:rotate]
    items = "".join(
        f'<div class="item"><a href="/news/{slug}-{i}-{h.lower().replace(" ", "-")}">{h}</a>'
        + (f" {TEASERS[i]}" if teasers else "")
        + "</div>"
        for i, h in enumerate(order)
    )
    return f'<div class="trending">{items}</div>'


def test_a_box_kept_under_the_box_limit_above_a_short_article_decides_no_teasers_same():
    # learned from two link lists (the extractor drops the box); a refetch with one teaser per
    # item (the same tags and values, within the growth cap) passes the box limit: the box
    # stays in the tree and readability takes it for the article.  The template bounds the
    # box's text, and the probe read the page with the text at that bound.
    old, new = (_page(PARAS, after=_trending(s)) for s in ("a8f3k2", "q7x1m9"))
    later = _page(PARAS, after=_trending("x", teasers=True))
    assert _read(later) != _read(old)
    template = _learn(old, new)
    assert not is_unlearnable(template), template
    assert _check(later, template) == BLOCK
    rotated = _page(PARAS, after=_trending("z4k1", rotate=3))
    assert _read(rotated) == _read(old)
    assert _check(rotated, template) is None


def test_a_rotating_most_read_box_beside_an_ordinary_article_still_decides_same():
    paragraphs = PARAS + MORE
    old, new = (_page(paragraphs, after=_trending(s)) for s in ("a8f3k2", "q7x1m9"))
    template = _learn(old, new)
    assert not is_unlearnable(template), template
    rotated = _page(paragraphs, after=_trending("z4k1", rotate=3))
    assert _read(rotated) == _read(old)
    assert _check(rotated, template) is None
    edited = _page([*paragraphs[:-1], "An edited last paragraph."], after=_trending("z4k1"))
    assert _check(edited, template) is not None


def _comments(entries: list[tuple[str, list[str]]], slug: str) -> str:
    strip = "".join(
        f'<div class="entry"><a href="/comments/{slug}{i}">{name}</a>'
        + "".join(f"<div>{line}</div>" for line in lines)
        + "</div>"
        for i, (name, lines) in enumerate(entries)
    )
    return f'<div class="reader-comments">{strip}</div>'


_LEARNED = [
    ("Sam Lowe", []),
    ("Ann Cole", ["Good news at last for the families, who have waited a long time to go back."]),
    ("Ravi Shah", ["I hope the barriers hold, the valley has seen enough water this winter."]),
    ("Jo Park", ["Very clear reporting, as always, and the pictures tell the story well."]),
]


def test_a_comments_strip_whose_first_entry_could_become_the_article_is_refused():
    # trafilatura's body expressions take the first class="entry" element: a bare link when
    # learned, lines in a refetch, on a short article
    old, new = (_page(PARAS, before=_comments(_LEARNED, s)) for s in ("a", "b"))
    lines = [f"Thank you, {w}, for covering the roads and the barriers so carefully." for w in "ab"]
    lines += [f"I hope the families can go home soon and the water falls, {w} said." for w in "ab"]
    later = _page(PARAS, before=_comments([("Sam Lowe", lines), *_LEARNED[1:]], "c"))
    assert _read(later) != _read(old)
    template = _learn(old, new)
    assert is_unlearnable(template) and template.endswith(PROBE_REASON)
    assert _check(later, template) is not None


def test_a_comments_strip_above_an_ordinary_article_still_decides_same():
    paragraphs = PARAS + MORE
    old, new = (_page(paragraphs, before=_comments(_LEARNED, s)) for s in ("a", "b"))
    template = _learn(old, new)
    assert not is_unlearnable(template), template
    later = _page(paragraphs, before=_comments([_LEARNED[0], *_LEARNED[:0:-1]], "c"))
    assert _read(later) == _read(old)
    assert _check(later, template) is None


_CARD = (
    "Nadia Harrow reports on the Middle East for The Meridian and has filed {} dispatches from"
    " Syria, Iraq and from Lebanon."
)


def test_a_count_that_could_move_a_length_gated_reader_is_refused():
    # the author reader takes a text of 3 to 119 characters: the card is longer with four
    # digits, short enough with one, and becomes the byline
    def page(count: str) -> bytes:
        return _page(
            PARAS, after=f'<aside><div class="author-card">{_CARD.format(count)}</div></aside>'
        )

    assert len(_CARD.format("1234")) > 119 >= len(_CARD.format("7"))
    assert _read(page("7")) != _read(page("1234"))
    template = _learn(page("1234"), page("1299"))
    assert is_unlearnable(template) and template.endswith(PROBE_REASON)
    assert _check(page("7"), template) is not None


@pytest.mark.parametrize(
    "strip",
    [
        '<nav class="site-stats"><p>{} readers shared this story</p></nav>',
        '<aside><div class="share-bar">{} readers shared this story</div></aside>',
    ],
)
def test_a_count_in_plain_chrome_still_decides_same(strip: str):
    def page(count: str) -> bytes:
        return _page(PARAS + MORE, after=strip.format(count))

    template = _learn(page("1234"), page("1299"))
    assert not is_unlearnable(template), template
    assert _check(page("7"), template) is None
    assert _check(page("54321"), template) is None


def _styled(run: str) -> bytes:
    return _page(PARAS, head=f"<style>.{run}{{display:none}}</style>")


def test_a_token_in_a_style_never_names_a_word():
    # a per-build class name is a hole, but ".story{display:none}" would hide the article
    # when the page is replayed
    template = _learn(_styled("m-a8f3k2"), _styled("m-q7x1m9"))
    assert not is_unlearnable(template), template
    assert _check(_styled("story"), template) is not None
    assert _check(_styled("m-z0c4e1"), template) is None


def test_a_token_in_a_style_with_no_key_shape_is_no_hole():
    assert is_unlearnable(_learn(_styled("m-abcdef"), _styled("m-ghijkl")))


def test_the_article_hash_given_by_the_caller_spares_the_stored_page_read():
    # the crawl's worker has just extracted the new payload: its hash stands for the stored
    # page's read, with the same template; a hash of another article refuses the template,
    # so the given hash is what the probe pages are held to
    from archive.extract.template_learn import learn_with_fingerprint

    paragraphs = PARAS + MORE
    old, new = (_page(paragraphs, after=_trending(s)) for s in ("a8f3k2", "q7x1m9"))
    _, fingerprint = extract_with_fingerprint(new, URL, content_type=CT, min_chars=MIN)

    def learned(article_hash: str | None) -> str:
        return learn_with_fingerprint(
            old, new, CT, fingerprint, url=URL, min_chars=MIN, article_hash=article_hash
        )

    plain = learned(None)
    assert not is_unlearnable(plain), plain
    assert learned(_read(new)) == plain
    other = _read(_page(paragraphs[:-1], after=_trending("a8f3k2")))
    refused = learned(other)
    assert is_unlearnable(refused) and refused.endswith(PROBE_REASON)
