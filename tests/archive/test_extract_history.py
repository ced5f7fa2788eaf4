"""A page's own change history (GOV.UK "Updates to this page"): read, taken out of the body,
one ``Update (<day>): <note>`` paragraph per note, and its times used for published/updated.
Markup modelled on GOV.UK's (OGL v3.0 page template; the notes are made up)."""

from __future__ import annotations

from datetime import UTC, datetime

from archive.diff import compare
from archive.diff.notes import is_note
from archive.extract import extract_article

BODY = "".join(
    f"<p>Paragraph {i} of the announcement says something long enough to count as text for"
    f" the extractor, with a few more words to be safe.</p>"
    for i in range(4)
)


def page(*entries: tuple[str, str, str], marked: bool = True) -> str:
    items = "".join(
        f'<li class="app-c-published-dates__change-item"><time class="app-c-published-dates'
        f'__change-date timestamp" datetime="{when}">{day}</time>'
        + (f'<p class="app-c-published-dates__change-note">{note}</p>' if marked else note)
        + "</li>"
        for when, day, note in entries
    )
    return (
        "<html><head><title>Embassy events - GOV.UK</title></head><body><main>"
        f"<h1>Embassy events</h1><div class='govspeak'>{BODY}</div>"
        '<div class="app-c-published-dates app-c-published-dates--history" id="history">'
        "Published 12 February 2019 Last updated 7 October 2019"
        '<a href="#full-history">+ show all updates</a>'
        f'<div class="app-c-published-dates__change-history" id="full-history"><ol>{items}</ol>'
        "</div></div></main></body></html>"
    )


FIRST = ("2019-02-12T16:02:00.000+00:00", "12 February 2019", "First published.")
MOVED = ("2019-10-07T09:22:01.000+01:00", "7 October 2019", "Event moved to 22 October.")
ADDED = ("2020-01-20T12:17:32.000+00:00", "20 January 2020", "Added translation")


def test_history_becomes_note_paragraphs_and_timestamps() -> None:
    article = extract_article(page(MOVED, FIRST), "https://www.gov.uk/news/x")
    assert article.paragraphs[-1] == "Update (7 October 2019): Event moved to 22 October."
    assert not any("show all updates" in p or "First published" in p for p in article.paragraphs)
    assert article.published_at == datetime(2019, 2, 12, 16, 2, tzinfo=UTC)
    assert article.updated_at == datetime(2019, 10, 7, 8, 22, 1, tzinfo=UTC)
    assert is_note(article.paragraphs[-1])


def test_first_published_only_is_not_an_update() -> None:
    article = extract_article(page(FIRST), "https://www.gov.uk/news/x")
    assert article.updated_at is None
    assert not any(p.startswith("Update") for p in article.paragraphs)


def test_old_markup_without_note_elements_reads_the_same() -> None:
    marked = extract_article(page(MOVED, FIRST), "https://www.gov.uk/news/x")
    bare = extract_article(page(MOVED, FIRST, marked=False), "https://www.gov.uk/news/x")
    assert marked == bare


def test_a_new_note_is_a_correction_note_edit() -> None:
    old = extract_article(page(MOVED, FIRST), "https://www.gov.uk/news/x")
    new = extract_article(page(ADDED, MOVED, FIRST), "https://www.gov.uk/news/x")
    record = compare(old, new)
    assert record.kinds() == {"updated": 1, "paragraph_added": 1, "correction_note": 1}
    notes = [e.new for e in record.edits if e.kind.value == "correction_note"]
    assert notes == ["Update (20 January 2020): Added translation"]
    # control: the same history twice is no change at all
    assert compare(old, extract_article(page(MOVED, FIRST), "https://www.gov.uk/x")).is_empty


def test_a_note_worded_like_an_earlier_one_is_still_a_new_note() -> None:
    # the same words on the same day, a few minutes apart: GOV.UK pages show both entries
    again = ("2020-01-20T12:31:02.000+00:00", "20 January 2020", "Added translation")
    old = extract_article(page(ADDED, MOVED, FIRST), "https://www.gov.uk/news/x")
    new = extract_article(page(again, ADDED, MOVED, FIRST), "https://www.gov.uk/news/x")
    assert new.paragraphs.count("Update (20 January 2020): Added translation") == 2
    record = compare(old, new)
    assert record.kinds() == {"updated": 1, "paragraph_added": 1, "correction_note": 1}
    # control: an entry the page shows twice (same time, same words) is one note
    twice = extract_article(page(ADDED, ADDED, MOVED, FIRST), "https://www.gov.uk/news/x")
    assert twice == old
