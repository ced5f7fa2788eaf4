"""Fixtures for the channel tests: a webhook receiver on 127.0.0.1 that checks every signature
with its own implementation of the Standard Webhooks scheme, an Apprise ``json://`` endpoint,
and an archive with changes made in process, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from archive.config import Config
from archive.db import Database, open_database
from archive.enums import ChangeLabel, DeliveryMode
from archive.report.subscriptions import Scope, subscribe
from tests.report.conftest import T0, Archive, make_config

HOSTILE_HEADLINE = (
    "<!channel> @everyone @here <b>Breaking</b>\r\nBcc: x@evil.example"
    " [click](https://evil.example) <script>alert(1)</script>"
)


def verify_signature(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The Standard Webhooks check, written from the specification (not redline's code)."""
    key = base64.b64decode(secret.split("_", 1)[1])
    content = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    offered = [s.split(",", 1)[1] for s in headers["webhook-signature"].split() if "," in s]
    fresh = abs(time.time() - int(headers["webhook-timestamp"])) < 300
    return fresh and any(hmac.compare_digest(expected, sig) for sig in offered)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """What a local HTTP endpoint received, and the answers it gives next.

    ``answers``: (status, headers) for the next requests, then 200 for good.
    ``delay_s``: a pause before answering (after keeping the request).
    ``fetched``: the paths of GET requests (a probe that a page must never reach).
    """

    port: int = 0
    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    delay_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    fetched: list[str] = field(default_factory=list)  # paths of GET requests (probes)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver.lock:
                receiver.received.append(Received(self.path, headers, body, time.time()))
                status, extra = receiver.answers.pop(0) if receiver.answers else (200, {})
            if receiver.delay_s:
                time.sleep(receiver.delay_s)
            try:
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sender was killed while waiting for the answer

        def do_GET(self) -> None:
            with receiver.lock:
                receiver.fetched.append(self.path)
            try:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An HTTP endpoint on 127.0.0.1 (port 0: the kernel picks a free one)."""
    state = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
def archive(db: Database) -> Archive:
    return Archive(db)


@pytest.fixture
def config(data_dir: Path, database_url: str) -> Config:
    data_dir.mkdir(parents=True, exist_ok=True)  # on PostgreSQL, nothing else makes it
    return make_config(
        data_dir,
        REDLINE_DATABASE_URL=database_url,
        REDLINE_ALLOW_PRIVATE_NETWORKS="true",
        REDLINE_MAIL_RETRY_BASE_S="60",
    )


def add_subscription(
    db: Database,
    destination: str,
    *,
    mode: DeliveryMode = DeliveryMode.IMMEDIATE,
    card: bool = False,
    allow_private: bool = True,
    min_label: ChangeLabel = ChangeLabel.MINOR,
) -> tuple[int, str | None]:
    """Subscribe ``destination`` to every article; returns its id and webhook secret."""
    with db.session() as session:
        subscription, _ = subscribe(
            session,
            destination,
            Scope("all"),
            now=T0 - timedelta(hours=1),
            mode=mode,
            card=card,
            allow_private=allow_private,
            min_label=min_label,
        )
        return subscription.id, subscription.secret
