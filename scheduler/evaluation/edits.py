"""Edit detection on real pages: secret CMS-style edits between two crawls, in changing chrome.

The benchmark ``python -m bench.edits --out bench/results/edits.json [--seed N] [--pages N]``
and the gate ``tests/test_edit_quality.py`` both run this module (see docs/decisions.md).

Every page of ``../shared/data/article-extraction-benchmark`` (181 real article pages and their
human-annotated ``articleBody``) is edited in its raw HTML the way a newsroom CMS re-renders a
story, one trial per edit:

* ``headline``: one word of the headline rewritten consistently in ``<title>``, every title-like
  ``<meta>`` (``og:title``, ``twitter:title``...), the headline ``<h1>`` and JSON-LD
  ``headline``, wherever each is present;
* ``updated``: the page's modified time moved (``article:modified_time`` and other modified
  ``<meta>``, JSON-LD ``dateModified``, ``itemprop=dateModified``, ``<time>`` elements marked as
  updated), in each value's own format; a page with none gets one the way CMSs add it
  (``article:modified_time`` in the head, and ``dateModified`` in its JSON-LD article node);
* ``byline``: the author's name replaced in ``<meta>`` author tags, JSON-LD and the visible
  byline elements (class, ``rel`` or ``itemprop`` naming an author or byline, or an author-page
  link) where present; a page naming no author gets one in ``<meta name=author>`` and JSON-LD;
* ``paragraph_added`` / ``paragraph_removed`` / ``paragraph_moved``: one article paragraph
  (a ``<p>`` whose text is in the ground-truth ``articleBody``) added after, removed, or moved
  at least two places away;
* ``paragraph_changed`` (``changed_words``: two or three words replaced; ``changed_sentence``: a
  sentence rewritten, or one appended where no sentence stands alone in a text node);
* ``multi``: two to four of the above at once;
* ``added_by_box``: a new paragraph right before or after an in-article box (below) that
  rotates between the two requests (the box family depends on the page);

and, which must give no new version:

* ``chrome``: only the chrome differs (it does in every trial: version A is served with chrome
  token 1, version B with token 2: ad slots, an in-article ad and related-links box, a "Most
  read" list with "N minutes ago", comment counters, CSRF tokens, cache-busting asset URLs, a
  menu that gains an item);
* ``chrome_newsletter``, ``chrome_promo``, ``chrome_ad``, ``chrome_most_read``,
  ``chrome_embed``, ``chrome_donation``: on top of that, a box of one family inside the
  article (``scheduler.demo.chrome``: a sign-up box with a form, a "read more" promo, an ad slot
  with sponsored text, a "most read" list, a podcast or video embed with its caption, a
  donation appeal; named by class or bare, in the page's language), different on each
  request, between other paragraphs, and on one request in six not there;
* ``layout_whitespace``, ``layout_attributes``, ``layout_entities``, ``layout_wrappers``:
  whitespace re-flowed, attributes in reverse order, characters re-serialised as other
  entities, paragraphs wrapped in ``<div>`` and given extra classes;

and, for the fast path (``ADVERSARIAL_TRIALS``: edits just outside the article's paragraphs,
which the full extraction may or may not read; scored on their own, never as real or null
trials): ``outside_note`` (a correction note in a new block after the article's),
``outside_text_after`` (text written directly in a new ``<div>`` there),
``outside_filled_block`` and ``outside_filled_body_block`` (an existing, empty block after the
article's, or at the end of ``<body>``, filled with a correction sentence), ``outside_updated_line``
(a visible "Updated" line above the article, moved a day), ``outside_author_card`` (a byline
only in an author card above it, replaced), ``outside_footer_date`` (a date only in a footer
block, moved) and ``outside_meta_headline`` (the headline changed only in ``og:title``,
``twitter:title`` and JSON-LD).

Positions and words come from a seeded RNG per (seed, page, trial).  Each trial runs
``extract_article`` on both served pages and ``compare`` in process (as
``scheduler.evaluation.quality`` does); the kinds redline reports are scored against the kinds
applied, per kind, as precision and recall over trials.  Results keep page ids, kinds and
short reasons only.  The pages are dressed by ``scheduler.demo.chrome``; nothing here writes
files or starts processes.
"""

from __future__ import annotations

import gzip
import hashlib
import html as htmllib
import json
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from html.entities import codepoint2name, name2codepoint
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archive.diff import compare
from archive.errors import ExtractionError
from archive.extract import DEFAULT_MIN_CHARS, Article, extract_article
from archive.extract.extractor import extract_with_fingerprint, same_article
from scheduler.demo.chrome import (
    FAMILIES,
    box,
    dress,
    insert,
    language,
    opaque_spans,
    request_chrome,
)
from scheduler.demo.chrome import inside as _inside
from scheduler.evaluation import CORE_KINDS, ratio, tally
from scheduler.evaluation.tier0 import (
    Rules,
    check_template,
    derive_template,
    learn_template,
    site_rules_of,
)

BENCHMARK = "article-extraction-benchmark"
DEFAULT_SEED = 20261122

#: The kinds scored, and the ones the acceptance test names.
SCORED = (*CORE_KINDS, "paragraph_moved")
GATED = tuple(kind for kind in SCORED if kind != "paragraph_moved")
REAL_TRIALS = (
    "headline",
    "updated",
    "byline",
    "paragraph_added",
    "paragraph_removed",
    "changed_words",
    "changed_sentence",
    "paragraph_moved",
    "multi",
    "added_by_box",
)
#: Chrome-only trials with a box of one family inside the article (``scheduler.demo.chrome``).
BOX_TRIALS = tuple(f"chrome_{family}" for family in FAMILIES)
NULL_TRIALS = (
    "chrome",
    *BOX_TRIALS,
    "layout_whitespace",
    "layout_attributes",
    "layout_entities",
    "layout_wrappers",
)
#: Edits just outside what a naive fingerprint of the article's paragraphs covers, for the fast
#: path (:mod:`archive.extract.fastpath`): each may or may not change what the full extraction
#: reads; where it does, the fast path must not call page B unchanged.  Neither real nor null
#: trials: they are left out of the kinds' scores and counted on their own.
ADVERSARIAL_TRIALS = (
    "outside_note",
    "outside_updated_line",
    "outside_author_card",
    "outside_footer_date",
    "outside_meta_headline",
    "outside_text_after",
    "outside_filled_block",
    "outside_filled_body_block",
)
TRIALS = REAL_TRIALS + NULL_TRIALS + ADVERSARIAL_TRIALS

# A <p> is an article paragraph when its text is in the ground truth and at least this long.
MIN_PARAGRAPH_CHARS = 40

# --- raw HTML scanning ---------------------------------------------------------------------------

_P = re.compile(r"<p\b([^>]*)>(.*?)</p\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
_WS = re.compile(r"[ \t\n\r\f]+")
_WORD = re.compile(r"(?<![\w'’-])[^\W\d_]{4,}(?![\w'’-])")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]?\s+[\"'“‘(]?[A-Z]")
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_BODY_START = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)
_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'=<>`]+))?""")
_LDJSON = re.compile(
    r"(<script\b[^>]*ld\+json[^>]*>)(.*?)(</script\s*>)", re.IGNORECASE | re.DOTALL
)
_TITLE = re.compile(r"(<title\b[^>]*>)(.*?)(</title\s*>)", re.IGNORECASE | re.DOTALL)
_H1 = re.compile(r"(<h1\b[^>]*>)(.*?)(</h1\s*>)", re.IGNORECASE | re.DOTALL)
_HEADLINE_ELEMENT = re.compile(r"(<(\w+)\b[^>]*>\s*)([^<]{10,}?)(\s*</\2\s*>)")
# How far after the headline a visible byline may stand, in characters of HTML.
BYLINE_REACH = 3000
_SHORT_ELEMENT = re.compile(r"(<(\w+)\b[^>]*>\s*)([^<]{3,80}?)(\s*</\2\s*>)")
_START_TAG = re.compile(
    r"<([A-Za-z][\w:-]*)((?:\s+[^\s=/>\"']+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*)"
    r"\s*(/?)>"
)


