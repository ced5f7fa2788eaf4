"""What the tests share besides fixtures: waiting for a condition, and when a missing service or
corpus is a skip and when it is a failure.

**Skips become failures** when ``CI`` is set (any non-empty value): a green CI run must not
hide a suite that did not run.  For the shared corpora (``../shared/data``), setting
``REDLINE_REQUIRE_SHARED_DATA=1`` does the same on its own, so a developer with the data can
make sure the corpus suites ran without requiring every service.  Every test that skips for a
missing service, browser or corpus goes through :func:`unavailable`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import NoReturn, TypeVar

import pytest

ENV_CI = "CI"
ENV_REQUIRE_SHARED_DATA = "REDLINE_REQUIRE_SHARED_DATA"

T = TypeVar("T")


def _set(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in {"", "0", "false", "no", "off"}


def skips_fail(*, corpus: bool = False) -> bool:
    """Whether a missing service (or, with ``corpus``, shared data) must fail, not skip."""
    return _set(ENV_CI) or (corpus and _set(ENV_REQUIRE_SHARED_DATA))


def unavailable(reason: str, *, corpus: bool = False) -> NoReturn:
    """Skip the test with ``reason``, or fail it when :func:`skips_fail` says so."""
    if skips_fail(corpus=corpus):
        switch = f"{ENV_CI} or {ENV_REQUIRE_SHARED_DATA}" if corpus else ENV_CI
        pytest.fail(f"{reason} ({switch} is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def wait_until(
    condition: Callable[[], T],
    timeout: float = 10.0,
    interval: float = 0.05,
    *,
    what: str = "",
    give_up: Callable[[], bool] | None = None,
    details: Callable[[], str] | None = None,
) -> T:
    """Poll ``condition`` until it returns something truthy, and return that.

    Fails the test after ``timeout`` seconds, or as soon as ``give_up()`` is true (a process
    that died will not make the condition true); ``details()`` is added to the message.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline or (give_up is not None and give_up()):
            break
        time.sleep(interval)
    message = f"condition not met within {timeout} s: {what or condition}"
    raise AssertionError(message + (f"\n{details()}" if details is not None else ""))
