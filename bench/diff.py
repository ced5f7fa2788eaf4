"""Benchmark of the diff engine: ``compare()`` against plain diff-match-patch.

Run ``python -m bench.diff --out bench/results/diff.json``.  For article pairs of about
2 KB, 20 KB and 200 KB of text with realistic edits (a few paragraphs changed by words,
one added, one removed, one moved, the headline changed) it times, median over repeats:

* ``compare(old, new)``: the whole engine (alignment, word diffs, summary);
* ``diff_main(old_text, new_text)``: plain diff-match-patch at character level;
* a word-level diff-match-patch over the whole text (what ``compare`` avoids by aligning
  paragraphs first and diffing words only inside changed ones).

Two stress pairs follow: every paragraph of the 200 KB article edited, and a full rewrite
(two unrelated 200 KB texts), which shows the cost is capped rather than blowing up.

Texts come from the human-annotated article bodies of the MIT-licensed
scrapinghub/article-extraction-benchmark (in the shared data: ``bench.shared_data``)
when present, else from a seeded generator.  Everything is deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from diff_match_patch import diff_match_patch

from archive.diff import compare, rebuild
from archive.diff.words import word_diff
from archive.extract.article import Article
from bench.figures import write_json
from bench.shared_data import shared_data_dir

SIZES = {"2KB": 2_000, "20KB": 20_000, "200KB": 200_000}
REPEATS = {"2KB": 200, "20KB": 50, "200KB": 15}
TARGET_200KB_MS = 50.0

_FILLER_TEXT = (
    "the council said on Monday that officials would review the plan after residents "
    "raised concerns about costs and delays while the minister declined to comment further "
    "police confirmed two people were arrested and later released without charge according "
    "to a statement published by the regional authority late on Tuesday evening"
)
_FILLER = _FILLER_TEXT.split()


def load_paragraphs(seed: int) -> tuple[list[str], str]:
    """Real paragraphs from the benchmark corpus, or generated ones; and their source."""
    truth = shared_data_dir() / "article-extraction-benchmark" / "ground-truth.json"
    if truth.exists():
        data = json.loads(truth.read_text(encoding="utf-8"))
        paragraphs = [
            p.strip()
            for key in sorted(data)
            for p in data[key]["articleBody"].split("\n")
            if len(p.strip()) > 40
        ]
        return paragraphs, "scrapinghub/article-extraction-benchmark ground truth (MIT)"
    rng = random.Random(seed)
    paragraphs = []
    for _ in range(3000):
        sentences = [
            " ".join(rng.choice(_FILLER) for _ in range(rng.randint(8, 25))).capitalize() + "."
            for _ in range(rng.randint(1, 4))
        ]
        paragraphs.append(" ".join(sentences))
    return paragraphs, f"generated (seed {seed})"


def take(paragraphs: list[str], start: int, size: int) -> list[str]:
    """Consecutive paragraphs from ``start`` until about ``size`` characters."""
    out: list[str] = []
    total = 0
    k = start
    while total < size:
        out.append(paragraphs[k % len(paragraphs)])
        total += len(out[-1]) + 2
        k += 1
    return out


def edit_words(text: str, rng: random.Random, changes: int) -> str:
    """Replace, insert or delete a few words, as a copy editor would."""
    words = text.split(" ")
    for _ in range(changes):
        k = rng.randrange(len(words))
        action = rng.choice(["replace", "insert", "delete"])
        if action == "replace":
            words[k] = rng.choice(_FILLER)
        elif action == "insert":
            words.insert(k, rng.choice(_FILLER))
        elif len(words) > 3:
            del words[k]
    return " ".join(words)


def realistic_edit(old: list[str], rng: random.Random, extra: str) -> list[str]:
    """A few paragraphs edited by words, one added, one removed, one moved."""
    new = list(old)
    for k in rng.sample(range(len(new)), max(3, len(new) // 60)):
        new[k] = edit_words(new[k], rng, rng.randint(1, 4))
    del new[rng.randrange(len(new))]
    new.insert(rng.randrange(len(new) + 1), extra)
    moved = new.pop(rng.randrange(len(new)))
    new.insert(rng.randrange(len(new) + 1), moved)
    return new


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and minimum wall time of ``fn`` in milliseconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times)


def measure(name: str, old: Article, new: Article, repeats: int) -> dict[str, Any]:
    """Time ``compare`` and the plain diff-match-patch baselines on one pair."""
    engine = diff_match_patch()
    old_text, new_text = old.text, new.text
    record = compare(old, new)
    compare_med, compare_min = timed(lambda: compare(old, new), repeats)
    char_med, _ = timed(lambda: engine.diff_main(old_text, new_text), max(3, repeats // 3))
    words_med, _ = timed(lambda: word_diff(old_text, new_text), max(3, repeats // 5))
    return {
        "pair": name,
        "old_chars": len(old_text),
        "new_chars": len(new_text),
        "paragraphs": [len(old.paragraphs), len(new.paragraphs)],
        "repeats": repeats,
        "compare_ms_median": round(compare_med, 3),
        "compare_ms_min": round(compare_min, 3),
        "dmp_chars_ms_median": round(char_med, 3),
        "dmp_words_whole_text_ms_median": round(words_med, 3),
        "edits": record.kinds(),
        "label": record.label.value,
        "rebuild_ok": list(new.paragraphs) == _rebuilt(old, record),
    }


def _rebuilt(old: Article, record: Any) -> list[str]:
    return rebuild(old.paragraphs, record.edits)


def build_pairs(seed: int) -> tuple[list[tuple[str, Article, Article, int]], str]:
    """The benchmark pairs: sized realistic edits, then the two stress cases."""
    paragraphs, source = load_paragraphs(seed)
    rng = random.Random(seed)
    pairs = []
    for label, size in SIZES.items():
        old_pars = take(paragraphs, rng.randrange(len(paragraphs)), size)
        new_pars = realistic_edit(old_pars, rng, extra=rng.choice(paragraphs))
        old = Article("Council approves budget after long debate", tuple(old_pars))
        new = Article("Council approves budget after heated debate", tuple(new_pars))
        pairs.append((label, old, new, REPEATS[label]))
    big_old = pairs[-1][1]
    every = tuple(edit_words(p, rng, 2) for p in big_old.paragraphs)
    pairs.append(("200KB-every-paragraph-edited", big_old, Article(big_old.headline, every), 5))
    other = take(paragraphs, len(paragraphs) // 2, SIZES["200KB"])
    pairs.append(("200KB-full-rewrite", big_old, Article("Another story", tuple(other)), 5))
    return pairs, source


def print_table(results: list[dict[str, Any]]) -> None:
    """A fixed-width table of the figures on stdout."""
    header = f"{'pair':<30}{'chars':>9}{'compare ms':>12}{'dmp chars ms':>14}{'dmp words ms':>14}"
    print(header)
    print("-" * len(header))
    for row in results:
        print(
            f"{row['pair']:<30}{row['old_chars']:>9}{row['compare_ms_median']:>12.2f}"
            f"{row['dmp_chars_ms_median']:>14.2f}{row['dmp_words_whole_text_ms_median']:>14.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=None, help="write the JSON results here")
    parser.add_argument("--seed", type=int, default=20240501)
    args = parser.parse_args(argv)
    pairs, source = build_pairs(args.seed)
    results = [measure(name, old, new, repeats) for name, old, new, repeats in pairs]
    print_table(results)
    by_name = {row["pair"]: row for row in results}
    ok = by_name["200KB"]["compare_ms_median"] < TARGET_200KB_MS
    print(
        f"\n200KB compare median {by_name['200KB']['compare_ms_median']:.2f} ms "
        f"(target < {TARGET_200KB_MS:.0f} ms): {'met' if ok else 'MISSED'}"
    )
    report = {
        "benchmark": "diff",
        "source": source,
        "seed": args.seed,
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "target_200kb_ms": TARGET_200KB_MS,
        "target_met": ok,
        "results": results,
    }
    write_json(args.out, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
