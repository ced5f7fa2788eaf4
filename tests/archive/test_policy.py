"""The refetch policy: tiers, overrides, retirement, back-off and jitter (pure, property-tested)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive.config import Config
from archive.errors import ConfigError
from archive.policy import (
    MIN_DELAY,
    SLOWEST,
    STILL_CHANGING,
    TIERS,
    Policy,
    URLState,
    next_check_at,
    parse_tag_intervals,
    tier_interval,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NO_JITTER = Policy(jitter=0.0)
NEVER_RETIRE = timedelta(days=10**6)
seconds = st.floats(min_value=0, max_value=400 * 86400, allow_nan=False)
scales = st.floats(min_value=0.001, max_value=10, allow_nan=False)


def delay(state: URLState, policy: Policy = NO_JITTER, seed: int = 0) -> timedelta | None:
    when = next_check_at(state, NOW, policy, random.Random(seed))
    return None if when is None else when - NOW


def fresh(age: timedelta, **kwargs) -> URLState:
    return URLState(added_at=NOW - age, **kwargs)


@given(seconds, seconds, scales)
def test_tiers_are_monotone(a: float, b: float, scale: float) -> None:
    low, high = sorted((a, b))
    assert tier_interval(timedelta(seconds=low), scale) <= tier_interval(
        timedelta(seconds=high), scale
    )


def test_ladder_minutes_then_hourly_then_daily_then_weekly() -> None:
    assert tier_interval(timedelta(minutes=30)) == timedelta(minutes=10)
    assert tier_interval(timedelta(hours=20)) == timedelta(hours=1)
    assert tier_interval(timedelta(days=5)) == timedelta(days=1)
    assert tier_interval(timedelta(days=20)) == SLOWEST
    assert [every for _, every in TIERS] == sorted(every for _, every in TIERS)


def test_stable_page_is_checked_less_and_less_often() -> None:
    delays = [delay(fresh(timedelta(hours=h))) for h in (0, 2, 4, 30, 72, 24 * 20)]
    assert all(d is not None for d in delays)
    assert delays == sorted(delays)  # type: ignore[type-var]
    assert delays[0] < delays[-1]  # type: ignore[operator]


def test_a_change_moves_the_url_back_to_the_fastest_tier() -> None:
    old = fresh(timedelta(days=10))
    changed = fresh(timedelta(days=10), last_changed_at=NOW)
    assert delay(old) == timedelta(days=1)
    assert delay(changed) == TIERS[0][1]


def test_old_quiet_url_is_retired_but_a_still_changing_one_is_not() -> None:
    policy = Policy(jitter=0.0, max_age=timedelta(days=30))
    assert delay(fresh(timedelta(days=31)), policy) is None
    still_changing = fresh(timedelta(days=31), last_changed_at=NOW - timedelta(days=2))
    assert delay(still_changing, policy) is not None
    young = fresh(timedelta(days=29))
    assert delay(young, policy) is not None
    assert policy.max_age >= STILL_CHANGING


def test_url_override_wins_over_tag_and_tier_and_is_never_retired() -> None:
    policy = Policy(
        jitter=0.0, tag_intervals={"breaking": timedelta(minutes=5), "slow": timedelta(days=2)}
    )
    tagged = fresh(timedelta(days=400), tags=("slow", "breaking"))
    assert delay(tagged, policy) == timedelta(minutes=5)  # the fastest tag wins
    own = fresh(timedelta(days=400), tags=("breaking",), interval_override=timedelta(seconds=10))
    assert delay(own, policy) == timedelta(seconds=10)
    assert delay(fresh(timedelta(days=400), tags=("other",)), policy) is None


@given(st.integers(min_value=0, max_value=10_000), seconds, scales)
def test_error_backoff_grows_and_is_capped(errors: int, age_s: float, scale: float) -> None:
    policy = Policy(jitter=0.0, scale=scale, max_age=NEVER_RETIRE)
    state = fresh(timedelta(seconds=age_s), consecutive_errors=errors)
    base = delay(fresh(timedelta(seconds=age_s)), policy)
    got = delay(state, policy)
    assert got is not None and base is not None
    assert got >= base
    assert got <= max(base, policy.backoff_max * scale, MIN_DELAY)
    more = delay(fresh(timedelta(seconds=age_s), consecutive_errors=errors + 1), policy)
    assert more is not None and more >= got


@given(seconds, st.floats(min_value=0, max_value=0.5), st.integers(0, 2**32))
def test_jitter_is_bounded(age_s: float, jitter: float, seed: int) -> None:
    state = fresh(timedelta(seconds=age_s))
    base = delay(state, Policy(jitter=0.0, max_age=NEVER_RETIRE))
    got = delay(state, Policy(jitter=jitter, max_age=NEVER_RETIRE), seed)
    assert base is not None and got is not None
    assert got >= MIN_DELAY
    assert base * (1 - jitter) - timedelta(microseconds=1) <= got
    assert got <= base * (1 + jitter) + timedelta(microseconds=1)


def test_jitter_spreads_urls_added_together() -> None:
    rng = random.Random(7)
    policy = Policy(jitter=0.1)
    state = fresh(timedelta(hours=1))
    times = {next_check_at(state, NOW, policy, rng) for _ in range(50)}
    assert len(times) == 50


def test_scale_shrinks_the_whole_ladder() -> None:
    policy = Policy(jitter=0.0, scale=0.01)
    assert delay(fresh(timedelta(0)), policy) == timedelta(minutes=10) * 0.01
    assert delay(fresh(timedelta(minutes=10)), policy) == timedelta(hours=1) * 0.01


def test_tag_intervals_are_parsed_and_checked() -> None:
    assert parse_tag_intervals("breaking=5m, opinion=1d") == {
        "breaking": timedelta(minutes=5),
        "opinion": timedelta(days=1),
    }
    assert parse_tag_intervals("") == {}
    with pytest.raises(ConfigError):
        parse_tag_intervals("breaking")
    with pytest.raises(ConfigError):
        parse_tag_intervals("breaking=soon")


def test_policy_from_config_rejects_bad_values() -> None:
    assert Policy.from_config(Config(refetch_tag_intervals="a=10s")).tag_intervals == {
        "a": timedelta(seconds=10)
    }
    with pytest.raises(ConfigError):
        Policy.from_config(Config(refetch_jitter=0.9))
    with pytest.raises(ConfigError):
        Policy.from_config(Config(refetch_time_scale=0))
