"""The archive's size by part, and a retention change applied to existing WARC files.

:func:`storage_report` (``redline storage``) says what the archive holds: the database (its
file, or its size on the server) with each table's rows and bytes, the WARC files, how many
captures name a record and how many of those records the current ``warc_retention`` does not
require, and the files that are out of place (unreferenced, missing, left by an interrupted
rewrite).

:func:`apply_retention` (``redline storage apply``) rewrites each WARC file holding records the
retention does not require (:func:`archive.retention.stored_exchanges`), one file at a time:

1. the intent (old name, new name) is committed to the database (``service_state``);
2. the records to keep are copied, byte for byte (each is its own gzip member), into
   ``<new name>.rewrite``, which is synced and renamed to the new name;
3. one transaction points the kept captures at their records in the new file, clears the
   reference of the dropped ones, and marks the intent done;
4. the old file is deleted, then the intent.

At every point the references the database holds name files that exist.  A crash before
step 3 commits leaves the old references, and the next run deletes the new file; a crash
after it leaves the new ones, and the next run deletes the old file (:func:`recover`).

Kept: every record a capture needs, the request record written with it, the response record
holding the payload of a kept revisit (found by ``WARC-Refers-To``, or its URI and date), and
the records no capture names (the ``warcinfo``), but for a fetch's redirects and retried
attempts.  Those go with their capture, as a crawl writes them today (with the capture's own
record, none for an unchanged capture under ``versions``): a run of responses no capture names,
each following from the one before (a redirect's target, or the same URL again), belongs to a
capture of the URL it starts with when :func:`_own` finds it without doubt, and is dropped when
that capture's record is (or, written before crawls did so, when the capture has none and the
retention requires none: :func:`archive.retention.fetches`).
Dropped: a record whose captures do not need it, and the records written with it
(``WARC-Concurrent-To``).  Record ids are unchanged, so revisits elsewhere still resolve.

Durability: each of those commits is made to survive a power cut or an OS crash before a
file is deleted (on SQLite, whose commits in WAL mode with ``synchronous=NORMAL`` only survive
a killed process, by a full WAL checkpoint; see :func:`_make_durable`), and :func:`recover`
never deletes a file that captures name, nor one whose other copy is missing.

A file being written (``.open``: by a crawl, or left by a killed one) can hold a revisit
whose payload is in a closed file: apply refuses to run while one exists.  A damaged file
(unreadable, or a capture names an offset where no record starts) is left as it is; the
revisits in its readable part keep their payload's record, and so does every record of the
URL and payload digest of a capture naming it (a revisit beyond the damage could need it).
The caller must keep crawls away while a rewrite runs (the CLI takes the crawl lock, which
``redline worker`` processes do not hold: stop them first).
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, cast
from urllib.parse import urljoin

from sqlalchemy import Table, bindparam, delete, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from archive.db import Database
from archive.errors import StorageError
from archive.models import Base, Capture, ServiceState
from archive.retention import VERSIONS, Fetch, StoredExchange, fetches, stored_exchanges
from archive.warc import (
    OPEN_SUFFIX,
    WARC_SUFFIX,
    WarcLocation,
    is_plain_file_name,
    read_warc_fields,
)

INTENT_KEY: Final = "warc-rewrite"  # service_state row of the rewrite in progress
TEMP_SUFFIX: Final = ".rewrite"  # appended to a new file's name while it is written
_GENERATION: Final = re.compile(r"(?P<base>.+?)(?:-r(?P<n>\d+))?" + re.escape(WARC_SUFFIX))

# Called with the name of a step ("written", "swapped") and the old file's name, after the
# step: tests stop there to check that a crash at that point loses nothing.
Checkpoint = Callable[[str, str], None]


# -- the report --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableSize:
    """One table: its rows, and its bytes on disk (indexes included) when the backend says."""

    name: str
    rows: int
    bytes: int | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "rows": self.rows, "bytes": self.bytes}


@dataclass(frozen=True, slots=True)
class StorageReport:
    """What the archive holds, by part (``redline storage``)."""

    backend: str  # "sqlite" or "postgresql"
    database_bytes: int | None  # the SQLite files (WAL included), or pg_database_size
    tables: tuple[TableSize, ...]
    retention: str
    warc_files: int  # closed files
    warc_bytes: int
    open_files: int  # being written, or left open by a killed crawl (recovered by the next)
    open_bytes: int
    captures: int
    captures_with_record: int
    records_not_required: int  # named by captures whose records the retention does not need
    kept_for_revisits: int  # of those, records a kept revisit needs (kept by a rewrite)
    unreferenced_files: tuple[str, ...]  # no capture names a record in them
    unreferenced_bytes: int
    missing_files: tuple[str, ...]  # named by captures, not in the WARC directory
    leftovers: tuple[str, ...]  # what an interrupted rewrite left; the next apply cleans it

    @property
    def total_bytes(self) -> int:
        return (self.database_bytes or 0) + self.warc_bytes + self.open_bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "database_bytes": self.database_bytes,
            "tables": [t.to_json() for t in self.tables],
            "retention": self.retention,
            "warc_files": self.warc_files,
            "warc_bytes": self.warc_bytes,
            "open_files": self.open_files,
            "open_bytes": self.open_bytes,
            "total_bytes": self.total_bytes,
            "captures": self.captures,
            "captures_with_record": self.captures_with_record,
            "records_not_required": self.records_not_required,
            "kept_for_revisits": self.kept_for_revisits,
            "unreferenced_files": list(self.unreferenced_files),
            "unreferenced_bytes": self.unreferenced_bytes,
            "missing_files": list(self.missing_files),
            "leftovers": list(self.leftovers),
        }


def storage_report(database: Database, warc_dir: Path, retention: str) -> StorageReport:
    """The archive's size by part, and what ``retention`` would let a rewrite drop."""
    warc_dir = Path(warc_dir)
    closed, opened, temps = _warc_listing(warc_dir)
    with database.session() as session:
        backend = session.get_bind().dialect.name
        tables = _table_sizes(session, backend)
        database_bytes = _database_bytes(session, backend)
        exchanges = list(stored_exchanges(session, retention))
        captures = int(session.scalar(select(func.count()).select_from(Capture)) or 0)
        intent = _intent(session)
    named = {e.warc_file for e in exchanges}
    present = {p.name for p in closed} | {p.name.removesuffix(OPEN_SUFFIX) for p in opened}
    unreferenced = sorted(p for p in closed if p.name not in named)
    leftovers = [p.name for p in temps]
    rescued = _revisited(warc_dir, exchanges)
    if intent is not None:
        leftovers.append(f"{intent['old']} -> {intent['new']} ({intent['state']})")
    return StorageReport(
        backend=backend,
        database_bytes=database_bytes,
        tables=tables,
        retention=retention,
        warc_files=len(closed),
        warc_bytes=sum(_size(p) for p in closed),
        open_files=len(opened),
        open_bytes=sum(_size(p) for p in opened),
        captures=captures,
        captures_with_record=len(exchanges),
        records_not_required=sum(1 for e in exchanges if not e.required) - rescued,
        kept_for_revisits=rescued,
        unreferenced_files=tuple(p.name for p in unreferenced),
        unreferenced_bytes=sum(_size(p) for p in unreferenced),
        missing_files=tuple(sorted(named - present)),
        leftovers=tuple(leftovers),
    )


