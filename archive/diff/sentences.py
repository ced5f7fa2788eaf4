"""Sentence splitting and sentence-level alignment counts.

The NewsEdits study of news revisions (Spangher et al., NAACL 2022) describes an article
update as sentences added, deleted and edited; this module gives the same three figures for
one change.  It owns only counting: which sentence became which is not recorded.

Sentences are aligned like paragraphs, in miniature: equal sentences (after ``fold``) are
matched in order by ``difflib``; in each gap, pairs at least ``SENTENCE_SIMILARITY`` alike
count as changed; the rest were added or removed.  Only the text of edited paragraphs is
aligned (unchanged paragraphs have no sentence edits), which keeps this cheap on long
articles.  A sentence that moved to another paragraph counts as removed there and added here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from archive.diff.significance import fold

# Two sentences in the same place are one sentence edited when they share at least half of
# their distinct words: the paragraph threshold, for the same reasons.
SENTENCE_SIMILARITY = 0.5

# Abbreviations after which a full stop does not end a sentence (lower case, without dot).
_ABBREVIATION_WORDS = (
    "mr mrs ms dr prof st jr sr gen gov sen rep lt col sgt capt cmdr adm rev "
    "inc ltd co corp no vs etc al approx dept est fig jan feb mar apr jun jul aug sep sept "
    "oct nov dec u.s u.k e.g i.e"
)
ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())

# A sentence ends at ., ! or ? (and any closing quotes or brackets) followed by whitespace.
_END_RE = re.compile(r"[.!?]+[\"'”’)\]]*\s+")
_LAST_WORD_RE = re.compile(r"[\w.]+$")

# How far back to look for the word before a full stop (longest abbreviation and then some).
_LOOKBACK = 12


@dataclass(frozen=True)
class SentenceCounts:
    """Sentences added, removed and changed between two texts."""

    added: int = 0
    removed: int = 0
    changed: int = 0

    def __add__(self, other: SentenceCounts) -> SentenceCounts:
        return SentenceCounts(
            self.added + other.added, self.removed + other.removed, self.changed + other.changed
        )


def split_sentences(text: str) -> list[str]:
    """Split text into sentences, keeping abbreviations such as "Mr." and "U.S." whole.

    >>> split_sentences("Mr. Smith left. He was 3.5 km away! Why?")
    ['Mr. Smith left.', 'He was 3.5 km away!', 'Why?']
    """
    sentences: list[str] = []
    start = 0
    for match in _END_RE.finditer(text):
        if match.group().startswith(".") and _after_abbreviation(text, start, match.start()):
            continue
        sentences.append(text[start : match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _after_abbreviation(text: str, start: int, stop: int) -> bool:
    """True when the full stop at ``stop`` follows an abbreviation or an initial."""
    last = _LAST_WORD_RE.search(text, max(start, stop - _LOOKBACK), stop)
    word = last.group().lower().rstrip(".") if last else ""
    return word in ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def count_sentence_edits(old: Sequence[str], new: Sequence[str]) -> SentenceCounts:
    """Align two lists of sentences and count added, removed and changed ones."""
    old_keys = [fold(s) for s in old]
    new_keys = [fold(s) for s in new]
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    total = SentenceCounts()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            total = total + _count_gap(old_keys[i1:i2], new_keys[j1:j2])
    return total


def compare_texts(old: str, new: str) -> SentenceCounts:
    """Sentence edits between two texts."""
    return count_sentence_edits(split_sentences(old), split_sentences(new))


def _count_gap(old: list[str], new: list[str]) -> SentenceCounts:
    """Pair similar sentences of a gap in order (greedy, no crossing); count the rest."""
    old_sets = [frozenset(s.split()) for s in old]
    new_sets = [frozenset(s.split()) for s in new]
    changed = 0
    j_start = 0
    for words in old_sets:
        for j in range(j_start, len(new_sets)):
            total = len(words) + len(new_sets[j])
            if total and 2 * len(words & new_sets[j]) / total >= SENTENCE_SIMILARITY:
                changed += 1
                j_start = j + 1
                break
    return SentenceCounts(added=len(new) - changed, removed=len(old) - changed, changed=changed)
