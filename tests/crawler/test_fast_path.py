"""The fast path end to end: ``redline crawl`` against pages on the local site whose chrome
changes on every request.  An unchanged article is found unchanged without a full extraction;
its twins, each with one real edit (text, headline, update time, byline, description), are
extracted in full and gain a version; a fast-path decision the full extraction contradicts
(made so by construction) is counted by the sampled verification and shown by ``redline
status``, and the next fetch of that page is extracted in full.
"""

from __future__ import annotations

import sqlite3

import pytest

from archive.extract.extractor import extract_with_fingerprint
from tests.pages import PARAGRAPHS, Story, article_page, serve

pytestmark = pytest.mark.slow

BASE = Story()
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
    redline.env["REDLINE_FAST_PATH"] = "1"
    serve(site, "/same", BASE)  # ads, related links, CSRF token, comment count... per request
    for path in TWINS:
        serve(site, path, BASE)
    urls = [site.url(p) for p in ("/same", *TWINS)]
    redline("track", *urls)
    first = redline.crawl()
    assert first["new_versions"] == len(urls)
    assert first["fast_path"] == {}  # nothing to compare with yet

    for path, story in TWINS.items():
        serve(site, path, story)
    second = redline.crawl()
    assert (second["unchanged"], second["new_versions"], second["errors"]) == (1, len(TWINS), 0)
    assert second["fast_path"] == {"decisions": 1, "fallbacks": len(TWINS)}
    changed = {row["url"] for row in redline.json("changes", "--limit", "100")}
    assert changed == {site.url(p) for p in TWINS}

    # The new versions keep their pages' fingerprints: every page is now found unchanged fast.
    third = redline.crawl()
    assert (third["unchanged"], third["new_versions"]) == (len(urls), 0)
    assert third["fast_path"] == {"decisions": len(urls)}
    for path in ("/same", *TWINS):
        assert site.requests(path) == 3, path

    # The switch: with the fast path off every page is extracted in full, and nothing differs.
    redline.env["REDLINE_FAST_PATH"] = "0"
    off = redline.crawl()
    assert (off["unchanged"], off["new_versions"], off["fast_path"]) == (len(urls), 0, {})
    status = redline.json("status")["fast_path"]
    assert status == {
        "decisions": 1 + len(urls),
        "fallbacks": len(TWINS),
        "verifications": 0,
        "disagreements": 0,
    }


def test_a_disagreement_of_the_sampled_verification_is_counted_and_undone(redline_sqlite, site):
    """The fingerprint stored on version 1 is made, by hand, that of an edited page: the fast
    path then calls the edited page unchanged.  The verification (every decision, here) reads
    it in full, counts the disagreement, and drops the fingerprint: the next crawl finds the
    edit."""
    redline = redline_sqlite
    redline.env.update(REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_VERIFY_EVERY="1")
    fixed = frozenset()  # no chrome: the pages are exactly as built here
    url = site.url("/v")
    serve(site, "/v", BASE, vary=fixed)
    redline("track", url)
    assert redline.crawl()["new_versions"] == 1

    edited = TWINS["/text"]
    _, fingerprint = extract_with_fingerprint(article_page(edited, vary=fixed), url)
    assert fingerprint is not None
    with sqlite3.connect(redline.data_dir / "redline.sqlite") as db:
        db.execute("UPDATE versions SET fast_fingerprint = ?", (fingerprint,))
    serve(site, "/v", edited, vary=fixed)

    hidden = redline.crawl()
    assert (hidden["unchanged"], hidden["new_versions"]) == (1, 0)  # wrong, by construction
    assert hidden["fast_path"] == {"decisions": 1, "verifications": 1, "disagreements": 1}
    status = redline.json("status")["fast_path"]
    assert (status["verifications"], status["disagreements"]) == (1, 1)
    assert "1 disagreements" in redline("status").stdout

    found = redline.crawl()  # the fingerprint was dropped: a full extraction, the edit found
    assert (found["new_versions"], found["fast_path"]) == (1, {})
    [change] = redline.json("changes", "--limit", "10")
    assert change["kinds"] == {"paragraph_changed": 1}


def test_a_verification_that_agrees_counts_no_disagreement(redline_sqlite, site):
    """The twin of the test above: the same verification on an honest fingerprint."""
    redline = redline_sqlite
    redline.env.update(REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_VERIFY_EVERY="1")
    serve(site, "/v", BASE)
    redline("track", site.url("/v"))
    redline.crawl()
    again = redline.crawl()
    assert again["fast_path"] == {"decisions": 1, "verifications": 1}
    assert redline.json("status")["fast_path"]["disagreements"] == 0
