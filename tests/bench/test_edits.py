"""bench.edits's tier 0 by site rules on a few real pages (``edits.tier0_derived_trial``): page
A's template derived from the rules its learned template gives finds a chrome-only page B the
same, never an edited one, and the report carries the figures."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bench.edits import main
from scheduler.evaluation.edits import (
    DEFAULT_SEED,
    Trial,
    load_sources,
    run_source,
    score,
)
from tests.shared_data import require_shared

pytestmark = pytest.mark.corpus

PAGES = 5
NAMES = ("chrome", "changed_words", "paragraph_removed", "outside_meta_headline")


@pytest.fixture(scope="module")
def trials() -> list[Trial]:
    root = require_shared("article-extraction-benchmark").parent
    return [t for s in load_sources(root, PAGES) for t in run_source(s, DEFAULT_SEED, NAMES)]


def test_derived_templates_find_chrome_the_same_and_no_edit(trials: list[Trial]) -> None:
    results = score(trials)
    derived = [t for t in trials if t.tier0_derived]
    # a derived template only where a template was learned (its rules come from it)
    assert all(t.tier0_learned for t in derived)
    assert len({t.page for t in derived}) >= 3
    assert results["tier0_derived_trials"] == len(derived)
    # chrome-only page B: found the same by the derived template on most pages
    chrome = [t for t in derived if t.name == "chrome"]
    assert sum(t.tier0_derived_same for t in chrome) >= 3
    assert all(not t.new_version for t in chrome if t.tier0_derived_same)
    # the twin: the same pages with an edit in the article; a new version, never "same"
    edited = [t for t in derived if t.real]
    assert edited and all(t.new_version and not t.tier0_derived_same for t in edited)
    assert results["tier0_derived_missed_edits"] == 0
    assert results["tier0_derived_same_decisions_on_edits"] == 0


def test_a_derived_same_on_an_edit_counts_as_missed(trials: list[Trial]) -> None:
    """The twin of the figure: a derived "same" and a miss planted on an edited trial."""
    at = next(i for i, t in enumerate(trials) if t.real and t.tier0_derived)
    planted = replace(trials[at], tier0_derived_same=True, tier0_derived_missed=True)
    results = score([*trials[:at], planted, *trials[at + 1 :]])
    assert results["tier0_derived_missed_edits"] == 1
    assert results["tier0_derived_same_decisions_on_edits"] == 1


def test_the_report_carries_the_derived_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_shared("article-extraction-benchmark")
    out = tmp_path / "edits.json"
    args = ["--pages", "3", "--trials", "chrome", "--crawl-sample", "0", "--out", str(out)]
    assert main(args) == 0
    results = json.loads(out.read_text())["results"]
    assert results["tier0_derived_trials"] >= 1
    assert results["tier0_derived_missed_edits"] == 0
    printed = capsys.readouterr().out
    assert f"{results['tier0_derived_trials']} trials with a derived template" in printed
