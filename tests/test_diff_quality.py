"""The diff-quality gate (trafilatura style): real GOV.UK and CNN revisions, scored against
their labels by ``scheduler.evaluation.quality``, must stay at or above the floors pinned in
``tests/diff_quality_floors.json``; the labelled corpus must be the one the floors were
measured on (sha256 of each ``index.json``); and a floor may only go up: lowering one in the
JSON fails ``test_floors_never_go_down`` until the constant below is lowered too, in the same
reviewed commit.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest

from scheduler.evaluation.quality import evaluate, index_digests, score
from tests.floors import assert_meets, assert_not_lowered, load_floors
from tests.shared_data import require_shared

FLOORS_FILE = Path(__file__).with_name("diff_quality_floors.json")

# The committed minimum of every floor: a floor in the JSON below these is a silent lowering.
MINIMUM_FLOORS = {
    "version_gain_rate": 0.99,
    "false_versions_max": 0,
    "kinds": {
        "headline": {"precision": 0.99, "recall": 0.99},
        "byline": {"precision": 0.99, "recall": 0.99},
        # 0.95 before 27 labelled GOV.UK pairs turned out to hold the site's "Page not found"
        # page (captured with 200): the soft-404 guard refuses it, and those pairs, which all
        # counted as added and removed paragraphs found, are scored apart (wall_pairs)
        # 0.99 / 0.948 before a paragraph written anew around the same names was read as
        # removed + added rather than changed (govuk-0281, cnn-0528; docs/diff-quality.md)
        "paragraph_added": {"precision": 0.997, "recall": 0.953},
        # 0.94 before a paragraph printed twice in a row was kept twice (cnn-0130); 0.98 /
        # 0.949 before the rewrites above (govuk-0281, cnn-0485) and a body paragraph that
        # came to read as the summary kept in the body (govuk-0664, a false removal)
        "paragraph_removed": {"precision": 0.986, "recall": 0.957},
        "paragraph_changed": {"precision": 0.98, "recall": 0.98},
        "updated": {"precision": 0.63, "recall": 0.98},
        "correction_note": {"precision": 0.90, "recall": 0.98},
    },
}


def floors() -> dict[str, Any]:
    return load_floors(FLOORS_FILE)


@cache
def outcomes() -> tuple[Any, ...]:
    _, found = evaluate(require_shared())
    return tuple(found)


@cache
def measured() -> dict[str, Any]:
    return score(outcomes())["all"]


@cache
def measured_with_label_corrections() -> dict[str, Any]:
    return score(outcomes(), corrected=True)["all"]


# The same pairs scored against the labels with the corrections documented in
# docs/diff-quality.md ("Disagreements examined", "Label wrong": GOV.UK's "Last updated"
# after ``<br>`` and its change-history markup, which the raw labels' parser misses, and the
# language switcher it reads as body text): every kind at 0.95 or more, ``updated`` and
# ``correction_note`` included (their raw precision, 0.635 and 0.908, counts the labels'
# misses as redline's).
MINIMUM_WITH_LABEL_CORRECTIONS = {
    "headline": {"precision": 0.99, "recall": 0.99},
    "byline": {"precision": 0.99, "recall": 0.99},
    "paragraph_added": {"precision": 0.997, "recall": 0.99},
    "paragraph_removed": {"precision": 0.986, "recall": 0.96},
    "paragraph_changed": {"precision": 0.988, "recall": 0.986},
    "updated": {"precision": 0.99, "recall": 0.99},
    "correction_note": {"precision": 0.99, "recall": 0.99},
}


# paragraph_moved, scored on the pairs whose label can tell (``moved`` in the results): too
# few pairs for a per-kind floor in ``kinds``; floors of their own, which only go up too, in
# two buckets (``LabelMoves``).  ``strict``, the exact labels: 0.78 / 0.78 before moves were
# chosen as the non-crossing set of changes, required to be distinct, and table rows paired
# by name; now 13 of the 14 moves found and none reported wrongly on 350 pairs (govuk-0050
# missed, docs/diff-quality.md).  ``alike``, the pairs with a deleted block >= 0.8 alike to an
# inserted one, scored on those blocks: on 4 pairs, 2 of the 4 moves found (govuk-0236,
# govuk-0241) and one move reported of another paragraph (cnn-0113), P 0.67 / R 0.5.
# Then (strict 1.0 / 0.92 on 350 pairs, alike 0.66 / 0.5 on 4): cut examples read in full
# from their version, strict moves scored block by block, and moves that gained a sentence,
# were reworded in passing, or went as a run of rows to another table found: strict 19 of 19
# blocks on 353 pairs, alike 6 of 6 on 6 pairs, no false move.
MINIMUM_MOVED = {
    "strict": {"precision": 1.0, "recall": 1.0, "decidable_pairs": 353},
    "alike": {"precision": 1.0, "recall": 1.0, "decidable_pairs": 6},
}


# The sections of floors by kind (or bucket) and metric, in the JSON and in the measured figures.
SECTIONS = ("kinds", "kinds_with_label_corrections", "moved")


def test_floors_never_go_down() -> None:
    minimum = MINIMUM_FLOORS | {
        "kinds_with_label_corrections": MINIMUM_WITH_LABEL_CORRECTIONS,
        "moved": MINIMUM_MOVED,
    }
    assert_not_lowered(floors(), minimum, SECTIONS)
    for kind, kind_minimum in MINIMUM_WITH_LABEL_CORRECTIONS.items():
        assert min(kind_minimum.values()) >= 0.95, kind


@pytest.mark.corpus
def test_corpus_is_the_one_the_floors_were_measured_on() -> None:
    for name in floors()["corpora"]:
        require_shared(name)
    assert index_digests(require_shared()) == floors()["corpora"]


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_quality_meets_the_floors() -> None:
    for name in floors()["corpora"]:
        require_shared(name)
    corrected = measured_with_label_corrections()["kinds"]
    assert_meets(measured() | {"kinds_with_label_corrections": corrected}, floors(), SECTIONS)


def test_the_label_shows_a_move_only_where_its_examples_can_tell() -> None:
    from scheduler.evaluation.quality import LabelMoves, _label_moved

    def examples(added: list[str], removed: list[str]) -> dict[str, Any]:
        return {"added": added, "removed": removed, "changed": []}

    kept = "The ferry timetable for the winter months is published below."
    other = "Tickets bought before 1 March remain valid until the end of the year."
    # the same text deleted in one place and inserted in another: a move
    assert _label_moved((1, 1), examples([kept], [kept])) == LabelMoves(True, (), (kept,), True)
    assert _label_moved((2, 1), examples([kept], [kept])) == LabelMoves(True, (), (kept,))
    # every block listed, none alike: no move
    assert _label_moved((1, 1), examples([other], [kept])) == LabelMoves(False, complete=True)
    # a deleted block nearly equal to an inserted one: the exact reading cannot tell; the
    # alike reading keeps the two blocks (whether or not every block is listed)
    edited = kept.replace("winter", "spring")
    assert _label_moved((1, 1), examples([edited], [kept])) == LabelMoves(None, ((kept, edited),))
    assert _label_moved((3, 2), examples([edited], [kept])) == LabelMoves(None, ((kept, edited),))
    # ... but one deleted block alike to two inserted ones: which it became is a guess
    twice = kept.replace("winter", "summer")
    assert _label_moved((2, 1), examples([edited, twice], [kept])) == LabelMoves(None)
    # ... and two alike blocks both cut at 160 characters may only open alike
    cut = kept[:40] + "…"
    assert _label_moved((1, 1), examples([cut.replace("ferry", "ferries")], [cut])) == LabelMoves(
        None
    )
    # not every block listed, none alike: cannot tell
    assert _label_moved((2, 1), examples([other], [kept])) == LabelMoves(None)


def test_a_cut_example_is_read_in_full_from_its_version() -> None:
    from scheduler.evaluation.quality import LabelMoves, _label_moved

    trimmed = (
        "The ferry timetable for the winter months is published below with the sailings that "
        "were added after the harbour works on the northern quay."
    )
    whole = trimmed[:-1] + (
        ", and the ones that stop for good in March, when the old pier closes and the island "
        "service moves to the new terminal for the rest of the year."
    )
    cut = whole[:160] + "…"
    examples = {"added": [trimmed], "removed": [cut], "changed": []}
    # cut, the old block opens just as the new one reads: alike, a move with an edit?
    assert _label_moved((1, 1), examples).alike == ((cut, trimmed),)
    # in full, it lost most of its text: not alike, and the examples cannot tell
    versions = (["Opening line.", whole], ["Opening line.", trimmed])
    assert _label_moved((1, 1), examples, versions) == LabelMoves(False, complete=True)
    # a cut text both deleted and inserted is a move once read in full
    same = {"added": [cut], "removed": [cut], "changed": []}
    assert _label_moved((1, 1), same) == LabelMoves(None)
    moved = LabelMoves(True, (), (whole,), True)
    assert _label_moved((1, 1), same, ([whole], [whole])) == moved
    # two blocks that open with the cut text: which one is a guess, it stays cut
    both = [whole, whole + " Later."]
    assert _label_moved((1, 1), same, (both, both)) == LabelMoves(None)


def _scored_moves(moved: Any, moves: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """``score``'s ``moved`` for one made-up changed pair on which redline reported ``moves``."""
    from scheduler.evaluation.quality import Outcome, Pair

    pair = Pair("govuk-test", "govuk", "https://example.org/a", "changed", frozenset(), ("", ""))
    pair.moved = moved
    raw = {"paragraph_moved": len(moves)} if moves else {}
    outcome = Outcome(pair, True, frozenset(), raw=raw, moves=moves)
    return score([outcome])["all"]["moved"]


