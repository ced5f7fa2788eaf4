"""A paragraph the page prints twice in a row is extracted twice (archive/extract/repeats.py).

trafilatura drops an element of more than 50 characters equal to the one before it, so a
paragraph printed twice by a publishing slip, then fixed, extracted alike on both fetches and
the fix made no version.  Each test has its twin: the page's own repeat is kept and its fix
is a removed paragraph; a paragraph printed once is never doubled.
"""

from __future__ import annotations

from archive.diff import compare
from archive.enums import EditKind
from archive.extract import Article, extract_article
from archive.extract.repeats import restore_repeats

URL = "https://www.northport-gazette.example/news/2024/05/ferry-timetable"

OPENING = (
    "The harbour board has published the ferry timetable for the summer months, with two "
    "extra crossings on Saturdays from the first of June."
)
REPEATED = (
    "Passengers with tickets bought before the change can travel on any crossing of the same "
    "day without paying a fee."
)
CLOSING = (
    "The board said the winter timetable would be announced in September, after a review of "
    "the number of passengers on the late crossings."
)


def page(*paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return (
        "<html><head><title>Summer ferry timetable - Northport Gazette</title></head><body>"
        '<header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>'
        f"<article><h1>Summer ferry timetable</h1>\n{body}</article>"
        "<footer><p>Northport Gazette, 1 Quay Street</p></footer></body></html>"
    )


def extract(*paragraphs: str) -> Article:
    return extract_article(page(*paragraphs), URL)


def test_a_paragraph_printed_twice_in_a_row_is_extracted_twice() -> None:
    article = extract(OPENING, REPEATED, REPEATED, CLOSING)
    assert article.paragraphs.count(REPEATED) == 2
    assert list(article.paragraphs) == [OPENING, REPEATED, REPEATED, CLOSING]


def test_twin_a_paragraph_printed_once_is_extracted_once() -> None:
    article = extract(OPENING, REPEATED, CLOSING)
    assert list(article.paragraphs) == [OPENING, REPEATED, CLOSING]


def test_the_fix_of_a_repeated_paragraph_is_a_removed_paragraph() -> None:
    before = extract(OPENING, REPEATED, REPEATED, CLOSING)
    after = extract(OPENING, REPEATED, CLOSING)
    assert before.content_hash != after.content_hash
    kinds = [edit.kind for edit in compare(before, after).edits]
    assert kinds == [EditKind.PARAGRAPH_REMOVED], kinds


def test_twin_the_same_repeat_on_both_fetches_is_no_new_version() -> None:
    before = extract(OPENING, REPEATED, REPEATED, CLOSING)
    again = extract(OPENING, REPEATED, REPEATED, CLOSING)
    assert before.content_hash == again.content_hash


def test_a_text_printed_in_two_places_is_left_as_extracted() -> None:
    # Only a text the page prints in one run is restored, and only where the extraction keeps
    # it in one run: an extraction that already has it twice, or apart, is not touched.
    runs = {REPEATED: 2}
    assert restore_repeats((OPENING, REPEATED, CLOSING), runs) == (
        OPENING,
        REPEATED,
        REPEATED,
        CLOSING,
    )
    assert restore_repeats((REPEATED, REPEATED, CLOSING), runs) == (REPEATED, REPEATED, CLOSING)
    apart = (REPEATED, OPENING, REPEATED)
    assert restore_repeats(apart, runs) == apart
    assert restore_repeats((OPENING, CLOSING), runs) == (OPENING, CLOSING)
