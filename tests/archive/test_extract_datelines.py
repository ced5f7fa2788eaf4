"""A dateline alone on a line ("Published 14 September 2021") is page chrome: the times are
read from the markup, and as a paragraph the line comes and goes with the page template.
A sentence that merely opens with such words is text."""

from __future__ import annotations

import pytest

from archive.extract.chrome import is_chrome
from archive.extract.normalize import normalize_text

DATELINES = [
    "Published 14 September 2021",
    "Last updated: 7 May 2019, 10:02",
    "Published 8 November 2018 Last updated 7 May 2019 — see all updates",
    "Updated March 3, 2024 at 10:15 a.m. EST",
    "Posted on 2021-09-14",
    "First published 3rd May 2020 | Last modified 4 May 2020",
]

SENTENCES = [
    "Published 14 September 2021, the report found that rents rose by a fifth.",
    "Updated 14 September 2021: the figures were revised after an error.",
    "Published in 1919, the report was updated twice.",
    "Last updated in May, the guidance still tells travellers to quarantine.",
]


@pytest.mark.parametrize("line", DATELINES)
def test_dateline_alone_is_chrome(line: str) -> None:
    assert is_chrome(normalize_text(line)), line


@pytest.mark.parametrize("line", SENTENCES)
def test_sentence_opening_with_a_date_is_text(line: str) -> None:
    assert not is_chrome(normalize_text(line)), line
