"""WARC files: every fetched exchange is kept, as received, in WARC/1.1.

Records are read with warcio; the file's ``warcinfo`` record is written by warcio, and the
response, revisit and request records here, byte for byte as warcio writes them from the same
arguments, without its per-record Python work (about 0.15 ms a page).

This module owns the files under the WARC directory: their names, their rotation, their
recovery after a crash, and reading one record back for replay.  It knows nothing of the
database; callers store the :class:`WarcLocation` it returns.

Layout and guarantees:

- Each :class:`WarcWriter` writes its own files, named
  ``<prefix>-<UTC timestamp>-<pid>-<sequence>.warc.gz``, so several crawl processes can share
  one directory.  Each file starts with a ``warcinfo`` record; every record is its own gzip
  member (so a reader can seek to an offset), and a file is closed and a new one started once
  it reaches ``max_bytes``.
- A file being written is named ``<name>.warc.gz.open`` and holds an exclusive ``flock``; it is
  renamed to ``<name>.warc.gz`` when closed.  :attr:`WarcLocation.file` is always the final
  name, and the readers here look for both names.
- ``write_*`` returns only after every byte of its records has been handed to the operating
  system (one ``write`` per exchange, no user-space buffer).  A process killed after that loses
  nothing; a caller may commit its database row.  There is no per-record ``fsync``: it would cap
  the crawler far below its few hundred captures a second, and losing the page cache means
  losing the machine, database included.
- :func:`recover_warc_dir`, run at start-up, closes the files a killed process left open:
  it truncates each after its last complete record and renames it.  It skips files whose lock
  is held (their writer is alive).  Writers open files lazily, on the first record, so fork
  extraction workers before the first write: a forked child shares the lock.

What a response record holds (the fidelity choice; ``docs/design.md`` gives the reasons):

- The payload is the body as the server sent it, content coding included: a page served with
  ``Content-Encoding: gzip`` is stored gzip-compressed, with that header, as Heritrix,
  warcprox and wget store it.  :attr:`StoredRecord.content` decodes it.
- Two things are normalised, because the HTTP client removes them before redline sees the
  response.  The transfer framing: a chunked body is stored de-chunked, without its
  ``Transfer-Encoding`` header, and ``Content-Length`` then states the stored payload's
  length (a ``Content-Length`` that was received is set to that length too, which it already
  is for a complete body; a response delimited by the connection's close keeps having none).
  And the header names' case: Scrapy and Twisted title-case them (``Etag``, ``X-Cache-Status``)
  and group a repeated name's values together; the values are kept as received, apart from
  CR and LF, which are replaced by spaces so that no header can break the record.
- A revisit record holds the new response's headers, normalised the same way against the
  payload it refers to (``payload_length``), so that a replay of the revisit with the stored
  original's payload is what the server sent.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import importlib.metadata
import io
import os
import socket
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Final, NamedTuple
from urllib.parse import urlsplit

from isal import isal_zlib
from warcio.archiveiterator import ArchiveIterator
from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

# WARC/1.1 allows sub-second WARC-Date values (warcio then writes microseconds); every tool
# redline uses (warcio, pywb) reads 1.1.
WARC_VERSION: Final = "1.1"
REVISIT_PROFILE: Final = RecordBuilder.REVISIT_PROFILE_1_1
WARC_SUFFIX: Final = ".warc.gz"
OPEN_SUFFIX: Final = ".open"  # appended to a file's final name while it is being written
# Each record is one gzip member, compressed with ISA-L (python-isal's ``isal_zlib``: zlib's API,
# standard gzip out, any gzip reader reads it).  Measured on the 181 pages of the shared corpus
# (174 KB of HTML on average) on the 2-core development VM, per page: zlib level 1, 1.23 ms of
# CPU for 23.5% of the size; ISA-L level 1, 0.30 ms for 23.1%.  The record is compressed on the
# crawler's hot path, whose CPU is taken from the extraction workers on a small machine.
GZIP_LEVEL: Final = 1
_GZIP_WBITS: Final = zlib.MAX_WBITS | 16  # a gzip header and trailer, not a raw zlib stream
_SEQUENCE_DIGITS: Final = 5

Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class WarcLocation:
    """Where a capture's response (or revisit) record is: enough to read it back."""

    file: str  # final file name, relative to the WARC directory
    offset: int  # byte offset of the record's gzip member
    length: int  # compressed length of that member
    payload_digest: str  # "sha1:<base32>", as in WARC-Payload-Digest


