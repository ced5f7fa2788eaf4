"""Every kind of article edit, end to end: a page on the local site, ``redline crawl`` in a
subprocess, the page edited, a second crawl, and the change read back through ``redline diff
--json`` and ``redline changes --json`` with its exact edit kinds and flags.

Pages are batched so that one crawl pair covers many edits (each crawl is a subprocess).  The
chrome-only suite serves one page per kind of chrome (menus, related lists, ads, scripts,
CSRF tokens, comment counts, "N minutes ago", cache-busting URLs, entity and whitespace
re-serialisation) and asserts that no version is added; its twin makes a real edit on the
same pages in the same chrome and asserts that each one gains a version.
"""

from __future__ import annotations

import pytest

from tests.pages import BOX_KINDS, CHROME_KINDS, PARAGRAPHS, Story, serve

pytestmark = pytest.mark.slow

LATER = "2017-03-03T09:15:00+00:00"
BASE = Story()
P = PARAGRAPHS
SPLIT = (
    "The ruins of the Roman-era city, listed as a World Heritage site, were damaged during the"
    " months of occupation.",
    "Satellite images published last month showed a collapsed facade.",
)
NEW_PARAGRAPH = (
    "A convoy carrying food and medicine reached the eastern districts on Friday morning, the"
    " first to arrive since the start of the siege, aid workers said."
)
CORRECTION = (
    "Correction: An earlier version of this article said the city fell in November. It fell in"
    " December."
)
CHANGED = P[1].replace("clearing mines", "clearing hundreds of mines")


def _with(paragraphs: tuple[str, ...], **changes: object) -> Story:
    return BASE.but(paragraphs=paragraphs, updated=LATER, **changes)


# path -> (the edited story, the exact edit kinds of the change, stealth)
EDITS: dict[str, tuple[Story, dict[str, int], bool]] = {
    "/headline": (
        BASE.but(headline="Palmyra back in government hands", updated=LATER),
        {"headline": 1, "updated": 1},
        False,
    ),
    "/updated": (BASE.but(updated=LATER), {"updated": 1}, False),
    "/byline": (BASE.but(byline="Tomas Ridley"), {"byline": 1}, False),
    "/added": (_with((*P[:2], NEW_PARAGRAPH, *P[2:])), {"updated": 1, "paragraph_added": 1}, False),
    "/removed": (_with(P[:3] + P[4:]), {"updated": 1, "paragraph_removed": 1}, False),
    "/changed": (_with((P[0], CHANGED, *P[2:])), {"updated": 1, "paragraph_changed": 1}, False),
    "/moved": (_with((P[0], P[3], P[1], P[2], P[4])), {"updated": 1, "paragraph_moved": 1}, False),
    "/split": (_with((*P[:2], *SPLIT, *P[3:])), {"updated": 1, "paragraph_split": 1}, False),
    "/several": (
        _with((P[0], CHANGED, NEW_PARAGRAPH, P[2], P[4]), headline="Palmyra retaken"),
        {
            "headline": 1,
            "updated": 1,
            "paragraph_added": 1,
            "paragraph_removed": 1,
            "paragraph_changed": 1,
        },
        False,
    ),
    "/stealth": (BASE.but(paragraphs=(P[0], CHANGED, *P[2:])), {"paragraph_changed": 1}, True),
    "/correction": (
        _with((*P, CORRECTION)),
        {"updated": 1, "paragraph_added": 1, "correction_note": 1},
        False,
    ),
}

FLIP = BASE.but(headline="Army retakes ancient city of Palmyra")


def change_rows(redline):
    """``redline changes --json`` grouped by URL, oldest first (one subprocess for all)."""
    rows: dict[str, list[dict]] = {}
    for row in redline.json("changes", "--limit", "1000")[::-1]:
        rows.setdefault(row["url"], []).append(row)
    return rows


def edits_of(redline, url, *versions):
    return {e["kind"]: e for e in redline.json("diff", url, *versions)["edits"]}


