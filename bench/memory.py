"""Benchmark: peak memory of every redline process with 1,000 and with 100,000 tracked URLs.

For each archive size N (``--tracked``, default 1,000 and 100,000) a fresh SQLite archive gets N
tracked URLs by bulk insert (SQLAlchemy Core, in batches); ``--due`` of them (1,000) are due
now and point at a local site (:mod:`bench.site`, ten hosts on loopback), the rest fall due in
30 days.  Then, each in a subprocess through the CLI's real entry point
(``python -m scheduler.cli``):

1. ``redline crawl --json``: the due URLs (extraction in redline's process pool);
2. ``redline list --json``, its output written to a file;
3. ``redline status --json``;
4. ``redline run --cycles 2``: the service, until two refetch cycles have finished (the due
   URLs have an interval of their own of one second, so each cycle crawls all of them again, in
   a child process as always).

While each runs, every process of its tree (the command, a cycle's crawl child, the extraction
pool's fork server and workers) is read every 20 ms (:mod:`bench.procmem`): its peak is the
kernel's high-water mark of its resident memory (``VmHWM``) as last read before it exited, or
its sampled RSS if larger; the report gives each command's largest process, the tree's sampled
sum, and the largest per role.  Targets: every
process under 500 MB, and each command's largest process with 100,000 URLs within 10% of the
same with 1,000 (what grows with the archive is streamed, never loaded whole).  The database
size per tracked URL is reported after the insert and after all the commands.

    python -m bench.memory --out bench/results/memory.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from bench.crawls import crawl_env, db_size
from bench.figures import say, write_json
from bench.procmem import TreeMemory
from bench.site import SiteProcess

ROOT = Path(__file__).resolve().parents[1]
RSS_LIMIT_MB = 500.0
GROWTH_LIMIT = 1.10
BATCH = 10_000


class ProcessSampler(TreeMemory):
    """The peak resident memory of each process of a tree (by pid, with its role: see
    :mod:`bench.procmem`), and of the whole tree at once."""

    def __init__(self, pid: int, name: str) -> None:
        self._name = name
        self.roles: dict[int, str] = {}
        super().__init__(pid)

    def _role(self, proc: Any, line: str) -> str:
        if proc.pid == self.root.pid:
            return self._name
        if "scheduler.cli" in line and " crawl" in line:
            return "crawl (cycle child)"
        if "forkserver" in line:  # the pool's workers are forked from it: same command line
            forked = self.roles.get(proc.ppid()) == "extraction forkserver"
            return "extraction worker" if forked else "extraction forkserver"
        if "resource_tracker" in line:
            return "multiprocessing resource tracker"
        return "other"

    def seen(self, proc: Any) -> None:
        # the role is read again each time: a child just forked has its parent's command line
        # until it runs its own; an exited child (a zombie until reaped) has none: it keeps the
        # role it had, and one never seen with a command line is "unidentified"
        line = " ".join(proc.cmdline())
        if line:
            self.roles[proc.pid] = self._role(proc, line)
        elif proc.pid == self.root.pid:
            self.roles[proc.pid] = self._name

    def figures(self) -> dict[str, Any]:
        by_role: dict[str, float] = {}
        for pid, peak in self.peaks.items():
            role = self.roles.get(pid, "unidentified")
            by_role[role] = max(by_role.get(role, 0.0), peak / 2**20)
        return {
            "peak_rss_mb_largest_process": round(max(by_role.values(), default=0.0), 1),
            "peak_rss_mb_tree": round(self.tree_peak / 2**20, 1),
            "peak_rss_mb_by_role": {role: round(mb, 1) for role, mb in sorted(by_role.items())},
            "processes": len(self.peaks),
        }


def measured(name: str, args: list[str], env: dict[str, str], stdout: IO[Any]) -> dict[str, Any]:
    """Run ``python -m scheduler.cli <args>`` with its tree sampled; its figures."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "scheduler.cli", *args],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
        sampler = ProcessSampler(proc.pid, name)
        code = proc.wait(timeout=1800)
        sampler.stop()
        if code != 0:
            err.seek(0)
            raise RuntimeError(f"redline {' '.join(args)} exited {code}:\n{err.read()[-4000:]}")
    return {"wall_s": round(time.perf_counter() - started, 2), **sampler.figures()}


def fill(
    url: str, tracked: int, due_urls: list[str], now: datetime, every_s: int | None = None
) -> float:
    """Track ``tracked`` URLs by bulk insert, the first ``len(due_urls)`` due now (checked every
    ``every_s`` seconds if given, as by ``redline track --every``); returns the seconds taken."""
    from sqlalchemy import insert

    from archive.db import open_database
    from archive.models import TrackedURL
    from archive.urls import site_of

    started = time.perf_counter()
    database = open_database(url)
    later = now + timedelta(days=30)
    with database.engine.begin() as conn:
        for start in range(0, tracked, BATCH):
            rows = []
            for i in range(start, min(start + BATCH, tracked)):
                due = i < len(due_urls)
                address = due_urls[i] if due else f"https://site{i % 97}.example/news/{i}"
                rows.append(
                    {
                        "url": address,
                        "site": site_of(address),
                        "added_at": now,
                        "tags": [],
                        "active": True,
                        "next_check_at": now - timedelta(minutes=1) if due else later,
                        "check_interval_s": every_s if due else None,
                        "consecutive_errors": 0,
                        "taken_down": False,
                        "flapping": False,
                    }
                )
            conn.execute(insert(TrackedURL), rows)
    database.dispose()
    return time.perf_counter() - started


def environ(data: Path, args: argparse.Namespace) -> dict[str, str]:
    return crawl_env(data, args.workers, REDLINE_REFETCH_JITTER="0", REDLINE_REFETCH_CYCLE_S="1")


