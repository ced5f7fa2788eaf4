"""Benchmark: trafilatura alone versus the whole ``extract_article`` pipeline.

Runs both over the article-extraction-benchmark pages (``REDLINE_SHARED_DATA`` or
``../shared/data``), interleaved page by page so that machine noise hits both alike, and
prints pages/s, the mean and median milliseconds per page, and ``extract_article``'s overhead
over trafilatura alone (mean milliseconds per page, and as a fraction of trafilatura's time).
``extract_article`` must stay within 80% of trafilatura's throughput (it aims for ~90%, an
overhead under 25%).

    python -m bench.extract --out bench/results/extract.json
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import logging
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any, cast

import trafilatura

from archive.errors import ExtractionError
from archive.extract import extract_article
from bench.figures import write_json
from bench.shared_data import shared_data, shared_data_or_exit

BENCHMARK = "article-extraction-benchmark"
TRAFILATURA_KWARGS: dict[str, Any] = {
    "with_metadata": True,
    "include_comments": False,
    "include_tables": True,
    "deduplicate": False,
}


def _load_pages(limit: int | None) -> list[tuple[str, bytes]]:
    root = shared_data(BENCHMARK)
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    files = sorted((root / "html").glob("*.html.gz"))[:limit]
    return [(truth[f.name.split(".")[0]]["url"], gzip.decompress(f.read_bytes())) for f in files]


def _trafilatura(body: bytes, url: str) -> None:
    trafilatura.bare_extraction(body, url=url, **TRAFILATURA_KWARGS)


def _pipeline(body: bytes, url: str) -> None:
    with contextlib.suppress(ExtractionError):
        extract_article(body, url)


def run(rounds: int, limit: int | None) -> dict[str, object]:
    pages = _load_pages(limit)
    runners = {"trafilatura": _trafilatura, "extract_article": _pipeline}
    times: dict[str, list[float]] = {name: [] for name in runners}
    for url, body in pages[:3]:  # warm imports and caches
        for fn in runners.values():
            fn(body, url)
    for _ in range(rounds):
        for url, body in pages:
            for name, fn in runners.items():
                start = time.perf_counter()
                fn(body, url)
                times[name].append(time.perf_counter() - start)
    results: dict[str, object] = {}
    for name, samples in times.items():
        results[name] = {
            "pages": len(samples),
            "pages_per_s": round(len(samples) / sum(samples), 2),
            "mean_ms": round(statistics.fmean(samples) * 1000, 2),
            "median_ms": round(statistics.median(samples) * 1000, 2),
            "total_s": round(sum(samples), 3),
        }
    traf = times["trafilatura"]
    ours = times["extract_article"]
    return {
        "benchmark": BENCHMARK,
        "rounds": rounds,
        "python": platform.python_version(),
        "trafilatura_version": trafilatura.__version__,
        "results": results,
        "throughput_ratio": round(sum(traf) / sum(ours), 3),
        # what extract_article adds to trafilatura's work, per page and as a fraction of it
        "overhead_ms": round((statistics.fmean(ours) - statistics.fmean(traf)) * 1000, 2),
        "overhead_ratio": round(sum(ours) / sum(traf) - 1, 3),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    parser.add_argument("--rounds", type=int, default=1, help="passes over the pages")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N pages")
    args = parser.parse_args(argv)
    shared_data_or_exit(BENCHMARK, "html")
    logging.disable(logging.WARNING)  # trafilatura logs every discarded page
    report = run(args.rounds, args.limit)
    print(f"{'extractor':<18}{'pages/s':>10}{'mean ms':>10}{'median ms':>12}{'total s':>10}")
    for name, row in report["results"].items():  # type: ignore[attr-defined]
        print(
            f"{name:<18}{row['pages_per_s']:>10}{row['mean_ms']:>10}{row['median_ms']:>12}"
            f"{row['total_s']:>10}"
        )
    print(f"throughput ratio (extract_article / trafilatura): {report['throughput_ratio']}")
    overhead_ratio = cast(float, report["overhead_ratio"])
    load = cast(list[float], report["load_average"])
    print(
        f"overhead of extract_article: {report['overhead_ms']} ms per page,"
        f" {overhead_ratio:.1%} of trafilatura's time (load average {load[0]})"
    )
    write_json(args.out, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
