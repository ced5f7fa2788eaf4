"""``python -m bench.viewer`` on a small archive, run as a user runs it: every page it loads
answers 200 from a real ``redline serve`` (it writes its report only then), and the archive it
writes is consistent (every stored change rebuilds its new version from the old one)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from archive.db import open_database
from archive.diff.records import ChangeRecord, rebuild
from archive.models import Capture, Change, TrackedURL, Version

ROOT = Path(__file__).resolve().parents[2]
PAGES = {"home", "articles search", "articles filter", "timeline", "version", "diff", "timemap"}
PAGES |= {"api articles", "api changes", "api diff"}


def test_bench_archive_is_consistent_and_every_page_answers(tmp_path):
    data, out = tmp_path / "data", tmp_path / "viewer.json"
    command = [sys.executable, "-m", "bench.viewer", "--articles", "16", "--requests", "2"]
    command += ["--clients", "2", "--data-dir", str(data), "--out", str(out)]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.exists(), proc.stderr[-3000:]  # the latency targets may miss on a busy machine
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["archive"]["versions"] == 80 and report["archive"]["changes"] == 64
    assert set(report["pages"]) >= PAGES, sorted(report["pages"])
    assert all(page["requests"] >= 2 for page in report["pages"].values())
    service = [page["server_cpu_ms_per_request"] for page in report["pages"].values()]
    assert all(ms >= 0 for ms in service) and sum(service) > 0  # CPU clock ticks are 10 ms
    assert len(report["server_peak_rss_mb_per_process"]) >= 3  # uvicorn's supervisor, 2 workers
    database = open_database(f"sqlite:///{data / 'redline.sqlite'}")
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Capture)) == 160
        for change in session.scalars(select(Change)):
            old = session.get(Version, change.from_version_id)
            new = session.get(Version, change.to_version_id)
            record = ChangeRecord.from_json({"edits": change.edits, "summary": change.summary})
            assert rebuild(old.text.split("\n\n"), record.edits) == new.text.split("\n\n")
            assert str(change.tracked_url_id) in new.headline
        tracked = session.get(TrackedURL, 3)
        current = session.get(Version, tracked.current_version_id)
        assert current.number == 5 and tracked.current_headline == current.headline
    database.dispose()
