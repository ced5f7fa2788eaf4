"""normalize_text against its first implementation, on generated text.

The faster one skips the work that cannot change ASCII text and leaves lone spaces alone; the
canonical form (so every stored content hash) must be the same.
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from archive.extract.normalize import (
    _INVISIBLE,
    _QUOTES,
    _unescape,
    normalize_text,
    split_paragraphs,
)

_REFERENCE_WHITESPACE = re.compile(r"\s+")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85]+")


def _reference(text: str) -> str:
    text = _unescape(text)
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_INVISIBLE).translate(_QUOTES)
    return _REFERENCE_WHITESPACE.sub(" ", text).strip()


_SPECIAL = "".join(map(chr, [*_INVISIBLE, *_QUOTES]))
_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(f"ab .,&;#x{_SPECIAL}\u00a0\u2009\u3000\t\n\r\x0b\u0301e\u00e9"),
        st.characters(),
    ),
    max_size=60,
)


@settings(max_examples=1500, deadline=None)
@given(_TEXT)
@example("e\u0301 \u00a0 \u2019 &rsquo; \u200b")
@example("plain  ascii\ttext ")
def test_normalize_text_is_the_reference(text: str) -> None:
    assert normalize_text(text) == _reference(text)


@settings(max_examples=500, deadline=None)
@given(_TEXT)
def test_split_paragraphs_is_the_reference(text: str) -> None:
    parts = (_reference(part) for part in _LINE_BREAK.split(text))
    assert split_paragraphs(text) == tuple(part for part in parts if part)
