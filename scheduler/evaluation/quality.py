"""Diff quality on real article revisions: what redline records against independent labels.

The benchmark ``python -m bench.quality --out bench/results/quality.json [--crawl-sample 10]``
and the gate ``tests/test_diff_quality.py`` both run this module (see docs/decisions.md).

For every development pair in ``../shared/data/govuk-news-versions`` and
``../shared/data/cnn-lite-versions`` it builds the two served pages (in different chrome),
runs ``extract_article`` and ``compare`` in process and scores the edit kinds redline reports
against the pair's labels, per kind, as precision and recall over pairs (a pair is positive
for a kind when the label says at least one edit of it happened).  It also counts false
versions (a changed ``content_hash`` on ``no_visible_change`` / ``layout_only`` pairs) and the
version-gain rate on ``changed`` pairs, and runs every pair through the fast path's
fingerprint and each GOV.UK pair through its tier 0 (``run_pair``, ``run_tier0``).  Nothing
here writes files or starts processes.

Pages: GOV.UK versions are ``<main>`` fragments, wrapped here in a document with a GOV.UK-like
head (title, ``og:*``, description, canonical link; no timestamps: those come from the page's
own history) and chrome that changes per fetch (cookie banner, menu, survey, script URLs).
CNN versions are JSON (title, authors, text); their page is built at run time, and no CNN
text is ever written to the repository or to the results (only pair ids and kinds).

Mapping of kinds to labels, and why (see docs/diff-quality.md):

* ``headline``: ``title_changed``;
* ``paragraph_added`` / ``paragraph_removed``: blocks or paragraphs added / removed;
* ``paragraph_changed``: blocks or paragraphs changed (GOV.UK: or the lead changed; redline
  reports the lead, which is the page's description, as a ``description`` edit);
* both labels are difflib sequence diffs, without moves, splits or merges: a
  ``paragraph_moved`` counts as removed and added, a ``paragraph_split`` as changed and
  added, a ``paragraph_merged`` as changed and removed (what difflib makes of each);
* ``updated`` (GOV.UK): ``last_updated_a != last_updated_b``;
* ``correction_note`` (GOV.UK): ``change_notes_b`` has a note more than ``change_notes_a``
  (counted as lists: a new note may repeat an old one's words);
* ``byline`` (CNN): the ``authors`` lists differ.

Paragraphs that redline makes of a page's change history (``Update (<day>): ...``) are the
notes, not body text: their paragraph edits are scored as ``correction_note`` only.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from lxml import html as lxml_html

from archive.diff import ChangeRecord, compare
from archive.enums import EditKind, FailureReason
from archive.errors import ExtractionError
from archive.extract import DEFAULT_MIN_CHARS, Article, extract_article
from archive.extract.extractor import extract_with_fingerprint, same_article
from scheduler.demo.chrome import dress
from scheduler.evaluation import CORE_KINDS, ratio, tally
from scheduler.evaluation.tier0 import (
    Rules,
    check_template,
    derive_template,
    learn_template,
    site_rules_of,
)

CORPORA = ("govuk-news-versions", "cnn-lite-versions")
KINDS = (*CORE_KINDS, "correction_note")
UNCHANGED_KINDS = frozenset({"no_visible_change", "layout_only"})
# The kinds each corpus labels: CNN's lite text has no timestamps or change notes (a CNN
# "Correction:" paragraph is real but unlabelled), GOV.UK names no authors.
LABELLED = {
    "govuk": frozenset(KINDS) - {"byline"},
    "cnn": frozenset(KINDS) - {"updated", "correction_note"},
}

# Edit kinds scored under another label: a split or a merge is a changed paragraph to a
# block diff that has no such notion.
# The labels are difflib sequence diffs, which know neither moves, splits nor merges: a move is
# a deletion in one place and an insertion in another (difflib keeps one of two swapped
# paragraphs and deletes and re-inserts the other); a split of one paragraph into k is one
# changed block and k-1 inserted ones, a merge one changed block and k-1 deleted ones.
_SCORED_AS = {
    EditKind.PARAGRAPH_SPLIT: ("paragraph_changed", "paragraph_added"),
    EditKind.PARAGRAPH_MERGED: ("paragraph_changed", "paragraph_removed"),
    EditKind.PARAGRAPH_MOVED: ("paragraph_removed", "paragraph_added"),
}
# GOV.UK's lead paragraph is the page's summary, which is also its meta description: redline
# reports a standfirst that repeats the description once, as the ``description`` edit, where
# the label says ``lead_changed`` (scored as a changed paragraph, see ``_govuk_truth``).
_SCORED_AS_IN: dict[str, dict[EditKind, tuple[str, ...]]] = {
    "govuk": {EditKind.DESCRIPTION: ("paragraph_changed",)},
}
_HISTORY_NOTE = re.compile(r"^Update(?: \([^()]{1,40}\))?: ")
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.DOTALL)
_LEAD = re.compile(r'<p class="gem-c-lead-paragraph[^"]*"[^>]*>(.*?)</p>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_CNN_SUFFIX = re.compile(r"\s+\|\s+CNN[^|]*$")


@dataclass
class Pair:
    """One labelled revision pair, its two served pages and the label's kinds."""

    id: str
    corpus: str
    url: str
    kind: str
    truth: frozenset[str]
    pages: tuple[str, str]
    # the label with documented corrections (docs/diff-quality.md), when it has any
    corrected: frozenset[str] | None = None
    # what the label shows of moved paragraphs, read exactly and by alike blocks
    moved: LabelMoves = field(default_factory=lambda: LabelMoves(None))
    # the new version's page in the old page's site chrome, for tier 0 (``run_tier0``); None
    # for CNN, a text-only corpus
    tier0_new: str | None = None