def plain(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(htmllib.unescape(_TAG.sub(" ", fragment)).split())


def norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def attributes(tag: str) -> dict[str, str]:
    """Lower-cased attribute names to unescaped values, for one start tag."""
    inner = re.sub(r"^<\s*[\w:-]+|/?>$", "", tag)
    found: dict[str, str] = {}
    for match in _ATTR.finditer(inner):
        value = match.group(2) or ""
        if value[:1] in {'"', "'"}:
            value = value[1:-1]
        found.setdefault(match.group(1).lower(), htmllib.unescape(value))
    return found


@dataclass(frozen=True)
class Para:
    """One article ``<p>`` in the raw HTML."""

    start: int
    end: int
    open_attrs: str
    inner: str
    text: str  # normalised visible text


def article_paragraphs(page: str, truth: set[str], body: str) -> list[Para]:
    """``<p>`` elements whose text is a ground-truth paragraph (or a long part of one)."""
    spans = opaque_spans(page)
    found = []
    for match in _P.finditer(page):
        inner = match.group(2)
        if _inside(spans, match.start()) or re.search(r"<(p|div|section)\b", inner, re.I):
            continue
        text = norm(plain(inner))
        if len(text) < MIN_PARAGRAPH_CHARS:
            continue
        if text in truth or (len(text) >= 2 * MIN_PARAGRAPH_CHARS and text in body):
            found.append(Para(match.start(), match.end(), match.group(1), inner, text))
    return found


# --- text the edits write --------------------------------------------------------------------

_NOUNS = (
    "council",
    "ministry",
    "committee",
    "agency",
    "company",
    "court",
    "union",
    "board",
    "department",
    "commission",
    "regulator",
    "campaign",
    "hospital",
    "university",
    "panel",
)
_VERBS = (
    "review",
    "delay",
    "expand",
    "suspend",
    "publish",
    "challenge",
    "fund",
    "revise",
    "extend",
)
_OBJECTS = (
    "proposal",
    "inquiry",
    "budget",
    "contract",
    "programme",
    "investigation",
    "plan",
    "agreement",
    "report",
    "schedule",
    "policy",
    "settlement",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WHEN = (
    "next month",
    "before the end of the year",
    "within weeks",
    "later this week",
    "in the spring",
    "by the autumn",
)
_SWAP = (
    "quietly",
    "sharply",
    "officials",
    "residents",
    "morning",
    "evening",
    "northern",
    "southern",
    "federal",
    "regional",
    "private",
    "public",
    "senior",
    "former",
    "several",
    "critics",
    "analysts",
    "lawmakers",
    "investors",
    "voters",
    "insiders",
    "unusual",
)
_FIRST = ("Alex", "Jordan", "Morgan", "Taylor", "Casey", "Robin", "Jamie", "Avery", "Quinn")
_LAST = (
    "Hargreave",
    "Okonkwo",
    "Lindqvist",
    "Moreau",
    "Castellano",
    "Brennan",
    "Nakamura",
    "Whitfield",
    "Abernathy",
    "Szabo",
)


def sentence(rng: random.Random) -> str:
    """A new, plausible news sentence, unlikely to be anywhere on the page."""
    noun, verb, obj = rng.choice(_NOUNS), rng.choice(_VERBS), rng.choice(_OBJECTS)
    day, when = rng.choice(_DAYS), rng.choice(_WHEN)
    n = rng.randint(3, 97)
    forms = (
        f"The {noun} said on {day} that it would {verb} the {obj} {when}, "
        f"a spokesperson confirmed to reporters.",
        f"A spokesperson for the {noun} said {n} people had been consulted about the {obj}, "
        f"and that it expected to {verb} it {when}.",
        f"Officials at the {noun} declined to say on {day} whether they would {verb} the "
        f"{obj}, citing {n} pending complaints.",
    )
    return rng.choice(forms)


def new_words(rng: random.Random, old: Sequence[str]) -> list[str]:
    """Replacements for ``old`` words, each different from the word it replaces."""
    out = []
    for word in old:
        choice = rng.choice([w for w in _SWAP if w.casefold() != word.casefold()])
        if word[:1].isupper():
            choice = choice.upper() if word.isupper() and len(word) > 1 else choice.title()
        out.append(choice)
    return out


def person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


# --- the edits ---------------------------------------------------------------------------------


class NotApplicable(Exception):
    """The page has nothing this edit could act on."""


@dataclass
class Source:
    """One benchmark page and its ground truth."""

    key: str
    url: str
    page: str
    truth: set[str]
    body: str  # the whole ground-truth text, normalised

    def paragraphs(self, page: str | None = None) -> list[Para]:
        return article_paragraphs(self.page if page is None else page, self.truth, self.body)


@dataclass
class Edited:
    page: str
    kinds: set[str]
    notes: list[str] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)  # normalised texts of paragraphs edited


def _text_nodes(inner: str) -> list[tuple[int, int]]:
    """Spans of text (not markup) in a fragment."""
    spans, pos = [], 0
    for tag in _TAG.finditer(inner):
        if tag.start() > pos:
            spans.append((pos, tag.start()))
        pos = tag.end()
    if pos < len(inner):
        spans.append((pos, len(inner)))
    return spans


def _choose(src: Source, ed: Edited, rng: random.Random, *, unique: bool = False) -> list[Para]:
    """The paragraphs one edit may touch: article paragraphs not yet edited."""
    paras = src.paragraphs(ed.page)
    counts = Counter(p.text for p in paras)
    options = [p for p in paras if p.text not in ed.touched and (counts[p.text] == 1 or not unique)]
    if not options:
        raise NotApplicable("no article paragraph left to edit")
    return options


def _replace_para(page: str, text: str, paras: Iterable[Para], fn: Callable[[Para], str]) -> str:
    """Apply ``fn`` to every ``<p>`` with this text (pages repeat paragraphs in hidden copies)."""
    for p in sorted((p for p in paras if p.text == text), key=lambda p: -p.start):
        page = page[: p.start] + fn(p) + page[p.end :]
    return page


def edit_added(src: Source, ed: Edited, rng: random.Random) -> None:
    options = _choose(src, ed, rng)
    anchor = rng.choice(options)
    new = sentence(rng) + " " + sentence(rng)
    ed.page = _replace_para(
        ed.page,
        anchor.text,
        src.paragraphs(ed.page),
        lambda p: ed.page[p.start : p.end] + f"\n<p{p.open_attrs}>{htmllib.escape(new)}</p>",
    )
    ed.kinds.add("paragraph_added")
    ed.touched.update({anchor.text, norm(new)})


def edit_removed(src: Source, ed: Edited, rng: random.Random) -> None:
    options = _choose(src, ed, rng)
    if len(src.paragraphs(ed.page)) < 2:
        raise NotApplicable("a single article paragraph")
    gone = rng.choice(options)
    ed.page = _replace_para(ed.page, gone.text, src.paragraphs(ed.page), lambda p: "")
    ed.kinds.add("paragraph_removed")
    ed.touched.add(gone.text)


def _changed(src: Source, ed: Edited, rng: random.Random, how: str) -> None:
    options = _choose(src, ed, rng)
    rng.shuffle(options)
    for target in options:
        nodes = _text_nodes(target.inner)
        if how == "words":
            runs = []
            for a, b in nodes:
                words = list(_WORD.finditer(target.inner, a, b))
                runs += [words[i : i + 3] for i in range(0, max(len(words) - 2, 0))]
            if not runs:
                continue
            run = rng.choice(runs)[: rng.choice((2, 3))]
            replacement = new_words(rng, [w.group() for w in run])
            inner = target.inner
            for word, new in sorted(
                zip(run, replacement, strict=True), key=lambda x: -x[0].start()
            ):
                inner = inner[: word.start()] + new + inner[word.end() :]
        else:
            sentences = []
            for a, b in nodes:
                chunk = target.inner[a:b]
                for m in re.finditer(r"(?:^|(?<=[.!?]\s))[A-Z][^.!?<]{30,}[.!?](?=\s|$)", chunk):
                    sentences.append((a + m.start(), a + m.end()))
            new = htmllib.escape(sentence(rng))
            if len(_SENTENCE_END.findall(target.text)) < 1 or not sentences:
                continue  # one sentence: replacing it would replace the paragraph
            a, b = rng.choice(sentences)
            inner = target.inner[:a] + new + target.inner[b:]
        ed.page = _replace_para(
            ed.page,
            target.text,
            src.paragraphs(ed.page),
            _rewrap(inner),
        )
        ed.kinds.add("paragraph_changed")
        ed.touched.update({target.text, norm(plain(inner))})
        return
    if how == "words":
        raise NotApplicable("no words to change")
    # no paragraph of two sentences or more: a sentence is added to one instead
    target = options[0]
    inner = target.inner.rstrip() + " " + htmllib.escape(sentence(rng))
    ed.page = _replace_para(
        ed.page, target.text, src.paragraphs(ed.page), lambda p: f"<p{p.open_attrs}>{inner}</p>"
    )
    ed.kinds.add("paragraph_changed")
    ed.notes.append("sentence appended")
    ed.touched.update({target.text, norm(plain(inner))})


def _rewrap(inner: str) -> Callable[[Para], str]:
    return lambda p: f"<p{p.open_attrs}>{inner}</p>"


def edit_changed_words(src: Source, ed: Edited, rng: random.Random) -> None:
    _changed(src, ed, rng, "words")


def edit_changed_sentence(src: Source, ed: Edited, rng: random.Random) -> None:
    _changed(src, ed, rng, "sentence")


def edit_moved(src: Source, ed: Edited, rng: random.Random) -> None:
    paras = src.paragraphs(ed.page)
    counts = Counter(p.text for p in paras)
    if any(n > 1 for n in counts.values()) or len(paras) < 4:
        raise NotApplicable("fewer than four distinct article paragraphs")
    options = [i for i, p in enumerate(paras) if p.text not in ed.touched]
    pairs = [
        (i, j)
        for i in options
        for j in range(len(paras))
        if abs(i - j) >= 2 and paras[j].text not in ed.touched
    ]
    if not pairs:
        raise NotApplicable("no paragraph to move")
    i, j = rng.choice(pairs)
    moving, anchor = paras[i], paras[j]
    chunk = ed.page[moving.start : moving.end]
    page = ed.page
    if j > i:  # insert after the anchor first (it lies later), then cut
        page = page[: anchor.end] + "\n" + chunk + page[anchor.end :]
        page = page[: moving.start] + page[moving.end :]
    else:  # cut first (it lies later), then insert before the anchor
        page = page[: moving.start] + page[moving.end :]
        page = page[: anchor.start] + chunk + "\n" + page[anchor.start :]
    ed.page = page
    ed.kinds.add("paragraph_moved")
    ed.touched.update({moving.text, anchor.text})


def _meta_key(attrs: dict[str, str]) -> str:
    for name in ("property", "name", "itemprop", "http-equiv"):
        if attrs.get(name):
            return attrs[name].strip().lower()
    return ""


def _set_attr(tag: str, name: str, value: str) -> str:
    pattern = re.compile(rf"""(\b{name}\s*=\s*)("[^"]*"|'[^']*'|[^\s"'=<>`]+)""", re.I)
    quoted = '"' + htmllib.escape(value, quote=True) + '"'
    return pattern.sub(lambda m: m.group(1) + quoted, tag, count=1)


def _sub_word(text: str, old: str, new: str) -> tuple[str, int]:
    return re.subn(rf"(?<![\w-]){re.escape(old)}(?![\w-])", new, text, count=1)


_SEGMENTS = re.compile(r"\s+[|\-–—·]\s+")


def _headline_h1(
    page: str, titles: Sequence[str], *, repeated_only: bool = False
) -> re.Match[str] | None:
    """The headline ``<h1>``: the one the page's titles repeat (the longest, when several do),
    else the first ``<h1>`` of four words or more.  An ``<h1>`` that is the site's name (a
    last segment of ``<title>``, "Headline | Site", that og:title lacks) is never the headline.

    ``titles`` is (og:title, <title>).
    """
    spans = opaque_spans(page)
    keys = [norm(t) for t in titles if t]
    reference, title = [*titles, "", ""][:2]
    parts = _SEGMENTS.split(title)
    sites = (
        {norm(parts[-1])} if len(parts) > 1 and norm(parts[-1]) not in norm(reference) else set()
    )
    best: re.Match[str] | None = None
    first_long: re.Match[str] | None = None
    for match in _H1.finditer(page):
        text = norm(plain(match.group(2)))
        if _inside(spans, match.start()) or not text or text in sites:
            continue
        words = text.split()
        if first_long is None and len(words) >= 4:
            first_long = match
        repeated = any(
            text in key
            or (len(words) >= 3 and sum(w in key.split() for w in words) >= 0.6 * len(words))
            for key in keys
        )
        if repeated and (best is None or len(text) > len(norm(plain(best.group(2))))):
            best = match
    return best if repeated_only else best or first_long


def _ld_headlines(text: str) -> list[str]:
    found = []
    for raw in re.findall(r'"headline"\s*:\s*"((?:[^"\\]|\\.)*)"', text):
        try:
            found.append(str(json.loads(f'"{raw}"')))
        except ValueError:
            continue
    return found


def edit_headline(src: Source, ed: Edited, rng: random.Random) -> None:
    page = ed.page
    title_m = _TITLE.search(page)
    metas = {
        _meta_key(attributes(m.group())): m.group()
        for m in _META.finditer(page)
        if "title" in _meta_key(attributes(m.group()))
    }
    title = plain(title_m.group(2)) if title_m else ""
    reference = attributes(metas["og:title"]).get("content", "") if "og:title" in metas else ""
    h1 = _headline_h1(page, [reference, title], repeated_only=True)
    if h1:
        headline = plain(h1.group(2))
    else:  # the title, or the title without its last segment ("Headline - Site"), shown
        options = [
            variant
            for full in (reference, title)
            if full
            for variant in (full, re.split(r"\s+[|\-–—·]\s+(?!.*\s[|\-–—·]\s)", full)[0])
        ]
        if not options:
            raise NotApplicable("no title")
        shown = {
            norm(htmllib.unescape(m.group(3)))
            for m in _HEADLINE_ELEMENT.finditer(page)
            if m.group(2).lower() != "title"
        }
        headline = next((o for o in options if norm(o) in shown), "").strip()
        if not headline:  # no element shows a title: the page's first long <h1> is its headline
            h1 = _headline_h1(page, [reference, title])
            headline = plain(h1.group(2)) if h1 else options[1].strip()
    words = [w for w in dict.fromkeys(_WORD.findall(headline)) if headline.count(w) == 1]
    if not words:
        raise NotApplicable("no headline word to rewrite")
    # Titles, <meta> titles and JSON-LD often word the headline differently: the word
    # rewritten is one that most of them share, and each that lacks it has a word of its own
    # rewritten (every field of the headline changes, as when an editor rewrites it).
    variants = [title, *(attributes(t).get("content", "") for t in metas.values())]
    variants += [v for m in _LDJSON.finditer(page) for v in _ld_headlines(m.group(2))]

    def shared(w: str) -> int:
        return sum(bool(_sub_word(v, w, w)[1]) for v in variants)

    most = max(shared(w) for w in words)
    word = rng.choice([w for w in words if shared(w) == most])
    new = new_words(rng, [word])[0]
    changed = 0

    def in_fragment(fragment: str) -> str:
        nonlocal changed
        out, n = _sub_word(fragment, word, new)
        if not n:  # a variant without the word: one of its own, before any site name
            own = [w for w in _WORD.findall(_SEGMENTS.split(fragment)[0]) if w != new]
            if own:
                out, n = _sub_word(fragment, own[0], new)
        changed += n
        return out

    # the <h1>: only in its text, never its markup
    if h1 is not None:
        inner = h1.group(2)
        for a, b in reversed(_text_nodes(inner)):
            piece, n = _sub_word(inner[a:b], word, new)
            if n:
                inner = inner[:a] + piece + inner[b:]
                changed += 1
                break
        page = page[: h1.start(2)] + inner + page[h1.end(2) :]
    # every other element that shows the headline, whole: an <h2> or <dt> headline, the
    # copy in a share box or breadcrumb (a CMS renders them all from the one field)
    spans = opaque_spans(page)

    def copy(m: re.Match[str]) -> str:
        if m.group(2).lower() == "title" or _inside(spans, m.start()):
            return m.group()
        if norm(htmllib.unescape(m.group(3))) != norm(headline):
            return m.group()
        if m.group(2).lower() == "a":  # a link to another story of the same name is not ours
            href = attributes(m.group(1).strip()).get("href", "").strip()
            if href not in ("", "#") and urlsplit(href).path != urlsplit(src.url).path:
                return m.group()
        return m.group(1) + in_fragment(m.group(3)) + m.group(4)

    page = _HEADLINE_ELEMENT.sub(copy, page)
    if title_m := _TITLE.search(page):
        page = page[: title_m.start(2)] + in_fragment(title_m.group(2)) + page[title_m.end(2) :]

    def fix_meta(m: re.Match[str]) -> str:
        tag = m.group()
        attrs = attributes(tag)
        if "title" not in _meta_key(attrs) and _meta_key(attrs) != "headline":
            return tag
        content = attrs.get("content", "")
        out = in_fragment(content)
        return _set_attr(tag, "content", out) if out != content else tag

    page = _META.sub(fix_meta, page)

    def fix_ld(m: re.Match[str]) -> str:
        def value(v: re.Match[str]) -> str:
            raw = v.group(2)
            try:
                text = json.loads(f'"{raw}"')
            except ValueError:
                return v.group()
            out = in_fragment(text)
            if out == text:
                return v.group()
            encoded = json.dumps(out, ensure_ascii="\\u" in raw)[1:-1]
            return v.group(1) + encoded.replace("/", "\\/" if "\\/" in raw else "/") + v.group(3)

        body = re.sub(r'("headline"\s*:\s*")((?:[^"\\]|\\.)*)(")', value, m.group(2))
        return m.group(1) + body + m.group(3)

    page = _LDJSON.sub(fix_ld, page)
    if not changed:
        raise NotApplicable("headline word not found where the headline is")
    ed.page = page
    ed.kinds.add("headline")
    ed.notes.append(f"headline word {word!r} -> {new!r}")


# timestamps

_UPDATED_META = {
    "article:modified_time",
    "og:updated_time",
    "og:article:modified_time",
    "datemodified",
    "last-modified",
    "lastmod",
    "dcterms.modified",
    "dc.date.modified",
    "article.updated",
    "parsely-updated",
    "updated",
    "modified",
    "revised",
    "date.updated",
    "date_modified",
}
_PUBLISHED_META = (
    "article:published_time",
    "datepublished",
    "og:article:published_time",
    "pubdate",
    "publishdate",
    "date",
    "parsely-pub-date",
    "dc.date.issued",
)
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:([T ])(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?)?"
)
_TIME = re.compile(r"<time\b[^>]*>", re.IGNORECASE)
_UPDATED_HINT = re.compile(r"updat|modif|revis", re.IGNORECASE)


