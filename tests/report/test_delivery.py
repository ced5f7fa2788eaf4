"""Delivery against a real SMTP server on 127.0.0.1 (aiosmtpd), and the Maildir default."""

from __future__ import annotations

import mailbox
import ssl
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from archive.enums import DeliveryMode
from archive.errors import ConfigError, DeliveryError
from archive.report import outbox
from archive.report.subscriptions import Scope, subscribe
from scheduler.mail import MaildirTransport, Security, SMTPTransport, transport_from_config
from scheduler.reports import next_digest_at, send_due_reports
from tests.report.conftest import T0, MailSink, free_port, make_config, reworded

LATER = T0 + timedelta(minutes=5)


def subscribe_all(db, email="reader@example.org", mode=DeliveryMode.IMMEDIATE):
    with db.session() as session:
        subscription, _ = subscribe(
            session, email, Scope("all"), now=T0 - timedelta(hours=1), mode=mode
        )
        return subscription.id


def status(db):
    with db.session() as session:
        return outbox.delivery_status(session)


def test_one_change_is_mailed_once_through_smtp(db, archive, data_dir, smtp_server):
    config = make_config(data_dir, **smtp_server.env())
    a = archive.track("https://meridian.example/world/palmyra")
    subscribe_all(db)
    archive.recapture(a)
    summary = send_due_reports(config, now=LATER, database=db)
    assert (summary.queued, summary.sent, summary.retrying) == (1, 1, 0)
    [message] = smtp_server.sink.parsed()
    assert smtp_server.sink.recipients == [["reader@example.org"]]
    assert message["Message-ID"] == summary.messages[0].message_id
    html = message.get_body(("html",)).get_content()
    assert "https://viewer.example/articles/1/diff/1..2" in html
    # a second run owes nothing and sends nothing
    again = send_due_reports(config, now=LATER + timedelta(hours=1), database=db)
    assert (again.queued, again.sent) == (0, 0)
    assert len(smtp_server.sink.messages) == 1
    assert status(db)["sent"] == 1


def test_temporary_refusal_is_retried_with_backoff_and_then_delivered(
    db, archive, data_dir, smtp_server
):
    config = make_config(data_dir, REDLINE_MAIL_RETRY_BASE_S="60", **smtp_server.env())
    a = archive.track("https://meridian.example/a")
    subscribe_all(db)
    archive.edit(a, T0, headline="New headline")
    smtp_server.sink.replies = ["451 4.3.0 Mailbox busy, try again", "452 4.3.1 Still busy"]
    first = send_due_reports(config, now=LATER, database=db)
    assert first.retrying == 1 and "451" in first.messages[0].error
    shown = status(db)
    assert shown["retrying"] == 1 and shown["recent_errors"][0]["error"].endswith("try again")
    # not before the backoff has passed (60 s after the first try)...
    assert send_due_reports(config, now=LATER + timedelta(seconds=30), database=db).messages == ()
    second = send_due_reports(config, now=LATER + timedelta(seconds=61), database=db)
    assert second.retrying == 1
    # ...and the second wait is twice as long
    assert (
        send_due_reports(config, now=LATER + timedelta(seconds=61 + 90), database=db).messages == ()
    )
    third = send_due_reports(config, now=LATER + timedelta(seconds=61 + 121), database=db)
    assert third.sent == 1
    assert len(smtp_server.sink.messages) == 1
    assert (status(db)["sent"], status(db)["retrying"], status(db)["recent_errors"]) == (1, 0, [])


def test_permanent_refusal_is_not_retried(db, archive, data_dir, smtp_server):
    config = make_config(data_dir, **smtp_server.env())
    a = archive.track("https://meridian.example/a")
    subscribe_all(db)
    archive.edit(a, T0, headline="New headline")
    smtp_server.sink.replies = ["550 5.1.1 No such mailbox"]
    assert send_due_reports(config, now=LATER, database=db).failed == 1
    assert send_due_reports(config, now=LATER + timedelta(days=1), database=db).messages == ()
    shown = status(db)
    assert shown["failed"] == 1 and "550" in shown["recent_errors"][0]["error"]
    assert smtp_server.sink.messages == []


