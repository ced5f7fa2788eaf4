"""The test support itself: when skips fail, and waiting for a condition."""

from __future__ import annotations

import pytest

from tests.support import skips_fail, unavailable, wait_until


@pytest.mark.parametrize(
    ("ci", "require", "service", "corpus"),
    [
        ("", "", False, False),
        ("1", "", True, True),
        ("true", "", True, True),
        ("0", "", False, False),
        ("", "1", False, True),
        ("", "no", False, False),
        ("1", "1", True, True),
    ],
)
def test_ci_fails_every_skip_and_the_corpus_switch_only_corpus_ones(
    monkeypatch, ci, require, service, corpus
):
    monkeypatch.setenv("CI", ci)
    monkeypatch.setenv("REDLINE_REQUIRE_SHARED_DATA", require)
    assert skips_fail() is service
    assert skips_fail(corpus=True) is corpus


def test_unavailable_skips_or_fails(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("REDLINE_REQUIRE_SHARED_DATA", "1")
    with pytest.raises(pytest.skip.Exception, match="no redis"):
        unavailable("no redis")
    with pytest.raises(pytest.fail.Exception, match=r"no corpus .*REDLINE_REQUIRE_SHARED_DATA"):
        unavailable("no corpus", corpus=True)
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match=r"no redis \(CI is set"):
        unavailable("no redis")


def test_wait_until_returns_the_value_or_fails():
    calls = iter([0, None, "", "ready"])
    assert wait_until(lambda: next(calls), timeout=5, interval=0) == "ready"
    with pytest.raises(AssertionError, match="never"):
        wait_until(lambda: False, timeout=0.05, interval=0.01, what="never")
    tries = []
    with pytest.raises(AssertionError, match="the log"):
        wait_until(
            lambda: tries.append(1),
            timeout=60,
            give_up=lambda: len(tries) >= 2,
            details=lambda: "the log",
        )
    assert len(tries) == 2  # gave up at once, long before the timeout
