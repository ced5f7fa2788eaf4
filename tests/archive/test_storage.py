"""``redline storage`` and ``redline storage apply``: an archive crawled with
``warc_retention = all`` against the local site, then switched to ``versions`` and rewritten,
on real WARC files read back with warcio, on SQLite and PostgreSQL; a crash at each step of a
rewrite (a process killed there) loses nothing, and the next run finishes the work."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from archive.db import open_database
from archive.models import Capture, Event, TrackedURL
from archive.warc import WarcLocation, read_record
from tests.conftest import Redline
from tests.pages import Story, article_page, serve

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Row:
    id: int
    url: str
    outcome: str
    digest: str | None
    file: str | None
    offset: int | None
    event: bool


def database_url(redline: Redline) -> str:
    return redline.env.get(
        "REDLINE_DATABASE_URL", f"sqlite:///{redline.data_dir / 'redline.sqlite'}"
    )


def captures(redline: Redline) -> dict[int, Row]:
    database = open_database(database_url(redline))
    try:
        with database.session() as session:
            evented = set(session.scalars(select(Event.capture_id)))
            rows = session.execute(
                select(
                    Capture.id,
                    TrackedURL.url,
                    Capture.outcome,
                    Capture.payload_digest,
                    Capture.warc_file,
                    Capture.warc_offset,
                ).join(TrackedURL, TrackedURL.id == Capture.tracked_url_id)
            ).all()
            return {r[0]: Row(*r, event=r[0] in evented) for r in rows}  # type: ignore[misc]
    finally:
        database.dispose()


def warc_dir(redline: Redline) -> Path:
    return redline.data_dir / "warc"


def files(redline: Redline) -> dict[str, str]:
    """Every file in the WARC directory, with its SHA-256."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(warc_dir(redline).iterdir())
    }


def records(path: Path) -> list[Any]:
    """Every record of a WARC file, read to the end by warcio (which fails on a broken one)."""
    out = []
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh, check_digests=True):
            record.content_stream().read()
            out.append(record.rec_headers)
    return out


def build_archive(redline: Redline, site: Any) -> None:
    """Four crawls with every exchange kept: versions, edits, errors, a takedown and return,
    byte-identical refetches (revisits) and chrome-only ones (responses)."""
    redline.env["REDLINE_WARC_RETENTION"] = "all"
    page_a = article_page(Story(headline="Floods close the coast road"), 1)
    page_b = article_page(Story(headline="Floods close the coast road"), 2)  # chrome only
    site.set_page("/static", article_page(Story(), 1), conditional=False)
    serve(site, "/chrome", Story(headline="Heat wave grips the capital"), conditional=False)
    serve(site, "/edit", Story(headline="Council votes on budget"), conditional=False)
    site.set_page("/gone", "<html><body>gone</body></html>", status=410)
    site.set_page("/flaky", page_a, conditional=False)
    redline("track", *(site.url(p) for p in ("/static", "/chrome", "/edit", "/gone", "/flaky")))
    redline.crawl()
    serve(site, "/edit", Story(headline="Council passes the budget"), conditional=False)
    site.set_page("/flaky", page_b, conditional=False)
    redline.crawl()
    site.set_page("/flaky", "<html><body>no such page</body></html>", status=404)
    redline.crawl()
    site.set_page("/flaky", page_b, conditional=False)  # back, byte-identical: a revisit
    redline.crawl()
    del redline.env["REDLINE_WARC_RETENTION"]  # the default from now on: versions


def expected_kept(rows: dict[int, Row]) -> set[int]:
    """The captures whose records `versions` keeps, by the rule's own words: those that made
    a version (new-version) or an event, and errors."""
    return {
        r.id for r in rows.values() if r.file is not None and (r.outcome != "unchanged" or r.event)
    }


def snapshot(redline: Redline) -> dict[int, tuple[Row, Any]]:
    """Each capture with its record as read now (before a rewrite deletes the old files)."""
    out = {}
    for capture_id, row in captures(redline).items():
        record = None
        if row.file is not None and row.offset is not None:
            record = read_record(warc_dir(redline), WarcLocation(row.file, row.offset, 0, ""))
        out[capture_id] = (row, record)
    return out


