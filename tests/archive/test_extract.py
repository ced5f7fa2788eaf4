"""extract_article on hand-made pages (tests/pages/extract-*.html): metadata, timestamps from
each source, links, headline handling, chrome invariance, real edits, and failures."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trafilatura

from archive.enums import FailureReason
from archive.errors import ExtractionError
from archive.extract import DEFAULT_MIN_CHARS, Article, extract_article

PAGES = Path(__file__).resolve().parents[1] / "pages"
URL = "https://www.northport-gazette.example/news/2024/03/harbour-bridge-reopens?utm_source=feed"


def page(name: str) -> bytes:
    return (PAGES / f"extract-{name}.html").read_bytes()


def extract(name: str, url: str = URL, **kwargs) -> Article:
    return extract_article(page(name), url, **kwargs)


def failure(body: bytes | str, **kwargs) -> ExtractionError:
    with pytest.raises(ExtractionError) as info:
        extract_article(body, URL, **kwargs)
    return info.value


def test_public_api() -> None:
    import archive.extract as package

    assert set(package.__all__) == {
        "Article",
        "DEFAULT_MIN_CHARS",
        "EXTRACTOR_VERSION",
        "extract_article",
        "extractor_version",
    }
    assert DEFAULT_MIN_CHARS == 200


def test_article_fields_from_meta_tags() -> None:
    article = extract("article")
    assert article.headline == "Harbour bridge reopens after two-year repair"
    assert article.byline == "Maria Okafor"
    assert article.description == (
        "The swing bridge over the inner harbour carries traffic again, "
        "four months later than planned."
    )
    assert article.language == "en-GB"
    assert article.published_at == datetime(2024, 3, 5, 6, 30, tzinfo=UTC)
    assert article.updated_at == datetime(2024, 3, 5, 10, 45, 10, tzinfo=UTC)
    assert article.published_at.tzinfo is UTC
    assert len(article.paragraphs) == 5
    assert article.paragraphs[0].startswith("The swing bridge over Northport's inner harbour")
    assert article.paragraphs[-1].endswith("on Saturday afternoon.")


def test_links_resolved_against_page_url() -> None:
    article = extract("article")
    # relative canonical resolved; the query string and fragment of the fetched URL are gone
    assert article.canonical_url == (
        "https://www.northport-gazette.example/news/2024/03/harbour-bridge-reopens"
    )
    assert article.amp_url == (
        "https://amp.northport-gazette.example/news/2024/03/harbour-bridge-reopens?amp=1"
    )
    # protocol-relative amphtml in the chrome variant
    assert extract("article.chrome").amp_url == article.amp_url


def test_no_links_means_none() -> None:
    article = extract("time-elements", "https://city.example/night-market")
    assert article.canonical_url is None
    assert article.amp_url is None


def test_timestamps_from_jsonld_graph_prefer_the_article_node() -> None:
    article = extract("jsonld-graph", "https://kanalbote.example/lokales/radweg")
    # the WebPage node's 2019 dates are a decoy; dateModified is given as a list
    assert article.published_at == datetime(2024, 6, 10, 18, 5, tzinfo=UTC)
    assert article.updated_at == datetime(2024, 6, 11, 13, 0, tzinfo=UTC)
    assert article.byline == "Lena Brandt"
    assert article.headline == "Stadtrat beschließt neuen Radweg am Kanal"
    assert article.language == "de"


def test_timestamps_from_time_elements_ignore_the_aside() -> None:
    article = extract("time-elements", "https://city.example/night-market")
    assert article.published_at == datetime(2023, 11, 2, 9, 20, tzinfo=UTC)
    assert article.updated_at == datetime(2023, 11, 2, 23, 0, tzinfo=UTC)
    # the "Posted <time>, updated <time>" line leaves no remnant in the body
    assert article.paragraphs[0].startswith("After a three-year pause")


def test_headline_repeated_in_body_is_reported_once() -> None:
    raw = trafilatura.bare_extraction(page("article"), with_metadata=True)
    assert raw is not None
    # trafilatura puts the <h1> in the text: without the dedup it would be a paragraph
    assert raw.text.splitlines()[0] == "Harbour bridge reopens after two-year repair"
    article = extract("article")
    assert article.headline == "Harbour bridge reopens after two-year repair"
    assert all(article.headline not in p for p in article.paragraphs)


def test_in_article_chrome_removed_and_text_kept() -> None:
    text = extract("article").text
    for chrome in ("Advertisement", "Hide Caption", "Read More", "Photo:", "12 comments"):
        assert chrome not in text
    for kept in ("£14.2m", "Anders Holm", "Quay Street", "morning peak"):
        assert kept in text


def test_same_article_in_other_chrome_hashes_identical() -> None:
    """Other menus, ads, comment counts, CSRF tokens, cache-busters, "N minutes ago" labels,
    entity spellings (&rsquo; / &#8217;, &pound; / &#163;), NBSP, zero-width space, line wraps,
    <title> separator and timezone notation: the same article."""
    original = extract("article")
    variant = extract("article.chrome")
    assert variant == original
    assert variant.content_hash == original.content_hash
    assert page("article") != page("article.chrome")


@pytest.mark.parametrize("edit", ["headline-edit", "paragraph-edit"])
def test_real_edit_hashes_different(edit: str) -> None:
    original = extract("article")
    edited = extract(f"article.{edit}")
    assert edited != original
    assert edited.content_hash != original.content_hash
    # ...and the edit is exactly where it was made
    if edit == "headline-edit":
        assert edited.headline == "Harbour bridge reopens four months late after two-year repair"
        assert edited.paragraphs == original.paragraphs
    else:
        assert edited.headline == original.headline
        changed = [
            i
            for i, (a, b) in enumerate(zip(original.paragraphs, edited.paragraphs, strict=True))
            if a != b
        ]
        assert changed == [1]
        assert "£15.1m" in edited.paragraphs[1]


def test_str_and_bytes_input_agree() -> None:
    assert extract_article(page("article").decode("utf-8"), URL) == extract("article")


def test_deterministic() -> None:
    assert {extract("article").content_hash for _ in range(3)} == {extract("article").content_hash}


# --- failures -------------------------------------------------------------------------------


def test_consent_wall_is_a_consent_wall() -> None:
    error = failure(page("consent-wall"))
    assert error.reason is FailureReason.CONSENT_WALL
    assert "0 chars" in error.detail


def test_paywall_stub_is_empty_extraction() -> None:
    error = failure(page("paywall-stub"))
    assert error.reason is FailureReason.EMPTY_EXTRACTION
    assert "chars" in error.detail


def test_min_chars_is_the_threshold() -> None:
    article = extract("article")
    total = sum(len(p) for p in article.paragraphs)
    assert extract("article", min_chars=total) == article
    error = failure(page("article"), min_chars=total + 1)
    assert error.reason is FailureReason.EMPTY_EXTRACTION
    assert f"{total} chars" in error.detail


def test_empty_page_is_empty_extraction() -> None:
    error = failure(b"<html><head><title>x</title></head><body><div id='app'></div></body></html>")
    assert error.reason is FailureReason.EMPTY_EXTRACTION


@pytest.mark.parametrize(
    "content_type",
    ["application/pdf", "image/png", "application/json; charset=utf-8", "text/plain"],
)
def test_non_html_content_type(content_type: str) -> None:
    error = failure(page("article"), content_type=content_type)
    assert error.reason is FailureReason.NOT_HTML


@pytest.mark.parametrize(
    "content_type", ["text/html", "text/html; charset=UTF-8", "application/xhtml+xml", None]
)
def test_html_content_types_accepted(content_type: str | None) -> None:
    assert extract("article", content_type=content_type).headline


@pytest.mark.parametrize(
    "body",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >>",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        gzip.compress(b"<html><body><p>compressed</p></body></html>"),
        b'{"headline": "Not a page", "body": "<p>json</p>"}',
        "plain text with no markup at all, " * 20,
    ],
    ids=["pdf", "png", "gzip", "json", "text"],
)
def test_non_html_body(body: bytes | str) -> None:
    assert failure(body).reason is FailureReason.NOT_HTML


def _noise(size: int) -> bytes:
    # Deterministic bytes that are not UTF-8: what a page in a wrong multi-byte charset, or a
    # binary served as text/html, looks like once labelled UTF-8.
    return bytes((i * 151 + 7) % 256 for i in range(size))


def test_broken_encoding() -> None:
    body = (
        b"<html><head><meta charset='utf-8'><title>t</title></head><body><p>"
        + _noise(6000)
        + b"</p></body></html>"
    )
    assert failure(body).reason is FailureReason.BAD_ENCODING


def test_broken_article_text_inside_clean_markup() -> None:
    # A CMS that already lost the text serves U+FFFD for every non-ASCII character.  The page
    # as a whole is mostly clean markup, so only the check on the article text catches it.
    lost = "\ufffd\ufffd\ufffd\ufffd \ufffd\ufffd\ufffd \ufffd\ufffd, " * 30
    text = page("article").decode("utf-8")
    start, end = text.index("<p>The swing"), text.index("</article>")
    text = text[:start] + f"<p>{lost}</p>" * 4 + text[end:]
    text = text.replace("</main>", "</main><nav>" + "<a href='/s'>section</a>" * 300 + "</nav>")
    body = text.encode("utf-8")
    error = failure(body)
    assert error.reason is FailureReason.BAD_ENCODING
    assert "article text" in error.detail


def test_latin1_mislabelled_survives() -> None:
    # A page labelled UTF-8 but written in windows-1252 decodes by detection, not as garbage.
    text = page("article").decode("utf-8").replace("&pound;", "€")
    body = text.encode("cp1252")
    article = extract_article(body, URL, content_type="text/html; charset=utf-8")
    assert "€14.2m" in article.text
    assert article.paragraphs == extract("article").paragraphs[:1] + tuple(
        p.replace("£", "€") for p in extract("article").paragraphs[1:]
    )


def test_declared_charset_from_header_and_meta() -> None:
    text = page("jsonld-graph").decode("utf-8").replace('charset="utf-8"', "")
    text = text.replace('<meta charset="utf-8">', "")
    body = text.encode("cp1252")  # what browsers (and we) use for a latin-1 label
    via_header = extract_article(body, URL, content_type="text/html; charset=ISO-8859-1")
    assert via_header.headline == "Stadtrat beschließt neuen Radweg am Kanal"
    with_meta = text.replace("<head>", '<head><meta charset="windows-1252">').encode("cp1252")
    assert extract_article(with_meta, URL) == via_header


# Pages below are made up in the shape of GOV.UK news pages (govuk-0655, govuk-0257 of the
# diff-quality corpus); the shape contains public sector information licensed under the Open
# Government Licence v3.0.
_PROSE = "".join(
    f"<p>Paragraph {i} of the story says what the department did and why it matters.</p>"
    for i in range(5)
)


def _story(body: str, headline: str = "UK cuts off export finance to two countries") -> str:
    return (
        f"<html><head><title>{headline} - Example</title>"
        f'<meta property="og:title" content="{headline}"></head><body>'
        f'<h1 class="title">{headline}</h1><article>{body}</article></body></html>'
    )


def test_heading_repeating_the_headline_in_capitals_is_text() -> None:
    caps = "<h1>UK CUTS OFF EXPORT FINANCE TO TWO COUNTRIES</h1>"
    with_caps = extract_article(_story(caps + _PROSE), URL)
    without = extract_article(_story(_PROSE), URL)
    # the headline is the one the page shows in both, and the capitals heading a paragraph
    assert with_caps.headline == without.headline == "UK cuts off export finance to two countries"
    assert with_caps.paragraphs[0] == "UK CUTS OFF EXPORT FINANCE TO TWO COUNTRIES"
    assert with_caps.paragraphs[1:] == without.paragraphs


def test_exact_headline_echo_at_the_top_is_dropped() -> None:
    echo = "<p>UK cuts off export finance to two countries</p>"
    assert extract_article(_story(echo + _PROSE), URL) == extract_article(_story(_PROSE), URL)


def _listed_table(rows: list[tuple[str, str]]) -> str:
    cells = "".join(f"<tr><td>{a}</td><td>{b}</td></tr>" for a, b in rows)
    return (
        "<ul><li><p>The regulator is advising of the positions of the boulders below.</p></li>"
        "<li><p>The boulders are at the following locations:</p>"
        f"<table><tbody><tr><td>Lat N</td><td>Long W</td></tr>{cells}</tbody></table></li>"
        "<li><p>Vessels should keep clear of these positions until further notice.</p></li></ul>"
    )


def test_table_in_a_list_item_keeps_its_rows() -> None:
    rows = [("50 15.88", "000 27.86"), ("50 16.67", "000 23.24")]
    article = extract_article(_story(_PROSE + _listed_table(rows)), URL)
    assert article.paragraphs[-5:] == (
        "- The boulders are at the following locations:",
        "| Lat N | Long W |",
        "| 50 15.88 | 000 27.86 |",
        "| 50 16.67 | 000 23.24 |",
        "- Vessels should keep clear of these positions until further notice.",
    )
    grown = _listed_table([("50 15.37", "000 31.69"), *rows])
    added = extract_article(_story(_PROSE + grown), URL)
    assert set(added.paragraphs) - set(article.paragraphs) == {"| 50 15.37 | 000 31.69 |"}
