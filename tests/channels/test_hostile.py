"""A hostile headline (markup, CR/LF, Slack and Markdown mention syntax, a script) reaches every
channel neutralised: email (the Maildir), a webhook and Apprise (json://).  And the chat
text is cut to a channel's limit with an "and N more edits" line."""

from __future__ import annotations

import email
import email.policy
import json
import mailbox
from datetime import UTC, datetime, timedelta

import pytest

from archive.diff.records import ChangeRecord, Edit, Summary
from archive.enums import DeliveryMode, EditKind
from archive.report.chat_text import chat_message, neutralise
from archive.report.items import Envelope, Recipient, ReportItem
from scheduler.reports import send_due_reports
from tests.channels.conftest import HOSTILE_HEADLINE, add_subscription
from tests.report.conftest import PARAGRAPHS, T0

LATER = T0 + timedelta(minutes=5)
#: What must never reach a channel as such.
LIVE = ("<!channel>", "@everyone", "@here", "<b>", "<script>", "](https://evil", "\r")


def assert_inert(text: str) -> None:
    for live in LIVE:
        assert live not in text, (live, text)


def test_a_hostile_headline_is_neutralised_on_every_channel(db, archive, config, receiver):
    pytest.importorskip("apprise")
    a = archive.track("https://meridian.example/a")
    add_subscription(db, "desk@example.org")
    add_subscription(db, receiver.url + "/hook")
    add_subscription(db, f"json://127.0.0.1:{receiver.port}/apprise")
    archive.edit(
        a,
        T0,
        headline=HOSTILE_HEADLINE,
        paragraphs=(
            PARAGRAPHS[0] + " <!here> @channel <img src=x onerror=alert(1)>",
            *PARAGRAPHS[1:],
        ),
    )
    summary = send_due_reports(config, now=LATER, database=db)
    assert summary.sent == 3, summary
    # email: one-line subject, no injected header, markup escaped in the HTML part
    [raw] = [bytes(m) for m in mailbox.Maildir(config.data_dir / "Maildir").values()]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert "\n" not in str(message["Subject"]) and message["Bcc"] is None
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "<b>Breaking" not in html and "&lt;script&gt;" in html
    # webhook: the bytes carry no markup and no raw line break; the data is the text as it is
    hook = next(r for r in receiver.received if r.path == "/hook")
    assert b"<" not in hook.body and b"\r" not in hook.body and b"\n" not in hook.body
    [change] = json.loads(hook.body)["data"]["changes"]
    assert change["article"]["headline"]["new"] == HOSTILE_HEADLINE
    assert_inert(change["text"])
    # Apprise: title and body inert
    chat = next(r for r in receiver.received if r.path == "/apprise").json()
    assert_inert(chat["title"])
    assert_inert(chat["message"])
    assert "\n" not in chat["title"]
    assert "＠everyone" in chat["message"] and "‹!channel›" in chat["message"]
    assert "‹img src=x onerror=alert(1)›" in chat["message"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!channel> hi", "‹!channel› hi"),
        ("ping @everyone and @here", "ping ＠everyone and ＠here"),
        ("mail desk@example.org", "mail desk@example.org"),
        ("a\r\nBcc: b\u2028c", "a Bcc: b c"),
        ("[x](javascript:alert(1))", "[x] (javascript:alert(1))"),
        ("@\u200beveryone", "＠everyone"),  # an invisible character does not get it through
        ("<@U024BE7LH>", "‹＠U024BE7LH›"),
    ],
)
def test_neutralise(text, expected):
    assert neutralise(text) == expected


def many_edits(n: int) -> ChangeRecord:
    edits = tuple(
        Edit(
            kind=EditKind.PARAGRAPH_CHANGED,
            old=f"Paragraph {i} said one thing about the siege of the city.",
            new=f"Paragraph {i} now says another thing about the siege of the city.",
            words=(
                (0, f"Paragraph {i} "),
                (-1, "said one"),
                (1, "now says another"),
                (0, " thing"),
            ),
        )
        for i in range(n)
    )
    return ChangeRecord(edits, Summary(counts=((EditKind.PARAGRAPH_CHANGED, n),)))


def item(n: int, change_id: int = 1) -> ReportItem:
    return ReportItem(
        change_id=change_id,
        url_id=change_id,
        url=f"https://meridian.example/{change_id}",
        site="meridian.example",
        from_version=1,
        to_version=2,
        old_headline="Old headline",
        new_headline="New headline",
        detected_at=datetime(2026, 3, 5, tzinfo=UTC),
        record=many_edits(n),
    )


RECIPIENT = Recipient(email="x", token="t", mode=DeliveryMode.IMMEDIATE, scope="all")
ENVELOPE = Envelope("r@x.org", "<m@x.org>", datetime(2026, 3, 5, tzinfo=UTC), "https://v.example")


@pytest.mark.parametrize("limit", [400, 700, 1500])
def test_the_body_is_cut_to_the_limit_with_a_count_of_the_rest(limit):
    message = chat_message(RECIPIENT, [item(30)], ENVELOPE, limit=limit)
    assert len(message.body) <= limit
    lines = message.body.splitlines()
    assert lines[0] == "Old headline → New headline"
    assert lines[-1] == "Diff: https://v.example/articles/1/diff/1..2"
    shown = sum("{+now says another+}" in line for line in lines)
    assert 0 < shown < 30
    assert lines[-2] == f"and {30 - shown} more edits"


def test_a_body_that_fits_is_whole():
    message = chat_message(RECIPIENT, [item(3)], ENVELOPE, limit=4000)
    assert "more edit" not in message.body
    assert message.body.count("{+now says another+}") == 3


def test_a_digest_that_does_not_fit_counts_the_changes_left_out():
    items = [item(2, change_id=n) for n in range(1, 20)]
    digest = Recipient(email="x", token="t", mode=DeliveryMode.DAILY, scope="all")
    message = chat_message(digest, items, ENVELOPE, limit=1000)
    assert len(message.body) <= 1000
    assert message.title.startswith("[daily digest]")
    assert message.body.splitlines()[-1].startswith("and ")
    assert "more changes" in message.body
    assert "https://v.example/articles/1/diff/1..2" in message.body