def _revisited(warc_dir: Path, exchanges: list[StoredExchange]) -> int:
    """How many records not required are the payload of a kept revisit record.

    A revisit refers to a response of its own URL with the same payload digest
    (:mod:`archive.originals`), so only the captures sharing a URL and digest with one of the
    other kind are read (their WARC headers only).
    """
    dropped = {(e.tracked_url_id, e.payload_digest) for e in exchanges if not e.required}
    kept = {(e.tracked_url_id, e.payload_digest) for e in exchanges if e.required}
    both = dropped & kept
    needed: set[str] = set()
    for exchange in exchanges:
        if exchange.required and (exchange.tracked_url_id, exchange.payload_digest) in both:
            fields = _fields(warc_dir, exchange)
            if fields.get("warc-type") == "revisit" and fields.get("warc-refers-to"):
                needed.add(fields["warc-refers-to"])
    return sum(
        1
        for e in exchanges
        if needed
        and not e.required
        and (e.tracked_url_id, e.payload_digest) in both
        and _fields(warc_dir, e).get("warc-record-id") in needed
    )


def _fields(warc_dir: Path, exchange: StoredExchange) -> dict[str, str]:
    location = WarcLocation(exchange.warc_file, exchange.warc_offset, 0, "")
    try:
        return read_warc_fields(warc_dir, location)
    except (OSError, ValueError):  # a missing file is reported as such
        return {}


