"""One refetch cycle end to end: a real site on 127.0.0.1, `redline crawl` in a subprocess,
the archive read back through the CLI's JSON.  Every "no new version" test has a twin in which
the article really changes."""

from __future__ import annotations

import pytest

from tests.pages import Story, article_page, serve

pytestmark = pytest.mark.slow


def outcomes(redline, url):
    return [(c["outcome"], c["reason"], c["version"]) for c in redline.json("captures", url)]


def test_first_fetch_creates_version_1(redline, site):
    serve(site, "/a", Story())
    redline("track", site.url("/a"))
    summary = redline.crawl()
    assert summary["new_versions"] == 1 and summary["errors"] == 0
    [version] = redline.json("versions", site.url("/a"))
    assert version["number"] == 1
    assert version["headline"] == "Army retakes Palmyra after three-month siege"
    assert version["byline"] == "Nadia Harrow"
    assert version["published_at"] == "2017-03-02T18:00:00+00:00"
    assert version["updated_at"] == "2017-03-02T22:43:00+00:00"
    for key in ("content_hash", "first_seen_at", "last_seen_at"):
        assert version[key]
    assert version["first_seen_at"].endswith("+00:00")


def test_chrome_only_change_creates_no_version_but_an_edit_does(redline, site):
    serve(site, "/a", Story())  # chrome differs on every request
    redline("track", site.url("/a"))
    redline.crawl()
    assert redline.crawl()["unchanged"] == 1
    assert len(redline.json("versions", site.url("/a"))) == 1
    # the twin: the article itself changes
    serve(site, "/a", Story().but(headline="Palmyra back in government hands"))
    summary = redline.crawl()
    assert summary["new_versions"] == 1
    versions = redline.json("versions", site.url("/a"))
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[1]["headline"] == "Palmyra back in government hands"
    diff = redline.json("diff", site.url("/a"))
    assert (diff["from_version"], diff["to_version"]) == (1, 2)
    assert [e["kind"] for e in diff["edits"]] == ["headline"]
    changes = redline.json("changes")
    assert len(changes) == 1 and changes[0]["kinds"] == {"headline": 1}


def test_identical_refetch_is_unchanged_without_extraction(redline_sqlite, site):
    redline = redline_sqlite
    page = article_page(Story(), 1)
    site.set_page("/a", page, conditional=False)
    redline("track", site.url("/a"))
    redline.crawl()
    assert redline.crawl()["unchanged"] == 1
    caps = redline.json("captures", site.url("/a"))
    assert [c["outcome"] for c in caps] == ["new-version", "unchanged"]
    assert caps[0]["payload_digest"] == caps[1]["payload_digest"]
    # twin: a byte-identical page except for a changed paragraph
    site.set_page("/a", page.replace("three months after", "four months after"), conditional=False)
    assert redline.crawl()["new_versions"] == 1


def test_304_is_recorded_as_not_modified(redline, site):
    site.set_page("/a", article_page(Story(), 1))  # static body: ETag and Last-Modified
    redline("track", site.url("/a"))
    redline.crawl()
    assert redline.crawl()["not_modified"] == 1
    assert outcomes(redline, site.url("/a")) == [
        ("new-version", None, 1),
        ("not-modified", None, 1),
    ]
    second = site.request_log("/a")[-1]
    assert second.header("If-None-Match") and second.header("If-Modified-Since")


ERROR_CASES = {
    "/gone-404": "http-404",
    "/gone-410": "http-410",
    "/broken-500": "http-5xx",
    "/slow": "timeout",
    "/loop": "redirect-loop",
    "/report.pdf": "not-html",
    "/huge": "too-large",
    "/consent": "consent-wall",
    "/paywall": "empty-extraction",
}


def install_error_cases(site):
    site.set_page("/gone-404", "<html><body><p>Not here.</p></body></html>", status=404)
    site.set_page("/gone-410", "<html><body><p>Removed.</p></body></html>", status=410)
    site.set_page("/broken-500", "<html><body>Oops</body></html>", status=500)
    site.set_page("/slow", article_page(Story(), 1), delay_s=20)
    site.redirect_loop("/loop")
    site.set_page("/report.pdf", b"%PDF-1.7\n%binary\n", content_type="application/pdf")
    site.set_huge("/huge", 3 * 1024 * 1024)
    site.set_page(
        "/consent",
        "<html><head><title>Before you continue</title></head><body><div class='consent'>"
        "<p>We use cookies.</p><button>Accept all</button></div></body></html>",
    )
    site.set_page(
        "/paywall",
        "<html><head><title>Army retakes Palmyra</title></head><body><article><h1>Army retakes"
        " Palmyra</h1><p>Subscribe to continue reading.</p></article></body></html>",
    )


def test_bad_input_gives_error_captures_and_no_version(redline, site):
    install_error_cases(site)
    serve(site, "/good", Story())  # control: the same crawl archives a real article
    # a timeout well under /slow's delay, yet long enough for a loaded machine's other answers
    redline.env.update(
        REDLINE_DOWNLOAD_TIMEOUT_S="4",
        REDLINE_REDIRECT_MAX="3",
        REDLINE_MAX_BODY_BYTES=str(1024 * 1024),
    )
    urls = [site.url(p) for p in [*ERROR_CASES, "/good"]]
    redline("track", *urls)
    summary = redline.crawl()
    assert summary["new_versions"] == 1
    assert summary["errors"] == len(ERROR_CASES)
    for path, reason in ERROR_CASES.items():
        assert outcomes(redline, site.url(path)) == [("error", reason, None)], path
        assert redline.json("versions", site.url(path)) == []
        assert redline("diff", site.url(path), check=False).returncode == 1
    assert outcomes(redline, site.url("/good")) == [("new-version", None, 1)]


