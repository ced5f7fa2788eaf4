"""How much a piece of text changed, and the one-word label of a whole change.

This module owns the thresholds.  Each is a named constant with the reason for its value;
change one only together with the tests that pin it.  It must not align or diff anything:
it reads the word diffs that ``words`` made.

Per edit (``paragraph_changed``, ``headline``, and the text of moves, splits and merges):

* **trivial** when the two texts are equal once case, whitespace, punctuation and quote
  style are ignored (``fold``): a typo-level or typographic fix that says the same thing;
* **major** when the share of words changed reaches ``MAJOR_WORD_SHARE``;
* **minor** otherwise.

The share of words changed is ``(words deleted + words inserted) / (words before + words
after)``: 0 for no change, 1 for a full rewrite, symmetric in the two sides.

Per change (``label``), from least to most: ``metadata-only`` when every edit is a metadata
edit (or there is none); ``trivial`` when every text edit is trivial; ``major`` when any
edit is major, a correction note appears, or the body as a whole changed by at least
``ARTICLE_MAJOR_SHARE``; ``minor`` otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from archive.diff.records import METADATA_KINDS, Edit, WordOp
from archive.enums import ChangeLabel, EditKind, Significance

# A paragraph is "majorly" changed when at least 40% of its words (counted on both sides)
# changed.  Replacing one clause of ~10 words in a typical 40-60 word news paragraph gives
# 20/100 = 0.2 (minor: a fact updated, a figure corrected); rewriting one of its two
# sentences gives about 0.5.  0.4 sits between the two.
MAJOR_WORD_SHARE = 0.4

# A whole article is "majorly" changed when 15% of its body words changed, even if no single
# paragraph was: e.g. three new paragraphs added to a ten-paragraph story.  One added
# paragraph in a 20-paragraph story is about 2.5% and stays minor.
ARTICLE_MAJOR_SHARE = 0.15

_WORD_RE = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Text reduced to its words, case-folded: what is left after trivial changes."""
    normalized = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_WORD_RE.findall(normalized))


def is_trivial(old: str, new: str) -> bool:
    """True when ``old`` and ``new`` differ only in whitespace, punctuation, case or quotes."""
    return fold(old) == fold(new)


def count_words(text: str) -> int:
    """The number of words in ``text``."""
    return len(_WORD_RE.findall(text))


def changed_words(diffs: Sequence[WordOp]) -> tuple[int, int]:
    """Words deleted and words inserted according to a word diff."""
    deleted = sum(count_words(text) for op, text in diffs if op < 0)
    inserted = sum(count_words(text) for op, text in diffs if op > 0)
    return deleted, inserted


def word_share(diffs: Sequence[WordOp], old_words: int, new_words: int) -> float:
    """Share of words changed, from 0 (none) to 1 (all); see the module docstring."""
    deleted, inserted = changed_words(diffs)
    total = old_words + new_words
    return (deleted + inserted) / total if total else 0.0


def classify(old: str, new: str, diffs: Sequence[WordOp]) -> Significance:
    """Significance of the change from ``old`` to ``new`` given their word diff."""
    if is_trivial(old, new):
        return Significance.TRIVIAL
    share = word_share(diffs, count_words(old), count_words(new))
    return Significance.MAJOR if share >= MAJOR_WORD_SHARE else Significance.MINOR


def label_change(edits: Iterable[Edit], body_share: float) -> ChangeLabel:
    """The label of a whole change (see the module docstring).

    Args:
        edits: all edits of the change.
        body_share: share of body words changed across the article, as ``word_share``.
    """
    label = ChangeLabel.METADATA_ONLY
    for edit in edits:
        label = max(label, _edit_label(edit), key=lambda item: item.rank)
    if label is ChangeLabel.MINOR and body_share >= ARTICLE_MAJOR_SHARE:
        return ChangeLabel.MAJOR
    return label


def _edit_label(edit: Edit) -> ChangeLabel:
    if edit.kind in METADATA_KINDS:
        return ChangeLabel.METADATA_ONLY
    if edit.kind is EditKind.CORRECTION_NOTE:
        # A published correction admits an error of fact: what this archive exists to show.
        return ChangeLabel.MAJOR
    if edit.significance is not None:
        return ChangeLabel(edit.significance.value)
    # Added and removed paragraphs, and moves of unchanged text, are real edits of the story
    # but their weight depends on the article's size: counted through ``body_share``.
    return ChangeLabel.MINOR
