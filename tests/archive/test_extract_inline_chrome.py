"""Chrome inside the article (``archive.extract.inline_chrome``): each family of in-article box
leaves no trace in the extracted article, in every template and language that
``scheduler.demo.chrome`` writes, while a real paragraph beside it, and look-alikes of every
rule, are kept."""

from __future__ import annotations

import random

import pytest
from lxml.html import document_fromstring

from archive.extract import extract_article
from archive.extract.inline_chrome import drop_inline_chrome
from scheduler.demo.chrome import FAMILIES, box
from tests.archive.sea_wall import PARAGRAPHS, URL

NEW = (
    "The council's finance committee approved an extra two million pounds for the project on"
    " Wednesday evening, by seven votes to two."
)


def page(*blocks: str, lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><title>Sea wall work delayed</title></head>'
        '<body><main><article class="story"><h1>Sea wall work delayed</h1>'
        '<div class="story-body">' + "\n".join(blocks) + "</div></article></main></body></html>"
    )


def paragraphs(*texts: str) -> list[str]:
    return [f"<p>{text}</p>" for text in texts]


BASE = extract_article(page(*paragraphs(*PARAGRAPHS)), URL)


@pytest.mark.parametrize("lang", ["en", "de", "fr", "es", "it", "pt", "ru"])
@pytest.mark.parametrize("family", FAMILIES)
def test_each_box_leaves_no_trace(family: str, lang: str) -> None:
    for k in range(6):  # templates (named and bare) and rotating words
        made = box(family, random.Random(f"{family}:{lang}:{k}"), lang)
        blocks = paragraphs(*PARAGRAPHS)
        blocks.insert(1 + k % 3, made)
        article = extract_article(page(*blocks, lang=lang), URL)
        assert article.paragraphs == BASE.paragraphs, made


@pytest.mark.parametrize("family", FAMILIES)
def test_twin_a_real_paragraph_beside_a_box_is_kept(family: str) -> None:
    for k in range(4):
        made = box(family, random.Random(f"twin:{family}:{k}"))
        for blocks in (
            [*paragraphs(*PARAGRAPHS[:2]), made, f"<p>{NEW}</p>", *paragraphs(*PARAGRAPHS[2:])],
            [*paragraphs(*PARAGRAPHS[:2]), f"<p>{NEW}</p>", made, *paragraphs(*PARAGRAPHS[2:])],
        ):
            article = extract_article(page(*blocks), URL)
            assert article.paragraphs == (*PARAGRAPHS[:2], NEW, *PARAGRAPHS[2:]), made


@pytest.mark.parametrize(
    "kept",
    [
        # a sentence about subscribing, with a link inside it
        '<p>Readers can <a href="/subscribe">subscribe</a> to the harbour bulletin, the'
        " authority said, and the first issue will explain the timetable.</p>",
        # an inline link whose class names furniture is part of its sentence
        '<p>The ferry company <a class="related-link promo" href="/ferries">said</a> it would'
        " keep its summer timetable whatever the outcome of the review.</p>",
        # a list of sources on other sites is not a "most read" list
        '<ul><li><a href="https://www.gov.example/report">Engineering report</a></li>'
        '<li><a href="https://www.port.example/plan">Harbour plan</a></li>'
        '<li><a href="https://www.council.example/minutes">Committee minutes</a></li></ul>',
        # a short paragraph in a block with a player keeps the paragraph
        "<div><p>The council's finance committee approved an extra two million pounds for"
        " the sea wall, its chair said after a long meeting on Wednesday evening, and the"
        " first contracts will be signed within weeks of the vote being confirmed.</p>"
        '<iframe src="https://player.example/v/1"></iframe></div>',
    ],
)
def test_look_alikes_are_kept(kept: str) -> None:
    tree = document_fromstring(page(*paragraphs(*PARAGRAPHS[:2]), kept, PARAGRAPHS[2]))
    before = " ".join(document_fromstring(kept).text_content().split())
    drop_inline_chrome(tree, URL)
    after = " ".join(tree.text_content().split())
    words = [w for w in before.split() if len(w) > 3][:8]
    assert words and all(w in after for w in words), kept


def test_the_article_container_is_never_taken_whatever_its_class() -> None:
    blocks = paragraphs(*PARAGRAPHS)
    html = page(*blocks).replace('class="story-body"', 'class="story-body related has-ads"')
    assert extract_article(html, URL).paragraphs == BASE.paragraphs
