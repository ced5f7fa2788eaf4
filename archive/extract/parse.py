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
parser options and the repairs before parsing are trafilatura's, except ``huge_tree``: a single
text node or attribute over libxml2's 10,000,000-byte limit no longer ends the document.

:func:`parse_body` is the whole way from a fetched body to that tree, which the extractor, its
fast path and ``bench.extract_identity`` all take.
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
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML, is_dubious_html, repair_faulty_html

from archive.extract.decode import decode_body


def _parser() -> HTMLParser:
    parser = HTMLParser(
        collect_ids=False,
        default_doctype=False,
        encoding="utf-8",
        remove_comments=True,
        remove_pis=True,
        # Without it libxml2 stops at the first text node or attribute over 10,000,000 bytes
        # (an inline JSON state, a data: URL) and the article after it is lost.  The body is
        # bounded by max_body_bytes already, and the HTML parser expands no entities.
        huge_tree=True,
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
# (Tag names are case-insensitive in ASCII only, as in HTML: the names are matched in ASCII
# mode, the rest of each pattern as Unicode, as it always was.)
_PREFORMATTED_NAMES = ("pre", "textarea", "listing", "xmp", "script", "style")  # and plaintext
_PREFORMATTED_START = re.compile(rf"<(?a:(?:({'|'.join(_PREFORMATTED_NAMES)})|plaintext))\b", re.I)
_PREFORMATTED_END = {name: re.compile(rf"</(?a:{name})\s*>", re.I) for name in _PREFORMATTED_NAMES}
_RUN_OF_SPACES = re.compile("  +")


def collapse_source_whitespace(text: str) -> str:
    """The page's source with each whitespace run outside preformatted elements one space.

    trafilatura keeps the source's line breaks inside some paragraphs (those holding a
    ``<br>``, for one), and a line break in its text is a paragraph break to redline:
    re-indented HTML would otherwise split a paragraph into one per source line.  Done on the
    source, the articles are the same as collapsing every text node of the parsed tree, on the
    181 corpus pages and the GOV.UK and CNN development pages (attribute values are collapsed
    too, which a browser does not do; nothing redline reads from an attribute depends on the
    source's line breaks).

    A preformatted element runs from its start tag to the first matching end tag; one without
    an end tag is not preformatted, except ``<plaintext>``, which runs to the end of the page.
    The work is done by C-level scans (``str.replace``, and regular expressions that start with
    a literal): about 0.6 ms for the corpus's average page of 170,000 characters, where one
    regular expression for the whitespace and one for the elements cost 2.4 ms.
    """
    parts: list[str] = []
    position = 0
    search_from = 0
    unclosed: set[str] = set()  # names with no end tag after some point: none after it either
    while start := _PREFORMATTED_START.search(text, search_from):
        name = start.group(1)
        if name is None:  # <plaintext>: the rest of the page
            parts += [_collapse(text[position : start.start()]), text[start.start() :]]
            return "".join(parts)
        name = name.lower()
        end = None if name in unclosed else _PREFORMATTED_END[name].search(text, start.end())
        if end is None:  # never closed: not a preformatted element
            unclosed.add(name)  # (so a hostile page of unclosed tags stays linear)
            search_from = start.start() + 1
            continue
        parts.append(_collapse(text[position : start.start()]))
        parts.append(text[start.start() : end.end()])
        position = search_from = end.end()
    parts.append(_collapse(text[position:]))
    return "".join(parts)


def _collapse(text: str) -> str:
    """Each run of ASCII whitespace one space (a lone space is kept, so is a no-break space)."""
    text = text.replace("\t", " ").replace("\n", " ").replace("\r", " ").replace("\f", " ")
    return _RUN_OF_SPACES.sub(" ", text)


# The characters trafilatura's repair deletes (``INVALID_XML_CHARS``) that
# :func:`archive.extract.decode.decode_body` leaves in a page: a form feed (whitespace, which
# :func:`collapse_source_whitespace` leaves in preformatted elements) and two non-characters.
# It deletes every other C0 control but tab, line feed and carriage return, as decode_body does.
_LEFT_BY_DECODING = ("\x0c", "\ufffe", "\uffff")


def repair_decoded(text: str, beginning: str) -> str:
    """trafilatura's ``repair_faulty_html`` of a page :func:`decode_body` gave.

    trafilatura's searches the whole page for characters XML cannot hold, with a regular
    expression that costs about 0.5 ms on the corpus's average page of 165,000 characters;
    decode_body has removed all but three of them, and looking for those three costs 0.02 ms.
    When none is there, the rest of trafilatura's repair is done here, as it does it (the
    tests compare the two).
    """
    if any(char in text for char in _LEFT_BY_DECODING):
        return repair_faulty_html(text, beginning)
    if "doctype" in beginning:
        firstline, _, rest = text.partition("\n")
        text = DOCTYPE_TAG.sub("", firstline, count=1) + "\n" + rest
    for line in text[:4096].splitlines()[:4]:
        if "<html" in line and line.endswith("/>"):
            return FAULTY_HTML.sub(r"\1>", text, count=1)
    return text


def parse_page(text: str, *, decoded: bool = False) -> HtmlElement | None:
    """The page's tree, as trafilatura's ``load_html`` builds it from decoded text, or None
    when lxml finds no HTML document in it.

    ``decoded``: ``text`` is what :func:`decode_body` gave (its control characters removed),
    collapsed or not by :func:`collapse_source_whitespace`, which lets the repair before
    parsing skip its search for them (:func:`repair_decoded`).
    """
    beginning = text[:50].lower()
    dubious = is_dubious_html(beginning)
    text = repair_decoded(text, beginning) if decoded else repair_faulty_html(text, beginning)
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


def parse_body(body: bytes | str, content_type: str | None = None) -> HtmlElement | None:
    """A fetched page's tree as the extractor parses it: decoded (``Content-Type`` if known),
    its source whitespace collapsed, then :func:`parse_page` (None: no HTML document).

    Raises:
        ExtractionError: ``NOT_HTML`` or ``BAD_ENCODING``, from
            :func:`~archive.extract.decode.decode_body`.
    """
    return parse_page(collapse_source_whitespace(decode_body(body, content_type)), decoded=True)
