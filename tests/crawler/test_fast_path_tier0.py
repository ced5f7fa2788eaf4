"""Tier 0 of the fast path end to end: ``redline crawl`` against pages on the local site dressed
in new request chrome on every request (scheduler.demo.chrome.dress).  A version's first
refetch with other bytes is extracted in full and learns its page template; later chrome-only
refetches are decided by the template alone, in the crawl process, with no worker.  Its twins,
each with one real edit, fall back and the full extraction records the edit; a template made
wrong on purpose is caught by the sampled verification, counted, and dropped.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from sqlalchemy import select

from archive.db import open_database
from archive.extract.extractor import extract_article, extract_with_fingerprint
from archive.extract.template_learn import learn_with_fingerprint
from archive.models import FastPathEvidence, Version
from scheduler.demo.chrome import dress
from tests.crawler.test_fast_path import PLANT_TEMPLATE, STORED_TEMPLATE
from tests.pages import PARAGRAPHS, Story, article_page

pytestmark = pytest.mark.slow

BASE = Story()
FIXED: frozenset[str] = frozenset()  # the page's own chrome stays put: dress() varies
TWINS = {
    "/text": BASE.but(
        paragraphs=(PARAGRAPHS[0], PARAGRAPHS[1] + " Two soldiers died.", *PARAGRAPHS[2:])
    ),
    "/headline": BASE.but(headline="Palmyra back in government hands"),
    "/updated": BASE.but(updated="2017-03-03T09:15:00+00:00"),
    "/byline": BASE.but(byline="Tomas Ridley"),
    "/description": BASE.but(description="Troops say the ancient city is theirs again."),
}
YEARS = re.compile(r'data-n="(?:199|20[0-3])[0-9]"|>(?:199|20[0-3])[0-9] comments')
MOST_READ = '<aside class="most-read"><h2>Most read</h2>'


def dressed(path: str, story: Story, n: int, extra: str = "") -> str:
    page = dress(article_page(story, 0, vary=FIXED), path, n)
    # a comment count that reads as a year is a fallback by design (tests/archive/
    # test_template.py): made another count here, so that the counts below are exact
    page = YEARS.sub(lambda m: re.sub("[0-9]+", "7", m.group(0)), page)
    return page.replace(MOST_READ, MOST_READ + extra) if extra else page


def serve_dressed(site, path: str, story: Story, extra: str = "") -> None:
    site.set_page(path, lambda n: dressed(path, story, n, extra))


def test_tier0_learns_once_then_decides_and_each_edit_is_found(redline, site):
    # every version learns its own template here (site rules: test_fast_path_site.py)
    redline.env.update(REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_SITE_RULES="0")
    paths = ["/same", *TWINS]
    for path in paths:
        serve_dressed(site, path, BASE)
    urls = [site.url(p) for p in paths]
    redline("track", *urls)
    assert redline.crawl()["new_versions"] == len(urls)

    # the first refetch with other bytes: extracted in full, and the template learned from it
    # and the version's stored page
    learning = redline.crawl()
    assert (learning["unchanged"], learning["new_versions"]) == (len(urls), 0)
    assert learning["fast_path"] == {
        "fallbacks": len(urls),
        "fallback/learning": len(urls),
        "tier0_fallbacks": len(urls),
        "tier0/fallback/no_template": len(urls),
        "tier0_learned": len(urls),
        "fingerprinted": len(urls),
    }

    # chrome-only: tier 0 alone, with no worker; each twin's edit is a mismatch, and the full
    # extraction records it
    for path, story in TWINS.items():
        serve_dressed(site, path, story)
    edits = redline.crawl()
    assert (edits["unchanged"], edits["new_versions"], edits["errors"]) == (1, len(TWINS), 0)
    assert edits["fast_path"]["tier0_decisions"] == 1
    assert edits["fast_path"]["verifications"] == 1  # the template's first decision
    assert edits["fast_path"]["tier0/fallback/digest"] == len(TWINS)
    changed = {row["url"] for row in redline.json("changes", "--limit", "100")}
    assert changed == {site.url(p) for p in TWINS}

    # the new versions learn their own templates; then every page is decided by tier 0
    relearn = redline.crawl()
    assert relearn["fast_path"]["tier0_learned"] == len(TWINS)
    assert relearn["fast_path"]["tier0_decisions"] == 1
    steady = redline.crawl()
    assert (steady["unchanged"], steady["new_versions"]) == (len(urls), 0)
    # (the first decision of each template is verified by a full extraction: the twins' new
    # templates here; /same's was in the edits' crawl)
    assert steady["fast_path"] == {
        "decisions": len(urls),
        "tier0_decisions": len(urls),
        "verifications": len(TWINS),
    }
    status = redline.json("status")["fast_path"]
    assert status["tier0_decisions"] == 2 + len(urls)
    assert status["tier0_learned"] == len(urls) + len(TWINS)
    assert f"{len(urls) + len(TWINS)} templates learned" in redline("status").stdout


def evidence(database_url: str) -> list[tuple[int, bool, bool]]:
    """Each version's number, and whether it keeps a fast-path fingerprint and a template."""
    database = open_database(database_url)
    try:
        with database.session() as session:
            query = select(
                Version.number, FastPathEvidence.fingerprint, FastPathEvidence.template
            ).outerjoin(FastPathEvidence, FastPathEvidence.version_id == Version.id)
            rows = session.execute(query.order_by(Version.id)).all()
    finally:
        database.dispose()
    return [
        (number, fingerprint is not None, template is not None)
        for number, fingerprint, template in rows
    ]


