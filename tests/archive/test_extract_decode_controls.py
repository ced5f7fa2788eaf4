"""count_controls: the fast count of control characters agrees with the regular expression,
and decode_body still strips them (or refuses a page made of them)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.enums import FailureReason
from archive.errors import ExtractionError
from archive.extract.decode import _CONTROL, count_controls, decode_body, undecodable_ratio


@given(st.text())
def test_count_controls_agrees_with_the_regex(text: str) -> None:
    assert count_controls(text) == len(_CONTROL.findall(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("plain\ttext\nwith\r\nbreaks\f", 0),
        ("nul\x00 bell\x07 del\x7f", 3),
        ("caf\u00e9 \u2014 \U0001f600 \x85 \x9f", 0),  # C1 and non-ASCII are not C0 controls
        ("\ud800 lone surrogate \x01", 1),
    ],
)
def test_count_controls_examples(text: str, expected: int) -> None:
    assert count_controls(text) == expected


def test_decode_body_strips_control_characters() -> None:
    body = b"<html><body><p>one\x00two\x1bthree</p></body></html>"
    assert decode_body(body, "text/html") == "<html><body><p>onetwothree</p></body></html>"
    clean = b"<html><body><p>one two three</p></body></html>"
    assert decode_body(clean, "text/html") == clean.decode()


def test_decode_body_refuses_a_page_of_control_characters() -> None:
    body = b"<html><body>" + b"\x01\x02\x03" * 200 + b"</body></html>"
    with pytest.raises(ExtractionError) as caught:
        decode_body(body, "text/html")
    assert caught.value.reason == FailureReason.BAD_ENCODING
    assert undecodable_ratio(body.decode()) > 0.25
