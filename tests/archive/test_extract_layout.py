"""Layout tables (``archive.extract.layout``): an article laid out in a table cell is read
paragraph by paragraph, so an edit to one paragraph is that paragraph's edit; a table of data
stays a table."""

from __future__ import annotations

from lxml.html import document_fromstring

from archive.diff import compare
from archive.extract import extract_article
from archive.extract.layout import unwrap_layout_tables
from tests.archive.sea_wall import PARAGRAPHS, URL


def page(paragraphs: tuple[str, ...]) -> str:
    cells = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        "<html><head><title>Sea wall work delayed</title></head><body>"
        '<table width="100%"><tr><td class="nav"><a href="/">Home</a></td>'
        f"<td><h1>Sea wall work delayed</h1>{cells}</td></tr></table></body></html>"
    )


def test_an_article_in_a_table_cell_is_read_paragraph_by_paragraph() -> None:
    article = extract_article(page(PARAGRAPHS), URL)
    assert article.paragraphs == PARAGRAPHS


def test_a_paragraph_moved_inside_a_layout_table_is_a_move() -> None:
    old = extract_article(page(PARAGRAPHS), URL)
    new = extract_article(page((PARAGRAPHS[2], PARAGRAPHS[0], PARAGRAPHS[1], PARAGRAPHS[3])), URL)
    assert compare(old, new).kinds() == {"paragraph_moved": 1}


def test_a_table_of_data_stays_a_table() -> None:
    tree = document_fromstring(
        "<html><body><table><tr><th>Town</th><th>Votes</th></tr>"
        "<tr><td>Northport</td><td>1,204</td></tr><tr><td>Eastwick</td><td>988</td></tr>"
        "</table></body></html>"
    )
    assert unwrap_layout_tables(tree) == 0
    assert len(tree.findall(".//td")) == 4


def test_only_the_layout_table_is_unwrapped_not_a_data_table_inside_it() -> None:
    data = "<table><tr><td>Northport</td><td>1,204</td></tr></table>"
    tree = document_fromstring(
        "<html><body><table><tr><td>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:2])
        + data
        + "</td></tr></table></body></html>"
    )
    assert unwrap_layout_tables(tree) == 1
    assert len(tree.findall(".//table")) == 1
    assert len(tree.findall(".//td")) == 2