@pytest.mark.parametrize("edit_at", [None, "learning", "decision"])
def test_the_fingerprint_is_taken_at_the_learning_refetch_not_at_the_first_fetch(
    redline, site, database_url, edit_at
):
    """A new page is extracted without its fingerprint (no ``fingerprinted`` extraction, none
    stored); the version's first refetch with other bytes is extracted in full with it, and
    keeps it on the version with the template learned there; the next chrome-only refetch is
    decided by tier 0.  The twins: the article really changes at the learning refetch, or at
    the refetch after it, and each makes a new version with its edit."""
    redline.env["REDLINE_FAST_PATH"] = "1"
    edited = TWINS["/text"]
    serve_dressed(site, "/lazy", BASE)
    redline("track", site.url("/lazy"))
    first = redline.crawl()
    assert first["new_versions"] == 1
    assert first["fast_path"] == {}  # a plain extraction: no fingerprint taken
    assert evidence(database_url) == [(1, False, False)]

    if edit_at == "learning":
        serve_dressed(site, "/lazy", edited)
    learning = redline.crawl()
    learned = {
        "fallbacks": 1,
        "fallback/learning": 1,
        "tier0_fallbacks": 1,
        "tier0/fallback/no_template": 1,
        "fingerprinted": 1,
    }
    if edit_at == "learning":  # another article: a new version, which keeps its page's
        assert (learning["unchanged"], learning["new_versions"]) == (0, 1)
        assert learning["fast_path"] == learned  # nothing learned for version 1
        assert evidence(database_url) == [(1, False, False), (2, True, False)]
        [change] = redline.json("changes", "--limit", "10")
        assert change["kinds"] == {"paragraph_changed": 1}
        return
    assert (learning["unchanged"], learning["new_versions"]) == (1, 0)
    assert learning["fast_path"] == {**learned, "tier0_learned": 1}
    assert evidence(database_url) == [(1, True, True)]  # the learning page's fingerprint

    if edit_at == "decision":
        serve_dressed(site, "/lazy", edited)
    decided = redline.crawl()
    if edit_at == "decision":  # tier 0 and the fingerprint both fall back: the full extraction
        assert (decided["unchanged"], decided["new_versions"]) == (0, 1)
        assert decided["fast_path"] == {
            "fallbacks": 1,
            "fallback/region_changed": 1,
            "tier0_fallbacks": 1,
            "tier0/fallback/digest": 1,
            "fingerprinted": 1,
        }
        assert evidence(database_url) == [(1, True, True), (2, True, False)]
        [change] = redline.json("changes", "--limit", "10")
        assert change["kinds"] == {"paragraph_changed": 1}
        return
    assert (decided["unchanged"], decided["new_versions"]) == (1, 0)
    # decided by tier 0 (its template's first decision verified by a plain full extraction)
    assert decided["fast_path"] == {"decisions": 1, "tier0_decisions": 1, "verifications": 1}
    assert evidence(database_url) == [(1, True, True)]


@pytest.mark.parametrize(
    "extra",
    [
        '<time datetime="2017-03-09T08:00:00+00:00">9 March</time>',
        "<span>Updated 9 March 2017</span>",
        "<p>Breaking: the city is under fire again.</p>",
    ],
)
def test_what_the_readers_see_put_into_a_hole_block_falls_back(redline_sqlite, site, extra):
    """The twin of the steady state above: a block hole whose new content holds what the
    metadata readers look at is a mismatch; the capture is then decided by the slower paths
    exactly as the full extraction sees it."""
    redline = redline_sqlite
    redline.env["REDLINE_FAST_PATH"] = "1"
    serve_dressed(site, "/p", BASE)
    redline("track", site.url("/p"))
    redline.crawl()
    assert redline.crawl()["fast_path"]["tier0_learned"] == 1
    serve_dressed(site, "/p", BASE, extra)
    changed = extract_article(dressed("/p", BASE, 9, extra).encode(), site.url("/p"))
    same = extract_article(dressed("/p", BASE, 9).encode(), site.url("/p"))
    found = redline.crawl()
    assert found["fast_path"]["tier0/fallback/block"] == 1
    assert "tier0_decisions" not in found["fast_path"]
    assert found["new_versions"] == int(changed.content_hash != same.content_hash)


COUNT = re.compile(r'(<div class="comment-count" data-n="[0-9]+">)[^<]*')


