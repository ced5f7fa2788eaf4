"""The one builder of page chrome (``scheduler.demo.chrome``): request chrome differs from one
request to the next and never touches the article, lands where it is meant to (not inside a
script), and is ASCII (``bench.cycle`` reads any page as Latin-1 around it); every family of
in-article box comes in each of its templates, in the page's language."""

from __future__ import annotations

import random
import re

import pytest

from scheduler.demo.chrome import (
    FAMILIES,
    SeededChrome,
    SiteChrome,
    box,
    dress,
    language,
    request_chrome,
)

ARTICLE = (
    "<article><h1>Harbour wall delayed</h1><p>The harbour authority said the work would begin"
    " in the spring.</p><p>Engineers found that the old wall had moved.</p></article>"
)
PAGE = (
    '<html lang="en"><head><title>Harbour</title><script src="/app.js"></script>'
    '<link rel="stylesheet" href="/site.css?x=1"></head><body>'
    '<script>var s = "</body>";</script>' + ARTICLE + "</body></html>"
)


def test_request_chrome_differs_per_request_and_keeps_the_article():
    one, two = dress(PAGE, "/news/1", 1), dress(PAGE, "/news/1", 2)
    assert one != two
    for page in (one, two):
        assert ARTICLE in page
        assert page.isascii()
        assert '<script>var s = "</body>";</script>' in page  # nothing inserted in the script
        assert page.index('class="most-read"') > page.index(ARTICLE)  # before the real </body>
        assert page.index('class="site-menu"') < page.index(ARTICLE)
        assert re.search(r'src="/app\.js\?v=[0-9a-f]{10}"', page)
        assert re.search(r'href="/site\.css\?v=[0-9a-f]{10}&x=1"', page)
    assert dress(PAGE, "/news/1", 1) == one  # a pure function of the page, key and request
    assert dress(PAGE, "/news/2", 1) != one
    # a string request number (bench.cycle's chrome token) varies the menu too
    menus = {"Live" in request_chrome("/news/1", f"t{n}").top for n in range(20)}
    assert menus == {True, False}


def test_inline_chrome_goes_where_asked_and_only_then():
    plain = dress(PAGE, "k", 3)
    assert 'class="related-links"' not in plain
    inline = dress(PAGE, "k", 3, inline_at=lambda page: page.index("<p>Engineers"))
    at = inline.index('<aside class="related-links">')
    assert inline.index("spring.</p>") < at < inline.index("<p>Engineers")
    assert dress(PAGE, "k", 3, inline_at=lambda page: None) == plain


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_comes_in_each_template(family):
    made = [box(family, random.Random(n)) for n in range(200)]
    assert len(set(made)) > 150
    classed = [m for m in made if 'class="' in m.split(">", 1)[0]]
    assert classed and len(classed) < len(made)  # bare boxes too: only structure tells
    if family == "embed":
        assert any("<iframe" in m for m in made) and any("<audio" in m for m in made)
    with pytest.raises(ValueError):
        box("weather", random.Random(1))


def test_boxes_speak_the_page_language():
    german = '<html lang="de-DE"><head></head><body></body></html>'
    assert language(german) == "de"
    assert language("<html><body></body></html>") == "en"
    assert language('<html lang="ja">') == "en"
    words = [box("donation", random.Random(n), "de") for n in range(20)]
    assert any("Journalismus" in w or "Unterstützen" in w for w in words)
    assert not any("Support independent" in w for w in words)


def test_seeded_chrome_varies_only_the_kinds_asked():
    base, other = SeededChrome(0, frozenset({"comments"})), SeededChrome(5, frozenset({"comments"}))
    assert base.comments() != other.comments()
    assert (base.menu(), base.related(), base.csrf()) == (
        other.menu(),
        other.related(),
        other.csrf(),
    )
    everything = SeededChrome(5, frozenset({"menu", "csrf"}))
    assert everything.menu() != base.menu() and everything.csrf() != base.csrf()


def test_site_chrome_follows_path_and_request():
    latest = [("/a", "A story"), ("/b", "B story")]
    pool = ("One", "Two", "Three", "Four", "Five")

    def parts(chrome: SiteChrome) -> tuple[str, ...]:
        return (chrome.footer(), chrome.tools(), chrome.sidebar(latest, pool, 3, 4))

    first, again = parts(SiteChrome("The Site", "/x", 1)), parts(SiteChrome("The Site", "/x", 1))
    assert first == again
    for other in (SiteChrome("The Site", "/x", 2), SiteChrome("The Site", "/y", 1)):
        assert all(a != b for a, b in zip(first, parts(other), strict=True))
