"""The write path in process, on SQLite and on PostgreSQL (the `database_url` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from archive.capture import Extracted, Failed, FetchFacts, NotModified, SamePayload
from archive.db import open_database
from archive.decision import canonical_elsewhere
from archive.enums import CaptureOutcome, FailureReason
from archive.errors import UnknownURLError
from archive.extract.article import Article
from archive.models import Capture, Change, Event, TrackedURL, Version
from archive.policy import Policy
from archive.queries import captures_of, changes, due_page, list_tracked
from archive.store import record_capture, resolve, track, untrack

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
A = Article("Army retakes Palmyra", ("First paragraph here.", "Second paragraph here."))
B = Article("Palmyra back in army hands", A.paragraphs)


@pytest.fixture
def db(database_url):
    database = open_database(database_url)
    yield database
    database.dispose()


def capture(db, tracked_id, result, minutes, **facts):
    with db.session() as session:
        row = record_capture(
            session,
            FetchFacts(tracked_id, T0 + timedelta(minutes=minutes), http_status=200, **facts),
            result,
        )
        return row.outcome, row.reason, row.version_id


def new_url(db, url="https://news.example/a"):
    with db.session() as session:
        tracked, created = track(session, url, now=T0, tags=["syria"])
        assert created
        return tracked.id


def test_schema_upgrade_is_idempotent(database_url):
    open_database(database_url).dispose()
    open_database(database_url).dispose()


def test_the_current_headline_is_kept_on_the_tracked_url(db):
    """The copy the article search reads: set by a new version, kept by an unchanged capture
    and an error, set back by a revert."""

    def headline():
        with db.session() as session:
            return session.get(TrackedURL, tid).current_headline

    tid = new_url(db)
    assert headline() is None
    capture(db, tid, Extracted(A), 0, payload_digest="d1")
    assert headline() == A.headline
    capture(db, tid, Extracted(A), 5, payload_digest="d2")
    capture(db, tid, Failed(FailureReason.HTTP_5XX, "HTTP 503"), 10)
    assert headline() == A.headline
    assert capture(db, tid, Extracted(B), 15, payload_digest="d3")[0] == CaptureOutcome.NEW_VERSION
    assert headline() == B.headline
    assert capture(db, tid, Extracted(A), 20, payload_digest="d4")[0] == CaptureOutcome.NEW_VERSION
    assert headline() == A.headline  # the revert to version 1


def test_track_normalises_and_never_duplicates(db):
    with db.session() as session:
        first, created = track(session, "https://News.Example/a?utm_source=x#frag", now=T0)
        again, created_again = track(session, "https://news.example/a", now=T0, tags=["x"])
    assert created and not created_again and first.id == again.id
    with db.session() as session:
        assert [r.url for r in list_tracked(session)] == ["https://news.example/a"]
        assert resolve(session, "https://news.example/a?fbclid=1").tags == ["x"]
        with pytest.raises(UnknownURLError):
            resolve(session, "https://news.example/other")


def test_versions_unchanged_not_modified_and_errors(db):
    tid = new_url(db)
    assert capture(db, tid, Extracted(A), 0, payload_digest="d1")[0] == CaptureOutcome.NEW_VERSION
    assert capture(db, tid, SamePayload(), 5, payload_digest="d1")[0] == CaptureOutcome.UNCHANGED
    assert capture(db, tid, Extracted(A), 10, payload_digest="d2")[0] == CaptureOutcome.UNCHANGED
    assert capture(db, tid, NotModified(), 15)[0] == CaptureOutcome.NOT_MODIFIED
    failed = capture(db, tid, Failed(FailureReason.HTTP_5XX, "HTTP 503"), 20)
    assert failed == (CaptureOutcome.ERROR, FailureReason.HTTP_5XX, None)
    # the twin: a real edit gives version 2 and a change
    outcome, _, version_id = capture(db, tid, Extracted(B), 25, payload_digest="d3")
    assert outcome == CaptureOutcome.NEW_VERSION
    with db.session() as session:
        tracked = session.get(TrackedURL, tid)
        assert tracked.current_version_id == version_id
        assert tracked.last_payload_digest == "d3" and tracked.consecutive_errors == 0
        assert session.query(Version).count() == 2
        [change] = session.query(Change).all()
        assert [e["kind"] for e in change.edits] == ["headline"]
        assert {k.kind for k in change.kinds} == {"headline"}
        rows = captures_of(session, tracked)
        assert [r.outcome for r in rows] == [
            "new-version",
            "unchanged",
            "unchanged",
            "not-modified",
            "error",
            "new-version",
        ]
        assert [r.version for r in rows] == [1, 1, 1, 1, None, 2]
        assert rows[0].to_json()["fetched_at"].endswith("+00:00")
        first = session.query(Version).filter_by(number=1).one()
        assert first.last_seen_at == T0 + timedelta(minutes=15)


def test_304_before_any_version_is_an_error(db):
    tid = new_url(db)
    assert capture(db, tid, NotModified(), 0)[1] == FailureReason.NOT_MODIFIED_WITHOUT_VERSION


def test_revert_points_to_the_existing_version_and_flapping_is_marked(db):
    tid = new_url(db)
    sequence = [A, B, A, B, A]
    for minute, article in enumerate(sequence):
        capture(db, tid, Extracted(article), minute)
    with db.session() as session:
        numbers = [v.number for v in session.query(Version).order_by(Version.number)]
        assert numbers == [1, 2]  # a revert is no new version
        rows = changes(session, tracked=session.get(TrackedURL, tid))
        assert [(r.from_version, r.to_version) for r in rows] == [
            (2, 1),
            (1, 2),
            (2, 1),
            (1, 2),
        ]
        assert [r.reverted for r in rows] == [True, True, True, False]
        assert rows[0].flapping and not rows[-1].flapping
        assert session.get(TrackedURL, tid).flapping


def test_takedown_keeps_the_version_and_a_return_is_recorded(db):
    tid = new_url(db)
    capture(db, tid, Extracted(A), 0)
    capture(db, tid, Failed(FailureReason.HTTP_404, "HTTP 404"), 5)
    capture(db, tid, Failed(FailureReason.HTTP_404, "HTTP 404"), 10)
    with db.session() as session:
        tracked = session.get(TrackedURL, tid)
        assert tracked.taken_down and tracked.current_version_id is not None
    capture(db, tid, Extracted(A), 15)
    with db.session() as session:
        assert not session.get(TrackedURL, tid).taken_down
        assert [e.kind for e in session.query(Event).order_by(Event.id)] == ["takedown", "restored"]


def test_a_server_error_is_no_takedown(db):
    tid = new_url(db)
    capture(db, tid, Extracted(A), 0)
    capture(db, tid, Failed(FailureReason.HTTP_5XX, "HTTP 500"), 5)
    with db.session() as session:
        assert not session.get(TrackedURL, tid).taken_down
        assert session.query(Event).count() == 0


def test_canonical_link_merges_into_the_tracked_article(db):
    main = new_url(db, "https://news.example/story")
    amp = new_url(db, "https://news.example/amp/story")
    capture(
        db,
        main,
        Extracted(A.__class__(**{**A.__dict__, "canonical_url": "https://news.example/story"})),
        0,
    )
    merged = Article(A.headline, A.paragraphs, canonical_url="https://news.example/story")
    capture(db, amp, Extracted(merged), 1)
    with db.session() as session:
        assert [r.url for r in list_tracked(session)] == ["https://news.example/story"]
        assert resolve(session, "https://news.example/amp/story").id == main
        assert session.query(Capture).filter_by(tracked_url_id=main).count() == 2


def test_a_canonical_link_spelled_as_the_url_names_the_page_itself(db):
    """Read without normalising it again (the tracked URL is normalised), and the same as a
    link to the page spelled otherwise; a link to another article is still found."""
    url = "https://news.example/story"
    assert canonical_elsewhere(url, url) is None
    assert canonical_elsewhere(url, "HTTPS://News.Example:443/story#top") is None
    assert canonical_elsewhere(url, "https://news.example/") is None  # a home page: ignored
    other = "https://news.example/other"
    assert canonical_elsewhere(url, "HTTPS://news.example/other?utm_source=x") == other
    tid = new_url(db, url)
    itself = Article(A.headline, A.paragraphs, canonical_url=url)
    assert capture(db, tid, Extracted(itself), 0)[0] == CaptureOutcome.NEW_VERSION
    assert capture(db, tid, Extracted(itself), 1)[0] == CaptureOutcome.UNCHANGED
    # the twin: the same article naming another tracked article as canonical merges into it
    elsewhere = new_url(db, other)
    moved = Article(A.headline, A.paragraphs, canonical_url=other)
    capture(db, tid, Extracted(moved), 2)
    with db.session() as session:
        assert resolve(session, url).id == elsewhere
        assert [e.kind for e in session.query(Event).filter_by(tracked_url_id=tid)] == ["merged"]


def due_urls(session, now, limit=1):
    """Every URL due at ``now``, read as the crawl reads them: page by page (keyset)."""
    found, after = [], None
    while page := due_page(session, now, after=after, limit=limit):
        found += page
        after = (page[-1].next_check_at, page[-1].id)
    return found


def test_due_urls_most_overdue_first_and_untracked_left_out(db):
    ids = [new_url(db, f"https://news.example/{n}") for n in range(4)]
    with db.session() as session:
        for n, tid in enumerate(ids):
            session.get(TrackedURL, tid).next_check_at = T0 - timedelta(hours=min(n, 2))
        untrack(session, "https://news.example/0")
    with db.session() as session:
        due = [t.url for t in due_urls(session, T0)]
    # the most overdue first; two due at the same time in the order of their ids
    assert due == ["https://news.example/2", "https://news.example/3", "https://news.example/1"]


def test_tracking_a_retired_or_untracked_url_again_makes_it_due(db):
    tid = new_url(db)
    with db.session() as session:
        tracked = session.get(TrackedURL, tid)
        tracked.next_check_at = None  # retired by the refetch policy
    later = T0 + timedelta(days=40)
    with db.session() as session:
        track(session, "https://news.example/a", now=later)
    with db.session() as session:
        assert [t.id for t in due_urls(session, later)] == [tid]
        untrack(session, "https://news.example/a")
    with db.session() as session:
        assert list(due_urls(session, later)) == []
        track(session, "https://news.example/a", now=later)
    with db.session() as session:
        assert [t.id for t in due_urls(session, later)] == [tid]


def test_the_policy_schedules_from_the_state_as_it_stands_after_the_capture(db):
    tid = new_url(db)
    exact = Policy(jitter=0.0)
    tagged = Policy(jitter=0.0, tag_intervals={"syria": timedelta(hours=1)})
    steps = [  # (minutes, result, facts, policy, next check in minutes)
        (0, Extracted(A), {"payload_digest": "d1"}, exact, 10),  # young: every 10 minutes
        (5, Failed(FailureReason.HTTP_5XX, "HTTP 503"), {}, exact, 5 + 20),  # one error: x2
        (10, Extracted(B), {"payload_digest": "d2"}, exact, 10 + 10),  # changed: errors reset
        (15, SamePayload(), {"payload_digest": "d2"}, tagged, 15 + 60),  # the tag's interval
    ]
    for minutes, result, facts, policy, expected in steps:
        with db.session() as session:
            at = T0 + timedelta(minutes=minutes)
            record_capture(session, FetchFacts(tid, at, **facts), result, policy=policy)
        with db.session() as session:
            tracked = session.get(TrackedURL, tid)
            assert tracked.next_check_at == T0 + timedelta(minutes=expected), minutes
    # the twin: a URL retired by the policy (old, quiet) gets no next check; one left
    # unscheduled (the crawl's last-resort error capture) keeps the one it had
    with db.session() as session:
        at = T0 + timedelta(days=60)
        record_capture(session, FetchFacts(tid, at, 200), SamePayload(), policy=exact)
        assert session.get(TrackedURL, tid).next_check_at is None
        session.get(TrackedURL, tid).next_check_at = at
    with db.session() as session:
        failed = Failed(FailureReason.INTERNAL, "boom")
        record_capture(session, FetchFacts(tid, at, 200), failed, policy=None)
    with db.session() as session:
        assert session.get(TrackedURL, tid).next_check_at == at


def test_a_tracked_url_loaded_in_the_session_is_current_after_a_capture(db):
    tid = new_url(db)
    with db.session() as session:
        tracked = session.get(TrackedURL, tid)
        assert tracked.current_version_id is None
        recorded = record_capture(session, FetchFacts(tid, T0, 200), Extracted(A))
        assert recorded.version_id is not None
        assert tracked.current_version_id == recorded.version_id


def test_retention_after_the_fact_keeps_what_made_a_version_an_event_or_a_merge(db):
    """The three readings of the rule agree on every capture: the crawl's before the capture
    (keeps_exchange), storage apply's after it for the records (stored_exchanges) and for the
    captures without one, a 304's (fetches)."""
    from archive.retention import fetches, keeps_exchange, stored_exchanges

    urls = ["https://news.example/story", "https://news.example/amp/story"]
    main, amp = new_url(db, urls[0]), new_url(db, urls[1])
    own = {"canonical_url": urls[0]}
    article = Article(A.headline, A.paragraphs, **own)
    made = {}
    foreseen = {}
    ids = {}
    steps = [
        ("first", main, Extracted(article)),  # version 1
        ("chrome", main, Extracted(article)),  # unchanged: not required
        ("merge", amp, Extracted(article)),  # unchanged under main, but it made the merge
        ("edit", main, Extracted(Article(B.headline, B.paragraphs, **own))),  # version 2
        ("back", main, Extracted(article)),  # a return to version 1: a change
        ("gone", main, Failed(FailureReason.HTTP_404, "HTTP 404")),  # takedown
        ("restored", main, SamePayload()),  # unchanged, but it made the restore
        ("again", main, SamePayload()),  # unchanged: not required
        ("not-modified", main, NotModified()),  # a 304 confirming: not required, no record
        ("away", main, Failed(FailureReason.REDIRECTED_AWAY, "to /")),  # a takedown again
        ("back-304", main, NotModified()),  # a 304 that made the restore: required
    ]
    for minutes, (name, url_id, result) in enumerate(steps):
        status, stored = 200, {"warc_file": f"{name}.warc.gz", "warc_offset": 0}
        if isinstance(result, NotModified):
            status, stored = 304, {}  # the crawl writes no record for a 304
        with db.session() as session:
            if not isinstance(result, Failed):  # an error always keeps its exchange
                outcome = (
                    CaptureOutcome.NOT_MODIFIED
                    if isinstance(result, NotModified)
                    else CaptureOutcome.UNCHANGED
                )
                article_read = result.article if isinstance(result, Extracted) else None
                foreseen[name] = keeps_exchange(
                    session,
                    "versions",
                    url_id,
                    article_read.content_hash if article_read else None,
                    article_read.canonical_url if article_read else None,
                    outcome,
                )
            row = record_capture(
                session,
                FetchFacts(
                    url_id,
                    T0 + timedelta(minutes=minutes),
                    http_status=status,
                    payload_digest=None if status == 304 else "sha1:X",
                    **stored,
                ),
                result,
            )
            made[name], ids[row.id] = row.outcome, name
    assert made["merge"] == made["restored"] == made["chrome"] == CaptureOutcome.UNCHANGED
    assert made["back"] == CaptureOutcome.NEW_VERSION
    assert made["not-modified"] == made["back-304"] == CaptureOutcome.NOT_MODIFIED
    with db.session() as session:
        versions = {
            e.warc_file.split(".")[0]: e.required for e in stored_exchanges(session, "versions")
        }
        everything = {e.warc_file: e.required for e in stored_exchanges(session, "all")}
        by_fetch = {
            ids[f.capture_id]: f.required
            for found in fetches(session, "versions", urls).values()
            for f in found
        }
        every_fetch = fetches(session, "all", urls)
    assert [n for n, required in versions.items() if not required] == ["chrome", "again"]
    assert len(versions) == len(steps) - 2 and all(everything.values())
    assert {n for n, required in by_fetch.items() if not required} == {
        "chrome",
        "again",
        "not-modified",
    }
    assert len(by_fetch) == len(steps)
    assert {n: by_fetch[n] for n in versions} == versions
    assert foreseen == {n: by_fetch[n] for n in foreseen}  # before the fact, as after it
    assert all(f.required for found in every_fetch.values() for f in found)


