"""bench/viewer.py on a small archive: the archive it writes is consistent (every stored change
rebuilds its new version from the old one) and every page it loads answers 200."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from archive.db import open_database
from archive.diff.records import ChangeRecord, rebuild
from archive.models import Capture, Change, TrackedURL, Version
from bench.viewer import fill, page_requests
from tests.web.archives import machine_app


def test_bench_archive_is_consistent_and_every_page_answers(sqlite_url):
    figures = fill(sqlite_url, 16)
    assert figures["versions"] == 80 and figures["changes"] == 64
    database = open_database(sqlite_url)
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Capture)) == 160
        for change in session.scalars(select(Change)):
            old = session.get(Version, change.from_version_id)
            new = session.get(Version, change.to_version_id)
            record = ChangeRecord.from_json({"edits": change.edits, "summary": change.summary})
            assert rebuild(old.text.split("\n\n"), record.edits) == new.text.split("\n\n")
            assert str(change.tracked_url_id) in new.headline
        tracked = session.get(TrackedURL, 3)
        assert session.get(Version, tracked.current_version_id).number == 5
    with TestClient(machine_app(database)) as client:
        for name, path in page_requests(16, 2, seed=5):
            assert client.get(path).status_code == 200, (name, path)
    database.dispose()
