"""A builder of realistic article pages, written for the project: the tests and the benchmarks
serve them from a :class:`~scheduler.demo.site.LocalSite`.

``article_page`` wraps an article in page chrome (menus, related links, ads, a comment count,
a CSRF token, cache-busting script URLs, "N minutes ago" labels) that changes with ``seed``,
so that a test can serve the same article in different chrome on every request.

By default every chrome part in ``DEFAULT_VARY`` follows the seed.  ``vary`` picks the parts
that do (the others stay as at seed 0), so that a test can change one kind of chrome at a time;
``CHROME_KINDS`` lists them all, including the re-serialisations (``entities``, ``whitespace``)
and the ``menu`` and inline ``script`` variants that the default leaves alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from html import escape
from typing import Any

from scheduler.demo.chrome import FAMILIES, box

PARAGRAPHS = (
    "Government forces said on Thursday that they had taken back the desert city of Palmyra,"
    " three months after militants overran its defences in a surprise winter offensive.",
    "Engineers were clearing mines from the roads into the old town, a military spokesman said,"
    " and residents who fled in December were told not to return until the work was finished.",
    "The ruins of the Roman-era city, listed as a World Heritage site, were damaged during the"
    " months of occupation; satellite images published last month showed a collapsed facade.",
    "Archaeologists said it was too early to judge how much of the damage could be repaired,"
    " but that a survey team hoped to reach the site within weeks if security allowed.",
    "The city sits on a crossroads of desert highways, which is why both sides have fought over"
    " it so fiercely since the first assault two years ago.",
)


# Chrome parts that follow the seed; the default set is what ``article_page`` always varied.
DEFAULT_VARY = frozenset({"related", "ads", "cachebust", "comments", "ago", "csrf"})
# Boxes inside the article (``scheduler.demo.chrome``: sign-up, promo, ad, most read, embed,
# donation), after its second paragraph: a different one on every request, none on every third.
BOX_KINDS = tuple(f"box_{family}" for family in FAMILIES)
CHROME_KINDS = (
    "menu",  # navigation entries come and go ("Live: ..." items)
    "related",  # related / most-read lists rotate, with tracking parameters
    "ads",  # ad slot ids and ad labels
    "script",  # inline script state (page views, experiment buckets)
    "cachebust",  # cache-busting ?v= on script and stylesheet URLs
    "csrf",  # the newsletter form's CSRF token
    "comments",  # the comment count
    "ago",  # the "N minutes ago" label
    "entities",  # the same text re-serialised with character references
    "whitespace",  # the same markup re-indented and re-wrapped
    *BOX_KINDS,
)


@dataclass(frozen=True)
class Story:
    headline: str = "Army retakes Palmyra after three-month siege"
    byline: str = "Nadia Harrow"
    published: str = "2017-03-02T18:00:00+00:00"
    updated: str = "2017-03-02T22:43:00+00:00"
    description: str = "Government troops say they have recaptured the ancient city."
    paragraphs: tuple[str, ...] = PARAGRAPHS
    canonical: str | None = None
    amp: str | None = None
    extra_head: str = ""
    chrome: dict[str, Any] = field(default_factory=dict)

    def but(self, **changes: Any) -> Story:
        return replace(self, **changes)


def _text(value: str, seed: int, vary: frozenset[str]) -> str:
    """Escaped text; with ``entities`` varying, odd seeds use character references."""
    escaped = escape(value)
    if "entities" not in vary or seed % 2 == 0:
        return escaped
    escaped = escaped.replace("&#x27;", "&#39;").replace("&quot;", "&#34;")
    escaped = escaped.replace("&amp;", "&#38;")
    return escaped.encode("ascii", "xmlcharrefreplace").decode("ascii")


def _menu(seed: int, vary: frozenset[str]) -> str:
    items = ["Home", "World", "Politics", "Culture"]
    if "menu" in vary and seed % 2:
        items.insert(1, f"Live: count day {seed}")
    return "".join(f'<li><a href="/{i}">{escape(t)}</a></li>' for i, t in enumerate(items))


def article_page(story: Story, seed: int = 0, *, vary: frozenset[str] = DEFAULT_VARY) -> str:
    """The full HTML page for ``story``, with the chrome parts in ``vary`` following ``seed``."""
    page = _article_page(story, seed, vary)
    if "whitespace" in vary and seed % 2:
        page = page.replace("<p>", "\n    <p>\n      ").replace("</p>", "\n    </p>")
        page = page.replace(", ", ",\n        ")
    return page


def _article_page(story: Story, seed: int, vary: frozenset[str]) -> str:
    def at(kind: str) -> int:
        return seed if kind in vary else 0

    related = [
        "Oil prices slide for a third day",
        "Election count delayed in the north",
        "Floods close the coastal road",
        "Museum reopens after restoration",
        "Talks resume on the border crossing",
        "Drought warning for the valley",
    ]
    turn = at("related") % len(related)
    rotated = related[turn:] + related[:turn]
    links = "".join(
        f'<li><a href="/news/{i}?ref=rel{at("related")}">{escape(t)}</a></li>'
        for i, t in enumerate(rotated[:4])
    )
    blocks = [f"<p>{_text(p, seed, vary)}</p>" for p in story.paragraphs]
    for kind in BOX_KINDS:  # after the second paragraph, new on every request, or not there
        if kind in vary and seed % 3:
            made = box(kind.removeprefix("box_"), random.Random(f"{kind}:{seed}"))
            blocks.insert(min(2, len(blocks)), made)
    paragraphs = "\n".join(blocks)
    state = (
        f'<script>window.__STATE__ = {{"views": {at("script") * 37 + 1000}, '
        f'"bucket": "{"ab"[at("script") % 2]}"}};</script>'
    )
    ad_label = "Advertisement" if at("ads") % 2 == 0 else "Sponsored by Example Motors"
    canonical = (
        f'<link rel="canonical" href="{escape(story.canonical)}">' if story.canonical else ""
    )
    amp = f'<link rel="amphtml" href="{escape(story.amp)}">' if story.amp else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{_text(story.headline, seed, vary)} | The Meridian</title>
<meta property="og:title" content="{escape(story.headline)}">
<meta property="og:site_name" content="The Meridian">
<meta name="description" content="{escape(story.description)}">
<meta property="article:published_time" content="{story.published}">
<meta property="article:modified_time" content="{story.updated}">
<meta name="author" content="{escape(story.byline)}">
{canonical}{amp}{story.extra_head}
<script src="/static/app.js?v={at("cachebust") * 7919 % 100000}"></script>
<link rel="stylesheet" href="/static/site.css?v={at("cachebust") * 13}">
{state}
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "{escape(story.headline)}", "datePublished": "{story.published}",
"dateModified": "{story.updated}",
"author": {{"@type": "Person", "name": "{escape(story.byline)}"}}}}</script>
</head><body>
<header class="site-header"><nav class="main-nav"><ul>{_menu(seed, vary)}</ul></nav>
<div class="ad-slot" id="ad-{at("ads") * 31 % 997}">{ad_label}</div></header>
<main><article class="story">
<h1>{_text(story.headline, seed, vary)}</h1>
<p class="byline">By <span class="author">{escape(story.byline)}</span></p>
<time datetime="{story.updated}">Updated {story.updated}</time>
<div class="story-body">
{paragraphs}
</div>
</article>
<aside class="comments"><a href="#comments">{120 + at("comments") * 3} comments</a></aside>
<aside class="related"><h2>Most read</h2><ul>{links}</ul>
<p class="ago">{at("ago") % 59 + 1} minutes ago</p></aside>
</main>
<footer class="site-footer"><form class="newsletter" action="/subscribe" method="post">
<input type="hidden" name="csrf" value="tok{at("csrf") * 104729 % 1000003:07d}">
<input type="email" name="email"><button>Sign up</button></form>
<p>&copy; The Meridian</p></footer>
</body></html>"""


def serve(
    site: Any, path: str, story: Story, *, vary: frozenset[str] = DEFAULT_VARY, **kwargs: Any
) -> None:
    """Serve ``story`` at ``path`` with chrome (the parts in ``vary``) changing per request."""
    site.set_page(path, lambda n: article_page(story, n, vary=vary), **kwargs)


def serve_slow_pages(site: Any, count: int, delay_s: float) -> list[str]:
    """Serve ``count`` distinct stories at ``/slow/N``, each answered after ``delay_s``."""
    paths = [f"/slow/{n}" for n in range(count)]
    for n, path in enumerate(paths):
        story = Story(headline=f"Palmyra dispatch number {n}")
        site.set_page(path, lambda k, s=story: article_page(s, k), delay_s=delay_s)
    return paths
