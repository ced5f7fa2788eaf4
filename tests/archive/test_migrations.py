"""The migrations are the schema: one head, and they match the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from archive.db import alembic_config, create_archive_engine, include_object, open_database
from archive.models import Base


def test_one_head():
    engine = create_archive_engine("sqlite://")
    assert len(ScriptDirectory.from_config(alembic_config(engine)).get_heads()) == 1


def test_migrations_match_the_models(database_url):
    database = open_database(database_url)
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    database.dispose()
    assert diff == []
