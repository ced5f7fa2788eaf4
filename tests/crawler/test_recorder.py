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
from archive.models import Capture
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

    def next_check(state, outcome, at):  # the refetch policy fails for one URL
        if at == T0 + timedelta(seconds=broken):
            raise RuntimeError("policy failed")
        return at + timedelta(hours=1)

    recorder = CaptureRecorder(db, next_check)
    items = [(FetchFacts(i, T0 + timedelta(seconds=i), 200), Extracted(ARTICLE)) for i in ids]
    items.append((facts(10_000), Failed(FailureReason.HTTP_5XX, "HTTP 503")))  # no such URL
    outcomes = record_all(recorder, items)
    assert outcomes[0] == outcomes[2] == outcomes[3] == ("new-version", None)
    assert outcomes[1] == ("error", "internal-error")  # recorded, with the reason, without the hook
    assert isinstance(outcomes[4], UnknownURLError)  # nothing to record it against
    assert recorder.groups == 0  # the group was rolled back and each recorded alone
    with db.session() as session:
        rows = session.execute(select(Capture.tracked_url_id, Capture.outcome, Capture.detail))
        by_url = {url: (outcome, detail) for url, outcome, detail in rows}
    assert set(by_url) == set(ids)
    assert by_url[broken][0] == "error" and "policy failed" in by_url[broken][1]
