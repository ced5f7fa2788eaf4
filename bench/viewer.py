"""Benchmark of the web viewer: page latency under 8 concurrent clients, and the server's memory.

Run ``python -m bench.viewer --out bench/results/viewer.json``.  It

1. fills a fresh SQLite archive (default settings, schema by the migrations) with 10,000
   articles and 50,000 versions: 5 versions each, 4 changes with their edit kinds, 2 captures
   per version and a takedown for 1% of them, written with bulk Core inserts.  Changes are real
   ``compare()`` records of a few template stories, specialised per article, so every diff
   page renders real edits;
2. starts the viewer (``redline serve --workers 2``, uvicorn) in a subprocess on 127.0.0.1;
3. loads the home page, the article list (with a search, and with filters), an article's
   timeline, a version, a diff, a TimeMap and the JSON API, a fixed number of requests each,
   interleaved at random, from 8 concurrent HTTP clients (aiohttp, asyncio, each keeping its
   connection alive).  The clients share the 2 cores with the server, so their own cost is
   part of every figure: aiohttp's client costs about 0.3 ms of CPU a request where httpx's
   asyncio client costs about 0.7, and with httpx the clients, not the server, set the pace
   (about 250 requests/s against 450 with aiohttp, for the same server CPU per request;
   ``docs/performance.md``);
4. before the load of step 3, sends each page 50 times, one request at a time, and records
   the server's CPU per request (``server_cpu_ms_per_request``, summed over its processes): a
   figure that holds on a busy machine, where the latencies do not;
5. reports p50 and p95 latency per page and the server's peak RSS: the sum over the server's
   process tree (uvicorn's supervisor and its workers) sampled every 20 ms during the load of
   step 3, and each process's own peak, the kernel's high-water mark since it started
   (:mod:`bench.procmem`); prints a table and writes JSON (only when every request answered
   200: any other answer stops it).

It exits 0 when every target is met, 3 when the report is written but a target is missed (the
latencies miss on a busy machine), and 1 on any error (no report).

``--data-dir DIR`` keeps the archive in DIR (``tests/web/test_bench_viewer.py`` runs this at
16 articles and checks it).

Targets (issue "Web viewer"): p95 under 50 ms for each page, peak RSS under 300 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import insert

from archive.db import open_database
from archive.diff import compare
from archive.extract.article import Article
from archive.models import Capture, Change, ChangeKind, Event, TrackedURL, Version
from bench.figures import write_json
from bench.procmem import TreeMemory

ARTICLES = 10_000
VERSIONS_PER_ARTICLE = 5
CLIENTS = 8
SERVE = ("serve", "--port")
WORKERS = 2  # ``redline serve --workers``: one process per core of the 2-core reference machine
REQUESTS_PER_PAGE = 300
SERVICE_REQUESTS = 50  # per page, one at a time, for the server's CPU per request (the
# kernel counts CPU time in 10 ms ticks: 50 requests of a few ms each read it within 5%)
TARGET_P95_MS = 50.0
TARGET_RSS_MB = 300.0
TARGETS_MISSED = 3  # the exit status when the report is written but a target is missed
SITES = [f"site{n}.example" for n in range(20)]
TAGS = ["politics", "world", "business", "science", "sport", "health", "climate", "tech"]
T0 = datetime(2026, 10, 1, tzinfo=UTC)
ID = "__ID__"  # replaced by the article number in every text of an article

FILLER = (
    "the council said on Monday that officials would review the plan after residents raised "
    "concerns about costs and delays while the minister declined to comment further police "
    "confirmed two people were arrested and later released without charge according to a "
    "statement published by the regional authority late on Tuesday evening"
)
WORDS = FILLER.split()


def _paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def template_story(seed: int) -> list[Article]:
    """Five versions of a story: words edited, a paragraph added, one moved, the headline
    rewritten, a paragraph removed."""
    rng = random.Random(seed)
    paragraphs = [f"Story {ID} begins. " + _paragraph(rng, 40)]
    paragraphs += [_paragraph(rng, rng.randint(30, 60)) for _ in range(7)]
    headline = f"Story {ID}: " + " ".join(rng.choice(WORDS) for _ in range(6))
    versions = [Article(headline, tuple(paragraphs))]
    edited = list(paragraphs)
    edited[3] = edited[3].replace(" the ", " a ", 2) + " Officials later confirmed it."
    versions.append(Article(headline, tuple(edited)))
    edited = [*edited[:5], _paragraph(rng, 35), *edited[5:]]
    versions.append(Article(headline, tuple(edited)))
    edited = [edited[0], edited[2], edited[1], *edited[3:]]
    versions.append(Article(f"Story {ID}: rewritten headline", tuple(edited)))
    versions.append(Article(f"Story {ID}: rewritten headline", tuple(edited[:-1])))
    return versions


def _specialise(value: Any, number: int) -> Any:
    return json.loads(json.dumps(value).replace(ID, str(number)))


def fill(url: str, articles: int, seed: int = 7) -> dict[str, Any]:
    """Write the archive with bulk inserts; returns its figures."""
    started = time.perf_counter()
    database = open_database(url)
    templates = [template_story(seed + n) for n in range(8)]
    records = [
        [compare(story[i], story[i + 1]).to_json() for i in range(len(story) - 1)]
        for story in templates
    ]
    rng = random.Random(seed)
    rows: dict[str, list[dict[str, Any]]] = {
        "tracked": [],
        "versions": [],
        "captures": [],
        "changes": [],
        "kinds": [],
        "events": [],
    }
    version_id = capture_id = change_id = 0
    for number in range(1, articles + 1):
        story = templates[number % len(templates)]
        added = T0 + timedelta(minutes=number * 4)
        ids = []
        for index, article in enumerate(story):
            version_id += 1
            ids.append(version_id)
            seen = added + timedelta(hours=index * 3)
            first, last = capture_id + 1, capture_id + 2
            for offset, outcome in ((0, "new-version"), (1, "unchanged")):
                capture_id += 1
                rows["captures"].append(
                    {
                        "id": capture_id,
                        "tracked_url_id": number,
                        "fetched_at": seen + timedelta(hours=offset),
                        "http_status": 200,
                        "final_url": None,
                        "payload_digest": f"D{number}x{index}",
                        "outcome": outcome,
                        "version_id": version_id,
                        "warc_file": "redline-00001.warc.gz",
                        "warc_offset": capture_id * 2000,
                    }
                )
            text = "\n\n".join(article.paragraphs).replace(ID, str(number))
            rows["versions"].append(
                {
                    "id": version_id,
                    "tracked_url_id": number,
                    "number": index + 1,
                    "headline": article.headline.replace(ID, str(number)),
                    "byline": "By A. Reporter",
                    "text": text,
                    "content_hash": f"h{number}x{index}",
                    "first_capture_id": first,
                    "last_capture_id": last,
                    "first_seen_at": seen,
                    "last_seen_at": seen + timedelta(hours=1),
                }
            )
            if index:
                change_id += 1
                record = _specialise(records[number % len(templates)][index - 1], number)
                rows["changes"].append(
                    {
                        "id": change_id,
                        "tracked_url_id": number,
                        "from_version_id": version_id - 1,
                        "to_version_id": version_id,
                        "capture_id": first,
                        "detected_at": seen,
                        "edits": record["edits"],
                        "summary": record["summary"],
                        "label": record["summary"]["label"],
                        "reverted": False,
                        "stealth": record["summary"]["stealth"],
                        "flapping": False,
                    }
                )
                for kind, count in record["summary"]["counts"].items():
                    rows["kinds"].append({"change_id": change_id, "kind": kind, "count": count})
        taken_down = number % 100 == 0
        if taken_down:
            rows["events"].append(
                {
                    "tracked_url_id": number,
                    "kind": "takedown",
                    "at": added + timedelta(days=1),
                    "detail": "http-404",
                }
            )
        site = SITES[number % len(SITES)]
        rows["tracked"].append(
            {
                "id": number,
                "url": f"https://www.{site}/news/{number}/story-{number}?id={number}",
                "site": site,
                "added_at": added,
                "tags": rng.sample(TAGS, rng.randint(1, 2)),
                "active": True,
                "next_check_at": added + timedelta(days=2),
                "consecutive_errors": 0,
                "last_checked_at": added + timedelta(hours=14),
                "last_changed_at": added + timedelta(hours=12),
                "current_version_id": ids[-1],
                "current_headline": rows["versions"][-1]["headline"],
                "taken_down": taken_down,
                "flapping": False,
            }
        )
    tables = [
        ("tracked", TrackedURL),
        ("versions", Version),
        ("captures", Capture),
        ("changes", Change),
        ("kinds", ChangeKind),
        ("events", Event),
    ]
    with database.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # rows refer to each other both ways
        for name, model in tables:
            for start in range(0, len(rows[name]), 5000):
                conn.execute(insert(model), rows[name][start : start + 5000])
        conn.commit()
    database.dispose()
    return {
        "articles": articles,
        "versions": len(rows["versions"]),
        "captures": len(rows["captures"]),
        "changes": len(rows["changes"]),
        "fill_s": round(time.perf_counter() - started, 1),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def viewer(data_dir: Path, port: int, workers: int = WORKERS) -> Iterator[psutil.Process]:
    """``redline serve --workers N`` (uvicorn) in a subprocess on 127.0.0.1:``port``, with
    default settings and the log level at WARNING; yields its process once it answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDLINE_")}
    env["REDLINE_LOG_LEVEL"] = "WARNING"
    serve = [*SERVE, str(port), "--workers", str(workers)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "scheduler.cli", "--data-dir", str(data_dir), *serve],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError("the viewer exited at start-up")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the viewer did not start") from None
                time.sleep(0.05)
        yield psutil.Process(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)


