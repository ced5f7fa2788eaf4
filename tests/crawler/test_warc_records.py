"""What a crawl writes to WARC: responses as received (content coding kept), each redirect hop
as a record of its own, and revisit records that name the record holding their payload and
describe it.  Checked with warcio's reader on the files a real crawl of a real local site
leaves, and with ``warcio check``.  What touches the database (the digests, finding a
revisit's original) runs on SQLite and PostgreSQL."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.warc import payload_digest
from tests.pages import Story, article_page

pytestmark = pytest.mark.slow


def warc_records(data_dir: Path) -> list[dict[str, Any]]:
    """Every record of the crawl's WARC files, in order, with its payload read."""
    files = sorted((data_dir / "warc").glob("*.warc.gz"))
    assert files and not list((data_dir / "warc").glob("*.open"))
    found = []
    for path in files:
        check = subprocess.run(
            [str(Path(sys.executable).with_name("warcio")), "check", "-v", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0 and "digest failed" not in check.stdout, check.stdout
        with open(path, "rb") as fh:
            iterator = ArchiveIterator(fh)
            for record in iterator:
                payload = record.raw_stream.read()
                fields = record.rec_headers
                http = record.http_headers
                found.append(
                    {
                        "file": path.name,
                        "offset": iterator.get_record_offset(),
                        "type": record.rec_type,
                        "uri": fields.get_header("WARC-Target-URI"),
                        "id": fields.get_header("WARC-Record-ID"),
                        "date": fields.get_header("WARC-Date"),
                        "digest": fields.get_header("WARC-Payload-Digest"),
                        "refers_to_uri": fields.get_header("WARC-Refers-To-Target-URI"),
                        "refers_to_date": fields.get_header("WARC-Refers-To-Date"),
                        "refers_to": fields.get_header("WARC-Refers-To"),
                        "status": http.get_statuscode() if http else None,
                        "headers": list(http.headers) if http else [],
                        "payload": payload,
                    }
                )
    return found


def header(record: dict[str, Any], name: str) -> str | None:
    values = [v for k, v in record["headers"] if k.lower() == name.lower()]
    assert len(values) <= 1, (name, record["headers"])
    return values[0] if values else None


def responses(records: list[dict[str, Any]], uri: str, kind: str = "response") -> list[Any]:
    return [r for r in records if r["type"] == kind and r["uri"] == uri]


def test_a_gzip_encoded_page_is_stored_as_received_and_its_revisit_describes_it(redline, site):
    redline.env["REDLINE_WARC_RETENTION"] = "all"  # the revisits are what is tested
    html = article_page(Story(), 1).encode()
    sent = gzip.compress(html, mtime=0)
    site.set_page("/gz", sent, headers={"Content-Encoding": "gzip"}, conditional=False)
    redline("track", site.url("/gz"))
    assert redline.crawl()["new_versions"] == 1
    assert redline.crawl()["unchanged"] == 1
    records = warc_records(redline.data_dir)
    (original,) = responses(records, site.url("/gz"))
    (revisit,) = responses(records, site.url("/gz"), "revisit")
    # the payload is what the site sent, and says so
    assert original["payload"] == sent
    assert header(original, "Content-Encoding") == "gzip"
    assert header(original, "Content-Length") == str(len(sent))
    assert original["digest"] == payload_digest(sent)
    assert gzip.decompress(original["payload"]) == html
    # a replay of the revisit serves the original's payload under the revisit's headers
    assert header(revisit, "Content-Encoding") == "gzip"
    assert header(revisit, "Content-Length") == str(len(original["payload"]))
    assert revisit["digest"] == original["digest"]
    captures = redline.json("captures", site.url("/gz"))
    assert [c["outcome"] for c in captures] == ["new-version", "unchanged"]
    assert captures[0]["payload_digest"] == captures[1]["payload_digest"] == payload_digest(sent)


def test_a_plain_page_is_stored_byte_for_byte(redline_sqlite, site):
    redline = redline_sqlite
    sent = article_page(Story(), 1).encode()
    site.set_page("/plain", sent, conditional=False)
    redline("track", site.url("/plain"))
    redline.crawl()
    (original,) = responses(warc_records(redline.data_dir), site.url("/plain"))
    assert original["payload"] == sent
    assert header(original, "Content-Encoding") is None
    assert header(original, "Content-Length") == str(len(sent))
    assert header(original, "ETag") is not None  # any case: names are normalised, values kept


def test_a_revisit_after_a_move_to_a_new_slug_refers_to_the_record_holding_the_payload(
    redline, site
):
    redline.env["REDLINE_WARC_RETENTION"] = "all"  # the revisits are what is tested
    page = article_page(Story(), 1)
    site.set_page("/2026/03/story", page, conditional=False)
    redline("track", site.url("/2026/03/story"))
    redline.crawl()
    site.set_page("/story-new-slug", page, conditional=False)
    site.redirect("/2026/03/story", "/story-new-slug")
    assert redline.crawl()["unchanged"] == 1
    records = warc_records(redline.data_dir)
    original, hop = responses(records, site.url("/2026/03/story"))
    assert (original["status"], hop["status"]) == ("200", "301")
    (revisit,) = responses(records, site.url("/story-new-slug"), "revisit")
    assert revisit["refers_to_uri"] == site.url("/2026/03/story")
    assert revisit["refers_to_date"] == original["date"]
    assert revisit["refers_to"] == original["id"]
    assert revisit["digest"] == original["digest"]
    assert header(revisit, "Content-Length") == str(len(original["payload"]))


def test_a_revisit_whose_original_record_is_gone_stores_the_payload_again(redline, site):
    redline.env["REDLINE_WARC_RETENTION"] = "all"  # the revisits are what is tested
    page = article_page(Story(), 1)
    site.set_page("/a", page, conditional=False)
    redline("track", site.url("/a"))
    redline.crawl()
    for path in (redline.data_dir / "warc").glob("*.warc.gz"):
        path.unlink()
    assert redline.crawl()["unchanged"] == 1  # the digest still says so
    records = warc_records(redline.data_dir)
    assert not responses(records, site.url("/a"), "revisit")  # a revisit of nothing: no
    (again,) = responses(records, site.url("/a"))
    assert again["payload"] == page.encode()
    captures = redline.json("captures", site.url("/a"))
    (capture,) = [c for c in captures if c["outcome"] == "unchanged"]
    assert (capture["warc_file"], capture["warc_offset"]) == (again["file"], again["offset"])


def test_each_redirect_hop_is_a_response_record_of_its_own(redline_sqlite, site):
    redline = redline_sqlite
    page = article_page(Story(), 1)
    site.set_page("/final", page, conditional=False)
    site.redirect("/tracked", "/middle", status=301)
    site.redirect("/middle", "/final", status=302)
    redline("track", site.url("/tracked"))
    assert redline.crawl()["new_versions"] == 1
    records = warc_records(redline.data_dir)
    (first,) = responses(records, site.url("/tracked"))
    (second,) = responses(records, site.url("/middle"))
    (final,) = responses(records, site.url("/final"))
    assert (first["status"], header(first, "Location")) == ("301", site.url("/middle"))
    assert (second["status"], header(second, "Location")) == ("302", site.url("/final"))
    assert first["payload"] == f"<html><body><a href='{'/middle'}'>Moved</a></body></html>".encode()
    assert final["status"] == "200" and final["payload"] == page.encode()
    # each with its request, in the order they were fetched
    order = [(r["type"], r["uri"]) for r in records if r["type"] in ("response", "request")]
    assert order == [
        ("response", site.url("/tracked")),
        ("request", site.url("/tracked")),
        ("response", site.url("/middle")),
        ("request", site.url("/middle")),
        ("response", site.url("/final")),
        ("request", site.url("/final")),
    ]
    # the capture points at the final response
    (capture,) = redline.json("captures", site.url("/tracked"))
    assert (capture["warc_file"], capture["warc_offset"]) == (final["file"], final["offset"])


def test_the_hops_of_a_redirect_loop_are_kept_as_evidence(redline_sqlite, site):
    redline = redline_sqlite
    site.redirect_loop("/loop", "/loop-back")
    redline("track", site.url("/loop"))
    redline.crawl()
    (capture,) = redline.json("captures", site.url("/loop"))
    assert capture["reason"] == "redirect-loop"
    records = warc_records(redline.data_dir)
    assert responses(records, site.url("/loop"))
    assert all(r["status"] == "302" for r in records if r["type"] == "response")


def test_a_stored_gzip_payload_is_decoded_for_the_re_reading(tmp_path):
    from datetime import UTC, datetime

    from archive.extract.article import Article
    from archive.warc import WarcWriter
    from crawler.workers import reextract_job

    html = article_page(Story(), 1).encode()
    with WarcWriter(tmp_path, max_bytes=10**9) as writer:
        location = writer.write_exchange(
            "https://news.example/story",
            request_headers=[],
            status=200,
            response_headers=[("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
            body=gzip.compress(html),
            fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
    article = reextract_job(str(tmp_path), [location], 200)
    assert isinstance(article, Article), article
    assert article.headline == Story().headline


def test_the_middleware_sees_responses_before_redirects_and_decoding():
    from scrapy.settings import default_settings

    from archive.config import Config
    from crawler.configure import settings_for

    base = default_settings.DOWNLOADER_MIDDLEWARES_BASE
    ours = settings_for(Config())["DOWNLOADER_MIDDLEWARES"]["crawler.wire.ReceivedMiddleware"]
    # process_response runs from the highest number down
    redirect = base["scrapy.downloadermiddlewares.redirect.RedirectMiddleware"]
    decode = base["scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware"]
    stats = base["scrapy.downloadermiddlewares.stats.DownloaderStats"]
    assert decode < redirect < ours < stats


def test_a_page_with_a_meta_refresh_is_kept_as_its_own_record(redline_sqlite, site):
    redline = redline_sqlite
    page = article_page(Story(), 1)
    site.set_page("/news/palmyra", page, conditional=False)
    refresh = (
        f'<html><head><meta http-equiv="refresh" content="0; url={site.url("/news/palmyra")}">'
    )
    site.set_page("/r/palmyra", refresh, conditional=False)
    redline("track", site.url("/r/palmyra"))
    assert redline.crawl()["new_versions"] == 1
    records = warc_records(redline.data_dir)
    (hop,) = responses(records, site.url("/r/palmyra"))
    (final,) = responses(records, site.url("/news/palmyra"))
    assert (hop["status"], hop["payload"]) == ("200", refresh.encode())
    assert final["payload"] == page.encode()