MIN_YEAR = 1990


def shift_stamp(value: str, delta: timedelta) -> str | None:
    """``value`` (ISO 8601 in any of its web spellings) moved by ``delta``, same spelling."""
    m = _ISO.search(value)
    if not m:  # RFC 2822 ("Tue, 19 Nov 2019 06:13:48 -0600"), as some feeds-minded CMSs write
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.year < MIN_YEAR:
            return None
        return format_datetime(when + delta)
    year, month, day = (int(m.group(i)) for i in (1, 2, 3))
    if year < MIN_YEAR:  # a placeholder ("0001-01-01T00:00:00Z"), not a time
        return None
    if m.group(4) is None:
        moved = datetime(year, month, day) + timedelta(days=max(delta.days, 1))
        return value[: m.start()] + moved.strftime("%Y-%m-%d") + value[m.end() :]
    base = datetime(year, month, day, int(m.group(5)), int(m.group(6)), int(m.group(7) or 0))
    moved = base + delta
    text = moved.strftime("%Y-%m-%d") + m.group(4) + moved.strftime("%H:%M")
    if m.group(7) is not None:
        text += moved.strftime(":%S") + (m.group(8) or "")
    text += m.group(9) or ""
    return value[: m.start()] + text + value[m.end() :]


def _published_stamp(page: str) -> str | None:
    metas: dict[str, str] = {}
    for m in _META.finditer(page):
        attrs = attributes(m.group())
        metas.setdefault(_meta_key(attrs), attrs.get("content", ""))
    for key in _PUBLISHED_META:
        if metas.get(key) and _ISO.search(metas[key]):
            return metas[key]
    found = re.search(r'"datePublished"\s*:\s*"([^"]+)"', page)
    return found.group(1) if found and _ISO.search(found.group(1)) else None


