"""crawler.heap: the collector settled after start-up, in the crawl process and the workers."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys

from crawler.heap import YOUNG_THRESHOLD
from crawler.workers import ExtractionPool

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
