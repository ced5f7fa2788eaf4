"""Exact paragraph matching, patience style: the anchors that alignment builds on.

This module owns only equality matching: common prefix and suffix, then texts unique on both
sides matched along their longest increasing run, recursively in the gaps, and
``difflib.SequenceMatcher`` where a gap has no unique text.  Unique texts make stable anchors
(a repeated "Advertisement" line never pulls the alignment out of place), and the result is
deterministic.  Similarity, moves, splits and merges are ``align``'s business.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Sequence

#: A pair of positions: (old index, new index).
Any2 = tuple[int, int]


def match_equal(old: Sequence[str], new: Sequence[str]) -> list[Any2]:
    """Pairs of equal paragraphs, increasing in both coordinates, sorted."""
    out: list[Any2] = []
    _anchor(old, new, 0, len(old), 0, len(new), out)
    return sorted(out)


def _anchor(
    a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int, out: list[Any2]
) -> None:
    """Patience-style exact matching of ``a[alo:ahi]`` and ``b[blo:bhi]`` into ``out``."""
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        out.append((alo, blo))
        alo, blo = alo + 1, blo + 1
    while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
        ahi, bhi = ahi - 1, bhi - 1
        out.append((ahi, bhi))
    if alo == ahi or blo == bhi:
        return
    unique = _unique_common(a, b, alo, ahi, blo, bhi)
    if not unique:
        matcher = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
        for block in matcher.get_matching_blocks():
            out.extend((alo + block.a + k, blo + block.b + k) for k in range(block.size))
        return
    prev_a, prev_b = alo, blo
    for i, j in _longest_increasing(unique):
        _anchor(a, b, prev_a, i, prev_b, j, out)
        out.append((i, j))
        prev_a, prev_b = i + 1, j + 1
    _anchor(a, b, prev_a, ahi, prev_b, bhi, out)


def _unique_common(
    a: Sequence[str], b: Sequence[str], alo: int, ahi: int, blo: int, bhi: int
) -> list[Any2]:
    """Pairs (i, j) of texts that occur exactly once in each range, in ``a`` order."""
    count_a: dict[str, list[int]] = defaultdict(list)
    count_b: dict[str, list[int]] = defaultdict(list)
    for i in range(alo, ahi):
        count_a[a[i]].append(i)
    for j in range(blo, bhi):
        count_b[b[j]].append(j)
    return [
        (positions[0], count_b[text][0])
        for text, positions in count_a.items()
        if len(positions) == 1 and len(count_b.get(text, ())) == 1
    ]


def _longest_increasing(pairs: list[Any2]) -> list[Any2]:
    """The longest run of pairs increasing in both coordinates (patience sorting)."""
    pairs = sorted(pairs)
    tails: list[int] = []  # index into pairs of the smallest tail of each run length
    back: list[int] = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if pairs[tails[mid]][1] < j:
                lo = mid + 1
            else:
                hi = mid
        back[k] = tails[lo - 1] if lo else -1
        if lo == len(tails):
            tails.append(k)
        else:
            tails[lo] = k
    run: list[Any2] = []
    k = tails[-1] if tails else -1
    while k >= 0:
        run.append(pairs[k])
        k = back[k]
    return run[::-1]