def _table_sizes(session: Session, backend: str) -> tuple[TableSize, ...]:
    by_table: dict[str, int] = {}
    if backend == "sqlite":
        try:  # the dbstat table exists when SQLite was built with it (Python's usually is)
            pages = session.execute(text("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
            sizes = {str(name): int(size) for name, size in pages}
        except Exception:  # no dbstat: rows only
            session.rollback()
            sizes = {}
        else:  # a table's indexes count with it (their names are sqlite's or ours)
            owners = session.execute(text("SELECT name, tbl_name FROM sqlite_master"))
            for name, table in owners:
                if name in sizes:
                    by_table[table] = by_table.get(table, 0) + sizes[name]
    rows = []
    for table in Base.metadata.sorted_tables:
        count = int(session.scalar(select(func.count()).select_from(table)) or 0)
        size: int | None = by_table.get(table.name) if backend == "sqlite" else None
        if backend == "postgresql":
            size = session.scalar(
                text("SELECT pg_total_relation_size(CAST(:name AS regclass))"), {"name": table.name}
            )
        rows.append(TableSize(table.name, count, None if size is None else int(size)))
    return tuple(sorted(rows, key=lambda t: t.name))


def _database_bytes(session: Session, backend: str) -> int | None:
    if backend == "postgresql":
        size = session.scalar(text("SELECT pg_database_size(current_database())"))
        return None if size is None else int(size)
    if backend == "sqlite":
        bind = session.get_bind()
        name = make_url(str(bind.engine.url)).database
        if not name or name == ":memory:":
            return None
        return sum(_size(Path(name + suffix)) for suffix in ("", "-wal", "-shm"))
    return None


# -- applying the retention --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileRewrite:
    """One WARC file rewritten (or, in a dry run, that would be)."""

    file: str
    new_file: str | None  # None in a dry run, or when nothing of the file is left
    records_kept: int
    records_dropped: int
    bytes_before: int
    bytes_after: int
    captures_repointed: int
    captures_cleared: int

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "new_file": self.new_file,
            "records_kept": self.records_kept,
            "records_dropped": self.records_dropped,
            "bytes_before": self.bytes_before,
            "bytes_after": self.bytes_after,
            "captures_repointed": self.captures_repointed,
            "captures_cleared": self.captures_cleared,
        }


@dataclass(frozen=True, slots=True)
class ApplyResult:
    """What ``redline storage apply`` did (or, with ``dry_run``, would do)."""

    retention: str
    dry_run: bool
    recovered: tuple[str, ...]  # what an interrupted earlier run left, and what was done with it
    files_scanned: int
    rewrites: tuple[FileRewrite, ...]
    kept_for_revisits: int  # records not required by their captures, kept as revisits' payload
    damaged: tuple[str, ...] = ()  # left alone: unreadable, or an offset named holds no record
    hops_dropped: int = 0  # responses of redirects and retried attempts dropped with a capture
    # such responses kept because no capture is surely theirs (_own): all those in the WARC
    # files, kept by this run or an earlier one, so every run counts the same
    hops_unowned: int = 0

    @property
    def bytes_before(self) -> int:
        return sum(r.bytes_before for r in self.rewrites)

    @property
    def bytes_after(self) -> int:
        return sum(r.bytes_after for r in self.rewrites)

    @property
    def captures_cleared(self) -> int:
        return sum(r.captures_cleared for r in self.rewrites)

    def to_json(self) -> dict[str, Any]:
        return {
            "retention": self.retention,
            "dry_run": self.dry_run,
            "recovered": list(self.recovered),
            "files_scanned": self.files_scanned,
            "files_rewritten": len(self.rewrites),
            "bytes_before": self.bytes_before,
            "bytes_after": self.bytes_after,
            "bytes_reclaimed": self.bytes_before - self.bytes_after,
            "captures_cleared": self.captures_cleared,
            "kept_for_revisits": self.kept_for_revisits,
            "damaged": list(self.damaged),
            "hops_dropped": self.hops_dropped,
            "hops_unowned": self.hops_unowned,
            "rewrites": [r.to_json() for r in self.rewrites],
        }


@dataclass(slots=True)
class _Record:
    offset: int
    length: int
    rec_type: str
    record_id: str
    concurrent_to: tuple[str, ...]
    refers_to: str | None  # a revisit's WARC-Refers-To
    refers_to_uri_date: tuple[str, str] | None
    uri_date: tuple[str, str]
    status: int | None = None  # a response record's HTTP status
    location: str | None = None  # and its Location header
    keep: bool = True


@dataclass(slots=True)
class _File:
    name: str
    size: int
    records: list[_Record]
    captures: dict[int, list[StoredExchange]] = field(default_factory=dict)
    unreadable: bool = False  # a record warcio cannot read: the file is left as it is


def apply_retention(
    database: Database,
    warc_dir: Path,
    retention: str,
    *,
    dry_run: bool = False,
    checkpoint: Checkpoint | None = None,
) -> ApplyResult:
    """Rewrite the WARC files so that they hold only what ``retention`` keeps (module docstring).

    Reads every closed WARC file, named by captures or not; a dry run writes nothing (an
    interrupted earlier run is reported, not cleaned up).  The caller holds the crawl lock.
    """
    warc_dir = Path(warc_dir)
    opened = _warc_listing(warc_dir)[1]
    if opened:
        raise StorageError(
            f"{len(opened)} WARC file(s) still open: {', '.join(p.name for p in opened)}."
            " A crawl or `redline worker` is writing them, or a killed one left them; their"
            " revisit records may need records a rewrite would drop. Stop the workers, run"
            " `redline crawl` once (it closes what a killed crawl left open), then try again"
        )
    recovered = recover(database, warc_dir, dry_run=dry_run)
    with database.session() as session:
        exchanges = list(stored_exchanges(session, retention))
        named = {n for n in session.scalars(select(Capture.warc_file).distinct()) if n}
    by_file: dict[str, list[StoredExchange]] = defaultdict(list)
    for exchange in exchanges:
        by_file[exchange.warc_file].append(exchange)
    # Every closed file, those no capture names too: a rewrite can leave one holding only
    # hops without an owner, which each run counts again (and another run's chain of the
    # URL there decides whose a chain is, _own).
    files = [_scan(path, by_file.get(path.name, [])) for path in _warc_listing(warc_dir)[0]]
    chains = _hop_chains(files) if retention == VERSIONS else []
    with database.session() as session:
        owners = fetches(session, retention, {c.records[0].uri_date[0] for c in chains})
    _own(chains, owners)
    kept_for_revisits, damaged = _mark(files, chains)
    rewrites = []
    for scanned in files:
        if scanned.name in damaged or all(r.keep for r in scanned.records):
            continue
        if dry_run:
            rewrites.append(_planned(scanned))
        else:
            rewrites.append(_rewrite(database, warc_dir, scanned, named, checkpoint))
    return ApplyResult(
        retention=retention,
        dry_run=dry_run,
        recovered=tuple(recovered),
        files_scanned=len(files),
        rewrites=tuple(rewrites),
        kept_for_revisits=kept_for_revisits,
        damaged=tuple(damaged),
        hops_dropped=sum(1 for c in chains for r in c.records if not r.keep),
        hops_unowned=sum(len(c.records) for c in chains if c.owner is None),
    )


def recover(database: Database, warc_dir: Path, *, dry_run: bool = False) -> list[str]:
    """Finish or undo a rewrite a crash interrupted; returns what was found (and done).

    The intent row says which way: before its captures were repointed ("writing"), the new
    file goes (the old one is still named); after ("swapped"), the old file does.  A file is
    only deleted when no capture names it and the other copy exists (or, after the switch,
    the rewrite kept nothing): when the old file is missing before the switch, the new one is
    the only copy of its records and is kept.  The state read is made durable first.  Stray
    ``.rewrite`` files (never named) are deleted too.

    Raises:
        StorageError: the intent row names something that is not a WARC file of the
            directory, or the captures contradict it; nothing is deleted.
    """
    warc_dir = Path(warc_dir)
    notes = []
    with database.session() as session:
        intent = _intent(session)
    if intent is not None:
        notes.append(_recover_intent(database, warc_dir, intent, dry_run=dry_run))
    for temp in _warc_listing(warc_dir)[2]:
        if intent is not None and temp.name == str(intent.get("new")) + TEMP_SUFFIX:
            continue  # handled above
        notes.append(f"unfinished rewrite output {temp.name}: removing it")
        if not dry_run:
            _unlink(temp)
    return notes


def _recover_intent(
    database: Database, warc_dir: Path, intent: dict[str, Any], *, dry_run: bool
) -> str:
    old, new, step = (str(intent.get(k, "")) for k in ("old", "new", "state"))
    if step not in ("writing", "swapped") or not all(
        is_plain_file_name(n) and n.endswith(WARC_SUFFIX) for n in (old, new)
    ):
        raise StorageError(
            f"the rewrite recorded in service_state {INTENT_KEY!r} is not one redline wrote"
            f" ({old!r} -> {new!r}, {step!r}); nothing removed"
        )
    with database.session() as session:
        rows = session.execute(
            select(Capture.warc_file, func.count())
            .where(Capture.warc_file.in_([old, new]))
            .group_by(Capture.warc_file)
        )
        named = {str(name): int(count) for name, count in rows}
    head = f"interrupted rewrite of {old} into {new} ({step})"
    has_old, has_new = (warc_dir / old).is_file(), (warc_dir / new).is_file()
    if step == "writing":
        if named.get(new):
            raise StorageError(f"{head}: captures already name {new}; not removing it")
        if not has_old:  # the only copy, whatever the database says: keep it, and say so
            note = (
                f"{head}: {old} is missing, so {new} is kept (nothing removed);"
                f" {named.get(old, 0)} capture(s) name {old}, whose kept records are in {new}"
                if has_new
                else f"{head}: {old} and {new} are both missing; nothing removed"
            )
            doomed: list[str] = []
        else:
            note, doomed = f"{head}: removing {new}", [new, new + TEMP_SUFFIX]
    else:
        if named.get(old):
            raise StorageError(f"{head}: captures still name {old}; not removing it")
        emptied = bool(intent.get("empty", not named.get(new)))
        if not has_new and not emptied:
            note, doomed = f"{head}: {new} is missing, so {old} is kept (nothing removed)", []
        else:
            note, doomed = f"{head}: removing {old}", [old]
    if not dry_run:
        _make_durable(database)  # what was read decides what goes: it must outlive a power cut
        for name in doomed:
            _unlink(warc_dir / name)
        _sync_dir(warc_dir)
        with database.session() as session:
            session.execute(delete(ServiceState).where(ServiceState.key == INTENT_KEY))
    return note


def _scan(path: Path, exchanges: list[StoredExchange]) -> _File:
    scanned = _File(path.name, _size(path), [])
    try:
        _records(path, scanned.records)
    except Exception:  # any error of warcio's or gzip's parsers: a damaged file, whose
        scanned.unreadable = True  # records up to the damage are known (their revisits count)
    for exchange in exchanges:
        scanned.captures.setdefault(exchange.warc_offset, []).append(exchange)
    return scanned


def _records(path: Path, records: list[_Record]) -> None:
    """Append the records of ``path`` to ``records``, up to the first one that cannot be read."""
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh)
        for record in iterator:
            record.raw_stream.read()
            fields = record.rec_headers
            concurrent = tuple(
                value for name, value in fields.headers if name.lower() == "warc-concurrent-to"
            )
            status, location = None, None
            if record.rec_type == "response" and record.http_headers is not None:
                with suppress(ValueError, TypeError):
                    status = int(record.http_headers.get_statuscode())
                location = record.http_headers.get_header("Location")
            refers_uri = fields.get_header("WARC-Refers-To-Target-URI")
            refers_date = fields.get_header("WARC-Refers-To-Date")
            records.append(
                _Record(
                    offset=iterator.get_record_offset(),
                    length=iterator.get_record_length(),
                    rec_type=record.rec_type,
                    record_id=fields.get_header("WARC-Record-ID") or "",
                    concurrent_to=concurrent,
                    refers_to=fields.get_header("WARC-Refers-To"),
                    refers_to_uri_date=(refers_uri, refers_date)
                    if refers_uri and refers_date
                    else None,
                    uri_date=(
                        fields.get_header("WARC-Target-URI") or "",
                        fields.get_header("WARC-Date") or "",
                    ),
                    status=status,
                    location=location,
                )
            )