def test_a_move_on_alike_blocks_counts_only_when_redline_moved_those_blocks() -> None:
    from scheduler.evaluation.quality import LabelMoves

    fruit = "Moving fruit between France and GB: the checks from 1 January."
    fish = "Moving fish between France and GB: the checks from 1 January."
    other = "Ports will stay open through the holiday weekend, officials said."
    alike = LabelMoves(None, ((fruit, fish),))  # the label: fruit removed, fish added

    # redline moved those blocks (edited on the way): a move found, in the alike bucket
    moved = _scored_moves(alike, ((fruit, fish.replace("1 January", "2 January")),))
    assert moved["alike"] == {
        "decidable_pairs": 1,
        "tp": 1,
        "fp": 0,
        "fn": 0,
        "precision": 1.0,
        "recall": 1.0,
    }
    assert moved["strict"]["decidable_pairs"] == 0
    # a table row is the block when one of its cells is (GOV.UK's labels take cells)
    row = (f"| {fruit} | Spring |", f"| {fish} | Summer |")
    assert _scored_moves(alike, (row,))["alike"]["tp"] == 1

    # redline moved another paragraph: a false move, and the label's move missed
    moved = _scored_moves(alike, ((other, other),))["alike"]
    assert (moved["tp"], moved["fp"], moved["fn"]) == (0, 1, 1)
    assert moved["precision"] == 0.0
    # ... or only one of the blocks, paired with another text
    moved = _scored_moves(alike, ((fruit, other),))["alike"]
    assert (moved["tp"], moved["fp"], moved["fn"]) == (0, 1, 1)
    # redline reported no move: a miss, no false move
    moved = _scored_moves(alike, ())["alike"]
    assert (moved["tp"], moved["fp"], moved["fn"]) == (0, 0, 1)

    # the strict bucket, block by block: the label's moved block against redline's moves
    strict = _scored_moves(LabelMoves(True, blocks=(fruit,)), ((fruit, fruit),))
    assert (strict["strict"]["tp"], strict["alike"]["decidable_pairs"]) == (1, 0)
    strict = _scored_moves(LabelMoves(True, blocks=(fruit,)), ((other, other),))["strict"]
    assert (strict["tp"], strict["fp"], strict["fn"]) == (0, 0, 1)  # another move: not judged
    complete = LabelMoves(True, blocks=(fruit,), complete=True)
    strict = _scored_moves(complete, ((fruit, fruit), (other, other)))["strict"]
    assert (strict["tp"], strict["fp"], strict["fn"]) == (1, 1, 0)  # every move listed: false
    strict = _scored_moves(LabelMoves(False), ((other, other), (fish, fish)))["strict"]
    assert (strict["tp"], strict["fp"], strict["fn"]) == (0, 2, 0)
    # a pair neither reading can tell is in neither bucket
    none = _scored_moves(LabelMoves(None), ((other, other),))
    assert none["strict"]["decidable_pairs"] == none["alike"]["decidable_pairs"] == 0


