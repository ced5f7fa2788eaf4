"""Paragraph alignment: which old paragraph became which new one.

This module owns the decision "kept, changed, moved, split, merged, added or removed" for
every paragraph; it works on texts only and must not produce word diffs (``words`` does).

The steps, each deterministic:

1. **Anchors.** Exactly equal paragraphs are matched in order, patience style: common
   prefix and suffix, then paragraphs unique on both sides matched along their longest
   increasing run, recursively in the gaps; where a gap has no unique paragraph,
   ``difflib.SequenceMatcher`` matches it.  One inserted paragraph therefore leaves every
   other paragraph anchored: it never cascades into "everything after it changed".
2. **Exact moves.** A paragraph left unmatched on both sides with the same text is a move.
3. **Splits and merges**, inside each gap between anchors: one old paragraph whose words
   match the union of 2..``MAX_PARTS`` consecutive new ones better than any single one,
   each part being mostly made of the old paragraph's words (the reverse for merges).
4. **Changes**, inside each gap: pairs above ``CHANGED_SIMILARITY``, without crossing, the
   set of them that together are the most alike (a paragraph that crosses its edited
   neighbours is left to the next step, a move).
5. **Moves with edits**: leftover old and new paragraphs in different places that are
   still ``MOVE_SIMILARITY`` alike (by words, or by characters when half their words are
   shared), and clearly more alike than either is to any other
   paragraph (``MOVE_MARGIN``); then a paragraph that moved and gained (or lost) a sentence
   on the way (``_grown_moves``); then leftover table rows with the same name (first cell),
   or a name that gained words at its end that no other row has; then a run of leftover rows
   that went, in order, to another table laid out differently (``_row_run_moves``).
6. **Re-splits**: a leftover new paragraph whose words stand, in order, in the old
   paragraph its changed neighbour came from is the rest of that paragraph, split off
   (a split, not an addition); the mirror for a leftover old paragraph (a merge).
7. Whatever is left was removed or added.

Similarity is the Dice coefficient of the two paragraphs' sets of folded words; for changes
(step 4), a short paragraph or one in the same place may also match by the ratio of its
characters (``SHORT_WORDS``), as a reader sees a respelt list item or a reworded sentence,
and shared words count only when one of the two texts mostly stands in the other
(``MOSTLY_KEPT``): a paragraph written anew around the same names is another paragraph.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from archive.diff.anchors import Any2, match_equal
from archive.diff.sentences import split_sentences
from archive.diff.significance import fold
from archive.enums import EditKind

# Two paragraphs in the same place are "the same paragraph, changed" when at least half of
# their distinct words are shared.  Unrelated paragraphs of one news story share function
# words and names and score about 0.15-0.35 in practice; a paragraph with one of its two
# sentences rewritten scores about 0.6.
CHANGED_SIMILARITY = 0.5

# What two unrelated paragraphs of one story share, at most (see above): when the changes of a
# gap are chosen (``_heaviest_chain``), only a pair's similarity above it counts as evidence
# that the two are one paragraph, so that two barely similar pairs do not outweigh one pair
# that is clearly the same paragraph.
UNRELATED_SIMILARITY = 0.35

# A paragraph rewritten after its opening words shares few words with its old self, yet a
# reader sees the same paragraph: when a gap holds as many new paragraphs as old ones, the
# pair in the same slot is also "changed" when it opens with this many equal words (about
# one clause: "Councillor Jane Smith, who proposed the motion, ...").
SHARED_OPENING_WORDS = 5

# Shared words undercount two kinds of in-place edit: in a short paragraph one respelt word
# ("Drivers licenses" -> "Driver's licenses") or renamed part ("Create Technologies Ltd" ->
# "Createc Ltd") halves the shared words, and a sentence reworded around the same facts ("As it
# enters its sixth day, the conflict ..." -> "Now in its sixth day, the conflict ...") keeps
# the text but swaps many words.  So for a short paragraph (at most SHORT_WORDS words), or one
# in the same place (the same offset in its gap, give or take NEAR, counted from either end),
# the ratio of matching characters (difflib) also counts against CHANGED_SIMILARITY.
# Longer paragraphs that share less than CHAR_FLOOR of their words (Dice) are not compared by
# character: unrelated paragraphs of one story share 0.15-0.35, and the character ratio of
# two long texts costs far more than their word sets.
SHORT_WORDS = 12
NEAR = 1
CHAR_FLOOR = 0.2
# At most this many character comparisons per alignment: an article has a few dozen
# paragraphs and a few edits, far below it; a rewrite of a 200 KB article would otherwise make
# thousands (about 2 ms each), and past the budget the word sets alone decide.
CHAR_BUDGET = 200

# Shared words make two paragraphs one changed paragraph only when one of them mostly stands
# in the other: at least this share of the shorter one's words, in order (difflib's matching
# blocks over the folded words).  A lead written anew around the same names and facts ("The
# owners of a bakery that flooded ... have reopened their shop ..." -> "A family bakery hit by
# floods ... has a new oven ..., and the owners hope to reopen next week.") shares over half
# its distinct words with the old one, yet keeps under half of either text in order: a reader
# sees a paragraph replaced by another, and its word diff would strike out and insert nearly
# everything.  A paragraph grown by a sentence or cut
# short keeps all of the shorter text and stays changed; so does one reworded so that most of
# its characters stand (``SHORT_WORDS``), and one that shares most of its words
# (``SAME_WORDS``) in another order ("X, who chairs Z, said that Y." -> "Y, said X, who
# chairs Z."): rewrites around the same names share 0.5-0.6 of their words, reworded and
# reordered paragraphs 0.75 and more.
MOSTLY_KEPT = 0.5
SAME_WORDS = 0.7

# A paragraph that left its place and reappears elsewhere, edited, must be clearly the same
# text: 0.8 keeps "moved" for paragraphs a reader would recognise at a glance.
MOVE_SIMILARITY = 0.8

# ... and it must be clearly that paragraph: at least this much more alike (Dice) than any
# other paragraph of the other version is (see ``_distinct``).  Paragraphs written to one
# pattern differ from each other by a word or two, 0.05-0.1 in practice.
MOVE_MARGIN = 0.1

# A split (merge) is reported when the union of the parts matches the whole at least this
# well, better than any single part does, and each part is mostly made of the whole's words
# (``PART_CONTAINMENT``).  A clean split scores 1.0 against the union; a paragraph that was
# edited next to a newly added one fails on the added one's containment.
SPLIT_SIMILARITY = 0.8
PART_CONTAINMENT = 0.8

# Most parts one paragraph is split into (or merged from).  Larger runs are rare and each
# extra length costs one more union per candidate.
MAX_PARTS = 4

# In a gap of m old and n new paragraphs, each old paragraph is compared with the new ones
# within this many places of where it would be (see ``_band``), and vice versa.  This bounds
# the work of a full rewrite to O((m + n) * BAND) instead of O(m * n).
BAND = 8

# Moves with edits compare every leftover old paragraph with every leftover new one; above
# this many pairs (a rewrite, not an edit) the step is skipped.
MAX_MOVE_PAIRS = 10_000


@dataclass(frozen=True)
class Pairing:
    """One alignment decision: ``kind`` None means kept unchanged."""

    kind: EditKind | None
    old: tuple[int, ...]
    new: tuple[int, ...]


class _Folded:
    """Folded words of a paragraph list, computed on first use.

    Anchored paragraphs are never compared, so on a long article with a few edits only a
    handful of paragraphs are ever folded: folding all of them would dominate the run time.
    """

    def __init__(self, paragraphs: Sequence[str]) -> None:
        self._paragraphs = paragraphs
        self._words: dict[int, list[str]] = {}
        self._sets: dict[int, frozenset[str]] = {}

    def words(self, k: int) -> list[str]:
        found = self._words.get(k)
        if found is None:
            found = self._words[k] = fold(self._paragraphs[k]).split()
        return found

    def __getitem__(self, k: int) -> frozenset[str]:
        found = self._sets.get(k)
        if found is None:
            found = self._sets[k] = frozenset(self.words(k))
        return found


class _Sides:
    """The two paragraph lists with their word sets and what is still unmatched."""

    def __init__(self, old: Sequence[str], new: Sequence[str]) -> None:
        self.old, self.new = old, new
        self.old_words = _Folded(old)
        self.new_words = _Folded(new)
        self.old_free = [True] * len(old)
        self.new_free = [True] * len(new)
        self.result: list[Pairing] = []
        self._overlaps: dict[Any2, int] = {}
        self.char_budget = CHAR_BUDGET
        self._closest: dict[tuple[int, bool], list[tuple[float, int]]] = {}
        self.containers: dict[tuple[int, bool], list[tuple[float, int]]] = {}

    def closest(self, k: int, *, new: bool) -> list[tuple[float, int]]:
        """The two paragraphs of the other version (new ones for an old ``k`` when ``new``)
        most similar to paragraph ``k``, as ``(similarity, index)``, most similar first."""
        found = self._closest.get((k, new))
        if found is None:
            if new:
                scores = [(self.similarity(k, o), o) for o in range(len(self.new))]
            else:
                scores = [(self.similarity(o, k), o) for o in range(len(self.old))]
            found = self._closest[k, new] = sorted(scores, key=lambda s: (-s[0], s[1]))[:2]
        return found

    def overlap(self, i: int, j: int) -> int:
        """Number of distinct words old paragraph ``i`` and new paragraph ``j`` share."""
        found = self._overlaps.get((i, j))
        if found is None:
            found = self._overlaps[i, j] = len(self.old_words[i] & self.new_words[j])
        return found

    def similarity(self, i: int, j: int) -> float:
        """Dice coefficient of old paragraph ``i`` and new paragraph ``j``."""
        total = len(self.old_words[i]) + len(self.new_words[j])
        return 2 * self.overlap(i, j) / total if total else 1.0

    def in_place_similarity(self, i: int, j: int, near: bool) -> float:
        """``similarity``, or the better of it and the ratio of the two texts' characters for
        a short paragraph or one ``near`` its old place (see ``SHORT_WORDS``)."""
        score = self.similarity(i, j)
        if score >= CHANGED_SIMILARITY:
            if score >= SAME_WORDS or self.mostly_kept(i, j):
                return score
            by_words = 0.0  # shared words, neither text kept: only the characters may tell
        else:
            by_words = score
        short = min(len(self.old_words.words(i)), len(self.new_words.words(j))) <= SHORT_WORDS
        if not (short or (near and score >= CHAR_FLOOR)) or self.char_budget <= 0:
            return by_words
        self.char_budget -= 1
        matcher = SequenceMatcher(None, self.old[i], self.new[j], autojunk=False)
        if matcher.real_quick_ratio() < CHANGED_SIMILARITY:
            return by_words  # lengths too far apart: the ratio cannot reach the threshold
        if matcher.quick_ratio() < CHANGED_SIMILARITY:
            return by_words
        return max(by_words, matcher.ratio())

    def mostly_kept(self, i: int, j: int) -> bool:
        """True when at least ``MOSTLY_KEPT`` of the shorter paragraph's words stand, in
        order, in the other (old paragraph ``i``, new paragraph ``j``)."""
        old, new = self.old_words.words(i), self.new_words.words(j)
        matcher = SequenceMatcher(None, old, new, autojunk=False)
        kept = sum(block.size for block in matcher.get_matching_blocks())
        return kept >= MOSTLY_KEPT * min(len(old), len(new))

    def take(self, kind: EditKind | None, old: tuple[int, ...], new: tuple[int, ...]) -> None:
        for i in old:
            self.old_free[i] = False
        for j in new:
            self.new_free[j] = False
        self.result.append(Pairing(kind, old, new))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two word sets (1.0 for two empty sets)."""
    if not a and not b:
        return 1.0
    return 2 * len(a & b) / (len(a) + len(b))


