"""The outbox in process: what is owed to whom, digests sealed on their schedule, status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from archive.enums import ChangeLabel, DeliveryMode
from archive.errors import ConfigError
from archive.models import Delivery
from archive.report import outbox
from archive.report.schedule import period_start, zone
from archive.report.subscriptions import (
    Scope,
    SubscriptionError,
    UnknownSubscriptionError,
    list_subscriptions,
    normalize_email,
    normalize_scope,
    subscribe,
    unsubscribe,
)
from tests.report.conftest import PARAGRAPHS, T0, reworded

BEFORE = T0 - timedelta(hours=1)


ALL = Scope("all")


def sub(db, email="reader@example.org", scope=ALL, **kwargs):
    with db.session() as session:
        subscription, _ = subscribe(session, email, scope, now=kwargs.pop("now", BEFORE), **kwargs)
        return subscription.id


def owed(db, now=T0 + timedelta(hours=1)):
    with db.session() as session:
        outbox.enqueue(session, now, domain="x.example")
        rows = session.scalars(select(Delivery).order_by(Delivery.id)).all()
        return [(d.subscription_id, d.change_id) for d in rows]


def test_labels_scopes_headline_only_and_start_decide_what_is_owed(db, archive):
    a = archive.track("https://meridian.example/a", tags=("syria",))
    b = archive.track("https://other.example/b")
    everything = sub(db)
    tagged = sub(db, scope=normalize_scope("tag", "syria"))
    site = sub(db, scope=normalize_scope("site", "www.other.example"))
    one_url = sub(db, scope=normalize_scope("url", "https://meridian.example/a?utm_source=x"))
    headlines = sub(db, "desk@example.org", only_headline=True, min_label=ChangeLabel.TRIVIAL)
    trivial = sub(db, "pedant@example.org", min_label=ChangeLabel.METADATA_ONLY)
    late = sub(db, "late@example.org", now=T0 + timedelta(minutes=30))

    bump = archive.edit(a, T0, updated_at=T0)  # metadata only: a bare timestamp bump
    words = archive.edit(a, T0 + timedelta(minutes=1), paragraphs=reworded(0, "Thursday", "Friday"))
    headline = archive.edit(b, T0 + timedelta(minutes=2), headline="Palmyra falls again")
    after = archive.edit(b, T0 + timedelta(minutes=40), paragraphs=PARAGRAPHS[:2])

    pairs = set(owed(db))
    assert {c for s, c in pairs if s == everything} == {words, headline, after}
    assert {c for s, c in pairs if s == tagged} == {words}
    assert {c for s, c in pairs if s == site} == {headline, after}
    assert {c for s, c in pairs if s == one_url} == {words}
    assert {c for s, c in pairs if s == headlines} == {headline}
    assert {c for s, c in pairs if s == trivial} == {bump, words, headline, after}
    assert {c for s, c in pairs if s == late} == {after}
    # owed once: a second enqueue adds nothing
    assert len(owed(db)) == len(pairs)


def test_flapping_changes_are_not_mailed(db, archive):
    a = archive.track("https://meridian.example/a")
    sub(db)
    first = archive.edit(a, T0, headline="Version B")
    swings = [
        archive.edit(a, T0 + timedelta(minutes=i), headline="Version A" if i % 2 else "Version B")
        for i in range(1, 7)
    ]
    changes = {c for _, c in owed(db)}
    assert first in changes
    assert not set(swings[-2:]) & changes  # once flapping, no more mail per swing


def test_immediate_message_ids_are_fixed_at_creation_and_digests_at_sealing(db, archive):
    a = archive.track("https://meridian.example/a")
    now_sub = sub(db)
    daily = sub(db, "daily@example.org", mode=DeliveryMode.DAILY)
    c1 = archive.edit(a, T0, headline="One")
    c2 = archive.edit(a, T0 + timedelta(hours=3), headline="Two")
    owed(db)
    with db.session() as session:
        rows = {(d.subscription_id, d.change_id): d for d in session.scalars(select(Delivery))}
        assert rows[now_sub, c1].message_id.startswith("<redline.") and rows[
            now_sub, c1
        ].message_id.endswith("@x.example>")
        assert rows[now_sub, c1].message_id != rows[now_sub, c2].message_id
        assert rows[daily, c1].message_id is None  # not yet in a message
        # the day's boundary (07:00 UTC on the 6th) has not come: nothing sealed
        tz = ZoneInfo("UTC")
        bounds = {
            m: period_start(m, T0 + timedelta(hours=5), hour=7, tz=tz)
            for m in (DeliveryMode.HOURLY, DeliveryMode.DAILY)
        }
        assert outbox.seal_digests(session, bounds, domain="x.example") == 0
        bounds = {
            m: period_start(m, T0 + timedelta(days=1), hour=7, tz=tz)
            for m in (DeliveryMode.HOURLY, DeliveryMode.DAILY)
        }
        assert outbox.seal_digests(session, bounds, domain="x.example") == 1
        ids = (rows[daily, c1].id, rows[daily, c2].id)
        session.expire_all()
        digest_ids = {
            d.message_id for d in session.scalars(select(Delivery).where(Delivery.id.in_(ids)))
        }
        assert digest_ids == {outbox.digest_message_id(_token(session, daily), ids, "x.example")}
        # sealed once: the same rows are not sealed again, and the batch is one message
        assert outbox.seal_digests(session, bounds, domain="x.example") == 0
        batches = outbox.due_batches(session, T0 + timedelta(days=1))
        assert [b.delivery_ids for b in batches if b.subscription_id == daily] == [ids]


def _token(session, subscription_id):
    from archive.models import Subscription

    return session.get(Subscription, subscription_id).token


def test_digest_boundaries_follow_hour_and_time_zone():
    paris = zone("Europe/Paris")
    # 06:30 UTC is 07:30 in Paris (winter): today's 07:00 Paris digest is due
    now = datetime(2026, 1, 15, 6, 30, tzinfo=UTC)
    assert period_start(DeliveryMode.DAILY, now, hour=7, tz=paris) == datetime(
        2026, 1, 15, 6, 0, tzinfo=UTC
    )
    # summer time: 07:00 Paris is 05:00 UTC
    summer = datetime(2026, 7, 15, 5, 30, tzinfo=UTC)
    assert period_start(DeliveryMode.DAILY, summer, hour=7, tz=paris) == datetime(
        2026, 7, 15, 5, 0, tzinfo=UTC
    )
    # before the hour: yesterday's boundary, across the spring DST change
    dst = datetime(2026, 3, 29, 4, 0, tzinfo=UTC)  # 06:00 CEST on the day clocks went forward
    assert period_start(DeliveryMode.DAILY, dst, hour=7, tz=paris) == datetime(
        2026, 3, 28, 6, 0, tzinfo=UTC
    )
    kolkata = zone("Asia/Kolkata")  # half-hour offset: hourly boundaries at :30 UTC
    assert period_start(DeliveryMode.HOURLY, now, hour=7, tz=kolkata) == datetime(
        2026, 1, 15, 6, 30, tzinfo=UTC
    )
    assert period_start(DeliveryMode.IMMEDIATE, now, hour=7, tz=paris) == now
    with pytest.raises(ConfigError, match="unknown time zone"):
        zone("Mars/Olympus")
    with pytest.raises(ConfigError, match="digest_hour"):
        period_start(DeliveryMode.DAILY, now, hour=24, tz=paris)


def test_subscription_validation_update_and_unsubscribe(db, archive):
    for bad in (
        "not-an-address",
        "a@b@c",
        "x@example.org\r\nBcc: y@example.org",
        "Name <x@example.org>",
        "x@",
        "",
    ):
        with pytest.raises(SubscriptionError):
            normalize_email(bad)
    with pytest.raises(SubscriptionError):
        normalize_scope("everything", None)
    with pytest.raises(SubscriptionError):
        normalize_scope("tag", " ")
    first = sub(db, scope=Scope("tag", "syria"))
    again = sub(db, scope=Scope("tag", "syria"), mode=DeliveryMode.DAILY)
    assert first == again
    with db.session() as session:
        [row] = list_subscriptions(session)
        assert row["mode"] == "daily" and row["scope"] == "tag" and row["target"] == "syria"
    a = archive.track("https://meridian.example/a", tags=("syria",))
    archive.edit(a, T0, headline="New")
    owed(db, now=T0 + timedelta(days=2))  # due, in an unsealed digest
    with db.session() as session:
        [ended] = unsubscribe(
            session, email="READER@example.org".lower(), scope=Scope("tag", "syria")
        )
        assert ended.id == first and not ended.active
        assert {d.state for d in session.scalars(select(Delivery))} == {"cancelled"}
    with db.session() as session, pytest.raises(UnknownSubscriptionError):
        unsubscribe(session, email="reader@example.org")
    with db.session() as session:
        assert list_subscriptions(session) == []
        assert len(list_subscriptions(session, include_inactive=True)) == 1


def test_delivery_status_counts_states_and_shows_recent_errors(db, archive):
    a = archive.track("https://meridian.example/a")
    sub(db)
    sub(db, "other@example.org")
    archive.edit(a, T0, headline="New")
    owed(db)
    with db.session() as session:
        first, second = outbox.due_batches(session, T0 + timedelta(hours=1))
        outbox.claim(session, first, T0, lease=timedelta(minutes=10))
        outbox.mark_failed(session, first, "550 no such user")
        outbox.mark_retry(session, second, "451 try later", T0 + timedelta(minutes=5))
    with db.session() as session:
        status = outbox.delivery_status(session)
    assert (status["due"], status["sent"], status["failed"], status["retrying"]) == (1, 0, 1, 1)
    assert [e["error"] for e in status["recent_errors"]] == ["451 try later", "550 no such user"]
    assert status["recent_errors"][0]["next_attempt_at"] is not None
    assert (
        status["recent_errors"][1]["attempts"] == 1
        and status["recent_errors"][1]["state"] == "failed"
    )


def test_a_digest_subscription_made_immediate_sends_what_was_waiting(db, archive):
    a = archive.track("https://meridian.example/a")
    sub(db, mode=DeliveryMode.DAILY)
    change = archive.edit(a, T0, headline="New")
    owed(db)
    sub(db, mode=DeliveryMode.IMMEDIATE)  # the same address and scope: updated in place
    with db.session() as session:
        outbox.seal_digests(session, {}, domain="x.example")
        [batch] = outbox.due_batches(session, T0 + timedelta(minutes=1))
        [delivery] = session.scalars(select(Delivery)).all()
        assert delivery.change_id == change and batch.message_id == delivery.message_id