def page_requests(articles: int, per_page: int, seed: int) -> list[tuple[str, str]]:
    """``(page, path)`` pairs, ``per_page`` of each page, shuffled."""
    rng = random.Random(seed)

    def article() -> int:
        return rng.randint(1, articles)

    def url(number: int) -> str:
        site = SITES[number % len(SITES)]
        return f"https://www.{site}/news/{number}/story-{number}?id={number}"

    makers: dict[str, Callable[[], str]] = {
        "home": lambda: "/",
        "articles search": lambda: f"/articles?q=story+{article()}",
        "articles filter": lambda: (
            f"/articles?site={rng.choice(SITES)}&tag={rng.choice(TAGS)}&kind=paragraph_moved"
        ),
        "timeline": lambda: f"/articles/{article()}",
        "version": lambda: f"/articles/{article()}/versions/{rng.randint(1, 5)}",
        "diff": lambda: f"/articles/{article()}/diff/{rng.randint(1, 2)}..{rng.randint(3, 5)}",
        "timemap": lambda: f"/timemap/link/{url(article())}",
        "api articles": lambda: f"/api/articles?site={rng.choice(SITES)}&tag={rng.choice(TAGS)}",
        "api changes": lambda: f"/api/changes?kind=headline&tag={rng.choice(TAGS)}",
        "api diff": lambda: f"/api/articles/{article()}/diff/1..5",
    }
    pairs = [(name, make()) for name, make in makers.items() for _ in range(per_page)]
    rng.shuffle(pairs)
    return pairs


