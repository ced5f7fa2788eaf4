"""The shared corpora, for tests that read real pages (``bench.shared_data`` says where they
live): :func:`require_shared` skips with a reason when the data is absent -- or fails, when
``CI`` or ``REDLINE_REQUIRE_SHARED_DATA=1`` says a skip would hide a missing suite
(``tests.support.unavailable``).

    from tests.shared_data import require_shared
    root = require_shared("article-extraction-benchmark")
"""

from __future__ import annotations

from pathlib import Path

from bench.shared_data import SharedDataMissing, shared_data
from tests.support import unavailable


def require_shared(*parts: str) -> Path:
    """The path of a corpus under the shared data directory; skip (or fail) when absent."""
    try:
        return shared_data(*parts)
    except SharedDataMissing as missing:
        unavailable(str(missing), corpus=True)
