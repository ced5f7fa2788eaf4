"""`redline serve` as a real process on a free port over a crawled archive: it answers, binds
loopback by default, and every viewer link in a report email answers 200 from it (the
unsubscribe link by GET, and by the one-click POST of RFC 8058); `redline demo --serve`."""

from __future__ import annotations

import email
import email.policy
import json
import re
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from archive.config import load_config
from scheduler.cli.serve import serve_command
from tests.support import wait_until

pytestmark = pytest.mark.slow


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


@pytest.fixture
def served(crawled):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**crawled.redline.env, "REDLINE_BASE_URL": base}
    with running(["serve", "--port", str(port)], env, base) as handle:
        yield base, env, handle


def test_serve_answers_on_loopback_and_stops_on_sigint(served, crawled):
    base, _env, handle = served
    status, body, headers = fetch(base + "/")
    assert status == 200 and "Latest changes" in body
    assert "content-security-policy" in {k.lower() for k in headers}
    status, body, _ = fetch(f"{base}/articles/{crawled.story_id}/diff/1..2")
    assert status == 200 and "Headline changed" in body
    assert handle.stop() == 0
    assert f"serving {crawled.data_dir} at http://127.0.0.1:" in handle.output


def test_every_viewer_link_in_a_report_answers_200(served, crawled):
    base, env, _handle = served
    sent = subprocess.run(
        [sys.executable, "-m", "scheduler.cli", "report", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(sent.stdout)
    maildir = crawled.data_dir / "Maildir" / "new"
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(maildir.iterdir())
    ]
    assert messages
    links: set[str] = set()
    for message in messages:
        html = message.get_body(("html",)).get_content()
        text = message.get_body(("plain",)).get_content()
        links.update(re.findall(r'href="([^"]+)"', html))
        links.update(re.findall(r"https?://\S+", text))
        links.add(message["List-Unsubscribe"].strip("<>"))
    viewer_links = {link.replace("&amp;", "&") for link in links if link.startswith(base)}
    diffs = {link for link in viewer_links if "/diff/" in link}
    unsubscribes = {link for link in viewer_links if "/unsubscribe/" in link}
    assert f"{base}/articles/{crawled.story_id}/diff/1..2" in diffs
    assert f"{base}/articles/{crawled.story_id}/diff/2..3" in diffs
    assert unsubscribes
    articles = {re.sub(r"/diff/.*", "", link) for link in diffs}
    for link in sorted(viewer_links | articles):
        status, body, _ = fetch(link)
        assert status == 200, (link, status, body[:300])
    # one-click: a POST with nothing but List-Unsubscribe=One-Click ends the subscription
    (unsubscribe,) = unsubscribes
    status, body, _ = fetch(unsubscribe, data=b"List-Unsubscribe=One-Click")
    assert status == 200 and "You are unsubscribed" in body
    listed = subprocess.run(
        [sys.executable, "-m", "scheduler.cli", "subscriptions", "--inactive", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert [row["active"] for row in json.loads(listed.stdout)] == [False]
    # asking again is still fine, and the page says so
    assert fetch(unsubscribe, data=b"")[0] == 200
    status, body, _ = fetch(unsubscribe)
    assert status == 200 and "Already unsubscribed" in body
    assert fetch(base + "/unsubscribe/not-a-token")[0] == 404


def test_serve_command_names_the_archive():
    config = load_config(environ={}, data_dir=Path("/srv/redline demo"))
    assert serve_command(config) == "redline --data-dir /srv/redline demo serve"
    assert serve_command(config, port=9000).endswith("serve --port 9000")


def test_demo_prints_the_serve_command_and_serves_its_archive(redline_sqlite, tmp_path):
    target = tmp_path / "demo"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["demo", "--data-dir", str(target), "--rounds", "2", "--serve", "--port", str(port)]
    with running(args, redline_sqlite.env, base) as handle:
        status, body, _ = fetch(base + "/")
        assert status == 200 and "See the diff" in body
        status, body, _ = fetch(base + "/articles")
        assert status == 200 and "/articles/1" in body
    output = handle.output
    assert f"redline --data-dir {target} serve --port {port}" in output
