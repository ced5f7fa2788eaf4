"""Failure reasons that say what happened, from a real site on 127.0.0.1, and no fetch that
ends without a capture: a host that does not resolve is ``dns-failed`` (one log line, with
private networks allowed or not), a decompression bomb is ``too-large``, a redirect to
``file:``, ``ftp:`` or ``data:`` is ``redirect-refused`` with the reason, and a URL too long
to fetch is refused at ``track`` and recorded as ``url-too-long`` if it is in the archive
already.  In every crawl, the captures recorded equal the URLs expected."""

from __future__ import annotations

import gzip

import pytest
from sqlalchemy import create_engine, text

from archive.urls import MAX_URL_CHARS
from tests.pages import Story, serve

pytestmark = pytest.mark.slow

UNRESOLVABLE = "http://no-such-host.invalid/news/a"  # .invalid never resolves (RFC 2606)


def reasons(redline, url):
    return [(c["outcome"], c["reason"]) for c in redline.json("captures", url)]


def detail(redline, url):
    return redline.json("captures", url)[-1]["detail"]


def crawl_all(redline):
    """One crawl of every URL; every expected URL must end in a capture."""
    summary = redline.crawl()
    assert summary["fetched"] == summary["expected"], summary
    return summary


def test_an_unresolvable_host_is_dns_failed_in_the_default_mode(redline_sqlite, site):
    redline = redline_sqlite
    redline("track", UNRESOLVABLE)
    del redline.env["REDLINE_ALLOW_PRIVATE_NETWORKS"]  # the default: the guard resolves first
    summary = crawl_all(redline)
    assert summary["errors_by_reason"] == {"dns-failed": 1}
    assert reasons(redline, UNRESOLVABLE) == [("error", "dns-failed")]
    assert "no-such-host.invalid" in detail(redline, UNRESOLVABLE)
    # the twin: a public-looking name that the guard refuses is still blocked-destination
    redline.env["REDLINE_ALLOW_PRIVATE_NETWORKS"] = "1"
    serve(site, "/a", Story())
    redline("track", site.url("/a"))
    del redline.env["REDLINE_ALLOW_PRIVATE_NETWORKS"]
    redline.crawl("--url", site.url("/a"))
    assert reasons(redline, site.url("/a")) == [("error", "blocked-destination")]


def test_an_unresolvable_host_with_private_networks_allowed_logs_one_line(redline_sqlite, site):
    redline = redline_sqlite
    serve(site, "/a", Story())
    redline("track", UNRESOLVABLE, site.url("/a"))
    proc = redline("crawl", "--all")
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "no-such-host.invalid" in line]
    assert len(lines) <= 1, proc.stderr
    assert len(proc.stderr.splitlines()) <= 3, proc.stderr
    assert reasons(redline, UNRESOLVABLE) == [("error", "dns-failed")]
    assert reasons(redline, site.url("/a")) == [("new-version", None)]


def test_a_decompression_bomb_is_too_large(redline_sqlite, site):
    redline = redline_sqlite
    redline.env["REDLINE_MAX_BODY_BYTES"] = str(1024 * 1024)
    bomb = gzip.compress(b"<html><body><p>" + b"0" * (8 * 1024 * 1024) + b"</p></body></html>")
    assert len(bomb) < 64 * 1024  # small on the wire, 8 MB once decoded
    site.set_page("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    page = Story().but(headline="A gzip-encoded article within the limit")
    from tests.pages import article_page

    site.set_page(
        "/gzipped", gzip.compress(article_page(page).encode()), headers={"Content-Encoding": "gzip"}
    )
    redline("track", site.url("/bomb"), site.url("/gzipped"))
    crawl_all(redline)
    assert reasons(redline, site.url("/bomb")) == [("error", "too-large")]
    assert "DOWNLOAD_MAXSIZE" in detail(redline, site.url("/bomb"))
    assert reasons(redline, site.url("/gzipped")) == [("new-version", None)]


@pytest.mark.parametrize(
    ("path", "location", "scheme"),
    [
        ("/to-file", "file:///etc/passwd", "file"),
        ("/to-ftp", "ftp://ftp.example.org/pub/article.html", "ftp"),
        ("/to-data", "data:text/html,<p>hello</p>", "data"),
    ],
)
def test_a_redirect_to_another_scheme_is_refused_with_its_reason(
    redline_sqlite, site, path, location, scheme
):
    redline = redline_sqlite
    site.redirect(path, location, status=302)
    serve(site, "/moved", Story())
    site.redirect("/to-http", "/moved")  # the twin: an http redirect is followed
    redline("track", site.url(path), site.url("/to-http"))
    crawl_all(redline)
    assert reasons(redline, site.url(path)) == [("error", "redirect-refused")]
    said = detail(redline, site.url(path))
    assert f"to a {scheme}: URL refused" in said and "only http and https" in said
    assert "non-200" not in said
    assert reasons(redline, site.url("/to-http")) == [("new-version", None)]


def test_a_url_too_long_is_refused_at_track(redline_sqlite, site):
    redline = redline_sqlite
    long_url = site.url("/a?q=" + "x" * 3000)
    proc = redline("track", long_url, check=False)
    assert proc.returncode != 0
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "too long" in proc.stderr and str(MAX_URL_CHARS) in proc.stderr
    assert redline.json("list") == []
    # the longest URL that can be tracked is fetched
    serve(site, "/a", Story())
    longest = site.url("/a?q=")
    longest += "y" * (MAX_URL_CHARS - len(longest))
    redline("track", longest)
    crawl_all(redline)
    assert reasons(redline, longest) == [("new-version", None)]


def test_every_expected_url_ends_in_a_capture(redline_sqlite, site):
    """URLs over Scrapy's 2,083-character limit that are in the archive already (tracked
    before the limit was enforced) are recorded as url-too-long, never dropped."""
    redline = redline_sqlite
    serve(site, "/a", Story())
    serve(site, "/b", Story())
    redline("track", site.url("/a"), site.url("/b?short=1"))
    engine = create_engine(f"sqlite:///{redline.data_dir / 'redline.sqlite'}")
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE tracked_urls SET url = :url WHERE url = :old"),
            {"url": site.url("/b?q=" + "z" * 2500), "old": site.url("/b?short=1")},
        )
    engine.dispose()
    summary = crawl_all(redline)
    assert summary["expected"] == 2 and summary["fetched"] == 2
    assert summary["errors_by_reason"] == {"url-too-long": 1}
    assert reasons(redline, site.url("/a")) == [("new-version", None)]
    assert site.requests("/b") == 0