@dataclass
class Outcome:
    """What redline recorded for one pair."""

    pair: Pair
    new_version: bool
    kinds: frozenset[str]
    raw: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    wall: bool = False  # a page of the pair is a wall (an error page captured with 200...)
    fast_same: bool = False  # the fast path found the new page unchanged from the old one's
    fast_checked: bool = False  # ... which it checked (the old page gave a fingerprint)
    # tier 0 (``run_tier0``): a template was learned from the old page, it found the new page
    # the same, and the full extraction of that page says otherwise
    tier0_learned: bool = False
    tier0_same: bool = False
    tier0_missed: bool = False
    tier0_refetch_same: bool = False  # ... and found the old page, re-requested, the same
    # tier 0 by site rules (``run_tier0_derived``): a template was derived for the old page
    # from the rules another pair's template taught, its "same" decisions on the new page (as
    # the version's first refetch, and as a later one), one the full extraction disagrees
    # with, and the control (the old page refetched found the same)
    tier0_derived: bool = False
    tier0_derived_same: bool = False
    tier0_derived_missed: bool = False
    tier0_derived_refetch_same: bool = False
    # the texts each ``paragraph_moved`` edit moved, as (old, new)
    moves: tuple[tuple[str, str], ...] = ()
    # ... and where, as (old position, new position), in the two versions' paragraphs
    moved_at: tuple[tuple[int, int], ...] = ()
    paragraphs: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())


def index_digests(root: Path) -> dict[str, str]:
    """SHA-256 of each corpus's ``index.json``, so that a changed corpus is noticed."""
    return {
        name: hashlib.sha256((root / name / "index.json").read_bytes()).hexdigest()
        for name in CORPORA
    }


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", fragment)).split())


