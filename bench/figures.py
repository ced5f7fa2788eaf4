"""What every benchmark does with its figures: say its progress as it goes, keep them as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def say(text: str) -> None:
    """One line of progress, shown at once (the benchmarks run for minutes)."""
    print(text, flush=True)


def write_json(path: Path | None, figures: Mapping[str, Any]) -> None:
    """Write ``figures`` as indented JSON to ``path`` (its folder made as needed); none: nothing."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
