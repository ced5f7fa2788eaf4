"""`redline` processes for the viewer's tests: a free port, a readiness wait, a stop."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support import wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str, data: bytes | None = None) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


def wait_until_up(proc: subprocess.Popen[str], base: str, timeout: float = 60) -> None:
    def up() -> bool:
        try:
            return fetch(base + "/")[0] == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    wait_until(
        up,
        timeout,
        0.2,
        what="the viewer answering",
        give_up=lambda: proc.poll() is not None,
        details=lambda: (
            f"the viewer exited {proc.returncode}: "
            + (proc.stdout.read() if proc.stdout and proc.poll() is not None else "")
        ),
    )


class Running:
    """A ``redline`` process; ``output`` holds what it printed once it has stopped."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.output = ""

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None and not self.proc.stdout.closed:
            self.output = self.proc.stdout.read()
            self.proc.stdout.close()
        return int(self.proc.returncode)


@contextmanager
def running(args: list[str], env: dict[str, str], base: str) -> Iterator[Running]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "scheduler.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    handle = Running(proc)
    try:
        wait_until_up(proc, base, timeout=600 if "demo" in args else 60)
        yield handle
    finally:
        handle.stop()