def check_against(redline: Redline, before: dict[int, tuple[Row, Any]], kept: set[int]) -> None:
    after = captures(redline)
    assert set(after) == set(before)
    for capture_id, (old, record) in before.items():
        new = after[capture_id]
        assert (new.digest, new.outcome) == (old.digest, old.outcome)
        if capture_id not in kept:
            assert (new.file, new.offset) == (None, None), new
            continue
        assert new.file is not None and new.offset is not None, new
        now = read_record(warc_dir(redline), WarcLocation(new.file, new.offset, 0, ""))
        assert now == record, (new, now, record)
        if now.record_type == "response":
            assert now.payload_digest == new.digest
    names = files(redline)
    assert not [n for n in names if not n.endswith(".warc.gz")], names
    ids = set()
    for name in names:
        found = records(warc_dir(redline) / name)
        assert found[0].get_header("WARC-Type") == "warcinfo"
        ids |= {h.get_header("WARC-Record-ID") for h in found}
    for capture_id in kept:  # every kept revisit's payload is still in the archive
        _, record = before[capture_id]
        if record.record_type == "revisit":
            assert record.refers_to_record_id in ids


@pytest.fixture
def archive(redline: Redline, site: Any) -> Iterator[Redline]:
    build_archive(redline, site)
    yield redline


def test_apply_keeps_versions_events_and_errors_and_drops_the_rest(archive):
    redline = archive
    before = snapshot(archive)
    rows = {i: row for i, (row, _) in before.items()}
    kept = expected_kept(rows)
    dropped = {i for i, r in rows.items() if r.file is not None} - kept
    by_url: dict[str, list[str]] = {}
    for row in sorted(rows.values(), key=lambda r: r.id):
        by_url.setdefault(row.url.rsplit("/", 1)[-1], []).append(row.outcome)
    # the archive the test means to build: each case is there
    assert by_url["static"] == ["new-version"] + ["unchanged"] * 3
    assert by_url["chrome"] == ["new-version"] + ["unchanged"] * 3
    assert by_url["edit"][:2] == ["new-version", "new-version"]
    assert by_url["flaky"] == ["new-version", "unchanged", "error", "unchanged"]
    assert len(dropped) >= 8
    restore = max(i for i, r in rows.items() if r.url.endswith("/flaky"))
    assert rows[restore].event and before[restore][1].record_type == "revisit"
    # its payload's record is an unchanged capture's, which must then stay
    original = next(
        i
        for i, (_, rec) in before.items()
        if rec is not None and rec.record_id == before[restore][1].refers_to_record_id
    )
    assert rows[original].outcome == "unchanged" and original in dropped
    dropped.discard(original)
    kept.add(original)

    # the twin: under `all` nothing is reclaimable, and apply changes nothing
    redline.env["REDLINE_WARC_RETENTION"] = "all"
    files_before = files(redline)
    report = redline.json("storage")
    assert report["records_not_required"] == 0 and report["warc_files"] == len(files_before)
    assert redline.json("storage", "apply")["files_rewritten"] == 0
    assert files(redline) == files_before and captures(redline) == rows
    del redline.env["REDLINE_WARC_RETENTION"]

    report = redline.json("storage")
    assert report["retention"] == "versions"
    assert (report["records_not_required"], report["kept_for_revisits"]) == (len(dropped), 1)
    assert report["captures_with_record"] == len(kept) + len(dropped)
    assert redline("storage").stdout.count("not required") == 1
    assert {t["name"]: t["rows"] for t in report["tables"]}["captures"] == len(rows)
    assert report["warc_bytes"] == sum(
        p.stat().st_size for p in warc_dir(redline).glob("*.warc.gz")
    )
    assert report["database_bytes"] > 0 and not report["leftovers"]

    dry = redline.json("storage", "apply", "--dry-run")
    assert dry["dry_run"] and dry["bytes_reclaimed"] > 0 and dry["kept_for_revisits"] == 1
    assert files(redline) == files_before and captures(redline) == rows  # nothing touched

    done = redline.json("storage", "apply")
    assert done["captures_cleared"] == len(dropped) and done["kept_for_revisits"] == 1
    assert (done["bytes_before"], done["bytes_after"]) == (dry["bytes_before"], dry["bytes_after"])
    check_against(redline, before, kept)
    size_after = sum(p.stat().st_size for p in warc_dir(redline).iterdir())
    size_before = report["warc_bytes"]
    assert size_after == size_before - done["bytes_reclaimed"] < size_before
    warcio = Path(sys.executable).with_name("warcio")
    for name in files(redline):
        proc = subprocess.run([str(warcio), "check", str(warc_dir(redline) / name)], check=False)
        assert proc.returncode == 0, name

    # done: a second run finds nothing to drop, and the archive still crawls
    again = redline.json("storage", "apply")
    assert again["files_rewritten"] == 0 and not again["recovered"]
    assert redline.json("storage")["records_not_required"] == 0
    assert redline.crawl()["fetched"] == 5


CRASH = """
import os, sys
from archive.config import load_config
from archive.db import open_database
from archive.storage import apply_retention

step = sys.argv[1]

def stop(name, old):
    if name == step:
        os._exit(9)  # a crash: no cleanup, no rollback handler, nothing flushed

config = load_config()
apply_retention(open_database(config.sqlalchemy_url), config.warc_dir, "versions", checkpoint=stop)
"""


