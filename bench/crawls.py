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


def db_tables(path: Path) -> dict[str, tuple[int, int]]:
    """Each table's and index's pages and payload bytes in the database (SQLite's ``dbstat``;
    {} where SQLite was built without it or before the file exists)."""
    if not path.exists():
        return {}
    try:
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT name, count(*), sum(payload) FROM dbstat GROUP BY name")
            return {str(name): (int(pages), int(payload or 0)) for name, pages, payload in rows}
    except sqlite3.Error:
        return {}


def growth_by_table(
    before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]
) -> dict[str, dict[str, int]]:
    """What each table and index gained between two :func:`db_tables` (those that changed)."""
    grown = {}
    for name in sorted(before.keys() | after.keys()):
        pages_a, payload_a = before.get(name, (0, 0))
        pages_b, payload_b = after.get(name, (0, 0))
        if (pages_a, payload_a) != (pages_b, payload_b):
            grown[name] = {"pages": pages_b - pages_a, "payload_bytes": payload_b - payload_a}
    return grown


def warc_size(directory: Path) -> int:
    """Bytes of every file in the WARC directory (none yet: 0)."""
    return sum(f.stat().st_size for f in directory.glob("*")) if directory.is_dir() else 0


def db_size(path: Path) -> int:
    """The database file's size after folding the WAL into it."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size
