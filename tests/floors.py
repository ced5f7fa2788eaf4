"""Pinned quality floors, in the manner of trafilatura's evaluation gate.

A floors file (JSON) pins the figures a corpus test must reach; a ``MINIMUM_FLOORS`` constant in
the test pins the floors themselves, so that lowering one in the JSON fails too (floors only go
up).  Both hold ``version_gain_rate``, ``false_versions_max`` and per-kind ``precision`` /
``recall``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def load_floors(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def assert_not_lowered(pinned: dict[str, Any], minimum: dict[str, Any]) -> None:
    """Every floor in ``pinned`` is at least its committed minimum."""
    assert pinned["version_gain_rate"] >= minimum["version_gain_rate"]
    assert pinned["false_versions_max"] <= minimum["false_versions_max"]
    assert set(pinned["kinds"]) == set(minimum["kinds"])
    for kind, floor in minimum["kinds"].items():
        for metric, value in floor.items():
            assert pinned["kinds"][kind][metric] >= value, (kind, metric)


def assert_meets(got: dict[str, Any], pinned: dict[str, Any]) -> None:
    """The measured figures reach every pinned floor."""
    assert got["false_versions"] <= pinned["false_versions_max"], got["false_versions"]
    assert got["version_gain_rate"] >= pinned["version_gain_rate"], got["version_gain_rate"]
    for kind, floor in pinned["kinds"].items():
        for metric, value in floor.items():
            assert got["kinds"][kind][metric] >= value, (kind, metric, got["kinds"][kind])
