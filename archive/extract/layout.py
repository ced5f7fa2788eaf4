"""Layout tables: a page laid out in a ``<table>`` is read as blocks, not as a table of data.

Old templates (and some current ones) put the whole article in a table cell, its paragraphs
as ``<p>`` elements inside.  trafilatura renders a table cell as one line, so the article
came out as one paragraph: every edit was "that paragraph changed", a move or an addition
among many others.  :func:`unwrap_layout_tables` turns a table whose cells hold several
paragraphs of running text into ``<div>`` elements before trafilatura, so that each paragraph
is one, as a reader sees it; tables of data (cells of figures, names, short text) are left
as they are.
"""

from __future__ import annotations

from lxml.html import HtmlElement

# A cell holds article text when it has this many paragraphs of running text ...
MIN_CELL_PARAGRAPHS = 2
# ... each with at least this many characters.
MIN_PARAGRAPH_CHARS = 80

_TABLE_PARTS = ("table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption")


def _holds_prose(cell: HtmlElement) -> bool:
    count = 0
    for paragraph in cell.iter("p"):
        if len(paragraph.text_content().strip()) >= MIN_PARAGRAPH_CHARS:
            count += 1
            if count >= MIN_CELL_PARAGRAPHS:
                return True
    return False


def unwrap_layout_tables(tree: HtmlElement) -> int:
    """Turn layout tables into ``<div>`` blocks (in place); returns how many were."""
    done = 0
    for table in list(tree.iter("table")):
        cells = [c for c in table.iter("td", "th") if _nearest_table(c) is table]
        if not any(_holds_prose(cell) for cell in cells):
            continue
        parts = [
            part
            for part in table.iter(*_TABLE_PARTS)
            if part is table or (part.tag != "table" and _nearest_table(part) is table)
        ]
        for element in parts:
            element.tag = "div"
        done += 1
    return done


def _nearest_table(element: HtmlElement) -> HtmlElement | None:
    return next(element.iterancestors("table"), None)