class StoredResponse(NamedTuple):
    """An HTTP response read back from a WARC file (a revisit has an empty body)."""

    status: int
    headers: Headers
    body: bytes


@dataclass(frozen=True)
class StoredRecord:
    """One response or revisit record, with the WARC fields a viewer needs."""

    record_type: str  # "response" or "revisit"
    target_uri: str
    date: str  # WARC-Date as written
    payload_digest: str
    status: int
    headers: Headers
    body: bytes  # the payload as stored; empty for a revisit
    refers_to_uri: str | None  # revisit only: the record holding the payload
    refers_to_date: str | None
    record_id: str = ""  # WARC-Record-ID
    refers_to_record_id: str | None = None  # revisit only: WARC-Refers-To

    @property
    def response(self) -> StoredResponse:
        return StoredResponse(self.status, self.headers, self.body)

    @property
    def content(self) -> bytes:
        """The payload with its ``Content-Encoding`` undone: the page itself.

        Raises:
            ValueError: a coding this Python cannot decode, or a corrupt compressed payload.
        """
        return decode_content(self.headers, self.body)


def payload_digest(body: bytes) -> str:
    """The WARC payload digest of ``body``: ``sha1:`` and the base32 SHA-1, as warcio writes it."""
    return _sha1_label(body)


class WarcWriter:
    """Appends request/response and revisit records to rotating WARC files.

    Not thread-safe: use one writer per process (or per thread).

    >>> with WarcWriter(directory, max_bytes=1 << 30) as warc:  # doctest: +SKIP
    ...     location = warc.write_exchange(url, request_headers=[...], status=200, ...)
    """

    def __init__(self, directory: Path, *, max_bytes: int, prefix: str = "redline") -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, not {max_bytes}")
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.prefix = prefix
        self.directory.mkdir(parents=True, exist_ok=True)
        self._warcio = WARCWriter(None, gzip=False, warc_version=WARC_VERSION)
        self._fd: int | None = None
        self._name = ""
        self._size = 0
        self._sequence = 0
        self._warcinfo_id = ""
        self._pid = os.getpid()

    @property
    def current_file(self) -> str | None:
        """Final name of the file being written, if one is open."""
        return self._name if self._fd is not None else None

    def write_exchange(
        self,
        url: str,
        *,
        request_headers: Headers,
        method: str = "GET",
        status: int,
        reason: str = "",
        response_headers: Headers,
        body: bytes,
        fetched_at: datetime,
        ip: str | None = None,
        payload_digest: str | None = None,
    ) -> WarcLocation:
        """Write a ``response`` record and its ``request`` record; return the response's place.

        ``response_headers`` and ``body`` are the response as received (content coding kept);
        the transfer framing is normalised as the module docstring says.  ``reason`` defaults
        to the standard phrase for ``status``.  ``fetched_at`` must be timezone-aware; it
        becomes the WARC-Date of both records.  ``payload_digest``, when the caller has it
        already, must be :func:`payload_digest` of ``body``: it saves hashing the body once
        more.
        """
        date = _warc_date(fetched_at)
        record_id = _record_id()
        fields = _fields("response", url, date, record_id, ip, payload_digest)
        digest = payload_digest or _sha1_label(body)
        if not payload_digest:
            fields.append(("WARC-Payload-Digest", digest))
        http = _response_headers(status, reason, stored_headers(response_headers, len(body)))
        response = _Record(fields, http.to_ascii_bytes(), body, _RESPONSE_TYPE)
        request = self._request_record(url, method, request_headers, date, record_id)
        return self._write_pair(response, request, digest)

    def write_revisit(
        self,
        url: str,
        *,
        refers_to_uri: str,
        refers_to_date: datetime | str | None = None,
        refers_to_record_id: str | None = None,
        payload_digest: str,
        payload_length: int,
        status: int,
        reason: str = "",
        response_headers: Headers,
        request_headers: Headers,
        method: str = "GET",
        fetched_at: datetime,
        ip: str | None = None,
    ) -> WarcLocation:
        """Write a ``revisit`` record (identical payload digest) and its ``request`` record.

        The revisit holds the new response's headers but no payload; its
        ``WARC-Refers-To-Target-URI`` / ``-Date`` / ``WARC-Refers-To`` must name the response
        record that holds the payload (:func:`read_record` gives them: its ``target_uri``,
        ``date``, a WARC-Date string taken as written, and ``record_id``).  A replay tool looks
        the original up by them, and serves its payload under these headers, so
        ``payload_length``, the length of that stored payload, replaces the received framing
        headers as in :meth:`write_exchange`.
        """
        if not payload_digest:
            raise ValueError("a revisit needs the payload digest of the record it refers to")
        date = _warc_date(fetched_at)
        record_id = _record_id()
        fields = _fields("revisit", url, date, record_id, ip)
        fields += [
            ("WARC-Profile", REVISIT_PROFILE),
            ("WARC-Refers-To-Target-URI", refers_to_uri),
        ]
        if isinstance(refers_to_date, datetime):
            refers_to_date = _warc_date(refers_to_date)
        if refers_to_date:
            fields.append(("WARC-Refers-To-Date", refers_to_date))
        if refers_to_record_id:
            fields.append(("WARC-Refers-To", refers_to_record_id))
        fields.append(("WARC-Payload-Digest", payload_digest))
        http = _response_headers(status, reason, stored_headers(response_headers, payload_length))
        revisit = _Record(fields, http.to_ascii_bytes(), b"", _RESPONSE_TYPE)
        request = self._request_record(url, method, request_headers, date, record_id)
        return self._write_pair(revisit, request, payload_digest)

    def close(self) -> None:
        """Close and rename the current file (idempotent)."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.fsync(fd)  # once per file: the finished file is worth a sync
            self._open_path(self._name).rename(self.directory / self._name)
        finally:
            os.close(fd)

    def _abandon(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the lock: the next recover_warc_dir() closes it
            self._fd = None

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------------

    def _request_record(
        self, url: str, method: str, headers: Headers, date: str, concurrent_to: str
    ) -> _Record:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        fields = _clean_headers(headers)
        if not any(name.lower() == "host" for name, _ in fields):
            fields.insert(0, ("Host", parts.netloc))
        http = StatusAndHeaders(
            f"{method} {target} HTTP/1.1", fields, is_http_request=True, protocol=""
        )
        warc_fields = [
            ("WARC-Date", date),
            ("WARC-Concurrent-To", concurrent_to),
            ("WARC-Type", "request"),
            ("WARC-Record-ID", _record_id()),
            ("WARC-Target-URI", url),
            ("WARC-Payload-Digest", _EMPTY_DIGEST),
        ]
        return _Record(warc_fields, http.to_ascii_bytes(), b"", _REQUEST_TYPE)

    def _write_pair(self, main: _Record, request: _Record, digest: str) -> WarcLocation:
        if os.getpid() != self._pid:
            raise RuntimeError("a WarcWriter cannot be used in a forked child process")
        if self._fd is None:
            self._open_next()
        assert self._fd is not None
        main_member = _gzip_member(main.serialise(self._warcinfo_id))
        data = main_member + _gzip_member(request.serialise(self._warcinfo_id))
        offset = self._size
        try:
            _write_all(self._fd, data)
        except OSError:
            # A full disk mid-write: cut the torn bytes so later offsets stay right, or give
            # the file up (recovery will cut it) if even that fails.
            try:
                os.ftruncate(self._fd, offset)
            except OSError:
                self._abandon()
            raise
        self._size += len(data)
        location = WarcLocation(self._name, offset, len(main_member), digest)
        if self._size >= self.max_bytes:
            self.close()
        return location

    def _member(self, record: Any) -> bytes:
        """A record built by warcio (the file's ``warcinfo``), serialised by warcio and
        compressed into its own gzip member."""
        buffer = io.BytesIO()
        self._warcio.out = buffer
        self._warcio.write_record(record)
        return _gzip_member(buffer.getvalue())

    def _open_path(self, name: str) -> Path:
        return self.directory / (name + OPEN_SUFFIX)

    def _open_next(self) -> None:
        while True:
            self._sequence += 1
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            name = f"{self.prefix}-{stamp}-{self._pid}-{self._sequence:0{_SEQUENCE_DIGITS}d}"
            name += WARC_SUFFIX
            fd = _create_locked(self._open_path(name), self.directory / name)
            if fd is not None:
                break
        self._fd, self._name, self._size, self._warcinfo_id = fd, name, 0, ""
        warcinfo = self._warcio.create_warcinfo_record(
            name,
            {
                "software": f"redline (warcio {_warcio_version()})",
                "format": f"WARC File Format {WARC_VERSION}",
                "conformsTo": "https://iipc.github.io/warc-specifications/specifications/"
                "warc-format/warc-1.1/",
                "hostname": socket.gethostname(),
                "pid": str(self._pid),
            },
        )
        data = self._member(warcinfo)
        _write_all(fd, data)
        self._size = len(data)
        self._warcinfo_id = str(warcinfo.rec_headers.get_header("WARC-Record-ID"))


_RESPONSE_TYPE: Final = "application/http; msgtype=response"
_REQUEST_TYPE: Final = "application/http; msgtype=request"


class _Record(NamedTuple):
    """A response, revisit or request record before its digest and framing fields.

    Written as warcio writes the record it would build from the same arguments (the same
    fields in the same order, byte for byte: ``tests/archive/test_warc.py`` compares them),
    without its per-record Python work: a stream read in 16 KB pieces for the block digest
    and again for the copy, and the header lists searched for each field set.
    """

    fields: list[tuple[str, str]]  # the WARC fields up to the payload digest
    http: bytes  # the HTTP status line and headers, as warcio encodes them
    payload: bytes  # empty for a request and a revisit
    content_type: str

    def serialise(self, warcinfo_id: str) -> bytes:
        fields = self.fields
        if warcinfo_id:
            fields = [*fields, ("WARC-Warcinfo-ID", warcinfo_id)]
        block = hashlib.sha1(self.http)  # noqa: S324  # WARC's digest
        block.update(self.payload)
        head = "".join(
            [
                f"WARC/{WARC_VERSION}\r\n",
                *(f"{name}: {value}\r\n" for name, value in fields),
                f"WARC-Block-Digest: sha1:{base64.b32encode(block.digest()).decode('ascii')}\r\n",
                f"Content-Type: {self.content_type}\r\n",
                f"Content-Length: {len(self.http) + len(self.payload)}\r\n\r\n",
            ]
        )
        return b"".join((head.encode("utf-8"), self.http, self.payload, b"\r\n\r\n"))


def _record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _sha1_label(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")  # noqa: S324


_EMPTY_DIGEST: Final = _sha1_label(b"")  # a request record's (empty) payload


def _gzip_member(data: bytes) -> bytes:
    compressor = isal_zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, _GZIP_WBITS)
    return compressor.compress(data) + compressor.flush()


def is_plain_file_name(name: str) -> bool:
    """Whether ``name`` names a file directly inside a directory: not empty, no path separator,
    not ``.``, ``..`` or a hidden file.  A name read from the database or a request is checked
    with this before it is joined to the WARC directory."""
    return bool(name) and Path(name).name == name and not name.startswith(".") and "\0" not in name


def read_record(directory: Path, location: WarcLocation, *, payload: bool = True) -> StoredRecord:
    """Read the response or revisit record at ``location`` (its file open or closed).

    With ``payload=False`` only the WARC and HTTP headers are read (``body`` is empty).

    Raises:
        FileNotFoundError: the file is gone under both names.
        ValueError: the offset does not hold a response or revisit record.
    """
    with _open_for_reading(Path(directory), location.file) as fh:
        fh.seek(location.offset)
        iterator = ArchiveIterator(fh)
        try:
            record = next(iter(iterator))
        except StopIteration:
            raise ValueError(f"no record at {location.file}:{location.offset}") from None
        if record.rec_type not in ("response", "revisit") or record.http_headers is None:
            raise ValueError(
                f"{location.file}:{location.offset} holds a {record.rec_type} record, "
                "not a response"
            )
        body = b"" if record.rec_type == "revisit" or not payload else record.raw_stream.read()
        fields = record.rec_headers
        result = StoredRecord(
            record_type=record.rec_type,
            target_uri=fields.get_header("WARC-Target-URI"),
            date=fields.get_header("WARC-Date"),
            payload_digest=fields.get_header("WARC-Payload-Digest"),
            status=int(record.http_headers.get_statuscode()),
            headers=list(record.http_headers.headers),
            body=body,
            refers_to_uri=fields.get_header("WARC-Refers-To-Target-URI"),
            refers_to_date=fields.get_header("WARC-Refers-To-Date"),
            record_id=fields.get_header("WARC-Record-ID") or "",
            refers_to_record_id=fields.get_header("WARC-Refers-To"),
        )
        iterator.close()
        return result


def read_warc_fields(directory: Path, location: WarcLocation) -> dict[str, str]:
    """The WARC header fields of the record at ``location``, names lower-cased.

    Decompresses only the start of the record's gzip member (about 0.1 ms, against 0.6 ms for
    warcio's reader on a news page): what a revisit needs to know of its original.

    Raises:
        FileNotFoundError: the file is gone under both names.
        ValueError: no WARC record starts at the offset.
    """
    with _open_for_reading(Path(directory), location.file) as fh:
        fh.seek(location.offset)
        decompressor = zlib.decompressobj(_GZIP_WBITS)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = fh.read(_FIELDS_CHUNK)
            if not chunk or len(head) > _MAX_FIELDS_BYTES or decompressor.eof:
                raise ValueError(f"no WARC record at {location.file}:{location.offset}")
            try:
                head += decompressor.decompress(chunk)
            except zlib.error as exc:
                raise ValueError(f"no WARC record at {location.file}:{location.offset}") from exc
    lines = head.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").split("\r\n")
    if not lines[0].startswith("WARC/"):
        raise ValueError(f"no WARC record at {location.file}:{location.offset}")
    fields: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            fields.setdefault(name.strip().lower(), value.strip())
    return fields


_FIELDS_CHUNK: Final = 2048
_MAX_FIELDS_BYTES: Final = 1 << 20


def read_response(directory: Path, location: WarcLocation) -> StoredResponse:
    """``(status, headers, body)`` of the record at ``location``, for replay.

    A revisit is not followed: its status and headers come back with an empty body, and the
    caller replays the capture it refers to (:func:`read_record` says which).
    """
    return read_record(directory, location).response


def recover_warc_dir(directory: Path) -> list[str]:
    """Close the WARC files that killed writers left open; return the recovered final names.

    Each unlocked ``*.warc.gz.open`` file is cut after its last complete record, synced, and
    renamed to its final name.  A file with no complete record is deleted.  Files still locked
    by a live writer are left alone, so this is safe while other crawls run.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return []
    recovered = []
    for path in sorted(directory.glob(f"*{WARC_SUFFIX}{OPEN_SUFFIX}")):
        if _recover_file(path):
            recovered.append(path.name.removesuffix(OPEN_SUFFIX))
    return recovered


def _complete_length(path: Path) -> int:
    """Length of the prefix of a WARC file made of complete gzip-member records."""
    spans: list[tuple[int, int]] = []
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh)
        # A torn tail can surface as any error of the gzip or record parsers; everything read
        # before it is complete, which is all recovery needs.
        with contextlib.suppress(Exception):
            for record in iterator:
                record.raw_stream.read()
                spans.append((iterator.get_record_offset(), iterator.get_record_length()))
        # Only the last record can be torn: the iterator moves to a member only after the
        # previous one's gzip stream ended.  Check the last ones with zlib.
        while spans:
            offset, length = spans[-1]
            fh.seek(offset)
            if _is_complete_member(fh.read(length)):
                return offset + length
            spans.pop()
    return 0


