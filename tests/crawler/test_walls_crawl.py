"""Walls end to end, from a real site on 127.0.0.1: a good article turns into a consent wall,
a paywall stub or a soft 404 (served with 200), then comes back edited.  The wall is a failed
capture with its reason, never a version and never a takedown, and the edit is found against
the version before the wall.  A wall on a first fetch records no version."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pages import PARAGRAPHS, Story, serve

pytestmark = pytest.mark.slow

WALLS = Path(__file__).resolve().parents[1] / "pages" / "walls"
CASES = {
    "/consent": ("consent-onetrust-banner-en", "consent-wall"),
    "/paywall": ("paywall-piano-metered-en", "paywall"),
    "/gone": ("soft404-wordpress-en", "soft-404"),
    "/removed": ("soft404-nicht-mehr-verfuegbar-de", "soft-404"),
}
EDITED = Story().but(paragraphs=(*PARAGRAPHS[:4], PARAGRAPHS[4] + " Talks were due to resume."))


def wall(name: str) -> str:
    return (WALLS / f"{name}.html").read_text(encoding="utf-8")


def test_a_wall_between_two_versions_is_a_failed_capture_and_the_edit_is_found(redline, site):
    for path in CASES:
        serve(site, path, Story())
    urls = {path: site.url(path) for path in CASES}
    redline("track", *urls.values())
    assert redline.crawl()["new_versions"] == len(CASES)

    for path, (name, _) in CASES.items():
        site.set_page(path, wall(name))
    summary = redline.crawl()
    assert (summary["new_versions"], summary["errors"]) == (0, len(CASES)), summary
    listed = {row["url"]: row for row in redline.json("list")}
    for path, (_, reason) in CASES.items():
        captures = redline.json("captures", urls[path])
        assert [(c["outcome"], c["reason"], c["version"]) for c in captures] == [
            ("new-version", None, 1),
            ("error", reason, None),
        ], path
        assert listed[urls[path]]["taken_down"] is False, path
        assert listed[urls[path]]["versions"] == 1, path
        assert redline.json("show", urls[path])["number"] == 1

    for path in CASES:
        serve(site, path, EDITED)
    summary = redline.crawl()
    assert summary["new_versions"] == len(CASES), summary
    for path in CASES:
        diff = redline.json("diff", urls[path])
        assert (diff["from_version"], diff["to_version"]) == (1, 2), path
        assert [e["kind"] for e in diff["edits"]] == ["paragraph_changed"], path
        assert [v["number"] for v in redline.json("versions", urls[path])] == [1, 2]


def test_a_wall_on_the_first_fetch_records_no_version(redline_sqlite, site):
    redline = redline_sqlite
    site.set_page("/first-consent", wall("consent-didomi-fr"))
    site.set_page("/first-paywall", wall("paywall-regwall-de"))
    site.set_page("/first-404", wall("soft404-no-encontrada-es"))
    serve(site, "/twin", Story())
    site.set_page("/short-twin", wall("twin-short-with-cookie-banner-en"))
    paths = ["/first-consent", "/first-paywall", "/first-404", "/twin", "/short-twin"]
    redline("track", *(site.url(p) for p in paths))
    summary = redline.crawl()
    assert (summary["new_versions"], summary["errors"]) == (2, 3), summary
    reasons = {
        p: [(c["outcome"], c["reason"]) for c in redline.json("captures", site.url(p))]
        for p in paths
    }
    assert reasons == {
        "/first-consent": [("error", "consent-wall")],
        "/first-paywall": [("error", "paywall")],
        "/first-404": [("error", "soft-404")],
        "/twin": [("new-version", None)],
        "/short-twin": [("new-version", None)],
    }
    for path in paths[:3]:
        assert redline.json("versions", site.url(path)) == []
