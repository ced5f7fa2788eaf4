"""The one builder of page chrome, written for the project: what news sites change on every
request outside the article (menus, ad slots, comment counts, CSRF tokens, request ids,
cache-busting asset URLs, "most read" lists with "N minutes ago" labels) and the boxes they put
*inside* it (newsletter sign-ups, "read more" promos, sponsored ad slots, "most read" lists,
podcast and video embeds, donation appeals).

Everything here is a pure function of its arguments: the randomness is seeded by the caller
(``key`` and request number ``n``, or a ``random.Random``), so a page is reproducible and a
different request gets different chrome.  The words live in :mod:`scheduler.demo.chrome_text`
(in seven languages for the boxes); this module owns the markup.  Users:

* :mod:`scheduler.demo.pages` (the crawl tests' pages) takes its chrome from
  :class:`SeededChrome`, one kind of chrome at a time if asked (``CHROME_KINDS``), boxes
  inside the article included;
* :mod:`scheduler.demo.story` (the demo site) takes its header, sidebar, tools and footer,
  with their ids, tokens, counts and rotating lists, from :class:`SiteChrome`;
* ``bench.edits`` and ``bench.cycle`` dress real corpus pages with :func:`dress` (request
  chrome around and inside the article) and :func:`box`.

It must not import ``archive`` or ``crawler``.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from scheduler.demo.chrome_text import BOX_STORIES, REQUEST_STORIES, TEXTS

__all__ = [
    "BOX_KINDS",
    "CHROME_KINDS",
    "DEFAULT_VARY",
    "FAMILIES",
    "RequestChrome",
    "SeededChrome",
    "SiteChrome",
    "box",
    "cachebust",
    "dress",
    "insert",
    "language",
    "opaque_spans",
    "request_chrome",
    "token",
]


def token(*parts: object, length: int = 16) -> str:
    """A deterministic random-looking token for ids, CSRF values and build numbers."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:length]


# -- inserting into a served page ------------------------------------------------------------

