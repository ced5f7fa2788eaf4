"""A short article's standfirst and dateline stub must not come and go as the story grows."""

from __future__ import annotations

from archive.extract import extract_article
from archive.extract.chrome import is_chrome

BODY = [
    "09:05 GMT - Pro-government outlets say the army has secured the citadel after a night of"
    " shelling on the western approaches.",
    "07:40 GMT - Good morning. Troops backed by jets are advancing on the city from the west.",
]
MORE = [
    "13:20 GMT - State television reports troops inside the western districts of the city; "
    "monitoring groups say the fighting goes on in the north.",
    "12:00 GMT - Engineers are clearing mines from the road into the old town, officials say.",
]


def page(paragraphs):
    items = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<html><head><title>Palmyra: live updates</title>
<meta name="description" content="The latest from the army's push on the desert city.">
</head><body><article><h1>Palmyra: live updates</h1>
<p class="standfirst">The latest from the army's push on the desert city.</p>
<p class="dateline">Published <time datetime="2017-03-01T07:40:00Z">7:40</time> ·
Updated <time datetime="2017-03-01T09:05:00Z">9:05</time></p>
<div class="body">{items}</div></article></body></html>"""


def test_dateline_remnants_are_chrome_but_sentences_are_not():
    for stub in ("Published · Updated", "Posted , updated", "First published / Last updated"):
        assert is_chrome(stub), stub
    assert not is_chrome("Published in 1919, the report was updated twice.")


def test_standfirst_and_dateline_never_enter_the_body():
    short = extract_article(page(BODY), "https://news.example/live", min_chars=50)
    longer = extract_article(page(MORE + BODY), "https://news.example/live", min_chars=50)
    for article in (short, longer):
        assert article.description == "The latest from the army's push on the desert city."
        assert all("desert city" not in p and "Published" not in p for p in article.paragraphs)
    assert longer.paragraphs[len(MORE) :] == short.paragraphs  # the story grew, nothing else


LEAD = "Countries and organisations invited to attend the security exhibition this spring."
LATER = [
    "Algeria, Argentina and Australia were among the first countries to confirm they would send"
    " delegations to the exhibition.",
    "The organisers said more than forty countries had been invited this year, ten more than at"
    " the previous exhibition.",
]


def summary_page(body: list[str], *, lead: bool = True) -> str:
    """A page that prints its summary (the description) above the metadata, as GOV.UK does,
    and the body apart from it."""
    items = "".join(f"<p>{p}</p>" for p in body)
    shown = f'<p class="lead-paragraph">{LEAD}</p>' if lead else ""
    return f"""<html><head><title>Security exhibition 2022</title>
<meta name="description" content="{LEAD}"></head><body><main>
<div class="title"><h1>Security exhibition 2022</h1>{shown}</div>
<dl class="metadata"><dt>From:</dt><dd><a href="/org">Home Office</a></dd>
<dt>Published</dt><dd>14 March 2022</dd></dl>
<div class="body"><div class="text">{items}</div></div></main></body></html>"""


def test_a_body_paragraph_rewritten_to_read_as_the_summary_stays_in_the_body():
    """The page prints its summary, then opens the body with the same words: that copy is a
    paragraph of the article, which changed from what it said before, not one removed."""
    from archive.diff import compare

    url = "https://gov.example/news/security-exhibition"
    first = "Countries and organisations invited by the trade department to attend include:"
    before = extract_article(summary_page([first, *LATER]), url, min_chars=50)
    after = extract_article(summary_page([LEAD, *LATER]), url, min_chars=50)
    assert before.description == after.description == LEAD
    assert before.paragraphs == (first, *LATER)
    assert after.paragraphs == (LEAD, *LATER)
    kinds = compare(before, after).kinds()
    assert kinds == {"paragraph_changed": 1}, kinds


def test_twin_a_body_that_opens_with_the_summary_printed_once_reports_it_as_the_description():
    """No summary printed above: the body's opening is the description, reported once."""
    url = "https://gov.example/news/security-exhibition"
    article = extract_article(summary_page([LEAD, *LATER], lead=False), url, min_chars=50)
    assert article.description == LEAD
    assert article.paragraphs == tuple(LATER)
