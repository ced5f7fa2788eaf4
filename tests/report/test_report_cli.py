"""The whole flow through the CLI in subprocesses: subscribe, track, crawl, edit the page on a
local site, crawl, ``redline report`` through a real SMTP server, and the message parsed."""

from __future__ import annotations

import re

import pytest

from tests.pages import PARAGRAPHS, Story, serve

pytestmark = pytest.mark.slow

REWORDED = (PARAGRAPHS[0].replace("taken back", "recaptured"), *PARAGRAPHS[1:])


@pytest.fixture
def redline(redline_sqlite, smtp_server):
    redline_sqlite.env.update(
        smtp_server.env(),
        REDLINE_BASE_URL="https://viewer.example/redline",
        REDLINE_MAIL_FROM="redline <reports@meridian.example>",
    )
    return redline_sqlite


def test_subscriber_gets_one_correct_email_for_an_edited_article(redline, site, smtp_server):
    url = site.url("/world/palmyra")
    created = redline.json("subscribe", "reader@example.org", "--url", url)
    assert (created["scope"], created["target"], created["mode"], created["min_label"]) == (
        "url",
        url,
        "immediate",
        "minor",
    )
    serve(site, "/world/palmyra", Story())
    redline("track", url)
    redline.crawl()
    assert redline.json("report")["messages"] == []  # a first version is not a change
    serve(
        site,
        "/world/palmyra",
        Story().but(headline="Syrian regime recaptures Palmyra", paragraphs=REWORDED),
    )
    assert redline.crawl()["new_versions"] == 1
    summary = redline.json("report")
    assert summary["sent"] == 1
    [message] = smtp_server.sink.parsed()
    assert smtp_server.sink.recipients == [["reader@example.org"]]
    assert message["To"] == "reader@example.org"
    assert message["From"].addresses[0].addr_spec == "reports@meridian.example"
    assert message["Subject"] == "Headline rewritten on 'Syrian regime recaptures Palmyra'"
    assert message["Message-ID"].endswith("@meridian.example>")
    assert (
        message["List-Unsubscribe"]
        .strip()
        .startswith("<https://viewer.example/redline/unsubscribe/")
    )
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    text, page = plain.get_content(), html.get_content()
    assert "Army retakes Palmyra after three-month siege" in page
    assert re.search(r"<ins [^>]*>Syrian regime recaptures Palmyra</ins>", page)
    assert re.search(r"<del [^>]*>taken back</del><ins [^>]*>recaptured</ins>", page)
    assert "[-taken back-]{+recaptured+}" in text
    diff_link = "https://viewer.example/redline/articles/1/diff/1..2"
    assert f'href="{diff_link}"' in page and diff_link in text
    # sent once: another report run sends nothing, and the subscription shows it
    assert redline.json("report")["sent"] == 0
    [row] = redline.json("subscriptions")
    assert row["deliveries"] == {"due": 0, "sent": 1, "failed": 0}
    assert len(smtp_server.sink.messages) == 1


def test_dry_run_prints_and_records_nothing(redline, site, smtp_server):
    serve(site, "/a", Story())
    redline("track", site.url("/a"))
    redline.crawl()
    redline("subscribe", "reader@example.org", "--all")
    redline("subscribe", "other@example.org", "--site", "127.0.0.1", "--min", "major")
    serve(site, "/a", Story().but(paragraphs=REWORDED))
    redline.crawl()
    shown = redline("report", "--dry-run").stdout
    assert "Subject: Minor edit to 'Army retakes Palmyra after three-month siege'" in shown
    assert "[-taken back-]{+recaptured+}" in shown
    assert "other@example.org" not in shown  # a minor edit is below that subscriber's --min
    assert smtp_server.sink.messages == []
    assert [r["deliveries"]["due"] for r in redline.json("subscriptions")] == [0, 0]
    sent = redline.json("report", "--to", "reader@example.org")
    assert [m["to"] for m in sent["messages"]] == ["reader@example.org"]
    assert len(smtp_server.sink.messages) == 1


def test_hostile_headline_from_a_page_is_escaped(redline, site, smtp_server):
    hostile = "Palmyra <script>alert('x')</script> falls\r\nBcc: victim@example.com"
    serve(site, "/a", Story())
    redline("track", site.url("/a"))
    redline.crawl()
    redline("subscribe", "reader@example.org", "--all", "--only", "headline")
    serve(site, "/a", Story().but(headline=hostile))
    redline.crawl()
    assert redline.json("report")["sent"] == 1
    [raw] = smtp_server.sink.messages
    [message] = smtp_server.sink.parsed()
    assert not re.search(rb"^bcc:", raw, re.IGNORECASE | re.MULTILINE)
    assert smtp_server.sink.recipients == [["reader@example.org"]]
    assert "\n" not in message["Subject"] and "<script>alert('x')</script>" in message["Subject"]
    page = message.get_body(("html",)).get_content()
    assert "<script" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_subscription_commands_validate_and_unsubscribe(redline):
    for args in (
        ["subscribe", "not-an-address", "--all"],
        ["subscribe", "reader@example.org"],
        ["subscribe", "reader@example.org", "--all", "--tag", "syria"],
        ["subscribe", "reader@example.org", "--url", "ftp://example.org/a"],
        ["unsubscribe", "nobody@example.org"],
    ):
        proc = redline(*args, check=False)
        assert proc.returncode != 0, args
        assert proc.stderr.startswith(("redline: error:", "Usage:")), proc.stderr
        assert "Traceback" not in proc.stderr
    redline("subscribe", "reader@example.org", "--tag", "syria", "--mode", "daily")
    redline("subscribe", "reader@example.org", "--site", "https://www.Meridian.example/x")
    rows = redline.json("subscriptions")
    assert [(r["scope"], r["target"], r["mode"]) for r in rows] == [
        ("tag", "syria", "daily"),
        ("site", "meridian.example", "immediate"),
    ]
    table = redline("subscriptions").stdout
    assert "syria" in table and "daily" in table and "0/0/0" in table
    [ended] = redline.json("unsubscribe", "reader@example.org", "--tag", "syria")
    assert ended["active"] is False
    assert [r["scope"] for r in redline.json("subscriptions")] == ["site"]
    assert len(redline.json("subscriptions", "--inactive")) == 2
