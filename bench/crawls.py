"""What the crawl benchmarks share: the environment of the redline processes they start, and
the size of the archive those leave on disk."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def crawl_env(
    data: Path, workers: int, *, keep: tuple[str, ...] = (), **settings: str
) -> dict[str, str]:
    """The environment of a benchmark's ``redline`` process: none of the caller's ``REDLINE_``
    settings (but those named in ``keep``), the archive in ``data``, sites on loopback allowed,
    no throttling or retries, warnings only, ``workers`` extraction processes; then
    ``settings`` (``REDLINE_`` names) on top."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDLINE_") or k in keep}
    env.update(
        REDLINE_DATA_DIR=str(data),
        REDLINE_ALLOW_PRIVATE_NETWORKS="1",
        REDLINE_AUTOTHROTTLE="0",
        REDLINE_RETRY_TIMES="0",
        REDLINE_DOWNLOAD_TIMEOUT_S="60",
        REDLINE_LOG_LEVEL="WARNING",
        REDLINE_WORKERS=str(workers),
    )
    env.update(settings)
    return env


def warc_size(directory: Path) -> int:
    """Bytes of every file in the WARC directory (none yet: 0)."""
    return sum(f.stat().st_size for f in directory.glob("*")) if directory.is_dir() else 0


def db_size(path: Path) -> int:
    """The database file's size after folding the WAL into it."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size
