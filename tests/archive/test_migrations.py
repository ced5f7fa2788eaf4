"""The migrations are the schema: one head, they match the models exactly, and no migration
loses or unlinks a row of an existing archive, up or down."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    func,
    inspect,
    select,
)

from archive.db import (
    HEAD_REVISION,
    alembic_config,
    create_archive_engine,
    current_revision,
    include_object,
    open_database,
    upgrade_schema,
)
from archive.errors import DatabaseUnavailableError
from archive.models import Base


def test_one_head_and_it_is_the_recorded_one():
    engine = create_archive_engine("sqlite://")
    assert ScriptDirectory.from_config(alembic_config(engine)).get_heads() == [HEAD_REVISION]


def test_an_empty_database_is_upgraded_to_head_and_then_left_alone(database_url):
    database = open_database(database_url)
    assert current_revision(database.engine) == HEAD_REVISION
    command.downgrade(alembic_config(database.engine), "0001")  # a database one migration behind
    assert current_revision(database.engine) == "0001"
    database.dispose()
    reopened = open_database(database_url)
    assert current_revision(reopened.engine) == HEAD_REVISION
    with reopened.engine.connect() as conn:
        assert reopened.engine.dialect.has_table(conn, "deliveries")
    reopened.dispose()


def test_migrations_match_the_models(database_url):
    database = open_database(database_url)
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    database.dispose()
    assert diff == []


def test_0003_keeps_existing_versions_and_marks_their_extractor_unknown(database_url):
    """A database with versions at 0002 is upgraded: rows kept, extractor_version NULL."""
    from sqlalchemy import text

    database = open_database(database_url)
    command.downgrade(alembic_config(database.engine), "0002")
    with database.engine.begin() as conn:
        assert "extractor_version" not in {
            c["name"] for c in database.engine.dialect.get_columns(conn, "versions")
        }
        conn.execute(
            text(
                "INSERT INTO tracked_urls (id, url, site, added_at, tags, active,"
                " consecutive_errors, taken_down, flapping)"
                " VALUES (1, 'https://news.example/a', 'news.example', :at, '[]', true, 0,"
                " false, false)"
            ),
            {"at": "2026-11-01 12:00:00"},
        )
        conn.execute(
            text(
                "INSERT INTO versions (id, tracked_url_id, number, headline, text, content_hash,"
                " first_seen_at, last_seen_at) VALUES (1, 1, 1, 'Headline', 'Text.', 'abc',"
                " :at, :at)"
            ),
            {"at": "2026-11-01 12:00:00"},
        )
    database.dispose()
    reopened = open_database(database_url)
    assert current_revision(reopened.engine) == HEAD_REVISION
    with reopened.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, content_hash, text, extractor_version FROM versions")
        ).all()
    reopened.dispose()
    assert [tuple(r) for r in rows] == [(1, "abc", "Text.", None)]


def test_0004_indexes_serve_the_viewer(database_url):
    """The viewer's indexes exist after an upgrade from 0003 (SQLite's plan uses them) and go
    with a downgrade."""
    from sqlalchemy import inspect, text

    database = open_database(database_url)
    command.downgrade(alembic_config(database.engine), "0003")
    database.dispose()
    reopened = open_database(database_url)
    assert current_revision(reopened.engine) == HEAD_REVISION
    inspector = inspect(reopened.engine)
    assert "ix_captures_version_id" in {i["name"] for i in inspector.get_indexes("captures")}
    assert "ix_tracked_urls_last_changed_at" in {
        i["name"] for i in inspector.get_indexes("tracked_urls")
    }
    if reopened.engine.dialect.name == "sqlite":
        with reopened.engine.connect() as conn:
            plan = conn.execute(
                text("EXPLAIN QUERY PLAN SELECT count(*) FROM captures WHERE version_id = 1")
            ).all()
        assert "ix_captures_version_id" in " ".join(row[3] for row in plan)
    command.downgrade(alembic_config(reopened.engine), "0003")
    assert "ix_captures_version_id" not in {
        index["name"] for index in inspect(reopened.engine).get_indexes("captures")
    }
    reopened.dispose()


def test_0005_makes_existing_subscriptions_email_ones(database_url):
    """Subscriptions made at 0004 are upgraded: rows kept, kind 'email', no secret, no card."""
    from sqlalchemy import text

    database = open_database(database_url)
    command.downgrade(alembic_config(database.engine), "0004")
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO subscriptions (id, email, scope, target, mode, min_label,"
                " only_headline, created_at, active, token) VALUES (1, 'desk@example.org',"
                " 'all', NULL, 'immediate', 'minor', false, :at, true, 'tok')"
            ),
            {"at": "2026-11-01 12:00:00"},
        )
    database.dispose()
    reopened = open_database(database_url)
    assert current_revision(reopened.engine) == HEAD_REVISION
    with reopened.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, email, kind, secret, card FROM subscriptions")).all()
    reopened.dispose()
    assert [tuple(r) for r in rows] == [(1, "desk@example.org", "email", None, False)]


def test_0006_copies_each_current_headline_to_its_tracked_url(database_url):
    """Articles recorded before 0006 are found by their current headline after it."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from archive.capture import Extracted, FetchFacts
    from archive.extract.article import Article
    from archive.store import record_capture, track

    at = datetime(2026, 11, 1, tzinfo=UTC)
    database = open_database(database_url)
    with database.session() as session:
        tracked, _ = track(session, "https://news.example/a", now=at)
        never, _ = track(session, "https://news.example/never-read", now=at)
        for minutes, headline in ((0, "First headline"), (5, "Second headline")):
            article = Article(headline, ("A paragraph long enough to count.",))
            record_capture(
                session,
                FetchFacts(tracked.id, at.replace(minute=minutes), http_status=200),
                Extracted(article),
            )
        ids = (tracked.id, never.id)
    command.downgrade(alembic_config(database.engine), "0005")
    database.dispose()
    reopened = open_database(database_url)
    assert current_revision(reopened.engine) == HEAD_REVISION
    with reopened.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, current_headline FROM tracked_urls ORDER BY id")).all()
    reopened.dispose()
    assert [tuple(r) for r in rows] == [(ids[0], "Second headline"), (ids[1], None)]


