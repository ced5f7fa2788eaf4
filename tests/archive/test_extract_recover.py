"""Article text trafilatura would drop, recovered before it runs (archive.extract.recover):
link-only paragraphs and list items inside prose, attached files' titles, inline file links
inside a sentence, captions written as paragraphs; and what must stay out (menus, related
article lists, bare caption labels).

The GOV.UK excerpts contain public sector information licensed under the Open Government
Licence v3.0 (the markup is GOV.UK's, the text shortened).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from lxml.html import HtmlElement, document_fromstring, tostring
from trafilatura import bare_extraction

import archive.extract.extractor as extractor
from archive.extract import Article, extract_article
from archive.extract.recover import recover_article_text

URL = "https://www.gov.uk/government/news/flood-outlook"

PROSE = (
    "<p>The Flood Outlook provides a flood forecast for the coming month in England and"
    " Wales. It is issued twice a month.</p>"
    "<p>Over the past 18 months, we have been working with our users to make our Flood"
    " Outlook service more useful.</p>"
    "<p>The Flood Outlook will continue to be based on a national scale assessment to provide"
    " an overview for England and Wales.</p>"
)


@pytest.fixture(autouse=True)
def _recovering(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """extract_article with the recovery pass just before trafilatura, as it is wired in.

    Once ``extractor`` calls :func:`recover_article_text` itself, nothing is patched.
    """
    if "recover_article_text" not in vars(extractor):

        def recovering(tree: HtmlElement, **kwargs: Any) -> Any:
            recover_article_text(tree, kwargs["url"])
            return bare_extraction(tree, **kwargs)

        monkeypatch.setattr("archive.extract.extractor.bare_extraction", recovering)
    yield


def page(body: str, *, around: str = "") -> str:
    return (
        "<html><head><title>Flood Outlook - GOV.UK</title></head><body>"
        '<header><nav><ul><li><a href="/browse/benefits">Benefits</a></li>'
        '<li><a href="/search">Search</a></li></ul></nav></header>'
        f'<main id="content"><h1>Flood Outlook</h1>{around}'
        f'<div class="govspeak">{body}</div></main>'
        '<footer><ul><li><a href="/help">Help</a></li><li><a href="/cookies">Cookies</a></li>'
        "</ul></footer></body></html>"
    )


def extract(body: str, **kwargs: str) -> Article:
    return extract_article(page(body, **kwargs), URL)


def test_a_list_of_links_inside_prose_is_text() -> None:
    body = (
        PROSE + "<p>To help you understand the Flood Outlook short training videos are"
        " available:</p><ul>"
        '<li><a class="govuk-link" href="https://youtu.be/K4J" rel="external">an introduction'
        " to the Flood Outlook</a></li>"
        '<li><a class="govuk-link" href="https://youtu.be/oxi" rel="external">the Flood'
        " Outlook in action</a></li></ul>"
        "<p>We can also provide webinar training to organisations on request.</p>"
    )
    paragraphs = extract(body).paragraphs
    assert "- an introduction to the Flood Outlook" in paragraphs
    assert "- the Flood Outlook in action" in paragraphs
    assert not any("Benefits" in p or "Cookies" in p for p in paragraphs)


def test_a_paragraph_that_is_only_a_link_is_text() -> None:
    body = (
        PROSE + '<p><a href="https://www.gov.uk/government/news/joint-statement"'
        ' class="govuk-link">Read the Joint Statement here</a></p>'
        "<p>Singapore was a partner in the UK's first FinTech Bridge, and the trade minister"
        " spoke at the Singapore Fintech Festival yesterday.</p>"
    )
    assert "Read the Joint Statement here" in extract(body).paragraphs


def test_a_link_in_a_call_to_action_box_is_text() -> None:
    body = (
        PROSE + '<div class="call-to-action"><p><a href="https://forms.gle/LAZ" rel="external"'
        ' class="govuk-link">Register here</a></p></div>'
    )
    assert "Register here" in extract(body).paragraphs


def test_a_heading_that_is_only_a_link_is_kept_at_the_end() -> None:
    body = (
        PROSE + "<h4>ENDS</h4>"
        '<h4><a class="govuk-link" href="https://www.gov.uk/government/news/plan-for-wales">'
        "Read the full Plan for Wales.</a></h4>"
    )
    paragraphs = extract(body).paragraphs
    assert paragraphs[-2:] == ("ENDS", "Read the full Plan for Wales.")


def test_an_attached_file_is_its_title() -> None:
    attachment = (
        '<section class="attachment embedded" id="attachment_3725004">'
        '<div class="attachment-thumb"><a class="thumbnail" tabindex="-1"'
        ' href="https://assets.example.gov.uk/file/838191/Q_A_-_CPH.pdf">'
        '<img alt src="https://assets.example.gov.uk/file/838191/thumbnail.png"></a></div>'
        '<div class="attachment-details"><h2 class="title">'
        '<a href="https://assets.example.gov.uk/file/838191/Q_A_-_CPH.pdf">Q &amp; A'
        " Copenhagen</a></h2>"
        '<p class="metadata"><span class="type"><abbr title="Portable Document Format">PDF'
        '</abbr></span>, <span class="file-size">190KB</span>, <span class="page-length">3'
        " pages</span></p></div></section>"
    )
    paragraphs = extract(PROSE + attachment + PROSE.replace("Flood", "River")).paragraphs
    assert "Q & A Copenhagen" in paragraphs
    assert not any("190KB" in p for p in paragraphs)
    at = paragraphs.index("Q & A Copenhagen")
    assert "Flood Outlook will continue" in paragraphs[at - 1]  # in its place


def test_an_inline_file_link_keeps_its_sentence_whole() -> None:
    sentence = (
        "<p>To enter, apply by sending your completed"
        ' <span class="attachment-inline"><a href="https://assets.example.gov.uk/file/1043180/'
        'application_form.odt" class="govuk-link">Diplomat For A Day 2022 application form</a>'
        ' (<span class="type"><abbr title="OpenDocument Text document">ODT</abbr></span>,'
        ' <span class="file-size">7.35 KB</span>)</span> and your essay or video.</p>'
    )
    paragraphs = extract(PROSE + sentence).paragraphs
    assert (
        "To enter, apply by sending your completed Diplomat For A Day 2022 application form"
        " (ODT, 7.35 KB) and your essay or video."
    ) in paragraphs


def test_a_caption_written_as_paragraphs_is_text() -> None:
    figure = (
        '<figure class="image embedded"><div class="img"><img alt="Headstone"'
        ' src="https://assets.example.gov.uk/image/148906/20220427_03.JPG"></div>'
        "<figcaption><p>Padre Chadwick leads the ceremony in Bologna.\nCrown copyright</p>"
        "</figcaption></figure>"
    )
    paragraphs = extract(PROSE + figure + PROSE.replace("Flood", "River")).paragraphs
    assert "Padre Chadwick leads the ceremony in Bologna. Crown copyright" in paragraphs


def test_a_bare_caption_label_stays_out() -> None:
    figure = (
        '<figure><img src="/a.jpg"><figcaption class="media-caption">'
        '<span class="off-screen">Image caption</span><span>The minister at the launch</span>'
        "</figcaption></figure>"
    )
    paragraphs = extract(PROSE + figure + PROSE.replace("Flood", "River")).paragraphs
    assert not any("minister at the launch" in p for p in paragraphs)


def test_related_articles_inside_the_story_stay_out() -> None:
    """Runs of links to the site's own stories, as a list or side by side, are teasers."""
    related_list = (
        "<ul>"
        + "".join(
            f'<li><a href="https://www.gov.uk/government/news/story-{i}">Another story number'
            f" {i}</a></li>"
            for i in range(3)
        )
        + "</ul>"
    )
    side_by_side = "".join(
        f'<p><a href="/government/news/other-{i}">Other headline {i}</a></p>' for i in range(2)
    )
    paragraphs = extract(PROSE + related_list + PROSE.replace("Flood", "River") + side_by_side)
    assert not any("Another story" in p or "Other headline" in p for p in paragraphs.paragraphs)