def run_size(tracked: int, args: argparse.Namespace, say: Any) -> dict[str, Any]:
    due = min(args.due, tracked)
    work = Path(tempfile.mkdtemp(prefix="redline-memory-"))
    site = SiteProcess(hosts=args.hosts)
    try:
        data = work / "data"
        data.mkdir()
        db_path = data / "redline.sqlite"
        due_urls = [f"{site.hosts[i % len(site.hosts)]}/news/{i}" for i in range(due)]
        # the due URLs are checked every second (their own interval): each one crawled is due
        # again by the next service cycle, which crawls them all again
        fill_s = fill(f"sqlite:///{db_path}", tracked, due_urls, datetime.now(UTC), every_s=1)
        size_filled = db_size(db_path)
        say(f"{tracked} tracked ({due} due): inserted in {fill_s:.1f} s")
        env = environ(data, args)
        commands: dict[str, Any] = {}

        def run(name: str, cli: list[str], out: IO[Any]) -> None:
            commands[name] = measured(name, cli, env, out)
            c = commands[name]
            say(
                f"  {name:<8} largest process {c['peak_rss_mb_largest_process']:7.1f} MB, "
                f"tree {c['peak_rss_mb_tree']:7.1f} MB, {c['wall_s']:.1f} s"
            )

        with tempfile.TemporaryFile("w+") as out:
            run("crawl", ["crawl", "--json"], out)
            out.seek(0)
            crawl_summary = json.loads(out.read())
        listing = work / "list.json"
        with listing.open("w") as out:
            run("list", ["list", "--json"], out)
        listed = len(json.loads(listing.read_text(encoding="utf-8")))
        with tempfile.TemporaryFile("w+") as out:
            run("status", ["status", "--json"], out)
            out.seek(0)
            status_before = json.loads(out.read())
        with tempfile.TemporaryFile("w+") as out:
            run("service", ["run", "--cycles", "2"], out)
        status_after = json.loads(
            subprocess.run(
                [sys.executable, "-m", "scheduler.cli", "status", "--json"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        size_after = db_size(db_path)
    finally:
        site.close()
        shutil.rmtree(work, ignore_errors=True)
    totals = status_after.get("refetch_totals", {})
    return {
        "tracked": tracked,
        "due": due,
        "fill_s": round(fill_s, 2),
        "commands": commands,
        "checks": {
            "crawl_fetched": crawl_summary["fetched"],
            "crawl_new_versions": crawl_summary["new_versions"],
            "crawl_errors": crawl_summary["errors"],
            "listed": listed,
            "status_tracked": status_before["tracked"],
            "service_cycles": totals.get("cycles", 0),
            "service_captures": totals.get("captures", 0),
            "service_errors": totals.get("errors", 0),
        },
        "db_bytes": size_after,
        "db_bytes_per_tracked_url_after_insert": round(size_filled / tracked, 1),
        "db_bytes_per_tracked_url_after_runs": round(size_after / tracked, 1),
    }


def report(args: argparse.Namespace, say: Any) -> dict[str, Any]:
    runs = [run_size(n, args, say) for n in args.tracked]
    small, large = runs[0], runs[-1]
    comparison = {}
    for name, figures in large["commands"].items():
        base = small["commands"][name]["peak_rss_mb_largest_process"]
        top = figures["peak_rss_mb_largest_process"]
        comparison[name] = {
            f"peak_rss_mb_{small['tracked']}": base,
            f"peak_rss_mb_{large['tracked']}": top,
            "ratio": round(top / base, 3) if base else None,
        }
    largest = max(
        c["peak_rss_mb_largest_process"] for run in runs for c in run["commands"].values()
    )
    return {
        "benchmark": "memory",
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "extraction_workers_setting": args.workers,
        "site_hosts": args.hosts,
        "runs": runs,
        "comparison": comparison,
        "largest_process_peak_rss_mb": largest,
        "max_ratio": max((c["ratio"] or 0.0 for c in comparison.values()), default=0.0),
        "db_bytes_per_tracked_url": large["db_bytes_per_tracked_url_after_runs"],
        "targets": {"process_rss_mb_max": RSS_LIMIT_MB, "ratio_max": GROWTH_LIMIT},
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def print_table(result: dict[str, Any], out: IO[str]) -> None:
    sizes = [run["tracked"] for run in result["runs"]]
    header = "".join(f"{n:>12,}" for n in sizes)
    print(f"\n{'largest process (MB)':<22}{header}{'ratio':>8}", file=out)
    for name, row in result["comparison"].items():
        cells = "".join(
            f"{run['commands'][name]['peak_rss_mb_largest_process']:>12}" for run in result["runs"]
        )
        print(f"{name:<22}{cells}{row['ratio']:>8}", file=out)
    print(
        f"\nlargest process overall {result['largest_process_peak_rss_mb']} MB "
        f"(target < {RSS_LIMIT_MB:.0f}); largest ratio {result['max_ratio']} "
        f"(target <= {GROWTH_LIMIT})",
        file=out,
    )
    print(f"database bytes per tracked URL {result['db_bytes_per_tracked_url']}", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--tracked",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1000, 100_000],
        help="archive sizes to compare, comma-separated (default 1000,100000)",
    )
    parser.add_argument("--due", type=int, default=1000, help="tracked URLs due and crawled")
    parser.add_argument("--hosts", type=int, default=10, help="sites the due URLs are spread on")
    parser.add_argument(
        "--workers", type=int, default=0, help="extraction processes (0: redline's default)"
    )
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)

    result = report(args, say)
    print_table(result, sys.stdout)
    write_json(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
