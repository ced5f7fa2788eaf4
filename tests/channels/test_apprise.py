"""Apprise destinations through Apprise's own JSON notifier (``json://127.0.0.1:PORT/``) posting
to a local receiver: an immediate report and a digest arrive as text, failures are retried,
and secrets in the URL never show in listings, status or errors.  On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest

pytest.importorskip("apprise")

from archive.enums import DeliveryMode
from archive.errors import SubscriptionError
from archive.report import outbox
from archive.report.subscriptions import Scope, list_subscriptions, subscribe
from scheduler.reports import send_due_reports
from tests.channels.conftest import add_subscription
from tests.report.conftest import T0, reworded

LATER = T0 + timedelta(minutes=5)
SECRET = "s3cretPassw0rdXYZ"


def test_an_immediate_report_arrives_as_text(db, archive, config, receiver):
    a = archive.track("https://meridian.example/world/palmyra")
    add_subscription(db, f"json://127.0.0.1:{receiver.port}/apprise")
    archive.recapture(a)
    summary = send_due_reports(config, now=LATER, database=db)
    assert (summary.queued, summary.sent) == (1, 1)
    [post] = receiver.received
    assert post.path == "/apprise"
    sent = post.json()
    assert sent["title"] == "Headline rewritten on 'Syrian regime recaptures Palmyra'"
    body = sent["message"]
    lines = body.splitlines()
    assert (
        lines[0]
        == "Army retakes Palmyra after three-month siege → Syrian regime recaptures Palmyra"
    )
    assert lines[1].startswith("meridian.example · ")
    assert "[-taken back-]{+recaptured+}" in body
    assert lines[-1] == "Diff: https://viewer.example/articles/1/diff/1..2"
    assert "more edit" not in body
    # sent once: a second run sends nothing
    assert send_due_reports(config, now=LATER + timedelta(hours=1), database=db).sent == 0
    assert len(receiver.received) == 1


def test_a_digest_is_one_message_per_period(db, archive, config, receiver):
    a = archive.track("https://meridian.example/a")
    b = archive.track("https://other.example/b")
    add_subscription(db, f"json://127.0.0.1:{receiver.port}/", mode=DeliveryMode.HOURLY)
    archive.edit(a, T0 + timedelta(minutes=1), headline="Palmyra retaken")
    archive.edit(b, T0 + timedelta(minutes=2), paragraphs=reworded(1, "Engineers", "Sappers"))
    assert send_due_reports(config, now=T0 + timedelta(minutes=30), database=db).sent == 0
    summary = send_due_reports(config, now=T0 + timedelta(hours=1, minutes=1), database=db)
    assert (summary.digests, summary.sent) == (1, 1)
    [post] = receiver.received
    sent = post.json()
    assert sent["title"].startswith("[hourly digest] 2 articles changed")
    assert "→ Palmyra retaken" in sent["message"]
    assert "[-Engineers-]{+Sappers+}" in sent["message"]
    assert "https://viewer.example/articles/1/diff/1..2" in sent["message"]
    assert "https://viewer.example/articles/2/diff/1..2" in sent["message"]


def test_a_failure_is_retried_and_the_url_shown_masked(db, archive, config, receiver):
    url = f"json://desk:{SECRET}@127.0.0.1:{receiver.port}/hook"
    add_subscription(db, url)
    a = archive.track("https://meridian.example/a")
    archive.edit(a, T0, headline="New headline")
    receiver.answers = [(500, {})]
    first = send_due_reports(config, now=LATER, database=db)
    assert first.retrying == 1
    assert SECRET not in str(first)
    with db.session() as session:
        status = outbox.delivery_status(session)
        listed = list_subscriptions(session)
    assert status["retrying"] == 1
    assert SECRET not in str(status) and SECRET not in str(listed)
    assert listed[0]["email"] == f"json://desk:****@127.0.0.1:{receiver.port}/hook"
    assert listed[0]["kind"] == "apprise"
    done = send_due_reports(config, now=LATER + timedelta(seconds=61), database=db)
    assert done.sent == 1 and len(receiver.received) == 2


def test_a_token_in_an_apprise_url_is_masked_in_the_cli(redline, receiver):
    token = "tk_AbCdEfGhIjKlMnOpQrStUv"
    url = f"ntfy://{token}@127.0.0.1:{receiver.port}/newsroom"
    out = redline("subscribe", url, "--tag", "syria", "--mode", "immediate", "--min", "major")
    assert token not in out.stdout and "subscribed ntfy://" in out.stdout
    table = redline("subscriptions").stdout
    as_json = redline("subscriptions", "--json").stdout
    status = redline("status", "--json").stdout
    assert "ntfy://" in table and "apprise" in table
    for shown in (table, as_json, status):
        assert token not in shown and token[3:12] not in shown
    # the full URL still finds the subscription
    assert "unsubscribed" in redline("unsubscribe", url).stdout


def test_an_unknown_apprise_scheme_is_refused(db):
    with db.session() as session, pytest.raises(SubscriptionError, match="not an Apprise URL"):
        subscribe(session, "nosuchservice://x/y", Scope("all"), now=T0)


def test_a_private_apprise_host_is_refused_without_private_networks(db):
    from archive.errors import ForbiddenDestinationError

    for url in ("json://169.254.169.254/", "json://127.0.0.1:8080/", "jsons://10.0.0.1/x"):
        with db.session() as session, pytest.raises(ForbiddenDestinationError):
            subscribe(session, url, Scope("all"), now=T0, allow_private=False)


def test_without_apprise_an_apprise_destination_is_refused_in_one_line(tmp_path):
    code = (
        "import sys; sys.modules['apprise'] = None\n"  # as if the extra were not installed
        "from scheduler.cli import main\n"
        "main(sys.argv[1:])\n"
    )

    def run(*args):
        command = [sys.executable, "-c", code, "--data-dir", str(tmp_path / "d"), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    proc = run("subscribe", "slack://TokenA/TokenB/TokenC", "--all")
    assert proc.returncode == 1
    assert proc.stderr == (
        "redline: error: slack:// destinations need Apprise: pip install 'redline[apprise]'\n"
    )
    # email still works without it
    proc = run("subscribe", "desk@example.org", "--all")
    assert proc.returncode == 0, proc.stderr


def test_a_dry_run_shows_each_channel_and_sends_nothing(db, archive, config, receiver):
    add_subscription(db, f"json://127.0.0.1:{receiver.port}/apprise")
    add_subscription(db, receiver.url + "/hook")
    a = archive.track("https://meridian.example/a")
    archive.edit(a, T0, headline="New headline")
    preview = send_due_reports(config, now=LATER, database=db, dry_run=True)
    chat, hook = preview.messages
    assert chat.outcome == hook.outcome == "dry-run"
    assert chat.text.startswith("Army retakes Palmyra after three-month siege → New headline")
    assert json.loads(hook.text)["data"]["changes"][0]["article"]["headline"]["new"] == (
        "New headline"
    )
    assert receiver.received == []
    # nothing was recorded: the real run sends both
    assert send_due_reports(config, now=LATER, database=db).sent == 2
    assert len(receiver.received) == 2
