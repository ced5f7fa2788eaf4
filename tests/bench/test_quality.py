"""bench.quality's fast-path section, on a few real GOV.UK and CNN pairs run as the benchmark
runs them (``quality.run_pair``): both tiers' figures by corpus, computed from the outcomes
and agreeing with ``quality.score``'s, and its target, no missed edit, checked both ways."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench.quality import fast_path_figures
from scheduler.evaluation.quality import Outcome, load_pairs, run_pair, score
from tests.shared_data import require_shared

pytestmark = pytest.mark.corpus

CORPUS_KEYS = {
    "fast_path_pairs",
    "fast_path_same",
    "fast_path_missed",
    "tier0_pairs",
    "tier0_learned",
    "tier0_same",
    "tier0_missed",
    "tier0_refetch_same",
}


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    require_shared("govuk-news-versions")
    pairs = load_pairs(require_shared("cnn-lite-versions").parent)
    changed = [p for p in pairs if p.corpus == "govuk" and p.kind == "changed"][:4]
    unchanged = [p for p in pairs if p.corpus == "govuk" and p.kind != "changed"][:2]
    cnn = [p for p in pairs if p.corpus == "cnn"][:2]
    return [run_pair(p) for p in [*changed, *unchanged, *cnn]]


def test_the_fast_path_figures_by_corpus(outcomes: list[Outcome]) -> None:
    figures = fast_path_figures(outcomes)
    assert set(figures) == {"all", "govuk", "cnn", "targets", "targets_met"}
    for corpus in ("all", "govuk", "cnn"):
        assert set(figures[corpus]) == CORPUS_KEYS
    govuk, cnn = figures["govuk"], figures["cnn"]
    # every page of these pairs extracts, so the fingerprint tier checked every pair
    assert (govuk["fast_path_pairs"], cnn["fast_path_pairs"]) == (6, 2)
    # tier 0 runs on GOV.UK pairs only; the control finds the old page refetched the same
    assert (govuk["tier0_pairs"], cnn["tier0_pairs"]) == (6, 0)
    assert govuk["tier0_learned"] >= 4 and cnn["tier0_learned"] == 0
    assert govuk["tier0_refetch_same"] >= govuk["tier0_learned"] - 1
    for name in CORPUS_KEYS:
        assert figures["all"][name] == govuk[name] + cnn[name], name
    # the same counts as quality.score's, which the gate tests/test_diff_quality.py checks
    scored = score(outcomes)
    for corpus in ("all", "govuk", "cnn"):
        assert figures[corpus]["fast_path_same"] == scored[corpus]["fast_path_same_decisions"]
        assert figures[corpus]["tier0_learned"] == scored[corpus]["tier0_learned"]
        assert figures[corpus]["tier0_same"] == scored[corpus]["tier0_same_decisions"]
        assert figures[corpus]["tier0_missed"] == scored[corpus]["tier0_missed_edits"]
        assert figures[corpus]["tier0_refetch_same"] == scored[corpus]["tier0_refetch_same"]
    assert figures["all"]["fast_path_missed"] == figures["all"]["tier0_missed"] == 0
    assert figures["targets_met"] == {"fast_path_missed_max": True, "tier0_missed_max": True}


def test_a_missed_edit_misses_the_target(outcomes: list[Outcome]) -> None:
    """The twin: a "same" planted by hand on a changed GOV.UK pair, whose full extraction
    found a new version, in each tier in turn: counted as a miss, and the target is missed."""
    edited = next(i for i, o in enumerate(outcomes) if o.new_version and o.pair.tier0_new)
    for tier, planted in (
        ("fast_path", replace(outcomes[edited], fast_same=True)),
        ("tier0", replace(outcomes[edited], tier0_same=True)),
    ):
        figures = fast_path_figures([*outcomes[:edited], planted, *outcomes[edited + 1 :]])
        assert figures["govuk"][f"{tier}_missed"] == figures["all"][f"{tier}_missed"] == 1
        assert figures["govuk"][f"{tier}_same"] >= 1
        assert figures["targets_met"][f"{tier}_missed_max"] is False
        other = "tier0" if tier == "fast_path" else "fast_path"
        assert figures["targets_met"][f"{other}_missed_max"] is True
