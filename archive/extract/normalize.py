"""Text normalisation: one canonical spelling for text that reads the same.

The archive versions articles by ``content_hash``, so two serialisations of the same article
must normalise to identical strings.  This module owns the rules that make that so:

* Unicode NFC (``e`` + combining acute and ``é`` are one character);
* HTML entities left in the text after parsing (``&rsquo;``, ``&#8217;``, ``&amp;#8217;`` from
  double-escaping CMSes) are decoded;
* typographic quotes and primes fold to ASCII ``'`` and ``"``: "smart quote" filters
  (WordPress' ``wptexturize``, AMP renderers, CDN rewriters) toggle them between
  serialisations of one article, and a changed quote mark is never an edit worth recording;
* every kind of whitespace (non-breaking, thin, ideographic, tabs) collapses to one space;
* invisible characters (zero-width space, word joiner, BOM, soft hyphen) are removed.

It must not change words: no case folding, no NFKC (which would rewrite ligatures, full-width
CJK punctuation and superscripts), no dash or ellipsis folding.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Removed outright: they render as nothing.  ZWJ/ZWNJ (U+200D, U+200C) are kept on purpose:
# they change shaping in Persian, Indic scripts and emoji sequences, so they are content.
_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u2060\ufeff\u00ad\u180e\u200e\u200f\u2061\u2062\u2063\u2064"), None
)

# Typographic quotes and primes -> ASCII (see the module docstring for why).
_QUOTES = str.maketrans(
    {
        "\u2018": "'",  # left single quotation mark
        "\u2019": "'",  # right single quotation mark / apostrophe
        "\u201a": "'",  # single low-9 quotation mark
        "\u201b": "'",  # single high-reversed-9 quotation mark
        "\u2032": "'",  # prime
        "\u02bc": "'",  # modifier letter apostrophe
        "\u201c": '"',  # left double quotation mark
        "\u201d": '"',  # right double quotation mark
        "\u201e": '"',  # double low-9 quotation mark
        "\u201f": '"',  # double high-reversed-9 quotation mark
        "\u2033": '"',  # double prime
    }
)

# Both at once (their characters are distinct), and a quick test for any of them.
_INVISIBLE_AND_QUOTES = {**_INVISIBLE, **_QUOTES}
_SPECIAL = re.compile("[" + "".join(map(chr, _INVISIBLE_AND_QUOTES)) + "]")

# Any run of Unicode whitespace (``\s`` in ``re`` covers NBSP, U+2009, U+202F, U+3000...): a
# run of two or more, or one that is not a plain space (a lone space is already what it
# would become, and substituting every one of them was half the cost of this module).
_WHITESPACE = re.compile(r"\s{2,}|[^\S ]")

# A well-formed entity left in text: named, decimal or hex, with its semicolon.  Requiring the
# semicolon keeps prose such as "AT&T" or "R&D" untouched.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Paragraph separators in trafilatura's text output (and U+2028/U+2029 from some CMSes).
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85]+")


def _unescape(text: str) -> str:
    # Twice at most: "&amp;rsquo;" -> "&rsquo;" -> "'".  A loop could be made to spin by
    # pathological input; two rounds cover every double-escaping CMS we know of.
    for _ in range(2):
        if "&" not in text or not _ENTITY.search(text):
            break
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    return text


def normalize_text(text: str) -> str:
    """Normalise one run of inline text (a headline, a paragraph, a byline) to its canonical form.

    >>> normalize_text("It&rsquo;s\\u00a0 a\\u200b  test ")
    "It's a test"
    """
    text = _unescape(text)
    if not text.isascii():  # (ASCII text is NFC and has none of the characters translated)
        text = unicodedata.normalize("NFC", text)
        if _SPECIAL.search(text):  # str.translate looks every character up in Python
            text = text.translate(_INVISIBLE_AND_QUOTES)
    return _WHITESPACE.sub(" ", text).strip()


def normalize_optional(text: str | None) -> str | None:
    """:func:`normalize_text`, mapping ``None`` and blank results to ``None``."""
    if text is None:
        return None
    return normalize_text(text) or None


def split_paragraphs(text: str) -> tuple[str, ...]:
    """Split text on line breaks into normalised, non-empty paragraphs."""
    parts = (normalize_text(part) for part in _LINE_BREAK.split(text))
    return tuple(part for part in parts if part)
