"""A real HTTP site on 127.0.0.1 whose pages tests, the demo and the benchmarks change at will.

``LocalSite`` wraps a standard-library ``ThreadingHTTPServer`` bound to ``("127.0.0.1", 0)``
and served from a daemon thread; the port is read back from the bound socket. Pages live in a
mutable, lock-protected route table, and the behaviours a crawler must survive are switched on
per page: ETag / Last-Modified with 304 answers, explicit error statuses, a slow answer, a
redirect or a redirect loop, a huge streamed body, non-HTML, a body in the wrong charset, and
chrome that changes on every request (a body given as a callable of the request number).

This module owns the fixture server only. It must stay pure standard library, must not import
``archive``, ``crawler`` or the rest of ``scheduler``, and must never listen beyond loopback.

Example::

    with LocalSite() as site:
        site.set_page("/a", "<html>...</html>")
        site.url("/a")          # 'http://127.0.0.1:54321/a'
        site.requests("/a")     # 0
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Body", "LocalSite", "RequestRecord"]

Body = str | bytes | Callable[[int], str | bytes]
"""A page body: fixed text, fixed bytes, or a function of the page's 1-based request number."""

HTML = "text/html; charset=utf-8"

# Listen backlog. The benchmark opens a few hundred connections at once; the default of 5
# makes the kernel drop SYNs under that burst and the client then waits a full second to retry.
_REQUEST_QUEUE_SIZE = 256

# How often serve_forever() looks at its shutdown flag. 0.5 s (the default) would make every
# test that stops a site half a second slower.
_POLL_INTERVAL_S = 0.05

# Idle keep-alive connections are dropped after this long, so that a client that forgets to
# close does not pin a handler thread for ever.
_IDLE_TIMEOUT_S = 30.0

# Chunk size for the streamed huge body: big enough for throughput, small enough for memory.
_HUGE_CHUNK = 64 * 1024

_CONNECTION_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)


