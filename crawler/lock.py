"""The crawl lock: one crawl at a time per data directory.

A non-blocking exclusive ``flock`` on ``crawl.lock`` in the data directory.  ``redline crawl``
takes it, so a crawl started by hand never overlaps the service's (which holds the lock for
the whole cycle and hands it to its crawl process, ``--lock-held``).  The lock goes with the
open file: a killed process releases it, and an orphaned crawl keeps it until it ends.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Final

LOCK_NAME: Final = "crawl.lock"


class CrawlLock:
    """A non-blocking exclusive ``flock`` on ``crawl.lock``; ``acquired`` says if we hold it."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / LOCK_NAME
        self.fd = -1
        self.acquired = False

    def __enter__(self) -> CrawlLock:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.acquired = True
        except BlockingIOError:
            self.acquired = False
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.fd)  # releases our share; an orphaned child keeps its own