def edit_updated(src: Source, ed: Edited, rng: random.Random) -> None:
    delta = timedelta(hours=rng.randint(1, 70), minutes=rng.randint(1, 59))
    page = ed.page
    moved = 0
    published = _published_stamp(page)
    fresh = (shift_stamp(published, delta) if published else None) or (
        datetime(2019, 11, 20, 9, 0, tzinfo=UTC) + delta
    ).isoformat()

    def move(value: str) -> str | None:
        """The value moved; a placeholder where the CMS had no time yet gets a real one."""
        return shift_stamp(value, delta) or (fresh if _ISO.search(value) else None)

    def fix_meta(m: re.Match[str]) -> str:
        nonlocal moved
        tag = m.group()
        attrs = attributes(tag)
        if _meta_key(attrs) not in _UPDATED_META or not attrs.get("content"):
            return tag
        new = move(attrs["content"])
        if new is None:
            return tag
        moved += 1
        return _set_attr(tag, "content", new)

    page = _META.sub(fix_meta, page)

    def fix_ld(m: re.Match[str]) -> str:
        nonlocal moved

        def value(v: re.Match[str]) -> str:
            nonlocal moved
            new = move(v.group(2))
            if new is None:
                return v.group()
            moved += 1
            return v.group(1) + new + v.group(3)

        try:
            json.loads(m.group(2), strict=False)
        except ValueError:  # broken JSON-LD: no reader gets a time out of it
            return m.group()
        body = re.sub(r'("dateModified"\s*:\s*")([^"]*)(")', value, m.group(2))
        return m.group(1) + body + m.group(3)

    page = _LDJSON.sub(fix_ld, page)

    def fix_element(m: re.Match[str]) -> str:
        nonlocal moved
        tag = m.group()
        attrs = attributes(tag)
        hints = " ".join((attrs.get("class", ""), attrs.get("itemprop", "")))
        stamp_attr = "datetime" if "datetime" in attrs else "content"
        if not _UPDATED_HINT.search(hints) or not attrs.get(stamp_attr):
            return tag
        if "publish" in hints.lower():  # hAtom "published updated": the publication time
            return tag
        new = move(attrs[stamp_attr])
        if new is None:
            return tag
        moved += 1
        return _set_attr(tag, stamp_attr, new)

    page = re.sub(
        r"<(?!meta\b)[a-z][\w-]*\b[^>]*\b(?:datetime|content)\s*=[^>]*>",
        fix_element,
        page,
        flags=re.IGNORECASE,
    )
    if moved:
        ed.notes.append(f"moved {moved} modified stamps by {delta}")
    else:
        stamp = fresh
        tag = f'<meta property="article:modified_time" content="{stamp}">'
        page, n = insert(page, _HEAD_END, tag + "\n")
        if not n:
            raise NotApplicable("no <head>")

        def add_ld(m: re.Match[str]) -> str:
            body = re.sub(
                r'("datePublished"\s*:\s*"[^"]*")',
                lambda v: v.group(1) + f', "dateModified": "{stamp}"',
                m.group(2),
                count=1,
            )
            return m.group(1) + body + m.group(3)

        page = _LDJSON.sub(add_ld, page)
        ed.notes.append("added a modified stamp")
    ed.page = page
    ed.kinds.add("updated")


