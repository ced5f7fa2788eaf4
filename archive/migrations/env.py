"""Alembic environment: runs on the engine redline hands over (``archive.db``).

On SQLite the migrations run with foreign keys off, in one transaction, and are committed only
if they left no dangling reference.  A batch operation there recreates its table (a new table,
the rows copied, the old table dropped, the new one renamed), and with foreign keys on,
dropping the old table deletes through every ``ON DELETE CASCADE`` that points at it and nulls
every ``ON DELETE SET NULL`` link: migration 0005 emptied ``deliveries`` that way, and 0003's
downgrade ``changes`` (and unlinked captures and tracked URLs from their versions).

- ``PRAGMA foreign_keys`` is a no-op inside a transaction: it is set before the migrations'
  transaction and read back; the connection gets its previous setting back whatever happens,
  before it returns to the pool.
- The driver (sqlite3) opens transactions itself only before INSERT, UPDATE and DELETE, so the
  DDL of a failed migration would stay; here it opens none and the migrations run in one
  ``BEGIN IMMEDIATE`` (SQLite's DDL is transactional), which takes the write lock up front.
- ``PRAGMA foreign_key_check`` before and after: a reference the migrations left dangling that
  was not dangling before fails the upgrade, and nothing is committed.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool

from archive.errors import DatabaseUnavailableError
from archive.models import Base

# APScheduler's SQLAlchemyJobStore creates and owns this table; never touch it.
FOREIGN_TABLES = {"apscheduler_jobs"}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    return not (type_ == "table" and name in FOREIGN_TABLES)


def _configure(connection: Connection, **options: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
        **options,
    )


def _foreign_keys(connection: Connection) -> bool:
    on = bool(connection.exec_driver_sql("PRAGMA foreign_keys").scalar())
    connection.commit()
    return on


def _set_foreign_keys(connection: Connection, on: bool) -> None:
    """Turn SQLite's foreign key enforcement on or off (outside any transaction)."""
    connection.rollback()
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    connection.commit()
    if _foreign_keys(connection) != on:
        raise DatabaseUnavailableError(
            f"SQLite did not turn foreign keys {'on' if on else 'off'} for the migrations"
        )


def _dangling(connection: Connection) -> Counter[tuple[str, str]]:
    """Rows whose foreign key points at no row, counted by (table, referenced table)."""
    return Counter(
        (row[0], row[2]) for row in connection.exec_driver_sql("PRAGMA foreign_key_check")
    )


def _migrate_sqlite(connection: Connection) -> None:
    driver = connection.connection.driver_connection
    assert driver is not None
    enforced = _foreign_keys(connection)
    _set_foreign_keys(connection, False)
    isolation_level = driver.isolation_level
    driver.isolation_level = None  # the driver opens no transaction of its own
    try:
        with connection.begin():  # commits (the driver's commit ends the BEGIN below) or rolls back
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            before = _dangling(connection)
            _configure(connection, transactional_ddl=True)
            with context.begin_transaction():  # a no-op inside the transaction begun here
                context.run_migrations()
            new = _dangling(connection) - before
            if new:
                found = ", ".join(f"{n} in {t} (to {p})" for (t, p), n in sorted(new.items()))
                raise DatabaseUnavailableError(
                    f"the schema upgrade would leave rows pointing at rows that do not exist:"
                    f" {found}; nothing was changed"
                )
    finally:
        driver.isolation_level = isolation_level
        _set_foreign_keys(connection, enforced)


def run_migrations() -> None:
    config = context.config
    engine = config.attributes.get("engine")
    if engine is None:
        engine = engine_from_config(
            config.get_section(config.config_ini_section) or {},
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            _migrate_sqlite(connection)
            return
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
