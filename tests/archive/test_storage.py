"""``redline storage`` and ``redline storage apply``: an archive crawled with
``warc_retention = all`` against the local site, then switched to ``versions`` and rewritten,
on real WARC files read back with warcio, on SQLite and PostgreSQL; a crash at each step of a
rewrite (a process killed there) loses nothing, and the next run finishes the work."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
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
import os, shutil, sys
from sqlalchemy.engine import make_url
from archive.config import load_config
from archive.db import open_database
from archive.storage import apply_retention

step = sys.argv[1]

def stop(name, old):
    if name == step:
        if len(sys.argv) > 2:  # what a power cut leaves: the main file, not the unsynced WAL
            shutil.copyfile(make_url(config.sqlalchemy_url).database, sys.argv[2])
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
    sqlite = "REDLINE_DATABASE_URL" not in redline.env
    main_file = redline.data_dir.parent / "main-file.sqlite"
    extra = [str(main_file)] if sqlite else []
    proc = subprocess.run(
        [sys.executable, "-c", CRASH, step, *extra],
        env=redline.env,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 9, proc.stderr.decode()
    if sqlite:  # the step's commit is in the synced main file, not only in the WAL
        with contextlib.closing(sqlite3.connect(main_file)) as db:
            (value,) = db.execute(
                "SELECT value FROM service_state WHERE key = 'warc-rewrite'"
            ).fetchone()
            new_names = {n for (n,) in db.execute("SELECT DISTINCT warc_file FROM captures")}
        intent = json.loads(value)
        assert intent["state"] == ("swapped" if step == "swapped" else "writing")
        assert (intent["new"] in new_names) == (step == "swapped")
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


def crash_at_written(redline: Redline) -> tuple[str, str]:
    """A rewrite stopped after its new file was written, before the switch: (old, new)."""
    proc = subprocess.run(
        [sys.executable, "-c", CRASH, "written"], env=redline.env, capture_output=True, check=False
    )
    assert proc.returncode == 9, proc.stderr.decode()
    (leftover,) = redline.json("storage")["leftovers"]
    old, _, rest = leftover.partition(" -> ")
    return old, rest.split(" ")[0]


def test_recover_never_deletes_the_only_copy(archive):
    """Before the switch, with the old file gone (as a power cut that undid the switch after
    its deletion would leave it), the new file is the only copy: kept, and the run says so.
    (With the old file there, the new one is deleted: test_a_crash_during_a_rewrite...)"""
    redline = archive
    old, new = crash_at_written(redline)
    assert (warc_dir(redline) / new).exists()
    (warc_dir(redline) / old).unlink()
    named_old = {i for i, r in captures(redline).items() if r.file == old}
    assert named_old
    kept = files(redline)
    done = redline.json("storage", "apply", "--dry-run")
    assert f"{old} is missing, so {new} is kept" in done["recovered"][0]
    done = redline.json("storage", "apply")
    assert f"{old} is missing, so {new} is kept" in done["recovered"][0]
    assert f"{len(named_old)} capture(s) name {old}" in done["recovered"][0]
    assert files(redline)[new] == kept[new]  # the only copy, untouched
    assert {i for i, r in captures(redline).items() if r.file == old} == named_old
    report = redline.json("storage")
    assert old in report["missing_files"] and new in report["unreferenced_files"]
    assert not report["leftovers"]
    # a later rewrite never reuses a name captures still hold, nor the kept file's
    assert not {w["new_file"] for w in done["rewrites"]} & {old, new}


def test_recover_refuses_an_intent_naming_paths_outside_the_warc_directory(redline_sqlite, site):
    from archive.models import ServiceState
    from archive.storage import INTENT_KEY

    redline = redline_sqlite
    serve(site, "/a", Story(), conditional=False)
    redline("track", site.url("/a"))
    redline.crawl()
    outside = redline.data_dir / "precious.warc.gz"
    outside.write_bytes(b"not in the WARC directory")
    before = files(redline)
    database = open_database(database_url(redline))
    try:
        for old, new in [("../precious.warc.gz", "x-r1.warc.gz"), ("x.warc.gz", "/etc/x")]:
            with database.session() as session:
                value = {"old": old, "new": new, "state": "swapped"}
                session.merge(
                    ServiceState(key=INTENT_KEY, value=value, updated_at=datetime.now(UTC))
                )
            proc = redline("storage", "apply", check=False)
            assert proc.returncode == 1 and "not one redline wrote" in proc.stderr
            assert outside.exists() and files(redline) == before
        # the twin: a plain name of the directory, no capture naming it, is cleaned up
        stale = warc_dir(redline) / "stale.warc.gz"
        stale.write_bytes(before[next(iter(before))].encode())
        with database.session() as session:
            value = {"old": stale.name, "new": "stale-r1.warc.gz", "state": "swapped"}
            session.merge(ServiceState(key=INTENT_KEY, value=value, updated_at=datetime.now(UTC)))
        done = redline.json("storage", "apply")
        assert f"removing {stale.name}" in done["recovered"][0] and not stale.exists()
        assert outside.exists() and files(redline) == before
    finally:
        database.dispose()


def test_next_name_skips_names_captures_hold(tmp_path):
    from archive.storage import _next_name

    assert _next_name(tmp_path, "a.warc.gz", set()) == "a-r1.warc.gz"
    assert _next_name(tmp_path, "a.warc.gz", {"a-r1.warc.gz"}) == "a-r2.warc.gz"
    (tmp_path / "a-r2.warc.gz").write_bytes(b"")
    assert _next_name(tmp_path, "a-r1.warc.gz", {"a-r3.warc.gz"}) == "a-r4.warc.gz"


def revisit_setup(redline: Redline) -> tuple[Path, int, int]:
    """The file holding the restore's revisit, its capture, and the capture (unchanged, not
    required) whose response holds the revisit's payload."""
    before = snapshot(redline)
    restore = max(i for i, (r, _) in before.items() if r.url.endswith("/flaky"))
    row, record = before[restore]
    assert record.record_type == "revisit" and row.file is not None
    original = next(
        i
        for i, (_, rec) in before.items()
        if rec is not None and rec.record_id == record.refers_to_record_id
    )
    assert before[original][0].file != row.file
    return warc_dir(redline) / row.file, restore, original