@pytest.mark.parametrize("step", ["written", "swapped"])
def test_a_crash_during_a_rewrite_loses_nothing(archive, step):
    redline = archive
    before = snapshot(redline)
    rows = {i: row for i, (row, _) in before.items()}
    files_before = files(redline)
    proc = subprocess.run(
        [sys.executable, "-c", CRASH, step], env=redline.env, capture_output=True, check=False
    )
    assert proc.returncode == 9, proc.stderr.decode()
    # after the crash: every reference names a file that exists and holds the same record
    now = captures(redline)
    for capture_id, (row, record) in before.items():
        new = now[capture_id]
        if new.file is None:
            assert step == "swapped" and row.outcome == "unchanged"
            continue
        assert new.file in files(redline)
        assert read_record(warc_dir(redline), WarcLocation(new.file, new.offset or 0, 0, "")) == (
            record
        )
    moved = {r.file for r in now.values() if r.file} - set(files_before)
    assert len(moved) == (1 if step == "swapped" else 0)
    report = redline.json("storage")
    (leftover,) = report["leftovers"]
    assert leftover.endswith("(swapped)" if step == "swapped" else "(writing)")

    done = redline.json("storage", "apply")
    assert done["recovered"] and not redline.json("storage")["leftovers"]
    kept = expected_kept(rows)
    restore = max(i for i, r in rows.items() if r.url.endswith("/flaky"))
    kept |= {
        i
        for i, (_, rec) in before.items()
        if rec is not None and rec.record_id == before[restore][1].refers_to_record_id
    }
    check_against(redline, before, kept)


def test_apply_refuses_to_run_while_a_crawl_holds_the_lock(redline_sqlite, site):
    from crawler.lock import CrawlLock

    redline = redline_sqlite
    serve(site, "/a", Story(), conditional=False)
    redline("track", site.url("/a"))
    redline.env["REDLINE_WARC_RETENTION"] = "all"
    redline.crawl()
    redline.crawl()
    del redline.env["REDLINE_WARC_RETENTION"]
    before = files(redline)
    stray = warc_dir(redline) / "redline-x-r1.warc.gz.rewrite"  # as a crash mid-copy leaves it
    stray.write_bytes(b"partial")
    assert redline.json("storage")["leftovers"] == [stray.name]
    assert redline.json("storage", "apply", "--dry-run")["recovered"] and stray.exists()
    stray.unlink()
    with CrawlLock(redline.data_dir) as lock:
        assert lock.acquired
        proc = redline("storage", "apply", check=False)
        assert proc.returncode == 1 and "a crawl is running" in proc.stderr
        assert files(redline) == before
    stray.write_bytes(b"partial")
    done = json.loads(redline("storage", "apply", "--json").stdout)
    assert done["captures_cleared"] == 1 and stray.name in done["recovered"][0]
    assert not stray.exists()
    # the second crawl's file held nothing else: it is gone, not rewritten to its warcinfo
    (rewrite,) = done["rewrites"]
    assert rewrite["new_file"] is None and rewrite["bytes_after"] == 0
    assert set(files(redline)) == set(before) - {rewrite["file"]}
    assert [r.outcome for r in captures(redline).values() if r.file] == ["new-version"]


def test_a_damaged_file_is_left_as_it_is_and_the_rest_goes_on(redline_sqlite, site):
    redline = redline_sqlite
    serve(site, "/a", Story(), conditional=False)
    serve(site, "/b", Story(headline="Heat wave grips the capital"), conditional=False)
    redline("track", site.url("/a"), site.url("/b"))
    redline.env["REDLINE_WARC_RETENTION"] = "all"
    redline.crawl()
    redline.crawl("--url", site.url("/a"))
    redline.crawl("--url", site.url("/b"))
    del redline.env["REDLINE_WARC_RETENTION"]
    first, second, third = sorted(warc_dir(redline).iterdir())
    intact = second.read_bytes()
    torn = intact + b"\x1f\x8b\x08 not a record"  # an unreadable tail
    second.write_bytes(torn)
    done = redline.json("storage", "apply")
    assert done["damaged"] == [second.name] and second.read_bytes() == torn
    assert [w["file"] for w in done["rewrites"]] == [third.name]
    assert not third.exists()
    second.write_bytes(intact)  # its twin, readable: rewritten (here, removed) like the other
    done = redline.json("storage", "apply")
    assert not done["damaged"] and [w["file"] for w in done["rewrites"]] == [second.name]
    assert [p.name for p in warc_dir(redline).iterdir()] == [first.name]