def _mark(files: list[_File], chains: Sequence[_Chain] = ()) -> tuple[int, list[str]]:
    """Mark the records to drop: those no capture needs, then the hops of the fetches whose
    captures need nothing (:func:`_own`), then what was written with any of them.

    Returns how many records were kept only as a revisit's payload (or as what a damaged
    file's revisits could refer to), and the files left as they are because they are damaged:
    unreadable, or a capture names an offset where no record starts.
    """
    damaged = []
    for scanned in files:
        offsets = {r.offset for r in scanned.records}
        if scanned.unreadable or not set(scanned.captures) <= offsets:
            damaged.append(scanned.name)
            continue
        for record in scanned.records:
            named = scanned.captures.get(record.offset)
            record.keep = named is None or any(e.required for e in named)
    rescued = _rescue_originals(files)
    # A damaged file is kept whole, and a revisit beyond its damage cannot be read: keep every
    # record of the URL and payload digest of a capture naming it (a revisit's original is a
    # response of its own URL with its payload, archive.originals).
    suspect = {
        _key(e) for f in files if f.name in damaged for named in f.captures.values() for e in named
    }
    for scanned in files:
        for record in scanned.records:
            named = scanned.captures.get(record.offset)
            if named and not record.keep and any(_key(e) in suspect for e in named):
                record.keep = True
                rescued += 1
    if _drop_hops(files, chains, set(damaged)):
        rescued += _rescue_originals(files)  # never a crawl's revisit's; kept if one were
    dropped = {r.record_id for f in files for r in f.records if not r.keep}
    for scanned in files:
        for record in scanned.records:
            if record.keep and any(target in dropped for target in record.concurrent_to):
                record.keep = False  # the request (or metadata) written with a dropped record
    return rescued, damaged