_AUTHOR_META = {
    "author",
    "article:author",
    "byl",
    "sailthru.author",
    "parsely-author",
    "dc.creator",
    "dcterms.creator",
    "citation_author",
    "twitter:creator:name",
}
_BYLINE_HINT = re.compile(
    r"author|byline|by-line|contributor|writer|reporter|/people/|/profile|/staff/|/by/",
    re.IGNORECASE,
)
_NAME = re.compile(r"^[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){1,3}$")


def _person_name(node: Any) -> bool:
    return (
        isinstance(node, dict)
        and isinstance(node.get("name"), str)
        and "organization" not in str(node.get("@type") or node.get("type")).lower()
    )


def _ld_authors(data: Any, depth: int = 0) -> Iterable[str]:
    """Names of the people JSON-LD gives as an article's ``author`` (not organisations).

    Only article-like nodes (``NewsArticle``, ``BlogPosting``, ``ReportageNewsArticle``...)
    count: the ``author`` of a ``ClaimReview``'s reviewed claim is not the byline.
    """
    if depth > 6:
        return
    if isinstance(data, list):
        for item in data:
            yield from _ld_authors(item, depth + 1)
    elif isinstance(data, dict):
        kind = str(data.get("@type") or data.get("type") or "").lower()
        if any(word in kind for word in ("article", "posting", "report")):
            value = data.get("author")
            for node in value if isinstance(value, list) else [value]:
                if isinstance(node, str):
                    yield node
                elif isinstance(node, dict) and _person_name(node):
                    yield str(node["name"])
        for key in ("@graph", "mainEntity", "mainEntityOfPage"):
            if isinstance(data.get(key), list | dict):
                yield from _ld_authors(data[key], depth + 1)


def _visible_authors(page: str) -> list[str]:
    """The name in the first element marked as a byline (class, ``rel`` or ``itemprop``) after
    the headline ``<h1>``: menus, author lists and "more from" boxes name other people."""
    spans = opaque_spans(page)
    title = _TITLE.search(page)
    h1 = _headline_h1(page, [plain(title.group(2))] if title else [])
    if h1 is None:
        return []
    for m in _SHORT_ELEMENT.finditer(page, h1.end(), h1.end() + BYLINE_REACH):
        marks = attributes(m.group(1).strip())
        hints = " ".join(marks.get(a, "") for a in ("class", "rel", "itemprop"))
        if _inside(spans, m.start()) or not _BYLINE_HINT.search(hints):
            continue
        text = re.sub(r"^[Bb]y\s+", "", plain(m.group(3)))
        if _NAME.match(text):
            return [text]
    return []


def _author_names(page: str) -> list[str]:
    """People the page names as its authors: ``<meta>`` author tags, then JSON-LD."""
    names: list[str] = []
    sites = set()
    for m in _META.finditer(page):
        attrs = attributes(m.group())
        key = _meta_key(attrs)
        if key in _AUTHOR_META:
            content = re.sub(r"^[Bb]y\s+", "", attrs.get("content", "").strip())
            names += [c.strip() for c in re.split(r",| and ", content)]
        elif key in {"og:site_name", "application-name"}:
            sites.add(norm(attrs.get("content", "")))
    people: list[str] = []
    for m in _LDJSON.finditer(page):
        try:
            people += list(_ld_authors(json.loads(m.group(2), strict=False)))
        except ValueError:
            continue
    people = [
        part.strip()
        for person in people
        for part in re.split(r",| and ", re.sub(r"^[Bb][Yy]\s+", "", person.strip()))
    ]
    names = people + names  # a person named in JSON-LD, then <meta>, then a visible byline
    stated = [n for n in names if 2 < len(n) <= 60 and "://" not in n and norm(n) not in sites]
    return list(dict.fromkeys(stated + _visible_authors(page)))


def edit_byline(src: Source, ed: Edited, rng: random.Random) -> None:
    page = ed.page
    names = _author_names(page)
    new = person(rng)
    if names:
        old = names[0]
        spans = opaque_spans(page)
        pieces, pos, replaced = [], 0, 0
        for m in re.finditer(re.escape(old), page, re.IGNORECASE):  # "TOM X" is "Tom X"
            start = m.start()
            before = page[max(0, start - 400) : start]
            in_ld = any(a <= start < b for a, b in (x.span(2) for x in _LDJSON.finditer(page)))
            in_meta = bool(re.search(r"<meta\b[^>]*$", before, re.I))
            last_tag = before.rfind("<")
            visible = not _inside(spans, start) and bool(
                _BYLINE_HINT.search(before[before.rfind("<", 0, max(last_tag, 0)) :])
            )
            if in_meta:
                tag_start = before.rfind("<")
                attrs = attributes(
                    page[start - (len(before) - tag_start) : page.find(">", start) + 1]
                )
                ok = _meta_key(attrs) in _AUTHOR_META
            else:
                ok = in_ld or visible
            if ok:
                pieces.append(page[pos:start] + (new.upper() if m.group().isupper() else new))
                pos = m.end()
                replaced += 1
        page = "".join(pieces) + page[pos:]
        escaped = json.dumps(old)[1:-1]
        if escaped != old:  # "Jos\u00e9" in JSON-LD

            def fix_ld(m: re.Match[str]) -> str:
                nonlocal replaced
                replaced += m.group(2).count(escaped)
                body = m.group(2).replace(escaped, json.dumps(new)[1:-1])
                return m.group(1) + body + m.group(3)

            page = _LDJSON.sub(fix_ld, page)
        if not replaced:
            raise NotApplicable("author name not found in an author place")
        ed.notes.append(f"byline {old!r} -> {new!r} in {replaced} places")
    else:
        tag = f'<meta name="author" content="{new}">'
        page, n = insert(page, _HEAD_END, tag + "\n")
        if not n:
            raise NotApplicable("no <head>")
        ed.notes.append(f"added author {new!r}")
    ed.page = page
    ed.kinds.add("byline")


EDITS: dict[str, Callable[[Source, Edited, random.Random], None]] = {
    "headline": edit_headline,
    "updated": edit_updated,
    "byline": edit_byline,
    "paragraph_added": edit_added,
    "paragraph_removed": edit_removed,
    "changed_words": edit_changed_words,
    "changed_sentence": edit_changed_sentence,
    "paragraph_moved": edit_moved,
}


def edit_multi(src: Source, ed: Edited, rng: random.Random) -> None:
    names = rng.sample(sorted(EDITS), rng.randint(2, 4))
    done = []
    for name in names:
        try:
            EDITS[name](src, ed, rng)
            done.append(name)
        except NotApplicable:
            continue
    if len(done) < 2:
        raise NotApplicable("fewer than two edits applied")
    ed.notes.insert(0, "+".join(done))


# --- chrome and layout -------------------------------------------------------------------------


def chrome(page: str, token: int, src: Source) -> str:
    """What changes on every request of a real news page, outside the article
    (``scheduler.demo.chrome.dress``), with its inline boxes after the article's third
    paragraph (or the last but one)."""

    def third(served: str) -> int | None:
        paras = src.paragraphs(served)
        return paras[min(2, len(paras) - 2)].end if len(paras) >= 3 else None

    return dress(page, src.key, token, inline_at=third)


def _outside_opaque(page: str, fn: Callable[[str], str]) -> str:
    """Apply ``fn`` to the page except its comments, scripts, styles and <pre>."""
    out, pos = [], 0
    for a, b in opaque_spans(page):
        out.append(fn(page[pos:a]))
        out.append(page[a:b])
        pos = b
    out.append(fn(page[pos:]))
    return "".join(out)


