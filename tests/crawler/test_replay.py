"""The WARC files of a crawl replay exactly in pywb, the web archivists' replay tool.

A real HTTP server on loopback serves a plain page, a gzip-encoded one, a chunked one, a
tracked URL that redirects (301) to its article, an article that moves to a new slug, and pages
that do not change (so the second crawl writes revisit records).  redline crawls it twice;
pywb's ``wb-manager`` indexes the WARC files and its ``wayback`` server, bound to loopback,
replays every response and revisit record in raw mode (``id_``).  Each must give back exactly
the bytes the site sent on that fetch (the body as sent, content coding included), and the
redirect must come back as the same redirect.  ``warcio check`` passed on files that pywb
replayed wrong, so the test compares bytes.

pywb cannot share the project's environment (it pins an old ``redis``, which would break the
crawl workers): it lives in a virtual environment of its own, ``.venv-pywb`` at the root of the
repository, which ``.ci/run`` builds.  Without it the test is skipped with a reason, and fails
when ``CI`` is set.
"""

from __future__ import annotations

import gzip
import http.client
import os
import socket
import socketserver
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tests.pages import Story, article_page
from tests.support import unavailable

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PYWB_VENV = REPO / ".venv-pywb"
COLLECTION = "redline"
PYWB_REQUIREMENT = "pywb==2.10.0"  # the same pin as .ci/run


# -- a site that sends exactly the bytes it is given ---------------------------------------------


@dataclass
class Page:
    status: int
    headers: list[tuple[str, str]]
    body: bytes  # the entity body as sent (content coding included), without chunk framing
    chunked: bool = False


@dataclass
class WireSite:
    """An HTTP/1.1 server on 127.0.0.1 that writes each answer byte for byte as configured."""

    pages: dict[str, Page] = field(default_factory=dict)
    served: list[tuple[str, Page]] = field(default_factory=list)  # (path, page), in order
    server: socketserver.ThreadingTCPServer | None = None

    def url(self, path: str) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def answer(self, path: str) -> Page:
        page = self.pages.get(path)
        if page is None:
            page = Page(404, [("Content-Type", "text/plain")], b"not here")
        self.served.append((path, page))
        return page


def wire_bytes(page: Page) -> bytes:
    head = f"HTTP/1.1 {page.status} {http.client.responses.get(page.status, 'Unknown')}\r\n"
    headers = list(page.headers)
    if page.chunked:
        headers.append(("Transfer-Encoding", "chunked"))
        step = 700
        body = b"".join(
            b"%x\r\n%s\r\n" % (len(page.body[i : i + step]), page.body[i : i + step])
            for i in range(0, len(page.body), step)
        )
        body += b"0\r\n\r\n"
    else:
        headers.append(("Content-Length", str(len(page.body))))
        body = page.body
    headers.append(("Connection", "close"))
    head += "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
    return head.encode("latin-1") + body


@pytest.fixture
def wire_site() -> Iterator[WireSite]:
    site = WireSite()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            request_line = self.rfile.readline(65536).decode("latin-1")
            while self.rfile.readline(65536) not in (b"\r\n", b"\n", b""):
                pass
            parts = request_line.split()
            if len(parts) < 2:
                return
            self.wfile.write(wire_bytes(site.answer(parts[1].split("?")[0])))

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    site.server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.server.shutdown()
        site.server.server_close()


# -- pywb ---------------------------------------------------------------------------------------


def pywb_tools() -> tuple[Path, Path]:
    """pywb's wb-manager and wayback; skipped when missing, a failure when CI is set."""
    bin_dir = PYWB_VENV / "bin"
    manager, wayback = bin_dir / "wb-manager", bin_dir / "wayback"
    if not (manager.exists() and wayback.exists()):
        message = (
            f"pywb not installed in {PYWB_VENV.name}/ (build it as .ci/run does: python3 -m venv"
            f" {PYWB_VENV.name} && {PYWB_VENV.name}/bin/pip install {PYWB_REQUIREMENT})"
        )
        unavailable(message)
    return manager, wayback


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# pywb's defaults (pywb/default_config.yaml) listen on 0.0.0.0 and read the collections under
# ./collections; no live-web collection unless asked (--live, never here).  The server is bound
# to loopback below; this file keeps the defaults, with Memento headers off.
PYWB_CONFIG = """\
collections_root: collections
enable_memento: false
"""


