"""Benchmark: whole refetch cycles against a local site, next to their two ceilings.

A local site (in its own process) serves N pages built from the article-extraction-benchmark
corpus (``REDLINE_SHARED_DATA`` or ``../shared/data``), each made a distinct article by an id in
its ``<title>`` and its canonical link rewritten to its own URL, and dressed, as real news sites
serve every page, in request chrome (``scheduler.demo.chrome.dress``: a site menu, ad slots, a
most-read list with "N minutes ago" labels, a comment counter, CSRF and request-id tokens, an
inline script's state, cache-busted asset URLs) drawn from a request token: a page served under
the same token is byte-identical, under a new token only its chrome differs.  The N URLs are
tracked in a fresh archive, then ``redline crawl --all --json`` runs in a subprocess for each
cycle:

1. ``first``: every page is new (extract, WARC, version 1), served under token t0;
2. ``changed``: 10% of the pages have a sentence of their article edited (still under t0: their
   chrome is the same, their article is not), the rest are byte-identical to the first cycle
   (served without validators, so no 304 shortcut);
3. ``identical``: every page byte-identical again (t0; pure "unchanged" captures; the database
   growth per capture is measured here);
4. ``chrome``: every page under a new token t1, the article untouched: the first chrome-only
   refetch.  With the fast path (on by default, as in redline; ``--no-fast-path`` turns it off;
   the report's ``fast_path`` says which mode ran) each page goes through the fast path first;
   ``chrome_only_fast_path_decisions`` counts the pages it found unchanged without a full
   extraction, ``chrome_only_fast_path_fallbacks`` those it left to one, by reason in
   ``chrome_only_fast_path_fallbacks_by_reason``; every page must come out unchanged
   (``chrome_only_false_versions`` counts the ones that do not); the archive's growth in this
   cycle, database and WARC files together, per capture is ``bytes_per_chrome_only_capture``
   (under 1 KB with ``--warc-retention versions``, the default, which stores no exchange for
   such a capture);
5. ``chrome-again``: every page under token t2, the second chrome-only refetch (the same
   figures with ``chrome_only_again_`` in their names).  With the fast path, each page template
   learned in the ``chrome`` cycle makes its first decision here, and a template's first
   decision is verified by a full extraction (``fast_path_verify_every`` > 0);
6. ``chrome-steady``: every page under token t3: the steady state, what every later chrome-only
   refetch looks like (``chrome_only_steady_``);
7. ``not-modified``: the t3 bytes, now answering conditional requests with 304.

Each cycle's database growth is also given by table and index (``db_growth_by_table``: pages
and payload bytes, from SQLite's ``dbstat``), to say where a capture's bytes go.

Each chrome-only rate is set against trafilatura alone (``chrome_only_vs_extraction``,
``chrome_only_again_vs_extraction``, ``chrome_only_steady_vs_extraction``; target
``chrome_only_vs_extraction_min``, 3), measured right before the first chrome-only cycle and
right after the last (``extraction_only_chrome_pages_per_s``): those cycles run minutes after
the first cycle, and a shared machine's speed drifts that much.  The same ratios against the
first cycle's ceiling are given too (``chrome_only_vs_first_cycle_extraction``...).

Ceilings, measured in the same run: trafilatura alone extracting the same N pages as the first
cycle serves them (dressed under t0) in a process pool of the same size (``extraction_only``,
right before and right after the first cycle), and
a plain Scrapy crawl of the same pages with a do-nothing callback (``fetch_only``, right before
and right after the 10%-changed cycle); each ceiling's rate is from the mean of its two
durations.  Rates use the crawl's own duration (Scrapy's start and finish time); process
start-up is reported separately.

    python -m bench.cycle --urls 1000 --out bench/results/cycle-1000.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from bench.crawls import crawl_env, db_size, db_tables, growth_by_table, warc_size
from bench.figures import say, write_json
from bench.procmem import TreeMemory
from bench.shared_data import ENV_DIR, shared_data, shared_data_or_exit
from bench.site import ChildSite
from scheduler.demo.chrome import dress

BENCHMARK = "article-extraction-benchmark"
CHANGED_FRACTION = 0.10
# the request tokens the site dresses its pages with: t0 (first, changed and identical
# cycles), t1 (the first chrome-only refetch), t2 (every later one, and the 304 cycle)
REQUEST_TOKENS = ("c0ffee40", "c0ffee41", "c0ffee42", "c0ffee43")
FIXED_LAST_MODIFIED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
TRAFILATURA_KWARGS: dict[str, Any] = {
    "with_metadata": True,
    "include_comments": False,
    "include_tables": True,
    "deduplicate": False,
}
ROOT = Path(__file__).resolve().parents[1]


def load_corpus() -> list[bytes]:
    """The corpus pages, decompressed, in file-name order."""
    files = sorted(shared_data(BENCHMARK, "html").glob("*.html.gz"))
    return [gzip.decompress(f.read_bytes()) for f in files]


# -- building the pages ---------------------------------------------------------------------

_TITLE = re.compile(rb"(<title[^>]*>)(.*?)(</title>)", re.IGNORECASE | re.DOTALL)
_LINK = re.compile(rb"<link\b[^>]*>", re.IGNORECASE)
_REL = re.compile(rb"""\brel\s*=\s*["']?([^"'>]*)""", re.IGNORECASE)
_HREF = re.compile(rb"""(\bhref\s*=\s*)(["'])[^"']*\2""", re.IGNORECASE)


def page_path(i: int) -> str:
    return f"/news/{i:05d}"


def _self_links(html: bytes, own_url: str) -> bytes:
    """Point rel=canonical (and amphtml) at the page's own address.

    The corpus pages name their original site as canonical; replicated as-is, every copy of a
    page would be merged into the first one.
    """

    def fix(match: re.Match[bytes]) -> bytes:
        tag = match.group(0)
        rel = _REL.search(tag)
        rels = rel.group(1).lower().split() if rel else []
        if b"canonical" in rels:
            target = own_url
        elif b"amphtml" in rels:
            target = own_url + "/amp"
        else:
            return tag
        return _HREF.sub(lambda m: m.group(1) + b'"' + target.encode() + b'"', tag, count=1)

    return _LINK.sub(fix, html)


def make_page(
    base: bytes,
    i: int,
    base_url: str,
    *,
    edit: tuple[bytes, bytes] | None = None,
    chrome: str | None = None,
) -> bytes:
    """Page ``i``: corpus page ``base`` with its own id, optionally edited and re-chromed."""
    html = _TITLE.sub(
        lambda m: m.group(1) + m.group(2) + f" [a{i:05d}]".encode() + m.group(3), base, count=1
    )
    html = _self_links(html, base_url + page_path(i))
    if edit is not None:
        html = html.replace(edit[0], edit[1], 1)
    if chrome is not None:
        html = add_chrome(html, chrome, i)
    return html


def add_chrome(html: bytes, token: str, i: int) -> bytes:
    """What changes on every request of a real news page, outside the article: the request
    chrome of ``scheduler.demo.chrome`` (a site menu, ad slots, CSRF and request-id tokens, a
    most-read list with "N minutes ago" labels, a comment count, an inline script's state and
    cache-busted asset URLs) for request ``token`` of page ``i``.  The bytes are read as
    Latin-1, so any ASCII-compatible encoding passes through unchanged."""
    return dress(html.decode("latin-1"), page_path(i), token).encode("latin-1")


# -- the site, in its own process -----------------------------------------------------------


def serve_main() -> int:
    """The site process: reads one JSON command a line on stdin, answers one JSON line."""
    from scheduler.demo.site import LocalSite

    corpus = load_corpus()
    edits: dict[int, tuple[bytes, bytes]] = {}
    n = 0
    edited: set[int] = set()
    # what each page serves now, and for which (edited, token): a page built once per cycle at
    # most, and not rebuilt (nor re-dressed) while its bytes stay the same
    served: dict[int, tuple[tuple[bool, str | None], bytes]] = {}
    with LocalSite() as site:
        site.set_page("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
        print(json.dumps({"base_url": site.base_url}), flush=True)
        for line in sys.stdin:
            command = json.loads(line)
            what = command["cmd"]
            if what == "quit":
                break
            if what == "setup":
                n = command["n"]
                served.clear()
                edits = {
                    int(k): (bytes.fromhex(a), bytes.fromhex(b))
                    for k, (a, b) in command["edits"].items()
                }
            elif what == "serve":
                edited |= set(command.get("edit", []))
                chrome = command.get("chrome")
                for i in range(n):
                    b = i % len(corpus)
                    key = (i in edited, chrome)
                    if i in served and served[i][0] == key:
                        page = served[i][1]
                    else:
                        page = make_page(
                            corpus[b],
                            i,
                            site.base_url,
                            edit=edits.get(b) if key[0] else None,
                            chrome=chrome,
                        )
                        served[i] = (key, page)
                    site.set_page(
                        page_path(i),
                        page,
                        conditional=command["conditional"],
                        last_modified=FIXED_LAST_MODIFIED,
                    )
            print(json.dumps({"ok": what}), flush=True)
    return 0


class SiteProcess(ChildSite):
    """Drives the site process over its stdin/stdout."""

    def __init__(self) -> None:
        super().__init__("bench.cycle", "--serve")
        self.base_url = str(self.started["base_url"])

    def send(self, **command: Any) -> None:
        self.ask(json.dumps(command))

    def cpu_s(self) -> float:
        """CPU seconds the site process has used so far."""
        import psutil

        times = psutil.Process(self.proc.pid).cpu_times()
        return round(float(times.user + times.system), 2)

    def close(self) -> None:
        with suppress(OSError, RuntimeError, ValueError):
            self.send(cmd="quit")
        self.proc.wait(timeout=10)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


# -- checking the page transformations with the real extractor ------------------------------


def check_base(b: int, html: bytes) -> dict[str, Any]:
    """For one corpus page: an edit that changes its article, and whether chrome does.

    Runs in a worker process, on the page as the site serves it: dressed under token t0 (the
    first cycle's), then under t1 and t2 (the chrome-only cycles'), whose article must be the
    same.  The edit inserts a word into a run of words of the article's longest paragraph,
    found verbatim in the HTML (once in the undressed page and once in the dressed one), and is
    checked as the changed cycle serves it: edited, then dressed under t0.
    """
    from archive.errors import ExtractionError
    from archive.extract import extract_article

    url = f"http://127.0.0.1:1{page_path(b)}"
    plain = make_page(html, b, "http://127.0.0.1:1")
    first, *later = REQUEST_TOKENS
    page = add_chrome(plain, first, b)
    try:
        article = extract_article(page, url)
    except ExtractionError as exc:
        return {"b": b, "error": str(exc.reason), "edit": None, "chrome_changes": False}
    hashes = set()
    for token in later:
        try:
            hashes.add(extract_article(add_chrome(plain, token, b), url).content_hash)
        except ExtractionError:
            hashes.add("error")
    edit = None
    for paragraph in sorted(article.paragraphs, key=len, reverse=True)[:4]:
        words = paragraph.split()
        for start in range(0, max(len(words) - 5, 1), 3):
            snippet = " ".join(words[start : start + 5]).encode("utf-8")
            if len(snippet) < 20 or plain.count(snippet) != 1 or page.count(snippet) != 1:
                continue
            replacement = snippet.replace(b" ", b" reportedly ", 1)
            try:
                edited = add_chrome(plain.replace(snippet, replacement, 1), first, b)
                changed = extract_article(edited, url)
            except ExtractionError:
                continue
            if changed.content_hash != article.content_hash:
                edit = (snippet.hex(), replacement.hex())
                break
        if edit:
            break
    return {"b": b, "error": None, "edit": edit, "chrome_changes": hashes != {article.content_hash}}


def check_corpus(corpus: Sequence[bytes], used: int, workers: int) -> list[dict[str, Any]]:
    with ProcessPoolExecutor(max(workers, 1)) as pool:
        return list(pool.map(check_base, range(used), corpus[:used]))


# -- the ceilings ---------------------------------------------------------------------------


def _trafilatura_job(body: bytes, url: str) -> int:
    import trafilatura

    result = trafilatura.bare_extraction(body, url=url, **TRAFILATURA_KWARGS)
    return 0 if result is None else 1


def _quiet() -> None:
    logging.disable(logging.WARNING)


def extraction_only(pages: Sequence[bytes], urls: Sequence[str], workers: int) -> float:
    """Seconds for trafilatura alone to extract every page on a pool of ``workers``."""
    import multiprocessing

    import trafilatura  # noqa: F401 - imported once here, inherited by the forked workers

    # fork: the workers are this process's children, so their CPU time shows in getrusage
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_quiet) as pool:
        list(pool.map(_trafilatura_job, pages[: workers * 2], urls[: workers * 2]))  # warm
        start = time.perf_counter()
        list(pool.map(_trafilatura_job, pages, urls, chunksize=1))
        return time.perf_counter() - start


def fetch_only_main(url_file: Path, concurrency: int, per_domain: int) -> int:
    """A plain Scrapy crawl of the URLs with a do-nothing callback; prints its duration."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    urls = url_file.read_text(encoding="utf-8").split()

    class FetchOnly(scrapy.Spider):
        name = "fetch_only"

        async def start(self) -> Any:
            for url in urls:
                yield scrapy.Request(url, dont_filter=True)

        def parse(self, response: Any, **kwargs: Any) -> Any:
            return None

    process = CrawlerProcess(
        {
            "ROBOTSTXT_OBEY": True,
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": per_domain,
            "COOKIES_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        }
    )
    crawler = process.create_crawler(FetchOnly)
    process.crawl(crawler)
    process.start()
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    print(
        json.dumps(
            {
                "duration_s": (stats["finish_time"] - stats["start_time"]).total_seconds(),
                "responses": int(stats.get("downloader/response_status_count/200", 0)),
            }
        )
    )
    return 0


# -- measuring a crawl process --------------------------------------------------------------


class TreeSampler(TreeMemory):
    """Peak resident memory of a process and all its descendants (:mod:`bench.procmem`: each
    process's kernel high-water mark, the tree's sampled sum), and the CPU time of each of
    them as last seen every 20 ms (by role: the crawl process itself, the extraction pool's fork
    server, its workers)."""

    def __init__(self, pid: int) -> None:
        self._cpu: dict[int, tuple[str, float]] = {}
        super().__init__(pid)

    def _role(self, proc: Any) -> str:
        if proc.pid == self.root.pid:
            return "crawl"
        if proc.ppid() == self.root.pid:
            return "forkserver" if "forkserver" in " ".join(proc.cmdline()) else "other"
        return "workers"

    def seen(self, proc: Any) -> None:
        times = proc.cpu_times()
        role = self._cpu[proc.pid][0] if proc.pid in self._cpu else self._role(proc)
        self._cpu[proc.pid] = (role, times.user + times.system)

    def stop(self) -> int:  # type: ignore[override]
        """Stops sampling; the tree's peak (bytes)."""
        super().stop()
        return self.tree_peak

    def cpu_by_role(self) -> dict[str, float]:
        """CPU seconds by role, as last sampled (a process's last 20 ms may be missed)."""
        roles: dict[str, float] = {}
        for role, seconds in self._cpu.values():
            roles[role] = roles.get(role, 0.0) + seconds
        return {role: round(seconds, 2) for role, seconds in sorted(roles.items())}


@dataclass
class CycleResult:
    name: str
    summary: dict[str, Any]
    wall_s: float
    peak_rss: int
    cpu_s: float
    db_growth: int = 0
    warc_growth: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return float(self.summary["duration_s"])

    def rate(self) -> float:
        return self.summary["fetched"] / self.duration_s if self.duration_s else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "pages_per_s": round(self.rate(), 1),
            "crawl_s": round(self.duration_s, 3),
            "process_wall_s": round(self.wall_s, 3),
            "startup_and_teardown_s": round(self.wall_s - self.duration_s, 3),
            "peak_rss_mb": round(self.peak_rss / 2**20, 1),
            "cpu_s_whole_process_tree": round(self.cpu_s, 2),
            "load_average_1min_after": round(os.getloadavg()[0], 2),
            "db_growth_bytes": self.db_growth,
            "warc_growth_bytes": self.warc_growth,
            **self.extra,
        }


