"""A builder of realistic article pages, written for the project: the tests and the benchmarks
serve them from a :class:`~scheduler.demo.site.LocalSite`.

``article_page`` wraps an article in page chrome (menus, related links, ads, a comment count,
a CSRF token, cache-busting script URLs, "N minutes ago" labels) that changes with ``seed``,
so that a test can serve the same article in different chrome on every request.

The chrome is :class:`scheduler.demo.chrome.SeededChrome`: by default every chrome part in
``DEFAULT_VARY`` follows the seed.  ``vary`` picks the parts
that do (the others stay as at seed 0), so that a test can change one kind of chrome at a time;
``CHROME_KINDS`` lists them all, including the re-serialisations (``entities``, ``whitespace``)
and the ``menu`` and inline ``script`` variants that the default leaves alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from html import escape
from typing import Any

from scheduler.demo.chrome import DEFAULT_VARY, SeededChrome

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


def article_page(story: Story, seed: int = 0, *, vary: frozenset[str] = DEFAULT_VARY) -> str:
    """The full HTML page for ``story``, with the chrome parts in ``vary`` following ``seed``."""
    chrome = SeededChrome(seed, vary)
    blocks = chrome.with_boxes([f"<p>{chrome.text(p)}</p>" for p in story.paragraphs])
    paragraphs = "\n".join(blocks)
    canonical = (
        f'<link rel="canonical" href="{escape(story.canonical)}">' if story.canonical else ""
    )
    amp = f'<link rel="amphtml" href="{escape(story.amp)}">' if story.amp else ""
    return chrome.reflow(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{chrome.text(story.headline)} | The Meridian</title>
<meta property="og:title" content="{escape(story.headline)}">
<meta property="og:site_name" content="The Meridian">
<meta name="description" content="{escape(story.description)}">
<meta property="article:published_time" content="{story.published}">
<meta property="article:modified_time" content="{story.updated}">
<meta name="author" content="{escape(story.byline)}">
{canonical}{amp}{story.extra_head}
{chrome.assets()}
{chrome.state_script()}
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "{escape(story.headline)}", "datePublished": "{story.published}",
"dateModified": "{story.updated}",
"author": {{"@type": "Person", "name": "{escape(story.byline)}"}}}}</script>
</head><body>
<header class="site-header"><nav class="main-nav"><ul>{chrome.menu()}</ul></nav>
{chrome.ad_slot()}</header>
<main><article class="story">
<h1>{chrome.text(story.headline)}</h1>
<p class="byline">By <span class="author">{escape(story.byline)}</span></p>
<time datetime="{story.updated}">Updated {story.updated}</time>
<div class="story-body">
{paragraphs}
</div>
</article>
<aside class="comments">{chrome.comments()}</aside>
<aside class="related"><h2>Most read</h2><ul>{chrome.related()}</ul>
{chrome.ago()}</aside>
</main>
<footer class="site-footer"><form class="newsletter" action="/subscribe" method="post">
{chrome.csrf()}
<input type="email" name="email"><button>Sign up</button></form>
<p>&copy; The Meridian</p></footer>
</body></html>""")


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