def test_0007_adds_an_empty_fast_path_fingerprint_and_takes_it_away(database_url):
    """0007 adds versions.fast_fingerprint (NULL for existing versions, whose next capture is
    then extracted in full); its downgrade drops it."""
    from sqlalchemy import inspect

    database = open_database(database_url)
    config = alembic_config(database.engine)
    command.downgrade(config, "0006")
    assert "fast_fingerprint" not in {
        c["name"] for c in inspect(database.engine).get_columns("versions")
    }
    command.upgrade(config, "0007")
    assert "fast_fingerprint" in {
        c["name"] for c in inspect(database.engine).get_columns("versions")
    }
    database.dispose()


def test_0008_adds_an_empty_page_template_and_takes_it_away(database_url):
    """0008 adds versions.fast_template (NULL for existing versions, whose next refetch with
    other bytes is extracted in full and learns it); its downgrade drops it, in place: the
    current versions and their changes stay."""
    from sqlalchemy import inspect

    database = open_database(database_url)
    config = alembic_config(database.engine)
    command.downgrade(config, "0007")
    assert "fast_template" not in {
        c["name"] for c in inspect(database.engine).get_columns("versions")
    }
    command.upgrade(config, "0008")
    assert "fast_template" in {c["name"] for c in inspect(database.engine).get_columns("versions")}
    command.upgrade(config, "head")
    database.dispose()