def children_cpu_s() -> float:
    """CPU seconds used so far by this process's finished (waited-for) descendants."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(
    command: list[str], env: dict[str, str]
) -> tuple[str, float, int, float, dict[str, float]]:
    """Run ``command``; returns its stdout, wall seconds, peak RSS of its process tree, the
    CPU seconds of the tree (a figure that does not depend on what else loads the machine) and
    the CPU seconds of its processes by role, sampled."""
    cpu_before = children_cpu_s()
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True
        )
        sampler = TreeSampler(proc.pid)
        out, _ = proc.communicate(timeout=1800)
        wall = time.perf_counter() - start
        peak = sampler.stop()
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{command} exited {proc.returncode}:\n{err.read()[-4000:]}")
    by_role = sampler.cpu_by_role()
    # getrusage counts only the descendants that were waited for: the crawl process, not the
    # extraction pool's fork server and workers (nobody waits for them as the crawl exits)
    tree_cpu = max(children_cpu_s() - cpu_before, sum(by_role.values()))
    return out, wall, peak, tree_cpu, by_role


# -- the run --------------------------------------------------------------------------------


def environ(data: Path, args: argparse.Namespace) -> dict[str, str]:
    return crawl_env(
        data,
        args.workers,
        keep=(ENV_DIR,),
        REDLINE_OBEY_ROBOTS_TXT="1",
        REDLINE_CONCURRENT_REQUESTS=str(args.concurrency),
        REDLINE_CONCURRENT_REQUESTS_PER_DOMAIN=str(args.concurrency),
        REDLINE_FAST_PATH="1" if args.fast_path else "0",
        REDLINE_FAST_PATH_SITE_RULES="1" if args.site_rules else "0",
        REDLINE_WARC_RETENTION=args.warc_retention,
    )


def track_all(data: Path, urls: Sequence[str]) -> None:
    from archive.config import load_config
    from archive.db import open_database
    from archive.store import track

    config = load_config(environ={"REDLINE_DATA_DIR": str(data)})
    database = open_database(config.sqlalchemy_url)
    now = datetime.now(UTC)
    with database.session() as session:
        for url in urls:
            track(session, url, now=now)
    database.dispose()


def run(args: argparse.Namespace, say: Callable[[str], None]) -> dict[str, Any]:
    n = args.urls
    corpus = load_corpus()
    used = min(n, len(corpus))
    say(f"checking {used} corpus pages with extract_article (edits and chrome)...")
    checks = check_corpus(corpus, used, args.workers_resolved)
    edits = {c["b"]: c["edit"] for c in checks if c["edit"]}
    chrome_sensitive = sorted(c["b"] for c in checks if c["chrome_changes"])
    extract_errors = sorted(c["b"] for c in checks if c["error"])
    editable = [i for i in range(n) if i % len(corpus) in edits]
    step = max(len(editable) / max(round(n * CHANGED_FRACTION), 1), 1.0)
    to_edit = [
        editable[int(k * step)] for k in range(min(round(n * CHANGED_FRACTION), len(editable)))
    ]

    work = Path(tempfile.mkdtemp(prefix="redline-bench-"))
    site = SiteProcess()
    try:
        urls = [site.base_url + page_path(i) for i in range(n)]
        site.send(cmd="setup", n=n, edits=edits)
        data = work / "data"
        track_all(data, urls)
        env = environ(data, args)
        db_path = data / "redline.sqlite"
        crawl = [sys.executable, "-m", "scheduler.cli", "crawl", "--all", "--json"]

        def cycle(name: str, **serve: Any) -> CycleResult:
            site.send(cmd="serve", **serve)
            before, warc_before = db_size(db_path), warc_size(data / "warc")
            tables_before = db_tables(db_path)
            site_before = site.cpu_s()
            out, wall, peak, cpu, by_role = run_measured(crawl, env)
            result = CycleResult(
                name,
                json.loads(out),
                wall,
                peak,
                cpu,
                db_size(db_path) - before,
                warc_size(data / "warc") - warc_before,
            )
            result.extra["cpu_s_by_process"] = {
                **by_role,
                "site": round(site.cpu_s() - site_before, 2),
            }
            # where the database's growth went: pages and payload bytes by table and index
            result.extra["db_growth_by_table"] = growth_by_table(tables_before, db_tables(db_path))
            say(
                f"  {name:<13} {result.rate():7.1f} pages/s  ({result.duration_s:.2f} s; "
                f"{result.summary['new_versions']} new, {result.summary['unchanged']} unchanged, "
                f"{result.summary['not_modified']} 304, {result.summary['errors']} errors)"
            )
            return result

        say(f"{n} URLs on {site.base_url}; {args.workers_resolved} extraction process(es)")
        # Each ceiling is measured right before and right after the cycle it bounds, and the
        # mean of the two durations is used: the machine's speed (a shared VM's) drifts over
        # minutes, and both ends bracket the cycle.
        first, chrome_token, again_token, steady_token = REQUEST_TOKENS

        # the pages exactly as the first cycle serves them (dressed under t0)
        def first_pages() -> list[bytes]:
            return [
                make_page(corpus[i % len(corpus)], i, site.base_url, chrome=first) for i in range(n)
            ]

        pages = first_pages()

        def extraction_ceiling(when: str) -> tuple[float, float]:
            cpu_before = children_cpu_s()
            seconds = extraction_only(pages, urls, args.workers_resolved)
            say(f"  {'extract-only':<13} {n / seconds:7.1f} pages/s  ({seconds:.2f} s, {when})")
            return seconds, children_cpu_s() - cpu_before

        url_file = work / "urls.txt"
        url_file.write_text("\n".join(urls), encoding="utf-8")

        def fetch_ceiling(when: str) -> dict[str, Any]:
            site_before = site.cpu_s()
            out, wall, rss, cpu, by_role = run_measured(
                [
                    sys.executable,
                    "-m",
                    "bench.cycle",
                    "--fetch-only",
                    str(url_file),
                    "--concurrency",
                    str(args.concurrency),
                ],
                env,
            )
            fetch: dict[str, Any] = json.loads(out)
            by_role["site"] = round(site.cpu_s() - site_before, 2)
            say(
                f"  {'fetch-only':<13} {n / fetch['duration_s']:7.1f} pages/s  "
                f"({fetch['duration_s']:.2f} s; {fetch['responses']} responses, {when})"
            )
            return {**fetch, "wall": wall, "rss": rss, "cpu": cpu, "by_role": by_role}

        extraction_before = extraction_ceiling("before")
        cycles = [cycle("first", conditional=False, chrome=first)]
        extraction_after = extraction_ceiling("after")
        pages.clear()
        extraction_s = (extraction_before[0] + extraction_after[0]) / 2
        extraction_cpu = (extraction_before[1] + extraction_after[1]) / 2

        site.send(cmd="serve", conditional=False, chrome=first)
        fetch_before = fetch_ceiling("before")
        cycles.append(cycle("changed", conditional=False, edit=to_edit, chrome=first))
        fetch_after = fetch_ceiling("after")
        fetch_s = (fetch_before["duration_s"] + fetch_after["duration_s"]) / 2
        fetch_wall = (fetch_before["wall"] + fetch_after["wall"]) / 2
        fetch_rss = max(fetch_before["rss"], fetch_after["rss"])
        fetch_cpu = (fetch_before["cpu"] + fetch_after["cpu"]) / 2
        fetch_by_role = fetch_before["by_role"]
        cycles.append(cycle("identical", conditional=False, chrome=first))
        # the chrome-only cycles' own ceiling, right before the first of them and right after
        # the last: they run minutes after the first cycle, and the machine drifts
        pages = first_pages()
        chrome_ceiling_before = extraction_ceiling("before the chrome-only cycles")
        cycles += [
            cycle("chrome", conditional=False, chrome=chrome_token),
            cycle("chrome-again", conditional=False, chrome=again_token),
            cycle("chrome-steady", conditional=False, chrome=steady_token),
        ]
        chrome_ceiling_after = extraction_ceiling("after the chrome-only cycles")
        pages.clear()
        chrome_extraction_s = (chrome_ceiling_before[0] + chrome_ceiling_after[0]) / 2
        cycles.append(cycle("not-modified", conditional=True, chrome=steady_token))
        warc_bytes = warc_size(data / "warc")
    finally:
        site.close()
        shutil.rmtree(work, ignore_errors=True)

    by = {c.name: c for c in cycles}
    pipeline = by["first"].rate()
    extraction = n / extraction_s
    unchanged = by["changed"].rate()
    fetch_rate = n / fetch_s
    identical = by["identical"]
    chrome = by["chrome"]
    again = by["chrome-again"]
    steady = by["chrome-steady"]
    # the chrome-only cycles are set against the ceiling that brackets them
    chrome_extraction = n / chrome_extraction_s
    chrome_vs = chrome.rate() / chrome_extraction
    again_vs = again.rate() / chrome_extraction
    steady_vs = steady.rate() / chrome_extraction
    targets: dict[str, float] = {
        "ratio_min": 0.8,
        "unchanged_ratio_min": 0.6,
        "unchanged_over_changed_min": 4.0,
        "bytes_per_chrome_only_capture_max": 1024,
        # chrome-only pages/s over trafilatura alone's, for each chrome-only cycle
        "chrome_only_vs_extraction_min": 3,
    }
    return {
        "benchmark": "cycle",
        "urls": n,
        "corpus_pages": len(corpus),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "extraction_workers": args.workers_resolved,
        "concurrency": args.concurrency,
        "pipeline_pages_per_s": round(pipeline, 1),
        "extraction_only_pages_per_s": round(extraction, 1),
        "ratio": round(pipeline / extraction, 3),
        "unchanged_pages_per_s": round(unchanged, 1),
        "identical_pages_per_s": round(identical.rate(), 1),
        "chrome_only_pages_per_s": round(chrome.rate(), 1),
        "chrome_only_again_pages_per_s": round(again.rate(), 1),
        "chrome_only_steady_pages_per_s": round(steady.rate(), 1),
        "chrome_only_vs_extraction": round(chrome_vs, 3),
        "chrome_only_again_vs_extraction": round(again_vs, 3),
        "chrome_only_steady_vs_extraction": round(steady_vs, 3),
        # trafilatura alone right before and right after the chrome-only cycles (the ceiling
        # their ratios above use), and those ratios against the first cycle's ceiling instead
        "extraction_only_chrome_pages_per_s": round(chrome_extraction, 1),
        "extraction_only_chrome_pages_per_s_before_and_after": [
            round(n / chrome_ceiling_before[0], 1),
            round(n / chrome_ceiling_after[0], 1),
        ],
        "chrome_only_vs_first_cycle_extraction": round(chrome.rate() / extraction, 3),
        "chrome_only_again_vs_first_cycle_extraction": round(again.rate() / extraction, 3),
        "chrome_only_steady_vs_first_cycle_extraction": round(steady.rate() / extraction, 3),
        "not_modified_pages_per_s": round(by["not-modified"].rate(), 1),
        "fetch_only_pages_per_s": round(fetch_rate, 1),
        "unchanged_ratio": round(unchanged / fetch_rate, 3),
        "unchanged_over_changed": round(unchanged / pipeline, 2),
        "peak_rss_mb": round(max(c.peak_rss for c in cycles) / 2**20, 1),
        "db_bytes_per_unchanged_capture": round(
            identical.db_growth / max(identical.summary["unchanged"], 1), 1
        ),
        "warc_bytes_per_page_all_cycles": round(warc_bytes / n, 1),
        # the whole archive's growth (database and WARC) per capture in the chrome-only cycle
        "bytes_per_chrome_only_capture": bytes_per_capture(chrome),
        "bytes_per_chrome_only_again_capture": bytes_per_capture(again),
        "bytes_per_chrome_only_steady_capture": bytes_per_capture(steady),
        "warc_retention": args.warc_retention,
        "fast_path": bool(args.fast_path),
        "fast_path_site_rules": bool(args.site_rules),
        # the chrome cycle (t1, the first chrome-only refetch) ...
        **chrome_only_figures("chrome_only", chrome),
        # ... the chrome-again cycle (t2, the second: a fast path's first decisions) ...
        **chrome_only_figures("chrome_only_again", again),
        # ... and the chrome-steady cycle (t3, every later one)
        **chrome_only_figures("chrome_only_steady", steady),
        "targets": targets,
        "targets_met": {
            "ratio_min": pipeline / extraction >= targets["ratio_min"],
            "unchanged_ratio_min": unchanged / fetch_rate >= targets["unchanged_ratio_min"],
            "unchanged_over_changed_min": unchanged / pipeline
            >= targets["unchanged_over_changed_min"],
            "bytes_per_chrome_only_capture_max": max(
                bytes_per_capture(chrome), bytes_per_capture(again), bytes_per_capture(steady)
            )
            < targets["bytes_per_chrome_only_capture_max"],
            "chrome_only_vs_extraction_min": {
                "chrome": chrome_vs >= targets["chrome_only_vs_extraction_min"],
                "chrome-again": again_vs >= targets["chrome_only_vs_extraction_min"],
                "chrome-steady": steady_vs >= targets["chrome_only_vs_extraction_min"],
            },
        },
        "checks": {
            "changed_pages": len(to_edit),
            "corpus_pages_without_findable_edit": used - len(edits) - len(extract_errors),
            "corpus_pages_failing_extraction": extract_errors,
            "corpus_pages_whose_article_chrome_changes": chrome_sensitive,
        },
        "cycles": {c.name: c.to_dict() for c in cycles},
        "fetch_only": {
            "crawl_s": round(fetch_s, 3),
            "process_wall_s": round(fetch_wall, 3),
            "cpu_s_whole_process_tree": round(fetch_cpu, 2),
            "peak_rss_mb": round(fetch_rss / 2**20, 1),
            "cpu_s_by_process": fetch_by_role,
        },
        "extraction_only_s": round(extraction_s, 3),
        "extraction_only_pages_per_s_before_and_after": [
            round(n / extraction_before[0], 1),
            round(n / extraction_after[0], 1),
        ],
        "fetch_only_pages_per_s_before_and_after": [
            round(n / fetch_before["duration_s"], 1),
            round(n / fetch_after["duration_s"], 1),
        ],
        "extraction_only_cpu_s": round(extraction_cpu, 2),
        "cpu_ms_per_page": {
            **{c.name: round(c.cpu_s / n * 1000, 2) for c in cycles},
            "fetch-only": round(fetch_cpu / n * 1000, 2),
            "extraction-only": round(extraction_cpu / n * 1000, 2),
        },
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def bytes_per_capture(cycle: CycleResult) -> float:
    """The archive's growth in ``cycle``, database and WARC files together, per capture."""
    fetched = int(cycle.summary["fetched"])
    return round((cycle.db_growth + cycle.warc_growth) / max(fetched, 1), 1)


