"""Markup that used to empty a whole article: a numeric reference to a control character
(``&#11;`` from word processors, ``&#8;``, ``&#27;``, ``&#1;``...), and a single text node or
attribute over libxml2's 10,000,000-byte limit.  Each page here must still give its article,
and an edit made on such a page must still be found."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.diff.engine import compare
from archive.enums import EditKind
from archive.extract import Article, extract_article
from archive.extract.decode import neutralise_control_references

PAGES = Path(__file__).resolve().parents[1] / "pages"
URL = "https://www.northport-gazette.example/news/2024/03/harbour-bridge-reopens"
FIRST = "The swing bridge over Northport&rsquo;s inner harbour"  # as the page spells it
SHOWN = "The swing bridge over Northport's inner harbour"  # quotes normalised


def page() -> str:
    return (PAGES / "extract-article.html").read_text(encoding="utf-8")


def extract(text: str) -> Article:
    return extract_article(text.encode("utf-8"), URL, content_type="text/html; charset=utf-8")


def in_first_paragraph(text: str, insert: str) -> str:
    assert FIRST in text
    return text.replace(FIRST, f"{insert} {FIRST}", 1)


# Each control character a page names by reference, in every spelling HTML reads.
REFERENCES = [
    f"&#{spelling}"
    for code in (0x0B, 0x08, 0x1B, 0x01, 0x1F, 0x0C)
    for spelling in (f"{code};", f"{code}", f"x{code:x};", f"X{code:X}", f"x{code:04x};")
] + ["&#65534;", "&#xFFFF;", "&#0011;"]


@pytest.mark.parametrize("reference", REFERENCES)
def test_a_control_character_reference_keeps_the_article(reference: str) -> None:
    clean = extract(page())
    article = extract(in_first_paragraph(page(), f"Breaking{reference}news:"))
    assert article.headline == clean.headline
    assert len(article.paragraphs) == len(clean.paragraphs)
    assert article.paragraphs[1:] == clean.paragraphs[1:]
    first = article.paragraphs[0]
    assert first.startswith(("Breaking news: " + SHOWN, "Breakingnews: " + SHOWN)), first


@pytest.mark.parametrize("reference", ["&#11;", "&#x1b;", "&#8", "&#1;"])
def test_a_control_character_reference_in_an_attribute_or_a_list(reference: str) -> None:
    text = page().replace(
        FIRST, f'<img alt="map{reference}" src="/m.png"><b>Bold{reference}</b> {FIRST}', 1
    )
    assert extract(text).paragraphs[0].startswith("Bold")


def test_the_edit_on_a_page_with_a_control_reference_is_found() -> None:
    before = extract(page())
    edited = page().replace(
        FIRST, FIRST.replace("The swing bridge ", "The rebuilt swing bridge&#11;")
    )
    after = extract(edited)
    assert after.content_hash != before.content_hash
    change = compare(before, after)
    kinds = [edit.kind for edit in change.edits]
    assert kinds == [EditKind.PARAGRAPH_CHANGED]
    assert after.paragraphs[0].startswith("The rebuilt swing bridge over Northport's")


def test_neutralising_keeps_every_other_reference() -> None:
    text = "&#8217;&#x2019;&#39;&#0;&#9;&#10;&#13;&#x20;&#128;&#xD800;&#1234567;&amp;#11;"
    assert neutralise_control_references(text) == text
    assert neutralise_control_references("a&#11;b&#x0b;c&#27d&#x1B;e&#1;f") == "a b c" + "def"
    assert neutralise_control_references("&#112;&#11") == "&#112; "  # digits are greedy
    assert neutralise_control_references("no references") == "no references"


HUGE = 10_500_000  # over libxml2's 10,000,000-byte limit for one text node or attribute


@pytest.mark.parametrize(
    "giant",
    [
        '<script type="application/json">{"state": "' + "x" * HUGE + '"}</script>',
        '<div data-state="' + "y" * HUGE + '"></div>',
        '<img alt="" src="data:image/png;base64,' + "A" * HUGE + '">',
        "<div hidden><span>" + "z" * HUGE + "</span></div>",
    ],
    ids=["script", "attribute", "data-url", "text"],
)
def test_a_giant_text_node_or_attribute_keeps_the_article(giant: str) -> None:
    clean = extract(page())
    text = page()
    body = text.index(">", text.index("<body")) + 1
    article = extract(text[:body] + giant + text[body:])
    assert article.paragraphs == clean.paragraphs
    assert article.headline == clean.headline
