"""Word-level diffs through diff-match-patch.

diff-match-patch diffs characters.  Run on whole texts at character level it is fast but
highlights fragments of words; so, as in its "line mode", each distinct token (a word, a run
of whitespace, or one punctuation mark) is mapped to one private character, the mapped
strings are diffed, and the result is mapped back and given semantic cleanup.  Callers diff
only paragraphs that alignment paired, never whole articles, which keeps this cheap.

Every call has a deadline (``Diff_Timeout``).  When diff-match-patch runs out of time its
answer is still a correct diff, only coarser; when even the budget is gone, ``word_diff``
falls back to "delete all, insert all", which is always correct.  This module must not know
about articles or edits.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from diff_match_patch import diff_match_patch

from archive.diff.records import WordOp

# Per-call time limit for diff-match-patch, in seconds.  A changed paragraph of a few hundred
# words diffs in well under a millisecond; 0.5 s only binds on pathological input.
DIFF_TIMEOUT_S = 0.5

# Words (letters, digits, apostrophes inside words), runs of whitespace, or any other single
# character (punctuation, quotes, symbols).
TOKEN_RE = re.compile(r"\w+(?:['’]\w+)*|\s+|[^\w\s]", re.UNICODE)

# First code point used to stand for a token: above the Basic Latin/Latin-1 range so the
# mapped string never looks like text to diff-match-patch's semantic cleanup heuristics.
_FIRST_CODE = 0x100
_SURROGATES = range(0xD800, 0xE000)


@dataclass
class Budget:
    """Time left for word diffs in one comparison (monotonic clock, seconds)."""

    total_s: float = 2.0
    started_at: float = field(default_factory=time.monotonic)

    @property
    def left_s(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.total_s - (time.monotonic() - self.started_at))


def tokenize(text: str) -> list[str]:
    """Split text into word, whitespace and punctuation tokens that join back to ``text``."""
    return TOKEN_RE.findall(text)


def word_diff(old: str, new: str, budget: Budget | None = None) -> list[WordOp]:
    """Diff ``old`` against ``new`` word by word.

    Returns diff-match-patch style ``(op, text)`` pairs (-1 deleted, 0 kept, 1 inserted)
    whose kept+deleted parts join to ``old`` and kept+inserted parts join to ``new``.
    """
    if old == new:
        return [(0, old)] if old else []
    timeout = DIFF_TIMEOUT_S if budget is None else min(DIFF_TIMEOUT_S, budget.left_s)
    if timeout <= 0:
        return _replace_all(old, new)
    engine = diff_match_patch()
    engine.Diff_Timeout = timeout
    encoded_old, encoded_new, tokens = _encode(tokenize(old), tokenize(new))
    diffs = engine.diff_main(encoded_old, encoded_new, False)
    # Semantic cleanup runs on the encoded diff, where one character is one token, so it can
    # only ever move edit boundaries between tokens: a word is never cut in two.
    engine.diff_cleanupSemantic(diffs)
    decoded = [(op, "".join(tokens[ord(c) - _FIRST_CODE] for c in text)) for op, text in diffs]
    return _merge([(int(op), text) for op, text in decoded if text])


def _encode(old: list[str], new: list[str]) -> tuple[str, str, list[str]]:
    """Map each distinct token to one character; return both strings and the token table."""
    table: list[str] = []
    codes: dict[str, str] = {}

    def code(token: str) -> str:
        found = codes.get(token)
        if found is None:
            point = _FIRST_CODE + len(table)
            if point >= _SURROGATES.start:
                point += len(_SURROGATES)
            found = codes[token] = chr(point)
            table.append(token)
        return found

    encoded_old = "".join(code(t) for t in old)
    encoded_new = "".join(code(t) for t in new)
    # Indexes skip the surrogate block: rebuild the table so ord(c) - _FIRST_CODE indexes it.
    if len(table) > _SURROGATES.start - _FIRST_CODE:
        gap = [""] * len(_SURROGATES)
        cut = _SURROGATES.start - _FIRST_CODE
        table = table[:cut] + gap + table[cut:]
    return encoded_old, encoded_new, table


def _replace_all(old: str, new: str) -> list[WordOp]:
    return [op for op in ((-1, old), (1, new)) if op[1]]


def _merge(diffs: list[WordOp]) -> list[WordOp]:
    """Join neighbouring operations of the same kind (cleanup can leave them split)."""
    merged: list[WordOp] = []
    for op, text in diffs:
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged


def diff_old_text(diffs: list[WordOp] | tuple[WordOp, ...]) -> str:
    """The old text a word diff was made from."""
    return "".join(text for op, text in diffs if op <= 0)


def diff_new_text(diffs: list[WordOp] | tuple[WordOp, ...]) -> str:
    """The new text a word diff was made from."""
    return "".join(text for op, text in diffs if op >= 0)