def test_attempts_run_out(db, archive, data_dir, smtp_server):
    config = make_config(data_dir, REDLINE_MAIL_MAX_ATTEMPTS="2", **smtp_server.env())
    a = archive.track("https://meridian.example/a")
    subscribe_all(db)
    archive.edit(a, T0, headline="New headline")
    smtp_server.sink.replies = ["421 4.7.0 Go away"] * 2
    assert send_due_reports(config, now=LATER, database=db).retrying == 1
    assert send_due_reports(config, now=LATER + timedelta(hours=1), database=db).failed == 1
    assert status(db)["failed"] == 1


def test_digest_batches_three_changes_into_one_message(db, archive, data_dir, smtp_server):
    config = make_config(
        data_dir,
        REDLINE_DIGEST_HOUR="7",
        REDLINE_DIGEST_TIMEZONE="Europe/Paris",
        **smtp_server.env(),
    )
    a = archive.track("https://meridian.example/a")
    b = archive.track("https://other.example/b")
    subscribe_all(db, "daily@example.org", DeliveryMode.DAILY)
    changes = [
        archive.edit(a, T0, headline="Syrian regime recaptures Palmyra"),
        archive.edit(b, T0 + timedelta(hours=2), paragraphs=reworded(1, "Engineers", "Sappers")),
        archive.edit(a, T0 + timedelta(hours=5), paragraphs=reworded(0, "Thursday", "Friday")),
    ]
    # during the day (and just before 07:00 Paris = 06:00 UTC next day): nothing goes out
    for hour in (1, 6, 20):
        assert send_due_reports(config, now=T0 + timedelta(hours=hour), database=db).messages == ()
    boundary = T0.replace(hour=6) + timedelta(days=1)
    assert send_due_reports(config, now=boundary - timedelta(seconds=1), database=db).messages == ()
    late = archive.edit(b, boundary + timedelta(minutes=10), headline="After the boundary")
    summary = send_due_reports(config, now=boundary + timedelta(minutes=30), database=db)
    assert (summary.digests, summary.sent) == (1, 1)
    [message] = smtp_server.sink.parsed()
    assert message["X-Redline-Changes"].split() == [str(c) for c in changes]
    assert message["Subject"].startswith(
        "[daily digest] 2 articles changed: headline rewritten on"
        " 'Syrian regime recaptures Palmyra'"
    )
    text = message.get_body(("plain",)).get_content()
    assert text.index("== meridian.example ==") < text.index("== other.example ==")
    assert "{+Sappers+}" in text and "{+Friday+}" in text and "After the boundary" not in text
    # the change after the boundary waits for the next day's digest
    assert send_due_reports(config, now=boundary + timedelta(hours=23), database=db).messages == ()
    nxt = send_due_reports(config, now=boundary + timedelta(days=1), database=db)
    assert nxt.sent == 1
    assert smtp_server.sink.parsed()[1]["X-Redline-Changes"] == str(late)


def test_hourly_digest_and_next_digest_time(db, archive, data_dir, smtp_server):
    config = make_config(data_dir, **smtp_server.env())
    a = archive.track("https://meridian.example/a")
    subscribe_all(db, "hourly@example.org", DeliveryMode.HOURLY)
    archive.edit(a, T0 + timedelta(minutes=10), headline="One")
    archive.edit(a, T0 + timedelta(minutes=20), headline="Two")
    assert send_due_reports(config, now=T0 + timedelta(minutes=59), database=db).messages == ()
    assert send_due_reports(config, now=T0 + timedelta(minutes=61), database=db).sent == 1
    assert next_digest_at(config, T0 + timedelta(minutes=61)) == T0 + timedelta(hours=2)


def test_maildir_default_writes_messages_the_mailbox_module_reads(db, archive, data_dir):
    config = make_config(data_dir)
    assert isinstance(transport_from_config(config), MaildirTransport)
    a = archive.track("https://meridian.example/a")
    subscribe_all(db)
    subscribe_all(db, "second@example.org")
    archive.edit(a, T0, headline="Syrian regime recaptures Palmyra")
    assert send_due_reports(config, now=LATER, database=db).sent == 2
    box = mailbox.Maildir(data_dir / "Maildir", create=False)
    messages = sorted(box, key=lambda m: m["Delivered-To"])
    assert [m["Delivered-To"] for m in messages] == ["reader@example.org", "second@example.org"]
    for message in messages:
        assert message["Subject"] == "Headline rewritten on 'Syrian regime recaptures Palmyra'"
        assert message.is_multipart()
        assert [p.get_content_type() for p in message.get_payload()] == ["text/plain", "text/html"]
    assert list((data_dir / "Maildir" / "tmp").iterdir()) == []