@dataclass(slots=True)
class _Chain:
    """The responses before a fetch's final one (its redirects and retried attempts), which
    the crawl writes one after the other and no capture names; and the capture of the fetch
    they were part of, when it is known for sure (:func:`_own`)."""

    file: str
    records: list[_Record]
    owner: Fetch | None = None

    @property
    def url(self) -> str:
        return self.records[0].uri_date[0]

    @property
    def next_url(self) -> str:
        return _target(self.records[-1])


def _hop_chains(files: list[_File]) -> list[_Chain]:
    """The runs of responses no capture names, in each readable file, split where a response
    does not follow from the one before (:func:`_continues`)."""
    chains: list[_Chain] = []
    for scanned in files:
        if scanned.unreadable:
            continue
        current: _Chain | None = None
        for record in scanned.records:
            if record.rec_type == "request":  # written with its response
                continue
            if record.rec_type != "response" or record.offset in scanned.captures:
                current = None
                continue
            if current is not None and _continues(current.records[-1], record):
                current.records.append(record)
            else:
                current = _Chain(scanned.name, [record])
                chains.append(current)
    return chains


def _target(record: _Record) -> str:
    """Where a response sent its fetch next: the redirect's target, or its own URL again (an
    attempt that was retried)."""
    uri = record.uri_date[0]
    if record.status is not None and 300 <= record.status < 400 and record.location:
        return urljoin(uri, record.location)
    return uri