def layout_whitespace(page: str) -> str:
    def run(m: re.Match[str]) -> str:
        return " " if "\n" in m.group() else "\n  "

    def text(part: str) -> str:  # text between tags only: attribute values keep theirs
        return "".join(
            chunk if i % 2 else _WS.sub(run, chunk)
            for i, chunk in enumerate(re.split(r"(<[^>]*>)", part))
        )

    return _outside_opaque(page, text)


def layout_attributes(page: str) -> str:
    def tags(part: str) -> str:
        def reverse(m: re.Match[str]) -> str:
            attrs = [a.group() for a in _ATTR.finditer(m.group(2))]
            if len(attrs) < 2:
                return m.group()
            return f"<{m.group(1)} {' '.join(reversed(attrs))}{' /' if m.group(3) else ''}>"

        return _START_TAG.sub(reverse, part)

    return _outside_opaque(page, tags)


_REFERENCE = re.compile(r"&(#[xX][0-9a-fA-F]+|#\d+|[A-Za-z][A-Za-z0-9]*);|[^\x00-\x7f]")


def layout_entities(page: str) -> str:
    """Named references to hex ones, numeric references to characters, non-ASCII to named."""

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name is None:  # a literal non-ASCII character
            code = ord(m.group())
            return f"&{codepoint2name[code]};" if code in codepoint2name else f"&#{code};"
        if name.startswith("#"):
            code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
            char = chr(code) if 0xA0 <= code < 0x110000 else ""
            return char or m.group()
        return f"&#x{name2codepoint[name]:x};" if name in name2codepoint else m.group()

    def text(part: str) -> str:
        return "".join(
            chunk if i % 2 else _REFERENCE.sub(one, chunk)
            for i, chunk in enumerate(re.split(r"(<[^>]*>)", part))
        )

    return _outside_opaque(page, text)


def layout_wrappers(page: str, src: Source) -> str:
    """A template change: every paragraph of the article's run of text in its own block
    ``<div>``, with an extra class.  Every ``<p>`` from the first article paragraph to the
    last is wrapped, as a CMS's block renderer does (not only those in the ground truth)."""
    paras = src.paragraphs(page)
    if not paras:
        return page
    first, last = paras[0].start, paras[-1].end
    spans = opaque_spans(page)
    blocks = [
        m
        for m in _P.finditer(page, first, last)
        if not _inside(spans, m.start()) and not re.search(r"<(p|div|section)\b", m.group(2), re.I)
    ]
    for m in reversed(blocks):
        attrs = m.group(1)
        if re.search(r"\bclass\s*=", attrs, re.I):
            attrs = re.sub(
                r"""(\bclass\s*=\s*)(["'])([^"']*)\2""",
                lambda c: f"{c.group(1)}{c.group(2)}{c.group(3)} rich-text__p{c.group(2)}",
                attrs,
                count=1,
                flags=re.I,
            )
        else:
            attrs += ' class="rich-text__p"'
        block = f'<div class="block block--paragraph"><p{attrs}>{m.group(2)}</p></div>'
        page = page[: m.start()] + block + page[m.end() :]
    return page


# --- edits just outside the article, for the fast path ------------------------------------------

_BLOCK_END = re.compile(r"</(?:div|section|article)\s*>", re.IGNORECASE)
_H1_END = re.compile(r"</h1\s*>", re.IGNORECASE)
_OG_TITLE = re.compile(
    r"""(<meta\b[^>]*\b(?:property|name)\s*=\s*["'](?:og:title|twitter:title)["'][^>]*"""
    r"""\bcontent\s*=\s*["'])([^"']+)""",
    re.IGNORECASE,
)
_LD_HEADLINE = re.compile(r'("headline"\s*:\s*")((?:[^"\\]|\\.)+)')


def _after_article(src: Source, page: str) -> int:
    """Just after the block that closes after the article's last paragraph (outside the
    element holding the paragraphs, as a CMS adds a note or an extra block)."""
    paras = src.paragraphs(page)
    if not paras:
        raise NotApplicable("no article paragraph")
    spans = opaque_spans(page)
    for m in _BLOCK_END.finditer(page, paras[-1].end):
        if not _inside(spans, m.start()):
            return m.end()
    raise NotApplicable("no block closes after the article")


def _above_article(src: Source, page: str) -> int:
    """After the page's first ``</h1>`` when it comes before the article, else right before
    the article's first paragraph."""
    paras = src.paragraphs(page)
    if not paras:
        raise NotApplicable("no article paragraph")
    spans = opaque_spans(page)
    h1 = next((m for m in _H1_END.finditer(page) if not _inside(spans, m.start())), None)
    return h1.end() if h1 is not None and h1.end() < paras[0].start else paras[0].start


def _insert_at(page: str, at: int, text: str) -> str:
    return page[:at] + "\n" + text + "\n" + page[at:]


def adversarial(src: Source, name: str, rng: random.Random) -> tuple[str, str]:
    """Pages A and B (before chrome) of one trial of :data:`ADVERSARIAL_TRIALS`."""
    page = src.page
    if name == "outside_note":  # a correction note in a new block after the article's
        note = f"<p>Correction: an earlier version of this article misstated {sentence(rng)}</p>"
        at = _after_article(src, page)
        return page, _insert_at(page, at, f'<div class="article-note">{note}</div>')
    if name == "outside_text_after":  # text written directly in a <div> after the article
        at = _after_article(src, page)
        return page, _insert_at(page, at, f"<div>{sentence(rng)} {sentence(rng)}</div>")
    if name in ("outside_filled_block", "outside_filled_body_block"):
        # an existing, empty block after the article (or at the end of <body>) filled with a
        # correction sentence: no block added, so only the block's text tells
        if name == "outside_filled_block":
            at = _after_article(src, page)
        else:
            at = next((m.start() for m in _BODY_END.finditer(page)), len(page))
        note = f"Correction: an earlier version of this article misstated {sentence(rng)}"

        def extras(text: str) -> str:
            return f'<div class="article-extras"><p>{text}</p></div>'

        return _insert_at(page, at, extras("")), _insert_at(page, at, extras(note))
    if name == "outside_updated_line":  # a visible "Updated" line above the article, moved
        day = rng.randint(1, 20)
        at = _above_article(src, page)

        def line(d: int) -> str:
            return f'<p class="article-updated">Updated {d} December 2026, 09:{day + 10}</p>'

        return _insert_at(page, at, line(day)), _insert_at(page, at, line(day + 1))
    if name == "outside_author_card":  # a byline only in an author card above the article
        at = _above_article(src, page)
        first, second = person(rng), person(rng)

        def card(who: str) -> str:
            return f'<div data-testid="AuthorCard" class="author-card"><span>{who}</span></div>'

        return _insert_at(page, at, card(first)), _insert_at(page, at, card(second))
    if name == "outside_footer_date":  # a date only in a footer block at the page's end
        day = rng.randint(1, 20)

        def footer(d: int) -> str:
            return f'<footer><div class="submitted">{d} December 2026</div></footer>'

        at = next((m.start() for m in _BODY_END.finditer(page)), len(page))
        return _insert_at(page, at, footer(day)), _insert_at(page, at, footer(day + 2))
    if name == "outside_meta_headline":  # the headline changed only in og:title and JSON-LD
        word = rng.choice(_DAYS)
        edited, n = _OG_TITLE.subn(lambda m: f"{m.group(1)}{m.group(2)} on {word}", page)
        spans = opaque_spans(edited)
        for m in reversed(list(_LD_HEADLINE.finditer(edited))):
            if any(a <= m.start() < b for a, b in spans):  # JSON-LD lives in a <script>
                edited = edited[: m.end()] + f" on {word}" + edited[m.end() :]
                n += 1
        if not n:
            raise NotApplicable("no og:title, twitter:title nor JSON-LD headline")
        return page, edited
    raise ValueError(name)


# --- running trials ----------------------------------------------------------------------------


