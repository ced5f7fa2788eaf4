"""parse_page: a decoded page into the lxml tree trafilatura works on, built faster.

trafilatura's own ``load_html`` parses with ``lxml.html``'s parser, whose element classes are
chosen per element by a Python function (``HtmlElementClassLookup.lookup``: ``<form>`` gets a
``FormElement``, ``<input>`` an ``InputElement``...).  lxml calls it every time Python touches
an element it has not handed out yet, and trafilatura, its readability fallback and our own
cleaning walk the whole tree several times: about 5,000 calls and 2-3 ms of CPU a page on the
article-extraction-benchmark pages, a tenth of the extraction.

Here every element is a plain ``HtmlElement`` chosen by lxml's C-level default lookup.  Nothing
on the extraction path uses the form-specific classes, and the extracted articles are the same
(``tests/archive/test_extract_parse.py`` checks it against ``load_html`` on the fixture pages).  The
parser options and the repairs before parsing are trafilatura's.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import (
    HtmlComment,
    HtmlElement,
    HtmlEntity,
    HTMLParser,
    HtmlProcessingInstruction,
    fromstring,
)
from trafilatura.utils import is_dubious_html, repair_faulty_html


def _parser() -> HTMLParser:
    parser = HTMLParser(
        collect_ids=False,
        default_doctype=False,
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
    )
    parser.set_element_class_lookup(
        etree.ElementDefaultClassLookup(
            element=HtmlElement,
            comment=HtmlComment,
            pi=HtmlProcessingInstruction,
            entity=HtmlEntity,
        )
    )
    return parser


PARSER = _parser()

# Elements whose whitespace is rendered as written (their source, up to the end tag); everywhere
# else a run of whitespace is one space to a reader, however the page's source is laid out.
_PREFORMATTED = re.compile(
    r"<(pre|textarea|listing|xmp|script|style)\b.*?</\1\s*>|<plaintext\b.*", re.I | re.S
)
_SOURCE_WHITESPACE = re.compile(r"[ \t\n\r\f]{2,}|[\t\n\r\f]")


def collapse_source_whitespace(text: str) -> str:
    """The page's source with each whitespace run outside preformatted elements one space.

    trafilatura keeps the source's line breaks inside some paragraphs (those holding a
    ``<br>``, for one), and a line break in its text is a paragraph break to redline:
    re-indented HTML would otherwise split a paragraph into one per source line.  Done on the
    source, with one C-level substitution per stretch between preformatted elements, it costs
    about 0.3 ms a page where collapsing every text node of the parsed tree cost 1.4 ms; the
    articles are the same on the 181 corpus pages and the GOV.UK and CNN development pages
    (attribute values are collapsed too, which a browser does not do; nothing redline reads
    from an attribute depends on the source's line breaks).
    """
    parts: list[str] = []
    position = 0
    for block in _PREFORMATTED.finditer(text):
        parts.append(_SOURCE_WHITESPACE.sub(" ", text[position : block.start()]))
        parts.append(block.group(0))
        position = block.end()
    parts.append(_SOURCE_WHITESPACE.sub(" ", text[position:]))
    return "".join(parts)


def parse_page(text: str) -> HtmlElement | None:
    """The page's tree, as trafilatura's ``load_html`` builds it from decoded text, or None
    when lxml finds no HTML document in it."""
    beginning = text[:50].lower()
    dubious = is_dubious_html(beginning)
    text = repair_faulty_html(text, beginning)
    tree: HtmlElement | None
    try:
        tree = fromstring(text, parser=PARSER)
    except ValueError:  # a Unicode string with an encoding declaration: lxml wants bytes
        tree = None
    except etree.ParserError:
        return None
    if tree is None or len(tree) < 1:
        try:
            tree = fromstring(text.encode("utf-8", "surrogatepass"), parser=PARSER)
        except (ValueError, etree.ParserError):
            return None
    if tree is None or (dubious and len(tree) < 2):
        return None
    return tree