def _continues(previous: _Record, record: _Record) -> bool:
    before, after = _when(previous), _when(record)
    return (
        record.uri_date[0] in (previous.uri_date[0], _target(previous))
        and before is not None
        and after is not None
        and before <= after
    )


def _when(record: _Record) -> datetime | None:
    try:
        at = datetime.fromisoformat(record.uri_date[1])
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _own(chains: list[_Chain], fetched: dict[str, list[Fetch]]) -> None:
    """Find the capture each chain of hops was written for, where there is no doubt.

    A chain starts with the request for a tracked URL; its capture is that URL's first one
    recorded after the chain's last response, if the capture before it was recorded before
    the chain began, no other chain of the URL begins in between (else the fetch that wrote
    it recorded no capture, as when a crawl is killed), and the capture's final URL is where
    the chain's last response led.  Any other chain has no owner and is kept.
    """
    by_url: dict[str, list[_Chain]] = defaultdict(list)
    for chain in chains:
        by_url[chain.url].append(chain)
    for url, group in by_url.items():
        captures = fetched.get(url, [])
        times = [f.fetched_at for f in captures]
        starts = [at for at in (_when(c.records[0]) for c in group) if at is not None]
        for chain in group:
            start, end = _when(chain.records[0]), _when(chain.records[-1])
            if start is None or end is None:
                continue
            i = bisect_left(times, end)
            if i == len(captures) or (i > 0 and times[i - 1] >= start):
                continue
            owner = captures[i]
            if any(end < other <= owner.fetched_at for other in starts):
                continue
            if owner.final_url == chain.next_url:
                chain.owner = owner


