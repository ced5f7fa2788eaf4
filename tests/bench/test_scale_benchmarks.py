"""bench.memory and bench.throughput end to end at tiny sizes, as the commands a reader runs:
each finishes and writes the JSON whose fields docs/performance.md explains (the figures at
these sizes mean nothing; only their presence and the runs' own checks are tested)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import service_missing

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def bench(module: str, *args: str, env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_memory_benchmark_writes_its_figures(tmp_path):
    out = tmp_path / "memory.json"
    bench(
        "bench.memory", "--tracked", "12,40", "--due", "6", "--hosts", "2", "--workers", "-1",
        "--out", str(out),
    )  # fmt: skip
    report = json.loads(out.read_text())
    assert [run["tracked"] for run in report["runs"]] == [12, 40]
    for run in report["runs"]:
        assert set(run["commands"]) == {"crawl", "list", "status", "service"}
        for figures in run["commands"].values():
            assert 0 < figures["peak_rss_mb_largest_process"] <= figures["peak_rss_mb_tree"]
        checks = run["checks"]
        assert checks["crawl_fetched"] == checks["crawl_new_versions"] == 6
        assert checks["listed"] == checks["status_tracked"] == run["tracked"]
        assert checks["service_cycles"] == 2 and checks["service_captures"] == 12
        assert checks["crawl_errors"] == checks["service_errors"] == 0
        assert run["db_bytes_per_tracked_url_after_runs"] > 0
    assert set(report["comparison"]) == {"crawl", "list", "status", "service"}
    assert all(row["ratio"] > 0 for row in report["comparison"].values())
    assert report["largest_process_peak_rss_mb"] > 0 and report["db_bytes_per_tracked_url"] > 0
    assert report["targets"] == {"process_rss_mb_max": 500.0, "ratio_max": 1.1}


@pytest.mark.redis
@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_throughput_benchmark_writes_its_figures(tmp_path, backend):
    redis_url = os.environ.get("REDLINE_TEST_REDIS_URL")
    if not redis_url:
        service_missing("Redis", "REDLINE_TEST_REDIS_URL")
    database: list[str] = []
    if backend == "postgres":
        server = os.environ.get("REDLINE_TEST_POSTGRES_URL")
        if not server:
            service_missing("PostgreSQL", "REDLINE_TEST_POSTGRES_URL")
        database = ["--database-url", server]
    out = tmp_path / "throughput.json"
    bench(
        "bench.throughput", "--workers", "1,2", "--urls", "12", "--sites", "3",
        "--latency", "0.05", "--extraction-workers", "-1", "--redis-url", redis_url,
        *database, "--out", str(out),
    )  # fmt: skip
    report = json.loads(out.read_text())
    assert report["database"] == {"sqlite": "sqlite", "postgres": "postgresql"}[backend]
    assert list(report["pages_per_s"]) == ["1", "2"] and report["speedup"]["1"] == 1.0
    assert all(rate > 0 for rate in report["pages_per_s"].values())
    for run in report["runs"]:
        assert run["captures"] == run["queued"] == 12 and run["errors"] == 0
        assert sum(run["fetched_per_worker"]) == 12
        assert 0 < run["site_most_in_flight_per_host"] <= report["per_site_limit"]
    assert report["per_site_limit_held"] is True
    assert report["latency_s"] == 0.05 and report["one_worker_latency_ceiling_pages_per_s"] > 0
    assert len(report["load_average_at_start"]) == 3