def test_0009_moves_the_fast_path_evidence_to_its_own_table_and_back(database_url):
    """0009 moves each version's fingerprint and template from versions to fast_path_evidence
    (a row only for the versions that have either) and drops the two columns in place: the
    current versions and their changes stay; its downgrade moves them back."""
    from sqlalchemy import text

    from archive.store import track

    database = open_database(database_url)
    with database.session() as session:
        for n in range(3):
            track(session, f"https://news.example/evidence/{n}", now=datetime.now(UTC))
    config = alembic_config(database.engine)
    command.downgrade(config, "0008")
    values = [("fp6|old", "t0b|one"), (None, "t0b|none|no_fingerprint"), (None, None)]
    with database.engine.begin() as conn:
        ids = [int(i) for i in conn.scalars(text("SELECT id FROM tracked_urls ORDER BY id"))]
        for n, (url_id, (fingerprint, template)) in enumerate(zip(ids, values, strict=True)):
            conn.execute(
                text(
                    "INSERT INTO versions (tracked_url_id, number, headline, text, content_hash,"
                    " first_seen_at, last_seen_at, fast_fingerprint, fast_template)"
                    " VALUES (:u, 1, 'H', 'T', :h, :t, :t, :f, :p)"
                ),
                {"u": url_id, "h": f"h{n}", "t": datetime(2026, 12, 7, tzinfo=UTC),
                 "f": fingerprint, "p": template},
            )  # fmt: skip
            conn.execute(
                text("UPDATE tracked_urls SET current_version_id = "
                     "(SELECT id FROM versions WHERE tracked_url_id = :u) WHERE id = :u"),
                {"u": url_id},
            )  # fmt: skip
    command.upgrade(config, "0009")
    columns = {c["name"] for c in inspect(database.engine).get_columns("versions")}
    assert not columns & {"fast_fingerprint", "fast_template"}
    moved = (
        "SELECT v.tracked_url_id, e.fingerprint, e.template FROM fast_path_evidence e "
        "JOIN versions v ON v.id = e.version_id ORDER BY v.tracked_url_id"
    )
    with database.engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text(moved))] == [
            (ids[0], *values[0]),
            (ids[1], *values[1]),
        ]
        current = "SELECT count(*) FROM tracked_urls WHERE current_version_id IS NOT NULL"
        assert conn.execute(text(current)).scalar_one() == 3
    command.downgrade(config, "0008")
    back = "SELECT fast_fingerprint, fast_template FROM versions ORDER BY tracked_url_id"
    with database.engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text(back))] == values
        assert conn.execute(text(current)).scalar_one() == 3
    command.upgrade(config, "head")
    database.dispose()


def test_0010_adds_an_empty_site_rules_table_and_takes_it_away(database_url):
    """0010 adds site_rules (tier 0's rules per site, empty: the next template learned on
    each site fills its row); its downgrade drops the table, and nothing else."""
    from sqlalchemy import inspect

    database = open_database(database_url)
    config = alembic_config(database.engine)
    command.downgrade(config, "0009")
    assert "site_rules" not in inspect(database.engine).get_table_names()
    command.upgrade(config, "0010")
    columns = {c["name"] for c in inspect(database.engine).get_columns("site_rules")}
    assert columns == {
        "host",
        "layout",
        "identity",
        "rules",
        "learned",
        "verified",
        "dropped",
        "updated_at",
    }
    command.upgrade(config, "head")
    database.dispose()


def test_0011_adds_each_site_rules_verified_uses_and_takes_them_away(database_url):
    """0011 adds site_rules.trust (each rule's verified uses; NULL: every rule at 0, so the
    site's next derived decisions are verified again); its downgrade drops the column, and the
    rows keep the rest."""
    from sqlalchemy import inspect, text

    database = open_database(database_url)
    config = alembic_config(database.engine)
    command.downgrade(config, "0010")
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO site_rules (host, layout, identity, rules, learned, verified,"
                " dropped, updated_at) VALUES ('a.example', 'l', 'i', 'z', 2, 3, false,"
                " '2026-12-07 12:00:00+00:00')"
            )
        )
    command.upgrade(config, "0011")
    assert "trust" in {c["name"] for c in inspect(database.engine).get_columns("site_rules")}
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT learned, trust FROM site_rules")).one() == (2, None)
    command.downgrade(config, "0010")
    assert "trust" not in {c["name"] for c in inspect(database.engine).get_columns("site_rules")}
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT learned, verified FROM site_rules")).one() == (2, 3)
    command.upgrade(config, "head")
    database.dispose()


# --- No migration loses or unlinks a row ------------------------------------------------------
#
# On SQLite a batch operation recreates its table (create a copy, copy the rows, drop the old
# one, rename the copy).  With foreign keys on, dropping the old table deletes through every
# ON DELETE CASCADE that points at it and nulls every ON DELETE SET NULL link.  These tests fill
# every table with rows that reference each other, migrate up and down one revision at a time,
# and compare every row that both revisions have, column by column.

ROWS_PER_TABLE = 3


