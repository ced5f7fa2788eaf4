"""A builder of realistic article pages for the crawl tests, written for the project.

``article_page`` wraps an article in page chrome (menus, related links, ads, a comment count,
a CSRF token, cache-busting script URLs, "N minutes ago" labels) that changes with ``seed``,
so that a test can serve the same article in different chrome on every request.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from html import escape
from typing import Any

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


def article_page(story: Story, seed: int = 0) -> str:
    """The full HTML page for ``story``, with chrome that varies with ``seed``."""
    related = [
        "Oil prices slide for a third day",
        "Election count delayed in the north",
        "Floods close the coastal road",
        "Museum reopens after restoration",
        "Talks resume on the border crossing",
        "Drought warning for the valley",
    ]
    rotated = related[seed % len(related) :] + related[: seed % len(related)]
    links = "".join(
        f'<li><a href="/news/{i}?ref=rel{seed}">{escape(t)}</a></li>'
        for i, t in enumerate(rotated[:4])
    )
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in story.paragraphs)
    canonical = (
        f'<link rel="canonical" href="{escape(story.canonical)}">' if story.canonical else ""
    )
    amp = f'<link rel="amphtml" href="{escape(story.amp)}">' if story.amp else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(story.headline)} | The Meridian</title>
<meta property="og:title" content="{escape(story.headline)}">
<meta property="og:site_name" content="The Meridian">
<meta name="description" content="{escape(story.description)}">
<meta property="article:published_time" content="{story.published}">
<meta property="article:modified_time" content="{story.updated}">
<meta name="author" content="{escape(story.byline)}">
{canonical}{amp}{story.extra_head}
<script src="/static/app.js?v={seed * 7919 % 100000}"></script>
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "{escape(story.headline)}", "datePublished": "{story.published}",
"dateModified": "{story.updated}",
"author": {{"@type": "Person", "name": "{escape(story.byline)}"}}}}</script>
</head><body>
<header class="site-header"><nav class="main-nav"><ul><li><a href="/">Home</a></li>
<li><a href="/world">World</a></li><li><a href="/politics">Politics</a></li>
<li><a href="/culture">Culture</a></li></ul></nav>
<div class="ad-slot" id="ad-{seed * 31 % 997}">Advertisement</div></header>
<main><article class="story">
<h1>{escape(story.headline)}</h1>
<p class="byline">By <span class="author">{escape(story.byline)}</span></p>
<time datetime="{story.updated}">Updated {story.updated}</time>
<div class="story-body">
{paragraphs}
</div>
</article>
<aside class="comments"><a href="#comments">{120 + seed * 3} comments</a></aside>
<aside class="related"><h2>Most read</h2><ul>{links}</ul>
<p class="ago">{seed % 59 + 1} minutes ago</p></aside>
</main>
<footer class="site-footer"><form class="newsletter" action="/subscribe" method="post">
<input type="hidden" name="csrf" value="tok{seed * 104729 % 1000003:07d}">
<input type="email" name="email"><button>Sign up</button></form>
<p>&copy; The Meridian</p></footer>
</body></html>"""


def serve(site: Any, path: str, story: Story, **kwargs: Any) -> None:
    """Serve ``story`` at ``path`` with chrome that changes on every request."""
    site.set_page(path, lambda n: article_page(story, n), **kwargs)
