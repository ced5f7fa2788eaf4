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
from archive.extract.parse import parse_page
from archive.extract.repeats import repeated_runs, restore_repeats

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


# chrome that comes and goes between fetches: a lazy-load slot left empty, and a rotating
# "most read" box beside the article that carries the repeated text on one fetch
PLACEHOLDER = '<div class="lazyload-slot" data-slot="inline-2"></div>'
ROTATING_BOX = (
    '<aside class="most-read"><h2>Most read</h2>'
    f"<ul><li><p>{REPEATED}</p></li><li><p>Lifeboat crew called out twice in one night</p>"
    "</li></ul></aside>"
)


def page(*paragraphs: str, aside: str = "") -> str:
    """The article's page; a paragraph given as ``<...>`` is markup, put there as it is."""
    body = "".join(p if p.startswith("<") else f"<p>{p}</p>\n" for p in paragraphs)
    return (
        "<html><head><title>Summer ferry timetable - Northport Gazette</title></head><body>"
        '<header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>'
        f"<article><h1>Summer ferry timetable</h1>\n{body}</article>{aside}"
        "<footer><p>Northport Gazette, 1 Quay Street</p></footer></body></html>"
    )


def extract(*paragraphs: str, aside: str = "") -> Article:
    return extract_article(page(*paragraphs, aside=aside), URL)


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


def test_twin_the_repeat_with_other_chrome_on_the_next_fetch_is_no_new_version() -> None:
    # fetch 2 has an empty placeholder between the copies and a box beside the article
    # carrying the same text: neither is an edit of the article, and the copies stay two
    before = extract(OPENING, REPEATED, REPEATED, CLOSING)
    again = extract(OPENING, REPEATED, PLACEHOLDER, REPEATED, CLOSING, aside=ROTATING_BOX)
    assert list(again.paragraphs) == [OPENING, REPEATED, REPEATED, CLOSING]
    assert before.content_hash == again.content_hash
    # each change alone, and the other way round
    assert extract(OPENING, REPEATED, PLACEHOLDER, REPEATED, CLOSING) == before
    assert extract(OPENING, REPEATED, REPEATED, CLOSING, aside=ROTATING_BOX) == before
    first = extract(OPENING, REPEATED, PLACEHOLDER, REPEATED, CLOSING, aside=ROTATING_BOX)
    assert extract(OPENING, REPEATED, REPEATED, CLOSING) == first


def test_the_fix_of_a_repeat_is_found_whatever_the_chrome_around_it() -> None:
    # the twin of the test above: the same chrome changes, and the repeat really fixed
    before = extract(OPENING, REPEATED, PLACEHOLDER, REPEATED, CLOSING)
    after = extract(OPENING, REPEATED, CLOSING, aside=ROTATING_BOX)
    assert list(after.paragraphs) == [OPENING, REPEATED, CLOSING]
    kinds = [edit.kind for edit in compare(before, after).edits]
    assert kinds == [EditKind.PARAGRAPH_REMOVED], kinds


def test_what_a_reader_sees_nothing_of_does_not_break_a_run() -> None:
    for between in (
        "<!-- ad slot -->",
        "<script>window.ads = window.ads || [];</script>",
        '<div class="ad-x"><span> </span></div>',
        '<img src="/img/ferry.jpg" alt="">',
        '<figure><img src="/img/ferry.jpg" alt=""></figure>',
    ):
        article = extract(OPENING, REPEATED, between, REPEATED, CLOSING)
        assert list(article.paragraphs) == [OPENING, REPEATED, REPEATED, CLOSING], between


def test_twin_text_between_the_copies_breaks_the_run() -> None:
    # a captioned figure or a line of text between them: the text is printed in two places,
    # no run, left as extracted (trafilatura keeps the second copy after the line, drops it
    # after the caption, which it does not extract)
    def runs(between: str) -> dict[str, int]:
        return repeated_runs(parse_page(page(OPENING, REPEATED, between, REPEATED, CLOSING)))

    assert runs(PLACEHOLDER) == {REPEATED: 2}
    for between in (
        '<figure><img src="/img/ferry.jpg" alt=""><figcaption>The ferry at dawn.</figcaption>'
        "</figure>",
        '<div class="note">Timetables are also posted at the harbour office.</div>',
    ):
        assert runs(between) == {}, between
    assert extract(OPENING, REPEATED, between, REPEATED, CLOSING).paragraphs.count(REPEATED) == 2


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
