"""The fast path end to end: ``redline crawl`` against pages on the local site whose chrome
changes on every request.  An unchanged article is found unchanged without a full extraction;
its twins, each with one real edit (text, headline, update time, byline, description), are
extracted in full and gain a version; a fast-path decision the full extraction contradicts
(made so by construction) is counted by the sampled verification and shown by ``redline
status``, and the next fetch of that page is extracted in full.
"""

from __future__ import annotations

import sqlite3
from html import escape

import pytest

from archive.extract.extractor import extract_with_fingerprint
from tests.archive.test_fastpath import SHORT as FASTPATH_SHORT
from tests.archive.test_fastpath import located
from tests.archive.test_fastpath import page as fastpath_page
from tests.pages import PARAGRAPHS, Story, article_page, serve

pytestmark = pytest.mark.slow

BASE = Story()
# A value of every version's fast-path evidence set by hand, and each version's, by number
PLANT_FINGERPRINT, PLANT_TEMPLATE = (
    f"INSERT INTO fast_path_evidence (version_id, {c}) SELECT id, ? FROM versions WHERE true "
    f"ON CONFLICT (version_id) DO UPDATE SET {c} = excluded.{c}"
    for c in ("fingerprint", "template")
)
STORED_FINGERPRINT, STORED_TEMPLATE = (
    f"SELECT e.{c} FROM versions v LEFT JOIN fast_path_evidence e ON e.version_id = v.id "
    "ORDER BY v.number"
    for c in ("fingerprint", "template")
)
LATER = "2017-03-03T09:15:00+00:00"
TWINS = {
    "/text": BASE.but(
        paragraphs=(PARAGRAPHS[0], PARAGRAPHS[1] + " Two soldiers died.", *PARAGRAPHS[2:])
    ),
    "/headline": BASE.but(headline="Palmyra back in government hands"),
    "/updated": BASE.but(updated=LATER),
    "/byline": BASE.but(byline="Tomas Ridley"),
    "/description": BASE.but(description="Troops say the ancient city is theirs again."),
}


def test_chrome_only_refetches_take_the_fast_path_and_each_edit_is_found(redline, site):
    redline.env.update(REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_TIER0="0")  # the fingerprint alone
    serve(site, "/same", BASE)  # ads, related links, CSRF token, comment count... per request
    for path in TWINS:
        serve(site, path, BASE)
    urls = [site.url(p) for p in ("/same", *TWINS)]
    redline("track", *urls)
    first = redline.crawl()
    assert first["new_versions"] == len(urls)
    assert first["fast_path"] == {}  # nothing to compare with yet, and no fingerprint taken

    # the first refetch with other bytes: extracted in full, which takes the fingerprint
    learning = redline.crawl()
    assert (learning["unchanged"], learning["new_versions"]) == (len(urls), 0)
    assert learning["fast_path"] == {
        "fallbacks": len(urls),
        "fallback/learning": len(urls),
        "fingerprinted": len(urls),
    }

    for path, story in TWINS.items():
        serve(site, path, story)
    second = redline.crawl()
    assert (second["unchanged"], second["new_versions"], second["errors"]) == (1, len(TWINS), 0)
    # each fallback counted with its reason: the text, headline, update time and byline are
    # in the article's region; the description only in the page's metadata
    assert second["fast_path"] == {
        "decisions": 1,
        "fallbacks": len(TWINS),
        "fallback/region_changed": 4,
        "fallback/metadata_changed": 1,
        "fingerprinted": len(TWINS),
    }
    changed = {row["url"] for row in redline.json("changes", "--limit", "100")}
    assert changed == {site.url(p) for p in TWINS}

    # The new versions keep their pages' fingerprints: every page is now found unchanged fast.
    third = redline.crawl()
    assert (third["unchanged"], third["new_versions"]) == (len(urls), 0)
    assert third["fast_path"] == {"decisions": len(urls)}
    for path in ("/same", *TWINS):
        assert site.requests(path) == 4, path

    # The switch: with the fast path off every page is extracted in full, and nothing differs.
    redline.env["REDLINE_FAST_PATH"] = "0"
    off = redline.crawl()
    assert (off["unchanged"], off["new_versions"], off["fast_path"]) == (len(urls), 0, {})
    status = redline.json("status")["fast_path"]
    assert status == {
        "decisions": 1 + len(urls),
        "fallbacks": len(urls) + len(TWINS),
        "verifications": 0,
        "disagreements": 0,
        **dict.fromkeys(("tier0_decisions", "tier0_fallbacks", "tier0_learned"), 0),
        "tier0_unlearnable": 0,
        "tier0_derived": 0,
        "site_rules_dropped": 0,
    }