def test_apply_refuses_while_a_file_is_open_and_a_crawl_clears_the_way(archive):
    redline = archive
    path, restore, original = revisit_setup(redline)
    opened = path.with_name(path.name + ".open")  # as a crawl killed mid-write leaves it
    path.rename(opened)
    before, rows = files(redline), captures(redline)
    for args in (("storage", "apply", "--dry-run"), ("storage", "apply")):
        proc = redline(*args, check=False)
        assert proc.returncode == 1 and "still open" in proc.stderr and opened.name in proc.stderr
        assert "redline crawl" in proc.stderr
        assert files(redline) == before and captures(redline) == rows
    # the twin: a crawl closes the file, and apply keeps the revisit's payload
    redline.crawl()
    assert path.exists() and not opened.exists()
    done = redline.json("storage", "apply")
    assert done["kept_for_revisits"] == 1 and done["files_rewritten"] > 0
    after = captures(redline)
    assert after[restore].file is not None and after[original].file is not None


def test_a_damaged_file_keeps_what_its_unreadable_revisits_could_need(archive):
    redline = archive
    path, restore, original = revisit_setup(redline)
    offset = captures(redline)[restore].offset
    assert offset is not None
    intact = path.read_bytes()
    # the restore's revisit record is unreadable: the scan cannot see what it refers to
    path.write_bytes(intact[:offset] + b"\x1f\x8b\x08 torn" + intact[offset + 12 :])
    # kept: every record of a URL and payload digest that a capture in the damaged file has
    # (here the restore's original, and the byte-identical refetches of the other pages)
    done = redline.json("storage", "apply", "--dry-run")
    assert done["damaged"] == [path.name] and done["kept_for_revisits"] >= 1
    done = redline.json("storage", "apply")
    assert done["damaged"] == [path.name] and done["kept_for_revisits"] >= 1
    after = captures(redline)
    assert after[original].file is not None  # the payload a readable revisit would need
    assert (
        read_record(
            warc_dir(redline),
            WarcLocation(after[original].file, after[original].offset or 0, 0, ""),
        ).record_type
        == "response"
    )
    # the twin: readable again, the file is rewritten and the payload still kept (found by
    # reading the revisit itself)
    path.write_bytes(intact)
    done = redline.json("storage", "apply")
    assert not done["damaged"] and path.name in {w["file"] for w in done["rewrites"]}
    after = captures(redline)
    assert after[original].file is not None and after[restore].file is not None
    now = read_record(
        warc_dir(redline), WarcLocation(after[restore].file, after[restore].offset or 0, 0, "")
    )
    assert now.record_type == "revisit"


def responses_in_order(redline: Redline) -> list[tuple[str, Any]]:
    """(file, headers) of every response, revisit and request record, file by file in order."""
    out = []
    for path in sorted(warc_dir(redline).glob("*.warc.gz")):
        out += [(path.name, h) for h in records(path) if h.get_header("WARC-Type") != "warcinfo"]
    return out


