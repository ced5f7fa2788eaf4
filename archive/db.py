"""Engine, sessions and schema upgrades for the archive database.

SQLite (the default) runs in WAL mode with foreign keys on, ``synchronous=NORMAL`` (a commit
survives a killed process; WAL keeps the file consistent after a power cut, losing at most the
last transactions) and a busy timeout, so that a reader never blocks the crawler's writes and a
second writer waits instead of failing.  Any other SQLAlchemy URL (PostgreSQL with psycopg 3)
runs the same migrations and code.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from archive.errors import DatabaseUnavailableError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration's revision (a test checks it against the migrations directory).  A
# database already there is opened without importing Alembic, which costs about 0.2 s of every
# command's and every crawl process's start-up.
HEAD_REVISION = "0011"
# APScheduler's SQLAlchemyJobStore creates and owns this table; migrations never touch it.
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's filter: everything but the tables other libraries own."""
    return not (type_ == "table" and name in FOREIGN_TABLES)


SQLITE_BUSY_TIMEOUT_MS = 30_000  # a crawl's write burst can hold the lock for a while


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def create_archive_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets its directory created and its pragmas set."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseUnavailableError(f"malformed database URL {url!r}: {exc}") from None
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseUnavailableError(f"cannot create {parsed.database}: {exc}") from None
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise DatabaseUnavailableError(f"cannot use database {parsed!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig  # Alembic loads only when needed

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at; None for an empty (or pre-Alembic) one."""
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, "alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


def upgrade_schema(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already)."""
    try:
        if current_revision(engine) == HEAD_REVISION:
            return
        from alembic import command

        command.upgrade(alembic_config(engine), "head")
    except OperationalError as exc:
        raise DatabaseUnavailableError(
            f"cannot open the archive database {engine.url!r}: {exc.orig}"
        ) from None
    except SQLAlchemyError as exc:
        raise DatabaseUnavailableError(f"cannot upgrade {engine.url!r}: {exc}") from None


@dataclass
class Database:
    """An engine and its session factory."""

    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose work is committed on success and rolled back on any error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, upgrade: bool = True) -> Database:
    """Open (and by default upgrade) the archive database at ``url``.

    Raises:
        DatabaseUnavailableError: the database cannot be reached, created or upgraded.
    """
    engine = create_archive_engine(url)
    if upgrade:
        upgrade_schema(engine)
    return Database(engine, sessionmaker(engine, expire_on_commit=False))