def _revisions(engine: Engine) -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _reflect(conn: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(conn)
    metadata.remove(metadata.tables["alembic_version"])
    return metadata


def _value(column: Column[Any], i: int) -> Any:
    """A value for ``column`` in the table's ``i``-th row (distinct per row, for unique keys)."""
    type_ = column.type
    if isinstance(type_, Boolean):
        return i % 2 == 0
    if isinstance(type_, Integer):
        return i
    if isinstance(type_, DateTime):
        return datetime(2026, 11, 1, 12, i, tzinfo=UTC)
    if isinstance(type_, JSON):
        return {"row": i}
    if isinstance(type_, String):
        text_ = f"{i}-{column.table.name}.{column.name}"
        return text_[: type_.length] if type_.length else text_
    raise AssertionError(f"no test value for {column.table.name}.{column.name}: {type_!r}")


def _fill_empty_tables(conn: Connection) -> None:
    """Give every empty table ROWS_PER_TABLE rows, every foreign key pointing at a real row.

    Non-null foreign keys decide the order; nullable ones (the cycles among tracked URLs,
    versions and captures, a URL's alias) are set once every table has its rows.
    """
    metadata = _reflect(conn)
    empty = {
        name
        for name, table in metadata.tables.items()
        if conn.execute(select(func.count()).select_from(table)).scalar_one() == 0
    }
    done = set(metadata.tables) - empty
    filled: list[tuple[Table, list[dict[str, Any]]]] = []
    while empty:
        ready = sorted(
            name
            for name in empty
            if all(
                fk.column.table.name in done
                for fk in metadata.tables[name].foreign_keys
                if not fk.parent.nullable and fk.column.table.name != name
            )
        )
        assert ready, f"a cycle of non-null foreign keys among {sorted(empty)}"
        for name in ready:
            table = metadata.tables[name]
            rows = [
                {
                    column.name: None
                    if column.foreign_keys and column.nullable
                    else _value(column, i)
                    for column in table.columns
                }
                for i in range(1, ROWS_PER_TABLE + 1)
            ]
            conn.execute(table.insert(), rows)
            filled.append((table, rows))
            done.add(name)
            empty.discard(name)
    for table, rows in filled:
        links = [c for c in table.columns if c.foreign_keys and c.nullable]
        for i, row in enumerate(rows, start=1):
            if links:
                conn.execute(
                    table.update()
                    .where(*(c == row[c.name] for c in table.primary_key.columns))
                    .values({c.name: _value(c, i) for c in links})
                )


def _snapshot(conn: Connection) -> dict[str, dict[tuple[Any, ...], dict[str, Any]]]:
    """Every row of every table, by primary key."""
    snapshot = {}
    for name, table in _reflect(conn).tables.items():
        pk = [c.name for c in table.primary_key.columns]
        snapshot[name] = {
            tuple(row[c] for c in pk): dict(row) for row in conn.execute(select(table)).mappings()
        }
    return snapshot


def _assert_nothing_lost(before: dict[str, Any], after: dict[str, Any], step: str) -> None:
    """Rows of tables that both revisions have are all there, with the same values in the
    columns both have (a migration here only adds, drops or widens columns and tables)."""
    for name in before.keys() & after.keys():
        lost = before[name].keys() - after[name].keys()
        assert not lost, f"{step}: {len(lost)} of {len(before[name])} {name} rows lost"
        for key, old in before[name].items():
            new = after[name][key]
            changed = {c: (old[c], new[c]) for c in old.keys() & new.keys() if old[c] != new[c]}
            assert not changed, f"{step}: {name} row {key} changed {changed}"


def _assert_links_hold(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def _migrate(engine: Engine, to: str, *, down: bool = False) -> None:
    if down:
        command.downgrade(alembic_config(engine), to)
    else:
        command.upgrade(alembic_config(engine), to)


def test_no_migration_loses_a_row_up_or_down(database_url):
    """From the first revision to head one step at a time, then down to the first and up again:
    every table, filled as soon as it exists with rows linked to each other, keeps every row and
    every value (no cascade deletes, no links set to NULL)."""
    engine = create_archive_engine(database_url)
    revisions = _revisions(engine)
    assert revisions[-1] == HEAD_REVISION
    path = [(rev, False) for rev in revisions[1:]]
    path += [(rev, True) for rev in reversed(revisions[:-1])]
    path += [(rev, False) for rev in revisions[1:]]
    _migrate(engine, revisions[0])
    try:
        for to, down in path:
            with engine.begin() as conn:
                _fill_empty_tables(conn)
                before = _snapshot(conn)
            assert all(before.values()), "every table has rows"
            _migrate(engine, to, down=down)
            with engine.connect() as conn:
                assert current_revision(engine) == to
                _assert_nothing_lost(before, _snapshot(conn), f"{'down' if down else 'up'} to {to}")
                _assert_links_hold(conn)
    finally:
        engine.dispose()


def test_an_archive_with_deliveries_upgraded_from_0004_keeps_them(database_url):
    """The reported case through the real path: an archive at 0004 with subscriptions, their
    deliveries and everything they reference is opened (and so upgraded); nothing is lost, and
    neither by going back to 0004 and up again."""
    database = open_database(database_url)
    command.downgrade(alembic_config(database.engine), "0004")
    with database.engine.begin() as conn:
        _fill_empty_tables(conn)
        before = _snapshot(conn)
    assert len(before["deliveries"]) == ROWS_PER_TABLE
    database.dispose()
    reopened = open_database(database_url)
    try:
        assert current_revision(reopened.engine) == HEAD_REVISION
        with reopened.engine.connect() as conn:
            _assert_nothing_lost(before, _snapshot(conn), "open at 0004")
            _assert_links_hold(conn)
        command.downgrade(alembic_config(reopened.engine), "0004")
        command.upgrade(alembic_config(reopened.engine), "head")
        with reopened.engine.connect() as conn:
            _assert_nothing_lost(before, _snapshot(conn), "down to 0004 and up")
            _assert_links_hold(conn)
    finally:
        reopened.dispose()


def _at_0004_filled(url: str) -> Engine:
    database = open_database(url)
    command.downgrade(alembic_config(database.engine), "0004")
    with database.engine.begin() as conn:
        _fill_empty_tables(conn)
    return database.engine


def test_sqlite_upgrade_that_leaves_a_dangling_reference_fails_and_changes_nothing(sqlite_url):
    """On SQLite the migrations run with foreign keys off; the check after them is what stands
    between a migration that deletes referenced rows and the archive.  Such a migration is
    made here by a trigger that deletes a change when the revision moves on: the upgrade
    fails, and every migration's work is rolled back (the DDL included), foreign keys back on."""
    engine = _at_0004_filled(sqlite_url)
    with engine.begin() as conn:
        before = _snapshot(conn)
        conn.exec_driver_sql(
            "CREATE TRIGGER lose_a_change AFTER UPDATE ON alembic_version"
            " BEGIN DELETE FROM changes WHERE id = 1; END"
        )
    with pytest.raises(DatabaseUnavailableError, match=r"1 in deliveries \(to changes\)"):
        upgrade_schema(engine)
    try:
        assert current_revision(engine) == "0004"
        with engine.connect() as conn:
            _assert_nothing_lost(before, _snapshot(conn), "failed upgrade")
            assert _snapshot(conn).keys() == before.keys()  # no batch copy left behind
            assert "kind" not in {c["name"] for c in inspect(conn).get_columns("subscriptions")}
            _assert_links_hold(conn)  # the pooled connection enforces foreign keys again
            conn.exec_driver_sql("DROP TRIGGER lose_a_change")
            conn.commit()
        upgrade_schema(engine)  # and, the trigger gone, it upgrades
        assert current_revision(engine) == HEAD_REVISION
    finally:
        engine.dispose()


def test_sqlite_references_dangling_before_the_upgrade_do_not_stop_it(sqlite_url):
    """The check counts only what the migrations left dangling: an archive that already had a
    delivery of a missing subscription is upgraded, that row kept."""
    engine = _at_0004_filled(sqlite_url)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.exec_driver_sql("UPDATE deliveries SET subscription_id = 99 WHERE id = 1")
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        before = _snapshot(conn)
    try:
        upgrade_schema(engine)
        assert current_revision(engine) == HEAD_REVISION
        with engine.connect() as conn:
            _assert_nothing_lost(before, _snapshot(conn), "upgrade")
            dangling = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            assert [tuple(row[:3]) for row in dangling] == [("deliveries", 1, "subscriptions")]
    finally:
        engine.dispose()
