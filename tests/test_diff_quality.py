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
        "paragraph_added": {"precision": 0.99, "recall": 0.948},
        # 0.94 before a paragraph printed twice in a row was kept twice (cnn-0130)
        "paragraph_removed": {"precision": 0.98, "recall": 0.949},
        "paragraph_changed": {"precision": 0.98, "recall": 0.98},
        "updated": {"precision": 0.63, "recall": 0.98},
        "correction_note": {"precision": 0.90, "recall": 0.98},
    },
}


def floors() -> dict[str, Any]:
    return load_floors(FLOORS_FILE)


@cache
def measured() -> dict[str, Any]:
    root = require_shared()
    _, outcomes = evaluate(root)
    return score(outcomes)["all"]


# paragraph_moved, scored on the pairs whose label can tell (``moved`` in the results): too
# few pairs for a per-kind floor in ``kinds``; a floor of its own, which only goes up too.
# 0.78 / 0.78 before moves were chosen as the non-crossing set of changes, required to be
# distinct, and table rows paired by name.  Recall was then 0.92 on 350 pairs with a deleted
# block >= 0.8 alike to an inserted one read as "the label cannot tell", which left out two
# moves redline finds and one it missed; such a block is now read as a move (see
# ``_label_moved``): 0.88 on 354 pairs (16 of 18; left: govuk-0050, cnn-0533, in
# docs/diff-quality.md).  Lowered in this reviewed commit for that reason only.
MINIMUM_MOVED = {"precision": 1.0, "recall": 0.88, "decidable_pairs": 354}


def test_floors_never_go_down() -> None:
    assert_not_lowered(floors(), MINIMUM_FLOORS)
    for metric, value in MINIMUM_MOVED.items():
        assert floors()["moved"][metric] >= value, metric


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
    assert_meets(measured(), floors())
    moved = measured()["moved"]
    for metric, value in floors()["moved"].items():
        assert moved[metric] >= value, (metric, moved)


def test_the_label_shows_a_move_only_where_its_examples_can_tell() -> None:
    from scheduler.evaluation.quality import _label_moved

    def examples(added: list[str], removed: list[str]) -> dict[str, Any]:
        return {"added": added, "removed": removed, "changed": []}

    kept = "The ferry timetable for the winter months is published below."
    other = "Tickets bought before 1 March remain valid until the end of the year."
    # the same text deleted in one place and inserted in another: a move
    assert _label_moved((1, 1), examples([kept], [kept])) is True
    # every block listed, none alike: no move
    assert _label_moved((1, 1), examples([other], [kept])) is False
    # a deleted block nearly equal to an inserted one: difflib left them in different
    # stretches, so the paragraph moved with an edit (whether or not every block is listed)
    edited = kept.replace("winter", "spring")
    assert _label_moved((1, 1), examples([edited], [kept])) is True
    assert _label_moved((3, 2), examples([edited], [kept])) is True
    # ... but one deleted block alike to two inserted ones: which it became is a guess
    twice = kept.replace("winter", "summer")
    assert _label_moved((2, 1), examples([edited, twice], [kept])) is None
    # ... and two alike blocks both cut at 160 characters may only open alike
    cut = kept[:40] + "…"
    assert _label_moved((1, 1), examples([cut.replace("ferry", "ferries")], [cut])) is None
    # not every block listed, none alike: cannot tell
    assert _label_moved((2, 1), examples([other], [kept])) is None


def test_the_fast_path_never_hides_an_edit_the_full_extraction_finds() -> None:
    """Every pair's new page goes through the fast path's decision against the old page's
    fingerprint first: it may say "unchanged" only where the full extraction finds no new
    version."""
    results = measured()
    assert results["fast_path_missed_edits"] == 0
