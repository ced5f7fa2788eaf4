"""CaptureRecorder: captures that arrive together share a transaction, and stay all or nothing.

Against a real database on both backends; the transactions are counted by SQLAlchemy's
``commit`` event on the engine.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from archive.capture import Extracted, Failed, FetchFacts, SamePayload
from archive.db import open_database
from archive.enums import FailureReason
from archive.errors import UnknownURLError
from archive.extract.article import Article
from archive.models import Capture, Change, Event, TrackedURL, Version
from archive.policy import Policy
from crawler.recorder import CaptureRecorder
from tests.archive.test_store import T0, new_url

ARTICLE = Article("Army retakes Palmyra", ("First paragraph here.", "Second paragraph here."))


@pytest.fixture
def db(database_url):
    database = open_database(database_url)
    commits: list[int] = []
    event.listen(database.engine, "commit", lambda conn: commits.append(1))
    database.commits = commits
    yield database
    database.dispose()


def urls(db, n):
    return [new_url(db, f"https://news.example/{i}") for i in range(n)]


def facts(tracked_id, minutes=0):
    return FetchFacts(tracked_id, T0 + timedelta(minutes=minutes), 200)


def captures(db):
    with db.engine.connect() as conn:  # read without committing (commits are being counted)
        return conn.execute(select(func.count()).select_from(Capture)).scalar_one()


def record_all(recorder, items):
    async def run():
        return await asyncio.gather(
            *(recorder.record(f, r) for f, r in items), return_exceptions=True
        )

    return asyncio.run(run())


def test_captures_that_arrive_together_share_one_transaction(db):
    ids = urls(db, 5)
    recorder = CaptureRecorder(db)
    before = len(db.commits)
    outcomes = record_all(recorder, [(facts(i), Extracted(ARTICLE)) for i in ids])
    assert outcomes == [("new-version", None)] * 5
    assert len(db.commits) - before == 1 and recorder.groups == 1
    assert captures(db) == 5
    # the twin: without a window, one transaction each
    alone = CaptureRecorder(db, window_s=0)
    before = len(db.commits)
    outcomes = record_all(alone, [(facts(i, 1), SamePayload()) for i in ids])
    assert outcomes == [("unchanged", None)] * 5
    assert len(db.commits) - before == 5 and alone.groups == 0
    assert captures(db) == 10


def test_a_full_group_is_committed_at_once(db):
    ids = urls(db, 5)
    recorder = CaptureRecorder(db, window_s=60, max_group=2)  # the window would never end
    before = len(db.commits)

    async def run():
        tasks = [asyncio.create_task(recorder.record(facts(i), Extracted(ARTICLE))) for i in ids]
        await asyncio.sleep(0.01)
        done = [t for t in tasks if t.done()]
        assert len(done) == 4 and captures(db) == 4  # two full groups; the fifth waits
        recorder.close()  # the end of the crawl commits it
        return await asyncio.gather(*tasks)

    assert asyncio.run(run()) == [("new-version", None)] * 5
    assert len(db.commits) - before == 3 and captures(db) == 5


def test_a_failure_in_a_group_takes_no_neighbour_with_it(db):
    ids = urls(db, 4)
    broken = ids[1]
    with db.session() as session:  # the refetch policy fails for one URL: its tag's interval
        session.get(TrackedURL, broken).tags = ["forever"]  # overflows a datetime
    recorder = CaptureRecorder(db, Policy(tag_intervals={"forever": timedelta(days=10**8)}))
    items = [(FetchFacts(i, T0 + timedelta(seconds=i), 200), Extracted(ARTICLE)) for i in ids]
    items.append((facts(10_000), Failed(FailureReason.HTTP_5XX, "HTTP 503")))  # no such URL
    outcomes = record_all(recorder, items)
    assert outcomes[0] == outcomes[2] == outcomes[3] == ("new-version", None)
    assert outcomes[1] == ("error", "internal-error")  # recorded, with the reason, unscheduled
    assert isinstance(outcomes[4], UnknownURLError)  # nothing to record it against
    assert recorder.groups == 0  # the group was rolled back and each recorded alone
    with db.session() as session:
        rows = session.execute(select(Capture.tracked_url_id, Capture.outcome, Capture.detail))
        by_url = {url: (outcome, detail) for url, outcome, detail in rows}
    assert set(by_url) == set(ids)
    assert by_url[broken][0] == "error" and "OverflowError" in by_url[broken][1]


MAIN, AMP, OTHER = (f"https://news.example/{p}" for p in ("story", "amp/story", "other"))
B = Article("Palmyra back in army hands", ARTICLE.paragraphs, canonical_url=MAIN)
A_MAIN = Article(ARTICLE.headline, ARTICLE.paragraphs, canonical_url=MAIN)


def _story(ids):
    """Captures of one URL and its alias, of every kind the write path records, in an order
    where each reads what the one before wrote: a version, a merge, a takedown, a restore with
    a new version, a confirmation, a server error elsewhere, a revert."""
    main, amp, other = ids
    steps = [
        (main, Extracted(A_MAIN)),  # version 1
        (amp, Extracted(A_MAIN)),  # a canonical link elsewhere: merged into main
        (main, Failed(FailureReason.HTTP_404, "HTTP 404")),  # a takedown
        (main, Extracted(B)),  # restored, with a new version
        (main, SamePayload()),  # confirms B
        (other, Failed(FailureReason.HTTP_5XX, "HTTP 503")),  # an error elsewhere
        (main, Extracted(A_MAIN)),  # a revert to version 1
    ]
    return [(facts(url_id, minute), result) for minute, (url_id, result) in enumerate(steps)]


def _state(database):
    with database.session() as session:
        number = {v.id: v.number for v in session.query(Version)}
        url = {t.id: t.url for t in session.query(TrackedURL)}
        return {
            "captures": [
                (url[c.tracked_url_id], c.outcome, c.reason, number.get(c.version_id))
                for c in session.query(Capture).order_by(Capture.id)
            ],
            "tracked": sorted(
                (
                    t.url,
                    t.active,
                    t.taken_down,
                    t.consecutive_errors,
                    number.get(t.current_version_id),
                )
                for t in session.query(TrackedURL)
            ),
            "versions": sorted(
                (url[v.tracked_url_id], v.number, v.headline) for v in session.query(Version)
            ),
            "events": [
                (url[e.tracked_url_id], e.kind) for e in session.query(Event).order_by(Event.id)
            ],
            "changes": [
                (number[c.from_version_id], number[c.to_version_id], c.reverted)
                for c in session.query(Change).order_by(Change.id)
            ],
        }


def test_a_group_records_what_the_captures_alone_record(db, tmp_path):
    ids = [new_url(db, url) for url in (MAIN, AMP, OTHER)]
    story = _story(ids)
    grouped = CaptureRecorder(db, window_s=60, max_group=len(story))  # all seven in one group
    assert record_all(grouped, story)
    assert grouped.groups == 1
    alone_db = open_database(f"sqlite:///{tmp_path / 'alone.sqlite'}")
    try:
        alone = CaptureRecorder(alone_db, window_s=0)
        record_all(alone, _story([new_url(alone_db, url) for url in (MAIN, AMP, OTHER)]))
        assert alone.groups == 0
        expected = _state(alone_db)
    finally:
        alone_db.dispose()
    assert _state(db) == expected
    # and what that is: the story as told above
    assert expected["events"] == [(AMP, "merged"), (MAIN, "takedown"), (MAIN, "restored")]
    assert expected["changes"] == [(1, 2, False), (2, 1, True)]


def test_a_cancelled_wait_still_records_its_capture(db):
    [url_id] = urls(db, 1)
    recorder = CaptureRecorder(db, window_s=60)

    async def run():
        task = asyncio.create_task(recorder.record(facts(url_id), Extracted(ARTICLE)))
        await asyncio.sleep(0.01)
        task.cancel()  # the crawl is stopping
        await asyncio.gather(task, return_exceptions=True)
        recorder.close()  # no InvalidStateError for the cancelled future

    asyncio.run(run())
    assert captures(db) == 1


def test_a_failed_commit_records_each_capture_once(db):
    ids = urls(db, 3)
    failures = [RuntimeError("commit refused")]

    def refuse_once(session):
        if failures:
            raise failures.pop()

    event.listen(db.sessions, "before_commit", refuse_once)
    recorder = CaptureRecorder(db)
    outcomes = record_all(recorder, [(facts(i), Extracted(ARTICLE)) for i in ids])
    assert outcomes == [("new-version", None)] * 3  # the group failed; each alone did not
    assert recorder.groups == 0 and not failures
    assert captures(db) == 3