def test_links_outside_prose_stay_out() -> None:
    """A list of links with no running text around it (a menu in the page) is unchanged."""
    menu = (
        '<div class="topics"><ul><li><a href="https://example.org/a">Topic A</a></li>'
        '<li><a href="https://example.org/b">Topic B</a></li></ul></div>'
    )
    paragraphs = extract(PROSE, around=menu).paragraphs
    assert not any("Topic A" in p for p in paragraphs)


def test_recovery_is_idempotent_and_leaves_plain_pages_alone() -> None:
    body = (
        PROSE + '<p><a href="https://example.org/x">Watch the full live stream</a></p>'
        "<figure><img src='/a.jpg'><figcaption><p>A caption of the picture</p></figcaption>"
        "</figure>"
    )
    tree = document_fromstring(page(body))
    recover_article_text(tree, URL)
    once = document_fromstring(page(body))
    recover_article_text(once, URL)
    recover_article_text(once, URL)
    assert tostring(tree) == tostring(once)
    plain = document_fromstring(page("<p>Short.</p>"))
    before = tostring(plain)
    recover_article_text(plain, URL)
    assert tostring(plain) == before


def test_a_block_wrapper_per_paragraph_changes_nothing() -> None:
    """A template that puts every paragraph in a block <div> of its own gives the same text:
    wrappers with a single child are looked through."""
    body = (
        PROSE + '<p><a href="https://example.org/live">Watch the full live stream</a></p>'
        "<ul><li><a href='https://youtu.be/a'>an introduction to the Flood Outlook</a></li>"
        "<li><a href='https://youtu.be/b'>the Flood Outlook in action</a></li></ul>"
        + PROSE.replace("Flood", "River")
    )
    wrapped = body.replace("<p>", '<div class="block"><p>').replace("</p>", "</p></div>")
    wrapped = wrapped.replace("<ul>", '<div class="block"><ul>').replace("</ul>", "</ul></div>")
    assert extract(wrapped).paragraphs == extract(body).paragraphs
    assert "Watch the full live stream" in extract(body).paragraphs
