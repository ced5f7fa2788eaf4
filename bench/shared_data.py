"""Where the shared corpora live, for the benchmarks and the tests that read real pages.

The data sits outside the repository: ``$REDLINE_SHARED_DATA`` when set, else ``../shared/data``
next to the repository root.  :func:`shared_data` gives a corpus's path, or raises
:class:`SharedDataMissing` saying where it looked; a benchmark's command stops with that message
(:func:`shared_data_or_exit`), a test skips with it (or fails: ``tests.shared_data``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final

ENV_DIR: Final = "REDLINE_SHARED_DATA"
REPO_ROOT: Final = Path(__file__).resolve().parents[1]


class SharedDataMissing(FileNotFoundError):
    """A corpus is not under the shared data directory."""


def shared_data_dir() -> Path:
    """The shared data directory (which may not exist)."""
    configured = os.environ.get(ENV_DIR)
    if configured:
        return Path(configured).expanduser().resolve()
    return (REPO_ROOT.parent / "shared" / "data").resolve()


def shared_data(*parts: str) -> Path:
    """The path of ``parts`` under the shared data directory.

    Raises:
        SharedDataMissing: nothing is there.
    """
    path = shared_data_dir().joinpath(*parts)
    if not path.exists():
        raise SharedDataMissing(f"shared data not found: {path} (set {ENV_DIR})")
    return path


def shared_data_or_exit(*parts: str) -> Path:
    """:func:`shared_data`, for a benchmark's command: when nothing is there, the reason on
    stderr and exit status 2."""
    try:
        return shared_data(*parts)
    except SharedDataMissing as missing:
        print(missing, file=sys.stderr)
        raise SystemExit(2) from None