@pytest.mark.parametrize(
    ("content", "edited"),
    [
        ("Upd&#97;ted 9 March &#50;017", True),  # the extractor reads "Updated 9 March 2017"
        ("12 comments &amp; 3 replies", False),  # the twin: a counter, plainly chrome
    ],
)
def test_an_update_line_spelled_with_references_is_found(redline_sqlite, site, content, edited):
    """A block hole (the comment count) holding an "Updated" line written with character
    references, which the raw bytes' words and year do not show: tier 0 refuses it and the
    full extraction records the new version; the twin (a new count) is decided by tier 0."""
    redline = redline_sqlite
    redline.env["REDLINE_FAST_PATH"] = "1"
    serve_dressed(site, "/c", BASE)
    redline("track", site.url("/c"))
    redline.crawl()
    assert redline.crawl()["fast_path"]["tier0_learned"] == 1
    site.set_page(
        "/c", lambda n: COUNT.sub(lambda m: m.group(1) + content, dressed("/c", BASE, n), 1)
    )
    found = redline.crawl()
    if edited:
        assert (found["unchanged"], found["new_versions"]) == (0, 1)
        assert found["fast_path"]["tier0/fallback/block"] == 1
        assert "tier0_decisions" not in found["fast_path"]
        [change] = redline.json("changes", "--limit", "10")
        assert change["url"] == site.url("/c")
    else:
        assert (found["unchanged"], found["new_versions"]) == (1, 0)
        assert found["fast_path"]["tier0_decisions"] == 1
        assert redline.json("changes", "--limit", "10") == []


def plant_a_wrong_template(redline, site, path: str) -> None:
    """``path`` tracked and its template learned; then that template replaced, by hand, by one
    learned from an edited page, which the site now serves (tier 0 would call it unchanged)."""
    url = site.url(path)
    serve_dressed(site, path, BASE)
    redline("track", url)
    redline.crawl()
    redline.crawl()  # learns the honest template
    edited = TWINS["/text"]
    old, new = dressed(path, edited, 101).encode(), dressed(path, edited, 102).encode()
    _, fingerprint = extract_with_fingerprint(new, url)
    wrong = learn_with_fingerprint(
        old, new, "text/html; charset=utf-8", fingerprint, url=url, min_chars=200
    )
    assert "|none|" not in wrong
    with sqlite3.connect(redline.data_dir / "redline.sqlite") as db:
        db.execute(PLANT_TEMPLATE, (wrong,))
    serve_dressed(site, path, edited)


def test_a_wrong_template_is_caught_by_the_verification_and_dropped(redline_sqlite, site):
    """The template of version 1 is replaced, by hand, by one learned from an edited page:
    tier 0 then calls the edited page unchanged.  The verification (every decision, here)
    reads it in full, counts the disagreement, drops the template, and the capture goes
    through the full extraction: the edit is recorded in the same crawl."""
    redline = redline_sqlite
    redline.env.update(
        REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_VERIFY_EVERY="1", REDLINE_FAST_PATH_SITE_RULES="0"
    )
    plant_a_wrong_template(redline, site, "/v")

    caught = redline.crawl()
    assert (caught["unchanged"], caught["new_versions"]) == (0, 1)
    fast = caught["fast_path"]
    assert (fast["tier0_decisions"], fast["verifications"], fast["disagreements"]) == (1, 1, 1)
    [change] = redline.json("changes", "--limit", "10")
    assert change["kinds"] == {"paragraph_changed": 1}
    with sqlite3.connect(redline.data_dir / "redline.sqlite") as db:
        stored = db.execute(STORED_TEMPLATE).fetchall()
    assert stored[0] == (None,)  # dropped with the fingerprint

    # the twin: an honest template's decisions are verified and agree
    redline.crawl()  # version 2 learns its template
    agreed = redline.crawl()
    assert agreed["fast_path"] == {"decisions": 1, "tier0_decisions": 1, "verifications": 1}


@pytest.mark.parametrize("every", ["1000", "0"])
def test_a_templates_first_decision_is_verified_whatever_the_sampling(redline_sqlite, site, every):
    """With the sampling far apart (every 1,000th decision) or off (0), a template made wrong
    on purpose is caught at its first decision all the same; the twin: an honest template's
    first decision is verified and agrees, its next ones are not verified."""
    redline = redline_sqlite
    redline.env.update(
        REDLINE_FAST_PATH="1",
        REDLINE_FAST_PATH_VERIFY_EVERY=every,
        REDLINE_FAST_PATH_SITE_RULES="0",
    )
    plant_a_wrong_template(redline, site, "/f")
    caught = redline.crawl()
    assert (caught["unchanged"], caught["new_versions"]) == (0, 1)
    fast = caught["fast_path"]
    assert (fast["tier0_decisions"], fast["verifications"], fast["disagreements"]) == (1, 1, 1)

    redline.crawl()  # version 2 learns its template
    first = redline.crawl()
    assert first["fast_path"] == {"decisions": 1, "tier0_decisions": 1, "verifications": 1}
    later = redline.crawl()
    assert later["fast_path"] == {"decisions": 1, "tier0_decisions": 1}
