"""Edit detection on real pages: secret CMS-style edits between two crawls, in changing chrome.

Run ``python -m bench.edits --out bench/results/edits.json [--seed N] [--pages N]``.

The trials and their scoring are ``scheduler.evaluation.edits`` (which the gate
``tests/test_edit_quality.py`` runs too; its docstring describes every trial).  This command
runs them on every page of ``../shared/data/article-extraction-benchmark`` and writes the
report.  ``--crawl-sample N`` serves N trials (distinct pages) from a ``LocalSite`` and records
them through the real ``redline crawl`` path, to confirm that the crawl records what the
in-process path computes.  ``--trials a,b`` runs only the named trials (for trying out a
change; the figures are the full run's).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from archive.errors import ExtractionError
from archive.extract import extract_article
from bench.figures import write_json
from bench.shared_data import shared_data_or_exit
from scheduler.evaluation.edits import (
    BENCHMARK,
    DEFAULT_SEED,
    TRIALS,
    Source,
    Trial,
    build,
    corpus_digest,
    disagreements,
    evaluate,
    reported_kinds,
    score,
)

ROOT = Path(__file__).resolve().parents[1]


def crawl_sample(
    sources: Sequence[Source], trials: Sequence[Trial], size: int, seed: int
) -> dict[str, Any]:
    """Serve ``size`` trials (one per page), crawl A then B, read the recorded kinds back."""
    from bench.quality import _redline
    from scheduler.demo.site import LocalSite

    by_key = {s.key: s for s in sources}
    rng = random.Random(f"{seed}:crawl-sample")
    runnable = [t for t in trials if t.error is None]
    rng.shuffle(runnable)
    chosen: list[Trial] = []
    seen: set[str] = set()
    names = list(TRIALS)
    while len(chosen) < size and runnable:
        want = names[len(chosen) % len(names)]
        pick = next((t for t in runnable if t.name == want and t.page not in seen), None)
        pick = pick or next((t for t in runnable if t.page not in seen), None)
        if pick is None:
            break
        runnable.remove(pick)
        chosen.append(pick)
        seen.add(pick.page)
    rows = []
    with LocalSite() as site, tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        site.set_page("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
        pages = {t.page: build(by_key[t.page], t.name, seed) for t in chosen}
        paths = {t.page: f"/article/{t.page[:12]}" for t in chosen}
        for t in chosen:
            site.set_page(paths[t.page], pages[t.page][0], conditional=False)
        _redline(data, "track", *(site.url(p) for p in paths.values()))
        _redline(data, "crawl", "--all")
        for t in chosen:
            site.set_page(paths[t.page], pages[t.page][1], conditional=False)
        _redline(data, "crawl", "--all")
        changes = {r["url"]: r for r in _redline(data, "changes", "--limit", "1000")}
        listed = {r["url"]: r for r in _redline(data, "list")}
        for t in chosen:
            url = site.url(paths[t.page])
            a, b, _, _ = pages[t.page]
            # the same two pages in process, at the address the crawl fetched them from
            try:
                old, new = extract_article(a, url), extract_article(b, url)
                here = reported_kinds(old, new)[1] if old.content_hash != new.content_hash else {}
            except ExtractionError as error:
                here = {f"error: {error}": 1}
            crawled = changes.get(url, {}).get("kinds", {})
            rows.append(
                {
                    "page": t.page[:12],
                    "trial": t.name,
                    "versions": listed.get(url, {}).get("versions"),
                    "in_process": t.raw,
                    "in_process_at_crawl_url": here,
                    "crawled": crawled,
                    "same": crawled == t.raw,
                }
            )
    return {"trials": len(rows), "same": sum(r["same"] for r in rows), "rows": rows}


def table(results: dict[str, Any]) -> str:
    lines = [f"{'kind':<20} {'tp':>5} {'fp':>5} {'fn':>5} {'precision':>10} {'recall':>8}"]
    for kind, r in results["kinds"].items():
        p = "-" if r["precision"] is None else f"{r['precision']:.3f}"
        rc = "-" if r["recall"] is None else f"{r['recall']:.3f}"
        lines.append(f"{kind:<20} {r['tp']:>5} {r['fp']:>5} {r['fn']:>5} {p:>10} {rc:>8}")
    lines.append(
        f"version gain on real edits: {results['version_gain_rate']} "
        f"({results['real_trials']} trials); false versions on chrome/layout-only: "
        f"{results['false_versions']}/{results['null_trials']}; "
        f"other kinds reported: {results['other_kinds_reported']}"
    )
    lines.append(
        f"fast path: {results['fast_path_same_decisions']} 'unchanged' decisions, "
        f"{results['fast_path_missed_edits']} edits missed that the full extraction finds; "
        f"edits just outside the article: {results['adversarial_trials']} trials, "
        f"{results['adversarial_new_versions']} read by the full extraction, "
        f"{results['adversarial_fast_path_missed']} of them missed by the fast path"
    )
    lines.append(
        f"tier 0: {results['tier0_learned_trials']} trials with a learned template, "
        f"{results['tier0_same_decisions']} 'same', {results['tier0_missed_edits']} missed; "
        f"by site rules: {results['tier0_derived_trials']} trials with a derived template, "
        f"{results['tier0_derived_same_decisions']} 'same', "
        f"{results['tier0_derived_missed_edits']} missed"
    )
    lines.append(f"{'trial':<20} {'n':>5} {'version':>8} {'exact':>6}")
    for name, r in results["by_trial"].items():
        lines.append(f"{name:<20} {r['trials']:>5} {r['new_version']:>8} {r['exact']:>6}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/edits.json")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--pages", type=int, default=None)
    parser.add_argument("--crawl-sample", type=int, default=14)
    parser.add_argument(
        "--trials",
        default=",".join(TRIALS),
        help="comma-separated trial names to run (default: all; a subset is for trying out)",
    )
    args = parser.parse_args(argv)
    names = [name for name in args.trials.split(",") if name]
    unknown = sorted(set(names) - set(TRIALS))
    if unknown:
        parser.error(f"unknown trials: {', '.join(unknown)}")
    root = shared_data_or_exit()
    started = time.perf_counter()
    sources, trials = evaluate(root, args.seed, args.pages, names)
    elapsed = time.perf_counter() - started
    results = score(trials)
    report: dict[str, Any] = {
        "benchmark": "edit-detection",
        "corpus": {BENCHMARK: corpus_digest(root)},
        "seed": args.seed,
        "pages": len(sources),
        "seconds_in_process": round(elapsed, 1),
        "results": results,
    }
    print(table(results))
    if args.crawl_sample:
        report["crawl_sample"] = crawl_sample(sources, trials, args.crawl_sample, args.seed)
        sample = report["crawl_sample"]
        print(f"crawl sample: {sample['same']}/{sample['trials']} recorded the in-process kinds")
    report["disagreements"] = disagreements(trials)
    write_json(args.out, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
