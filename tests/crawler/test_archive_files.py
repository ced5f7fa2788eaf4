"""What a crawl leaves on disk and how it runs: WARC files that warcio accepts, the Scrapy
entry point, the extraction pool, and one-line errors instead of tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.crawler.test_entry_points import scrapy_crawl
from tests.pages import Story, article_page, serve

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def warcio(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("warcio")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, check=False)


def test_warc_files_hold_exchanges_and_revisits_that_warcio_accepts(redline_sqlite, site):
    redline = redline_sqlite
    redline.env["REDLINE_WARC_RETENTION"] = "all"  # every capture's record, revisits included
    site.set_page("/static", article_page(Story(), 1), conditional=False)
    serve(site, "/changing", Story())
    site.set_page("/gone", "<html><body>gone</body></html>", status=410)
    redline("track", site.url("/static"), site.url("/changing"), site.url("/gone"))
    redline.crawl()
    redline.crawl()
    files = sorted((redline.data_dir / "warc").glob("*.warc.gz"))
    assert files and not list((redline.data_dir / "warc").glob("*.open"))
    records = []
    for path in files:
        assert warcio("check", str(path)).returncode == 0, warcio("check", "-v", str(path)).stdout
        index = warcio("index", str(path))
        assert index.returncode == 0
        records += [json.loads(line) for line in index.stdout.splitlines()]
    assert records[0]["warc-type"] == "warcinfo"
    kinds = [
        (r["warc-type"], r["warc-target-uri"].rsplit("/", 1)[-1])
        for r in records
        if r["warc-type"] != "warcinfo"
    ]
    assert kinds.count(("response", "static")) == 1
    assert kinds.count(("revisit", "static")) == 1  # byte-identical second fetch
    assert kinds.count(("response", "changing")) == 2  # chrome changed: a new payload
    assert kinds.count(("response", "gone")) == 2  # the 410 page is evidence, kept
    assert kinds.count(("request", "static")) == 2
    # every capture points at its record
    for capture in redline.json("captures", site.url("/changing")):
        with open(redline.data_dir / "warc" / capture["warc_file"], "rb") as fh:
            fh.seek(capture["warc_offset"])
            record = next(iter(ArchiveIterator(fh)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Target-URI") == site.url("/changing")
            assert b"Army retakes Palmyra" in record.content_stream().read()


def test_scrapy_crawl_articles_works_from_the_repo_root(redline_sqlite, site):
    redline = redline_sqlite
    serve(site, "/a", Story())
    redline("track", site.url("/a"))
    scrapy_crawl(redline, "-a", "select=all")
    assert [c["outcome"] for c in redline.json("captures", site.url("/a"))] == ["new-version"]


def test_extraction_pool_crawl_matches_inline(redline_sqlite, site):
    redline = redline_sqlite
    redline.env["REDLINE_WORKERS"] = "2"
    paths = [f"/p{n}" for n in range(6)]
    for n, path in enumerate(paths):
        serve(site, path, Story(headline=f"Story number {n} about Palmyra"))
    redline("track", *(site.url(p) for p in paths))
    assert redline.crawl()["new_versions"] == 6
    assert redline.crawl()["unchanged"] == 6
    serve(site, "/p3", Story(headline="Story number 3 rewritten"))
    summary = redline.crawl()
    assert (summary["new_versions"], summary["unchanged"]) == (1, 5)


def test_errors_are_one_line_never_a_traceback(redline_sqlite, tmp_path):
    redline = redline_sqlite
    cases = [
        (("versions", "https://news.example/unknown"), "not tracked"),
        (("show", "ftp://news.example/x"), "http"),
        (("diff", "https://news.example/unknown"), "not tracked"),
        (("track", "http://"), ""),
        (("changes", "--since", "yesterday-ish"), "not a time"),
        (("track", "https://news.example/a", "--every", "soon"), "not a duration"),
    ]
    for args, words in cases:
        proc = redline(*args, check=False)
        assert proc.returncode != 0, args
        assert "Traceback" not in proc.stderr, proc.stderr
        assert words in proc.stderr, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    redline.env["REDLINE_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    proc = redline("list", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith("redline: error: cannot open the archive database")
    redline.env["REDLINE_DATABASE_URL"] = "not a url"
    proc = redline("list", check=False)
    assert proc.returncode == 1 and "malformed database URL" in proc.stderr


def test_diff_with_fewer_than_two_versions_says_so(redline_sqlite, site):
    redline = redline_sqlite
    serve(site, "/a", Story())
    redline("track", site.url("/a"))
    redline.crawl()
    proc = redline("diff", site.url("/a"), "--json", check=False)
    assert proc.returncode == 1 and "a diff needs two" in proc.stderr and proc.stdout == ""
    serve(site, "/a", Story(byline="Sami Okafor"))
    redline.crawl()
    diff = redline.json("diff", site.url("/a"))
    assert [e["kind"] for e in diff["edits"]] == ["byline"]
    assert diff["summary"]["label"] == "metadata-only"


def test_a_second_crawl_on_the_same_archive_is_refused(redline_sqlite, site):
    from crawler.lock import CrawlLock

    redline = redline_sqlite
    serve(site, "/a", Story())
    redline("track", site.url("/a"))
    with CrawlLock(redline.data_dir) as lock:  # as the service holds it during a cycle
        assert lock.acquired
        proc = redline("crawl", "--all", check=False)
        assert proc.returncode == 1 and "another crawl is running" in proc.stderr
        assert site.requests("/a") == 0
        # the service's own crawl process is told it runs under the lock
        held = json.loads(redline("crawl", "--all", "--json", "--lock-held").stdout)
        assert held["new_versions"] == 1
    assert redline.crawl()["unchanged"] == 1  # released: crawls run again
