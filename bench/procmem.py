"""Peak resident memory of a process tree, for the benchmarks.

A thread walks the tree (a process and all its descendants) every 20 ms.  For each process it
reads the kernel's high-water mark of its resident memory (``VmHWM`` in
``/proc/<pid>/status``, the largest RSS the process has had since it started or last exec'd)
and its current RSS (psutil), and keeps the larger of the two over all its readings.  The
high-water mark only grows, so a spike between two readings still counts; what is not seen is
growth in a process's last interval before it exits (its last reading is at most one interval
before its exit: an exited process has no memory to read) and a process that lives less than
one interval, of which the sampled RSS is all there is, if anything.

The tree's peak is the largest sum of the processes' RSS read in one walk (a sample: the
kernel keeps no high-water mark of a sum), and at least the largest process's peak.
"""

from __future__ import annotations

import threading
from contextlib import suppress
from pathlib import Path
from typing import Any

import psutil

INTERVAL_S = 0.02


def high_water_mark(pid: int) -> int:
    """``VmHWM`` of the process in bytes; 0 if it cannot be read (the process has exited or is a
    zombie, or the system has no ``/proc``)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            fields = line.split()
            return int(fields[1]) * 1024 if len(fields) >= 2 and fields[1].isdigit() else 0
    return 0


class TreeMemory:
    """Each process's peak resident memory (high-water mark and sampled RSS, the larger) in
    ``peaks`` by pid, and the tree's sampled peak in ``tree_peak``, from a thread started at
    once; ``stop()`` ends it.  Subclasses see every live process of each walk in ``seen``."""

    def __init__(self, pid: int, interval_s: float = INTERVAL_S) -> None:
        self.root = psutil.Process(pid)
        self.interval_s = interval_s
        self.peaks: dict[int, int] = {}
        self._tree_sum = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def seen(self, proc: Any) -> None:
        """Called for each process of each walk after its memory is read (under
        ``suppress(psutil.Error)``)."""

    def _walk(self) -> bool:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return False
        total = 0
        for proc in procs:
            with suppress(psutil.Error):
                rss = proc.memory_info().rss
                total += rss
                peak = max(self.peaks.get(proc.pid, 0), rss, high_water_mark(proc.pid))
                self.peaks[proc.pid] = peak
                self.seen(proc)
        self._tree_sum = max(self._tree_sum, total)
        return True

    def _run(self) -> None:
        while not self._stop.is_set() and self._walk():
            self._stop.wait(self.interval_s)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def tree_peak(self) -> int:
        return max(self._tree_sum, max(self.peaks.values(), default=0))
