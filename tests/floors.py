"""Pinned quality floors, in the manner of trafilatura's evaluation gate.

A floors file (JSON) pins the figures a corpus test must reach; a ``MINIMUM_FLOORS`` constant in
the test pins the floors themselves, so that lowering one in the JSON fails too (floors only go
up).  Both hold ``version_gain_rate``, ``false_versions_max``, and sections of floors by kind
(or bucket) and metric: ``kinds``, per-kind ``precision`` / ``recall``, and any other section
of the same shape the test names (``kinds_with_label_corrections``, ``moved``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def load_floors(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def assert_not_lowered(
    pinned: dict[str, Any], minimum: dict[str, Any], sections: Sequence[str] = ("kinds",)
) -> None:
    """Every floor in ``pinned`` is at least its committed minimum: the version gain rate, the
    false versions allowed, and each section's floors, which name the same kinds."""
    assert pinned["version_gain_rate"] >= minimum["version_gain_rate"]
    assert pinned["false_versions_max"] <= minimum["false_versions_max"]
    for section in sections:
        assert set(pinned[section]) == set(minimum[section]), section
        for kind, floor in minimum[section].items():
            for metric, value in floor.items():
                assert pinned[section][kind][metric] >= value, (section, kind, metric)


def assert_meets(
    got: dict[str, Any], pinned: dict[str, Any], sections: Sequence[str] = ("kinds",)
) -> None:
    """The measured figures reach every pinned floor, those of each section included (``got``
    holds the measured figures under the same section names)."""
    assert got["false_versions"] <= pinned["false_versions_max"], got["false_versions"]
    assert got["version_gain_rate"] >= pinned["version_gain_rate"], got["version_gain_rate"]
    for section in sections:
        for kind, floor in pinned[section].items():
            for metric, value in floor.items():
                assert got[section][kind][metric] >= value, (section, kind, metric, got[section])
