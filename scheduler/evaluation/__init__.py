"""How well redline records edits, measured on generated and real pages: the evaluations that the
benchmarks in ``bench/`` report and the gates in ``tests/`` hold to their floors (one module
each, shared by both; see docs/decisions.md)."""

from collections.abc import Iterable
from typing import Any

from archive.enums import EditKind

#: The kinds of edit both evaluations score, in the order they report them (each adds its own).
CORE_KINDS: tuple[str, ...] = tuple(
    kind.value
    for kind in (
        EditKind.HEADLINE,
        EditKind.UPDATED,
        EditKind.BYLINE,
        EditKind.PARAGRAPH_ADDED,
        EditKind.PARAGRAPH_REMOVED,
        EditKind.PARAGRAPH_CHANGED,
    )
)


def ratio(num: int, den: int) -> float | None:
    """``num / den`` to four places; none where ``den`` is 0."""
    return round(num / den, 4) if den else None


def tally(cases: Iterable[tuple[bool, bool]]) -> dict[str, Any]:
    """True and false positives, false negatives, precision and recall of (expected, reported)
    cases."""
    tp = fp = fn = 0
    for expected, reported in cases:
        tp += expected and reported
        fp += reported and not expected
        fn += expected and not reported
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": ratio(tp, tp + fp),
        "recall": ratio(tp, tp + fn),
    }
