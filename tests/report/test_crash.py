"""Exactly-once across crashes: a sender process is SIGKILLed at controlled points (an SMTP
handler holds the exchange until the test has killed it), then run again.

* killed before a message left: it is sent on the next run (after the claim's lease), once;
* killed after a send was recorded: that message is never sent again;
* killed after the server kept the message but before the send was recorded (the one window
  that can repeat a message): the repeat carries the same Message-ID;
* a digest's batch is fixed before sending: its repeat is the same message, and a change that
  arrives in between goes into another digest.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from archive.enums import DeliveryMode
from archive.models import Delivery
from archive.report.subscriptions import Scope, subscribe
from tests.report.conftest import T0, reworded, start_report_run

pytestmark = pytest.mark.slow

LATER = T0 + timedelta(minutes=5)
AFTER_LEASE = LATER + timedelta(minutes=11)  # the claim lease is ten minutes


def start_sender(data_dir, smtp_server, now):
    return start_report_run(data_dir, now, **smtp_server.env())


def run_sender(data_dir, smtp_server, now):
    proc = start_sender(data_dir, smtp_server, now)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return json.loads(out)


def kill_when_held(proc, sink):
    """Wait (with a deadline) until the SMTP handler holds the exchange, then SIGKILL."""
    deadline = time.monotonic() + 60
    while not sink.reached.wait(0.05):
        if proc.poll() is not None or time.monotonic() > deadline:
            out, err = proc.communicate()
            pytest.fail(f"the sender never reached the held point\n{out}\n{err}")
    proc.kill()
    proc.communicate(timeout=30)  # reaps the child and closes its pipes
    assert proc.returncode == -9
    sink.hold_at = None
    sink.release.set()


def subscribe_all(db, email, mode=DeliveryMode.IMMEDIATE):
    with db.session() as session:
        subscribe(session, email, Scope("all"), now=T0 - timedelta(hours=1), mode=mode)


def deliveries(db):
    with db.session() as session:
        return [
            (d.state, d.attempts, d.message_id)
            for d in session.scalars(select(Delivery).order_by(Delivery.id))
        ]


def test_kill_before_a_send_and_after_a_recorded_send(db, archive, data_dir, smtp_server):
    sink = smtp_server.sink
    a = archive.track("https://meridian.example/a")
    subscribe_all(db, "first@example.org")
    subscribe_all(db, "second@example.org")
    archive.edit(a, T0, headline="Syrian regime recaptures Palmyra")
    sink.hold_at = ("MAIL", 2)  # the first message goes through; the second is held
    kill_when_held(start_sender(data_dir, smtp_server, LATER), sink)
    (s1, a1, m1), (s2, a2, m2) = deliveries(db)
    assert (s1, a1) == ("sent", 1)  # recorded as soon as the server accepted it
    assert (s2, a2) == ("due", 1)  # claimed, never sent
    assert len(sink.messages) == 1
    # a run during the lease does not touch the claimed message (another sender may hold it)
    assert run_sender(data_dir, smtp_server, LATER + timedelta(minutes=1))["sent"] == 0
    # after the lease: the second report goes out, the first is not repeated
    assert run_sender(data_dir, smtp_server, AFTER_LEASE)["sent"] == 1
    assert [s for s, _, _ in deliveries(db)] == ["sent", "sent"]
    assert sink.recipients == [["first@example.org"], ["second@example.org"]]
    assert [m["Message-ID"] for m in sink.parsed()] == [m1, m2]
    assert run_sender(data_dir, smtp_server, AFTER_LEASE + timedelta(hours=1))["sent"] == 0
    assert len(sink.messages) == 2


def test_kill_between_acceptance_and_record_repeats_with_the_same_message_id(
    db, archive, data_dir, smtp_server
):
    sink = smtp_server.sink
    a = archive.track("https://meridian.example/a")
    subscribe_all(db, "reader@example.org")
    archive.edit(a, T0, headline="Syrian regime recaptures Palmyra")
    sink.hold_at = ("DATA", 1)  # the server keeps the message, then the sender dies
    kill_when_held(start_sender(data_dir, smtp_server, LATER), sink)
    [(state, _, message_id)] = deliveries(db)
    assert state == "due" and len(sink.messages) == 1
    assert run_sender(data_dir, smtp_server, AFTER_LEASE)["sent"] == 1
    first, repeat = sink.parsed()
    assert first["Message-ID"] == repeat["Message-ID"] == message_id
    assert first["Subject"] == repeat["Subject"]
    assert deliveries(db)[0][0] == "sent"


def test_a_digest_batch_is_fixed_before_it_is_sent(db, archive, data_dir, smtp_server):
    sink = smtp_server.sink
    a = archive.track("https://meridian.example/a")
    subscribe_all(db, "daily@example.org", DeliveryMode.DAILY)
    for hour, (old, new) in enumerate([("Thursday", "Friday"), ("Engineers", "Sappers")]):
        archive.edit(a, T0 + timedelta(hours=hour), paragraphs=reworded(hour, old, new))
    archive.edit(a, T0 + timedelta(hours=3), headline="Syrian regime recaptures Palmyra")
    boundary = T0.replace(hour=7) + timedelta(days=1)  # digest_hour 7, UTC
    sink.hold_at = ("DATA", 1)
    kill_when_held(start_sender(data_dir, smtp_server, boundary + timedelta(minutes=1)), sink)
    sealed = {m for _, _, m in deliveries(db)}
    assert len(sealed) == 1 and None not in sealed
    # a change detected before the boundary but recorded only now (a slow crawl) arrives
    archive.edit(a, boundary - timedelta(minutes=1), headline="Palmyra retaken")
    summary = run_sender(data_dir, smtp_server, boundary + timedelta(minutes=20))
    assert (summary["digests"], summary["sent"]) == (1, 2)
    first, repeat, other = sink.parsed()
    assert first["Message-ID"] == repeat["Message-ID"] == sealed.pop()
    assert first["X-Redline-Changes"] == repeat["X-Redline-Changes"] == "1 2 3"
    assert other["X-Redline-Changes"] == "4" and other["Message-ID"] != first["Message-ID"]
    assert {s for s, _, _ in deliveries(db)} == {"sent"}