def test_a_swap_counts_whichever_side_of_it_redline_moved() -> None:
    """difflib keeps the longer run and shows the other paragraph moved; redline may show the
    paragraph it crossed moved instead: the same reordering to a reader."""
    from scheduler.evaluation.quality import LabelMoves, Outcome, Pair, score

    heading = "Previous meetings across the region:"
    lucca = "- 2 May 2019 - Lucca"
    rome = "- 9 May 2019 - Rome"
    old = ("Intro.", lucca, heading, rome)
    new = ("Intro.", heading, lucca, rome)
    pair = Pair("govuk-test", "govuk", "https://example.org/a", "changed", frozenset(), ("", ""))
    pair.moved = LabelMoves(True, blocks=(heading,), complete=True)

    def strict(moved_at: tuple[tuple[int, int], ...]) -> tuple[int, int, int]:
        moves = tuple((old[i], new[j]) for i, j in moved_at)
        outcome = Outcome(
            pair,
            True,
            frozenset(),
            raw={"paragraph_moved": len(moves)},
            moves=moves,
            moved_at=moved_at,
            paragraphs=(old, new),
        )
        found = score([outcome])["all"]["moved"]["strict"]
        return found["tp"], found["fp"], found["fn"]

    assert strict(((2, 1),)) == (1, 0, 0)  # the heading moved, as the label shows it
    assert strict(((1, 2),)) == (1, 0, 0)  # the list item moved across it: the same swap
    # twin: a move that does not cross the heading is another move (false: all listed)
    assert strict(((3, 3),)) == (0, 1, 1)


