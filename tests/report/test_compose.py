"""Composition, pure: both parts, headline old → new, highlights, bounds, headers, escaping."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from archive.diff import compare
from archive.enums import DeliveryMode
from archive.report.compose import compose_report
from archive.report.headers import clean_header_text, subject_for
from archive.report.items import Envelope, Recipient, ReportItem
from tests.report.conftest import ARTICLE, PARAGRAPHS, reworded

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
ENVELOPE = Envelope(
    "redline <reports@news.example>", "<redline.7.abc@news.example>", NOW, "https://viewer.example/"
)
RECIPIENT = Recipient(
    "reader@example.org", "tok-123", DeliveryMode.IMMEDIATE, "site", "meridian.example"
)
HOSTILE = 'Mayor <script>alert("x")</script> resigns\r\nBcc: victim@example.com'


def item(change_id=7, url_id=3, site="meridian.example", **changes) -> ReportItem:
    new = replace(ARTICLE, **changes)
    return ReportItem(
        change_id=change_id,
        url_id=url_id,
        url=f"https://{site}/world/palmyra",
        site=site,
        from_version=1,
        to_version=2,
        old_headline=ARTICLE.headline,
        new_headline=new.headline,
        detected_at=NOW,
        record=compare(ARTICLE, new),
    )


def parse(message):
    raw = message.as_bytes()
    return email.message_from_bytes(raw, policy=email.policy.default), raw


def test_report_has_text_and_html_parts_with_headline_highlights_and_link():
    change = item(
        headline="Syrian regime recaptures Palmyra",
        paragraphs=reworded(0, "taken back", "recaptured"),
    )
    parsed, _ = parse(compose_report(RECIPIENT, [change], ENVELOPE))
    assert parsed.get_content_type() == "multipart/alternative"
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    link = "https://viewer.example/articles/3/diff/1..2"
    for body in (text, html):
        assert "Army retakes Palmyra after three-month siege" in body
        assert "Syrian regime recaptures Palmyra" in body
        assert link in body
    assert "[-taken back-]{+recaptured+}" in text
    assert re.search(
        r"<del [^>]*>Army retakes Palmyra after three-month siege</del> → "
        r"<ins [^>]*>Syrian regime recaptures Palmyra</ins>",
        html,
    )
    assert re.search(r"<ins [^>]*>recaptured</ins>", html)
    assert re.search(r"<del [^>]*>taken back</del>", html)
    assert "Paragraph 1 changed" in html and "Paragraph 1 changed" in text
    # the summary describes the whole change, although the headline edit is shown as the heading
    summary = "Major change: 1 headline change, 1 paragraph changed;"
    assert summary in text and summary in html
    assert "Headline changed" not in text and "Headline changed" not in html
    assert parsed["Subject"] == "Headline rewritten on 'Syrian regime recaptures Palmyra'"
    # control: an unchanged headline is shown once, without old -> new
    same, _ = parse(
        compose_report(RECIPIENT, [item(paragraphs=reworded(0, "Thursday", "Friday"))], ENVELOPE)
    )
    assert "  -> " not in same.get_body(("plain",)).get_content()
    assert same["Subject"].startswith("Minor edit to 'Army retakes Palmyra")


def test_headers_carry_unsubscribe_and_the_given_message_id():
    parsed, _ = parse(compose_report(RECIPIENT, [item(headline="New")], ENVELOPE))
    assert parsed["Message-ID"] == "<redline.7.abc@news.example>"
    assert parsed["List-Unsubscribe"] == "<https://viewer.example/unsubscribe/tok-123>"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["To"] == "reader@example.org"
    assert parsed["From"].addresses[0].addr_spec == "reports@news.example"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Date"].datetime == NOW


def test_hostile_headline_is_escaped_in_the_body_and_harmless_in_the_subject():
    change = item(headline=HOSTILE, paragraphs=(*PARAGRAPHS, "<img src=x onerror=alert(1)>"))
    message = compose_report(RECIPIENT, [change], ENVELOPE)
    parsed, raw = parse(message)
    # one Subject line, no Bcc header, no recipient smuggled in
    assert parsed.get_all("Bcc") is None
    assert len(parsed.get_all("Subject")) == 1
    assert not re.search(rb"^Bcc:", raw, re.MULTILINE | re.IGNORECASE)
    subject = parsed["Subject"]
    assert "\r" not in subject and "\n" not in subject
    assert subject.startswith("Headline rewritten on 'Mayor <script>")  # text, not markup
    html = parsed.get_body(("html",)).get_content()
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    text = parsed.get_body(("plain",)).get_content()
    assert "\nBcc:" not in text  # the headline stays on its line in the text part too


def test_header_cleaning_degrades_instead_of_failing():
    assert clean_header_text("a\r\nb\tc\x00d\u2028e\u202ef") == "a b c d ef"
    assert clean_header_text("") == ""
    long = clean_header_text("word " * 100)
    assert len(long) <= 202 and long.endswith("…")
    # the raw value really would crash the policy: this is what cleaning prevents
    raw = email.message.EmailMessage(policy=email.policy.SMTP)
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        raw["Subject"] = HOSTILE


def test_html_part_is_self_contained():
    change = item(headline="New", paragraphs=reworded(0, "taken back", "recaptured"))
    parsed, _ = parse(compose_report(RECIPIENT, [change], ENVELOPE))
    html = parsed.get_body(("html",)).get_content()
    assert "<script" not in html and "<style" not in html and "<link" not in html
    assert "src=" not in html  # no images, nothing fetched
    assert not re.search(r"""(?:href|src)=["'](?!https?://|mailto:)""", html)
    assert not re.search(r"\bon[a-z]+=", html)
    for tag in re.findall(r"<(ins|del|p|h3|h4)\b[^>]*>", html):
        assert tag  # every highlight and paragraph tag...
    assert all("style=" in t for t in re.findall(r"<(?:ins|del|h3|h4)\b[^>]*>", html))