def test_settings_choose_the_transport(data_dir):
    smtp = transport_from_config(
        make_config(
            data_dir,
            REDLINE_SMTP_HOST="mail.example",
            REDLINE_SMTP_SECURITY="SSL",
            REDLINE_SMTP_USER="u",
        )
    )
    assert isinstance(smtp, SMTPTransport)
    assert (smtp.host, smtp.port, smtp.security, smtp.user) == (
        "mail.example",
        465,
        Security.SSL,
        "u",
    )
    plain = transport_from_config(
        make_config(data_dir, REDLINE_SMTP_HOST="relay", REDLINE_SMTP_SECURITY="none")
    )
    assert (plain.port, plain.security) == (25, Security.NONE)
    starttls = transport_from_config(
        make_config(data_dir, REDLINE_SMTP_HOST="relay", REDLINE_SMTP_PORT="2525")
    )
    assert (starttls.port, starttls.security) == (2525, Security.STARTTLS)
    with pytest.raises(ConfigError, match="smtp_security"):
        transport_from_config(
            make_config(data_dir, REDLINE_SMTP_HOST="relay", REDLINE_SMTP_SECURITY="tls1")
        )
    with pytest.raises(ConfigError, match="mail_from"):
        send_due_reports(make_config(data_dir, REDLINE_MAIL_FROM="nobody"), now=T0)


class Authenticator:
    def __init__(self):
        self.logins = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        login = (_text(auth_data.login), _text(auth_data.password))
        self.logins.append(login)
        # handled=False: aiosmtpd then sends the 235 / 535 reply itself
        return AuthResult(success=login == ("redline", "s3cret"), handled=False)


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def _client_tls(tls_files):
    return ssl.create_default_context(cafile=str(tls_files.cert))


def _server_tls(tls_files):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(tls_files.cert), str(tls_files.key))
    return context


@pytest.mark.parametrize("security", [Security.STARTTLS, Security.SSL])
def test_tls_and_authentication(db, archive, data_dir, tls_files, security):
    sink, auth, port = MailSink(), Authenticator(), free_port()
    options = {"authenticator": auth, "auth_required": True}
    if security is Security.STARTTLS:
        options |= {"tls_context": _server_tls(tls_files), "require_starttls": True}
    else:
        # aiosmtpd does not see implicit TLS as TLS: it must be told to offer AUTH, and then
        # warns about requiring it (the client logs in all the same)
        options |= {
            "ssl_context": _server_tls(tls_files),
            "server_hostname": "127.0.0.1",
            "auth_require_tls": False,
            "auth_required": False,
        }
    controller = Controller(sink, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        a = archive.track("https://meridian.example/a")
        subscribe_all(db)
        archive.edit(a, T0, headline="New headline")
        config = make_config(data_dir)
        wrong = SMTPTransport(
            "127.0.0.1",
            port,
            security=security,
            user="redline",
            password="wrong",
            tls_context=_client_tls(tls_files),
        )
        failed = send_due_reports(config, now=LATER, database=db, transport=wrong)
        assert failed.retrying == 1  # a bad password is a setting to fix, not a lost report
        assert "535" in failed.messages[0].error
        right = SMTPTransport(
            "127.0.0.1",
            port,
            security=security,
            user="redline",
            password="s3cret",
            tls_context=_client_tls(tls_files),
        )
        sent = send_due_reports(
            config, now=LATER + timedelta(hours=1), database=db, transport=right
        )
        assert sent.sent == 1
        assert len(sink.messages) == 1
        assert auth.logins[-1] == ("redline", "s3cret")
        # an untrusted certificate is refused (temporary: the report stays due)
        with pytest.raises(DeliveryError) as info:
            SMTPTransport(
                "127.0.0.1", port, security=security, tls_context=ssl.create_default_context()
            ).send(sink.parsed()[0], sender="a@b.example", recipients=["c@d.example"])
        assert not info.value.permanent
    finally:
        controller.stop()


def test_unreachable_server_is_a_temporary_failure():
    with pytest.raises(DeliveryError) as info:
        SMTPTransport("127.0.0.1", free_port(), security=Security.NONE, timeout_s=5).send(
            __import__("email.message").message.EmailMessage(),
            sender="a@b.example",
            recipients=["c@d.example"],
        )
    assert not info.value.permanent and "cannot connect" in str(info.value)
