"""`redline demo`: the README's main job, offline, from a fresh data directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy

pytestmark = pytest.mark.slow


def test_demo_shows_headline_and_timestamp_changes(redline_sqlite, tmp_path):
    target = tmp_path / "demo"
    proc = redline_sqlite("demo", "--data-dir", str(target), timeout=600)
    assert "change(s) recorded" in proc.stdout
    assert f"The archive is in {target}" in proc.stdout.replace("\n", "")
    assert f"redline --data-dir {target} serve\n" in proc.stdout  # the viewer, on this archive
    assert (target / "redline.sqlite").exists() and list((target / "warc").glob("*.warc.gz"))
    # the archive it leaves behind holds the story's edits
    redline_sqlite.env["REDLINE_DATA_DIR"] = str(target)
    changes = json.loads(redline_sqlite("changes", "--json").stdout)
    kinds = {kind for row in changes for kind in row["kinds"]}
    assert {"headline", "updated", "paragraph_added", "correction_note"} <= kinds
    listed = json.loads(redline_sqlite("list", "--json").stdout)
    assert len(listed) >= 3 and all(row["versions"] >= 2 for row in listed)


def test_demo_refuses_a_non_empty_directory(redline_sqlite, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file").write_text("x")
    proc = redline_sqlite("demo", "--data-dir", str(tmp_path / "busy"), check=False)
    assert proc.returncode != 0 and "not empty" in proc.stderr


def test_demo_keeps_its_own_archive_and_its_hints_work_as_printed(redline, tmp_path):
    """With REDLINE_DATABASE_URL set (the postgres run), the demo still uses its own SQLite
    archive, says so, and prints commands that open that archive in the same shell."""
    target = tmp_path / "demo dir"  # a space: the printed commands must be quoted
    proc = redline("demo", "--data-dir", str(target), "--rounds", "2", timeout=600)
    out = proc.stdout
    assert f"The demo keeps its own SQLite archive in {target}" in out
    assert "Round 1/2" in out and "Round 2/2" in out and "/5" not in out
    explore = next(line for line in out.splitlines() if line.startswith("Explore it with: "))
    command = explore.removeprefix("Explore it with: ")
    uses_postgres = "REDLINE_DATABASE_URL" in redline.env
    assert command.startswith("REDLINE_DATABASE_URL= redline") is uses_postgres
    served = next(line.strip() for line in out.splitlines() if line.strip().endswith(" serve"))
    assert served.startswith("REDLINE_DATABASE_URL= redline") is uses_postgres
    # run the hint as printed, in a shell with the same environment
    env = {**redline.env, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    listed = subprocess.run(
        ["sh", "-c", command + " --json"], env=env, capture_output=True, text=True, check=True
    )
    assert len(json.loads(listed.stdout)) == 3
    if uses_postgres:  # nothing was created in the user's own database
        engine = sqlalchemy.create_engine(redline.env["REDLINE_DATABASE_URL"])
        try:
            assert sqlalchemy.inspect(engine).get_table_names() == []
        finally:
            engine.dispose()
