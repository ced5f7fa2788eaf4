"""One refetch cycle: a ``redline crawl --json`` child process, under the crawl lock.

A Twisted reactor cannot be restarted and Scrapy's memory is not all returned between crawls,
so each cycle runs in its own process (``docs/decisions.md``, "Scheduler integration").  The
child gets exactly the service's settings (:func:`archive.config.child_environ`) and runs in
its own session, so a Ctrl-C at the terminal reaches the service only; the service forwards
a stop as SIGTERM, which Scrapy treats as a graceful shutdown (requests in flight finish and
each capture commits in its own transaction), and kills the child after
``shutdown_timeout_s``.

The crawl lock (``crawl.lock`` in the data directory, ``flock``) is inherited by the child:
when a service is killed with SIGKILL, its orphaned crawl keeps the lock until it ends, and a
restarted service skips its cycles meanwhile instead of crawling the same URLs twice at once.
"""

from __future__ import annotations

import json
import logging
import resource
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Final

from archive.config import Config, child_environ
from crawler.lock import CrawlLock
from crawler.summary import CrawlSummary

logger = logging.getLogger(__name__)

POLL_S: Final = 0.2  # how often a running cycle looks at the stop flag


@dataclass(frozen=True)
class CycleResult:
    """A cycle's figures (the crawl summary plus what the service measured)."""

    exit_code: int
    wall_s: float
    summary: CrawlSummary | None = None  # None: the crawl printed no readable summary
    stopped: bool = False

    def figures(self) -> dict[str, Any]:
        crawl_s = self.summary.duration_s if self.summary is not None else 0.0
        return {
            **(self.summary.to_dict() if self.summary is not None else {}),
            "exit_code": self.exit_code,
            "wall_s": round(self.wall_s, 3),
            "overhead_s": round(max(self.wall_s - crawl_s, 0.0), 3),
            "stopped": self.stopped,
            "child_max_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        }


def crawl_command() -> list[str]:
    # the child inherits our lock (pass_fds below) and must not try to take it again
    return [sys.executable, "-m", "scheduler.cli", "crawl", "--json", "--lock-held"]


def run_cycle(config: Config, lock: CrawlLock, stopping: threading.Event) -> CycleResult:
    """Run one crawl of the due URLs in a child process and wait for it (or stop it)."""
    started = time.monotonic()
    proc = subprocess.Popen(
        crawl_command(),
        env=child_environ(config),
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        pass_fds=(lock.fd,),
        start_new_session=True,
        text=True,
    )
    signalled_at: float | None = None
    while True:
        try:
            out, _ = proc.communicate(timeout=POLL_S)
            break
        except subprocess.TimeoutExpired:
            if stopping.is_set() and signalled_at is None:
                logger.info("stopping the crawl in flight (pid %d)", proc.pid)
                proc.send_signal(signal.SIGTERM)
                signalled_at = time.monotonic()
            elif signalled_at and time.monotonic() - signalled_at > config.shutdown_timeout_s:
                logger.warning("the crawl did not stop in time; killing pid %d", proc.pid)
                proc.kill()
    return CycleResult(
        proc.returncode,
        time.monotonic() - started,
        read_summary(out),
        stopped=signalled_at is not None,
    )


def read_summary(out: str) -> CrawlSummary | None:
    """The JSON summary ``crawl --json`` prints last (any stray lines before it are ignored);
    ``None`` when there is none or it cannot be read."""
    start = 0 if out.startswith("{") else out.rfind("\n{") + 1
    if not out.strip() or (start == 0 and not out.startswith("{")):
        return None
    try:
        summary = json.loads(out[start:])
        return CrawlSummary.from_dict(summary) if isinstance(summary, dict) else None
    except (ValueError, TypeError, AttributeError):  # JSONDecodeError is a ValueError
        logger.warning("unreadable crawl summary: %r", out[-500:])
        return None