def test_a_disagreement_of_the_sampled_verification_is_counted_and_undone(redline_sqlite, site):
    """The fingerprint stored on version 1 is made, by hand, that of an edited page: the fast
    path then calls the edited page unchanged.  The verification (every decision, here) reads
    it in full before the capture is recorded, counts the disagreement, drops the fingerprint,
    and the capture goes through the full extraction: the edit is recorded in the same crawl."""
    redline = redline_sqlite
    redline.env.update(
        REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_TIER0="0", REDLINE_FAST_PATH_VERIFY_EVERY="1"
    )
    fixed = frozenset()  # no chrome: the pages are exactly as built here
    url = site.url("/v")
    serve(site, "/v", BASE, vary=fixed)
    redline("track", url)
    assert redline.crawl()["new_versions"] == 1

    edited = TWINS["/text"]
    _, fingerprint = extract_with_fingerprint(article_page(edited, vary=fixed), url)
    assert fingerprint is not None
    with sqlite3.connect(redline.data_dir / "redline.sqlite") as db:
        db.execute(PLANT_FINGERPRINT, (fingerprint,))
    serve(site, "/v", edited, vary=fixed)

    caught = redline.crawl()
    assert (caught["unchanged"], caught["new_versions"]) == (0, 1)
    # (the full extraction that follows a disagreement takes the page's fingerprint)
    assert caught["fast_path"] == {
        "decisions": 1,
        "verifications": 1,
        "disagreements": 1,
        "fingerprinted": 1,
    }
    status = redline.json("status")["fast_path"]
    assert (status["verifications"], status["disagreements"]) == (1, 1)
    assert "1 disagreements" in redline("status").stdout
    [change] = redline.json("changes", "--limit", "10")
    assert change["kinds"] == {"paragraph_changed": 1}
    with sqlite3.connect(redline.data_dir / "redline.sqlite") as db:
        stored = db.execute(STORED_FINGERPRINT).fetchall()
    assert stored == [(None,), (fingerprint,)]  # version 2 is the edited page: its own
    # the disagreement's capture keeps its WARC record under warc_retention = versions: the
    # evidence worth keeping (the full extraction's new version)
    with sqlite3.connect(redline.data_dir / "redline.sqlite") as db:
        kept = db.execute("SELECT warc_file IS NOT NULL FROM captures ORDER BY id").fetchall()
    assert kept == [(1,), (1,)]


def test_the_verification_sample_runs_on_across_crawls(redline_sqlite, site):
    """With one fast-path decision a crawl and a verification every 2nd decision, the count
    runs on across crawls: the 2nd crawl's decision is verified (a per-crawl count would never
    reach 2).  A verification that agrees is an unchanged capture like any other: under
    warc_retention = versions neither it nor the unverified one keeps a WARC record (the
    disagreement's twin above keeps its own); under ``all`` both keep theirs."""
    redline = redline_sqlite
    redline.env.update(
        REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_TIER0="0", REDLINE_FAST_PATH_VERIFY_EVERY="2"
    )
    serve(site, "/v", BASE)
    redline("track", site.url("/v"))
    redline.crawl()
    assert redline.crawl()["fast_path"]["fallback/learning"] == 1  # takes the fingerprint
    first = redline.crawl()
    assert first["fast_path"] == {"decisions": 1}
    second = redline.crawl()
    assert second["fast_path"] == {"decisions": 1, "verifications": 1}
    with sqlite3.connect(redline.data_dir / "redline.sqlite") as db:
        kept = db.execute("SELECT warc_file IS NOT NULL FROM captures ORDER BY id").fetchall()
    assert kept == [(1,), (0,), (0,), (0,)]

    redline.env["REDLINE_WARC_RETENTION"] = "all"
    redline.crawl()
    third = redline.crawl()
    assert third["fast_path"] == {"decisions": 1, "verifications": 1}
    with sqlite3.connect(redline.data_dir / "redline.sqlite") as db:
        kept = db.execute("SELECT warc_file IS NOT NULL FROM captures ORDER BY id").fetchall()
    assert kept == [(1,), (0,), (0,), (0,), (1,), (1,)]


