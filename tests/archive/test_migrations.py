"""The migrations are the schema: one head, and they match the models exactly."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from archive.db import (
    HEAD_REVISION,
    alembic_config,
    create_archive_engine,
    current_revision,
    include_object,
    open_database,
)
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