def chrome_only_figures(prefix: str, cycle: CycleResult) -> dict[str, Any]:
    """A chrome-only cycle's false versions (it must make none) and fast-path counts: the pages
    found unchanged without a full extraction (``decisions``), those left to one
    (``fallbacks``), by reason, and the decisions re-checked by one (``verifications``)."""
    fast = cycle.summary.get("fast_path", {})
    return {
        f"{prefix}_false_versions": cycle.summary["new_versions"],
        f"{prefix}_fast_path_decisions": fast.get("decisions", 0),
        f"{prefix}_fast_path_fallbacks": fast.get("fallbacks", 0),
        f"{prefix}_fast_path_fallbacks_by_reason": _under(fast, "fallback/"),
        f"{prefix}_fast_path_verifications": fast.get("verifications", 0),
        # tier 0 (the page template checked in the crawl process): its decisions (of the
        # decisions above), its fallbacks by reason, the templates learned and those refused
        f"{prefix}_fast_path_tier0_decisions": fast.get("tier0_decisions", 0),
        f"{prefix}_fast_path_tier0_fallbacks_by_reason": _under(fast, "tier0/fallback/"),
        f"{prefix}_fast_path_tier0_learned": fast.get("tier0_learned", 0),
        f"{prefix}_fast_path_tier0_unlearnable_by_reason": _under(fast, "tier0/unlearnable/"),
        # of tier 0's decisions, those by a template derived from the site's rules (learned
        # on other articles), and why a template was not derived (the page then learns one)
        f"{prefix}_fast_path_tier0_derived": fast.get("tier0_derived", 0),
        f"{prefix}_fast_path_tier0_not_derived_by_reason": _under(fast, "tier0/not_derived/"),
    }