def test_a_verification_that_agrees_counts_no_disagreement(redline_sqlite, site):
    """The twin of the test above: the same verification on an honest fingerprint."""
    redline = redline_sqlite
    redline.env.update(
        REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_TIER0="0", REDLINE_FAST_PATH_VERIFY_EVERY="1"
    )
    serve(site, "/v", BASE)
    redline("track", site.url("/v"))
    redline.crawl()
    redline.crawl()  # the first refetch with other bytes takes the fingerprint
    again = redline.crawl()
    assert again["fast_path"] == {"decisions": 1, "verifications": 1}
    assert redline.json("status")["fast_path"]["disagreements"] == 0


def layout_page(
    n: int,
    *,
    header: str = "",
    note: str = "",
    footer: str = "",
    card: str = "",
    meta: bool = True,
    head: str = "",
    h1: bool = True,
    after: str = "",
    teaser: str = "",
    beside: str | None = None,
    extras: str | None = None,
) -> str:
    """A page whose article sits in ``<article>`` beside blocks that the full extraction reads
    (a header line, a note block, an author card, blocks after the body) and a footer, with
    ``head`` in its ``<head>`` (and no ``<h1>`` unless ``h1``); chrome changes per request
    (``n``): an ad, a most-read entry, a CSRF token.  ``teaser`` goes before the ``<article>``
    in ``<main>``; ``beside`` (after the ``<article>``) and ``extras`` (after ``<main>``), when
    given, fill a block there, empty when they are ""."""
    paragraphs = "\n".join(f"<p>{escape(p)}</p>" for p in PARAGRAPHS)
    published = '<meta property="article:published_time" content="2026-12-01T08:00:00+00:00">'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Army retakes Palmyra | The Meridian</title>
{published if meta else ""}{head}<meta name="csrf-token" content="t{n}"></head><body>
<nav class="main-nav"><a href="/">Home</a> <span class="ad">Ad {n}</span></nav>
<main>{teaser}<article class="story">
<div class="article-header">{HEADLINE if h1 else ""}{header}</div>
{card}
<div class="story-body">
{paragraphs}
</div>
<div class="story-note">{note}</div>{after}
</article>{_block(beside)}
<aside class="related"><ul><li>Most read {n}</li></ul></aside></main>{_block(extras)}
<footer class="site-footer">{footer}<p>&copy; The Meridian</p></footer>
</body></html>"""


def _block(text: str | None) -> str:
    return "" if text is None else f'<div class="article-extras"><p>{text}</p></div>'


HEADLINE = "<h1>Army retakes Palmyra after three-month siege</h1>"
LD_HEADLINE = (
    '<script type="application/ld+json">{{"@context": "https://schema.org",'
    ' "@type": "NewsArticle", "headline": "{}"}}</script>'
)
LATE_PARAGRAPH = (
    "Residents who returned on Friday said the market streets were quiet and that the water"
    " supply, cut since August, had come back."
)

# Edits the full extraction reads outside the article's region: (before, after) per page.
OUTSIDE = {
    # a visible "Updated" line in the article's header, a <p> without attributes
    "/updated-line": (
        {"header": "<p>Updated 5 December 2026</p>"},
        {"header": "<p>Updated 6 December 2026</p>"},
    ),
    # a correction written into the existing, empty note block beside the article's body
    "/note": (
        {},
        {"note": "<p>Correction: an earlier version gave the wrong date for the siege.</p>"},
    ),
    # the only date is in the footer (htmldate's fallback candidates)
    "/footer-date": (
        {"meta": False, "footer": '<div class="submitted">1 December 2026</div>'},
        {"meta": False, "footer": '<div class="submitted">3 December 2026</div>'},
    ),
    # the author in a data-testid author card (trafilatura's author readers)
    "/author-card": (
        {"card": '<div data-testid="AuthorCard">Nadia Harrow</div>'},
        {"card": '<div data-testid="AuthorCard">Tomas Ridley</div>'},
    ),
    # no <h1>: the headline changes only in og:title ...
    "/og-title": (
        {"h1": False, "head": '<meta property="og:title" content="Army retakes Palmyra">'},
        {"h1": False, "head": '<meta property="og:title" content="Palmyra falls to the army">'},
    ),
    # ... or only in the JSON-LD
    "/json-ld-headline": (
        {"h1": False, "head": LD_HEADLINE.format("Army retakes Palmyra")},
        {"h1": False, "head": LD_HEADLINE.format("Palmyra falls to the army")},
    ),
    # a paragraph in a new block after the article's body and its note
    "/paragraph-after": (
        {},
        {"after": f"<div><p>{LATE_PARAGRAPH}</p></div>"},
    ),
}


def test_edits_outside_the_article_region_are_not_hidden_by_the_fast_path(redline_sqlite, site):
    """Each page of :data:`OUTSIDE` has an edit the full extraction reads outside the article's
    region; its twin (``/same`` + path) keeps the same layout with only chrome changing.  The
    edits make versions (with the new updated time, date, note, byline); the twins take the
    fast path."""
    redline = redline_sqlite
    redline.env.update(REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_TIER0="0")  # the fingerprint alone
    for path, (before, _) in OUTSIDE.items():
        for served in (path, f"/same{path}"):
            site.set_page(served, lambda n, before=before: layout_page(n, **before))
    urls = [site.url(p) for path in OUTSIDE for p in (path, f"/same{path}")]
    redline("track", *urls)
    first = redline.crawl()
    assert (first["new_versions"], first["errors"]) == (len(urls), 0)
    learning = redline.crawl()  # the first refetch with other bytes takes the fingerprint
    assert learning["fast_path"]["fingerprinted"] == len(urls)

    for path, (_, after) in OUTSIDE.items():
        site.set_page(path, lambda n, after=after: layout_page(n, **after))
    second = redline.crawl()
    assert (second["new_versions"], second["unchanged"], second["errors"]) == (
        len(OUTSIDE),
        len(OUTSIDE),
        0,
    )
    assert second["fast_path"] == {
        "decisions": len(OUTSIDE),
        "fallbacks": len(OUTSIDE),
        "fallback/region_changed": 4,
        "fallback/metadata_changed": 3,
        "fingerprinted": len(OUTSIDE),
    }
    changed = {row["url"] for row in redline.json("changes", "--limit", "100")}
    assert changed == {site.url(p) for p in OUTSIDE}
    with sqlite3.connect(redline.data_dir / "redline.sqlite") as db:
        rows = db.execute(
            "SELECT t.url, v.updated_at, v.published_at, v.byline, v.headline, v.text"
            " FROM versions v JOIN tracked_urls t ON t.id = v.tracked_url_id"
            f" ORDER BY v.id DESC LIMIT {len(OUTSIDE)}"
        ).fetchall()
    latest = {url: rest for url, *rest in rows}
    assert str(latest[site.url("/updated-line")][0]).startswith("2026-12-06")
    assert str(latest[site.url("/footer-date")][1]).startswith("2026-12-03")
    assert latest[site.url("/author-card")][2] == "Tomas Ridley"
    assert latest[site.url("/og-title")][3] == "Palmyra falls to the army"
    assert latest[site.url("/json-ld-headline")][3] == "Palmyra falls to the army"
    assert LATE_PARAGRAPH in latest[site.url("/paragraph-after")][4]


CORRECTION = "Correction: an earlier version of this story gave the wrong date for the siege."
TEASER = f'<div class="teaser"><p>{escape(PARAGRAPHS[0])}</p></div>'
# An existing, empty block filled with a correction: (before, after) per page.
FILLED = {
    # beside the <article> that holds the region, within <main>
    "/filled-beside": ({"beside": ""}, {"beside": CORRECTION}),
    # after <main>, when a teaser's copy of the first paragraph lifts the region to <main>
    "/filled-body": ({"teaser": TEASER, "extras": ""}, {"teaser": TEASER, "extras": CORRECTION}),
}


def filled_page(path: str, n: int, **kwargs: str) -> str:
    """:func:`layout_page`; for ``/filled-body`` with its most-read list after ``<main>`` (the
    region is then <main>, and its own chrome stays out of it)."""
    page = layout_page(n, **kwargs)
    if path != "/filled-body":
        return page
    page = page.replace("</aside></main>", "</aside>")
    return page.replace('<aside class="related">', '</main><aside class="related">')


def test_text_written_into_an_existing_empty_block_is_not_hidden_by_the_fast_path(
    redline_sqlite, site
):
    """Each page of :data:`FILLED` has an empty block beside the article's container (or beside
    the region itself, a child of ``<body>``) that gets a correction, no block added: the fast
    path leaves each to the full extraction, which records a version where it reads the note.
    The twins (``/same`` + path, chrome only) take the fast path."""
    redline = redline_sqlite
    redline.env.update(REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_TIER0="0")  # the fingerprint alone
    for path, (before, _) in FILLED.items():
        for served in (path, f"/same{path}"):
            site.set_page(served, lambda n, p=path, before=before: filled_page(p, n, **before))
    urls = [site.url(p) for path in FILLED for p in (path, f"/same{path}")]
    redline("track", *urls)
    first = redline.crawl()
    assert (first["new_versions"], first["errors"]) == (len(urls), 0)
    learning = redline.crawl()  # the first refetch with other bytes takes the fingerprint
    assert learning["fast_path"]["fingerprinted"] == len(urls)
    # the region is where each page says (so each page tests what it names)
    for path, (before, _) in FILLED.items():
        _, fingerprint = extract_with_fingerprint(filled_page(path, 1, **before), site.url(path))
        assert fingerprint is not None
        region = located(fingerprint, filled_page(path, 1, **before))
        assert ('"article"' in region) == (path == "/filled-beside"), region
    read = sum(
        extract_with_fingerprint(filled_page(path, 1, **before), site.url(path))[0]
        != extract_with_fingerprint(filled_page(path, 1, **after), site.url(path))[0]
        for path, (before, after) in FILLED.items()
    )

    for path, (_, after) in FILLED.items():
        site.set_page(path, lambda n, p=path, after=after: filled_page(p, n, **after))
    second = redline.crawl()
    assert (second["new_versions"], second["errors"]) == (read, 0)
    assert second["fast_path"] == {
        "decisions": len(FILLED),
        "fallbacks": len(FILLED),
        "fallback/region_changed": len(FILLED),
        "fingerprinted": len(FILLED),
    }
    changed = {row["url"] for row in redline.json("changes", "--limit", "100")}
    assert changed <= {site.url(p) for p in FILLED}


def regionless_page(n: int, *, edited: bool = False) -> str:
    """A page whose article region widens to the whole ``<body>`` (a paragraph repeated in a
    block directly in it: tests/archive/test_fastpath.py), so it has no fingerprint; its
    chrome changes with ``n``; ``edited``: a sentence added to its second paragraph."""
    html = fastpath_page(n).replace(
        "<nav ", f'<div class="kicker"><p>{escape(FASTPATH_SHORT)}</p></div><nav '
    )
    if edited:
        html = html.replace(escape(PARAGRAPHS[1]), escape(PARAGRAPHS[1] + " Two soldiers died."))
    return html


@pytest.mark.parametrize("edit", [False, True])
def test_a_version_without_a_fingerprint_is_learning_once_then_no_fingerprint(
    redline_sqlite, site, edit
):
    """The fingerprint alone (tier 0 off): the first refetch with other bytes of a version with
    no fingerprint yet falls back as ``learning`` and is extracted with it; a page whose region
    cannot be located has none, which is then kept as tried: its next fallbacks say
    ``no_fingerprint``.  The twin: an edit at that refetch is found."""
    redline = redline_sqlite
    redline.env.update(REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_TIER0="0")
    site.set_page("/r", lambda n: regionless_page(n))
    redline("track", site.url("/r"))
    assert redline.crawl()["fast_path"] == {}
    learning = redline.crawl()
    assert (learning["unchanged"], learning["new_versions"]) == (1, 0)
    assert learning["fast_path"] == {
        "fallbacks": 1,
        "fallback/learning": 1,
        "fingerprinted": 1,
    }
    if edit:
        site.set_page("/r", lambda n: regionless_page(n, edited=True))
    again = redline.crawl()
    assert (again["unchanged"], again["new_versions"]) == (int(not edit), int(edit))
    assert again["fast_path"] == {
        "fallbacks": 1,
        "fallback/no_fingerprint": 1,
        "fingerprinted": 1,
    }
    with sqlite3.connect(redline.data_dir / "redline.sqlite") as db:
        stored = db.execute(STORED_FINGERPRINT).fetchall()
    assert stored == [(None,)] * (1 + edit)
    if edit:
        [change] = redline.json("changes", "--limit", "10")
        assert change["kinds"] == {"paragraph_changed": 1}
