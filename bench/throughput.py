"""Benchmark: pages per second of 1, 2 and 4 ``redline worker`` processes on a slow local site.

Real news sites answer in tens to hundreds of milliseconds, not in the microseconds of
loopback, so a crawl of many sites is bound by latency: what more workers buy is more requests
in flight.  The site here (:mod:`bench.site`, in its own process) is ``--sites`` hosts on
loopback addresses, each answering every request after ``--latency`` seconds (100 ms).

For each worker count, a fresh SQLite archive tracks ``--urls`` URLs (bulk insert), spread
evenly over the sites and interleaved (consecutive ids are on different sites);
``redline enqueue`` (what each cycle of ``redline run`` does when ``redis_url`` is set) claims
them all and queues them in Redis; then the workers start together, each ``redline worker
--max-idle 2 --json``, and run until the queue is empty.  Every worker keeps the settings given
here: ``--concurrency`` requests in flight (``concurrent_requests``) and, over all workers
together through their shared slots in Redis, at most ``--per-site`` requests in flight per
site (``concurrent_requests_per_domain``); the site reports the most it saw at once, which must
not exceed that.

Rates: ``pages_per_s`` is the captures over the span from the first capture's fetch to the last
one's (what the workers do once running); ``pages_per_s_wall`` counts from the workers' start
to the last capture (their start-up included).  With fetching bound by latency one worker
reaches at most ``concurrency / latency`` pages/s, and four should reach at least three times
one worker's rate.

    python -m bench.throughput --out bench/results/throughput.json

Needs a Redis server: ``--redis-url``, else ``REDLINE_TEST_REDIS_URL``, else
``redis://127.0.0.1:6379/0`` (the keys are under a prefix of the run's own, deleted afterwards).
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
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from bench.crawls import crawl_env
from bench.cycle import TreeSampler
from bench.figures import say, write_json
from bench.memory import fill
from bench.site import SiteProcess

ROOT = Path(__file__).resolve().parents[1]
TARGET = 3.0
MAX_IDLE_S = 2


def redis_url(args: argparse.Namespace) -> str:
    return str(
        args.redis_url or os.environ.get("REDLINE_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    )


def environ(data: Path, args: argparse.Namespace, prefix: str) -> dict[str, str]:
    return crawl_env(
        data,
        args.extraction_workers,
        REDLINE_CONCURRENT_REQUESTS=str(args.concurrency),
        REDLINE_CONCURRENT_REQUESTS_PER_DOMAIN=str(args.per_site),
        REDLINE_REDIS_URL=redis_url(args),
        REDLINE_REDIS_PREFIX=prefix,
    )


def cli(args: list[str], env: dict[str, str]) -> Any:
    out = subprocess.run(
        [sys.executable, "-m", "scheduler.cli", *args, "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"redline {' '.join(args)} exited {out.returncode}:\n{out.stderr}")
    return json.loads(out.stdout)


def captures(url: str) -> tuple[int, int, float, float]:
    """Captures recorded, errors among them, and the first and last fetch times (epoch s)."""
    from sqlalchemy import func, select

    from archive.db import open_database
    from archive.models import Capture

    database = open_database(url, upgrade=False)
    with database.session() as session:
        recorded, errors, first, last = session.execute(
            select(
                func.count(),
                func.count().filter(Capture.outcome == "error"),
                func.min(Capture.fetched_at),
                func.max(Capture.fetched_at),
            )
        ).one()
    database.dispose()
    return (
        int(recorded),
        int(errors),
        first.replace(tzinfo=first.tzinfo or UTC).timestamp() if first else 0.0,
        last.replace(tzinfo=last.tzinfo or UTC).timestamp() if last else 0.0,
    )


@contextmanager
def fresh_database(server: str | None, data: Path) -> Iterator[str]:
    """A fresh archive database: SQLite in ``data``, or a schema of its own on the PostgreSQL
    server ``server`` (dropped afterwards)."""
    if not server:
        yield f"sqlite:///{data / 'redline.sqlite'}"
        return
    import sqlalchemy as sa

    schema = "bench_" + uuid.uuid4().hex[:12]
    engine = sa.create_engine(server)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{server}{'&' if '?' in server else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def drop_keys(url: str, prefix: str) -> None:
    from redis import Redis

    client = Redis.from_url(url)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


def run_workers(count: int, args: argparse.Namespace, say: Any) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="redline-throughput-"))
    prefix = f"redline-bench-{uuid.uuid4().hex[:8]}"
    site = SiteProcess(hosts=args.sites, latency=args.latency)
    try:
        with ExitStack() as files:
            data = work / "data"
            data.mkdir()
            database = files.enter_context(fresh_database(args.database_url, data))
            urls = [f"{site.hosts[i % len(site.hosts)]}/news/{i}" for i in range(args.urls)]
            fill(database, args.urls, urls, datetime.now(UTC))
            env = environ(data, args, prefix)
            env["REDLINE_DATABASE_URL"] = database
            queued = cli(["enqueue"], env)
            started = time.time()
            worker = [sys.executable, "-m", "scheduler.cli", "worker", "--max-idle"]
            summaries, peaks, cpu = [], [], 0.0
            procs = []
            for k in range(count):
                err = files.enter_context((work / f"worker-{k}.err").open("w+"))
                proc = subprocess.Popen(
                    [*worker, str(MAX_IDLE_S), "--json"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=err,
                    stdin=subprocess.DEVNULL,
                    text=True,
                )
                procs.append((proc, TreeSampler(proc.pid), err))
            for proc, sampler, err in procs:
                out, _ = proc.communicate(timeout=1800)
                peaks.append(sampler.stop())
                cpu += sum(sampler.cpu_by_role().values())
                if proc.returncode != 0:
                    err.seek(0)
                    raise RuntimeError(f"a worker exited {proc.returncode}:\n{err.read()[-4000:]}")
                summaries.append(json.loads(out))
            ended = time.time()
            recorded, errors, first, last = captures(database)
            served = site.stats()
    finally:
        site.close()
        drop_keys(redis_url(args), prefix)
        shutil.rmtree(work, ignore_errors=True)
    span = last - first
    rate = (recorded - 1) / span if span > 0 else 0.0
    result = {
        "workers": count,
        "queued": queued["queued"],
        "captures": recorded,
        "errors": errors,
        "pages_per_s": round(rate, 1),
        "pages_per_s_wall": round(recorded / (last - started), 1) if last > started else 0.0,
        "fetch_span_s": round(span, 2),
        "startup_s": round(first - started, 2),
        "process_wall_s": round(ended - started, 2),
        "fetched_per_worker": [s["fetched"] for s in summaries],
        "cpu_s_all_workers": round(cpu, 2),
        "cpu_cores_busy": round(cpu / (ended - started), 2),
        "peak_rss_mb_per_worker_tree": [round(p / 2**20, 1) for p in peaks],
        "site_requests": served["requests"],
        "site_most_in_flight_per_host": served["most_in_flight_per_host"],
        "load_average_1min_after": round(os.getloadavg()[0], 2),
    }
    say(
        f"  {count} worker(s): {result['pages_per_s']:7.1f} pages/s "
        f"({recorded} captures in {span:.1f} s, {errors} errors; start-up {first - started:.1f} s; "
        f"{result['cpu_cores_busy']} cores busy; at most "
        f"{served['most_in_flight_per_host']} in flight per site)"
    )
    return result


def report(args: argparse.Namespace, say: Any) -> dict[str, Any]:
    say(
        f"{args.urls} URLs on {args.sites} sites answering after {args.latency * 1000:.0f} ms; "
        f"{args.concurrency} requests in flight per worker, {args.per_site} per site"
    )
    runs = [run_workers(n, args, say) for n in args.workers]
    base = runs[0]["pages_per_s"]
    speedups = {
        str(r["workers"]): round(r["pages_per_s"] / base, 2) if base else None for r in runs
    }
    ceiling = args.concurrency / args.latency
    return {
        "benchmark": "throughput",
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "urls": args.urls,
        "sites": args.sites,
        "latency_s": args.latency,
        "concurrency_per_worker": args.concurrency,
        "per_site_limit": args.per_site,
        "extraction_workers_setting": args.extraction_workers,
        "database": "postgresql" if args.database_url else "sqlite",
        "one_worker_latency_ceiling_pages_per_s": round(ceiling, 1),
        "one_worker_share_of_ceiling": round(base / ceiling, 2) if ceiling else None,
        "pages_per_s": {str(r["workers"]): r["pages_per_s"] for r in runs},
        "speedup": speedups,
        "per_site_limit_held": all(
            r["site_most_in_flight_per_host"] <= args.per_site for r in runs
        ),
        "runs": runs,
        "targets": {"speedup_4_workers_min": TARGET},
        "load_average_at_start": [round(x, 2) for x in args.load_at_start],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def print_table(result: dict[str, Any], out: IO[str]) -> None:
    print(f"\n{'workers':<10}{'pages/s':>10}{'speedup':>10}", file=out)
    for n, rate in result["pages_per_s"].items():
        print(f"{n:<10}{rate:>10}{result['speedup'][n]:>10}", file=out)
    print(
        f"\none worker: {result['one_worker_share_of_ceiling']} of its latency ceiling "
        f"({result['one_worker_latency_ceiling_pages_per_s']} pages/s); per-site limit held: "
        f"{result['per_site_limit_held']}; load average {result['load_average_at_start']} -> "
        f"{result['load_average_at_end']}",
        file=out,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--workers",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 2, 4],
        help="worker counts to compare, comma-separated (default 1,2,4; the first is the base)",
    )
    parser.add_argument("--urls", type=int, default=800, help="tracked URLs, all due")
    parser.add_argument("--sites", type=int, default=40, help="hosts on loopback")
    parser.add_argument("--latency", type=float, default=0.1, help="seconds before each answer")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight per worker")
    parser.add_argument("--per-site", type=int, default=2, help="requests in flight per site")
    parser.add_argument(
        "--extraction-workers",
        type=int,
        default=0,
        help="REDLINE_WORKERS of each worker (0: redline's default, -1: in the worker itself)",
    )
    parser.add_argument("--redis-url", help="Redis server (default: see the module's help)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to hold each run's archive, in a schema of its own (default: "
        "SQLite in the run's data directory)",
    )
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    args.load_at_start = os.getloadavg()

    result = report(args, say)
    print_table(result, sys.stdout)
    write_json(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
