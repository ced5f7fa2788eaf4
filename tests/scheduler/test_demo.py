"""`redline demo`: the README's main job, offline, from a fresh data directory."""

from __future__ import annotations

import json

import pytest

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
