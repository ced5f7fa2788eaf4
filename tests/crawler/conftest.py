"""Fixtures shared by the crawler's tests."""

from __future__ import annotations

import os

import pytest

from tests.conftest import service_missing


@pytest.fixture
def redis_url() -> str:
    """The test Redis (REDLINE_TEST_REDIS_URL); the test fails, or is skipped, without it."""
    url = os.environ.get("REDLINE_TEST_REDIS_URL")
    if not url:
        service_missing("Redis", "REDLINE_TEST_REDIS_URL")
    return url