def _drop_hops(files: list[_File], chains: Sequence[_Chain], damaged: set[str]) -> bool:
    """Mark the hops of the fetches whose captures the retention does not require, unless the
    capture keeps a record after all (a revisit's payload; in a damaged or missing file).
    Returns whether any was marked."""
    kept_at = {(f.name, r.offset): r.keep for f in files for r in f.records}
    marked = False
    for chain in chains:
        owner = chain.owner
        if owner is None or owner.required or chain.file in damaged:
            continue
        if owner.warc_file is not None and (
            owner.warc_offset is None or kept_at.get((owner.warc_file, owner.warc_offset), True)
        ):
            continue
        for record in chain.records:
            record.keep = False
        marked = True
    return marked


def _key(exchange: StoredExchange) -> tuple[int, str | None]:
    return (exchange.tracked_url_id, exchange.payload_digest)


def _rescue_originals(files: list[_File]) -> int:
    """Keep the response record holding the payload of each kept revisit; returns how many
    were to be dropped."""
    by_id: dict[str, _Record] = {}
    by_uri_date: dict[tuple[str, str], _Record] = {}
    for record in (r for f in files for r in f.records if r.rec_type == "response"):
        by_id[record.record_id] = record
        by_uri_date.setdefault(record.uri_date, record)
    rescued = 0
    for record in (r for f in files for r in f.records if r.keep and r.rec_type == "revisit"):
        original = by_id.get(record.refers_to or "")
        if original is None and record.refers_to_uri_date is not None:
            original = by_uri_date.get(record.refers_to_uri_date)
        if original is not None and not original.keep:
            original.keep = True
            rescued += 1
    return rescued


def _planned(scanned: _File) -> FileRewrite:
    kept = [r for r in scanned.records if r.keep]
    keep_at = {r.offset: r.keep for r in scanned.records}
    cleared = sum(len(v) for o, v in scanned.captures.items() if not keep_at[o])
    return FileRewrite(
        file=scanned.name,
        new_file=None,
        records_kept=len(kept),
        records_dropped=len(scanned.records) - len(kept),
        bytes_before=scanned.size,
        bytes_after=_kept_bytes(scanned),
        captures_repointed=sum(len(v) for v in scanned.captures.values()) - cleared,
        captures_cleared=cleared,
    )


def _kept_bytes(scanned: _File) -> int:
    kept = [r for r in scanned.records if r.keep]
    if all(r.rec_type == "warcinfo" for r in kept):
        return 0  # nothing but the file's description: the file goes
    return sum(r.length for r in kept)


def _rewrite(
    database: Database,
    warc_dir: Path,
    scanned: _File,
    named: set[str],
    checkpoint: Checkpoint | None,
) -> FileRewrite:
    old = scanned.name
    plan = _planned(scanned)
    empty = plan.bytes_after == 0
    new = _next_name(warc_dir, old, named)
    named.add(new)
    with database.session() as session:
        _set_intent(session, old, new, "writing", empty)
    _make_durable(database)
    moved: dict[int, int] = {}  # old offset -> new offset
    if not empty:
        temp = warc_dir / (new + TEMP_SUFFIX)
        with open(warc_dir / old, "rb") as src, open(temp, "xb") as dst:
            position = 0
            for record in scanned.records:
                if not record.keep:
                    continue
                src.seek(record.offset)
                data = src.read(record.length)
                if len(data) != record.length:
                    raise OSError(f"{old} changed while it was rewritten")
                dst.write(data)
                moved[record.offset] = position
                position += record.length
            dst.flush()
            os.fsync(dst.fileno())
        temp.rename(warc_dir / new)
        _sync_dir(warc_dir)
    if checkpoint is not None:
        checkpoint("written", old)
    repoint = [
        {"b_id": e.capture_id, "b_old": old, "b_file": new, "b_offset": moved[offset]}
        for offset, exchanges in scanned.captures.items()
        if offset in moved
        for e in exchanges
    ]
    clear = [
        {"b_id": e.capture_id, "b_old": old}
        for offset, exchanges in scanned.captures.items()
        if offset not in moved
        for e in exchanges
    ]
    with database.session() as session:
        conn = session.connection()
        if repoint:
            conn.execute(_REPOINT, repoint)
        if clear:
            conn.execute(_CLEAR, clear)
        _set_intent(session, old, new, "swapped", empty)
    _make_durable(database)  # before the old file goes: a power cut must not undo the switch
    if checkpoint is not None:
        checkpoint("swapped", old)
    _unlink(warc_dir / old)
    _sync_dir(warc_dir)
    with database.session() as session:
        session.execute(delete(ServiceState).where(ServiceState.key == INTENT_KEY))
    return FileRewrite(
        file=old,
        new_file=None if empty else new,
        records_kept=plan.records_kept,
        records_dropped=plan.records_dropped,
        bytes_before=plan.bytes_before,
        bytes_after=plan.bytes_after,
        captures_repointed=len(repoint),
        captures_cleared=len(clear),
    )


