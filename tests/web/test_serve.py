"""`redline serve` as a real process on a free port over a crawled archive: it answers, binds
loopback by default, and every viewer link in a report email answers 200 from it (the
unsubscribe link by GET, and by the one-click POST of RFC 8058); `redline demo --serve`."""

from __future__ import annotations

import email
import email.policy
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from archive.config import load_config
from scheduler.cli.serve import serve_command
from tests.web.processes import fetch, free_port, running

pytestmark = pytest.mark.slow


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


def test_serve_with_workers_answers_from_several_processes(crawled):
    """``--workers 2``: uvicorn's supervisor and two worker processes, each building the viewer
    from the settings passed down (the data directory given as a flag), behind one port."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**crawled.redline.env, "REDLINE_BASE_URL": base}
    env.pop("REDLINE_DATA_DIR", None)
    args = ["--data-dir", str(crawled.data_dir), "serve", "--port", str(port), "--workers", "2"]
    with running(args, env, base) as handle:
        workers = [
            child
            for child in psutil.Process(handle.proc.pid).children(recursive=True)
            if "multiprocessing.resource_tracker" not in " ".join(child.cmdline())
        ]
        assert len(workers) == 2
        for _ in range(4):
            status, body, _ = fetch(f"{base}/articles/{crawled.story_id}/diff/1..2")
            assert status == 200 and "Headline changed" in body
        assert handle.stop() == 0
    assert not any(worker.is_running() for worker in workers)


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
    command = serve_command(config)
    assert command == "redline --data-dir '/srv/redline demo' serve"  # quoted for a shell
    assert shlex.split(command) == ["redline", "--data-dir", "/srv/redline demo", "serve"]
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
