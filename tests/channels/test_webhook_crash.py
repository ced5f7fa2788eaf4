"""Exactly once across kill -9: a sender process (the function ``redline report`` runs) is
SIGKILLed at random points while it posts to a slow webhook receiver, then run again, until
everything is sent.  The receiver deduplicates on ``webhook-id``, as the scheme asks of
receivers: it must then hold exactly one POST per (subscription, change), every repeat must
carry the same id and the same body, and every signature must verify.  On SQLite and
PostgreSQL; the seed is printed so that a failure can be replayed."""

from __future__ import annotations

import json
import random
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from archive.models import Delivery
from tests.channels.conftest import add_subscription, verify_signature
from tests.report.conftest import T0, reworded, start_report_run

pytestmark = pytest.mark.slow

LEASE = timedelta(minutes=11)  # the claim lease is ten minutes


def start_sender(data_dir, database_url, now):
    return start_report_run(
        data_dir, now, REDLINE_DATABASE_URL=database_url, REDLINE_ALLOW_PRIVATE_NETWORKS="true"
    )


def test_kill_9_at_random_points_never_loses_or_duplicates_a_post(
    db, archive, data_dir, database_url, receiver
):
    seed = random.randrange(1 << 30)
    print(f"seed {seed}")
    rng = random.Random(seed)
    urls = [archive.track(f"https://meridian.example/{n}") for n in range(3)]
    subscriptions = {}
    for name in ("desk", "bot", "archive"):
        sub_id, secret = add_subscription(db, f"{receiver.url}/{name}")
        subscriptions[f"/{name}"] = (sub_id, secret)
    changes = []
    for n, url_id in enumerate(urls):
        changes.append(archive.edit(url_id, T0 + timedelta(minutes=n), headline=f"Headline {n}"))
        changes.append(
            archive.edit(
                url_id,
                T0 + timedelta(minutes=10 + n),
                paragraphs=reworded(0, "taken back", f"retaken {n}"),
            )
        )
    receiver.delay_s = 0.08  # each POST takes a while: kills land before, during and after
    now = T0 + timedelta(minutes=30)
    kills = 0
    for _ in range(4):
        before = len(receiver.received)
        proc = start_sender(data_dir, database_url, now)
        deadline = time.monotonic() + 60
        while len(receiver.received) == before and proc.poll() is None:
            assert time.monotonic() < deadline, "the sender never posted"
            time.sleep(0.01)
        # a random point of the run: before a claim, between claim and POST, while the
        # receiver holds a POST it has kept (send-then-record), or after a recorded send
        time.sleep(rng.uniform(0.0, 0.6))
        if proc.poll() is None:
            proc.kill()
            kills += 1
        proc.communicate(timeout=60)
        assert len(receiver.received) > before or proc.returncode == 0
        now += LEASE
    for _ in range(3):  # then runs that finish
        proc = start_sender(data_dir, database_url, now)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        now += LEASE
    assert json.loads(out)["sent"] == 0  # the last run found nothing left
    assert kills >= 2
    with db.session() as session:
        rows = session.scalars(select(Delivery)).all()
        assert {d.state for d in rows} == {"sent"}
        assert len(rows) == len(subscriptions) * len(changes)
    # the receiver's view: one delivery per webhook-id, one webhook-id per (subscription, change)
    by_id: dict[str, list] = {}
    for post in receiver.received:
        secret = subscriptions[post.path][1]
        assert verify_signature(secret, post.headers, post.body)
        by_id.setdefault(post.headers["webhook-id"], []).append(post)
    pairs: dict[tuple[str, int], set[str]] = {}
    for webhook_id, posts in by_id.items():
        assert len({p.body for p in posts}) == 1  # a repeat is the same request
        assert len({p.path for p in posts}) == 1
        [change] = posts[0].json()["data"]["changes"]
        pairs.setdefault((posts[0].path, change["change_id"]), set()).add(webhook_id)
    assert set(pairs) == {(path, change) for path in subscriptions for change in changes}
    assert all(len(ids) == 1 for ids in pairs.values()), pairs
    repeats = len(receiver.received) - len(by_id)
    print(f"{kills} kills, {len(receiver.received)} POSTs, {repeats} repeats (same webhook-id)")
