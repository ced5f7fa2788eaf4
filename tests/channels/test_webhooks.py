"""Signed webhooks against a real HTTP receiver on 127.0.0.1: the signature checked with the
test's own implementation, the body in the shape of ``redline diff --json``, retries with
backoff after 503 (and ``Retry-After`` after 429), none after 410 or a redirect, and the
network guard at subscribe and at send time.  On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from archive import store
from archive.enums import DeliveryMode
from archive.errors import ForbiddenDestinationError, SubscriptionError
from archive.models import Delivery
from archive.report import outbox
from archive.report.subscriptions import Scope, subscribe
from archive.version_diff import diff_versions
from scheduler.reports import send_due_reports
from tests.channels.conftest import add_subscription, verify_signature
from tests.report.conftest import T0, make_config, reworded

LATER = T0 + timedelta(minutes=5)


def states(db):
    with db.session() as session:
        return [d.state for d in session.scalars(select(Delivery).order_by(Delivery.id))]


def test_a_change_is_posted_once_signed_in_the_diff_json_shape(db, archive, config, receiver):
    a = archive.track("https://meridian.example/world/palmyra")
    _, secret = add_subscription(db, receiver.url + "/hooks/redline?team=desk")
    assert secret is not None and secret.startswith("whsec_")
    archive.recapture(a)
    summary = send_due_reports(config, now=LATER, database=db)
    assert (summary.queued, summary.sent) == (1, 1)
    [post] = receiver.received
    assert post.path == "/hooks/redline?team=desk"
    assert post.headers["content-type"] == "application/json"
    assert verify_signature(secret, post.headers, post.body)
    # the independent check does fail on a tampered body or another secret
    assert not verify_signature(secret, post.headers, post.body.replace(b"Palmyra", b"Pa1myra"))
    other = "whsec_" + "QUJD" * 8
    assert not verify_signature(other, post.headers, post.body)
    assert post.headers["webhook-id"] == summary.messages[0].message_id.strip("<>")
    payload = post.json()
    assert payload["type"] == "change.recorded"
    assert payload["id"] == post.headers["webhook-id"]
    [change] = payload["data"]["changes"]
    with db.session() as session:
        tracked = store.resolve(session, "https://meridian.example/world/palmyra")
        expected = diff_versions(session, tracked, 1, 2).to_json()
    assert change["diff"] == expected  # exactly what `redline diff --json` prints
    assert change["article"]["headline"] == {
        "old": "Army retakes Palmyra after three-month siege",
        "new": "Syrian regime recaptures Palmyra",
    }
    assert change["versions"] == {"from": 1, "to": 2}
    assert change["links"]["diff"] == "https://viewer.example/articles/1/diff/1..2"
    assert change["links"]["article"] == "https://viewer.example/articles/1"
    assert change["links"]["card"] == "https://viewer.example/articles/1/card/1..2.png"
    assert "recaptured" in change["text"]
    # a second run owes nothing and posts nothing
    again = send_due_reports(config, now=LATER + timedelta(hours=1), database=db)
    assert (again.queued, again.sent) == (0, 0)
    assert len(receiver.received) == 1
    assert states(db) == ["sent"]


def test_a_digest_is_one_post(db, archive, config, receiver):
    a = archive.track("https://meridian.example/a")
    b = archive.track("https://meridian.example/b")
    _, secret = add_subscription(db, receiver.url + "/digest", mode=DeliveryMode.HOURLY)
    archive.edit(a, T0 + timedelta(minutes=1), headline="Palmyra retaken")
    archive.edit(b, T0 + timedelta(minutes=2), paragraphs=reworded(1, "Engineers", "Sappers"))
    # within the hour: nothing yet
    assert send_due_reports(config, now=T0 + timedelta(minutes=30), database=db).sent == 0
    assert receiver.received == []
    summary = send_due_reports(config, now=T0 + timedelta(hours=1, minutes=1), database=db)
    assert (summary.digests, summary.sent) == (1, 1)
    [post] = receiver.received
    assert verify_signature(secret, post.headers, post.body)
    payload = post.json()
    assert payload["type"] == "digest.ready"
    assert [c["article"]["url"] for c in payload["data"]["changes"]] == [
        "https://meridian.example/a",
        "https://meridian.example/b",
    ]
    assert states(db) == ["sent", "sent"]


def test_503_is_retried_with_backoff_under_the_same_webhook_id(db, archive, config, receiver):
    a = archive.track("https://meridian.example/a")
    _, secret = add_subscription(db, receiver.url + "/hook")
    archive.edit(a, T0, headline="New headline")
    receiver.answers = [(503, {}), (503, {})]
    first = send_due_reports(config, now=LATER, database=db)
    assert first.retrying == 1 and "HTTP 503" in first.messages[0].error
    with db.session() as session:
        shown = outbox.delivery_status(session)
    assert shown["retrying"] == 1 and shown["recent_errors"][0]["kind"] == "webhook"
    # not before the backoff (60 s), then again after it
    assert send_due_reports(config, now=LATER + timedelta(seconds=30), database=db).messages == ()
    assert send_due_reports(config, now=LATER + timedelta(seconds=61), database=db).retrying == 1
    # the second wait is twice as long
    second_try = LATER + timedelta(seconds=61)
    later = second_try + timedelta(seconds=119)
    assert send_due_reports(config, now=later, database=db).messages == ()
    done = send_due_reports(config, now=second_try + timedelta(seconds=121), database=db)
    assert done.sent == 1
    assert len(receiver.received) == 3
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    assert len({r.body for r in receiver.received}) == 1  # the same body on every try
    assert all(verify_signature(secret, r.headers, r.body) for r in receiver.received)
    assert states(db) == ["sent"]


def test_429_waits_as_long_as_retry_after_says(db, archive, config, receiver):
    a = archive.track("https://meridian.example/a")
    add_subscription(db, receiver.url + "/hook")
    archive.edit(a, T0, headline="New headline")
    receiver.answers = [(429, {"Retry-After": "600"})]
    assert send_due_reports(config, now=LATER, database=db).retrying == 1
    # the backoff alone would allow a retry after 60 s; the destination asked for 600
    assert send_due_reports(config, now=LATER + timedelta(seconds=120), database=db).messages == ()
    assert send_due_reports(config, now=LATER + timedelta(seconds=601), database=db).sent == 1
    assert len(receiver.received) == 2


@pytest.mark.parametrize(
    ("status", "headers"), [(410, {}), (302, {"Location": "http://127.0.0.1:9/elsewhere"})]
)
def test_410_or_a_redirect_fails_for_good(db, archive, config, receiver, status, headers):
    a = archive.track("https://meridian.example/a")
    add_subscription(db, receiver.url + "/gone")
    archive.edit(a, T0, headline="New headline")
    receiver.answers = [(status, headers)]
    summary = send_due_reports(config, now=LATER, database=db)
    assert summary.failed == 1 and f"HTTP {status}" in summary.messages[0].error
    for hours in (1, 2, 30):
        assert (
            send_due_reports(config, now=LATER + timedelta(hours=hours), database=db).messages == ()
        )
    assert len(receiver.received) == 1  # no retry, and the redirect was not followed
    assert [r.path for r in receiver.received] == ["/gone"]
    assert states(db) == ["failed"]


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "https://169.254.169.254/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.7:8443/hook",
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
    ],
)
def test_private_and_metadata_webhooks_are_refused_at_subscribe(db, url):
    with db.session() as session, pytest.raises(ForbiddenDestinationError):
        subscribe(session, url, Scope("all"), now=T0, allow_private=False)


def test_plain_http_needs_private_networks(db):
    with db.session() as session, pytest.raises(ForbiddenDestinationError, match="https"):
        subscribe(session, "http://hooks.example.org/x", Scope("all"), now=T0)
    with db.session() as session:  # https to a name that does not resolve now is let through
        subscription, _ = subscribe(session, "https://hooks.invalid/x", Scope("all"), now=T0)
        assert subscription.kind == "webhook"
    with db.session() as session, pytest.raises(SubscriptionError):
        subscribe(session, "https://hooks.example.org/a b", Scope("all"), now=T0)


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "169.254.169.254"])
def test_a_forbidden_webhook_is_refused_at_send_time(
    db, archive, data_dir, database_url, receiver, host
):
    """A subscription made while private networks were allowed is not sent once they are not."""
    a = archive.track("https://meridian.example/a")
    add_subscription(db, f"http://{host.format(port=receiver.port)}/hook", allow_private=True)
    archive.edit(a, T0, headline="New headline")
    strict = make_config(data_dir, REDLINE_DATABASE_URL=database_url)
    assert not strict.allow_private_networks
    summary = send_due_reports(strict, now=LATER, database=db)
    assert summary.failed == 1
    assert "refused" in summary.messages[0].error
    assert receiver.received == []
    assert states(db) == ["failed"]


def test_the_cli_shows_the_secret_once_and_never_lists_it(redline, receiver):
    url = receiver.url + "/hook"
    created = redline("subscribe", url, "--all").stdout
    assert "signing secret (shown only now): whsec_" in created
    secret = created.split("whsec_", 1)[1].split()[0]
    listed = redline("subscriptions").stdout + json.dumps(redline.json("subscriptions"))
    assert secret not in listed and "whsec_" not in listed
    [row] = redline.json("subscriptions")
    assert row["kind"] == "webhook" and "secret" not in row
    # subscribing again updates the subscription: no new secret is made or shown
    again = redline("subscribe", url, "--all", "--mode", "daily").stdout
    assert "whsec_" not in again and "updated" in again
    redline.env.pop("REDLINE_ALLOW_PRIVATE_NETWORKS")
    refused = redline("subscribe", "http://169.254.169.254/", "--all", check=False)
    assert refused.returncode == 1
    assert refused.stderr.startswith("redline: error: refused webhook")
    assert len(refused.stderr.strip().splitlines()) == 1


def test_the_readme_verification_snippet_accepts_a_real_request(db, archive, config, receiver):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("Check it like this", 1)[1].split("```python\n", 1)[1].split("```")[0]
    namespace: dict = {}
    exec(snippet, namespace)
    verify = namespace["verify"]
    a = archive.track("https://meridian.example/a")
    _, secret = add_subscription(db, receiver.url + "/hook")
    archive.edit(a, T0, headline="New headline")
    send_due_reports(config, now=LATER, database=db)
    [post] = receiver.received
    assert verify(secret, post.headers, post.body)
    assert not verify(secret, post.headers, post.body + b" ")