@dataclass
class Trial:
    """One edit of one page and what redline made of it."""

    page: str
    name: str
    applied: frozenset[str]
    new_version: bool
    reported: frozenset[str]
    raw: dict[str, int]
    notes: list[str]
    error: str | None = None
    # the fast path (archive.extract.fastpath) found page B unchanged from page A's fingerprint
    fast_same: bool = False
    # tier 0 (archive.extract.template): a template was learned from page A and a re-dressed
    # copy, and it found page B (with A's boxes inside the article) unchanged; and whether the
    # full extraction of that page B finds a new version all the same (a miss: must never be)
    tier0_learned: bool = False
    tier0_same: bool = False
    tier0_missed: bool = False
    # tier 0 by site rules (archive.extract.template_site): page A's template derived from the
    # rules its learned template gives, with no extraction (as the crawl derives a version's
    # template from its site's rules), at page B as the first refetch or at a refetch of A;
    # whether it found page B the same, and whether the full extraction says otherwise (a miss)
    tier0_derived: bool = False
    tier0_derived_same: bool = False
    tier0_derived_missed: bool = False

    @property
    def real(self) -> bool:
        return self.name in REAL_TRIALS

    @property
    def adversarial(self) -> bool:
        return self.name in ADVERSARIAL_TRIALS


def load_sources(root: Path, limit: int | None = None) -> list[Source]:
    base = root / BENCHMARK
    truth = json.loads((base / "ground-truth.json").read_text(encoding="utf-8"))
    sources = []
    for path in sorted((base / "html").glob("*.html.gz"))[:limit]:
        key = path.name.split(".")[0]
        body = truth[key]["articleBody"]
        paragraphs = {norm(p) for p in body.split("\n") if p.strip()}
        page = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        sources.append(Source(key, truth[key]["url"], page, paragraphs, norm(body)))
    return sources


def reported_kinds(old: Article, new: Article) -> tuple[frozenset[str], dict[str, int]]:
    record = compare(old, new)
    return frozenset(e.kind.value for e in record.edits), record.kinds()


def build(src: Source, name: str, seed: int) -> tuple[str, str, set[str], list[str]]:
    """The two served pages of one trial, the kinds applied and notes."""
    rng = random.Random(f"{seed}:{src.key}:{name}")
    if name in BOX_TRIALS:
        family = name.removeprefix("chrome_")
        a = with_box(chrome(src.page, 1, src), src, family, seed, 1)
        return a, with_box(chrome(src.page, 2, src), src, family, seed, 2), set(), [family]
    if name == "added_by_box":
        return _added_by_box(src, seed, rng)
    if name in ADVERSARIAL_TRIALS:
        a, b = adversarial(src, name, rng)
        return chrome(a, 1, src), chrome(b, 2, src), set(), ["adversarial"]
    if name in NULL_TRIALS:
        a = chrome(src.page, 1, src)
        if name == "chrome":
            return a, chrome(src.page, 2, src), set(), []
        b = {
            "layout_whitespace": layout_whitespace,
            "layout_attributes": layout_attributes,
            "layout_entities": layout_entities,
        }.get(name, lambda p: layout_wrappers(p, src))(src.page)
        return a, chrome(b, 2, src), set(), []
    ed = Edited(src.page, set())
    (edit_multi if name == "multi" else EDITS[name])(src, ed, rng)
    return chrome(src.page, 1, src), chrome(ed.page, 2, src), ed.kinds, ed.notes


def with_box(
    page: str, src: Source, family: str, seed: int, token: int, *, after: str | None = None
) -> str:
    """``page`` with an in-article box of ``family`` as served on request ``token``.

    The box rotates per request like a site's A/B-tested slot: a new box every time, after
    a paragraph picked per request (after the article paragraph whose text is ``after``, when
    given), and on one request in six not there at all (but always when ``after`` is given).
    """
    rng = random.Random(f"box:{seed}:{src.key}:{family}:{token}")
    paras = src.paragraphs(page)
    if after is not None:
        paras = [p for p in paras if p.text == after][:1]
    elif rng.random() < 1 / 6 or len(paras) < 2:
        return page
    else:
        paras = paras[:-1]  # between two paragraphs of the article
    if not paras:
        return page
    at = rng.choice(paras).end
    return page[:at] + "\n" + box(family, rng, language(src.page)) + "\n" + page[at:]


def _added_by_box(
    src: Source, seed: int, rng: random.Random
) -> tuple[str, str, set[str], list[str]]:
    """A real paragraph added right next to an in-article box (the box's twin): before the
    box or after it; the box itself rotates as in the chrome-only trials."""
    family = FAMILIES[int(hashlib.sha1(src.key.encode()).hexdigest(), 16) % len(FAMILIES)]
    options = _choose(src, Edited(src.page, set()), rng)
    anchor = rng.choice(options[:-1] or options)
    new = sentence(rng) + " " + sentence(rng)
    added = f"\n<p{anchor.open_attrs}>{htmllib.escape(new)}</p>"
    box_first = rng.random() < 0.5
    a = with_box(chrome(src.page, 1, src), src, family, seed, 1, after=anchor.text)
    b = chrome(src.page, 2, src)
    box_b = with_box(b, src, family, seed, 2, after=anchor.text)
    at = next(p for p in src.paragraphs(b) if p.text == anchor.text).end
    if box_first:  # anchor, box, new paragraph
        box_end = at + len(box_b) - len(b)
        b = box_b[:box_end] + added + box_b[box_end:]
    else:  # anchor, new paragraph, box
        b = box_b[:at] + added + box_b[at:]
    return a, b, {"paragraph_added"}, [family, "box first" if box_first else "box after"]


def run_source(src: Source, seed: int, names: Sequence[str] = TRIALS) -> list[Trial]:
    """Each trial: page A extracted in full (with its fast-path fingerprint), page B through the
    fast path's decision first and then extracted in full, as the crawl would if it fell back."""
    trials = []
    old_cache: dict[str, tuple[Article, str | None] | ExtractionError] = {}
    template_cache: dict[str, str | None] = {}
    derived_cache: dict[str, tuple[Rules | None, str | None]] = {}
    for name in names:
        try:
            a, b, applied, notes = build(src, name, seed)
        except NotApplicable as why:
            trials.append(
                Trial(
                    src.key,
                    name,
                    frozenset(),
                    False,
                    frozenset(),
                    {},
                    [str(why)],
                    error="not applicable",
                )
            )
            continue
        fast_same = False
        try:
            if a not in old_cache:
                try:
                    old_cache[a] = extract_with_fingerprint(a, src.url)
                except ExtractionError as error:
                    old_cache[a] = error
            cached = old_cache[a]
            if isinstance(cached, ExtractionError):
                raise cached
            old, fingerprint = cached
            fast_same = same_article(b, src.url, None, DEFAULT_MIN_CHARS, fingerprint)
            new = extract_article(b, src.url)
        except ExtractionError as error:
            trials.append(
                Trial(
                    src.key,
                    name,
                    frozenset(applied),
                    False,
                    frozenset(),
                    {},
                    notes,
                    error=f"extraction: {error}",
                    fast_same=fast_same,
                )
            )
            continue
        learned, tier0_same, missed = tier0_trial(src, a, b, old.content_hash, template_cache)
        derived = tier0_derived_trial(src, a, b, old, template_cache, derived_cache)
        if old.content_hash == new.content_hash:
            trial = Trial(src.key, name, frozenset(applied), False, frozenset(), {}, notes)
        else:
            kinds, raw = reported_kinds(old, new)
            trial = Trial(src.key, name, frozenset(applied), True, kinds, raw, notes)
        trials.append(
            replace(
                trial,
                fast_same=fast_same,
                tier0_learned=learned,
                tier0_same=tier0_same,
                tier0_missed=missed,
                tier0_derived=derived[0],
                tier0_derived_same=derived[1],
                tier0_derived_missed=derived[2],
            )
        )
    return trials


# The request tokens of page A's refetches: the copy its template is learned from, and the
# refetch its template is derived at by site rules (page A is served under 1, page B under 2).
LEARN_REFETCH = 1001
DERIVE_REFETCH = 1002