async def load(base: str, pairs: list[tuple[str, str]], clients: int) -> dict[str, list[float]]:
    """Each page's latencies (ms, the whole body read) from ``clients`` concurrent clients."""
    import aiohttp

    timings: dict[str, list[float]] = {}
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for pair in pairs:
        queue.put_nowait(pair)

    async def client() -> None:
        timeout = aiohttp.ClientTimeout(total=300)
        async with aiohttp.ClientSession(base, timeout=timeout) as http:
            while not queue.empty():
                name, path = queue.get_nowait()
                started = time.perf_counter()
                async with http.get(path) as response:
                    await response.read()
                    status = response.status
                elapsed = (time.perf_counter() - started) * 1000
                if status != 200:
                    raise RuntimeError(f"{path} answered {status}")
                timings.setdefault(name, []).append(elapsed)

    await asyncio.gather(*(client() for _ in range(clients)))
    return timings


class PeakRSS:
    """The peak resident memory of a process and all its descendants (uvicorn's workers) while
    in the ``with`` block (:mod:`bench.procmem`): ``peak``, the tree's sampled sum, and
    ``per_process``, each process's kernel high-water mark."""

    def __init__(self, process: psutil.Process) -> None:
        self.process, self.peak = process, 0
        self.per_process: dict[int, int] = {}

    def __enter__(self) -> PeakRSS:
        self._memory = TreeMemory(self.process.pid)
        return self

    def __exit__(self, *exc: object) -> None:
        self._memory.stop()
        self.peak, self.per_process = self._memory.tree_peak, dict(self._memory.peaks)


