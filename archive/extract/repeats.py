"""Paragraphs that a page prints twice in a row, kept twice.

trafilatura drops an element of more than 50 characters whose text equals the one before it,
whatever its ``deduplicate`` option says: a guard against its own passes emitting one
element twice.  A page that really prints a paragraph twice (a publishing slip, fixed on a
later fetch) then extracts as if it printed it once, and the fix, a paragraph removed that a
reader saw go, makes no version.

:func:`repeated_runs` reads the page's own runs of equal consecutive ``<p>`` elements before
trafilatura runs, and :func:`restore_repeats` gives a paragraph of the extracted text back
the copies that the page has and the extraction lost.  Only a text that the page prints in
one run and the extraction keeps in one run is restored, so an element that trafilatura
itself emitted twice (one ``<p>`` in the page) is never doubled, and a text printed in two
places is left as extracted.
"""

from __future__ import annotations

from collections import Counter

from lxml.html import HtmlElement

from archive.extract.normalize import normalize_text


def repeated_runs(tree: HtmlElement) -> dict[str, int]:
    """Texts of ``<p>`` elements printed two or more times in a row (nothing but space between
    them), with the run's length, for the texts that the page prints in that one run only."""
    seen: Counter[str] = Counter()
    runs: dict[str, list[int]] = {}
    last: HtmlElement | None = None
    last_text = ""
    length = 0
    for paragraph in tree.iter("p"):
        text = paragraph.text_content()  # as printed; normalised only for the runs found
        seen[text] += 1
        if (
            text.strip()
            and text == last_text
            and last is not None
            and paragraph.getprevious() is last
            and not (last.tail and last.tail.strip())
        ):
            length += 1
        else:
            if length > 1:
                runs.setdefault(last_text, []).append(length)
            length = 1
        last, last_text = paragraph, text
    if length > 1:
        runs.setdefault(last_text, []).append(length)
    return {
        normalize_text(text): lengths[0]
        for text, lengths in runs.items()
        if len(lengths) == 1 and seen[text] == lengths[0]
    }


def restore_repeats(paragraphs: tuple[str, ...], runs: dict[str, int]) -> tuple[str, ...]:
    """``paragraphs`` with each run of a text in ``runs`` as long as the page's run, where
    the extraction keeps that text in one run, shorter."""
    if not runs:
        return paragraphs
    starts: dict[str, list[int]] = {}
    for index, paragraph in enumerate(paragraphs):
        if paragraph in runs and (index == 0 or paragraphs[index - 1] != paragraph):
            starts.setdefault(paragraph, []).append(index)
    restored = list(paragraphs)
    for text, indexes in sorted(starts.items(), key=lambda item: -item[1][0]):
        if len(indexes) != 1:
            continue
        start = stop = indexes[0]
        while stop < len(paragraphs) and paragraphs[stop] == text:
            stop += 1
        missing = runs[text] - (stop - start)
        if missing > 0:
            restored[stop:stop] = [text] * missing
    return tuple(restored)