def test_many_edits_are_bounded_with_a_count_of_the_rest():
    long_paragraphs = tuple(
        f"Paragraph number {i} says something about the siege, " * 30 for i in range(12)
    )
    old = replace(ARTICLE, paragraphs=long_paragraphs)
    new = replace(old, paragraphs=tuple(p.replace("siege", "blockade", 1) for p in long_paragraphs))
    record = compare(old, new)
    assert len(record.edits) == 12
    change = replace(item(), record=record)
    parsed, _ = parse(compose_report(RECIPIENT, [change], ENVELOPE))
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "and 7 more edits" in text and "and 7 more edits" in html
    assert text.count("{+blockade+}") == 5
    assert len(text) < 6000  # 12 paragraphs of ~1,600 characters each were changed
    assert "…" in text


def test_subject_names_what_happened_across_articles():
    a = item(change_id=1, url_id=1, headline="Syrian regime recaptures Palmyra")
    b = item(change_id=2, url_id=2, paragraphs=reworded(0, "Thursday", "Friday"))
    c = item(change_id=3, url_id=3, paragraphs=PARAGRAPHS[:1])
    subject = subject_for([b, a, c])
    assert subject.startswith(
        "3 articles changed: headline rewritten on 'Syrian regime recaptures Palmyra', "
    )
    assert subject.endswith(" and 1 more")
    assert subject_for([a, replace(a, change_id=9)]).endswith("(2 changes)")


def test_digest_groups_articles_by_site():
    items = [
        item(change_id=1, url_id=1, site="b-news.example", headline="B one"),
        item(change_id=2, url_id=2, site="a-news.example", headline="A one"),
        item(change_id=3, url_id=3, site="b-news.example", headline="B two"),
    ]
    digest = replace(RECIPIENT, mode=DeliveryMode.DAILY)
    parsed, _ = parse(compose_report(digest, items, ENVELOPE))
    assert parsed["Subject"].startswith("[daily digest] 3 articles changed")
    text = parsed.get_body(("plain",)).get_content().partition("\n")[2]
    assert (
        text.index("== a-news.example ==")
        < text.index("A one")
        < text.index("== b-news.example ==")
        < text.index("B one")
        < text.index("B two")
    )
    html = parsed.get_body(("html",)).get_content()
    assert html.count("</h2>") == 2
    assert parsed["X-Redline-Changes"] == "1 2 3"


def test_an_empty_report_is_refused():
    with pytest.raises(ValueError, match="at least one change"):
        compose_report(RECIPIENT, [], ENVELOPE)