def _under(counts: dict[str, int], prefix: str) -> dict[str, int]:
    """The counters named ``prefix`` + reason, by reason."""
    return {
        key.removeprefix(prefix): value
        for key, value in sorted(counts.items())
        if key.startswith(prefix)
    }


def print_table(report: dict[str, Any], out: IO[str]) -> None:
    rows = [
        ("first cycle (all new)", report["pipeline_pages_per_s"]),
        ("10% changed, rest identical", report["unchanged_pages_per_s"]),
        ("all byte-identical", report["identical_pages_per_s"]),
        ("chrome-only, first (t0 -> t1)", report["chrome_only_pages_per_s"]),
        ("chrome-only, again (t1 -> t2)", report["chrome_only_again_pages_per_s"]),
        ("chrome-only, steady (t2 -> t3)", report["chrome_only_steady_pages_per_s"]),
        ("304 answers", report["not_modified_pages_per_s"]),
        ("trafilatura alone (ceiling)", report["extraction_only_pages_per_s"]),
        ("trafilatura alone, chrome cycles", report["extraction_only_chrome_pages_per_s"]),
        ("Scrapy fetch only (ceiling)", report["fetch_only_pages_per_s"]),
    ]
    print(f"\n{'cycle':<32}{'pages/s':>10}", file=out)
    for name, value in rows:
        print(f"{name:<32}{value:>10}", file=out)
    print(f"\nratio (first / trafilatura)       {report['ratio']:>6}  (target >= 0.8)", file=out)
    print(
        f"unchanged_ratio (10% / fetch)     {report['unchanged_ratio']:>6}  (target >= 0.6)",
        file=out,
    )
    print(
        f"unchanged / changed               {report['unchanged_over_changed']:>6}  (target >= 4)",
        file=out,
    )
    print(f"peak RSS                          {report['peak_rss_mb']:>6} MB", file=out)
    print(
        f"DB bytes per unchanged capture    {report['db_bytes_per_unchanged_capture']:>6}", file=out
    )
    mode = "on" if report["fast_path"] else "off (--no-fast-path)"
    print(f"fast path                         {mode}", file=out)
    rules = "on (--site-rules)" if report.get("fast_path_site_rules") else "off"
    print(f"site rules                        {rules}", file=out)
    met = report["targets_met"]["chrome_only_vs_extraction_min"]
    for prefix, name in (
        ("chrome_only", "chrome"),
        ("chrome_only_again", "chrome-again"),
        ("chrome_only_steady", "chrome-steady"),
    ):
        print(f"\n{name} cycle", file=out)
        vs = report[f"{prefix}_vs_extraction"]
        print(
            f"  chrome-only / trafilatura       {vs:>6}  (target >= "
            f"{report['targets']['chrome_only_vs_extraction_min']}: "
            f"{'met' if met[name] else 'missed'})",
            file=out,
        )
        print(
            f"  bytes per capture               {report[f'bytes_per_{prefix}_capture']:>6}"
            f"  (DB + WARC, warc_retention = {report['warc_retention']}; target < 1024)",
            file=out,
        )
        false = report[f"{prefix}_false_versions"]
        print(f"  false versions                  {false:>6}", file=out)
        reasons = _by_reason(report[f"{prefix}_fast_path_fallbacks_by_reason"])
        print(
            f"  fast-path decisions             {report[f'{prefix}_fast_path_decisions']:>6}"
            f"  (fallbacks {report[f'{prefix}_fast_path_fallbacks']}"
            + (f": {reasons}" if reasons else "")
            + ")",
            file=out,
        )
        tier0 = _by_reason(report[f"{prefix}_fast_path_tier0_fallbacks_by_reason"])
        print(
            f"  of which tier 0                 {report[f'{prefix}_fast_path_tier0_decisions']:>6}"
            f"  (learned {report[f'{prefix}_fast_path_tier0_learned']}, derived from site"
            f" rules {report.get(f'{prefix}_fast_path_tier0_derived', 0)}"
            + (f"; fallbacks: {tier0}" if tier0 else "")
            + ")",
            file=out,
        )