@dataclass(frozen=True)
class RequestRecord:
    """One request as the site saw it. ``headers`` keys are lower-cased."""

    method: str
    path: str
    target: str
    headers: Mapping[str, str]

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None."""
        return self.headers.get(name.lower())


@dataclass
class _Page:
    body: Body
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = HTML
    conditional: bool = True
    delay_s: float = 0.0
    last_modified: datetime | None = None
    huge_bytes: int | None = None


@dataclass
class _Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    stream_bytes: int | None = None


class LocalSite:
    """A threaded HTTP server on loopback with a mutable route table.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`. Every ``set_*``
    method may be called while the server runs, from any thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pages: dict[str, _Page] = {}
        self._counts: dict[str, int] = {}
        self._log: list[RequestRecord] = []
        self._in_flight = 0
        self._most_in_flight = 0
        self._busy_spells = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> LocalSite:
        """Bind to a free loopback port and serve from a daemon thread; returns self."""
        if self._server is not None:
            raise RuntimeError("LocalSite is already started")
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.site = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL_S},
            name=f"LocalSite:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake slow answers and close open connections. Idempotent."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            open_connections = list(self._connections)
        for conn in open_connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> LocalSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (only while started)."""
        if self._server is None:
            raise RuntimeError("LocalSite is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        """The absolute URL of ``path`` on this site."""
        if not path.startswith("/"):
            path = "/" + path
        return self.base_url + path

    # -- route table ---------------------------------------------------------------------

    def set_page(
        self,
        path: str,
        body: Body,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        content_type: str = HTML,
        conditional: bool = True,
        delay_s: float = 0.0,
        last_modified: datetime | None = None,
    ) -> None:
        """Serve ``body`` at ``path`` (exact path; the query string is ignored for routing).

        Args:
            path: Absolute path such as ``"/news/a"``.
            body: Text (sent as UTF-8), bytes (sent as given, whatever ``content_type``
                claims), or a callable of the page's 1-based request number.
            status: Response status; 304 answers are only given for 200 pages.
            headers: Extra response headers; an ``ETag`` here replaces the computed one.
            content_type: The ``Content-Type`` header.
            conditional: Answer 304 to a matching If-None-Match / If-Modified-Since.
            delay_s: Seconds to wait before answering (woken early by :meth:`stop`).
            last_modified: ``Last-Modified`` value; defaults to now, fixed at this call.
        """
        stamp = last_modified or datetime.now(UTC).replace(microsecond=0)
        page = _Page(
            body=body,
            status=status,
            headers=dict(headers or {}),
            content_type=content_type,
            conditional=conditional,
            delay_s=delay_s,
            last_modified=stamp,
        )
        with self._lock:
            self._pages[_route(path)] = page

    def remove_page(self, path: str) -> None:
        """Forget ``path``; it answers 404 from now on."""
        with self._lock:
            self._pages.pop(_route(path), None)

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        """Answer ``path`` with a redirect to ``to`` (a path on this site or an absolute URL)."""
        self.set_page(
            path,
            f"<html><body><a href='{to}'>Moved</a></body></html>",
            status=status,
            headers={"Location": to},
            conditional=False,
        )

    def redirect_loop(self, path: str, other: str | None = None) -> str:
        """Make ``path`` redirect (302) to ``other`` and back; returns ``other``."""
        partner = other or path.rstrip("/") + "-loop"
        self.redirect(path, partner, status=302)
        self.redirect(partner, path, status=302)
        return partner

    def set_huge(self, path: str, n_bytes: int, *, content_type: str = HTML) -> None:
        """Serve ``n_bytes`` of filler HTML at ``path``, streamed in chunks, never held whole."""
        with self._lock:
            self._pages[_route(path)] = _Page(
                body=b"", content_type=content_type, conditional=False, huge_bytes=n_bytes
            )

    def set_broken_encoding(self, path: str, text: str) -> None:
        """Serve ``text`` encoded as cp1252 while the headers claim UTF-8."""
        self.set_page(path, text.encode("cp1252", errors="replace"), content_type=HTML)

    def reset(self) -> None:
        """Drop every page, counter and log entry (the server keeps running)."""
        with self._lock:
            self._pages.clear()
            self._counts.clear()
            self._log.clear()
            self._most_in_flight = 0
            self._busy_spells = 0

    # -- what happened -------------------------------------------------------------------

    def requests(self, path: str) -> int:
        """How many requests (any method, any status) reached ``path``."""
        with self._lock:
            return self._counts.get(_route(path), 0)

    def request_log(self, path: str | None = None) -> list[RequestRecord]:
        """The requests seen so far, oldest first, optionally only those for ``path``."""
        with self._lock:
            records = list(self._log)
        if path is None:
            return records
        wanted = _route(path)
        return [r for r in records if r.path == wanted]

    def most_in_flight(self) -> int:
        """The most requests the site was answering at the same time."""
        with self._lock:
            return self._most_in_flight

    def busy_spells(self) -> int:
        """How many times the site went from answering nothing to answering a request."""
        with self._lock:
            return self._busy_spells

    # -- used by the handler -------------------------------------------------------------

    def _answering(self, change: int) -> None:
        with self._lock:
            if change > 0 and self._in_flight == 0:
                self._busy_spells += 1
            self._in_flight += change
            self._most_in_flight = max(self._most_in_flight, self._in_flight)

    def _note(self, record: RequestRecord) -> tuple[_Page | None, int]:
        with self._lock:
            self._log.append(record)
            number = self._counts.get(record.path, 0) + 1
            self._counts[record.path] = number
            return self._pages.get(record.path), number

    def _track(self, conn: socket.socket, *, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; False if the site is stopping."""
        return not self._stopping.wait(seconds)

    def _absolute(self, location: str) -> str:
        return self.url(location) if location.startswith("/") else location


def _route(path: str) -> str:
    route = urlsplit(path).path or "/"
    return route if route.startswith("/") else "/" + route


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _etag_matches(header: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2)."""
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in header.split(","))


def _not_modified_since(header: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified <= since


def _render(page: _Page, number: int) -> bytes:
    body = page.body(number) if callable(page.body) else page.body
    return body.encode("utf-8") if isinstance(body, str) else body


def _answer(
    page: _Page | None, number: int, request: Mapping[str, str], site: LocalSite
) -> _Answer:
    """Decide the response for one request (pure apart from rendering the body)."""
    if page is None:
        body = b"<html><body><h1>404 Not Found</h1></body></html>"
        return _Answer(404, [("Content-Type", HTML)], body)
    headers: list[tuple[str, str]] = [("Content-Type", page.content_type)]
    if page.huge_bytes is not None:
        return _Answer(page.status, headers, stream_bytes=page.huge_bytes)
    body = _render(page, number)
    extra = {k.lower(): (k, v) for k, v in page.headers.items()}
    etag = extra.pop("etag", ("ETag", _etag(body)))[1]
    headers.append(("ETag", etag))
    if page.last_modified is not None:
        headers.append(("Last-Modified", format_datetime(page.last_modified, usegmt=True)))
    for name, value in extra.values():
        headers.append((name, site._absolute(value) if name.lower() == "location" else value))
    if page.conditional and page.status == 200:
        inm, ims = request.get("if-none-match"), request.get("if-modified-since")
        if inm is not None:
            fresh = _etag_matches(inm, etag)
        else:
            fresh = (
                ims is not None
                and page.last_modified is not None
                and _not_modified_since(ims, page.last_modified)
            )
        if fresh:
            return _Answer(304, [h for h in headers if h[0] != "Content-Type"])
    return _Answer(page.status, headers, body)


def _filler(n_bytes: int) -> Iterator[bytes]:
    head = b"<!DOCTYPE html><html><head><title>Huge</title></head><body>\n"
    unit = b"<p>" + b"filler " * 20 + b"</p>\n"
    chunk = unit * (_HUGE_CHUNK // len(unit) + 1)
    first = head + chunk
    remaining = n_bytes
    piece = first
    while remaining > 0:
        out = piece[:remaining]
        remaining -= len(out)
        yield out
        piece = chunk


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Do not join handler threads on close: an idle keep-alive connection would block stop().
    block_on_close = False
    request_queue_size = _REQUEST_QUEUE_SIZE
    site: LocalSite

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: clients hanging up mid-answer is part of what the tests do."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LocalSite/1"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = _IDLE_TIMEOUT_S
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.site._track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.site._track(self.connection, open_=False)
        with contextlib.suppress(*_CONNECTION_ERRORS):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence http.server's per-request lines on stderr."""

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, *, send_body: bool) -> None:
        site = self.server.site
        request_headers = {k.lower(): v for k, v in self.headers.items()}
        record = RequestRecord(self.command, _route(self.path), self.path, request_headers)
        page, number = site._note(record)
        site._answering(+1)
        try:
            self._respond(site, page, number, request_headers, send_body=send_body)
        finally:
            site._answering(-1)

    def _respond(
        self,
        site: LocalSite,
        page: _Page | None,
        number: int,
        request_headers: dict[str, str],
        *,
        send_body: bool,
    ) -> None:
        if page is not None and page.delay_s > 0 and not site._wait(page.delay_s):
            self.close_connection = True
            return
        answer = _answer(page, number, request_headers, site)
        length = answer.stream_bytes if answer.stream_bytes is not None else len(answer.body)
        try:
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            if answer.status != 304:
                self.send_header("Content-Length", str(length))
            self.end_headers()
            if send_body and answer.status != 304:
                self._write_body(answer)
        except _CONNECTION_ERRORS:
            self.close_connection = True

    def _write_body(self, answer: _Answer) -> None:
        if answer.stream_bytes is None:
            self.wfile.write(answer.body)
            return
        for chunk in _filler(answer.stream_bytes):
            self.wfile.write(chunk)
