"""Tier 0 on the river report's pages (tests of the template's guards, probes and block
vocabulary): the page (:func:`page`), a template learned from two payloads at one URL, and a
page checked against it, both as the crawl does with the default minimum article length."""

from __future__ import annotations

from archive.extract import DEFAULT_MIN_CHARS
from archive.extract.extractor import extract_with_fingerprint
from archive.extract.template import check
from archive.extract.template_learn import learn_with_fingerprint
from tests.pages import PARAGRAPHS

URL = "https://news.example/world/river"
CT = "text/html; charset=utf-8"
# the page's markup states both its timestamps: htmldate reads them first and stops there
DATED = (
    '<meta property="article:published_time" content="2025-03-01T09:00:00Z">'
    '<meta property="article:modified_time" content="2025-03-20T09:00:00Z">'
)

# The river in flood, a story for pages that print their description: the description and
# the story's paragraphs.
FLOOD_DESCRIPTION = (
    "Emergency shelters opened as the river burst its banks after three days of rain."
)
FLOOD = (
    "The river rose by two metres overnight after three days of heavy rain across the valley, "
    "and the town council opened its emergency shelters at the school and the sports hall.",
    "Residents of the lower streets were told to move their cars to higher ground before dawn, "
    "while volunteers filled sandbags outside the fire station until late in the evening.",
    "The water company said that drinking water was safe but asked households to avoid using "
    "more than they needed until the treatment works on the east bank were checked again.",
    "Forecasters expect the rain to ease by the weekend, though the river may not fall back "
    "below its banks for several days, and farmers fear for the crops in the flooded fields.",
)


def learned(old: bytes, new: bytes) -> str:
    """The template learned from ``old`` (the stored payload) and ``new``, located by ``new``'s
    fingerprint."""
    _, fingerprint = extract_with_fingerprint(new, URL, content_type=CT)
    return learn_with_fingerprint(old, new, CT, fingerprint, url=URL, min_chars=DEFAULT_MIN_CHARS)


def checked(body: bytes, template: str) -> str | None:
    """``body`` checked against ``template``: None for "same", else the reason."""
    return check(body, template, url=URL, content_type=CT, min_chars=DEFAULT_MIN_CHARS)


def page(head: str, after: str, last: str = PARAGRAPHS[-1], *, top: str = "") -> bytes:
    """The river report: ``head`` in its head, ``top`` in the article before the story's
    paragraphs (the last one ``last``), ``after`` between the main element and the footer."""
    body = "".join(f"<p>{p}</p>" for p in [*PARAGRAPHS[:-1], last])
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>River report - News</title>{head}</head><body>"
        '<header><a href="/">News</a></header>'
        f"<main><article><h1>River report</h1>{top}{body}</article></main>{after}"
        "<footer><p>About us</p></footer></body></html>"
    ).encode()