def test_a_move_far_from_the_labels_block_is_not_its_swap() -> None:
    from scheduler.evaluation.quality import LabelMoves, Outcome, Pair, score

    heading = "Previous meetings across the region:"
    old = ("Opening paragraph.", "Second paragraph.", "- Lucca", heading, "- Rome")
    new = ("Second paragraph.", heading, "- Lucca", "- Rome", "Opening paragraph.")
    pair = Pair("govuk-test", "govuk", "https://example.org/a", "changed", frozenset(), ("", ""))
    pair.moved = LabelMoves(True, blocks=(heading,), complete=True)

    def strict(moved_at: tuple[tuple[int, int], ...]) -> tuple[int, int, int]:
        moves = tuple((old[i], new[j]) for i, j in moved_at)
        raw = {"paragraph_moved": len(moves)}
        outcome = Outcome(
            pair, True, frozenset(), raw=raw, moves=moves, moved_at=moved_at, paragraphs=(old, new)
        )
        found = score([outcome])["all"]["moved"]["strict"]
        return found["tp"], found["fp"], found["fn"]

    # the opening paragraph moved to the end crosses the heading, three places away: not it
    assert strict(((0, 4),)) == (0, 1, 1)
    assert strict(((3, 1), (0, 4))) == (1, 1, 0)


def test_the_fast_path_never_hides_an_edit_the_full_extraction_finds() -> None:
    """Every pair's new page goes through the fast path's decision against the old page's
    fingerprint first: it may say "unchanged" only where the full extraction finds no new
    version."""
    results = measured()
    assert results["fast_path_missed_edits"] == 0


def test_tier0_never_hides_an_edit_the_full_extraction_finds() -> None:
    """Every GOV.UK pair through tier 0 of the fast path (``quality.run_tier0``): a template
    learned from the old page under two request chromes, the new page checked against it
    under a third; it may say "same" only where the full extraction finds no new version.
    Templates must be learned on most of the pairs, and find the old page refetched in new
    request chrome the same (the control), or the check would be empty (the CNN corpus is
    text-only: its pairs are not run)."""
    results = score(outcomes())
    assert results["all"]["tier0_missed_edits"] == 0
    govuk = results["govuk"]
    assert govuk["tier0_learned"] >= govuk["pairs"] // 2
    assert govuk["tier0_refetch_same"] >= 0.9 * govuk["tier0_learned"]
    assert results["cnn"]["tier0_learned"] == 0


def test_tier0_by_site_rules_never_hides_an_edit_the_full_extraction_finds() -> None:
    """The site rules learned on one GOV.UK pair (the first whose template learns) derive the
    template of every other pair's old page (``quality.run_tier0_derived``), as the crawl
    derives it at a version's first refetch: with the new version's page as that refetch, and
    with the old page refetched and the new page checked later.  It may say "same" only where
    the full extraction finds no new version; templates must be derived on most pairs, and
    find the old page refetched the same (the control)."""
    results = score(outcomes())
    assert results["all"]["tier0_derived_missed_edits"] == 0
    govuk = results["govuk"]
    assert govuk["tier0_derived"] >= govuk["pairs"] // 2
    assert govuk["tier0_derived_refetch_same"] >= 0.9 * govuk["tier0_derived"]
    assert results["cnn"]["tier0_derived"] == 0