def govuk_page(fragment: str, url: str, seed: int) -> str:
    """A GOV.UK-like document around a ``<main>`` fragment; chrome varies with ``seed``."""
    title = _plain(m.group(1)) if (m := _H1.search(fragment)) else ""
    lead = _plain(m.group(1)) if (m := _LEAD.search(fragment)) else ""
    banner = (
        '<div class="gem-c-cookie-banner"><p>We use some essential cookies to make this service'
        " work.</p><button>Accept additional cookies</button></div>"
        if seed % 2
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en" class="govuk-template"><head><meta charset="utf-8">
<title>{html.escape(title)} - GOV.UK</title>
<meta property="og:site_name" content="GOV.UK">
<meta property="og:title" content="{html.escape(title)}">
<meta name="description" content="{html.escape(lead)}">
<link rel="canonical" href="{html.escape(url)}">
<link rel="stylesheet" href="/assets/static/application-{seed * 7919 % 99991:05d}.css">
<script src="/assets/static/application-{seed * 104729 % 99991:05d}.js"></script>
</head><body class="govuk-template__body">{banner}
<header class="govuk-header"><a href="/" class="govuk-header__link">GOV.UK</a>
<nav><ul><li><a href="/browse/benefits">Benefits</a></li><li><a href="/search?q={seed}">Search
</a></li></ul></nav></header>
<div class="govuk-width-container"><main class="govuk-main-wrapper" id="content" role="main">
{fragment}
</main>
<div class="gem-c-feedback"><h2>Is this page useful?</h2><a href="/contact?ref={seed}">Yes</a>
<a href="/contact?ref={seed}&amp;no=1">No</a></div></div>
<footer class="govuk-footer"><p>All content is available under the Open Government Licence
v3.0, except where otherwise stated</p><p>&copy; Crown copyright</p></footer>
</body></html>"""


def cnn_page(version: dict[str, Any], seed: int) -> str:
    """A page like CNN's text-only site for one CNN version (built at run time, never stored)."""
    title = str(version.get("title") or "")
    headline = _CNN_SUFFIX.sub("", title)
    authors = [str(a) for a in version.get("authors") or []]
    byline = ", ".join(authors)
    paragraphs = [p.strip() for p in str(version.get("text") or "").split("\n\n") if p.strip()]
    body = "\n".join(f'<p class="paragraph--lite">{html.escape(p)}</p>' for p in paragraphs)
    author_meta = f'<meta name="author" content="{html.escape(byline)}">' if byline else ""
    byline_p = f'<p class="byline--lite">By {html.escape(byline)}, CNN</p>' if byline else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta property="og:site_name" content="CNN">{author_meta}
<link rel="canonical" href="{html.escape(str(version.get("url") or ""))}">
</head><body><header><a href="/">CNN</a> <a href="/edition?v={seed}">Switch edition</a></header>
<article><h1 class="headline">{html.escape(headline)}</h1>
{byline_p}
<div class="article--lite">
{body}
</div></article>
<footer><a href="https://www.cnn.com/?ref={seed * 13}">See Full Web Article</a>
<p>&copy; Cable News Network</p></footer></body></html>"""


def _govuk_truth(label: dict[str, Any]) -> frozenset[str]:
    diff = label["machine_diff"]
    truth = set()
    if diff["title_changed"]:
        truth.add("headline")
    if diff["last_updated_a"] != diff["last_updated_b"]:
        truth.add("updated")
    if diff["body_blocks_added"]:
        truth.add("paragraph_added")
    if diff["body_blocks_removed"]:
        truth.add("paragraph_removed")
    if diff["body_blocks_changed"] or diff["lead_changed"]:
        truth.add("paragraph_changed")
    # A list, not a set: a page that adds a note worded like an earlier one ("Added latest
    # update.") has one more of it.
    if Counter(diff["change_notes_b"]) - Counter(diff["change_notes_a"]):
        truth.add("correction_note")
    return frozenset(truth)


_LAST_UPDATED = re.compile(r"Last updated\s+(\d{1,2} \w+ \d{4})")


def _visible_last_updated(fragment: str) -> str | None:
    """The "Last updated <day>" the page shows (the label misses the ``<br></br>`` form)."""
    found = _LAST_UPDATED.search(_plain(fragment))
    return found.group(1) if found else None


_TIME_TAG = re.compile(r"<time\b[^>]*>")
_DATETIME = re.compile(r'datetime="([^"]+)"')


def _newest_change(fragment: str) -> datetime | None:
    """The newest time in the page's change history (``<time datetime>``), if any."""
    times = [
        datetime.fromisoformat(found.group(1))
        for tag in _TIME_TAG.findall(fragment)
        if "change-date" in tag and (found := _DATETIME.search(tag))
    ]
    return max(times, default=None)


_TRANSLATIONS = re.compile(
    r'<nav[^>]*aria-label="Translations"[^>]*>(.*?)</nav>', re.DOTALL | re.IGNORECASE
)


def _translation_links(fragment: str) -> int:
    """How many entries the page's language switcher (a ``<nav>``) has."""
    found = _TRANSLATIONS.search(fragment)
    return found.group(1).count("<li") if found else 0


_CHANGE_ITEM = re.compile(r'<li class="[^"]*change-item[^"]*">(.*?)</li>', re.DOTALL)


def _history_entries(fragment: str) -> Counter[str]:
    """The entries of the page's change history as shown (day and note), but "First published"."""
    entries = (_plain(item) for item in _CHANGE_ITEM.findall(fragment))
    return Counter(e for e in entries if e and not e.lower().endswith("first published."))


def _govuk_corrected(label: dict[str, Any], fragments: list[str]) -> frozenset[str]:
    """The label with the corrections documented in docs/diff-quality.md.

    * ``updated``: the label's parser misses "Last updated" after ``<br></br>`` and compares
      days only; the page shows an update when its visible day or the newest time of its
      change history (``<time datetime>``) differs.
    * ``paragraph_added`` / ``paragraph_removed``: the label's body region takes in the
      language switcher (``<nav aria-label="Translations">``: "English", "Cymraeg"), whose
      entries are navigation, not text; they are not counted.
    * ``correction_note``: the label reads notes only from ``change-note`` elements, so it
      finds none on pages with the older history markup; the page shows a new note when its
      history has an entry more (other than "First published.").
    """
    diff = label["machine_diff"]
    truth = set(_govuk_truth(label))
    days = [_visible_last_updated(f) for f in fragments]
    newest = [_newest_change(f) for f in fragments]
    truth.discard("updated")
    if days[0] != days[1] or (None not in newest and newest[0] != newest[1]):
        truth.add("updated")
    if _history_entries(fragments[1]) - _history_entries(fragments[0]):
        truth.add("correction_note")
    else:
        truth.discard("correction_note")
    links = [_translation_links(f) for f in fragments]
    if diff["body_blocks_added"] <= max(0, links[1] - links[0]):
        truth.discard("paragraph_added")
    if diff["body_blocks_removed"] <= max(0, links[0] - links[1]):
        truth.discard("paragraph_removed")
    return frozenset(truth)


def _cnn_truth(label: dict[str, Any]) -> frozenset[str]:
    diff = label["machine_diff"]
    truth = {"headline"} if diff["title_changed"] else set()
    for kind in ("added", "removed", "changed"):
        if diff[f"paragraphs_{kind}"]:
            truth.add(f"paragraph_{kind}")
    return frozenset(truth)


# A deleted and an inserted block at least this alike by their characters (difflib's ratio,
# the labels' own measure) may be one paragraph, moved and edited.
_NEAR_SAME = 0.8


@dataclass(frozen=True)
class LabelMoves:
    """What a label's examples say of moved paragraphs, read two ways (docs/diff-quality.md).

    ``strict``: the exact reading.  A text (not cut at 160 characters) both deleted and
    inserted, or a "changed" block equal to itself, is a move; complete examples with none of
    these and no deleted block ``_NEAR_SAME`` alike to an inserted one are no move; anything
    else is None (cannot tell).

    ``alike``: on pairs the exact reading cannot tell, the deleted / inserted blocks that are
    ``_NEAR_SAME`` alike, one to one and not both cut, as (removed, added).  difflib pairs
    alike blocks (ratio >= 0.5) inside one replaced stretch, so two that it left apart stood
    on either side of text it kept: the paragraph may have moved with an edit.  They may also
    be two different paragraphs written from one template ("Moving fruit ..." / "Moving fish
    ..."), so such a pair is scored on these blocks only: a move redline reports counts as
    found only when it moved those same blocks (``moves_those_blocks``).
    """

    strict: bool | None
    alike: tuple[tuple[str, str], ...] = ()
    # the texts the label shows moved (``strict`` True), whole ones only, and whether its
    # examples list every block it deleted and inserted (then a move redline reports that is
    # none of these, nor the other side of one of them, is a false one)
    blocks: tuple[str, ...] = ()
    complete: bool = False


def _alike(a: str, b: str) -> bool:
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= _NEAR_SAME


def _whole(example: str, blocks: Sequence[str]) -> str:
    """The label's example in full: a text cut at 160 characters ("…") is the one block of
    its version that begins so, when exactly one does (else it stays cut).  Compared cut, a
    block and its own opening are alike however much text the cut left out (a paragraph that
    lost its last clause in place reads as "moved" to the alike reading)."""
    if not example.endswith("…"):
        return example
    opening = " ".join(example[:-1].split())
    found = {block for block in blocks if block.startswith(opening)}
    return found.pop() if len(found) == 1 else example


def _label_moved(
    counts: tuple[int, int],
    examples: dict[str, Any],
    blocks: tuple[Sequence[str], Sequence[str]] = ((), ()),
) -> LabelMoves:
    """The label's moves, from its examples (at most 3 of a kind; see ``LabelMoves``).

    difflib has no moves: a moved paragraph is the same text deleted and inserted, or, inside
    one replaced stretch, a "changed" block equal to itself.  Examples are cut at 160
    characters ("…"): two cut ones, equal or alike, may be a move or two paragraphs that open
    alike, so they leave the question open; so does one block alike to two on the other side
    (a title kept twice, template lines): which one it became is a guess, as it is to redline
    (``MOVE_MARGIN``).
    """
    listed_added = [_whole(text, blocks[1]) for text in examples["added"]]
    listed_removed = [_whole(text, blocks[0]) for text in examples["removed"]]
    added, removed = set(listed_added), set(listed_removed)
    same = (added & removed) | {c["a"] for c in examples["changed"] if c["a"] == c["b"]}
    complete = (len(examples["added"]), len(examples["removed"])) == counts
    whole = tuple(sorted(text for text in same if not text.endswith("…")))
    if whole:
        return LabelMoves(True, blocks=whole, complete=complete)
    alike = [(r, a) for a in listed_added for r in listed_removed if a != r and _alike(a, r)]
    if complete and not same and not alike:
        return LabelMoves(False, complete=True)
    one_to_one = tuple(
        (r, a)
        for r, a in alike
        if [y for y, _ in alike].count(r) == 1
        and [x for _, x in alike].count(a) == 1
        and not (r.endswith("…") and a.endswith("…"))
    )
    return LabelMoves(None, one_to_one)


_TABLE_ROW = re.compile(r"^\| (.*) \|$")


def _is_block(label: str, text: str) -> bool:
    """Whether redline's paragraph ``text`` is the label's block ``label``: ``_NEAR_SAME``
    alike, both cut where the label's example is ("…").  GOV.UK's labels take a table's cells
    as blocks, where redline writes a row as one paragraph (``| cell | cell |``): a row is the
    block when one of its cells is."""
    row = _TABLE_ROW.match(text)
    candidates = [text, *(row.group(1).split(" | ") if row else ())]
    if label.endswith("…"):
        label = label[:-1]
        candidates = [c[: len(label)] for c in candidates]
    return any(_alike(label, c) for c in candidates)


def moves_those_blocks(
    blocks: tuple[tuple[str, str], ...], moves: tuple[tuple[str, str], ...]
) -> bool:
    """Whether one of redline's moves (old text, new text) pairs one of the label's alike
    (removed, added) blocks: its old text is the removed block and its new text the added one
    (``_is_block``)."""
    return any(
        _is_block(removed, old) and _is_block(added, new)
        for removed, added in blocks
        for old, new in moves
    )


_BLOCK_TAGS = ("p", "li", "td", "th", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption")


def _govuk_blocks(fragment: str) -> list[str]:
    """The visible text of each block element of a GOV.UK ``<main>`` fragment, spaces folded:
    where a cut example of the label is read in full (``_whole``)."""
    if not fragment.strip():
        return []
    tree = lxml_html.fromstring(fragment)
    return [" ".join(e.text_content().split()) for e in tree.iter(*_BLOCK_TAGS)]


def _cnn_blocks(version: dict[str, Any]) -> list[str]:
    """The paragraphs of a CNN version's text, spaces folded (``_whole``)."""
    return [" ".join(p.split()) for p in str(version.get("text") or "").split("\n\n")]


def load_pairs(root: Path) -> list[Pair]:
    """Every development pair of both corpora, with both pages built."""
    pairs = []
    base = root / "govuk-news-versions"
    for label in json.loads((base / "index.json").read_text(encoding="utf-8"))["pairs"]:
        fragments = [
            (base / label[f"version_{v}"]["file"]).read_text(encoding="utf-8") for v in "ab"
        ]
        truth = _govuk_truth(label)
        corrected = _govuk_corrected(label, fragments)
        pages = (
            govuk_page(fragments[0], label["url"], 1),
            govuk_page(fragments[1], label["url"], 2),
        )
        diff = label["machine_diff"]
        moved = _label_moved(
            (diff["body_blocks_added"], diff["body_blocks_removed"]),
            diff["body_examples"],
            (_govuk_blocks(fragments[0]), _govuk_blocks(fragments[1])),
        )
        pair = Pair(
            label["id"],
            "govuk",
            label["url"],
            label["kind"],
            truth,
            pages,
            corrected,
            moved,
            tier0_new=govuk_page(fragments[1], label["url"], 1),
        )
        pairs.append(pair)
    base = root / "cnn-lite-versions"
    for label in json.loads((base / "index.json").read_text(encoding="utf-8"))["pairs"]:
        versions = [
            json.loads((base / label[f"version_{v}"]["file"]).read_text(encoding="utf-8"))
            for v in "ab"
        ]
        truth = _cnn_truth(label)
        if versions[0].get("authors") != versions[1].get("authors"):
            truth |= {"byline"}
        pages = (cnn_page(versions[0], 1), cnn_page(versions[1], 2))
        diff = label["machine_diff"]
        moved = _label_moved(
            (diff["paragraphs_added"], diff["paragraphs_removed"]),
            diff["examples"],
            (_cnn_blocks(versions[0]), _cnn_blocks(versions[1])),
        )
        pairs.append(
            Pair(label["id"], "cnn", label["url"], label["kind"], truth, pages, moved=moved)
        )
    return pairs


def scored_kinds(record: ChangeRecord, corpus: str = "") -> frozenset[str]:
    """The label kinds a change record claims (see the module docstring for the mapping)."""
    scored_as = {**_SCORED_AS, **_SCORED_AS_IN.get(corpus, {})}
    kinds: set[str] = set()
    for edit in record.edits:
        texts = edit.old_paragraphs + edit.new_paragraphs
        if texts and all(_HISTORY_NOTE.match(t) for t in texts):
            continue  # a change-history entry: scored through its correction_note edit
        kinds.update(scored_as.get(edit.kind, (edit.kind.value,)))
    return frozenset(kinds)


# A page the wall guard refuses is not a revision of the article: some labelled GOV.UK
# snapshots are the site's "Page not found" page, captured with status 200.  Such pairs are
# counted apart (``wall_pairs``), not as versions the crawl failed to find.
WALL_REASONS = frozenset(
    {FailureReason.CONSENT_WALL, FailureReason.PAYWALL, FailureReason.SOFT_404}
)


def run_pair(pair: Pair, rules: Rules | None = None) -> Outcome:
    """Extract both pages and compare them, as the crawl does: the old page in full (with its
    fast-path fingerprint), the new one through the fast path's decision first, then in full;
    and the pair through tier 0 of the fast path (``run_tier0``), and through a template
    derived from the site's ``rules`` when given (``run_tier0_derived``)."""
    learned, same, missed, refetch = run_tier0(pair)
    derived = run_tier0_derived(pair, rules) if rules else (False, False, False, False)
    return replace(
        _run_full(pair),
        tier0_learned=learned,
        tier0_same=same,
        tier0_missed=missed,
        tier0_refetch_same=refetch,
        tier0_derived=derived[0],
        tier0_derived_same=derived[1],
        tier0_derived_missed=derived[2],
        tier0_derived_refetch_same=derived[3],
    )


def site_rules(pairs: Sequence[Pair]) -> tuple[str, Rules] | None:
    """The site rules of the first GOV.UK pair (by id) whose old page gives a template, as
    the crawl keeps them when it learns one; and that pair's id (the others derive from
    them)."""
    for pair in sorted(pairs, key=lambda p: p.id):
        old = _tier0_old(pair)
        if old is None:
            continue
        first, article = old
        second = dress(pair.pages[0], pair.id, 2)
        template = learn_template(first, second, pair.url, article.content_hash)
        rules = site_rules_of(template, second) if template else None
        if rules:
            return pair.id, rules
    return None


def _tier0_old(pair: Pair) -> tuple[str, Article] | None:
    """The set-up every tier-0 run of a pair shares: the old version's page as served under
    request chrome 1 (``scheduler.demo.chrome.dress``), the page the version is stored with,
    and its full extraction (the stored article).  None when the pair is not run through tier 0
    (no ``tier0_new``: a CNN pair) or the page gives no article (no version to learn or derive
    a template on)."""
    if pair.tier0_new is None:
        return None
    first = dress(pair.pages[0], pair.id, 1)
    try:
        return first, extract_article(first, pair.url)
    except ExtractionError:
        return None


def run_tier0_derived(pair: Pair, rules: Rules) -> tuple[bool, bool, bool, bool]:
    """Tier 0 by site rules on one pair, as the crawl runs it: a template derived from
    ``rules`` (learned on another pair) for the old page served under one request chrome,
    the version's first refetch being either the new version's page (an edit at the first
    refetch: found the same only where the full extraction agrees) or the old page under a
    second request chrome (then the new version's page, under a third, is checked against
    the template derived there).  Returns (a template was derived on the old page refetched,
    the new page was found the same either way, the full extraction of a page found the
    same finds another article or fails, the old page refetched under a third chrome was
    found the same)."""
    old = _tier0_old(pair)
    if old is None or pair.tier0_new is None:
        return False, False, False, False
    first, article = old
    old_hash = article.content_hash
    missed = False
    new = dress(pair.tier0_new, pair.id, 2)
    edited_first = derive_template(rules, first, new, pair.url, article=article)
    same = edited_first is not None
    if same:  # the new version's page taken for the old one: only if the extraction agrees
        _, missed = check_template(new, edited_first or "", pair.url, old_hash)
    again = dress(pair.pages[0], pair.id, 2)
    template = derive_template(rules, first, again, pair.url, article=article)
    if template is None:
        return False, same, missed, False
    later, wrong = check_template(dress(pair.tier0_new, pair.id, 3), template, pair.url, old_hash)
    refetch, wrong_too = check_template(
        dress(pair.pages[0], pair.id, 3), template, pair.url, old_hash
    )
    return True, same or later, missed or wrong or wrong_too, refetch


def run_tier0(pair: Pair) -> tuple[bool, bool, bool, bool]:
    """Tier 0 of the fast path on one pair, as the crawl runs it
    (``scheduler.evaluation.tier0``, as ``scheduler.evaluation.edits.tier0_trial``): the old
    version's page served under two request chromes (``scheduler.demo.chrome.dress``: tokens,
    menu, ad slots, most-read list, counters, cache-busted asset URLs; nothing inside the
    article), the first extracted in full and a template learned from the two; then the new
    version's page, in the old page's site chrome under a third request chrome, checked
    against it; and, as a control, the old page under that third request chrome (a refetch
    of an unchanged article, which tier 0 should find the same).  The site chrome is the old
    page's because the pair's own pages differ in theirs (GOV.UK's cookie banner, asset
    names), which tier 0 would refuse every time; what changes from request to request is
    the request chrome.  Returns (a template was learned, it found the new page the same, the
    full extraction of a page it found the same finds another article or fails, it found the
    old page refetched the same).

    GOV.UK pairs only: the CNN corpus is text-only (JSON: title, authors, text; no HTML), and
    the page ``cnn_page`` builds around it is this module's, not the site's (the fast path
    finds no fingerprint on it either: its article is a child of ``<body>``)."""
    old = _tier0_old(pair)
    if old is None or pair.tier0_new is None:
        return False, False, False, False
    first, article = old
    old_hash = article.content_hash
    template = learn_template(first, dress(pair.pages[0], pair.id, 2), pair.url, old_hash)
    if template is None:
        return False, False, False, False
    same, missed = check_template(dress(pair.tier0_new, pair.id, 3), template, pair.url, old_hash)
    refetch, wrong = check_template(dress(pair.pages[0], pair.id, 3), template, pair.url, old_hash)
    return True, same, missed or wrong, refetch


def _run_full(pair: Pair) -> Outcome:
    fast_same = checked = False
    try:
        old, fingerprint = extract_with_fingerprint(pair.pages[0], pair.url)
        fast_same = same_article(pair.pages[1], pair.url, None, DEFAULT_MIN_CHARS, fingerprint)
        checked = True
        new = extract_article(pair.pages[1], pair.url)
    except ExtractionError as error:
        wall = error.reason in WALL_REASONS
        return Outcome(
            pair,
            new_version=False,
            kinds=frozenset(),
            error=str(error),
            wall=wall,
            fast_same=fast_same,
            fast_checked=checked,
        )
    if old.content_hash == new.content_hash:
        return Outcome(
            pair, new_version=False, kinds=frozenset(), fast_same=fast_same, fast_checked=True
        )
    record = compare(old, new)
    kinds = scored_kinds(record, pair.corpus)
    edits = [e for e in record.edits if e.kind is EditKind.PARAGRAPH_MOVED]
    return Outcome(
        pair,
        True,
        kinds,
        raw=record.kinds(),
        fast_same=fast_same,
        fast_checked=True,
        moves=tuple((" ".join(e.old_paragraphs), " ".join(e.new_paragraphs)) for e in edits),
        moved_at=tuple((e.old_positions[0], e.new_positions[0]) for e in edits),
        paragraphs=(tuple(old.paragraphs), tuple(new.paragraphs)),
    )


def score(outcomes: Iterable[Outcome], *, corrected: bool = False) -> dict[str, Any]:
    """Per-kind precision and recall, false versions and the version-gain rate, by corpus.

    A kind is scored only on the corpora that label it (``LABELLED``).  With ``corrected``,
    the labels with documented corrections are used where a pair has them.
    """
    outcomes = list(outcomes)

    def truth(o: Outcome) -> frozenset[str]:
        return o.pair.corrected if corrected and o.pair.corrected is not None else o.pair.truth

    results: dict[str, Any] = {}
    for corpus in ("all", "govuk", "cnn"):
        chosen = [o for o in outcomes if corpus in ("all", o.pair.corpus)]
        changed = [o for o in chosen if o.pair.kind == "changed" and not o.wall]
        unchanged = [o for o in chosen if o.pair.kind in UNCHANGED_KINDS and not o.wall]
        per_kind = {}
        for kind in KINDS:
            scope = [o for o in changed if kind in LABELLED[o.pair.corpus]]
            counts = tally((kind in truth(o), kind in o.kinds) for o in scope)
            if counts["tp"] + counts["fp"] + counts["fn"]:
                per_kind[kind] = counts
        results[corpus] = {
            "pairs": len(chosen),
            "moved": _score_moved(changed),
            "changed_pairs": len(changed),
            "version_gain_rate": ratio(sum(o.new_version for o in changed), len(changed)),
            "unchanged_pairs": len(unchanged),
            "false_versions": sum(o.new_version for o in unchanged),
            # the fast path's "unchanged" where the full extraction finds a new version (must
            # be 0), and its "unchanged" decisions
            "fast_path_missed_edits": sum(1 for o in chosen if o.fast_same and o.new_version),
            "fast_path_same_decisions": sum(1 for o in chosen if o.fast_same),
            # tier 0 (``run_tier0``): pairs whose old page gave a template, its "same"
            # decisions on the new page, and those where the full extraction finds a new
            # version (of a page it checked, or of the pair's own pages) or fails (must be 0)
            "tier0_learned": sum(1 for o in chosen if o.tier0_learned),
            "tier0_same_decisions": sum(1 for o in chosen if o.tier0_same),
            "tier0_missed_edits": sum(
                1 for o in chosen if o.tier0_missed or (o.tier0_same and o.new_version)
            ),
            # the control: the old page refetched in new request chrome, found the same
            "tier0_refetch_same": sum(1 for o in chosen if o.tier0_refetch_same),
            # tier 0 by site rules learned on one pair (``run_tier0_derived``): pairs whose
            # old page got a derived template, "same" decisions on the new page, those the
            # full extraction disagrees with (must be 0), the control
            "tier0_derived": sum(1 for o in chosen if o.tier0_derived),
            "tier0_derived_same_decisions": sum(1 for o in chosen if o.tier0_derived_same),
            "tier0_derived_missed_edits": sum(
                1
                for o in chosen
                if o.tier0_derived_missed or (o.tier0_derived_same and o.new_version)
            ),
            "tier0_derived_refetch_same": sum(1 for o in chosen if o.tier0_derived_refetch_same),
            "extraction_errors": sum(1 for o in chosen if o.error),
            "wall_pairs": sum(1 for o in chosen if o.wall),
            "kinds": per_kind,
        }
    return results


def _explaining(block: str, o: Outcome) -> set[int]:
    """Which of redline's moves on ``o`` account for the label's moved ``block``: a move of
    that block, or a move of a paragraph next to it (in the old or the new version) that
    crosses it (before it in one version, after it in the other).  A label made by difflib
    keeps the longest run in place and deletes and re-inserts the rest, so of two paragraphs
    that swapped it may show one moved where redline shows the other: the reader sees the
    same reordering either way.  A move elsewhere that merely crosses the block is not it."""
    old, new = o.paragraphs
    at_old = [k for k, text in enumerate(old) if _is_block(block, text)]
    at_new = [k for k, text in enumerate(new) if _is_block(block, text)]
    found = set()
    for n, (moved_old, moved_new) in enumerate(o.moves):
        if _is_block(block, moved_old) and _is_block(block, moved_new):
            found.add(n)
    for n, (i, j) in enumerate(o.moved_at):
        if any(
            (i < a) != (j < c) and (abs(i - a) <= 1 or abs(j - c) <= 1)
            for a in at_old
            for c in at_new
        ):
            found.add(n)
    return found


def _moved_cases(o: Outcome) -> list[tuple[bool, bool]]:
    """(expected, reported) cases of ``paragraph_moved`` on one pair, in its bucket.

    Strict (the label shows moved blocks or no move exactly), block by block, as a reader
    reads the moves: each block the label shows moved is found when one of redline's moves
    accounts for it (``_explaining``), else missed; a move of redline's that accounts for
    none is a false one where the label's examples list every block (and so every move), or
    where the label shows no move, and is not judged otherwise.  Alike (the label has alike
    deleted / inserted blocks, see ``LabelMoves``): a move found only when one of redline's
    moves pairs those same blocks; otherwise a move missed, and a move redline reports there
    is a false one too.
    """
    said = bool(o.raw.get("paragraph_moved"))
    moved = o.pair.moved
    if moved.strict is False:
        return [(False, True)] * len(o.moves)
    if moved.strict:
        cases, explained = [], set()
        for block in moved.blocks:
            found = _explaining(block, o)
            explained |= found
            cases.append((True, bool(found)))
        unexplained = len(o.moves) - len(explained)
        return cases + ([(False, True)] * unexplained if moved.complete else [])
    if not moved.alike:
        return []
    if moves_those_blocks(o.pair.moved.alike, o.moves):
        return [(True, True)]
    return [(True, False), *([(False, True)] if said else [])]


def _score_moved(changed: list[Outcome]) -> dict[str, Any]:
    """``paragraph_moved`` against the label, on the pairs whose label can tell, in two
    buckets: ``strict`` (exact labels) and ``alike`` (alike blocks, scored on those blocks)."""
    strict = [o for o in changed if o.pair.moved.strict is not None]
    alike = [o for o in changed if o.pair.moved.strict is None and o.pair.moved.alike]
    return {
        bucket: {
            "decidable_pairs": len(scope),
            **tally(case for o in scope for case in _moved_cases(o)),
        }
        for bucket, scope in (("strict", strict), ("alike", alike))
    }


def disagreements(outcomes: Iterable[Outcome]) -> list[dict[str, Any]]:
    """Pairs where redline and the label disagree (ids and kinds only, no text)."""
    rows = []
    for o in outcomes:
        expected_version = o.pair.kind == "changed"
        labelled = LABELLED[o.pair.corpus]
        missed = sorted(o.pair.truth - o.kinds)
        extra = sorted(k for k in o.kinds - o.pair.truth if k in labelled)
        if o.pair.kind == "changed":
            for expected, reported in _moved_cases(o):
                if expected != reported:
                    (missed if expected else extra).append("paragraph_moved")
        if missed or extra or o.new_version != expected_version:
            rows.append(
                {
                    "id": o.pair.id,
                    "label_kind": o.pair.kind,
                    "new_version": o.new_version,
                    "missed": missed,
                    "extra": extra,
                    "redline": o.raw,
                    **({"error": o.error} if o.error else {}),
                }
            )
    return rows


# --- the real crawl path on a sample ---------------------------------------------------------


def evaluate(root: Path) -> tuple[list[Pair], list[Outcome]]:
    """Load and run every pair."""
    pairs = load_pairs(root)
    seed = site_rules(pairs)
    rules = seed[1] if seed else None
    # the pair the rules were learned on derives from its own rules: left out of that count
    return pairs, [run_pair(p, rules if seed and p.id != seed[0] else None) for p in pairs]
