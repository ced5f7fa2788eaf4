"""Benchmark: tier 0's templates on the corpus pages as ``bench.cycle`` serves them.

Each of the article-extraction-benchmark corpus pages is made page ``i`` as ``bench.cycle``
makes it, dressed in its request chrome under the learning cycle's two tokens (t0: the
version's stored payload, t1: the refetch); the refetch's full extraction gives the fingerprint
whose region the learning needs and the content hash the worst-case probe compares with, and
:func:`archive.extract.template_learn.learn_with_fingerprint` learns the template, as the
crawl's learning job (``extract_learning_job``) does after reading the stored payload back.
Printed: the templates learned and refused (by reason), their mean and largest stored size
(characters of ``versions.fast_template``), the CPU per learning (best of ``--passes`` passes in
this process, the refetch's extraction not included; with its content hash, as the crawl gives
it, the worst-case probe extracts only its probe pages, not the stored one), and the checks of
the pages under t2 against them.

``--save FILE`` keeps every page's learned template (or its reason), ``--against FILE``
compares with a kept list and exits 1 naming the pages whose template differs: what a change
to the learning must leave as it was (the file holds the templates, never the pages).

    python -m bench.templates [--pages 181] [--out FILE] [--save FILE | --against FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from archive.errors import ExtractionError
from archive.extract import DEFAULT_MIN_CHARS
from archive.extract.extractor import extract_with_fingerprint
from archive.extract.template import check, is_unlearnable
from archive.extract.template_learn import learn_with_fingerprint
from bench.cycle import REQUEST_TOKENS, load_corpus, make_page, page_path
from bench.figures import say, write_json
from bench.shared_data import shared_data_or_exit

HTML = "text/html; charset=utf-8"
BASE_URL = "http://127.0.0.1:8000"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=0, help="corpus pages (default: all)")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--out", type=Path, help="write the figures as JSON")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--save", type=Path, help="keep every page's template in FILE")
    group.add_argument("--against", type=Path, help="compare with the templates kept in FILE")
    args = parser.parse_args(argv)
    shared_data_or_exit("article-extraction-benchmark", "html")
    corpus = load_corpus()
    used = min(args.pages or len(corpus), len(corpus))
    say(f"dressing {used} corpus pages and extracting their refetches...")
    cases: list[tuple[bytes, bytes, bytes, str, str | None, str | None]] = []
    for i in range(used):
        old, new, later = (
            make_page(corpus[i], i, BASE_URL, chrome=token) for token in REQUEST_TOKENS[:3]
        )
        url = BASE_URL + page_path(i)
        try:
            article, fingerprint = extract_with_fingerprint(new, url, content_type=HTML)
            article_hash: str | None = article.content_hash
        except ExtractionError:
            fingerprint = article_hash = None
        cases.append((old, new, later, url, fingerprint, article_hash))

    best = float("inf")
    templates: list[str] = []
    for _ in range(max(args.passes, 1)):
        started = time.process_time()
        templates = [
            learn_with_fingerprint(
                old,
                new,
                HTML,
                fingerprint,
                url=url,
                min_chars=DEFAULT_MIN_CHARS,
                article_hash=article_hash,
            )
            for old, new, _, url, fingerprint, article_hash in cases
        ]
        best = min(best, time.process_time() - started)
    learned = [t for t in templates if not is_unlearnable(t)]
    refused = Counter(t.rpartition("|")[2].partition(":")[0] for t in templates if t not in learned)
    checks = Counter(
        check(later, template, url=url, content_type=HTML, min_chars=DEFAULT_MIN_CHARS) or "match"
        for (_, _, later, url, _, _), template in zip(cases, templates, strict=True)
        if template in learned
    )
    sizes = [len(t) for t in learned]
    figures: dict[str, Any] = {
        "pages": used,
        "learned": len(learned),
        "unlearnable_by_reason": dict(sorted(refused.items())),
        "template_chars_mean": round(statistics.mean(sizes), 1) if sizes else 0,
        "template_chars_max": max(sizes, default=0),
        "cpu_ms_per_learning": round(best / used * 1000, 2),
        "checks_under_t2": dict(sorted(checks.items())),
    }
    for key, value in figures.items():
        print(f"{key:28s} {value}")
    write_json(args.out, figures)
    if args.save:
        args.save.write_text(json.dumps(templates) + "\n", encoding="utf-8")
    if args.against:
        kept = json.loads(args.against.read_text(encoding="utf-8"))
        differ = [i for i, (a, b) in enumerate(zip(kept, templates, strict=True)) if a != b]
        print(f"templates differing from {args.against}: {len(differ)} {differ[:20]}")
        return 1 if differ else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