# -- helpers ----------------------------------------------------------------------------------


def _warcio_version() -> str:
    try:
        return importlib.metadata.version("warcio")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _fields(
    kind: str, url: str, date: str, record_id: str, ip: str | None, digest: str | None = None
) -> list[tuple[str, str]]:
    """A record's first WARC fields, in the order warcio writes them."""
    fields = [("WARC-Date", date)]
    if ip:
        fields.append(("WARC-IP-Address", ip))
    if digest:
        fields.append(("WARC-Payload-Digest", digest))
    fields += [("WARC-Type", kind), ("WARC-Record-ID", record_id), ("WARC-Target-URI", url)]
    return fields


def _warc_date(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"WARC dates need a timezone-aware datetime, not {moment!r}")
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return str(datetime_to_iso_date(utc, use_micros=True))


def _clean_headers(headers: Headers) -> Headers:
    """Headers with CR and LF replaced: one stray newline would corrupt the record."""
    table = str.maketrans("\r\n", "  ")
    return [(name.translate(table), value.translate(table)) for name, value in headers]


def stored_headers(headers: Headers, payload_length: int) -> Headers:
    """``headers`` as received, with the transfer framing of a payload of ``payload_length``.

    ``Transfer-Encoding`` is dropped (the body is stored de-chunked) and ``Content-Length``
    states ``payload_length``, in the place of the first of them.  Headers with neither (a
    body delimited by the connection's close) are returned as they are.
    """
    out: Headers = []
    length_set = False
    for name, value in headers:
        if name.lower() in _FRAMING_HEADERS:
            if not length_set:
                out.append(("Content-Length", str(payload_length)))
                length_set = True
            continue
        out.append((name, value))
    return out