@pytest.fixture
def pywb(tmp_path: Path) -> Iterator[Any]:
    """``index(files)`` indexes WARC files with wb-manager; then ``get(path)`` asks wayback."""
    manager, wayback = pywb_tools()
    root = tmp_path / "pywb"
    root.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDLINE_", "PYWB"))}
    processes: list[subprocess.Popen[bytes]] = []

    class Pywb:
        port = free_port()

        def index(self, files: list[Path]) -> None:
            for args in (["init", COLLECTION], ["add", COLLECTION, *map(str, files)]):
                proc = subprocess.run(
                    [str(manager), *args], cwd=root, env=env, capture_output=True, timeout=120
                )
                assert proc.returncode == 0, proc.stderr.decode()[-3000:]
            (root / "config.yaml").write_text(PYWB_CONFIG)
            with open(root / "wayback.log", "wb") as log:  # the child keeps its own copy
                processes.append(
                    subprocess.Popen(
                        [str(wayback), "--bind", "127.0.0.1", "--port", str(self.port)],
                        cwd=root,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                assert processes[0].poll() is None, (root / "wayback.log").read_text()
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    return
                except OSError:
                    time.sleep(0.2)
            raise AssertionError("wayback did not start: " + (root / "wayback.log").read_text())

        def get(self, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
                response = conn.getresponse()
                return response.status, response.getheaders(), response.read()
            finally:
                conn.close()

        def log(self) -> str:
            return (root / "wayback.log").read_text(errors="replace")

    try:
        yield Pywb()
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# -- the test -----------------------------------------------------------------------------------


def records_of(warc_dir: Path) -> list[dict[str, Any]]:
    """The response and revisit records of the crawl's WARC files, in the order written."""
    found = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type in ("response", "revisit"):
                    fields = record.rec_headers
                    found.append(
                        {
                            "type": record.rec_type,
                            "uri": fields.get_header("WARC-Target-URI"),
                            "date": fields.get_header("WARC-Date"),
                        }
                    )
    return found


def timestamp(warc_date: str) -> str:
    """A WARC-Date as the 14-digit timestamp of a replay URL."""
    return warc_date[:19].replace("-", "").replace("T", "").replace(":", "")


def header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def test_every_capture_replays_in_pywb_as_the_site_sent_it(redline_sqlite, wire_site, pywb):
    redline = redline_sqlite
    redline.env["REDLINE_WARC_RETENTION"] = "all"  # every capture's record, revisits included
    html = "text/html; charset=utf-8"

    def article(n: int) -> bytes:
        return article_page(Story(headline=f"Palmyra dispatch number {n}"), 1).encode()

    first = {
        "/robots.txt": Page(200, [("Content-Type", "text/plain")], b"User-agent: *\n"),
        "/plain": Page(200, [("Content-Type", html)], article(1)),
        "/gzip": Page(
            200,
            [("Content-Type", html), ("Content-Encoding", "gzip")],
            gzip.compress(article(2), mtime=0),
        ),
        "/chunked": Page(200, [("Content-Type", html)], article(3), chunked=True),
        "/tracked": Page(301, [("Location", "/target"), ("Content-Type", html)], b"moved"),
        "/target": Page(200, [("Content-Type", html), ("Cache-Control", "no-cache")], article(4)),
        "/2026/03/old-slug": Page(200, [("Content-Type", html)], article(5)),
    }
    # then the article moves to a new slug, byte for byte: a revisit of the old slug's record
    second = {
        **first,
        "/2026/03/old-slug": Page(301, [("Location", "/new-slug")], b""),
        "/new-slug": first["/2026/03/old-slug"],
    }
    tracked = ["/plain", "/gzip", "/chunked", "/tracked", "/2026/03/old-slug"]
    redline("track", *(wire_site.url(p) for p in tracked))
    wire_site.pages = dict(first)
    assert redline.crawl()["new_versions"] == 5
    time.sleep(1.1)  # a replay URL's timestamp has whole seconds: keep the two crawls apart
    between = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    wire_site.pages = dict(second)
    assert redline.crawl()["unchanged"] == 5

    warc_dir = redline.data_dir / "warc"
    records = records_of(warc_dir)
    pywb.index(sorted(warc_dir.glob("*.warc.gz")))

    def replay(url: str, warc_date: str, sent: Page) -> list[str]:
        """What differs between pywb's raw replay of ``url`` at ``warc_date`` and ``sent``."""
        status, headers, body = pywb.get(f"/{COLLECTION}/{timestamp(warc_date)}id_/{url}")
        what = f"{url} at {warc_date}"
        if status != sent.status:
            return [f"{what}: status {status}, sent {sent.status}: {body[:200]!r}"]
        problems = []
        if body != sent.body:
            problems.append(f"{what}: {len(body)} bytes replayed, {len(sent.body)} sent")
        for name in ("Content-Encoding", "Content-Length"):
            value = header(headers, name)
            expected = header(sent.headers, name)
            if name == "Content-Length":
                expected = str(len(sent.body)) if value is not None else None
            if value != expected:
                problems.append(f"{what}: {name} {value}, sent {expected}")
        if 300 <= sent.status < 400:  # the redirect, as a redirect
            location = header(headers, "Location") or ""
            if not location.endswith(header(sent.headers, "Location") or "?"):
                problems.append(f"{what}: Location {location!r}")
        return problems

    problems = []
    # every record written, at its own date
    for record in records:
        path = "/" + record["uri"].split("/", 3)[3]
        sent = (first if record["date"] < between else second)[path]
        problems += [f"{record['type']} {p}" for p in replay(record["uri"], record["date"], sent)]
    # every URL the site served, at each crawl (the tracked URL that redirects too)
    for pages, when in ((first, records[0]["date"]), (second, records[-1]["date"])):
        for path, sent in pages.items():
            if path != "/robots.txt":
                problems += [f"URL {p}" for p in replay(wire_site.url(path), when, sent)]
    assert not problems, "\n".join(problems) + "\n" + pywb.log()[-3000:]

    kinds = sorted((r["type"], r["uri"].split("/", 3)[3]) for r in records)
    assert kinds == sorted(
        [
            *[("response", p) for p in ("plain", "gzip", "chunked", "target")],
            *[("revisit", p) for p in ("plain", "gzip", "chunked", "target", "new-slug")],
            ("response", "tracked"),  # the 301, at each crawl
            ("response", "tracked"),
            ("response", "2026/03/old-slug"),  # the article, then its 301 to the new slug
            ("response", "2026/03/old-slug"),
        ]
    )
