"""An extractor change is not an edit.

An archive is built by an older extractor (``tests/crawler/older_extractor.py``: a cleaning
rule less, ``EXTRACTOR_VERSION`` one lower), then crawled by this one while the site serves the
same articles in new chrome (so the payloads differ and are extracted again).  Each version
made by the older extractor (or by an unknown one: made before the column) is re-read from its
WARC record: the same article confirms it and re-keys it, a real edit gives exactly one version
whose change holds only that edit, and an unreadable WARC falls back to comparing as stored.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import select, update

from archive.db import open_database
from archive.diff import compare
from archive.extract import EXTRACTOR_VERSION, extractor_version
from archive.models import Change, TrackedURL, Version
from archive.store import version_article
from tests.pages import PARAGRAPHS, Story, serve

pytestmark = pytest.mark.slow

BASE = Story()
P = PARAGRAPHS
EDITED = BASE.but(
    paragraphs=(P[0], P[1].replace("clearing mines", "clearing hundreds of mines"), *P[2:])
)


def older_crawl(redline) -> dict:
    """One crawl cycle by the older extractor; returns its summary."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.crawler.older_extractor", "crawl", "--all", "--json"],
        env=redline.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def versions_of(database, url):
    with database.session() as session:
        tracked = session.scalars(select(TrackedURL).where(TrackedURL.url == url)).one()
        return session.scalars(
            select(Version).where(Version.tracked_url_id == tracked.id).order_by(Version.number)
        ).all()


def changes_of(database, url):
    with database.session() as session:
        tracked = session.scalars(select(TrackedURL).where(TrackedURL.url == url)).one()
        found = session.scalars(select(Change).where(Change.tracked_url_id == tracked.id)).all()
        for change in found:
            change.kind_counts = {k.kind: k.count for k in change.kinds}  # loaded in the session
        return found


def test_an_extractor_change_is_not_reported_as_an_edit(redline, site, database_url):
    paths = ["/same", "/unknown", "/edited"]
    for path in paths:
        serve(site, path, BASE)
    urls = {path: site.url(path) for path in paths}
    redline("track", *urls.values())
    assert older_crawl(redline)["new_versions"] == 3
    database = open_database(database_url)  # the one the CLI uses (data dir's SQLite or PG)
    try:
        [older] = versions_of(database, urls["/same"])
        trafilatura = extractor_version().split("+", 1)[1]
        assert older.extractor_version == f"{EXTRACTOR_VERSION - 1}+{trafilatura}"
        assert older.text.startswith(BASE.description)  # the older extractor's reading
        with database.session() as session:  # a version made before the column existed
            [unknown] = versions_of(database, urls["/unknown"])
            session.execute(
                update(Version).where(Version.id == unknown.id).values(extractor_version=None)
            )

        serve(site, "/edited", EDITED)
        summary = redline.crawl()
        assert summary["fetched"] == 3
        assert summary["new_versions"] == 1

        for path in ("/same", "/unknown"):
            [version] = versions_of(database, urls[path])  # confirmed, re-keyed: no new version
            assert version.extractor_version == extractor_version()
            assert not version.text.startswith(BASE.description)
            assert version.text.startswith(P[0])
            assert version.content_hash == version_article(version).content_hash
            assert version.content_hash != older.content_hash
            assert changes_of(database, urls[path]) == []

        first, second = versions_of(database, urls["/edited"])
        assert first.extractor_version == second.extractor_version == extractor_version()
        assert not first.text.startswith(BASE.description)  # re-keyed before the change
        assert P[1] in first.text and EDITED.paragraphs[1] in second.text
        [change] = changes_of(database, urls["/edited"])
        assert (change.from_version_id, change.to_version_id) == (first.id, second.id)
        assert change.kind_counts == {"paragraph_changed": 1}
        assert [e["kind"] for e in change.edits] == ["paragraph_changed"]
        # the stored texts say the same as the stored change
        stored = compare(version_article(first), version_article(second))
        assert stored.kinds() == {"paragraph_changed": 1}

        # Later captures compare directly: the same article in new chrome again, no edit.
        summary = redline.crawl()
        assert (summary["fetched"], summary["new_versions"], summary["unchanged"]) == (3, 0, 3)
    finally:
        database.dispose()


def redline_sqlite_url(redline) -> str:
    return f"sqlite:///{redline.data_dir / 'redline.sqlite'}"


def test_without_the_old_payload_the_version_is_compared_as_stored(redline_sqlite, site):
    """The WARC files are gone: today's behaviour (a version, from the extractor's change)."""
    redline = redline_sqlite
    serve(site, "/story", BASE)
    redline("track", site.url("/story"))
    assert older_crawl(redline)["new_versions"] == 1
    for path in (redline.data_dir / "warc").glob("*.warc.gz"):
        path.unlink()
    proc = redline("crawl", "--all", "--json")
    assert json.loads(proc.stdout)["new_versions"] == 1
    assert "cannot re-read version" in proc.stderr
    database = open_database(redline_sqlite_url(redline))
    try:
        first, second = versions_of(database, site.url("/story"))
        assert first.extractor_version != extractor_version()  # left as it was
        assert first.text.startswith(BASE.description)
        assert second.extractor_version == extractor_version()
        [change] = changes_of(database, site.url("/story"))
        assert [e["kind"] for e in change.edits] == ["paragraph_removed"]
    finally:
        database.dispose()


def test_the_re_read_runs_in_the_extraction_processes(redline_sqlite, site):
    """The same, with the current extractor's crawl on a real pool of worker processes: the
    re-read's job (a WARC directory and record locations) crosses into a worker and back."""
    redline = redline_sqlite
    serve(site, "/same", BASE)
    serve(site, "/edited", BASE)
    urls = {p: site.url(p) for p in ("/same", "/edited")}
    redline("track", *urls.values())
    assert older_crawl(redline)["new_versions"] == 2  # inline: the older extractor's process
    serve(site, "/edited", EDITED)
    redline.env["REDLINE_WORKERS"] = "2"
    summary = redline.crawl()
    assert (summary["fetched"], summary["new_versions"], summary["unchanged"]) == (2, 1, 1)
    database = open_database(redline_sqlite_url(redline))
    try:
        assert_re_read(database, urls)  # in a worker
    finally:
        database.dispose()


def assert_re_read(database, urls) -> None:
    """ "/same" was re-read and re-keyed; "/edited" got one version, for the real edit only."""
    [same] = versions_of(database, urls["/same"])
    assert same.extractor_version == extractor_version()
    assert same.text.startswith(P[0])
    first, second = versions_of(database, urls["/edited"])
    assert first.extractor_version == second.extractor_version == extractor_version()
    [change] = changes_of(database, urls["/edited"])
    assert [e["kind"] for e in change.edits] == ["paragraph_changed"]