_CAPTURES: Final = cast(Table, Capture.__table__)
# Each statement also checks the file, so that a capture is only moved from the file rewritten.
_REPOINT: Final = (
    update(_CAPTURES)
    .where(_CAPTURES.c.id == bindparam("b_id"), _CAPTURES.c.warc_file == bindparam("b_old"))
    .values(warc_file=bindparam("b_file"), warc_offset=bindparam("b_offset"))
)
_CLEAR: Final = (
    update(_CAPTURES)
    .where(_CAPTURES.c.id == bindparam("b_id"), _CAPTURES.c.warc_file == bindparam("b_old"))
    .values(warc_file=None, warc_offset=None)
)


def _next_name(warc_dir: Path, name: str, named: set[str]) -> str:
    """``<base>-r<n+1>.warc.gz`` for ``<base>[-r<n>].warc.gz``: a name no file has yet and no
    capture names (a capture naming a missing file must not come to name another's record)."""
    match = _GENERATION.fullmatch(name)
    base, n = (match["base"], int(match["n"] or 0)) if match else (name, 0)
    while True:
        n += 1
        candidate = f"{base}-r{n}{WARC_SUFFIX}"
        taken = (candidate, candidate + TEMP_SUFFIX, candidate + OPEN_SUFFIX)
        if candidate not in named and not any((warc_dir / t).exists() for t in taken):
            return candidate


def _intent(session: Session) -> dict[str, Any] | None:
    row = session.get(ServiceState, INTENT_KEY)
    return dict(row.value) if row is not None else None


def _set_intent(session: Session, old: str, new: str, step: str, empty: bool) -> None:
    value = {"old": old, "new": new, "state": step, "empty": empty}
    row = session.get(ServiceState, INTENT_KEY)
    if row is None:
        session.add(ServiceState(key=INTENT_KEY, value=value, updated_at=datetime.now(UTC)))
    else:
        row.value = value
        row.updated_at = datetime.now(UTC)


def _make_durable(database: Database) -> None:
    """Make what was committed so far survive a power cut or an OS crash, not only a killed
    process.

    SQLite runs with ``synchronous=NORMAL`` in WAL mode (:mod:`archive.db`): a commit is synced
    at the next checkpoint, so one is run here, in full (every frame of the WAL written back
    and synced), and checked.  PostgreSQL flushes its WAL at each commit (with the default
    ``synchronous_commit = on``).

    Raises:
        StorageError: the checkpoint could not complete (a reader kept it waiting past the busy
            timeout); the caller deletes nothing.
    """
    with database.engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            return
        busy, frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(FULL)").one()
    if busy or frames != copied:  # (0, -1, -1) when the database is not in WAL mode
        raise StorageError(
            "cannot make the archive database's last commit durable (a WAL checkpoint was"
            f" blocked: {busy}, {frames} frames, {copied} written back); nothing deleted, run"
            " `redline storage apply` again when the database is less busy"
        )


# -- files -------------------------------------------------------------------------------------


def _warc_listing(warc_dir: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """The closed WARC files, the open ones, and unfinished rewrite outputs, by name."""
    if not warc_dir.is_dir():
        return [], [], []
    closed, opened, temps = [], [], []
    for path in sorted(warc_dir.iterdir()):
        if path.name.endswith(WARC_SUFFIX):
            closed.append(path)
        elif path.name.endswith(WARC_SUFFIX + OPEN_SUFFIX):
            opened.append(path)
        elif path.name.endswith(WARC_SUFFIX + TEMP_SUFFIX):
            temps.append(path)
    return closed, opened, temps


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _unlink(path: Path) -> None:
    path.unlink(missing_ok=True)


def _sync_dir(directory: Path) -> None:
    """Make renames and deletions in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
