"""The read path's typed rows and their JSON form (the CLI's ``--json`` contract)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest

from archive.capture import Extracted, FetchFacts
from archive.db import open_database
from archive.extract.article import Article
from archive.queries import (
    CaptureRow,
    ChangeRow,
    TrackedRow,
    VersionRow,
    captures_of,
    changes,
    events_of,
    list_tracked,
    versions_of,
)
from archive.store import record_capture, resolve, track

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
A = Article("Army retakes Palmyra", ("First paragraph here.", "Second paragraph here."))
B = Article("Palmyra back in army hands", A.paragraphs)
URL = "https://news.example/a"


@pytest.fixture
def db(database_url):
    database = open_database(database_url)
    with database.session() as session:
        tracked, _ = track(session, URL, now=T0, tags=["syria"], check_interval_s=600)
        tid = tracked.id
    for minutes, article in ((1, A), (2, B)):
        with database.session() as session:
            facts = FetchFacts(tid, T0 + timedelta(minutes=minutes), http_status=200)
            record_capture(session, facts, Extracted(article))
    yield database
    database.dispose()


def test_rows_are_frozen_and_typed(db):
    with db.session() as session:
        tracked = resolve(session, URL)
        (row,) = list_tracked(session)
        captures = captures_of(session, tracked)
        versions = [VersionRow.of(v) for v in versions_of(session, tracked)]
        (change,) = changes(session)
    assert isinstance(row, TrackedRow) and row.versions == 2 and row.tags == ("syria",)
    assert isinstance(row.added_at, datetime) and row.check_interval_s == 600
    assert all(isinstance(c, CaptureRow) for c in captures)
    assert [c.version for c in captures] == [1, 2]
    assert [v.number for v in versions] == [1, 2] and versions[0].text is None
    assert isinstance(change, ChangeRow) and (change.from_version, change.to_version) == (1, 2)
    assert change.headline == B.headline and change.kinds == {"headline": 1}
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.url = "https://elsewhere.example/"  # type: ignore[misc]


def test_json_keeps_the_documented_shape(db):
    with db.session() as session:
        tracked = resolve(session, URL)
        listing = [r.to_json() for r in list_tracked(session)]
        captures = [c.to_json() for c in captures_of(session, tracked)]
        version = VersionRow.of(versions_of(session, tracked)[-1], with_text=True).to_json()
        plain = VersionRow.of(versions_of(session, tracked)[-1]).to_json()
        change = changes(session)[0].to_json()
        events = [e.to_json() for e in events_of(session, tracked)]
    assert list(listing[0]) == [
        "url", "canonical_url", "site", "tags", "active", "added_at", "last_checked_at",
        "last_changed_at", "next_check_at", "check_interval_s", "consecutive_errors",
        "taken_down", "flapping", "versions",
    ]  # fmt: skip
    assert listing[0]["tags"] == ["syria"] and listing[0]["added_at"].endswith("+00:00")
    assert list(captures[0]) == [
        "fetched_at", "http_status", "outcome", "reason", "detail", "version", "final_url",
        "payload_digest", "warc_file", "warc_offset",
    ]  # fmt: skip
    assert [c["outcome"] for c in captures] == ["new-version", "new-version"]
    assert list(plain) == [
        "number", "headline", "byline", "published_at", "updated_at", "description",
        "language", "canonical_url", "content_hash", "first_seen_at", "last_seen_at",
    ]  # fmt: skip
    assert list(version) == [*plain, "text"] and version["text"].startswith("First paragraph")
    assert list(change) == [
        "url", "detected_at", "from_version", "to_version", "headline", "label", "kinds",
        "reverted", "stealth", "flapping",
    ]  # fmt: skip
    assert change["kinds"] == {"headline": 1} and change["url"] == URL
    assert events == []
    json.dumps([listing, captures, version, change])  # plain JSON values only
