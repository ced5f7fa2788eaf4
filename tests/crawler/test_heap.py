"""crawler.heap: the collector settled after start-up, in the crawl process, the extraction
workers and the ``redline worker`` process."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.heap import YOUNG_THRESHOLD
from crawler.workers import ExtractionPool
from tests.conftest import Redline, service_missing

_STATE = "import gc; print(gc.get_threshold()[0], gc.get_freeze_count() > 0)"


def _state(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_settle_freezes_what_exists_and_raises_the_young_threshold() -> None:
    settled = _state("from crawler.heap import settle; settle(); " + _STATE)
    assert settled == f"{YOUNG_THRESHOLD} True"
    assert _state(_STATE) == f"{gc.get_threshold()[0]} False"  # the twin: Python's own


def _worker_state() -> tuple[int, bool]:
    return gc.get_threshold()[0], gc.get_freeze_count() > 0


def test_the_workers_start_settled() -> None:
    pool = ExtractionPool(1)
    try:
        threshold, frozen = asyncio.run(pool._run(_worker_state))
    finally:
        pool.close()
    assert threshold == YOUNG_THRESHOLD
    assert frozen


_GARBAGE = (
    "import gc, weakref\n"
    "gc.disable()\n"
    "class Node: pass\n"
    "node = Node(); node.itself = node; ref = weakref.ref(node); del node\n"
)


def test_settle_frees_start_ups_garbage_before_freezing() -> None:
    """A cycle start-up left unreachable is freed by settle, not frozen for good; freezing
    alone keeps it (the twin)."""
    settled = _state(_GARBAGE + "from crawler.heap import settle; settle(); print(ref() is None)")
    frozen = _state(_GARBAGE + "gc.freeze(); gc.enable(); gc.collect(); print(ref() is None)")
    assert (settled, frozen) == ("True", "False")


# `redline ARGS`, printing the collector's state when the reactor starts (Scrapy's start,
# called as it would be): after start-up, before the first page.
_CLI_AT_START = (
    "import gc, sys\n"
    "from scrapy.crawler import CrawlerProcess\n"
    "start = CrawlerProcess.start\n"
    "def starting(self, *args, **kwargs):\n"
    "    print('at start', gc.get_threshold()[0], gc.get_freeze_count() > 0, file=sys.stderr)\n"
    "    return start(self, *args, **kwargs)\n"
    "CrawlerProcess.start = starting\n"
    "from scheduler.cli.app import main\n"
    "sys.argv[0] = 'redline'\n"
    "main(sys.argv[1:])\n"
)


@pytest.mark.parametrize("command", [["crawl"], ["worker", "--max-idle", "1"]])
def test_the_crawl_and_worker_processes_start_settled(command: list[str], tmp_path: Path) -> None:
    """``redline crawl`` and ``redline worker`` (on a real Redis, its queue empty) settle the
    collector before their reactor starts (without the worker's settle: ``700 False``)."""
    redline = Redline(tmp_path / "data", None)
    if command[0] == "worker":
        url = os.environ.get("REDLINE_TEST_REDIS_URL")
        if not url:
            service_missing("Redis", "REDLINE_TEST_REDIS_URL")
        redline.env.update(
            REDLINE_REDIS_URL=url, REDLINE_REDIS_PREFIX=f"redline-test-{os.getpid()}"
        )
    proc = subprocess.run(
        [sys.executable, "-c", _CLI_AT_START, *command],
        env=redline.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"at start {YOUNG_THRESHOLD} True" in proc.stderr.splitlines(), proc.stderr
