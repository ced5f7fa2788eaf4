"""The demo's developing story, rendered as the pages of an invented outlet, round by round.

"The Daily Meridian" covers the recapture of Palmyra (March 2017) in ``ROUNDS`` rounds. Between
rounds the articles change the way real ones do — headlines, timestamps, bylines, paragraphs
added, changed, removed and moved, a correction note — and in the last round two pages change
only their chrome. Within a round, every request gets different chrome (rotating most-read
list, ad slot ids, comment count, CSRF token, cache-busting script URLs, "N minutes ago"
labels) while the ``<article>`` stays byte-identical. The chrome is a pure function of the
path, the round and the request number: no clock, no randomness.

Rounds are numbered from 1 to ``ROUNDS``. The words live in ``story_text``; this module owns
the markup and the API, and :class:`scheduler.demo.chrome.SiteChrome` the chrome's. It must
not import ``archive`` or ``crawler``.

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

from scheduler.demo.chrome import SiteChrome
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


# -- the page around it (its chrome, different on every request: scheduler.demo.chrome) -------


def _page(r: Round, path: str, k: int, head: str, main: str) -> str:
    chrome = SiteChrome(SITE_NAME, path, k)
    nav = _NAV + (_NAV_FROM_ROUND_5 if r.number >= 5 else ())
    latest = [(p, a.headline) for p, a in r.articles.items() if p != path]
    tools = chrome.tools() if main.startswith("<article") else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{head}"
        f"{chrome.assets(r.number)}"
        "</head>\n<body>\n"
        f"{chrome.header(edition=_EDITIONS[r.number - 1], nav=nav, banner=r.banner)}\n"
        f'<main class="page">\n{main}\n{tools}\n'
        f"{chrome.sidebar(latest, _MOST_READ_POOL, _MOST_READ_SHOWN, _LATEST_SHOWN)}\n</main>\n"
        f"{chrome.footer()}\n"
        f"{chrome.page_view()}\n"
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