def refetched(src: Source, a: str, n: int) -> str:
    """Page A (served under request token 1) as served again on request ``n``: new request
    chrome in the head, at the top and at the bottom, and new cache-busting asset URLs; the
    boxes inside the article kept."""
    first, again = request_chrome(src.key, 1), request_chrome(src.key, n)
    copy = a
    for part in ("head", "top", "bottom"):
        copy = copy.replace(getattr(first, part), getattr(again, part), 1)
    return copy.replace(f"?v={first.digest}", f"?v={again.digest}")


def tier0_page(src: Source, b: str) -> str:
    """Page B as tier 0 is tried on it: its boxes inside the article made A's (request token
    1's), its own request chrome and edits kept."""
    return b.replace(request_chrome(src.key, 2).inline, request_chrome(src.key, 1).inline, 1)


def tier0_trial(
    src: Source, a: str, b: str, old_hash: str, cache: dict[str, str | None]
) -> tuple[bool, bool, bool]:
    """Tier 0 of the fast path on one trial, as the crawl runs it: its template learned from
    page A and a copy of A in new request chrome (:func:`scheduler.demo.chrome.request_chrome`
    for another request: new tokens, counts, menu and most-read list; the boxes inside the
    article kept), when the full extraction of that copy gives A's article; then page B, its
    boxes inside the article made A's (B's own request chrome and edits kept), checked against
    it.  A "same" decision is then checked by the full extraction of that very page.  Returns
    (a template was learned, it found page B the same, the full extraction says otherwise)."""
    if a not in cache:
        cache[a] = learn_template(a, refetched(src, a, LEARN_REFETCH), src.url, old_hash)
    template = cache[a]
    if template is None:
        return False, False, False
    same, missed = check_template(tier0_page(src, b), template, src.url, old_hash)
    return True, same, missed


def tier0_derived_trial(
    src: Source,
    a: str,
    b: str,
    old: Article,
    templates: dict[str, str | None],
    cache: dict[str, tuple[Rules | None, str | None]],
) -> tuple[bool, bool, bool]:
    """Tier 0 by site rules on one trial (after :func:`tier0_trial`, whose learned templates
    ``templates`` holds), as the crawl runs it for a version with no template of its own: the
    site rules of page A's learned template, read on the copy it was learned from
    (:func:`scheduler.evaluation.tier0.site_rules_of`, ``template_site.rules_of``: a site's
    rules as one learning gives them), derive page A's template on page A's bytes with A's
    article (``old``) guarding the holes and no extraction, at the version's first refetch
    with other bytes (``template_site.derive``), which is either page B as tier 0 is tried on
    it (:func:`tier0_page`; an edit at the first refetch: derived only when B matches, which
    is then a "same"), or page A under another request chrome (then page B is checked against
    the template derived there).  Every "same" is checked by the full extraction of page B.
    Returns (a template was derived either way, page B was found the same either way, the
    full extraction of page B finds another article or fails where it was)."""
    template = templates.get(a)
    if template is None:
        return False, False, False
    if a not in cache:
        rules = site_rules_of(template, refetched(src, a, LEARN_REFETCH))
        at_refetch = None
        if rules:
            again = refetched(src, a, DERIVE_REFETCH)
            at_refetch = derive_template(rules, a, again, src.url, article=old)
        cache[a] = (rules, at_refetch)
    rules, at_refetch = cache[a]
    if not rules:
        return False, False, False
    page = tier0_page(src, b)
    same = missed = False
    at_first = derive_template(rules, a, page, src.url, article=old)
    if at_first is not None:  # page B matched the template derived at it: a "same"
        same, missed = check_template(page, at_first, src.url, old.content_hash)
    if at_refetch is not None:
        later, wrong = check_template(page, at_refetch, src.url, old.content_hash)
        same, missed = same or later, missed or wrong
    return at_first is not None or at_refetch is not None, same, missed


def score(trials: Sequence[Trial]) -> dict[str, Any]:
    ran = [t for t in trials if t.error != "not applicable"]
    scored = [t for t in ran if not t.adversarial]
    real = [t for t in scored if t.real]
    null = [t for t in scored if not t.real]
    adversarial = [t for t in ran if t.adversarial]
    kinds = {
        kind: tally((kind in t.applied, kind in t.reported) for t in scored) for kind in SCORED
    }
    unexpected = Counter(k for t in scored for k in t.reported - t.applied if k not in SCORED)
    return {
        "trials": len(scored),
        "not_applicable": Counter(t.name for t in trials if t.error == "not applicable"),
        "real_trials": len(real),
        "version_gain_rate": ratio(sum(t.new_version for t in real), len(real)),
        "null_trials": len(null),
        "false_versions": sum(t.new_version for t in null),
        "extraction_errors": sum(1 for t in ran if t.error),
        # The fast path's "unchanged" where the full extraction finds a new version (must be 0),
        # or fails (an error the fast path would have hidden); and its "unchanged" decisions.
        "fast_path_missed_edits": sum(1 for t in ran if t.fast_same and t.new_version),
        "fast_path_missed_failures": sum(1 for t in ran if t.fast_same and t.error),
        "fast_path_same_decisions": sum(1 for t in ran if t.fast_same),
        # tier 0 (the page template, checked on raw bytes): trials whose page A gave a
        # template, its "unchanged" decisions, and those the full extraction contradicts (0)
        "tier0_learned_trials": sum(1 for t in ran if t.tier0_learned),
        "tier0_same_decisions": sum(1 for t in ran if t.tier0_same),
        "tier0_missed_edits": sum(1 for t in ran if t.tier0_missed),
        "tier0_same_decisions_on_edits": sum(1 for t in ran if t.tier0_same and t.real),
        # tier 0 by site rules (the template of page A derived from its learned template's
        # rules, :func:`tier0_derived_trial`): trials with a derived template, its "unchanged"
        # decisions, and those the full extraction contradicts (0)
        "tier0_derived_trials": sum(1 for t in ran if t.tier0_derived),
        "tier0_derived_same_decisions": sum(1 for t in ran if t.tier0_derived_same),
        "tier0_derived_missed_edits": sum(1 for t in ran if t.tier0_derived_missed),
        "tier0_derived_same_decisions_on_edits": sum(
            1 for t in ran if t.tier0_derived_same and t.real
        ),
        # edits just outside the article (ADVERSARIAL_TRIALS): how many the full extraction
        # reads (a new version), and how many of those the fast path missed (counted above too)
        "adversarial_trials": len(adversarial),
        "adversarial_new_versions": sum(t.new_version for t in adversarial),
        "adversarial_fast_path_missed": sum(
            1 for t in adversarial if t.fast_same and t.new_version
        ),
        "kinds": kinds,
        "other_kinds_reported": dict(sorted(unexpected.items())),
        "by_trial": {
            name: {
                "trials": len(group),
                "new_version": sum(t.new_version for t in group),
                "exact": sum(t.reported == t.applied for t in group),
            }
            for name in TRIALS
            if (group := [t for t in ran if t.name == name])
        },
    }


def disagreements(trials: Iterable[Trial]) -> list[dict[str, Any]]:
    rows = []
    for t in trials:
        if t.error == "not applicable" or t.adversarial:
            continue
        if t.new_version == t.real and t.reported == t.applied:
            continue
        rows.append(
            {
                "page": t.page[:12],
                "trial": t.name,
                "applied": sorted(t.applied),
                "new_version": t.new_version,
                "missed": sorted(t.applied - t.reported),
                "extra": sorted(t.reported - t.applied),
                **({"error": t.error} if t.error else {}),
                **({"notes": t.notes} if t.notes else {}),
            }
        )
    return rows


# --- the real crawl path on a sample -----------------------------------------------------------


def evaluate(
    root: Path,
    seed: int = DEFAULT_SEED,
    pages: int | None = None,
    names: Sequence[str] = TRIALS,
) -> tuple[list[Source], list[Trial]]:
    sources = load_sources(root, pages)
    trials = [t for s in sources for t in run_source(s, seed, names)]
    return sources, trials


def corpus_digest(root: Path) -> str:
    return hashlib.sha256((root / BENCHMARK / "ground-truth.json").read_bytes()).hexdigest()