def align(old: Sequence[str], new: Sequence[str]) -> list[Pairing]:
    """Align two paragraph lists; every index of both appears in exactly one pairing."""
    sides = _Sides(old, new)
    anchors: list[tuple[int, int]] = []
    anchors.extend(match_equal(old, new))
    anchors.sort()
    for i, j in anchors:
        sides.take(None, (i,), (j,))
    _exact_moves(sides)
    gaps = _gaps(anchors, len(old), len(new))
    for gap in gaps:
        _splits(sides, gap, merge=False)
        _splits(sides, gap, merge=True)
        _changes(sides, gap)
    _fuzzy_moves(sides)
    _grown_moves(sides, gaps)
    _row_moves(sides, gaps)
    _row_run_moves(sides, gaps)
    _resplits(sides)
    for i, free in enumerate(sides.old_free):
        if free:
            sides.take(EditKind.PARAGRAPH_REMOVED, (i,), ())
    for j, free in enumerate(sides.new_free):
        if free:
            sides.take(EditKind.PARAGRAPH_ADDED, (), (j,))
    return sides.result


def _gaps(anchors: list[Any2], n_old: int, n_new: int) -> list[tuple[range, range]]:
    """The stretches between consecutive anchors, as (old range, new range)."""
    gaps = []
    prev_i, prev_j = -1, -1
    for i, j in [*anchors, (n_old, n_new)]:
        if i - prev_i > 1 or j - prev_j > 1:
            gaps.append((range(prev_i + 1, i), range(prev_j + 1, j)))
        prev_i, prev_j = i, j
    return gaps