def tree_cpu_s(process: psutil.Process) -> float:
    """CPU seconds (user and system) of a process and its descendants, so far."""
    total = 0.0
    for member in [process, *process.children(recursive=True)]:
        try:
            times = member.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def service_cpu(
    process: psutil.Process, base: str, articles: int, per_page: int
) -> dict[str, float]:
    """The server's CPU per request of each page, its requests sent one at a time (milliseconds,
    summed over the server's processes): what a page costs whatever else the machine runs,
    where the latencies under load depend on it."""
    import httpx2 as httpx

    by_page: dict[str, list[str]] = {}
    for name, path in page_requests(articles, per_page, seed=3):
        by_page.setdefault(name, []).append(path)
    found: dict[str, float] = {}
    with httpx.Client(base_url=base, timeout=300) as http:
        for name, paths in by_page.items():
            before = tree_cpu_s(process)
            for path in paths:
                response = http.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"{path} answered {response.status_code}")
            found[name] = round((tree_cpu_s(process) - before) * 1000 / len(paths), 2)
    return found


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="redline-bench-viewer-") as tmp:
        data_dir = args.data_dir or Path(tmp)
        data_dir.mkdir(parents=True, exist_ok=True)
        figures = fill(f"sqlite:///{data_dir / 'redline.sqlite'}", args.articles)
        print(f"archive: {figures}", flush=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with viewer(data_dir, port, args.workers) as process:
            warm = page_requests(args.articles, 10, seed=1)
            asyncio.run(load(base, warm, args.clients))
            service = service_cpu(
                process, base, args.articles, min(SERVICE_REQUESTS, args.requests)
            )
            pairs = page_requests(args.articles, args.requests, seed=2)
            with PeakRSS(process) as rss:
                started = time.perf_counter()
                timings = asyncio.run(load(base, pairs, args.clients))
                wall = time.perf_counter() - started
    pages = {
        name: {
            "requests": len(values),
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(percentile(values, 0.95), 1),
            "max_ms": round(max(values), 1),
            "meets_target": percentile(values, 0.95) < TARGET_P95_MS,
            "server_cpu_ms_per_request": service.get(name),
        }
        for name, values in timings.items()
    }
    peak_mb = rss.peak / 1024 / 1024
    per_process = sorted(
        (round(v / 1024 / 1024, 1) for v in rss.per_process.values()), reverse=True
    )
    return {
        "benchmark": "viewer",
        "archive": figures,
        "clients": args.clients,
        "server_workers": args.workers,
        "requests_per_page": args.requests,
        "wall_s": round(wall, 3),
        "requests_per_s": round(len(pairs) / wall, 1),
        "pages": pages,
        "server_peak_rss_mb": round(peak_mb, 1),  # summed over the server's processes
        "server_peak_rss_mb_per_process": per_process,
        "targets": {"p95_ms": TARGET_P95_MS, "peak_rss_mb": TARGET_RSS_MB},
        "all_targets_met": all(p["meets_target"] for p in pages.values())
        and peak_mb < TARGET_RSS_MB,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def print_table(result: dict[str, Any]) -> None:
    print(
        f"{'page':<18} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
        f" {'cpu ms':>7}  target"
    )
    for name, page in result["pages"].items():
        mark = "ok" if page["meets_target"] else "MISSED"
        print(
            f"{name:<18} {page['requests']:>8} {page['p50_ms']:>8} {page['p95_ms']:>8}"
            f" {page['max_ms']:>8} {page['server_cpu_ms_per_request']:>7}  {mark}"
        )
    print(
        f"server peak RSS {result['server_peak_rss_mb']} MB over"
        f" {len(result['server_peak_rss_mb_per_process'])} processes"
        f" {result['server_peak_rss_mb_per_process']} (target < {TARGET_RSS_MB:.0f});"
        f" {result['requests_per_s']} requests/s with {result['clients']} clients;"
        f" load average at end {result['machine']['load_average_at_end']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=ARTICLES)
    parser.add_argument("--requests", type=int, default=REQUESTS_PER_PAGE, help="per page")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--workers", type=int, default=WORKERS, help="redline serve --workers")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument(
        "--data-dir", type=Path, help="write the archive here and keep it (default: a temporary)"
    )
    args = parser.parse_args(argv)
    result = run(args)
    print_table(result)
    write_json(args.out, result)
    return 0 if result["all_targets_met"] else TARGETS_MISSED


if __name__ == "__main__":
    sys.exit(main())
