"""The store's side of a re-read (``Extracted.reread``), on both backends.

The write path re-keys the current version to the re-reading when it is still current and
still keyed to another extractor, then compares; for a URL being served and for a taken-down
one (whose next good capture is also a restore).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from archive.capture import Extracted, Failed, FetchFacts, Reread
from archive.db import open_database
from archive.diff import compare
from archive.enums import CaptureOutcome, FailureReason
from archive.extract.article import Article
from archive.models import Change, TrackedURL, Version
from archive.store import record_capture
from tests.archive.test_store import T0, new_url

OLDER, NEWER = "0+test", "1+test"
STANDFIRST = "Government troops say they have recaptured the ancient city."
READ = Article("Army retakes Palmyra", ("First paragraph here.", "Second paragraph here."))
OLD_READ = Article(READ.headline, (STANDFIRST, *READ.paragraphs))  # the older extractor's
EDITED = Article(READ.headline, ("First paragraph here.", "Second paragraph, edited."))


@pytest.fixture
def db(database_url):
    database = open_database(database_url)
    yield database
    database.dispose()


def capture(db, tracked_id, result, minutes):
    with db.session() as session:
        at = T0 + timedelta(minutes=minutes)
        return record_capture(session, FetchFacts(tracked_id, at, http_status=200), result)


def versions(db, tracked_id):
    with db.session() as session:
        return session.scalars(
            select(Version).where(Version.tracked_url_id == tracked_id).order_by(Version.number)
        ).all()


def changes(db, tracked_id):
    with db.session() as session:
        return session.scalars(select(Change).where(Change.tracked_url_id == tracked_id)).all()


@pytest.fixture(params=["served", "taken-down"])
def older_version(request, db):
    """A URL whose one version was read by the older extractor; taken down, or not."""
    tid = new_url(db)
    first = capture(db, tid, Extracted(OLD_READ, extractor=OLDER), 0)
    if request.param == "taken-down":
        capture(db, tid, Failed(FailureReason.HTTP_404, "HTTP 404"), 5)
    return tid, first.version_id


def test_the_same_article_confirms_and_re_keys_the_version(db, older_version):
    tid, vid = older_version
    result = Extracted(READ, reread=Reread(vid, READ), extractor=NEWER)
    recorded = capture(db, tid, result, 10)
    assert (recorded.outcome, recorded.version_id) == (CaptureOutcome.UNCHANGED, vid)
    [version] = versions(db, tid)
    assert (version.content_hash, version.extractor_version) == (READ.content_hash, NEWER)
    assert version.text == "First paragraph here.\n\nSecond paragraph here."
    assert changes(db, tid) == []
    # Re-keyed: the next capture of the same article compares directly.
    assert (
        capture(db, tid, Extracted(READ, extractor=NEWER), 20).outcome == CaptureOutcome.UNCHANGED
    )


def test_a_real_edit_is_one_version_whose_change_holds_only_the_edit(db, older_version):
    tid, vid = older_version
    change = compare(READ, EDITED)
    result = Extracted(
        EDITED, based_on_version_id=vid, change=change, reread=Reread(vid, READ), extractor=NEWER
    )
    assert capture(db, tid, result, 10).outcome == CaptureOutcome.NEW_VERSION
    first, second = versions(db, tid)
    assert (first.content_hash, first.extractor_version) == (READ.content_hash, NEWER)
    assert (second.content_hash, second.extractor_version) == (EDITED.content_hash, NEWER)
    [row] = changes(db, tid)
    assert [e["kind"] for e in row.edits] == ["paragraph_changed"]


def test_without_a_re_read_the_older_reading_is_compared_as_stored(db, older_version):
    tid, _ = older_version
    result = Extracted(READ, extractor=NEWER)
    assert capture(db, tid, result, 10).outcome == CaptureOutcome.NEW_VERSION
    first, _ = versions(db, tid)
    assert (first.content_hash, first.extractor_version) == (OLD_READ.content_hash, OLDER)
    [row] = changes(db, tid)
    assert [e["kind"] for e in row.edits] == ["paragraph_removed"]


def test_a_stale_re_read_is_ignored(db, older_version):
    """The version re-read is keyed to this extractor already (a concurrent capture did it)."""
    tid, vid = older_version
    capture(db, tid, Extracted(READ, reread=Reread(vid, READ), extractor=NEWER), 10)
    other = Article(READ.headline, ("Another reading.",))
    result = Extracted(READ, reread=Reread(vid, other), extractor=NEWER)
    assert capture(db, tid, result, 20).outcome == CaptureOutcome.UNCHANGED
    [version] = versions(db, tid)
    assert version.content_hash == READ.content_hash


def test_a_re_key_that_reads_another_headline_is_what_the_article_search_sees(db, older_version):
    """The tracked URL's copy of its current headline follows the re-keyed version."""
    tid, vid = older_version
    reread = Article("Palmyra retaken by the army", READ.paragraphs)
    recorded = capture(db, tid, Extracted(reread, reread=Reread(vid, reread), extractor=NEWER), 10)
    assert (recorded.outcome, recorded.version_id) == (CaptureOutcome.UNCHANGED, vid)
    with db.session() as session:
        tracked = session.get(TrackedURL, tid)
        assert tracked.current_headline == "Palmyra retaken by the army"
        assert session.get(Version, vid).headline == tracked.current_headline
