"""Fixtures for the report tests: a real SMTP server (aiosmtpd on 127.0.0.1) whose replies and
pauses a test controls, an archive with changes made in process, and TLS material."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import ipaddress
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from archive import store
from archive.capture import Extracted, FetchFacts
from archive.config import Config, load_config
from archive.db import Database, open_database
from archive.extract.article import Article
from archive.models import Change

T0 = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)

PARAGRAPHS = (
    "Government forces said on Thursday that they had taken back the desert city of Palmyra,"
    " three months after militants overran its defences in a surprise winter offensive.",
    "Engineers were clearing mines from the roads into the old town, a military spokesman"
    " said, and residents who fled in December were told not to return yet.",
    "The ruins of the Roman-era city, listed as a World Heritage site, were damaged during the"
    " months of occupation; satellite images showed a collapsed facade.",
)
ARTICLE = Article(
    headline="Army retakes Palmyra after three-month siege",
    paragraphs=PARAGRAPHS,
    byline="Nadia Harrow",
    published_at=datetime(2026, 3, 5, 6, 0, tzinfo=UTC),
    updated_at=datetime(2026, 3, 5, 7, 0, tzinfo=UTC),
)


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (aiosmtpd cannot take port 0: see the guide, §5)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class MailSink:
    """An aiosmtpd handler that keeps what it accepts and answers as the test says.

    ``replies``: the next DATA answers (e.g. "451 ..."), then "250" for good.
    ``hold_at``: ("MAIL", n) pauses at the n-th MAIL FROM, before anything is received;
    ("DATA", n) pauses at the n-th DATA *after* keeping the message, before answering.
    ``reached`` is set when the pause begins; the handler waits for ``release``.
    """

    messages: list[bytes] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    hold_at: tuple[str, int] | None = None
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    counts: dict[str, int] = field(default_factory=dict)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        await self._pause("MAIL")
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.replies:
            reply = self.replies.pop(0)
            if not reply.startswith("250"):
                return reply
        self.messages.append(envelope.content)
        self.recipients.append(list(envelope.rcpt_tos))
        await self._pause("DATA")
        return "250 Message accepted for delivery"

    async def _pause(self, stage: str) -> None:
        self.counts[stage] = self.counts.get(stage, 0) + 1
        if self.hold_at == (stage, self.counts[stage]):
            self.reached.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)

    def parsed(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[misc]
            for raw in self.messages
        ]


@dataclass
class SMTPServer:
    sink: MailSink
    port: int
    host: str = "127.0.0.1"

    def env(self, security: str = "none") -> dict[str, str]:
        return {
            "REDLINE_SMTP_HOST": self.host,
            "REDLINE_SMTP_PORT": str(self.port),
            "REDLINE_SMTP_SECURITY": security,
        }


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    """A plain SMTP server on 127.0.0.1 collecting what it accepts."""
    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SMTPServer(sink, port)
    finally:
        sink.release.set()
        controller.stop()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def db(data_dir: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{data_dir / 'redline.sqlite'}")
    try:
        yield database
    finally:
        database.dispose()


def make_config(data_dir: Path, **env: str) -> Config:
    environ = {"REDLINE_DATA_DIR": str(data_dir), "REDLINE_BASE_URL": "https://viewer.example"}
    environ.update(env)
    return load_config(environ=environ)


class Archive:
    """Makes versions and changes in process, through the archive's real write path."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def track(
        self,
        url: str,
        *,
        tags: tuple[str, ...] = (),
        article: Article = ARTICLE,
        at: datetime = T0 - timedelta(days=1),
    ) -> int:
        with self.db.session() as session:
            tracked, _ = store.track(session, url, now=at, tags=tags)
            store.record_capture(session, FetchFacts(tracked.id, at), Extracted(article))
            return tracked.id

    def edit(self, url_id: int, at: datetime, **changes: Any) -> int:
        """Record a new version of the article with ``changes``; returns the change id."""
        with self.db.session() as session:
            current = store.current_version(session, url_id)
            assert current is not None
            article = replace(current.article, **changes)
            store.record_capture(session, FetchFacts(url_id, at), Extracted(article))
            session.flush()
            change = session.query(Change).order_by(Change.id.desc()).first()
            assert change is not None and change.detected_at == at
            return change.id

    def recapture(self, url_id: int) -> int:
        """The story's edit at ``T0``: the headline rewritten and "taken back" made "recaptured"
        in the first paragraph; returns the change id."""
        return self.edit(
            url_id,
            T0,
            headline="Syrian regime recaptures Palmyra",
            paragraphs=reworded(0, "taken back", "recaptured"),
        )


@pytest.fixture
def archive(db: Database) -> Archive:
    return Archive(db)


#: What ``redline report`` runs, in a process of its own (killed by the crash tests): one run
#: at the time given as its argument; prints the run's summary as JSON.
REPORT_RUN = """
import json, sys
from datetime import datetime
from archive.config import load_config
from scheduler.reports import send_due_reports
summary = send_due_reports(load_config(), now=datetime.fromisoformat(sys.argv[1]))
print(json.dumps({k: v for k, v in summary.to_json().items() if k != "messages"}))
"""


def start_report_run(data_dir: Path, now: datetime, **settings: str) -> subprocess.Popen[str]:
    """A report run at ``now`` in a child process on the archive in ``data_dir``, with none of
    the caller's ``REDLINE_`` settings but ``settings`` and the viewer's base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDLINE_")}
    env.update(
        REDLINE_DATA_DIR=str(data_dir), REDLINE_BASE_URL="https://viewer.example", **settings
    )
    return subprocess.Popen(
        [sys.executable, "-c", REPORT_RUN, now.isoformat()],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def reworded(index: int, old: str, new: str) -> tuple[str, ...]:
    """``PARAGRAPHS`` with one paragraph's words replaced."""
    paragraphs = list(PARAGRAPHS)
    assert old in paragraphs[index]
    paragraphs[index] = paragraphs[index].replace(old, new)
    return tuple(paragraphs)


@dataclass(frozen=True)
class TLSFiles:
    cert: Path
    key: Path


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    """A self-signed certificate for 127.0.0.1 (the test's client trusts exactly it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    files = TLSFiles(folder / "cert.pem", folder / "key.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files