def _exact_moves(sides: _Sides) -> None:
    waiting: dict[str, list[int]] = defaultdict(list)
    for i, free in enumerate(sides.old_free):
        if free:
            waiting[sides.old[i]].append(i)
    for j, free in enumerate(sides.new_free):
        if free and waiting.get(sides.new[j]):
            sides.take(EditKind.PARAGRAPH_MOVED, (waiting[sides.new[j]].pop(0),), (j,))


def _band(k: int, size_from: int, targets: range) -> list[int]:
    """Indexes of ``targets`` that the ``k``-th of ``size_from`` paragraphs may pair with.

    Those within ``BAND`` places of three diagonals: counted from the start of the gap (text
    inserted after), from its end (text inserted before), and in proportion (spread edits).
    """
    if not targets:
        return []
    size_to = len(targets)
    centres = {k, size_to - size_from + k, k * size_to // max(size_from, 1)}
    near: set[int] = set()
    for centre in centres:
        near.update(range(max(0, centre - BAND), min(size_to, centre + BAND + 1)))
    return [targets.start + offset for offset in sorted(near)]


def _splits(sides: _Sides, gap: tuple[range, range], merge: bool) -> None:
    """Find splits (one old → several new) or, with ``merge``, merges (several old → one)."""
    whole_range, part_range = (gap[1], gap[0]) if merge else gap
    whole_free = sides.new_free if merge else sides.old_free
    for k, w in enumerate(whole_range):
        if not whole_free[w]:
            continue
        found = _best_split(sides, w, _band(k, len(whole_range), part_range), merge)
        if found is None:
            continue
        parts = tuple(range(found[0], found[1] + 1))
        if merge:
            sides.take(EditKind.PARAGRAPH_MERGED, parts, (w,))
        else:
            sides.take(EditKind.PARAGRAPH_SPLIT, (w,), parts)


def _best_split(sides: _Sides, w: int, band: list[int], merge: bool) -> tuple[int, int] | None:
    """The run of parts in ``band`` that best makes up whole paragraph ``w``, if any."""
    whole_words, part_words = (
        (sides.new_words, sides.old_words) if merge else (sides.old_words, sides.new_words)
    )
    part_free = sides.old_free if merge else sides.new_free
    whole = whole_words[w]

    def shared(part: int) -> int:
        return sides.overlap(part, w) if merge else sides.overlap(w, part)

    contained = {
        p for p in band if part_free[p] and shared(p) >= PART_CONTAINMENT * len(part_words[p])
    }
    if len(contained) < 2:
        return None
    best: tuple[float, int, int] | None = None
    for start in sorted(contained):
        union = part_words[start]
        stop = start + 1
        while stop in contained and stop - start < MAX_PARTS:
            union = union | part_words[stop]
            score = dice(whole, union)
            if best is None or score > best[0]:
                best = (score, start, stop)
            stop += 1
    if best is None or best[0] < SPLIT_SIMILARITY:
        return None
    single = max(
        (2 * shared(p) / (len(whole) + len(part_words[p])) for p in band if part_free[p]),
        default=0.0,
    )
    return (best[1], best[2]) if best[0] > single else None


def _contained(part: frozenset[str], whole: frozenset[str]) -> bool:
    """True when most of ``part``'s words are in ``whole``."""
    return len(part & whole) >= PART_CONTAINMENT * len(part)


def _changes(sides: _Sides, gap: tuple[range, range]) -> None:
    """Pair the most similar free paragraphs of a gap, in order, as changed."""
    old_range, new_range = gap
    candidates = []
    for k, i in enumerate(old_range):
        if not sides.old_free[i]:
            continue
        for j in _band(k, len(old_range), new_range):
            if sides.new_free[j]:
                offset = j - new_range.start
                near = (
                    abs(offset - k) <= NEAR
                    or abs((len(new_range) - offset) - (len(old_range) - k)) <= NEAR
                )
                score = sides.in_place_similarity(i, j, near)
                same_slot = len(old_range) == len(new_range) and offset == k
                if score >= CHANGED_SIMILARITY or (same_slot and _same_opening(sides, i, j)):
                    weight = max(score, CHANGED_SIMILARITY) - UNRELATED_SIMILARITY
                    candidates.append((-weight, i, j))
    for i, j in _heaviest_chain(candidates):
        sides.take(EditKind.PARAGRAPH_CHANGED, (i,), (j,))


def _heaviest_chain(candidates: list[tuple[float, int, int]]) -> list[Any2]:
    """The pairs ``(i, j)`` of ``candidates`` (``(-weight, i, j)``) that cross no other, with
    the largest total weight (similarity above ``UNRELATED_SIMILARITY``).

    Pairs that cross are a move, not two changes: of the pairs in a gap, the ones kept in
    order are those that together explain the most text, and a pair that would cross them
    is left to the move step.  Taking the single most similar pair first instead would let a
    paragraph moved with a small edit across its (also edited) neighbours pass for "changed"
    in its old place, and its neighbours, which cross it, for removed and added.
    A weighted longest increasing run: pairs sorted by ``i``, a running best per ``j`` in a
    Fenwick tree of prefix maxima, O(C log n) for C candidates.
    """
    if not candidates:
        return []
    columns = sorted({j for _, _, j in candidates})
    column = {j: k + 1 for k, j in enumerate(columns)}
    tree: list[tuple[float, int]] = [(0.0, -1)] * (len(columns) + 1)

    def best_before(k: int) -> tuple[float, int]:
        found = (0.0, -1)
        while k > 0:
            found = max(found, tree[k])
            k -= k & -k
        return found

    def record(k: int, value: tuple[float, int]) -> None:
        while k < len(tree):
            tree[k] = max(tree[k], value)
            k += k & -k

    ordered = sorted(candidates, key=lambda c: (c[1], c[2]))
    back: list[int] = []
    totals: list[float] = []
    start = 0
    while start < len(ordered):
        stop = start
        while stop < len(ordered) and ordered[stop][1] == ordered[start][1]:
            stop += 1
        row = range(start, stop)  # one old paragraph: its pairs may not chain with each other
        for n in row:
            weight, _, j = ordered[n]
            total, previous = best_before(column[j] - 1)
            totals.append(total - weight)
            back.append(previous)
        for n in row:
            record(column[ordered[n][2]], (totals[n], n))
        start = stop
    end = max(range(len(ordered)), key=lambda n: (totals[n], -n))
    chain: list[Any2] = []
    while end >= 0:
        chain.append((ordered[end][1], ordered[end][2]))
        end = back[end]
    return chain[::-1]


def _same_opening(sides: _Sides, i: int, j: int) -> bool:
    """True when old paragraph ``i`` and new paragraph ``j`` open with the same words."""
    opening_old = sides.old_words.words(i)[:SHARED_OPENING_WORDS]
    opening_new = sides.new_words.words(j)[:SHARED_OPENING_WORDS]
    return len(opening_old) == SHARED_OPENING_WORDS and opening_old == opening_new


def _fuzzy_moves(sides: _Sides) -> None:
    old_left = [i for i, free in enumerate(sides.old_free) if free]
    new_left = [j for j, free in enumerate(sides.new_free) if free]
    if len(old_left) * len(new_left) > MAX_MOVE_PAIRS:
        return
    candidates = sorted(
        (-score, i, j)
        for i in old_left
        for j in new_left
        if (score := _move_similarity(sides, i, j)) >= MOVE_SIMILARITY
    )
    for _, i, j in candidates:
        if sides.old_free[i] and sides.new_free[j] and _distinct(sides, i, j):
            sides.take(EditKind.PARAGRAPH_MOVED, (i,), (j,))


def _move_similarity(sides: _Sides, i: int, j: int) -> float:
    """How alike old ``i`` and new ``j`` are as one paragraph moved: by words (Dice), or, for
    a pair sharing at least ``CHANGED_SIMILARITY`` of its words, by characters too (within
    ``CHAR_BUDGET``).  A sentence reworded in passing (a name shortened to its initials,
    "approved" -> "had approved") swaps words a reader skims over, and each counts twice in
    the word sets' Dice."""
    score = sides.similarity(i, j)
    if score >= MOVE_SIMILARITY or score < CHANGED_SIMILARITY or sides.char_budget <= 0:
        return score
    sides.char_budget -= 1
    matcher = SequenceMatcher(None, sides.old[i], sides.new[j], autojunk=False)
    if matcher.real_quick_ratio() < MOVE_SIMILARITY or matcher.quick_ratio() < MOVE_SIMILARITY:
        return score
    return max(score, matcher.ratio())


def _distinct(sides: _Sides, i: int, j: int) -> bool:
    """True when old ``i`` is clearly more like new ``j`` than like any other new paragraph,
    and ``j`` more like ``i`` than like any other old one (by ``MOVE_MARGIN``).

    A paragraph recognised elsewhere must be recognisable: in a run of paragraphs written to
    one pattern ("Moving fruit between France and GB", "Moving fish between ...") each one is
    about as much like its neighbours as like itself edited, and pairing one of them across
    the page would be a guess.  Every paragraph of the other version counts, kept or not.
    """
    score = sides.similarity(i, j)
    for k, new in ((i, True), (j, False)):
        partner = j if new else i
        runner_up = next((s for s, o in sides.closest(k, new=new) if o != partner), 0.0)
        if runner_up > score - MOVE_MARGIN:
            return False
    return True


# A paragraph that moved and gained (or lost) a sentence on the way: the shorter text must say
# something (at least this many words), nearly all of its words must be in the longer one
# (``PART_CONTAINMENT``), and a run of the longer one's sentences must read as it
# (``MOVE_SIMILARITY``, by words or by characters: a reworded attribution, two words run
# together by the source).
MIN_GROWN_WORDS = 8
# A longer text of more sentences than this (a merged block, a list run together) is not
# searched for runs that read as the shorter one.
MAX_GROWN_SENTENCES = 40


def _grown_moves(sides: _Sides, gaps: list[tuple[range, range]]) -> None:
    """Pair a leftover old and new paragraph in different gaps when one is the other with a
    sentence or more added (or removed), and nothing else of the other version is nearly as
    much like it (``_grown``).  In its own gap such a pair is left alone: it did not move."""
    old_left = [i for i, free in enumerate(sides.old_free) if free]
    new_left = [j for j, free in enumerate(sides.new_free) if free]
    if len(old_left) * len(new_left) > MAX_MOVE_PAIRS:
        return
    for i in old_left:
        for j in new_left:
            if not (sides.old_free[i] and sides.new_free[j]):
                continue
            if any(i in old_range and j in new_range for old_range, new_range in gaps):
                continue
            if _grown(sides, i, j):
                sides.take(EditKind.PARAGRAPH_MOVED, (i,), (j,))


def _containment(sides: _Sides, i: int, j: int) -> float:
    """Share of the shorter (fewer words) of old ``i`` and new ``j`` found in the other."""
    shorter = min(len(sides.old_words[i]), len(sides.new_words[j]))
    return sides.overlap(i, j) / shorter if shorter else 0.0


def _best_containers(sides: _Sides, k: int, *, new: bool) -> list[tuple[float, int]]:
    """The two paragraphs of the other version (new ones for an old ``k`` when ``new``) that
    hold paragraph ``k``'s words best (``_containment``), best first; computed once each."""
    found = sides.containers.get((k, new))
    if found is None:
        if new:
            scores = [(_containment(sides, k, o), o) for o in range(len(sides.new))]
        else:
            scores = [(_containment(sides, o, k), o) for o in range(len(sides.old))]
        found = sides.containers[k, new] = sorted(scores, key=lambda s: (-s[0], s[1]))[:2]
    return found


def _grown(sides: _Sides, i: int, j: int) -> bool:
    """True when old ``i`` and new ``j`` are one paragraph with sentences added or removed.

    The shorter one has at least ``MIN_GROWN_WORDS`` words, ``PART_CONTAINMENT`` of them in
    the longer one, whose run of whole sentences most like it reads as it (Dice or the ratio
    of characters at least ``MOVE_SIMILARITY``); and no other paragraph of either version
    holds the shorter one's words nearly as well (``MOVE_MARGIN``), so that one of a set of
    look-alikes is not picked by chance.
    """
    old_words, new_words = sides.old_words[i], sides.new_words[j]
    if min(len(old_words), len(new_words)) < MIN_GROWN_WORDS or old_words == new_words:
        return False
    containment = _containment(sides, i, j)
    if containment < PART_CONTAINMENT:
        return False
    for k, new, partner in ((i, True, j), (j, False, i)):
        runner_up = next((c for c, o in _best_containers(sides, k, new=new) if o != partner), 0.0)
        if runner_up > containment - MOVE_MARGIN:
            return False
    short, long = sorted((sides.old[i], sides.new[j]), key=lambda t: len(fold(t).split()))
    return _reads_as_sentences_of(short, long)


def _reads_as_sentences_of(short: str, long: str) -> bool:
    """True when a run of ``long``'s sentences, not all of them, reads as ``short``: the run
    most like it by words is ``MOVE_SIMILARITY`` alike by words or by characters."""
    sentences = split_sentences(long)
    if len(sentences) > MAX_GROWN_SENTENCES:
        return False
    short_words = frozenset(fold(short).split())
    # runs about as long as the shorter text (one sentence more or less), not the whole
    # paragraph, which did not grow by a sentence
    width = min(len(split_sentences(short)) + 1, len(sentences) - 1)
    runs = [
        " ".join(sentences[start : start + size])
        for size in range(1, width + 1)
        for start in range(len(sentences) - size + 1)
    ]
    if not runs:
        return False
    score, run = max((dice(short_words, frozenset(fold(r).split())), r) for r in runs)
    if score >= MOVE_SIMILARITY:
        return True
    return SequenceMatcher(None, short, run, autojunk=False).ratio() >= MOVE_SIMILARITY


# A table row (extraction writes one as ``| cell | cell |``) is named by its first cell: a
# product, a place, a date.  A row that left its place and reappears elsewhere under the same
# name, with other cells rewritten ("| Product X | Supplier Ltd |" in one table, "| Product X
# | Spring 2021 |" in another), moved.  The name must say something (at least this many
# words) and name one row only on each side.
MIN_KEY_WORDS = 3
_ROW = re.compile(r"^\| (.*) \|$")


def _row_key(paragraph: str) -> str | None:
    """The folded first cell of a table row of at least two cells, or None."""
    found = _ROW.match(paragraph)
    if found is None:
        return None
    cells = found.group(1).split(" | ")
    if len(cells) < 2:
        return None
    key = fold(cells[0])
    return key if len(key.split()) >= MIN_KEY_WORDS else None


def _row_moves(sides: _Sides, gaps: list[tuple[range, range]]) -> None:
    """Pair leftover table rows by their name (``_row_key``): moved, or changed in place.

    A name may have gained or lost words at its end on the way (a "Further information" link
    or a note after the product name in one table, not in the other): a row whose name is
    the other's with words added at its end is that row when no other row of either version
    is named so (the shorter name, or it and more words).
    """
    old_keys: dict[str, list[int]] = defaultdict(list)
    new_keys: dict[str, list[int]] = defaultdict(list)
    for paragraphs, keys in ((sides.old, old_keys), (sides.new, new_keys)):
        for k, paragraph in enumerate(paragraphs):
            if (key := _row_key(paragraph)) is not None:
                keys[key].append(k)
    for key, (i, *more_old) in old_keys.items():
        found = new_keys.get(key)
        if more_old or found is None or len(found) > 1:
            continue
        _pair_rows(sides, gaps, i, found[0])
    for old_key, (i, *more_old) in old_keys.items():
        if more_old or not sides.old_free[i]:
            continue
        for new_key, (j, *more_new) in new_keys.items():
            if more_new or not sides.new_free[j] or old_key == new_key:
                continue
            short, long = sorted((old_key, new_key), key=len)
            if long.startswith(f"{short} ") and all(
                sum(len(rows) for key, rows in keys.items() if key.startswith(f"{short} "))
                + len(keys.get(short, ()))
                == 1
                for keys in (old_keys, new_keys)
            ):
                _pair_rows(sides, gaps, i, j)
                break


def _pair_rows(sides: _Sides, gaps: list[tuple[range, range]], i: int, j: int) -> None:
    """Take old row ``i`` and new row ``j`` as one row: changed in its gap, moved otherwise."""
    if not (sides.old_free[i] and sides.new_free[j]):
        return
    in_place = any(i in old_range and j in new_range for old_range, new_range in gaps)
    kind = EditKind.PARAGRAPH_CHANGED if in_place else EditKind.PARAGRAPH_MOVED
    sides.take(kind, (i,), (j,))


# A run of table rows that went to another table laid out differently ("| 8 October |
# Copenhagen | Fully booked |" in the upcoming events, "| Copenhagen | October 2019 |" in the
# past ones): no cell names one row alone (a city recurs), but a run of at least this many
# rows sharing a cell with the rows of a run elsewhere, one by one in order, with as many
# different shared cells, is that run.
MIN_RUN_ROWS = 3


def _cells(paragraph: str) -> frozenset[str]:
    """The folded, non-empty cells of a table row of at least two cells (empty if not a row)."""
    found = _ROW.match(paragraph)
    if found is None:
        return frozenset()
    cells = found.group(1).split(" | ")
    if len(cells) < 2:
        return frozenset()
    return frozenset(key for cell in cells if (key := fold(cell)))


def _free_row_runs(paragraphs: Sequence[str], free: list[bool]) -> list[list[int]]:
    """Maximal runs of consecutive leftover table rows, as their indexes."""
    runs: list[list[int]] = []
    for k, paragraph in enumerate(paragraphs):
        if not (free[k] and _cells(paragraph)):
            continue
        if runs and runs[-1][-1] == k - 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    return runs


def _row_run_moves(sides: _Sides, gaps: list[tuple[range, range]]) -> None:
    """Pair a run of leftover old rows with a run of leftover new rows in another gap, row by
    row in order, when each pair shares a cell and the shared cells are all different
    (``MIN_RUN_ROWS`` rows at least): the rows moved to another table."""
    old_runs = [r for r in _free_row_runs(sides.old, sides.old_free) if len(r) >= MIN_RUN_ROWS]
    new_runs = [r for r in _free_row_runs(sides.new, sides.new_free) if len(r) >= MIN_RUN_ROWS]
    for old_run in old_runs:
        for new_run in new_runs:
            if len(old_run) != len(new_run) or not sides.new_free[new_run[0]]:
                continue
            if any(old_run[0] in o and new_run[0] in n for o, n in gaps):
                continue  # the same place: not a move
            pairs = list(zip(old_run, new_run, strict=True))
            shared = [_cells(sides.old[i]) & _cells(sides.new[j]) for i, j in pairs]
            if not all(len(cells) == 1 for cells in shared):
                continue
            if len(set().union(*shared)) < len(shared):
                continue
            for i, j in pairs:
                sides.take(EditKind.PARAGRAPH_MOVED, (i,), (j,))
            break


# A leftover paragraph is the split-off part of its changed neighbour's paragraph only when
# it has at least this many words: two-word lines ("Read more", a name) occur in anything.
MIN_RESPLIT_WORDS = 3


def _inside(part: list[str], whole: list[str]) -> bool:
    """True when the words of ``part`` stand, in order and together, in ``whole``."""
    if len(part) < MIN_RESPLIT_WORDS or len(part) >= len(whole):
        return False
    return f" {' '.join(part)} " in f" {' '.join(whole)} "


def _resplits(sides: _Sides) -> None:
    """Re-read "changed + added" as a split and "changed + removed" as a merge.

    Extraction may cut a paragraph differently once a neighbour is edited or removed (a
    ``<br>`` read as a break on one fetch and not on the next): the paragraph that lost its
    tail is "changed", and the tail, a text that was there all along, would be "added".  A
    leftover new paragraph next to a changed (or split) one whose words stand, in order, in
    that one's old paragraph (and not already in its new ones) is one more part of the split;
    the mirror, a leftover old paragraph inside the new text of its changed (or merged)
    neighbour, is one more part of a merge.  A leftover new paragraph inside a paragraph
    that is gone stays an addition: the old paragraph was removed and a line of it came back
    on its own (the labels of real revisions read it so too).
    """
    grew = True
    while grew:
        grew = _extend(sides, merge=False) | _extend(sides, merge=True)


def _extend(sides: _Sides, *, merge: bool) -> bool:
    """One pass of ``_resplits``' splits (or, with ``merge``, merges); True if any grew."""
    grows = EditKind.PARAGRAPH_MERGED if merge else EditKind.PARAGRAPH_SPLIT
    owner: dict[int, int] = {}
    for index, pairing in enumerate(sides.result):
        whole, parts = (pairing.new, pairing.old) if merge else (pairing.old, pairing.new)
        if pairing.kind in (EditKind.PARAGRAPH_CHANGED, grows) and len(whole) == 1:
            owner.update((k, index) for k in parts)
    free = sides.old_free if merge else sides.new_free
    part_words, whole_words = (
        (sides.old_words, sides.new_words) if merge else (sides.new_words, sides.old_words)
    )
    grew = False
    for j, left in enumerate(free):
        if not left:
            continue
        part = part_words.words(j)
        for k in (j - 1, j + 1):
            if k not in owner:
                continue
            index = owner[k]
            pairing = sides.result[index]
            (w,), parts = (pairing.new, pairing.old) if merge else (pairing.old, pairing.new)
            if not _inside(part, whole_words.words(w)) or any(
                _inside(part, part_words.words(p)) for p in parts
            ):
                continue
            run = tuple(sorted((*parts, j)))
            sides.result[index] = Pairing(grows, run, (w,)) if merge else Pairing(grows, (w,), run)
            free[j] = False
            owner[j] = index
            grew = True
            break
    return grew