def _by_reason(counts: dict[str, int]) -> str:
    """``reason count, ...`` for a table line."""
    return ", ".join(f"{reason} {count}" for reason, count in counts.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--urls", type=int, default=1000, help="how many pages to track")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    parser.add_argument(
        "--workers", type=int, default=0, help="extraction processes (0: redline's default)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight")
    parser.add_argument(
        "--warc-retention",
        choices=("versions", "all"),
        default="versions",
        help="the crawls' warc_retention (default: versions, redline's default)",
    )
    parser.add_argument(
        "--fast-path",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run the crawls with fast_path on (--fast-path) or off (--no-fast-path);"
        " default: redline's default (on)",
    )
    parser.add_argument(
        "--site-rules",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run the crawls with fast_path_site_rules on (--site-rules) or off"
        " (--no-site-rules); default: redline's default (off)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--fetch-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.fetch_only:
        return fetch_only_main(args.fetch_only, args.concurrency, args.concurrency)
    shared_data_or_exit(BENCHMARK, "html")
    if args.serve:
        return serve_main()
    from archive.config import Config

    args.workers_resolved = Config(workers=args.workers).extraction_workers or 1
    if args.fast_path is None:  # redline's default, whatever the environment says
        args.fast_path = Config().fast_path
    if args.site_rules is None:  # redline's default, whatever the environment says
        args.site_rules = Config().fast_path_site_rules
    logging.disable(logging.WARNING)

    report = run(args, say)
    print_table(report, sys.stdout)
    write_json(args.out, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
