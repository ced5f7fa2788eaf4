"""warc_retention: with ``versions`` (the default) a capture found unchanged keeps its row and
payload digest but writes no WARC record; versions, events and errors keep theirs.  With
``all`` every capture's exchange is written (the twin of each check)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.pages import Story, article_page, serve

pytestmark = pytest.mark.slow


def records(data_dir: Path) -> list[tuple[str, str]]:
    """(WARC type, last path segment) of every response and revisit record."""
    found = []
    for path in sorted((data_dir / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type in {"response", "revisit"}:
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    found.append((record.rec_type, uri.rsplit("/", 1)[-1]))
    return found


def warc_bytes(data_dir: Path) -> int:
    return sum(p.stat().st_size for p in (data_dir / "warc").glob("*.warc.gz"))


def last_capture(redline: Any, url: str) -> dict[str, Any]:
    captures: list[dict[str, Any]] = redline.json("captures", url)
    return captures[-1]


@pytest.mark.parametrize("retention", ["versions", "all"])
def test_unchanged_captures_keep_their_exchange_only_under_all(redline_sqlite, site, retention):
    redline = redline_sqlite
    if retention == "all":
        redline.env["REDLINE_WARC_RETENTION"] = "all"
    serve(site, "/chrome", Story())  # ads and counters change on every request
    site.set_page("/static", article_page(Story(headline="Static"), 1), conditional=False)
    serve(site, "/edited", Story(headline="Edited"))
    urls = {name: site.url(f"/{name}") for name in ("chrome", "static", "edited")}
    redline("track", *urls.values())
    assert redline.crawl()["new_versions"] == 3
    first = sorted(records(redline.data_dir))
    assert first == [("response", "chrome"), ("response", "edited"), ("response", "static")]

    serve(site, "/edited", Story(headline="Edited", byline="By a new hand"))
    size = warc_bytes(redline.data_dir)
    summary = redline.crawl()
    assert (summary["new_versions"], summary["unchanged"]) == (1, 2)
    kinds = sorted(records(redline.data_dir))
    for name in ("chrome", "static"):
        capture = last_capture(redline, urls[name])
        assert capture["outcome"] == "unchanged" and capture["payload_digest"]
    edited = last_capture(redline, urls["edited"])
    assert edited["outcome"] == "new-version" and edited["warc_file"]  # a version keeps it
    if retention == "versions":
        assert kinds == sorted([*first, ("response", "edited")])
        for name in ("chrome", "static"):
            assert last_capture(redline, urls[name])["warc_file"] is None
    else:
        assert kinds == sorted(
            [*first, ("response", "edited"), ("response", "chrome"), ("revisit", "static")]
        )
        for name in ("chrome", "static"):
            assert last_capture(redline, urls[name])["warc_file"]
    assert warc_bytes(redline.data_dir) > size  # the edit's record

    # the next byte-identical fetch finds its original still (a revisit under all only)
    assert redline.crawl()["unchanged"] == 3 - 1 + 1  # /edited is the same article again
    revisits = [name for kind, name in records(redline.data_dir) if kind == "revisit"]
    assert revisits == ([] if retention == "versions" else ["static", "static"])


@pytest.mark.parametrize("retention", ["versions", "all"])
def test_redirect_hops_are_kept_with_their_capture_only(redline_sqlite, site, retention):
    """The redirects before an unchanged article go with its exchange: dropped under
    ``versions``, kept under ``all``; an edit behind the same redirect keeps them."""
    redline = redline_sqlite
    if retention == "all":
        redline.env["REDLINE_WARC_RETENTION"] = "all"
    site.redirect("/old/story-a", "/news/story-a")
    serve(site, "/news/story-a", Story())  # chrome changes on every request
    redline("track", site.url("/old/story-a"))
    assert redline.crawl()["new_versions"] == 1
    assert records(redline.data_dir) == [("response", "story-a")] * 2  # the 301, the page

    assert redline.crawl()["unchanged"] == 1
    unchanged = [] if retention == "versions" else [("response", "story-a")] * 2
    assert records(redline.data_dir) == [("response", "story-a")] * 2 + unchanged
    hops = [r for r in all_records(redline.data_dir) if r[1] == 301]
    assert len(hops) == (1 if retention == "versions" else 2)

    # the twin: the article behind the redirect changes, and both records are written
    serve(site, "/news/story-a", Story().but(headline="Palmyra back in government hands"))
    assert redline.crawl()["new_versions"] == 1
    assert len(records(redline.data_dir)) == 2 + len(unchanged) + 2
    assert len([r for r in all_records(redline.data_dir) if r[1] == 301]) == len(hops) + 1


def all_records(data_dir: Path) -> list[tuple[str, int]]:
    """(target URI, HTTP status) of every response record, in order."""
    found = []
    for path in sorted((data_dir / "warc").glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    status = int(record.http_headers.get_statuscode())
                    found.append((record.rec_headers.get_header("WARC-Target-URI"), status))
    return found


def test_a_restored_article_keeps_its_exchange(redline_sqlite, site):
    """A capture of the same article is an event when the URL was taken down: kept."""
    redline = redline_sqlite
    serve(site, "/a", Story())
    redline("track", site.url("/a"))
    assert redline.crawl()["new_versions"] == 1
    site.set_page("/a", "<html><body>gone</body></html>", status=410)
    redline.crawl()
    serve(site, "/a", Story())
    summary = redline.crawl()
    assert summary["unchanged"] == 1
    restored = last_capture(redline, site.url("/a"))
    assert restored["warc_file"], restored
    assert [kind for kind, name in records(redline.data_dir) if name == "a"] == ["response"] * 3


def test_warc_retention_takes_only_its_words(redline_sqlite):
    redline_sqlite.env["REDLINE_WARC_RETENTION"] = "some"
    proc = redline_sqlite("list", check=False)
    assert proc.returncode == 1
    assert "warc_retention" in proc.stderr and "'some' is not one of all, versions" in proc.stderr
