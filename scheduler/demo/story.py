"""The demo's developing story, rendered as the pages of an invented outlet, round by round.

"The Daily Meridian" covers the recapture of Palmyra (March 2017) in ``ROUNDS`` rounds. Between
rounds the articles change the way real ones do — headlines, timestamps, bylines, paragraphs
added, changed, removed and moved, a correction note — and in the last round two pages change
only their chrome. Within a round, every request gets different chrome (rotating most-read
list, ad slot ids, comment count, CSRF token, cache-busting script URLs, "N minutes ago"
labels) while the ``<article>`` stays byte-identical. The chrome is a pure function of the
path, the round and the request number: no clock, no randomness.

Rounds are numbered from 1 to ``ROUNDS``. The words live in ``story_text``; this module owns
the markup and the API. It must not import ``archive`` or ``crawler``.

Example::

    with LocalSite() as site:
        install_round(site, 1)
        ...  # crawl
        install_round(site, 2)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape

from scheduler.demo.chrome import token
from scheduler.demo.site import LocalSite
from scheduler.demo.story_text import (
    HERITAGE_PATH,
    LIVE_PATH,
    MAIN_PATH,
    ROUND_SUMMARIES,
    STATES,
    ArticleState,
    PageSpec,
)

__all__ = [
    "ARTICLE_PATHS",
    "HERITAGE_PATH",
    "INDEX_PATH",
    "LIVE_PATH",
    "MAIN_PATH",
    "ROBOTS_PATH",
    "ROBOTS_TXT",
    "ROUNDS",
    "SITE_NAME",
    "STORY",
    "ArticleState",
    "Round",
    "describe_round",
    "install_round",
    "pages_for_round",
]

SITE_NAME = "The Daily Meridian"
INDEX_PATH = "/"
ROBOTS_PATH = "/robots.txt"
ROBOTS_TXT = "User-agent: *\nAllow: /\n"
ARTICLE_PATHS: tuple[str, ...] = tuple(spec.path for spec in STATES)
ROUNDS = len(ROUND_SUMMARIES)

# Site-wide chrome that changes from round to round, not from request to request.
_BANNERS = (
    "Breaking: Syrian army advances on Palmyra",
    "Live: Syrian troops enter Palmyra",
    "Breaking: Army says Palmyra has been retaken",
    "Confirmed: Palmyra back in government hands",
    "Now: Specialists prepare to survey Palmyra's ruins",
)
_EDITIONS = (
    "Wednesday 1 March 2017",
    "Thursday 2 March 2017",
    "Thursday 2 March 2017",
    "Friday 3 March 2017",
    "Saturday 4 March 2017",
)
_NAV = ("World", "Middle East", "UK", "Business", "Culture", "Opinion", "Sport")
_NAV_FROM_ROUND_5 = ("Syria war",)
_MOST_READ_POOL = (
    "Harbour tunnel reopens after six-month repair",
    "Why rents in the old quarter keep climbing",
    "Ten recipes for the last of the winter greens",
    "Rail strike called off after late-night talks",
    "Museum returns bronze figures to Benin",
    "The quiet comeback of the fountain pen",
    "City marathon route changed for bridge works",
    "Scientists map the oldest known river delta",
    "Five things we learned from the budget",
)
_MOST_READ_SHOWN = 5
_LATEST_SHOWN = 4


@dataclass(frozen=True)
class Round:
    """One round of the story: the state of every article page."""

    number: int
    summary: str
    banner: str
    articles: dict[str, ArticleState]


STORY: list[Round] = [
    Round(
        number=i + 1,
        summary=ROUND_SUMMARIES[i],
        banner=_BANNERS[i],
        articles={spec.path: spec.states[i] for spec in STATES},
    )
    for i in range(ROUNDS)
]


def _round(n: int) -> Round:
    if not 1 <= n <= ROUNDS:
        raise ValueError(f"round must be between 1 and {ROUNDS}, got {n}")
    return STORY[n - 1]


def describe_round(n: int, played: int = ROUNDS) -> str:
    """One line for the demo's output, e.g. ``"Round 2/5 (2 Mar 2017 18:20 UTC): ..."``, when
    ``played`` rounds are played."""
    r = _round(n)
    latest = max(datetime.fromisoformat(a.modified) for a in r.articles.values())
    return f"Round {n}/{played} ({latest.day} {latest:%b %Y %H:%M} UTC): {r.summary}"


def pages_for_round(n: int, base_url: str = "") -> dict[str, Callable[[int], str]]:
    """Every HTML page of round ``n`` (index and articles) as functions of the request number.

    ``base_url`` (e.g. ``site.base_url``) makes the canonical and og:url links absolute.
    """
    r = _round(n)
    base = base_url.rstrip("/")
    pages: dict[str, Callable[[int], str]] = {INDEX_PATH: lambda k: _index_page(r, k, base)}
    for spec in STATES:
        pages[spec.path] = _article_renderer(r, spec, base)
    return pages


def install_round(site: LocalSite, n: int) -> None:
    """Put round ``n`` on ``site``: every page, with Last-Modified from the CMS timestamps."""
    r = _round(n)
    for path, render in pages_for_round(n, site.base_url).items():
        site.set_page(path, render, last_modified=_last_modified(r, path))
    site.set_page(
        ROBOTS_PATH,
        ROBOTS_TXT,
        content_type="text/plain; charset=utf-8",
        last_modified=datetime.fromisoformat(STATES[0].published),
    )


def _last_modified(r: Round, path: str) -> datetime:
    if path in r.articles:
        return datetime.fromisoformat(r.articles[path].modified)
    return max(datetime.fromisoformat(a.modified) for a in r.articles.values())


def _article_renderer(r: Round, spec: PageSpec, base: str) -> Callable[[int], str]:
    article = _article_html(spec, r.articles[spec.path])
    head = _article_head(spec, r.articles[spec.path], base + spec.path)
    return lambda k: _page(r, spec.path, k, head, article)


# -- the article (stable within a round) ---------------------------------------------------


def _human(iso: str) -> str:
    # Portable spelling of "%-I:%M %p GMT, %a %-d %B %Y" (the "-" flag is glibc-only).
    t = datetime.fromisoformat(iso)
    return f"{(t.hour - 1) % 12 + 1}:{t:%M %p} GMT, {t:%a} {t.day} {t:%B %Y}"


def _authors(byline: str) -> list[str]:
    names = byline.removeprefix("By ").split(",")[0]
    return [name.strip() for name in names.split(" and ")]


def _article_head(spec: PageSpec, a: ArticleState, url: str) -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.headline,
        "description": a.standfirst,
        "datePublished": spec.published,
        "dateModified": a.modified,
        "author": [{"@type": "Person", "name": n} for n in _authors(a.byline)],
        "publisher": {"@type": "Organization", "name": SITE_NAME},
        "articleSection": spec.section,
        "mainEntityOfPage": url,
    }
    ld_json = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
    t, d = escape(a.headline), escape(a.standfirst)
    return (
        f"<title>{t} | {SITE_NAME}</title>\n"
        f'<meta name="description" content="{d}">\n'
        f'<meta property="og:type" content="article">\n'
        f'<meta property="og:title" content="{t}">\n'
        f'<meta property="og:description" content="{d}">\n'
        f'<meta property="og:site_name" content="{SITE_NAME}">\n'
        f'<meta property="article:section" content="{escape(spec.section)}">\n'
        f'<meta property="article:published_time" content="{spec.published}">\n'
        f'<meta property="article:modified_time" content="{a.modified}">\n'
        f'<meta property="og:url" content="{url}">\n'
        f'<link rel="canonical" href="{url}">\n'
        f'<script type="application/ld+json">{ld_json}</script>\n'
    )


def _article_html(spec: PageSpec, a: ArticleState) -> str:
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in a.paragraphs)
    correction = (
        f'\n<p class="correction"><em>{escape(a.correction)}</em></p>' if a.correction else ""
    )
    return (
        '<article class="story" itemscope itemtype="https://schema.org/NewsArticle">\n'
        f'<h1 itemprop="headline">{escape(a.headline)}</h1>\n'
        f'<p class="standfirst">{escape(a.standfirst)}</p>\n'
        f'<p class="byline" rel="author">{escape(a.byline)}</p>\n'
        f'<p class="dateline">Published <time datetime="{spec.published}" itemprop='
        f'"datePublished">{_human(spec.published)}</time> · Updated <time datetime='
        f'"{a.modified}" itemprop="dateModified">{_human(a.modified)}</time></p>\n'
        f'<div class="story-body" itemprop="articleBody">\n{paragraphs}{correction}\n</div>\n'
        "</article>"
    )


# -- the chrome (different on every request) -----------------------------------------------


def _rotate(items: tuple[str, ...], k: int, shown: int) -> list[str]:
    start = k % len(items)
    return [items[(start + i) % len(items)] for i in range(shown)]


def _minutes_ago(path: str, k: int, i: int) -> int:
    return int(token(path, k, i, length=4), 16) % 50 + 2 + i * 2


def _header(r: Round, path: str, k: int) -> str:
    nav = _NAV + (_NAV_FROM_ROUND_5 if r.number >= 5 else ())
    items = "".join(
        f'<li><a href="/{escape(s.lower().replace(" ", "-"))}/">{escape(s)}</a></li>' for s in nav
    )
    return (
        '<header class="site-header">\n'
        f'<div class="ad-slot ad-leaderboard" id="ad-{token(path, k, "top", length=10)}" '
        'data-slot="leaderboard"><span class="ad-label">Advertisement</span></div>\n'
        f'<div class="masthead"><a class="logo" href="/">{SITE_NAME}</a>'
        f'<span class="edition-date">{_EDITIONS[r.number - 1]}</span>'
        '<a class="subscribe-button" href="/subscribe">Subscribe from £1</a></div>\n'
        f'<nav class="main-nav" aria-label="Sections"><ul>{items}</ul></nav>\n'
        f'<div class="breaking-banner" role="alert">{escape(r.banner)}</div>\n'
        "</header>"
    )


def _sidebar(r: Round, path: str, k: int) -> str:
    most_read = "".join(
        f'<li><a href="/news/{token(t, length=8)}">{escape(t)}</a></li>'
        for t in _rotate(_MOST_READ_POOL, k, _MOST_READ_SHOWN)
    )
    others = [(p, a.headline) for p, a in r.articles.items() if p != path]
    latest = "".join(
        f'<li><a href="{p}">{escape(h)}</a> '
        f'<span class="ago">{_minutes_ago(path, k, i)} minutes ago</span></li>'
        for i, (p, h) in enumerate(others[k % len(others) :] + others[: k % len(others)])
    )
    latest += "".join(
        f'<li><a href="/news/{token(t, length=8)}">{escape(t)}</a> '
        f'<span class="ago">{_minutes_ago(path, k, i + 9)} minutes ago</span></li>'
        for i, t in enumerate(_rotate(_MOST_READ_POOL, k * 7 + 3, _LATEST_SHOWN - len(others)))
    )
    return (
        '<aside class="sidebar" role="complementary">\n'
        f'<section class="related-links latest-news"><h2>Latest</h2><ul>{latest}</ul></section>\n'
        f'<section class="most-read"><h2>Most read</h2><ol>{most_read}</ol></section>\n'
        f'<div class="ad-slot ad-mpu" id="ad-{token(path, k, "mpu", length=10)}" '
        'data-slot="mpu"><span class="ad-label">Advertisement</span></div>\n'
        "</aside>"
    )


def _tools(path: str, k: int) -> str:
    comments = 140 + k * 3 + int(token(path, length=2), 16) % 40
    return (
        '<aside class="article-tools share-tools">'
        '<a class="share-facebook" href="#share">Share on Facebook</a> '
        '<a class="share-email" href="#email">Send by email</a> '
        f'<a class="comments-link" href="#comments">{comments} comments</a></aside>'
    )


def _footer(path: str, k: int) -> str:
    return (
        '<footer class="site-footer">\n'
        '<form class="newsletter-signup" action="/newsletter" method="post">'
        f'<input type="hidden" name="csrf_token" value="{token("csrf", path, k, length=32)}">'
        "<label>The Morning Briefing, in your inbox before breakfast</label>"
        '<input type="email" name="email" placeholder="you@example.com">'
        "<button>Sign me up</button></form>\n"
        '<ul class="footer-links"><li><a href="/about">About us</a></li>'
        '<li><a href="/privacy">Privacy</a></li><li><a href="/terms">Terms</a></li></ul>\n'
        f'<p class="copyright">© 2017 {SITE_NAME}. All rights reserved.</p>\n'
        "</footer>"
    )


def _page(r: Round, path: str, k: int, head: str, main: str) -> str:
    build = token("build", r.number, k, length=8)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{head}"
        f'<link rel="stylesheet" href="/static/css/site.css?v={build}">\n'
        f'<script src="/static/js/app.js?v={build}" defer></script>\n'
        "</head>\n<body>\n"
        f"{_header(r, path, k)}\n"
        f'<main class="page">\n{main}\n{_tools(path, k) if main.startswith("<article") else ""}\n'
        f"{_sidebar(r, path, k)}\n</main>\n"
        f"{_footer(path, k)}\n"
        f'<script>window.__pageView = "{token("pv", path, k)}";</script>\n'
        "</body>\n</html>\n"
    )


def _index_page(r: Round, k: int, base: str) -> str:
    cards = "\n".join(
        f'<li class="card"><a href="{path}">{escape(a.headline)}</a>'
        f'<p class="card-standfirst">{escape(a.standfirst)}</p></li>'
        for path, a in r.articles.items()
    )
    head = (
        f"<title>{SITE_NAME} – News from around the world</title>\n"
        f'<meta name="description" content="Latest news from {SITE_NAME}.">\n'
        f'<link rel="canonical" href="{base}/">\n'
    )
    main = f'<section class="front-page"><h1>Top stories</h1><ul>\n{cards}\n</ul></section>'
    return _page(r, INDEX_PATH, k, head, main)