def test_the_fast_path_evidence_is_kept_only_for_the_version_that_is_the_article(db):
    """The fingerprint and the template go to fast_path_evidence (a row per version, written
    by one guarded statement): kept for the version recorded when it is that very article (by
    hash), replaced only by a new value; a capture of another article keeps its own for the new
    version and leaves the old version's alone."""
    from archive.models import FastPathEvidence
    from archive.queries import current_fingerprints, current_templates

    tid = new_url(db)

    def stored() -> dict[int, tuple[str | None, str | None]]:
        with db.session() as session:
            rows = session.query(FastPathEvidence).order_by(FastPathEvidence.version_id)
            return {r.version_id: (r.fingerprint, r.template) for r in rows}

    _, _, v1 = capture(db, tid, Extracted(A), 0)
    assert stored() == {}
    capture(db, tid, Extracted(A, fingerprint="fp7|x|one"), 5)
    assert stored() == {v1: ("fp7|x|one", None)}
    capture(db, tid, Extracted(A, template="t0c|x|one"), 10)
    assert stored() == {v1: ("fp7|x|one", "t0c|x|one")}
    capture(db, tid, Extracted(A, fingerprint="fp7|x|two", template="t0c|x|one"), 15)
    assert stored() == {v1: ("fp7|x|two", "t0c|x|one")}
    with db.session() as session:
        assert current_fingerprints(session, [tid]) == {tid: "fp7|x|two"}
        assert current_templates(session, [tid]) == {tid: "t0c|x|one"}
    # the twin: another article, with its own evidence: the new version's, the old one's kept
    _, _, v2 = capture(db, tid, Extracted(B, fingerprint="fp7|x|b", template="t0c|x|b"), 20)
    assert v2 != v1
    assert stored() == {v1: ("fp7|x|two", "t0c|x|one"), v2: ("fp7|x|b", "t0c|x|b")}
    with db.session() as session:
        assert current_fingerprints(session, [tid]) == {tid: "fp7|x|b"}
    # a version deleted takes its evidence with it
    with db.session() as session:
        session.execute(Change.__table__.delete())
        session.execute(TrackedURL.__table__.update().values(current_version_id=None))
        session.execute(Capture.__table__.update().values(version_id=None))
        session.execute(Version.__table__.delete().where(Version.id == v2))
    assert stored() == {v1: ("fp7|x|two", "t0c|x|one")}