_FRAMING_HEADERS: Final = frozenset({"content-length", "transfer-encoding"})


def decode_content(headers: Headers, body: bytes) -> bytes:
    """``body`` with the ``Content-Encoding`` of ``headers`` undone (gzip, deflate, br, zstd).

    Raises:
        ValueError: an unknown coding, one whose library is not installed, or a corrupt body.
    """
    codings = [
        coding.strip().lower()
        for name, value in headers
        if name.lower() == "content-encoding"
        for coding in value.split(",")
        if coding.strip() and coding.strip().lower() != "identity"
    ]
    for coding in reversed(codings):  # the last coding applied is undone first
        body = _decode_one(coding, body)
    return body


def _decode_one(coding: str, body: bytes) -> bytes:
    try:
        if coding in ("gzip", "x-gzip"):
            return _gunzip(body)
        if coding == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:  # raw deflate, as some servers send it
                return zlib.decompress(body, -zlib.MAX_WBITS)
        if coding == "br":
            import brotli  # type: ignore[import-not-found,import-untyped,unused-ignore]

            return bytes(brotli.decompress(body))
        if coding == "zstd":
            import zstandard  # type: ignore[import-not-found,import-untyped,unused-ignore]

            return bytes(zstandard.ZstdDecompressor().decompressobj().decompress(body))
    except ImportError as exc:
        raise ValueError(f"cannot decode Content-Encoding {coding}: {exc}") from None
    except Exception as exc:  # each library raises its own error for a corrupt stream
        raise ValueError(f"corrupt {coding} payload: {exc}") from None
    raise ValueError(f"unknown Content-Encoding: {coding}")


