"""bench.cycle's site and its whole run at a tiny size: every cycle serves pages dressed in
request chrome, the same bytes under the same request token and new chrome, the article
untouched, under a new one; the report carries both chrome-only cycles' figures."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bench.cycle import REQUEST_TOKENS, SiteProcess, add_chrome, load_corpus, make_page, page_path
from tests.shared_data import require_shared

ROOT = Path(__file__).resolve().parents[2]
# an invented edit the site applies to the pages it is told to edit (any page has a <title>)
EDIT = (b"<title", b'<title data-edited="yes"')


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as answer:
        body: bytes = answer.read()
        return body


def test_the_site_dresses_every_page_and_keeps_its_bytes_under_one_token():
    require_shared("article-extraction-benchmark")
    corpus = load_corpus()
    site = SiteProcess()
    try:
        n = 4
        urls = [site.base_url + page_path(i) for i in range(n)]
        site.send(cmd="setup", n=n, edits={"1": [EDIT[0].hex(), EDIT[1].hex()]})
        t0, t1, t2, t3 = REQUEST_TOKENS
        site.send(cmd="serve", conditional=False, chrome=t0)
        first = [fetch(url) for url in urls]
        plain = [make_page(corpus[i], i, site.base_url) for i in range(n)]
        assert first == [add_chrome(plain[i], t0, i) for i in range(n)]
        assert all(page != plain[i] for i, page in enumerate(first))

        site.send(cmd="serve", conditional=False, chrome=t0, edit=[1])
        changed = [fetch(url) for url in urls]
        assert [changed[i] == first[i] for i in range(n)] == [True, False, True, True]
        # the edited page: the edit, under the same chrome
        edited = make_page(corpus[1], 1, site.base_url, edit=EDIT)
        assert changed[1] == add_chrome(edited, t0, 1)
        assert b'data-edited="yes"' in changed[1] and b'data-edited="yes"' not in first[1]

        site.send(cmd="serve", conditional=False, chrome=t0)
        assert [fetch(url) for url in urls] == changed

        site.send(cmd="serve", conditional=False, chrome=t1)
        chrome = [fetch(url) for url in urls]
        assert all(chrome[i] != changed[i] for i in range(n))
        assert chrome[0] == add_chrome(plain[0], t1, 0)
        assert chrome[1] == add_chrome(edited, t1, 1)  # an edit stays made

        site.send(cmd="serve", conditional=False, chrome=t2)
        again = [fetch(url) for url in urls]
        assert all(again[i] not in (chrome[i], changed[i]) for i in range(n))

        site.send(cmd="serve", conditional=False, chrome=t3)
        steady = [fetch(url) for url in urls]
        assert all(steady[i] not in (again[i], chrome[i], changed[i]) for i in range(n))
    finally:
        site.close()


@pytest.mark.slow
def test_a_tiny_run_reports_every_chrome_only_cycle(tmp_path):
    require_shared("article-extraction-benchmark")
    out = tmp_path / "cycle.json"
    n = 12
    proc = subprocess.run(
        [sys.executable, "-m", "bench.cycle", "--urls", str(n), "--workers", "1",
         "--concurrency", "4", "--fast-path", "--site-rules", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(out.read_text())
    assert report["fast_path_site_rules"] is True  # an opt-in, asked for here
    assert "chrome-again cycle" in proc.stdout and "(target >= 3: " in proc.stdout
    cycles = report["cycles"]
    assert list(cycles) == [
        "first", "changed", "identical", "chrome", "chrome-again", "chrome-steady",
        "not-modified",
    ]  # fmt: skip
    summary = {name: figures["summary"] for name, figures in cycles.items()}
    failing = len(report["checks"]["corpus_pages_failing_extraction"])
    assert summary["first"]["new_versions"] == n - failing
    assert summary["changed"]["new_versions"] == report["checks"]["changed_pages"] == 1
    assert summary["identical"]["new_versions"] == 0
    assert summary["not-modified"]["not_modified"] == n
    chrome_cycles = (
        ("chrome_only", "chrome"),
        ("chrome_only_again", "chrome-again"),
        ("chrome_only_steady", "chrome-steady"),
    )
    for prefix, name in chrome_cycles:
        assert summary[name]["fetched"] == n
        assert report[f"{prefix}_false_versions"] == summary[name]["new_versions"] == 0
        decided = report[f"{prefix}_fast_path_decisions"]
        fallbacks = report[f"{prefix}_fast_path_fallbacks"]
        assert decided + fallbacks == summary[name]["unchanged"]
        assert sum(report[f"{prefix}_fast_path_fallbacks_by_reason"].values()) == fallbacks
        # warc_retention = versions: no WARC record for an unchanged capture (the database may
        # not grow at all at this size: SQLite fills the pages it has)
        assert cycles[name]["warc_growth_bytes"] == 0
        # under 1 KB a capture, or at this size no more than the few 4 KB pages SQLite adds at
        # a time (a template verified in the chrome-again cycle is rewritten in place)
        growth = cycles[name]["db_growth_bytes"]
        assert 0 <= report[f"bytes_per_{prefix}_capture"] < 1024 or growth <= 4 * 4096, name
        assert report[f"{prefix}_vs_extraction"] > 0
        assert set(cycles[name]["cpu_s_by_process"]) >= {"crawl", "site"}
    # the learning cycle (chrome) stores each version's fingerprint and template once, apart
    # from the versions rows (which hold the text and spill to overflow pages: made longer,
    # they moved their spill and split their pages, 1.7 KB a capture), compactly: fp7 and the
    # template together under 640 bytes a version (fp6's fingerprint alone was about 480)
    learning = cycles["chrome"]["db_growth_by_table"]
    assert "versions" not in learning, learning
    evidence = learning["fast_path_evidence"]["payload_bytes"]
    learned = n - failing
    assert 0 < evidence < 640 * learned, learning
    assert report["chrome_only_pages_per_s"] > 0 and report["chrome_only_steady_pages_per_s"] > 0
    assert report["targets"]["chrome_only_vs_extraction_min"] == 3
    # the chrome-only cycles' own ceiling, bracketing them; the ratios use it
    chrome_ceiling = report["extraction_only_chrome_pages_per_s"]
    assert chrome_ceiling > 0
    assert len(report["extraction_only_chrome_pages_per_s_before_and_after"]) == 2
    steady_rate = report["chrome_only_steady_pages_per_s"]
    assert abs(report["chrome_only_steady_vs_extraction"] - steady_rate / chrome_ceiling) < 0.01
    first_ceiling = report["extraction_only_pages_per_s"]
    assert (
        abs(report["chrome_only_steady_vs_first_cycle_extraction"] - steady_rate / first_ceiling)
        < 0.01
    )
    assert set(report["targets_met"]["chrome_only_vs_extraction_min"]) == {
        "chrome",
        "chrome-again",
        "chrome-steady",
    }
    # templates learned in the chrome cycle decide pages in the later ones without a worker;
    # in the chrome cycle itself, tier 0 decides only by templates derived from the site's
    # rules (learned on the cycle's first pages)
    chrome_tier0 = report["chrome_only_fast_path_tier0_decisions"]
    assert chrome_tier0 == report["chrome_only_fast_path_tier0_derived"]
    assert report["chrome_only_steady_fast_path_tier0_decisions"] > 0
