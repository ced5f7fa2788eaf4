"""Fixtures for the web viewer: the app over a fresh archive on each backend, via TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from archive.config import Config, load_config
from archive.web.app import create_app


def viewer_config(tmp_path: Path, database_url: str, **overrides: object) -> Config:
    return load_config(
        environ={},
        data_dir=tmp_path / "data",
        database_url="" if database_url.startswith("sqlite") else database_url,
        **overrides,
    )


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    return viewer_config(tmp_path, database_url)


@pytest.fixture
def client(config: Config) -> Iterator[TestClient]:
    """The viewer over an empty archive (SQLite and PostgreSQL)."""
    with TestClient(create_app(config), raise_server_exceptions=False) as running:
        yield running
