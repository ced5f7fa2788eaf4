"""The diff-quality gate (trafilatura style): real GOV.UK and CNN revisions, scored against
their labels by ``bench.quality``, must stay at or above the floors pinned in
``tests/diff_quality_floors.json``; the labelled corpus must be the one the floors were
measured on (sha256 of each ``index.json``); and a floor may only go up: lowering one in the
JSON fails ``test_floors_never_go_down`` until the constant below is lowered too, in the same
reviewed commit.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bench.quality import evaluate, index_digests, score
from tests.shared_data import require_shared

FLOORS_FILE = Path(__file__).with_name("diff_quality_floors.json")

# The committed minimum of every floor: a floor in the JSON below these is a silent lowering.
MINIMUM_FLOORS = {
    "version_gain_rate": 0.99,
    "false_versions_max": 0,
    "kinds": {
        "headline": {"precision": 0.99, "recall": 0.99},
        "byline": {"precision": 0.99, "recall": 0.99},
        "paragraph_added": {"precision": 0.99, "recall": 0.95},
        "paragraph_removed": {"precision": 0.98, "recall": 0.95},
        "paragraph_changed": {"precision": 0.98, "recall": 0.98},
        "updated": {"precision": 0.63, "recall": 0.98},
        "correction_note": {"precision": 0.90, "recall": 0.98},
    },
}


def floors() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FLOORS_FILE.read_text(encoding="utf-8"))
    return data


@cache
def measured() -> dict[str, Any]:
    root = require_shared()
    _, outcomes = evaluate(root)
    return score(outcomes)["all"]


def test_floors_never_go_down() -> None:
    pinned = floors()
    assert pinned["version_gain_rate"] >= MINIMUM_FLOORS["version_gain_rate"]
    assert pinned["false_versions_max"] <= MINIMUM_FLOORS["false_versions_max"]
    assert set(pinned["kinds"]) == set(MINIMUM_FLOORS["kinds"])
    for kind, minimum in MINIMUM_FLOORS["kinds"].items():
        for metric, value in minimum.items():
            assert pinned["kinds"][kind][metric] >= value, (kind, metric)


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
    pinned, got = floors(), measured()
    assert got["false_versions"] <= pinned["false_versions_max"]
    assert got["version_gain_rate"] >= pinned["version_gain_rate"]
    for kind, floor in pinned["kinds"].items():
        for metric, value in floor.items():
            assert got["kinds"][kind][metric] >= value, (kind, metric, got["kinds"][kind])
