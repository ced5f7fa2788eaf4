"""Tests for archive.warc: records, digests, offsets, rotation, crash recovery.

The files are checked with warcio's own command-line tools (``warcio check``, ``warcio
index``) and its ``ArchiveIterator``, not only with the module's reader.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import zlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.warc import (
    OPEN_SUFFIX,
    REVISIT_PROFILE,
    WarcLocation,
    WarcWriter,
    decode_content,
    read_record,
    read_response,
    read_warc_fields,
    recover_warc_dir,
    stored_headers,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
FETCHED_AT = datetime(2026, 11, 22, 4, 0, 0, 123456, tzinfo=UTC)
REQUEST_HEADERS = [("User-Agent", "redline-test"), ("Accept", "text/html")]
RESPONSE_HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("ETag", '"v1"')]


def warcio_cli() -> str:
    beside = Path(sys.executable).parent / "warcio"
    found = str(beside) if beside.exists() else shutil.which("warcio")
    assert found, "the warcio command is not installed next to this Python"
    return found


def warcio_check(path: Path) -> None:
    result = subprocess.run(
        [warcio_cli(), "check", "-v", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "digest failed" not in result.stdout


def warcio_index(path: Path) -> list[dict[str, str]]:
    result = subprocess.run(
        [warcio_cli(), "index", "-f", "warc-type,warc-target-uri,offset,length", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


def sha1_digest(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def page(i: int, size: int = 2000) -> bytes:
    words = " ".join(f"word{(i * 7919 + n) % 1009}" for n in range(size // 8))
    return f"<html><body><h1>Story {i}</h1><p>{words}</p></body></html>".encode()


def write_page(writer: WarcWriter, i: int, **overrides) -> WarcLocation:
    arguments: dict[str, Any] = {
        "request_headers": REQUEST_HEADERS,
        "status": 200,
        "response_headers": RESPONSE_HEADERS,
        "body": page(i),
        "fetched_at": FETCHED_AT + timedelta(seconds=i),
    }
    arguments.update(overrides)
    return writer.write_exchange(f"https://news.example/story/{i}?id={i}", **arguments)


def records(path: Path) -> list[tuple[int, Any]]:
    """(offset, record) for every record, with the payload read."""
    out = []
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh)
        for record in iterator:
            record.payload = record.content_stream().read()
            out.append((iterator.get_record_offset(), record))
    return out


def warc_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.warc.gz"))


# -- writing ----------------------------------------------------------------------------------


def test_exchange_records_read_back_with_warcio(tmp_path):
    with WarcWriter(tmp_path, max_bytes=10**9) as writer:
        first = write_page(writer, 1, ip="93.184.215.14")
        second = write_page(writer, 2, method="POST", status=404, reason="Gone Fishing")
    (path,) = warc_files(tmp_path)
    assert first.file == second.file == path.name
    assert not list(tmp_path.glob(f"*{OPEN_SUFFIX}"))
    warcio_check(path)

    found = records(path)
    types = [record.rec_type for _, record in found]
    assert types == ["warcinfo", "response", "request", "response", "request"]
    warcinfo = found[0][1]
    assert warcinfo.rec_headers.get_header("WARC-Filename") == path.name
    assert warcinfo.rec_headers.protocol == "WARC/1.1"

    by_offset = dict(found)
    response = by_offset[first.offset]
    assert response.rec_type == "response"
    assert response.rec_headers.get_header("WARC-Target-URI") == "https://news.example/story/1?id=1"
    assert response.rec_headers.get_header("WARC-Date") == "2026-11-22T04:00:01.123456Z"
    assert response.rec_headers.get_header("WARC-IP-Address") == "93.184.215.14"
    assert response.rec_headers.get_header("WARC-Payload-Digest") == sha1_digest(page(1))
    assert first.payload_digest == sha1_digest(page(1))
    assert response.rec_headers.get_header("WARC-Warcinfo-ID") == (
        warcinfo.rec_headers.get_header("WARC-Record-ID")
    )
    assert response.payload == page(1)
    assert response.http_headers.get_statuscode() == "200"
    assert response.http_headers.get_header("ETag") == '"v1"'

    request = found[2][1]
    assert request.rec_headers.get_header("WARC-Concurrent-To") == (
        response.rec_headers.get_header("WARC-Record-ID")
    )
    assert request.rec_headers.get_header("WARC-Date") == "2026-11-22T04:00:01.123456Z"
    assert request.http_headers.protocol == "GET"
    assert request.http_headers.statusline == "/story/1?id=1 HTTP/1.1"
    assert request.http_headers.get_header("Host") == "news.example"
    assert request.http_headers.get_header("User-Agent") == "redline-test"

    second_response = by_offset[second.offset]
    assert second_response.http_headers.statusline == "404 Gone Fishing"
    assert found[4][1].http_headers.protocol == "POST"

    # the lengths are the members' own: offset + length is where the next record starts
    offsets = [offset for offset, _ in found]
    assert offsets[offsets.index(first.offset) + 1] == first.offset + first.length


def test_warcio_index_agrees_with_locations(tmp_path):
    with WarcWriter(tmp_path, max_bytes=10**9) as writer:
        locations = [write_page(writer, i) for i in range(5)]
    (path,) = warc_files(tmp_path)
    index = warcio_index(path)
    responses = {int(e["offset"]): e for e in index if e["warc-type"] == "response"}
    for i, location in enumerate(locations):
        entry = responses[location.offset]
        assert entry["warc-target-uri"] == f"https://news.example/story/{i}?id={i}"
        assert int(entry["length"]) == location.length
    assert [e["warc-type"] for e in index] == ["warcinfo"] + ["response", "request"] * 5


def test_read_response_round_trip(tmp_path):
    body = b"\x00\x01binary\r\n\r\nnot headers" + bytes(range(256))
    with WarcWriter(tmp_path, max_bytes=10**9) as writer:
        location = write_page(writer, 3, body=body, status=200)
        assert read_response(tmp_path, location) == (200, RESPONSE_HEADERS, body)
    status, headers, stored = read_response(tmp_path, location)
    assert (status, headers, stored) == (200, RESPONSE_HEADERS, body)
    record = read_record(tmp_path, location)
    assert record.record_type == "response"
    assert record.payload_digest == sha1_digest(body) == location.payload_digest
    assert record.refers_to_uri is None


def test_revisit_record(tmp_path):
    original_time = FETCHED_AT
    with WarcWriter(tmp_path, max_bytes=10**9) as writer:
        original = write_page(writer, 7)
        revisit = writer.write_revisit(
            "https://news.example/story/7?id=7",
            refers_to_uri="https://news.example/story/7?id=7",
            refers_to_date=original_time + timedelta(seconds=7),
            refers_to_record_id="<urn:uuid:12345678-1234-5678-1234-567812345678>",
            payload_digest=original.payload_digest,
            payload_length=len(page(7)),
            status=200,
            reason="",
            response_headers=[("Content-Type", "text/html"), ("ETag", '"v1"')],
            request_headers=REQUEST_HEADERS,
            fetched_at=FETCHED_AT + timedelta(days=1),
        )
        no_date = writer.write_revisit(
            "https://news.example/story/7?id=7",
            refers_to_uri="https://news.example/story/7?id=7",
            payload_digest=original.payload_digest,
            payload_length=len(page(7)),
            status=200,
            response_headers=[],
            request_headers=[],
            fetched_at=FETCHED_AT + timedelta(days=2),
        )
        chunked = writer.write_revisit(
            "https://news.example/story/7?id=7",
            refers_to_uri="https://news.example/story/7?id=7",
            refers_to_date="2026-11-22T04:00:07.123456Z",  # as read from the original
            payload_digest=original.payload_digest,
            payload_length=len(page(7)),
            status=200,
            response_headers=[("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")],
            request_headers=[],
            fetched_at=FETCHED_AT + timedelta(days=3),
        )
    (path,) = warc_files(tmp_path)
    warcio_check(path)
    by_offset = dict(records(path))
    record = by_offset[revisit.offset]
    fields = record.rec_headers
    assert record.rec_type == "revisit"
    assert fields.get_header("WARC-Profile") == REVISIT_PROFILE
    assert REVISIT_PROFILE == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    assert fields.get_header("WARC-Payload-Digest") == original.payload_digest
    assert fields.get_header("WARC-Refers-To-Target-URI") == "https://news.example/story/7?id=7"
    assert fields.get_header("WARC-Refers-To-Date") == "2026-11-22T04:00:07.123456Z"
    assert fields.get_header("WARC-Refers-To") == "<urn:uuid:12345678-1234-5678-1234-567812345678>"
    assert fields.get_header("WARC-Date") == "2026-11-23T04:00:00.123456Z"
    assert record.payload == b""
    # its headers describe the payload it refers to (a replay serves that under them)
    assert record.http_headers.get_header("Content-Length") is None  # none was received
    assert by_offset[chunked.offset].http_headers.headers == [
        ("Content-Type", "text/html"),
        ("Content-Length", str(len(page(7)))),
    ]
    assert by_offset[chunked.offset].rec_headers.get_header("WARC-Refers-To-Date") == (
        "2026-11-22T04:00:07.123456Z"
    )
    assert revisit.payload_digest == original.payload_digest

    found = records(path)
    following = found[[offset for offset, _ in found].index(revisit.offset) + 1][1]
    assert following.rec_type == "request"
    assert following.rec_headers.get_header("WARC-Concurrent-To") == fields.get_header(
        "WARC-Record-ID"
    )
    assert by_offset[no_date.offset].rec_headers.get_header("WARC-Refers-To-Date") is None

    # replay returns the revisit's own status and headers; the caller follows refers_to
    assert read_response(tmp_path, revisit) == (
        200,
        [("Content-Type", "text/html"), ("ETag", '"v1"')],
        b"",
    )
    stored = read_record(tmp_path, revisit)
    assert stored.record_type == "revisit"
    assert stored.refers_to_uri == "https://news.example/story/7?id=7"
    assert stored.refers_to_record_id == "<urn:uuid:12345678-1234-5678-1234-567812345678>"
    assert stored.record_id == fields.get_header("WARC-Record-ID")
    assert read_response(tmp_path, original).body == page(7)


def test_framing_headers_describe_the_stored_payload():
    received = [
        ("Content-Type", "text/html"),
        ("Transfer-Encoding", "chunked"),
        ("Content-Encoding", "gzip"),
        ("X-Cache", "HIT"),
    ]
    # de-chunked: Content-Length in Transfer-Encoding's place, the content coding kept
    assert stored_headers(received, 42) == [
        ("Content-Type", "text/html"),
        ("Content-Length", "42"),
        ("Content-Encoding", "gzip"),
        ("X-Cache", "HIT"),
    ]
    # a received Content-Length stays where it was, stating the stored length
    assert stored_headers([("Content-Length", "99"), ("ETag", '"x"')], 7) == [
        ("Content-Length", "7"),
        ("ETag", '"x"'),
    ]
    # both (a broken server): one Content-Length
    assert stored_headers([("Content-Length", "9"), ("Transfer-Encoding", "chunked")], 3) == [
        ("Content-Length", "3")
    ]
    # delimited by the connection's close: nothing to describe, nothing added
    assert stored_headers([("Content-Type", "text/html")], 5) == [("Content-Type", "text/html")]


def test_a_response_is_stored_as_received_and_decoded_on_demand(tmp_path):
    html = page(4)
    sent = gzip.compress(html)
    received = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
    with WarcWriter(tmp_path, max_bytes=10**9) as writer:
        location = write_page(
            writer, 4, body=sent, response_headers=[*received, ("Transfer-Encoding", "chunked")]
        )
    (path,) = warc_files(tmp_path)
    warcio_check(path)
    stored = read_record(tmp_path, location)
    assert stored.body == sent and stored.payload_digest == sha1_digest(sent)
    assert stored.headers == [*received, ("Content-Length", str(len(sent)))]
    assert stored.content == html
    assert stored.record_id.startswith("<urn:uuid:")
    headers_only = read_record(tmp_path, location, payload=False)
    assert headers_only.body == b"" and headers_only.record_id == stored.record_id


def test_read_warc_fields_reads_what_warcio_reads(tmp_path):
    with WarcWriter(tmp_path, max_bytes=10**9) as writer:
        first = write_page(writer, 1, body=page(1, size=200_000))
        second = write_page(writer, 2)
    for location in (first, second):
        fields = read_warc_fields(tmp_path, location)
        stored = read_record(tmp_path, location)
        assert fields["warc-type"] == "response"
        assert fields["warc-record-id"] == stored.record_id
        assert fields["warc-target-uri"] == stored.target_uri
        assert fields["warc-date"] == stored.date
        assert fields["warc-payload-digest"] == location.payload_digest
    (path,) = warc_files(tmp_path)
    for wrong in (first.offset + 1, path.stat().st_size, first.offset + first.length - 10):
        with pytest.raises(ValueError, match="no WARC record"):
            read_warc_fields(tmp_path, WarcLocation(first.file, wrong, 0, ""))
    with pytest.raises(FileNotFoundError):
        read_warc_fields(tmp_path, WarcLocation("gone.warc.gz", 0, 0, ""))


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send it
        ("identity", lambda b: b),
    ],
)
def test_decode_content(coding, encode):
    body = page(5)
    assert decode_content([("content-encoding", coding)], encode(body)) == body


def test_decode_content_undoes_codings_in_reverse_order_and_refuses_the_unknown():
    body = page(6)
    twice = gzip.compress(zlib.compress(body))
    assert decode_content([("Content-Encoding", "deflate, gzip")], twice) == body
    assert decode_content([("Content-Type", "text/html")], body) == body
    with pytest.raises(ValueError, match="unknown Content-Encoding"):
        decode_content([("Content-Encoding", "compress")], body)
    with pytest.raises(ValueError, match="corrupt gzip"):
        decode_content([("Content-Encoding", "gzip")], b"not gzip at all")
    with pytest.raises(ValueError, match="truncated"):
        decode_content([("Content-Encoding", "gzip")], gzip.compress(body)[:-20])


def test_dates_are_converted_to_utc_and_naive_dates_refused(tmp_path):
    paris = timezone(timedelta(hours=1))
    with WarcWriter(tmp_path, max_bytes=10**9) as writer:
        location = write_page(writer, 1, fetched_at=datetime(2026, 1, 1, 12, 0, 0, 5, paris))
        with pytest.raises(ValueError, match="timezone-aware"):
            write_page(writer, 2, fetched_at=datetime(2026, 1, 1, 12, 0))
    assert read_record(tmp_path, location).date == "2026-01-01T11:00:00.000005Z"


def test_header_newlines_cannot_break_the_record(tmp_path):
    evil = [("X-Evil", "a\r\nWARC-Type: metadata"), ("Content-Type", "text/html")]
    with WarcWriter(tmp_path, max_bytes=10**9) as writer:
        location = write_page(writer, 1, response_headers=evil, request_headers=evil)
    (path,) = warc_files(tmp_path)
    warcio_check(path)
    assert [r.rec_type for _, r in records(path)] == ["warcinfo", "response", "request"]
    assert read_response(tmp_path, location).headers[0] == ("X-Evil", "a  WARC-Type: metadata")


def test_reading_a_request_offset_is_an_error(tmp_path):
    with WarcWriter(tmp_path, max_bytes=10**9) as writer:
        location = write_page(writer, 1)
    request_offset = location.offset + location.length
    with pytest.raises(ValueError, match="request record"):
        read_response(tmp_path, WarcLocation(location.file, request_offset, 1, ""))
    with pytest.raises(FileNotFoundError):
        read_response(tmp_path, WarcLocation("nope.warc.gz", 0, 1, ""))


# -- files: naming, open files, rotation ------------------------------------------------------


def test_file_is_open_while_written_and_renamed_on_close(tmp_path):
    writer = WarcWriter(tmp_path, max_bytes=10**9, prefix="crawl")
    assert list(tmp_path.iterdir()) == []  # files are opened lazily
    location = write_page(writer, 1)
    name = location.file
    assert writer.current_file == name
    assert name.startswith("crawl-") and name.endswith(f"-{os.getpid()}-00001.warc.gz")
    stamp = name.split("-")[1]
    assert datetime.strptime(stamp, "%Y%m%dT%H%M%SZ")
    assert [p.name for p in tmp_path.iterdir()] == [name + OPEN_SUFFIX]
    # flushed to the OS: another reader sees the whole record before close()
    assert read_response(tmp_path, location).body == page(1)
    warcio_check(tmp_path / (name + OPEN_SUFFIX))
    writer.close()
    writer.close()  # idempotent
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert read_response(tmp_path, location).body == page(1)


def test_rotation_at_max_bytes(tmp_path):
    max_bytes = 3000
    with WarcWriter(tmp_path, max_bytes=max_bytes) as writer:
        locations = [write_page(writer, i) for i in range(12)]
    files = warc_files(tmp_path)
    assert len(files) >= 3
    assert not list(tmp_path.glob(f"*{OPEN_SUFFIX}"))
    assert {location.file for location in locations} == {f.name for f in files}
    sequences = [int(f.name.removesuffix(".warc.gz").rsplit("-", 1)[1]) for f in files]
    assert sequences == list(range(1, len(files) + 1))
    for n, path in enumerate(files):
        warcio_check(path)
        found = records(path)
        assert found[0][1].rec_type == "warcinfo"
        assert found[0][1].rec_headers.get_header("WARC-Filename") == path.name
        # closed as soon as it reached max_bytes: it was below the limit before its last
        # exchange, and at or above it after (the last file may still be short)
        last_response = max(offset for offset, r in found if r.rec_type == "response")
        assert last_response < max_bytes
        if n < len(files) - 1:
            assert path.stat().st_size >= max_bytes
    for i, location in enumerate(locations):
        assert read_response(tmp_path, location).body == page(i)


def test_two_writers_share_a_directory(tmp_path):
    with (
        WarcWriter(tmp_path, max_bytes=10**9) as one,
        WarcWriter(tmp_path, max_bytes=10**9) as two,
    ):
        a = write_page(one, 1)
        b = write_page(two, 2)
        c = write_page(one, 3)
    assert a.file == c.file != b.file
    assert len(warc_files(tmp_path)) == 2
    for location, i in ((a, 1), (b, 2), (c, 3)):
        assert read_response(tmp_path, location).body == page(i)


def test_invalid_max_bytes(tmp_path):
    with pytest.raises(ValueError, match="max_bytes"):
        WarcWriter(tmp_path, max_bytes=0)


# -- recovery ---------------------------------------------------------------------------------


def _abandon(writer: WarcWriter) -> Path:
    """Simulate a killed writer: drop its descriptor (and lock) without closing the file."""
    name = writer.current_file
    assert name is not None
    writer._abandon()
    return writer.directory / (name + OPEN_SUFFIX)


def _half_member(data: bytes, cut: float) -> bytes:
    compressor = zlib.compressobj(3, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    member = compressor.compress(data) + compressor.flush()
    return member[: max(1, int(len(member) * cut))]


@pytest.mark.parametrize(
    "tail",
    [
        pytest.param(
            lambda: _half_member(b"WARC/1.1\r\nWARC-Type: response\r\n" * 300, 0.5), id="half"
        ),
        pytest.param(lambda: _half_member(b"WARC/1.1\r\n" * 300, 0.02), id="gzip-header-only"),
        pytest.param(lambda: b"\x1f", id="one-byte"),
        pytest.param(lambda: b"garbage that is not gzip", id="garbage"),
        pytest.param(lambda: b"", id="nothing-torn"),
    ],
)
def test_recover_truncates_a_torn_tail(tmp_path, tail):
    writer = WarcWriter(tmp_path, max_bytes=10**9)
    locations = [write_page(writer, i) for i in range(4)]
    path = _abandon(writer)
    good_size = path.stat().st_size
    with open(path, "ab") as fh:
        fh.write(tail())

    assert recover_warc_dir(tmp_path) == [locations[0].file]
    final = tmp_path / locations[0].file
    assert not path.exists()
    assert final.stat().st_size == good_size
    warcio_check(final)
    for i, location in enumerate(locations):
        assert read_response(tmp_path, location).body == page(i)
    assert recover_warc_dir(tmp_path) == []  # nothing left to do


def test_recover_keeps_a_response_whose_request_was_torn(tmp_path):
    writer = WarcWriter(tmp_path, max_bytes=10**9)
    kept = write_page(writer, 1)
    torn = write_page(writer, 2)
    path = _abandon(writer)
    # cut inside the last request record's member
    os.truncate(path, path.stat().st_size - 20)
    assert recover_warc_dir(tmp_path) == [kept.file]
    final = tmp_path / kept.file
    warcio_check(final)
    assert [r.rec_type for _, r in records(final)] == [
        "warcinfo",
        "response",
        "request",
        "response",
    ]
    assert read_response(tmp_path, torn).body == page(2)


def test_recover_deletes_an_empty_open_file_and_skips_live_writers(tmp_path):
    (tmp_path / f"redline-20260101T000000Z-1-00001.warc.gz{OPEN_SUFFIX}").write_bytes(b"")
    live = WarcWriter(tmp_path, max_bytes=10**9)
    location = write_page(live, 1)
    assert recover_warc_dir(tmp_path) == []
    assert [p.name for p in tmp_path.iterdir()] == [location.file + OPEN_SUFFIX]
    write_page(live, 2)  # the live writer is undisturbed
    live.close()
    warcio_check(tmp_path / location.file)
    assert recover_warc_dir(tmp_path / "missing") == []


_CHILD = textwrap.dedent(
    """
    import json, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from archive.warc import WarcWriter

    writer = WarcWriter(Path(sys.argv[1]), max_bytes=int(sys.argv[2]))
    i = 0
    while True:
        body = "".join(f"<p>story {i} line {n}</p>" for n in range(500 + i % 3000)).encode()
        loc = writer.write_exchange(
            f"https://news.example/{i}", request_headers=[("User-Agent", "t")], status=200,
            response_headers=[("Content-Type", "text/html")], body=body,
            fetched_at=datetime.now(UTC),
        )
        print(json.dumps([i, loc.file, loc.offset, loc.length, loc.payload_digest]), flush=True)
        i += 1
    """
)


def test_recover_after_kill_9(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(tmp_path), str(200_000)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    written = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            written.append(json.loads(line))
            if len(written) == 150:
                break
        # no sleep: the child is writing its next records right now
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        assert child.stdout is not None
        written.extend(json.loads(line) for line in child.stdout.read().splitlines())
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()
        if child.stderr is not None:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert len(written) >= 150
    assert len({entry[1] for entry in written}) > 1  # it rotated before dying

    open_files = list(tmp_path.glob(f"*{OPEN_SUFFIX}"))
    assert len(open_files) == 1
    recovered = recover_warc_dir(tmp_path)
    assert recovered == [open_files[0].name.removesuffix(OPEN_SUFFIX)]
    assert not list(tmp_path.glob(f"*{OPEN_SUFFIX}"))
    for path in warc_files(tmp_path):
        warcio_check(path)
    for i, file, offset, length, digest in written:
        location = WarcLocation(file, offset, length, digest)
        status, _headers, body = read_response(tmp_path, location)
        assert status == 200
        assert body == "".join(f"<p>story {i} line {n}</p>" for n in range(500 + i % 3000)).encode()
        assert sha1_digest(body) == digest


def test_a_failed_write_is_cut_back_so_offsets_stay_right(tmp_path, monkeypatch):
    import errno

    import archive.warc as warc_module

    real_write_all = warc_module._write_all
    with WarcWriter(tmp_path, max_bytes=10**9) as writer:
        before = write_page(writer, 1)

        def disk_full(fd: int, data: bytes) -> None:
            real_write_all(fd, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(warc_module, "_write_all", disk_full)
        with pytest.raises(OSError, match="No space"):
            write_page(writer, 2)
        monkeypatch.setattr(warc_module, "_write_all", real_write_all)
        after = write_page(writer, 3)
    (path,) = warc_files(tmp_path)
    warcio_check(path)
    assert [r.rec_type for _, r in records(path)] == ["warcinfo"] + ["response", "request"] * 2
    assert read_response(tmp_path, before).body == page(1)
    assert read_response(tmp_path, after).body == page(3)


def test_only_plain_file_names_are_joined_to_the_warc_directory(tmp_path):
    from archive.warc import is_plain_file_name
    from archive.web.replay import warc_path

    (tmp_path / "warc").mkdir()
    (tmp_path / "warc" / "a.warc.gz").write_bytes(b"x")
    (tmp_path / "outside.warc.gz").write_bytes(b"x")
    assert is_plain_file_name("a.warc.gz") and warc_path(tmp_path / "warc", "a.warc.gz")
    for name in (
        "",
        ".",
        "..",
        "../outside.warc.gz",
        "/etc/passwd",
        "a/b.warc.gz",
        ".hidden",
        "a.warc.gz/",
        "a\0.warc.gz",
    ):
        assert not is_plain_file_name(name), name
        with pytest.raises(FileNotFoundError):
            warc_path(tmp_path / "warc", name)


# -- the records are written as warcio writes them ------------------------------------------------


def _warcio_records(writer_calls: list[tuple[str, dict[str, Any]]], warcinfo_id: str) -> bytes:
    """The records of ``writer_calls`` as warcio builds and writes them from the same arguments
    (what ``WarcWriter`` did with warcio's own writer), uncompressed, one after the other."""
    import io
    from http import HTTPStatus
    from urllib.parse import urlsplit

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from archive.warc import _clean_headers, _warc_date

    builder = WARCWriter(None, gzip=False, warc_version="1.1")
    out = io.BytesIO()

    def http_response(status: int, headers: list[tuple[str, str]]) -> StatusAndHeaders:
        statusline = f"{status} {HTTPStatus(status).phrase}"
        return StatusAndHeaders(statusline, _clean_headers(headers), protocol="HTTP/1.1")

    def write(record: Any) -> None:
        record.rec_headers.add_header("WARC-Warcinfo-ID", warcinfo_id)
        builder.out = out
        builder.write_record(record)

    def request(url: str, headers: list[tuple[str, str]], date: str, main: Any) -> Any:
        parts = urlsplit(url)
        fields = _clean_headers(headers)
        if not any(name.lower() == "host" for name, _ in fields):
            fields.insert(0, ("Host", parts.netloc))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        http = StatusAndHeaders(f"GET {target} HTTP/1.1", fields, is_http_request=True)
        concurrent = main.rec_headers.get_header("WARC-Record-ID")
        return builder.create_warc_record(
            url,
            "request",
            http_headers=http,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": concurrent},
        )

    for kind, call in writer_calls:
        date = _warc_date(call["fetched_at"])
        extra = {"WARC-IP-Address": call["ip"]} if call.get("ip") else {}
        if kind == "exchange":
            body = call["body"]
            if call.get("payload_digest"):
                extra["WARC-Payload-Digest"] = call["payload_digest"]
            main = builder.create_warc_record(
                call["url"],
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http_response(
                    call["status"], stored_headers(call["response_headers"], len(body))
                ),
                warc_headers_dict={"WARC-Date": date, **extra},
            )
        else:
            main = builder.create_warc_record(
                call["url"],
                "revisit",
                http_headers=http_response(
                    call["status"],
                    stored_headers(call["response_headers"], call["payload_length"]),
                ),
                warc_headers_dict={"WARC-Date": date, **extra},
            )
            fields = main.rec_headers
            fields.add_header("WARC-Profile", REVISIT_PROFILE)
            fields.add_header("WARC-Refers-To-Target-URI", call["refers_to_uri"])
            fields.add_header("WARC-Refers-To-Date", call["refers_to_date"])
            fields.add_header("WARC-Refers-To", call["refers_to_record_id"])
            fields.add_header("WARC-Payload-Digest", call["payload_digest"])
        req = request(call["url"], call["request_headers"], date, main)
        write(main)
        write(req)
    return out.getvalue()


def test_records_are_byte_for_byte_what_warcio_writes(tmp_path, monkeypatch):
    import uuid

    serial = iter(range(1, 10_000))
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(serial)))
    body = ("<html><body>" + "Caf\u00e9 au lait, " * 5000 + "</body></html>").encode()
    calls: list[tuple[str, dict[str, Any]]] = [
        (
            "exchange",
            {
                "url": "https://example.com/a?b=1",
                "request_headers": [*REQUEST_HEADERS, ("Accept-Language", "fr\r\nX: y")],
                "status": 200,
                "response_headers": [
                    ("Content-Length", "12"),
                    *RESPONSE_HEADERS,
                    ("X-Note", "caf\u00e9 \u2603"),  # not ASCII: warcio percent-encodes it
                ],
                "body": body,
                "fetched_at": FETCHED_AT,
                "ip": "192.0.2.1",
                "payload_digest": payload_digest_of(body),
            },
        ),
        (
            "exchange",  # no digest given, no IP, an empty body, a status with no phrase given
            {
                "url": "http://example.com",
                "request_headers": [("Host", "example.com"), *REQUEST_HEADERS],
                "status": 404,
                "response_headers": [("Transfer-Encoding", "chunked")],
                "body": b"",
                "fetched_at": FETCHED_AT + timedelta(seconds=1),
            },
        ),
        (
            "revisit",
            {
                "url": "https://example.com/a?b=1",
                "refers_to_uri": "https://example.com/a?b=1",
                "refers_to_date": "2026-11-22T04:00:00.123456Z",
                "refers_to_record_id": "<urn:uuid:00000000-0000-0000-0000-000000000002>",
                "payload_digest": payload_digest_of(body),
                "payload_length": len(body),
                "status": 200,
                "response_headers": RESPONSE_HEADERS,
                "request_headers": REQUEST_HEADERS,
                "fetched_at": FETCHED_AT + timedelta(seconds=2),
                "ip": "2001:db8::1",
            },
        ),
    ]
    with WarcWriter(tmp_path, max_bytes=1 << 30) as warc:
        for kind, call in calls:
            if kind == "exchange":
                warc.write_exchange(**call)
            else:
                warc.write_revisit(**call)
    (path,) = tmp_path.glob("*.warc.gz")
    written = gzip.decompress(path.read_bytes())
    first_end = written.index(b"WARC/1.1\r\n", 1)  # the warcinfo record's end
    assert written.startswith(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n")
    warcinfo_id = written[:first_end].split(b"WARC-Record-ID: ")[1].split(b"\r\n")[0].decode()
    warcinfo = uuid.UUID(warcinfo_id[10:-1]).int
    # the same ids in the same order (the warcinfo record's is taken when the file opens)
    serial = iter([i for i in range(1, 10_000) if i != warcinfo])
    assert written[first_end:] == _warcio_records(calls, warcinfo_id)
    warcio_check(path)


def payload_digest_of(body: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")
