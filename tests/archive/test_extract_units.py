"""The extraction helpers one by one: normalisation, chrome filters (each both ways),
headline cleaning, timestamp parsing and sources, links, decoding."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml.html import document_fromstring

from archive.enums import FailureReason
from archive.errors import ExtractionError
from archive.extract.chrome import drop_chrome, is_chrome
from archive.extract.decode import decode_body
from archive.extract.head import read_head
from archive.extract.headline import clean_headline, h1_texts, site_names
from archive.extract.links import find_links
from archive.extract.normalize import normalize_text, split_paragraphs
from archive.extract.timestamps import find_published, find_updated, parse_datetime

# --- normalisation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "It’s a test",  # U+2019
        "It&rsquo;s a test",
        "It&#8217;s a test",
        "It&#x2019;s a test",
        "It&amp;#8217;s a test",  # double-escaped by a CMS
        "It's a test",
        "It’s\u00a0a test",  # no-break space
        "It’s\u202fa\u2009test",  # narrow no-break and thin spaces
        "  It’s \n\t a   test ",
        "It\u200b’s a te\u00adst",  # zero-width space, soft hyphen
        "\ufeffIt’s a test\u2060",  # BOM, word joiner
    ],
)
def test_normalize_text_variants_agree(variant: str) -> None:
    assert normalize_text(variant) == "It's a test"


def test_normalize_nfc_and_quotes() -> None:
    assert normalize_text("Cafe\u0301") == "Café"  # combining acute -> precomposed
    assert normalize_text("“Quoted” and „low“") == '"Quoted" and "low"'


@pytest.mark.parametrize(
    "text",
    [
        "AT&T and R&D stay",  # ampersands without a semicolon are prose
        "Cost – not cost — matters…",  # dashes and ellipsis are not folded
        "ﬁne ligature and ＡＢＣ full-width",  # no NFKC
        "مي\u200cخواهم",  # ZWNJ is content in Persian
        "Word-break & friends",
    ],
)
def test_normalize_leaves_words_alone(text: str) -> None:
    assert normalize_text(text) == text


def test_real_changes_survive_normalisation() -> None:
    assert normalize_text("£14.2m") != normalize_text("£15.1m")
    assert normalize_text("it's") != normalize_text("its")


def test_split_paragraphs() -> None:
    text = "First para.\n\n  \nSecond\u00a0para.\r\nThird\u2029Fourth\n"
    assert split_paragraphs(text) == ("First para.", "Second para.", "Third", "Fourth")
    assert split_paragraphs(" \n\u200b\n") == ()


# --- chrome filters, each both ways -----------------------------------------------------------

CHROME = [
    "Hide Caption",
    "toggle caption",
    "JUST WATCHED",
    "Must Watch",
    "Read More",
    "Read more »",
    "READ MORE: China confirms second case in Beijing",
    "Related: The 15 strangest galaxies",
    "Continue reading below",
    "Story continues below advertisement",
    "Send in e-mail",
    "Share this article",
    "Share on Facebook",
    "Advertisement",
    "ADVERTISEMENT",
    "Anzeige",
    "Реклама",
    "Lesen Sie auch: Der Hafen wird teurer",
    "Leia também: O porto vai ficar mais caro",
    "Subscribe now",
    "Subscribe to our newsletter",
    "Sign up for our free morning briefing",
    "Subscribe to our newsletter for the latest news.",
    "Sign up for free email alerts",
    "Register for free",
    "Subscribe to the Example YouTube Channel for all of the latest videos, reviews, and more!",
    "Already a subscriber? Sign in",
    "This article is for subscribers only.",
    "We use cookies to improve your experience on our site.",
    "We and our partners store and access information on your device, such as cookies.",
    "Accept all",
    "12 comments",
    "Comments (31)",
    "1.2k shares",
    "5 minutes ago",
    "Updated 2 hours ago",
    "an hour ago",
    "Photo: Jane Roe/Reuters",
    "Image credit: Getty Images",
    "(AP Photo/John Doe)",
    "Image copyright Getty Images",
    "Posted , updated",
]

REAL = [
    "The captain said he would hide caption-less photos from the exhibition.",
    "Viewers who just watched the debate said the moderator lost control.",
    "Read more about the budget in the council's report, which runs to 400 pages.",
    "Sending in e-mail reports was the only way staff could reach the ministry.",
    "Advertisement revenue fell by a third, the company said on Monday.",
    "Werbung für Zigaretten ist seit 2007 verboten, sagte die Ministerin.",
    "Lesen Sie auch die Antwort der Regierung, die am Montag veröffentlicht wurde.",
    "Subscribers to the service complained that prices rose by 20% last year.",
    "More than 300 comments were posted on the ministry's website within an hour.",
    "The fire started 5 minutes ago, a witness told reporters at the scene.",
    "Photo: a rare glimpse inside the vault. The bank opened its doors on Friday.",
    "Photographs taken at the scene show that the roof had collapsed.",
    "We and our partners in the coalition will vote against the bill, she said, "
    "because it fails the people it claims to help and leaves rural areas behind. " * 5,
    "The regulator said websites must obtain consent before setting cookies.",
    "Share prices rose 3% in early trading.",
    "Posted workers earn less than local staff, the union says.",
    # A sign-up that is the story's own instruction, not a prompt (GOV.UK, govuk-0049; contains
    # public sector information licensed under the Open Government Licence v3.0).
    "Sign up to the events through the Brexit Business Readiness Events website.",
    "Register for the conference through the organiser's website by 3 May.",
    "42",
]


@pytest.mark.parametrize("line", CHROME)
def test_chrome_line_removed(line: str) -> None:
    assert is_chrome(normalize_text(line)), line


@pytest.mark.parametrize("line", REAL[:-1])
def test_real_sentence_kept(line: str) -> None:
    assert not is_chrome(normalize_text(line)), line


def test_bare_number_is_a_counter() -> None:
    # A number alone on a line is a share/comment counter next to an icon; documented choice.
    assert is_chrome(REAL[-1])


def test_drop_chrome_keeps_order() -> None:
    assert drop_chrome(("a real line here.", "Advertisement", "another real line.")) == (
        "a real line here.",
        "another real line.",
    )


# --- headline ---------------------------------------------------------------------------------


def _names(html: str, url: str = "https://www.example-news.com/a", sitename: str | None = None):
    return site_names(read_head(document_fromstring(html)), url, sitename)


@pytest.mark.parametrize(
    ("title", "h1s", "expected"),
    [
        ("Bridge reopens | Northport Gazette", [], "Bridge reopens"),
        ("Bridge reopens - Northport Gazette", [], "Bridge reopens"),
        ("Northport Gazette | Bridge reopens", [], "Bridge reopens"),
        ("Bridge reopens | Local | Northport Gazette", ["Bridge reopens"], "Bridge reopens"),
        (
            "Opinion | Is football violence a crime?",
            ["Is football violence a crime?"],
            "Is football violence a crime?",
        ),
        # no evidence: a headline with a dash stays whole
        ("Brexit - what happens next", [], "Brexit - what happens next"),
        ("Brexit: what happens next - Northport Gazette", [], "Brexit: what happens next"),
        # repeated tagline at both ends
        ("Daily news: Bridge reopens | Gazette | Daily news", [], "Bridge reopens"),
        # an <h1> that is the site's logo is no evidence
        ("Bridge reopens - Northport Gazette", ["Northport Gazette"], "Bridge reopens"),
        (None, ["Bridge reopens"], "Bridge reopens"),
        ("Well-being at work: 9-5 is over", [], "Well-being at work: 9-5 is over"),
    ],
)
def test_clean_headline(title: str | None, h1s: list[str], expected: str) -> None:
    names = _names(
        '<html><head><meta property="og:site_name" content="Northport Gazette">'
        "</head><body></body></html>"
    )
    if "Daily news" in (title or ""):
        names = {"gazette"}
    assert clean_headline(title, h1s, names) == expected


def test_site_names_from_host_and_publisher() -> None:
    html = (
        '<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
        '"publisher": {"name": "BBC News"}}</script></head><body></body></html>'
    )
    names = _names(html, "https://www.bbc.co.uk/news/x")
    assert {"bbcnews", "bbc"} <= names
    assert clean_headline("Taylor Swift row over - BBC News", [], names) == "Taylor Swift row over"
    # the Guardian's own columns start with the paper's name: not a suffix
    guardian = _names("<html><body></body></html>", "https://www.theguardian.com/x")
    title = "The Guardian view on Hong Kong: a city on the brink"
    assert clean_headline(title, [title], guardian) == title


def test_site_name_with_its_own_separator() -> None:
    names = _names(
        "<html><body></body></html>",
        "https://x.example/a",
        sitename="LinkNaija | Nigeria's popular news platform",
    )
    title = "LinkNaija | Nigeria's popular news platform: BREAKING: Chelsea sign keeper"
    assert clean_headline(title, [], names) == "BREAKING: Chelsea sign keeper"


def test_h1_texts() -> None:
    tree = document_fromstring(
        "<html><body><h1> Logo </h1><h1></h1><h1>The&nbsp;headline</h1></body></html>"
    )
    assert h1_texts(tree) == ["Logo", "The headline"]


# --- timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2019-11-19T08:00:00.000-05:00", datetime(2019, 11, 19, 13, tzinfo=UTC)),
        ("2019-11-19T08:00:00+0000", datetime(2019, 11, 19, 8, tzinfo=UTC)),
        ("2019-11-19T08:00:00Z", datetime(2019, 11, 19, 8, tzinfo=UTC)),
        ("2019-11-19 08:00:00", datetime(2019, 11, 19, 8, tzinfo=UTC)),  # naive: UTC
        ("2019-11-19", datetime(2019, 11, 19, tzinfo=UTC)),
        ("2019-11-19T08:00:00.123456789Z", datetime(2019, 11, 19, 8, 0, 0, 123456, tzinfo=UTC)),
        ("Tue, 19 Nov 2019 08:00:00 GMT", datetime(2019, 11, 19, 8, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),
        ("not a date", None),
        ("", None),
        (None, None),
        (20191119, None),
    ],
)
def test_parse_datetime(value: object, expected: datetime | None) -> None:
    assert parse_datetime(value) == expected


def _dates(head_html: str, body_html: str = "", fallback: str | None = None):
    tree = document_fromstring(f"<html><head>{head_html}</head><body>{body_html}</body></html>")
    head = read_head(tree)
    published = find_published(tree, head, fallback)
    return published, find_updated(tree, head, published)


def test_meta_sources() -> None:
    published, updated = _dates(
        '<meta property="og:updated_time" content="2024-01-02T10:00:00Z">'
        '<meta name="pubdate" content="2024-01-01T09:00:00Z">'
    )
    assert published == datetime(2024, 1, 1, 9, tzinfo=UTC)
    assert updated == datetime(2024, 1, 2, 10, tzinfo=UTC)
    _, updated = _dates('<meta itemprop="dateModified" content="2024-01-03T00:00:00+02:00">')
    assert updated == datetime(2024, 1, 2, 22, tzinfo=UTC)


def test_jsonld_top_level_list() -> None:
    published, updated = _dates(
        '<script type="application/ld+json">[{"@type": "Organization", "name": "X"},'
        '{"@type": "BlogPosting", "datePublished": "2022-05-01T12:00:00+00:00",'
        ' "dateModified": "2022-05-02T12:00:00+00:00"}]</script>'
    )
    assert published == datetime(2022, 5, 1, 12, tzinfo=UTC)
    assert updated == datetime(2022, 5, 2, 12, tzinfo=UTC)


def test_itemprop_elements_and_fallback_day() -> None:
    published, _ = _dates("", '<span itemprop="datePublished" content="2021-07-04T15:00:00Z">')
    assert published == datetime(2021, 7, 4, 15, tzinfo=UTC)
    published, updated = _dates("", "<p>no dates here</p>", fallback="2020-02-02")
    assert published == datetime(2020, 2, 2, tzinfo=UTC)
    assert updated is None


def test_time_in_nav_is_ignored() -> None:
    published, _ = _dates(
        "",
        '<nav><time datetime="2030-01-01T00:00:00Z">x</time></nav>'
        '<article><time datetime="2024-04-04T04:04:00Z">y</time></article>',
    )
    assert published == datetime(2024, 4, 4, 4, 4, tzinfo=UTC)


# --- links and decoding -----------------------------------------------------------------------


def test_links_with_base_href_and_multi_token_rel() -> None:
    tree = document_fromstring(
        '<html><head><base href="https://cdn.example.org/site/">'
        '<link rel="Canonical" href="story/1#comments">'
        '<link rel="amphtml alternate" href="/amp/story/1">'
        "</head><body></body></html>"
    )
    assert find_links(tree, "https://example.org/x") == (
        "https://cdn.example.org/site/story/1",
        "https://cdn.example.org/amp/story/1",
    )
    tree = document_fromstring(
        '<html><head><link rel="canonical" href="javascript:void(0)"></head><body></body></html>'
    )
    assert find_links(tree, "https://example.org/x") == (None, None)


def test_decode_prefers_bom_then_declared_then_utf8() -> None:
    html = "<html><head><title>Zoë</title></head><body><p>Zoë</p></body></html>"
    assert "Zoë" in decode_body(b"\xef\xbb\xbf" + html.encode("utf-8"))
    assert "Zoë" in decode_body(html.encode("cp1252"), "text/html; charset=windows-1252")
    assert "Zoë" in decode_body(html.encode("utf-8"), "text/html; charset=bogus-charset")
    assert "Zoë" in decode_body(html.encode("utf-16"))


def test_decode_rejects() -> None:
    with pytest.raises(ExtractionError) as info:
        decode_body(b"<html>x</html>", "image/jpeg")
    assert info.value.reason is FailureReason.NOT_HTML
    with pytest.raises(ExtractionError) as info:
        decode_body("<html><body>" + "\ufffd" * 500 + "</body></html>")
    assert info.value.reason is FailureReason.BAD_ENCODING
