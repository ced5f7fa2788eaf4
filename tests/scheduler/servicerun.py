"""``redline run`` as a subprocess for the service tests: start, wait on conditions, stop."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import Redline
from tests.support import wait_until

# The service's schedule shrunk to seconds: tiers x 0.002 (10 min -> 1.2 s, 1 h -> 7.2 s;
# the first tier ends 21.6 s after the last change), a cycle a second.
FAST = {
    "REDLINE_REFETCH_CYCLE_S": "1",
    "REDLINE_REFETCH_TIME_SCALE": "0.002",
    "REDLINE_REFETCH_JITTER": "0.05",
    "REDLINE_FEED_POLL_INTERVAL_S": "1",
    "REDLINE_LOG_LEVEL": "INFO",
    "REDLINE_LOG_FORMAT": "json",
}


class Service:
    """One ``redline run`` process; its log goes to a file that failures print."""

    def __init__(self, redline: Redline, log: Path, **env: str) -> None:
        self.redline = redline
        self.log = log
        self.env = {**redline.env, **FAST, **env}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *args: str) -> Service:
        self.handle = self.log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "scheduler.cli", "run", *args],
            env=self.env,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
        )
        return self

    def events(self, name: str) -> list[dict[str, Any]]:
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            if line.startswith("{") and f'"{name}"' in line:
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if entry.get("event") == name:
                    found.append(entry)
        return found

    def wait_until(self, condition: Callable[[], Any], timeout: float = 60, what: str = "") -> Any:
        """``tests.support.wait_until``, giving up when the service has exited."""
        return wait_until(
            condition,
            timeout,
            0.2,
            what=what,
            give_up=lambda: self.proc is not None and self.proc.poll() is not None,
            details=self.tail,
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 90) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        finally:
            self.handle.close()
        return code

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
            self.handle.close()

    def tail(self, lines: int = 60) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def json(self, *args: str) -> Any:
        proc = subprocess.run(
            [sys.executable, "-m", "scheduler.cli", *args, "--json"],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(proc.stdout)
