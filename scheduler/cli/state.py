"""What every CLI command shares: the settings, the database, and the output conventions.

The root command reads the settings once (``scheduler.cli``) and puts a :class:`CliState` on
the Typer context; commands take it from there.  Listing commands share one ``--json`` option:
JSON to stdout for tools, a Rich table for people.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from archive.config import Config
from archive.db import Database, open_database
from archive.errors import StorageError

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@dataclass
class CliState:
    """Settings and lazily opened resources for one CLI invocation."""

    config: Config
    console: Console = field(default_factory=lambda: Console(highlight=False))
    _database: Database | None = None

    @property
    def database(self) -> Database:
        if self._database is None:
            self._database = open_database(self.config.sqlalchemy_url)
        return self._database

    def close(self) -> None:
        if self._database is not None:
            self._database.dispose()
            self._database = None


def check_archive(st: CliState) -> None:
    """Fail now, in one line, when a crawl could record nothing: the archive database must open
    (it is created or upgraded if need be) and the WARC directory must be writable.

    Inside Scrapy such a failure is only logged, and the crawl would end as a success that
    fetched nothing, which cron, systemd and the service would take for a good cycle.

    Raises:
        DatabaseUnavailableError: the database cannot be opened or upgraded.
        StorageError: the WARC directory cannot be created or written.
    """
    _ = st.database  # opens it, creating or upgrading the schema if need be
    directory = st.config.warc_dir
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        raise StorageError(
            f"cannot write WARC files in {directory}: {exc.strerror or exc}"
        ) from None


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState), "the root command sets the CLI state"
    return obj


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def print_table(
    console: Console, columns: Sequence[str], rows: Sequence[Sequence[Any]], title: str = ""
) -> None:
    table = Table(title=title or None, show_lines=False)
    for header in columns:
        # fold, not "…": a cut URL or headline is no use to a reader
        table.add_column(header, overflow="fold")
    for row in rows:
        # Text, not str: archived text is never read as Rich markup
        table.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
    console.print(table)


R = TypeVar("R")
Column = tuple[str, Callable[[R], Any]]


class JsonRow(Protocol):
    """A typed result: a frozen dataclass with its JSON form."""

    def to_json(self) -> dict[str, Any]: ...


def jsonable(row: JsonRow | Mapping[str, Any] | object) -> Any:
    """A typed result's JSON form (its ``to_json()``); anything else as it is."""
    to_json = getattr(row, "to_json", None)
    return to_json() if callable(to_json) else row


def print_listing(
    console: Console, rows: Iterable[R], columns: Sequence[Column[R]], *, as_json: bool
) -> None:
    """A listing command's output: the rows as JSON, or a table of ``columns``.

    Rows are typed results (with ``to_json()``) or JSON-ready mappings.  Each column is a
    header and a function from a row to the cell shown under it.  As JSON, the rows are
    written one by one as they come (an iterator of rows is never held whole).
    """
    if as_json:
        print_json_rows(jsonable(r) for r in rows)
        return
    print_table(
        console, [header for header, _ in columns], [[cell(r) for _, cell in columns] for r in rows]
    )


def print_json_rows(items: Iterable[Any]) -> None:
    """A JSON array written item by item; the same text as ``print_json(list(items))``."""
    write = sys.stdout.write
    first = True
    for item in items:
        text = json.dumps(item, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        write(("[\n  " if first else ",\n  ") + text)
        first = False
    write("[]\n" if first else "\n]\n")