def test_each_edit_is_reported_with_its_exact_kinds(redline, site):
    for path in EDITS:
        serve(site, path, BASE)
    serve(site, "/flap", BASE)
    urls = {path: site.url(path) for path in [*EDITS, "/flap"]}
    redline("track", *urls.values())
    assert redline.crawl()["new_versions"] == len(urls)

    for path, (story, _, _) in EDITS.items():
        serve(site, path, story)
    serve(site, "/flap", FLIP)
    assert redline.crawl()["new_versions"] == len(urls)
    # The headline flips back and forth: a revert, then flapping.
    serve(site, "/flap", BASE)
    assert redline.crawl("--url", urls["/flap"])["new_versions"] == 1
    serve(site, "/flap", FLIP)
    assert redline.crawl("--url", urls["/flap"])["new_versions"] == 1

    rows = change_rows(redline)
    for path, (story, kinds, stealth) in EDITS.items():
        [row] = rows[urls[path]]
        assert (row["from_version"], row["to_version"]) == (1, 2), path
        assert row["kinds"] == kinds, path
        assert (row["stealth"], row["reverted"], row["flapping"]) == (stealth, False, False), path
        assert row["headline"] == story.headline

    flap = rows[urls["/flap"]]
    assert [(r["from_version"], r["to_version"]) for r in flap] == [(1, 2), (2, 1), (1, 2)]
    assert [r["kinds"] for r in flap] == [{"headline": 1}] * 3
    assert [r["reverted"] for r in flap] == [False, True, True]
    assert [r["flapping"] for r in flap] == [False, False, True]
    assert [r["stealth"] for r in flap] == [True, True, True]  # headline changed, no update time
    listed = {r["url"]: r for r in redline.json("list")}
    assert listed[urls["/flap"]]["flapping"] is True
    assert listed[urls["/flap"]]["versions"] == 2  # the revert points at version 1 again
    assert not any(listed[urls[path]]["flapping"] for path in EDITS)

    # Details that the kinds alone do not show, from `redline diff --json`.
    edits = edits_of(redline, urls["/several"])
    assert (edits["headline"]["old"], edits["headline"]["new"]) == (
        BASE.headline,
        "Palmyra retaken",
    )
    assert edits["updated"] == {"kind": "updated", "old": BASE.updated, "new": LATER}
    assert edits["paragraph_added"]["new_paragraphs"] == [NEW_PARAGRAPH]
    assert edits["paragraph_removed"]["old_paragraphs"] == [P[3]]
    assert [1, "hundreds of "] in edits["paragraph_changed"]["words"]
    edits = edits_of(redline, urls["/split"])
    assert edits["paragraph_split"]["old_paragraphs"] == [P[2]]
    assert edits["paragraph_split"]["new_paragraphs"] == list(SPLIT)
    edits = edits_of(redline, urls["/correction"])
    assert edits["correction_note"]["new"] == CORRECTION
    assert edits["paragraph_added"]["new_paragraphs"] == [CORRECTION]


TYPOGRAPHIC = BASE.but(
    headline="Palmyra’s ruins: “too early” to judge",
    paragraphs=(
        "Engineers & de-miners were at work in the old town’s café district, a spokesman said,"
        " and residents were told “not to return” until the work was finished.",
        *P[1:],
    ),
)


def test_chrome_only_changes_add_no_version_and_the_twin_does(redline, site):
    """One page per kind of chrome; each twin page has the same chrome and a real edit."""
    edited = TYPOGRAPHIC.but(paragraphs=(TYPOGRAPHIC.paragraphs[0], CHANGED, *P[2:]))
    kinds = {kind: frozenset({kind}) for kind in CHROME_KINDS}
    kinds["all"] = frozenset(CHROME_KINDS)
    for kind, vary in kinds.items():
        serve(site, f"/chrome/{kind}", TYPOGRAPHIC, vary=vary)
        serve(site, f"/twin/{kind}", TYPOGRAPHIC, vary=vary)
    chrome = [site.url(f"/chrome/{kind}") for kind in kinds]
    twins = [site.url(f"/twin/{kind}") for kind in kinds]
    redline("track", *chrome, *twins)
    assert redline.crawl()["new_versions"] == 2 * len(kinds)
    for kind, vary in kinds.items():
        serve(site, f"/twin/{kind}", edited, vary=vary)
    summary = redline.crawl()
    assert summary["errors"] == 0
    assert (summary["unchanged"], summary["new_versions"]) == (len(kinds), len(kinds))
    # Every page was fetched twice, so each saw its chrome change (odd and even requests).
    for kind in kinds:
        assert site.requests(f"/chrome/{kind}") == site.requests(f"/twin/{kind}") == 2, kind
    rows = change_rows(redline)
    assert not any(url in rows for url in chrome)
    for kind, url in zip(kinds, twins, strict=True):
        assert [r["kinds"] for r in rows[url]] == [{"paragraph_changed": 1}], kind


def test_boxes_inside_the_article_add_no_version_and_a_paragraph_beside_one_is_found(redline, site):
    """Each family of in-article box (sign-up, promo, ad, most read, embed, donation) changes
    on every request between two paragraphs: no version.  Its twin gains a real paragraph
    right beside the box: exactly one paragraph added, with its text."""
    added = BASE.but(paragraphs=(*P[:2], NEW_PARAGRAPH, *P[2:]))
    kinds = {kind: frozenset({kind}) for kind in BOX_KINDS}
    for kind, vary in kinds.items():
        serve(site, f"/box/{kind}", BASE, vary=vary)
        serve(site, f"/box-twin/{kind}", BASE, vary=vary)
    boxes = [site.url(f"/box/{kind}") for kind in kinds]
    twins = [site.url(f"/box-twin/{kind}") for kind in kinds]
    redline("track", *boxes, *twins)
    assert redline.crawl()["new_versions"] == 2 * len(kinds)
    for kind, vary in kinds.items():
        serve(site, f"/box-twin/{kind}", added, vary=vary)
    for _ in range(2):  # the boxes change again on every fetch (and one fetch in three has none)
        summary = redline.crawl()
        assert summary["errors"] == 0
    rows = change_rows(redline)
    assert not any(url in rows for url in boxes), [u for u in boxes if u in rows]
    for kind, url in zip(kinds, twins, strict=True):
        assert [r["kinds"] for r in rows[url]] == [{"paragraph_added": 1}], kind
        assert edits_of(redline, url)["paragraph_added"]["new_paragraphs"] == [NEW_PARAGRAPH]
