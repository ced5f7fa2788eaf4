"""Tier 0 on the river report's pages (tests of the template's guards, probes and block
vocabulary): a template learned from two payloads at one URL, and a page checked against it,
both as the crawl does with the default minimum article length."""

from __future__ import annotations

from archive.extract import DEFAULT_MIN_CHARS
from archive.extract.extractor import extract_with_fingerprint
from archive.extract.template import check
from archive.extract.template_learn import learn_with_fingerprint

URL = "https://news.example/world/river"
CT = "text/html; charset=utf-8"


def learned(old: bytes, new: bytes) -> str:
    """The template learned from ``old`` (the stored payload) and ``new``, located by ``new``'s
    fingerprint."""
    _, fingerprint = extract_with_fingerprint(new, URL, content_type=CT)
    return learn_with_fingerprint(old, new, CT, fingerprint, url=URL, min_chars=DEFAULT_MIN_CHARS)


def checked(body: bytes, template: str) -> str | None:
    """``body`` checked against ``template``: None for "same", else the reason."""
    return check(body, template, url=URL, content_type=CT, min_chars=DEFAULT_MIN_CHARS)
