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