def test_404_after_a_version_is_a_takedown_that_keeps_the_version(redline, site):
    serve(site, "/a", Story())
    redline("track", site.url("/a"))
    redline.crawl()
    site.remove_page("/a")
    redline.crawl()
    [row] = redline.json("list")
    assert row["taken_down"] is True and row["versions"] == 1
    shown = redline.json("show", site.url("/a"))
    assert shown["number"] == 1 and shown["headline"].startswith("Army retakes")
    # the article comes back: recorded as restored, no new version for the same text
    serve(site, "/a", Story())
    assert redline.crawl()["unchanged"] == 1
    [row] = redline.json("list")
    assert row["taken_down"] is False
    assert [o for o, _, _ in outcomes(redline, site.url("/a"))] == [
        "new-version",
        "error",
        "unchanged",
    ]


def test_redirect_to_home_page_is_a_takedown(redline_sqlite, site):
    redline = redline_sqlite
    serve(site, "/world/2017/palmyra", Story())
    site.set_page("/", "<html><body><h1>Front page</h1></body></html>")
    redline("track", site.url("/world/2017/palmyra"))
    redline.crawl()
    site.redirect("/world/2017/palmyra", "/")
    redline.crawl()
    assert outcomes(redline, site.url("/world/2017/palmyra"))[-1] == (
        "error",
        "redirected-away",
        None,
    )
    assert redline.json("list")[0]["taken_down"] is True


def test_tracking_parameters_and_canonical_form_are_one_article(redline, site):
    canonical = site.url("/news/palmyra")
    serve(site, "/news/palmyra", Story(canonical=canonical))
    serve(site, "/amp/palmyra", Story(canonical=canonical))
    redline("track", site.url("/news/palmyra?utm_source=feed&utm_medium=rss#top"))
    again = redline.json("track", site.url("/news/palmyra?fbclid=abc"))
    assert again == [{"url": canonical, "created": False, "tags": []}]
    redline("track", site.url("/amp/palmyra"))
    redline.crawl()
    rows = redline.json("list")
    assert [r["url"] for r in rows] == [canonical]
    # both addresses lead to one history
    assert redline.json("versions", site.url("/amp/palmyra")) == redline.json("versions", canonical)
    assert len(redline.json("versions", canonical)) == 1


def test_network_guard_refuses_schemes_and_private_addresses(redline_sqlite, site):
    redline = redline_sqlite
    for bad in ("file:///etc/passwd", "ftp://example.org/a", "javascript:alert(1)", "not a url"):
        proc = redline("track", bad, check=False)
        assert proc.returncode != 0
        assert proc.stderr.startswith("redline: error:") and "Traceback" not in proc.stderr
    del redline.env["REDLINE_ALLOW_PRIVATE_NETWORKS"]
    for private in (
        site.url("/a"),
        "http://10.1.2.3/a",
        "http://169.254.169.254/latest",
        "http://[::1]/",
    ):
        proc = redline("track", private, check=False)
        assert proc.returncode != 0, private
        assert "Traceback" not in proc.stderr
    assert redline.json("list") == []
    # allowed when explicitly permitted
    redline.env["REDLINE_ALLOW_PRIVATE_NETWORKS"] = "1"
    serve(site, "/a", Story())
    redline("track", site.url("/a"))
    # ...and refused at fetch time when the crawl runs without the permission
    del redline.env["REDLINE_ALLOW_PRIVATE_NETWORKS"]
    redline.crawl()
    assert outcomes(redline, site.url("/a")) == [("error", "blocked-destination", None)]
    assert site.requests("/a") == 0


def test_redirect_to_private_destination_is_refused(redline_sqlite, site):
    """The guard runs on every redirect, not only on the tracked URL."""
    from scheduler.demo.site import LocalSite

    redline = redline_sqlite
    with LocalSite() as other:
        serve(other, "/inside", Story())
        site.redirect("/out", other.url("/inside").replace("127.0.0.1", "127.0.0.2"))
        redline("track", site.url("/out"))
        # allow 127.0.0.1 only through an explicit setting? No: the guard is all or nothing,
        # so here the first hop is allowed by tracking it while permitted, then refused.
        redline.env.pop("REDLINE_ALLOW_PRIVATE_NETWORKS")
        redline.crawl()
    assert outcomes(redline, site.url("/out"))[0][1] == "blocked-destination"


def test_robots_txt_is_obeyed(redline_sqlite, site):
    redline = redline_sqlite
    site.set_page("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    serve(site, "/private/a", Story())
    serve(site, "/public/a", Story())
    redline("track", site.url("/private/a"), site.url("/public/a"))
    redline.crawl()
    assert outcomes(redline, site.url("/private/a")) == [("error", "robots-disallowed", None)]
    assert outcomes(redline, site.url("/public/a"))[0][0] == "new-version"
    assert site.requests("/private/a") == 0
