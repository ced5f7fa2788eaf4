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
    command.upgrade(config, "head")
    assert "fast_fingerprint" in {
        c["name"] for c in inspect(database.engine).get_columns("versions")
    }
    database.dispose()
