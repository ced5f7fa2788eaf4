"""Durations (``30m``, ``10s``, ``2h``, ``7d``) and instants (``2026-11-01``, ``3h`` ago)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from archive.errors import ConfigError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
#: The longest duration accepted: a century (an interval, or how long ago), far beyond any use,
#: and well inside what dates and the database can hold.
MAX_DURATION = timedelta(days=36525)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)


def parse_duration(text: str) -> timedelta:
    """``"30m"`` -> 30 minutes; units s, m, h, d, w.

    Raises:
        ConfigError: not a positive duration with a unit, or longer than :data:`MAX_DURATION`.
    """
    match = _DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise ConfigError(f"not a duration: {text!r} (use a number and s, m, h, d or w: 30m)")
    seconds = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if seconds > MAX_DURATION.total_seconds():
        raise ConfigError(f"duration too long: {text!r} (at most {MAX_DURATION.days} days)")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def parse_instant(text: str, *, now: datetime) -> datetime:
    """An ISO 8601 date or datetime (UTC if no offset), or a duration meaning that long ago."""
    if _DURATION.match(text):
        return now - parse_duration(text)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"not a time: {text!r} (use 2026-11-01, 2026-11-01T08:00Z or 3h)"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
