"""Where the shared corpora live, for tests (and benchmarks) that read real pages.

The data sits outside the repository: ``$REDLINE_SHARED_DATA`` when set, else ``../shared/data``
next to the repository root.  Tests that need it call :func:`require_shared`, which skips with
a reason when the data is absent -- or fails, when ``CI`` or ``REDLINE_REQUIRE_SHARED_DATA=1``
says a skip would hide a missing suite (``tests.support.unavailable``).

    from tests.shared_data import require_shared
    root = require_shared("article-extraction-benchmark")
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.support import unavailable

ENV_DIR = "REDLINE_SHARED_DATA"
REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """The shared data directory (which may not exist)."""
    configured = os.environ.get(ENV_DIR)
    if configured:
        return Path(configured).expanduser().resolve()
    return (REPO_ROOT.parent / "shared" / "data").resolve()


def require_shared(*parts: str) -> Path:
    """The path of a corpus under the shared data directory; skip (or fail) when absent."""
    path = shared_data_dir().joinpath(*parts)
    if not path.exists():
        unavailable(f"shared data not found: {path} (set {ENV_DIR})", corpus=True)
    return path
