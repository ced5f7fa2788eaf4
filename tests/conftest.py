"""Shared fixtures: a clean environment, a data directory, both database backends, the local
site, and a runner for the ``redline`` command in a subprocess (a Twisted reactor cannot be
restarted, so every crawl runs in its own process, as Scrapy's own tests do)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from scheduler.demo.site import LocalSite
from tests.support import unavailable

KEEP = {
    "REDLINE_TEST_POSTGRES_URL",
    "REDLINE_TEST_REDIS_URL",
    "REDLINE_REQUIRE_SHARED_DATA",
    "REDLINE_SHARED_DATA",
}


def service_missing(what: str, variable: str) -> NoReturn:
    """Skip with a reason, or fail when CI is set (``tests.support.unavailable``)."""
    unavailable(f"{what} not configured: set {variable}")


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("REDLINE_") and name not in KEEP:
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def _postgres_schema_url() -> Iterator[str]:
    base = os.environ.get("REDLINE_TEST_POSTGRES_URL")
    if not base:
        service_missing("PostgreSQL", "REDLINE_TEST_POSTGRES_URL")
    import sqlalchemy as sa

    schema = "t_" + uuid.uuid4().hex[:12]
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty archive database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'redline.sqlite'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'redline.sqlite'}"


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite() as running:
        running.set_page("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
        yield running


class Redline:
    """Runs ``redline`` in a subprocess against one data directory and database."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.data_dir = data_dir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("REDLINE_")}
        self.env.update(
            REDLINE_DATA_DIR=str(data_dir),
            REDLINE_ALLOW_PRIVATE_NETWORKS="1",
            REDLINE_AUTOTHROTTLE="0",
            REDLINE_WORKERS="-1",  # inline: no pool start-up per crawl (the pool has its own test)
            REDLINE_RETRY_TIMES="0",
            REDLINE_DOWNLOAD_TIMEOUT_S="5",
            REDLINE_LOG_LEVEL="WARNING",
        )
        if database_url:
            self.env["REDLINE_DATABASE_URL"] = database_url

    def __call__(
        self, *args: str, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "scheduler.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"redline {' '.join(args)} exited {proc.returncode}\n"
                f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
        return proc

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json").stdout)

    def crawl(self, *args: str) -> dict[str, Any]:
        """One crawl cycle (default: every tracked URL); returns its summary."""
        summary: dict[str, Any] = self.json("crawl", *(args or ("--all",)))
        return summary


@pytest.fixture
def redline(tmp_path: Path, database_url: str) -> Redline:
    """The CLI on a fresh archive, on SQLite and on PostgreSQL."""
    return Redline(tmp_path / "data", None if database_url.startswith("sqlite") else database_url)


@pytest.fixture
def redline_sqlite(tmp_path: Path) -> Redline:
    """The CLI on a fresh SQLite archive only (for tests about files, WARC, the CLI itself)."""
    return Redline(tmp_path / "data", None)