def hops_by_capture(redline: Redline) -> dict[tuple[str, str], list[str]]:
    """For each capture's record, (target URI, date), the record ids of the responses written
    right before it that no capture names (its redirects), as the crawl writes them."""
    named = {(r.file, r.offset) for r in captures(redline).values() if r.file}
    out: dict[tuple[str, str], list[str]] = {}
    pending: list[str] = []
    for path in sorted(warc_dir(redline).glob("*.warc.gz")):
        with open(path, "rb") as fh:
            iterator = ArchiveIterator(fh)
            for record in iterator:
                record.content_stream().read()
                kind, headers = record.rec_type, record.rec_headers
                if kind in ("warcinfo", "request"):
                    continue
                key = (headers.get_header("WARC-Target-URI"), headers.get_header("WARC-Date"))
                if (path.name, iterator.get_record_offset()) in named:
                    out[key] = pending
                    pending = []
                else:
                    pending.append(headers.get_header("WARC-Record-ID"))
    assert not pending, "hops that no capture's record follows"
    return out


def build_redirect_archive(redline: Redline, site: Any) -> None:
    """Two tracked URLs behind a 301, three crawls under `all`: the articles new, unchanged,
    then one of them edited."""
    redline.env["REDLINE_WARC_RETENTION"] = "all"
    for name in ("a", "b"):
        site.redirect(f"/old/{name}", f"/news/{name}")
        serve(site, f"/news/{name}", Story(headline=f"Story {name}"), conditional=False)
        redline("track", site.url(f"/old/{name}"))
    redline.crawl()
    redline.crawl()  # both unchanged: under `all`, a 301 and the page (a revisit) each
    serve(site, "/news/b", Story(headline="Story b, corrected"), conditional=False)
    summary = redline.crawl()
    assert (summary["new_versions"], summary["unchanged"]) == (1, 1)
    del redline.env["REDLINE_WARC_RETENTION"]


def expected_hops(
    redline: Redline, before: dict[int, tuple[Row, Any]], kept: set[int]
) -> tuple[set[str], set[str]]:
    """Every redirect record's id, and those of the kept captures' redirects."""
    chains = hops_by_capture(redline)
    assert len(chains) == 6 and all(len(hops) == 1 for hops in chains.values())
    kept_hops = set()
    for capture_id in kept:
        record = before[capture_id][1]
        kept_hops |= set(chains[(record.target_uri, record.date)])
    return {h for hops in chains.values() for h in hops}, kept_hops


def test_apply_drops_the_redirects_of_the_captures_it_drops(redline, site):
    """Under `versions` a crawl writes a fetch's redirect records with its capture's record,
    so none for an unchanged capture; `storage apply` drops the old ones the same way: the
    redirects of an unchanged capture go with its record, those of a new version stay (the
    twin: the article behind one redirect really changes), and every kept capture replays."""
    build_redirect_archive(redline, site)
    before = snapshot(redline)
    rows = {i: row for i, (row, _) in before.items()}
    kept = expected_kept(rows)
    assert len(kept) == 3 and len(rows) == 6  # a's first; b's first and its edit
    all_hops, kept_hops = expected_hops(redline, before, kept)

    dry = redline.json("storage", "apply", "--dry-run")
    assert dry["hops_dropped"] == 3 and dry["captures_cleared"] == 3
    assert dry["hops_unowned"] == 0
    done = redline.json("storage", "apply")
    assert done["hops_dropped"] == 3
    assert (done["bytes_before"], done["bytes_after"]) == (dry["bytes_before"], dry["bytes_after"])
    check_against(redline, before, kept)
    left = responses_in_order(redline)
    ids = {h.get_header("WARC-Record-ID") for _, h in left}
    assert ids & all_hops == kept_hops
    # what a crawl under `versions` would have written: a request with every response kept
    answers = {
        h.get_header("WARC-Record-ID")
        for _, h in left
        if h.get_header("WARC-Type") in ("response", "revisit")
    }
    asked = [
        h.get_header("WARC-Concurrent-To")
        for _, h in left
        if h.get_header("WARC-Type") == "request"
    ]
    assert sorted(asked) == sorted(answers)
    assert len(answers) == len(kept) + len(kept_hops)
    for name in files(redline):
        warcio = Path(sys.executable).with_name("warcio")
        assert subprocess.run([str(warcio), "check", str(warc_dir(redline) / name)]).returncode == 0

    again = redline.json("storage", "apply")
    assert again["files_rewritten"] == 0 and again["hops_dropped"] == 0
    # and the archive goes on: the next crawl under `versions` writes no redirect for a
    assert redline.crawl()["unchanged"] == 2
    assert {h.get_header("WARC-Record-ID") for _, h in responses_in_order(redline)} == ids


