"""How well redline records edits, measured on generated and real pages: the evaluations that the
benchmarks in ``bench/`` report and the gates in ``tests/`` hold to their floors (one module
each, shared by both; see docs/decisions.md)."""

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
