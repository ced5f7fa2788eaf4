"""The refetch policy: when to check a tracked URL next.  Pure: no database, no clock, no I/O.

:func:`next_check_at` takes what is known about a URL (:class:`URLState`), the time, the
overrides in force and a random generator, and returns the next check, or ``None`` when the URL
is retired.  The archive's write path applies it to every capture it records
(:mod:`archive.record`), with the :class:`Policy` built from the settings
(:meth:`Policy.from_config`), whatever the entry point.

How the interval is chosen, in order:

1. **Tier.** The reference is the time since the article last changed (since it was first
   tracked, when it never changed).  Articles are edited most while young and a change means
   more may follow, so the interval grows with that reference (:data:`TIERS`).  A detected
   change resets the reference, which moves the URL back to the fastest tier.
2. **Override.** A URL's own interval (``redline track --every``) wins over a tag's
   (``refetch_tag_intervals``); either replaces the tier and keeps the URL from retiring.
3. **Retirement.** A URL older than ``max_age`` that has not changed for :data:`STILL_CHANGING`
   is never checked again (``None``), so the work per pass stays bounded.
4. **Back-off.** After ``n`` consecutive errors the interval is multiplied by ``2**n``, capped.
5. **Jitter.** The delay is spread by up to ``jitter`` of itself either way, so that URLs added
   together (a feed's batch, a site's section) do not hit their site together for ever.

``scale`` multiplies every duration (tiers, age limits, back-off cap, but not explicit
overrides), so that tests and demos can run the whole ladder in seconds.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from archive.durations import parse_duration
from archive.errors import ConfigError

if TYPE_CHECKING:
    from archive.config import Config

__all__ = [
    "DEFAULT_POLICY",
    "STILL_CHANGING",
    "TIERS",
    "Policy",
    "URLState",
    "next_check_at",
    "parse_tag_intervals",
    "tier_interval",
]

HOUR: Final = timedelta(hours=1)
DAY: Final = timedelta(days=1)

# (reference below this, check this often).  Sources and reasons:
# - NewsDiffs rechecks every 15 min while the last change is under 3 h old, hourly under a day,
#   every 3 h under a week, then every few days; most post-publication edits (headline swaps,
#   corrections, updates to a developing story) land in the first hours.  10 minutes in the
#   first 3 h catches a headline A/B swap that NewsDiffs' 15 minutes can miss.
# - "Hourly for the first day or two" (the issue): stories are still updated the next morning.
# - Daily up to two weeks: late corrections and legal takedowns are rare but real.
# - Weekly after that, until retirement.  diffengine's "20% of the age" had no ceiling and no
#   retirement, so a month-old instance spent 8 hours per pass; the fixed top tier and the age
#   limit below keep a pass proportional to the number of *young* articles.
TIERS: Final[tuple[tuple[timedelta, timedelta], ...]] = (
    (timedelta(hours=3), timedelta(minutes=10)),
    (timedelta(hours=48), HOUR),
    (timedelta(days=14), DAY),
)
SLOWEST: Final = timedelta(days=7)  # beyond the last tier
# A URL past max_age keeps being checked while its last change is more recent than this
# ("unless it keeps changing"): a week is one slowest-tier interval.
STILL_CHANGING: Final = timedelta(days=7)
# Exponent cap for the error back-off: 2**10 is beyond any sane cap already, and it keeps the
# arithmetic far from overflow for a URL that failed ten thousand times.
MAX_BACKOFF_DOUBLINGS: Final = 10
# No check is ever scheduled closer than this, whatever the scale and overrides say.
MIN_DELAY: Final = timedelta(seconds=1)
MAX_JITTER: Final = 0.5  # a larger spread would let two checks swap order


@dataclass(frozen=True)
class URLState:
    """What the policy knows about one tracked URL after a capture."""

    added_at: datetime
    last_changed_at: datetime | None = None
    consecutive_errors: int = 0
    interval_override: timedelta | None = None  # the URL's own (``track --every``)
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    """The knobs of the policy, from the settings (``refetch_*``)."""

    scale: float = 1.0
    max_age: timedelta = timedelta(days=30)
    jitter: float = 0.1
    backoff_max: timedelta = DAY
    tag_intervals: Mapping[str, timedelta] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Config) -> Policy:
        if config.refetch_time_scale <= 0:
            raise ConfigError("refetch_time_scale must be positive")
        if not 0 <= config.refetch_jitter <= MAX_JITTER:
            raise ConfigError(f"refetch_jitter must be between 0 and {MAX_JITTER}")
        return cls(
            scale=config.refetch_time_scale,
            max_age=timedelta(seconds=config.refetch_max_age_s),
            jitter=config.refetch_jitter,
            backoff_max=timedelta(seconds=config.refetch_backoff_max_s),
            tag_intervals=parse_tag_intervals(config.refetch_tag_intervals),
        )


DEFAULT_POLICY: Final = Policy()


def parse_tag_intervals(text: str) -> dict[str, timedelta]:
    """``"breaking=5m, opinion=1d"`` -> {"breaking": 5 min, "opinion": 1 day}.

    Raises:
        ConfigError: an item is not ``tag=duration``.
    """
    result: dict[str, timedelta] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        tag, sep, duration = item.partition("=")
        if not sep or not tag.strip():
            raise ConfigError(f"refetch_tag_intervals: not tag=duration: {item!r}")
        result[tag.strip()] = parse_duration(duration)
    return result


def tier_interval(reference: timedelta, scale: float = 1.0) -> timedelta:
    """The tier's interval for a URL whose last change (or tracking) is ``reference`` ago."""
    for below, every in TIERS:
        if reference < below * scale:
            return every * scale
    return SLOWEST * scale


def _override(state: URLState, policy: Policy) -> timedelta | None:
    if state.interval_override is not None:
        return state.interval_override
    tagged = [policy.tag_intervals[t] for t in state.tags if t in policy.tag_intervals]
    return min(tagged) if tagged else None


def next_check_at(
    state: URLState, now: datetime, policy: Policy, rng: random.Random
) -> datetime | None:
    """When to check the URL next, or ``None`` when it is retired (see the module docstring)."""
    override = _override(state, policy)
    reference = now - (state.last_changed_at or state.added_at)
    if override is None:
        age = now - state.added_at
        if age >= policy.max_age * policy.scale and reference >= STILL_CHANGING * policy.scale:
            return None
        interval = tier_interval(max(reference, timedelta(0)), policy.scale)
    else:
        interval = override
    if state.consecutive_errors > 0:
        doubled = interval * (1 << min(state.consecutive_errors, MAX_BACKOFF_DOUBLINGS))
        interval = max(interval, min(doubled, policy.backoff_max * policy.scale))
    spread = min(max(policy.jitter, 0.0), MAX_JITTER)
    delay = interval * (1 + rng.uniform(-spread, spread))
    return now + max(delay, MIN_DELAY)