_OPAQUE = re.compile(
    r"<!--.*?-->|<(script|style|noscript|template|textarea|pre)\b[^>]*>.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_BODY_START = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)
_ASSET = re.compile(
    r"""(<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*["'][^"'?#>]+\.(?:js|css))(["'?])""",
    re.IGNORECASE,
)


def opaque_spans(page: str) -> list[tuple[int, int]]:
    """Comments, scripts, styles and other raw-text elements: never edited as text."""
    return [m.span() for m in _OPAQUE.finditer(page)]


def inside(spans: Sequence[tuple[int, int]], start: int) -> bool:
    return any(a <= start < b for a, b in spans)


def insert(
    page: str, where: re.Pattern[str], text: str, *, after: bool = False, last: bool = False
) -> tuple[str, int]:
    """``text`` before (or after) the first (or last) match of ``where`` outside scripts."""
    spans = opaque_spans(page)
    found = [m for m in where.finditer(page) if not inside(spans, m.start())]
    if not found:
        return page, 0
    m = found[-1] if last else found[0]
    at = m.end() if after else m.start()
    return page[:at] + text + page[at:], 1


# -- request chrome: around the article, new on every request --------------------------------


@dataclass(frozen=True)
class RequestChrome:
    """The chrome of one request: ``head`` goes before ``</head>``, ``top`` after ``<body>``,
    ``bottom`` before ``</body>``, ``inline`` between two paragraphs of the article, and
    ``digest`` onto the asset URLs (:func:`cachebust`)."""

    digest: str
    head: str
    top: str
    bottom: str
    inline: str


def request_chrome(key: str, n: object) -> RequestChrome:
    """The chrome of request ``n`` of the page ``key``: a site menu (with a "Live" entry on
    even requests), leaderboard and inline ad slots, CSRF and request-id tokens, a most-read
    list with "N minutes ago" labels, a related-links box, a comment count and an inline
    script's state, all following the seed ``(key, n)``."""
    rng = random.Random(f"chrome:{key}:{n}")
    digest = hashlib.sha1(f"{key}:{n}".encode(), usedforsecurity=False).hexdigest()[:10]
    stories = rng.sample(REQUEST_STORIES, 4)
    count = rng.randint(3, 4000)
    head = (
        f'<meta name="csrf-token" content="{digest}">'
        f'<meta name="request-id" content="req-{digest}">'
    )
    live = n % 2 == 0 if isinstance(n, int) else int(digest, 16) % 2 == 0
    menu_items = ["News", "Sport", "Business", "Culture"] + (["Live"] if live else [])
    top = (
        '<nav class="site-menu"><ul>'
        + "".join(f'<li><a href="/{m.lower()}?ref={digest}">{m}</a></li>' for m in menu_items)
        + f'</ul></nav><div class="ad-slot ad-leaderboard" id="ad-{digest}">'
        f'<a href="/promo?c={digest}">Advertisement</a></div>'
    )
    most_read = "".join(
        f'<li><a href="/story/{digest}-{k}">{escape(s)}</a> '
        f'<span class="ago">{rng.randint(2, 59)} minutes ago</span></li>'
        for k, s in enumerate(stories)
    )
    bottom = (
        f'<aside class="most-read"><h2>Most read</h2><ol>{most_read}</ol></aside>'
        f'<div class="comment-count" data-n="{count}">{count} comments</div>'
        f'<form class="newsletter"><input type="hidden" name="csrf" value="{digest}">'
        '<input type="email" name="email"><button>Sign up</button></form>'
        f'<script>window.__state={{"csrf":"{digest}","views":{count * 13}}};</script>'
    )
    inline = (
        '<aside class="related-links"><h3>Related</h3><ul>'
        + "".join(
            f'<li><a href="/story/{digest}-r{k}">{escape(s)}</a></li>'
            for k, s in enumerate(stories[:2])
        )
        + f'</ul></aside><div class="ad-slot ad-inline" data-slot="{digest}">'
        "<span>Advertisement</span></div>"
    )
    return RequestChrome(digest, head, top, bottom, inline)


def cachebust(page: str, digest: str) -> str:
    """``page`` with ``?v=digest`` on its script and stylesheet URLs."""
    return _ASSET.sub(
        lambda m: m.group(1) + f"?v={digest}" + ("&" if m.group(2) == "?" else m.group(2)),
        page,
    )


def dress(
    page: str, key: str, n: object, *, inline_at: Callable[[str], int | None] | None = None
) -> str:
    """``page`` as served on request ``n``: asset URLs cache-busted, the request chrome of
    :func:`request_chrome` after ``<body>``, before ``</body>`` and in the head, and its inline
    boxes at the offset ``inline_at`` finds in the cache-busted page (between two paragraphs of
    the article; left out when it finds none or is not given)."""
    chrome = request_chrome(key, n)
    page = cachebust(page, chrome.digest)
    at = inline_at(page) if inline_at is not None else None
    if at is not None:
        page = page[:at] + chrome.inline + page[at:]
    page, _ = insert(page, _HEAD_END, chrome.head)
    page, _ = insert(page, _BODY_START, chrome.top, after=True)
    page, _ = insert(page, _BODY_END, chrome.bottom, last=True)
    return page


# -- in-article boxes: between two paragraphs, different on every call -----------------------
#
# Sites vary these per request (A/B tests, rotation), so ``box(family, rng, lang)`` gives a
# different box on every call: the markup is one of several templates (named by class and ARIA
# role as CMSs do, or bare: only its structure says what it is), and the words, stories and
# numbers rotate.  Texts exist in English, German, French, Spanish, Italian, Portuguese and
# Russian; other languages get the English ones.


@dataclass(frozen=True)
class _Family:
    """How a family of boxes is made: ``words`` are drawn in order (``"key"`` picks one text of
    ``TEXTS[lang][key]`` into the field of that name, ``"key:a,b,c"`` picks one of the two
    consecutive triples of ``key`` into fields ``a``, ``b``, ``c``, ``"length"`` draws a
    running time); then one of the ``variants`` (drawn with ``rng.random()`` when there are
    several), each a pair of templates (bare, classed) over the fields."""

    words: tuple[str, ...]
    variants: tuple[tuple[str, str], ...]


_FORM = (
    '<form action="/newsletter?src={tag}" method="post">'
    '<input type="email" name="email" placeholder="you@example.com">'
    '<input type="hidden" name="t" value="{tag}"><button type="submit">{button}</button></form>'
)
_IFRAME = '<iframe src="https://player.example/embed/{tag}" allowfullscreen></iframe>'
_AUDIO = '<audio controls src="https://audio.example/ep{tag}.mp3"></audio>'

_FAMILIES: dict[str, _Family] = {
    "newsletter": _Family(
        ("newsletter:heading,pitch,button",),
        (
            (
                "<div><h3>{heading}</h3><p>{pitch}</p>" + _FORM + "</div>",
                '<div class="newsletter-signup inline-signup" data-variant="{tag3}">'
                "<h3>{heading}</h3><p>{pitch}</p>" + _FORM + "</div>",
            ),
        ),
    ),
    "promo": _Family(
        ("promo",),
        (
            (
                '<p><strong>{promo}:</strong> <a href="/story/{tag}">{story}</a></p>',
                '<aside class="related-content read-more" role="complementary">'
                "<h4>{promo}</h4><ul>{links}</ul></aside>",
            ),
        ),
    ),
    "ad": _Family(
        ("ad", "ad_pitch"),
        (
            (
                '<div data-ad-slot="{tag}"><span>{ad}</span>'
                '<p>{ad_pitch} <a href="https://ads.example/c?{tag}">{pitch_word}</a></p></div>',
                '<div class="ad-container sponsored" id="div-gpt-ad-{tag}" aria-label="{ad}">'
                '<span class="ad-label">{ad}</span><p>{ad_pitch}</p></div>',
            ),
        ),
    ),
    "most_read": _Family(
        ("most_read",),
        (
            (
                "<div><h3>{most_read}</h3><ol>{items}</ol></div>",
                '<section class="most-popular widget"><h3>{most_read}</h3><ol>{items}</ol>'
                "</section>",
            ),
        ),
    ),
    "embed": _Family(
        ("embed", "length"),
        (
            (
                "<figure>" + _IFRAME + "<figcaption>{caption}</figcaption></figure>",
                '<figure class="video-embed media-player">' + _IFRAME + ""
                "<figcaption>{caption}</figcaption></figure>",
            ),
            (
                "<div>" + _AUDIO + "<p>{caption}</p></div>",
                '<div class="podcast-embed">' + _AUDIO + "<p>{caption}</p></div>",
            ),
        ),
    ),
    "donation": _Family(
        ("donation:heading,appeal,button",),
        (
            (
                "<div><p><strong>{heading}</strong></p><p>{appeal}</p>"
                '<p><a href="/support?via=inline-{tag}">{button}</a></p></div>',
                '<div class="contribution-appeal" data-epic="{tag5}"><h3>{heading}</h3>'
                '<p>{appeal}</p><a class="button button--cta" href="/support?via={tag}">'
                "{button}</a></div>",
            ),
        ),
    ),
}

FAMILIES = tuple(_FAMILIES)


def language(page: str) -> str:
    """The two-letter language of a page's ``<html lang>``, when boxes exist for it."""
    head = page[:4000].lower()
    at = head.find("<html")
    if at >= 0:
        tag = head[at : head.find(">", at)]
        for lang in TEXTS:
            if f'lang="{lang}' in tag or f"lang='{lang}" in tag or f"lang={lang}" in tag:
                return lang
    return "en"


def box(family: str, rng: random.Random, lang: str = "en") -> str:
    """One in-article box of ``family`` (one of ``FAMILIES``), different on every call."""
    if family not in _FAMILIES:
        raise ValueError(f"unknown family {family!r}")
    spec = _FAMILIES[family]
    texts = TEXTS.get(lang, TEXTS["en"])
    tag = rng.randrange(1_000_000)
    stories = rng.sample(BOX_STORIES, 5)
    bare = rng.random() < 0.4  # no telling class names: only the structure says what it is
    fields = {
        "tag": str(tag),
        "tag3": str(tag % 3),
        "tag5": str(tag % 5),
        "story": escape(stories[0]),
        "links": "".join(
            f'<li><a href="/story/{tag}-{k}?ref=inline">{escape(s)}</a></li>'
            for k, s in enumerate(stories[:3])
        ),
        "items": "".join(
            f'<li><a href="/story/{tag}-{k}">{escape(s)}</a></li>' for k, s in enumerate(stories)
        ),
    }
    for word in spec.words:
        if word == "length":
            fields["length"] = f"{rng.randint(1, 9)}:{rng.randint(10, 59)}"
        elif ":" in word:
            key, names = word.split(":")
            k = rng.choice((0, 3))
            fields.update(zip(names.split(","), map(escape, texts[key][k : k + 3]), strict=True))
        else:
            fields[word] = escape(rng.choice(texts[word]))
    if "ad_pitch" in fields:
        fields["pitch_word"] = fields["ad_pitch"].split()[0]
    if "length" in fields:
        fields["caption"] = f"{fields['embed']}: {fields['story']} ({fields['length']})"
    variants = spec.variants
    variant = variants[0] if len(variants) == 1 else variants[int(rng.random() * len(variants))]
    return variant[0 if bare else 1].format_map(fields)


# -- seeded chrome: one kind at a time, for the crawl tests' pages --------------------------

# Chrome parts that follow the seed; the default set is what ``article_page`` always varied.
DEFAULT_VARY = frozenset({"related", "ads", "cachebust", "comments", "ago", "csrf"})
# Boxes inside the article (``box``: sign-up, promo, ad, most read, embed, donation), after its
# second paragraph: a different one on every request, none on every third.
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
_RELATED = (
    "Oil prices slide for a third day",
    "Election count delayed in the north",
    "Floods close the coastal road",
    "Museum reopens after restoration",
    "Talks resume on the border crossing",
    "Drought warning for the valley",
)


@dataclass(frozen=True)
class SeededChrome:
    """The chrome of request ``seed``: each kind of ``CHROME_KINDS`` in ``vary`` follows the
    seed, the others stay as at seed 0, so that a test can change one kind at a time."""

    seed: int
    vary: frozenset[str] = DEFAULT_VARY

    def at(self, kind: str) -> int:
        return self.seed if kind in self.vary else 0

    def text(self, value: str) -> str:
        """Escaped text; with ``entities`` varying, odd seeds use character references."""
        escaped = escape(value)
        if "entities" not in self.vary or self.seed % 2 == 0:
            return escaped
        escaped = escaped.replace("&#x27;", "&#39;").replace("&quot;", "&#34;")
        escaped = escaped.replace("&amp;", "&#38;")
        return escaped.encode("ascii", "xmlcharrefreplace").decode("ascii")

    def reflow(self, page: str) -> str:
        """``page``, re-indented and re-wrapped on odd seeds when ``whitespace`` varies."""
        if "whitespace" in self.vary and self.seed % 2:
            page = page.replace("<p>", "\n    <p>\n      ").replace("</p>", "\n    </p>")
            page = page.replace(", ", ",\n        ")
        return page

    def menu(self) -> str:
        items = ["Home", "World", "Politics", "Culture"]
        if "menu" in self.vary and self.seed % 2:
            items.insert(1, f"Live: count day {self.seed}")
        return "".join(f'<li><a href="/{i}">{escape(t)}</a></li>' for i, t in enumerate(items))

    def related(self) -> str:
        """Four of the related stories, rotated, with a tracking parameter."""
        turn = self.at("related") % len(_RELATED)
        rotated = _RELATED[turn:] + _RELATED[:turn]
        return "".join(
            f'<li><a href="/news/{i}?ref=rel{self.at("related")}">{escape(t)}</a></li>'
            for i, t in enumerate(rotated[:4])
        )

    def with_boxes(self, blocks: list[str]) -> list[str]:
        """The article's blocks with the varying in-article boxes after the second one."""
        blocks = list(blocks)
        for kind in BOX_KINDS:  # new on every request, or not there
            if kind in self.vary and self.seed % 3:
                made = box(kind.removeprefix("box_"), random.Random(f"{kind}:{self.seed}"))
                blocks.insert(min(2, len(blocks)), made)
        return blocks

    def state_script(self) -> str:
        return (
            f'<script>window.__STATE__ = {{"views": {self.at("script") * 37 + 1000}, '
            f'"bucket": "{"ab"[self.at("script") % 2]}"}};</script>'
        )

    def assets(self) -> str:
        return (
            f'<script src="/static/app.js?v={self.at("cachebust") * 7919 % 100000}"></script>\n'
            f'<link rel="stylesheet" href="/static/site.css?v={self.at("cachebust") * 13}">'
        )

    def ad_slot(self) -> str:
        label = "Advertisement" if self.at("ads") % 2 == 0 else "Sponsored by Example Motors"
        return f'<div class="ad-slot" id="ad-{self.at("ads") * 31 % 997}">{label}</div>'

    def comments(self) -> str:
        return f'<a href="#comments">{120 + self.at("comments") * 3} comments</a>'

    def ago(self) -> str:
        return f'<p class="ago">{self.at("ago") % 59 + 1} minutes ago</p>'

    def csrf(self) -> str:
        return (
            f'<input type="hidden" name="csrf" value="tok{self.at("csrf") * 104729 % 1000003:07d}">'
        )


# -- the demo site's chrome: a pure function of the path and the request number -------------


def _rotate(items: Sequence[str], k: int, shown: int) -> list[str]:
    start = k % len(items)
    return [items[(start + i) % len(items)] for i in range(shown)]


@dataclass(frozen=True)
class SiteChrome:
    """The chrome of request ``k`` of page ``path`` on the site ``site`` (the demo's outlet):
    ad slot ids, the CSRF token, the comment count, the rotating "Latest" and "Most read"
    lists with their "N minutes ago" labels and the page-view id follow ``(path, k)``; no clock
    and no randomness."""

    site: str
    path: str
    k: int

    def _minutes_ago(self, i: int) -> int:
        return int(token(self.path, self.k, i, length=4), 16) % 50 + 2 + i * 2

    def assets(self, build: object) -> str:
        """Stylesheet and script links, cache-busted per ``build`` and request."""
        version = token("build", build, self.k, length=8)
        return (
            f'<link rel="stylesheet" href="/static/css/site.css?v={version}">\n'
            f'<script src="/static/js/app.js?v={version}" defer></script>\n'
        )

    def header(self, *, edition: str, nav: Sequence[str], banner: str) -> str:
        path, k = self.path, self.k
        items = "".join(
            f'<li><a href="/{escape(s.lower().replace(" ", "-"))}/">{escape(s)}</a></li>'
            for s in nav
        )
        return (
            '<header class="site-header">\n'
            f'<div class="ad-slot ad-leaderboard" id="ad-{token(path, k, "top", length=10)}" '
            'data-slot="leaderboard"><span class="ad-label">Advertisement</span></div>\n'
            f'<div class="masthead"><a class="logo" href="/">{self.site}</a>'
            f'<span class="edition-date">{edition}</span>'
            '<a class="subscribe-button" href="/subscribe">Subscribe from £1</a></div>\n'
            f'<nav class="main-nav" aria-label="Sections"><ul>{items}</ul></nav>\n'
            f'<div class="breaking-banner" role="alert">{escape(banner)}</div>\n'
            "</header>"
        )

    def sidebar(
        self,
        latest: Sequence[tuple[str, str]],
        pool: Sequence[str],
        most_read_shown: int,
        latest_shown: int,
    ) -> str:
        """ "Latest" (the site's other pages as ``(path, headline)``, rotated, topped up from
        ``pool``) and "Most read" (``pool`` rotated), and an ad slot."""
        path, k = self.path, self.k
        most_read = "".join(
            f'<li><a href="/news/{token(t, length=8)}">{escape(t)}</a></li>'
            for t in _rotate(pool, k, most_read_shown)
        )
        turn = k % len(latest)
        items = "".join(
            f'<li><a href="{p}">{escape(h)}</a> '
            f'<span class="ago">{self._minutes_ago(i)} minutes ago</span></li>'
            for i, (p, h) in enumerate([*latest[turn:], *latest[:turn]])
        )
        items += "".join(
            f'<li><a href="/news/{token(t, length=8)}">{escape(t)}</a> '
            f'<span class="ago">{self._minutes_ago(i + 9)} minutes ago</span></li>'
            for i, t in enumerate(_rotate(pool, k * 7 + 3, latest_shown - len(latest)))
        )
        return (
            '<aside class="sidebar" role="complementary">\n'
            f'<section class="related-links latest-news"><h2>Latest</h2><ul>{items}</ul>'
            "</section>\n"
            f'<section class="most-read"><h2>Most read</h2><ol>{most_read}</ol></section>\n'
            f'<div class="ad-slot ad-mpu" id="ad-{token(path, k, "mpu", length=10)}" '
            'data-slot="mpu"><span class="ad-label">Advertisement</span></div>\n'
            "</aside>"
        )

    def tools(self) -> str:
        comments = 140 + self.k * 3 + int(token(self.path, length=2), 16) % 40
        return (
            '<aside class="article-tools share-tools">'
            '<a class="share-facebook" href="#share">Share on Facebook</a> '
            '<a class="share-email" href="#email">Send by email</a> '
            f'<a class="comments-link" href="#comments">{comments} comments</a></aside>'
        )

    def footer(self) -> str:
        csrf = token("csrf", self.path, self.k, length=32)
        return (
            '<footer class="site-footer">\n'
            '<form class="newsletter-signup" action="/newsletter" method="post">'
            f'<input type="hidden" name="csrf_token" value="{csrf}">'
            "<label>The Morning Briefing, in your inbox before breakfast</label>"
            '<input type="email" name="email" placeholder="you@example.com">'
            "<button>Sign me up</button></form>\n"
            '<ul class="footer-links"><li><a href="/about">About us</a></li>'
            '<li><a href="/privacy">Privacy</a></li><li><a href="/terms">Terms</a></li></ul>\n'
            f'<p class="copyright">© 2017 {self.site}. All rights reserved.</p>\n'
            "</footer>"
        )

    def page_view(self) -> str:
        return f'<script>window.__pageView = "{token("pv", self.path, self.k)}";</script>'