def test_apply_keeps_and_counts_the_redirects_of_no_tracked_url(redline, site):
    """A run of redirects whose first URL is no tracked URL as stored (as when Scrapy
    normalised the URL it asked for) has no owner: kept, and counted as `hops_unowned`; the
    twin, the other URL's redirects, are owned and dropped with their unchanged captures."""
    build_redirect_archive(redline, site)
    database = open_database(database_url(redline))
    try:
        with database.session() as session:
            tracked = session.scalars(
                select(TrackedURL).where(TrackedURL.url == site.url("/old/b"))
            ).one()
            tracked.url = site.url("/old/b") + "?as=stored"
    finally:
        database.dispose()
    proc = redline("storage", "apply", "--dry-run")
    assert "3 redirect or retried-attempt response(s) kept" in " ".join(proc.stdout.split())
    done = redline.json("storage", "apply")
    assert (done["hops_unowned"], done["hops_dropped"]) == (3, 2)  # b's three; a's unchanged two
    # the second crawl's file is left with b's redirect alone, which no capture names: every
    # run still reads it and counts what it keeps there; nothing more is dropped
    kept = files(redline)
    again = redline.json("storage", "apply")
    assert (again["hops_unowned"], again["hops_dropped"], again["files_rewritten"]) == (3, 0, 0)
    assert again["files_scanned"] == len(kept) and files(redline) == kept


@pytest.mark.parametrize("step", ["written", "swapped"])
def test_a_crash_while_dropping_redirects_loses_nothing(redline, site, step):
    """A crash in a rewrite that drops redirect records: the next apply ends where a run
    without the crash does."""
    build_redirect_archive(redline, site)
    before = snapshot(redline)
    kept = expected_kept({i: row for i, (row, _) in before.items()})
    all_hops, kept_hops = expected_hops(redline, before, kept)
    proc = subprocess.run(
        [sys.executable, "-c", CRASH, step], env=redline.env, capture_output=True, check=False
    )
    assert proc.returncode == 9, proc.stderr.decode()
    now = captures(redline)
    for capture_id, (_, record) in before.items():  # every reference still reads the same
        new = now[capture_id]
        if new.file is not None:
            assert read_record(
                warc_dir(redline), WarcLocation(new.file, new.offset or 0, 0, "")
            ) == (record)
        else:
            assert step == "swapped" and capture_id not in kept
    done = redline.json("storage", "apply")
    assert done["recovered"]
    check_against(redline, before, kept)
    left = {h.get_header("WARC-Record-ID") for _, h in responses_in_order(redline)}
    assert left & all_hops == kept_hops


def _hop(uri: str, at: str, status: int = 301, to: str | None = None) -> Any:
    from archive.storage import _Record

    date = f"2026-12-07T10:00:{at}Z"
    return _Record(0, 1, "response", f"<urn:{uri}:{at}>", (), None, None, (uri, date), status, to)


def _fetched(at: str, final: str) -> Any:
    from archive.retention import Fetch

    return Fetch(
        1, datetime.fromisoformat(f"2026-12-07T10:00:{at}+00:00"), final, False, None, None
    )


def test_hops_are_given_to_a_capture_only_without_doubt():
    """The cases `storage apply` keeps in doubt: a chain whose fetch recorded no capture (a
    killed crawl: another chain of the URL comes before the next capture), a capture that
    did not end where the chain led, one recorded before the chain began; and the twins where
    the chain is the capture's (a redirect, and a retried attempt at the same URL)."""
    from archive.storage import _Chain, _own

    old, new = "https://example.org/old", "https://example.org/new"
    orphan = _Chain("f", [_hop(old, "01.000000", to="/new")])
    owned = _Chain("f", [_hop(old, "05.000000", to="/new")])
    retried = _Chain("f", [_hop(new, "05.000000", status=503), _hop(new, "06.000000", 503)])
    elsewhere = _Chain("f", [_hop("https://example.org/x", "05.000000", to="/new")])
    early = _Chain("f", [_hop("https://example.org/y", "05.000000", to="/z")])
    captures = {
        old: [_fetched("05.500000", new)],
        new: [_fetched("06.500000", new)],
        "https://example.org/x": [_fetched("05.500000", "https://example.org/other")],
        "https://example.org/y": [_fetched("05.000000", "https://example.org/z")],
    }
    _own([orphan, owned, retried, elsewhere, early], captures)
    assert orphan.owner is None and elsewhere.owner is None
    assert owned.owner is captures[old][0] and retried.owner is captures[new][0]
    assert early.owner is captures["https://example.org/y"][0]  # at the chain's last hop
    # a capture of the URL recorded while the chain ran: which fetch was it? kept
    y = "https://example.org/y"
    straddled = _Chain("f", [_hop(y, "05.000000", status=503), _hop(y, "06.000000", status=503)])
    _own([straddled], {y: [_fetched("05.500000", y), _fetched("06.500000", y)]})
    assert straddled.owner is None