def _gunzip(body: bytes) -> bytes:
    """Every gzip member of ``body``, decompressed (trailing garbage ignored, as browsers do)."""
    out = []
    while body:
        decompressor = zlib.decompressobj(_GZIP_WBITS)
        out.append(decompressor.decompress(body))
        if not decompressor.eof:
            raise ValueError("truncated gzip payload")
        body = decompressor.unused_data
        if not body.startswith(b"\x1f\x8b"):
            break
    return b"".join(out)


def _response_headers(status: int, reason: str, headers: Headers) -> StatusAndHeaders:
    if not reason:
        with contextlib.suppress(ValueError):
            reason = HTTPStatus(status).phrase
    statusline = f"{status} {reason}".strip().translate(str.maketrans("\r\n", "  "))
    return StatusAndHeaders(statusline, _clean_headers(headers), protocol="HTTP/1.1")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _create_locked(open_path: Path, final_path: Path) -> int | None:
    """Create and lock a new ``.open`` file; ``None`` if the name is taken or was recovered."""
    if final_path.exists():
        return None
    try:
        fd = os.open(
            open_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644
        )
    except FileExistsError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if not _same_file(fd, open_path):  # a recovery took the empty file meanwhile
            raise BlockingIOError
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _same_file(fd: int, path: Path) -> bool:
    try:
        return path.stat().st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def _recover_file(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False  # another process recovered it first
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its writer is alive
        if not _same_file(fd, path):
            return False
        end = _complete_length(path)
        if end == 0:
            path.unlink()
            return False
        if end < os.fstat(fd).st_size:
            os.ftruncate(fd, end)
        os.fsync(fd)
        path.rename(path.with_name(path.name.removesuffix(OPEN_SUFFIX)))
        return True
    finally:
        os.close(fd)


def _is_complete_member(data: bytes) -> bool:
    decompressor = zlib.decompressobj(_GZIP_WBITS)
    try:
        decompressor.decompress(data)
    except zlib.error:
        return False
    return decompressor.eof and not decompressor.unused_data


def _open_for_reading(directory: Path, name: str) -> BinaryIO:
    # The writer renames "<name>.open" to "<name>" when it closes the file; try the final name,
    # then the open one, then the final one again in case the rename fell in between.
    for candidate in (name, name + OPEN_SUFFIX, name):
        try:
            return open(directory / candidate, "rb")
        except FileNotFoundError:
            continue
    raise FileNotFoundError(f"WARC file not found: {directory / name}")
