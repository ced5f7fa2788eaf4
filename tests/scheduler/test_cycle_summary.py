"""The service reads a child crawl's ``--json`` summary back as a ``CrawlSummary``."""

from __future__ import annotations

import json

from crawler.summary import CrawlSummary
from scheduler.cycle import CycleResult, read_summary

SUMMARY = CrawlSummary(
    expected=3,
    fetched=3,
    new_versions=1,
    unchanged=1,
    errors=1,
    errors_by_reason={"http-404": 1},
    duration_s=1.23456,
)


def test_the_last_json_object_is_read_back_whole() -> None:
    printed = json.dumps(SUMMARY.to_dict(), indent=2)
    read = read_summary("a stray warning\n" + printed + "\n")
    assert read is not None and read.to_dict() == SUMMARY.to_dict()
    assert read.errors_by_reason == {"http-404": 1} and read.duration_s == 1.235


def test_no_or_unreadable_output_is_no_summary() -> None:
    for out in ("", "\n", "Traceback (most recent call last):\n", '{"fetched": ', "[1, 2]"):
        assert read_summary(out) is None, out
    assert read_summary('{"fetched": "many"}') is None


def test_figures_hold_the_summary_and_what_the_service_measured() -> None:
    figures = CycleResult(0, 2.0, SUMMARY).figures()
    assert {k: figures[k] for k in SUMMARY.to_dict()} == SUMMARY.to_dict()
    assert figures["exit_code"] == 0 and figures["overhead_s"] == round(2.0 - 1.23456, 3)
    empty = CycleResult(1, 0.5).figures()
    assert "fetched" not in empty and empty["exit_code"] == 1 and empty["overhead_s"] == 0.5
