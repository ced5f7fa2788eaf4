"""read_metadata is trafilatura's extract_metadata without categories, tags and licence, and
bare_extraction's text does not depend on whether it reads the metadata itself.

Together: extract_article, which runs bare_extraction(with_metadata=False) and read_metadata,
gives the articles it gave with bare_extraction(with_metadata=True).
"""

from __future__ import annotations

import gzip
from copy import deepcopy
from pathlib import Path

import pytest
from lxml.html import HtmlElement
from trafilatura.metadata import extract_metadata

from archive.extract.decode import decode_body
from archive.extract.extractor import DATE_PARAMS, run_trafilatura
from archive.extract.metadata import FIELDS, read_metadata
from archive.extract.parse import parse_page
from tests.shared_data import require_shared

PAGES = Path(__file__).resolve().parents[1] / "pages"


def _tree(body: bytes) -> HtmlElement:
    tree = parse_page(decode_body(body, "text/html"))
    assert tree is not None
    return tree


def _same_metadata(tree: HtmlElement, url: str) -> list[str]:
    """The fields on which read_metadata and extract_metadata disagree (empty: none)."""
    ours = read_metadata(deepcopy(tree), url, dict(DATE_PARAMS))
    theirs = extract_metadata(deepcopy(tree), url, dict(DATE_PARAMS))
    return [f for f in FIELDS if getattr(ours, f) != getattr(theirs, f)]


def _same_text(tree: HtmlElement, url: str) -> bool:
    texts = [
        getattr(run_trafilatura(deepcopy(tree), url, with_metadata=with_metadata), "text", None)
        for with_metadata in (False, True)
    ]
    return texts[0] == texts[1]


def _items() -> list[tuple[str, bytes, str]]:
    pages = sorted(PAGES.glob("*.html"))
    return [(p.name, p.read_bytes(), f"https://news.example/{p.stem}") for p in pages]


@pytest.mark.parametrize(("name", "body", "url"), _items(), ids=lambda v: str(v)[:40])
def test_fixture_pages(name: str, body: bytes, url: str) -> None:
    tree = _tree(body)
    assert _same_metadata(tree, url) == []
    assert _same_text(tree, url)


def test_the_fields_are_filled() -> None:
    body = (PAGES / "extract-article.html").read_bytes()
    meta = read_metadata(_tree(body), "https://news.example/a", dict(DATE_PARAMS))
    assert meta.title and meta.date and meta.url
    assert not meta.categories and not meta.tags and not meta.license  # never looked for


@pytest.mark.corpus
def test_corpus_pages() -> None:
    root = require_shared("article-extraction-benchmark")
    disagreements = []
    for path in sorted((root / "html").glob("*.html.gz")):
        url = f"https://news.example/{path.name.split('.')[0]}"
        tree = _tree(gzip.decompress(path.read_bytes()))
        fields = _same_metadata(tree, url)
        if fields or not _same_text(tree, url):
            disagreements.append((path.name, fields))
    assert disagreements == []
