"""When digests are due: the start of the current digest period, pure and time-zone aware.

A digest gathers the changes detected before the latest period boundary: the top of the hour
for hourly digests, ``digest_hour`` o'clock for daily ones, both in the configured time zone.
Being stateless, this survives a service that was down at the boundary: the next run still
finds changes older than the boundary waiting, and sends them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from archive.enums import DeliveryMode
from archive.errors import ConfigError


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``.

    Raises:
        ConfigError: the name is unknown.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"setting digest_timezone: unknown time zone {name!r}") from None


def period_start(mode: DeliveryMode, now: datetime, *, hour: int, tz: ZoneInfo) -> datetime:
    """The latest digest boundary at or before ``now`` (UTC), for ``mode``.

    Immediate reports have no period: their boundary is ``now`` itself.

    >>> from zoneinfo import ZoneInfo
    >>> now = datetime(2026, 3, 5, 6, 30, tzinfo=UTC)
    >>> period_start(DeliveryMode.DAILY, now, hour=7, tz=ZoneInfo("Europe/Paris")).isoformat()
    '2026-03-05T06:00:00+00:00'
    >>> period_start(DeliveryMode.DAILY, now, hour=8, tz=ZoneInfo("Europe/Paris")).isoformat()
    '2026-03-04T07:00:00+00:00'
    >>> period_start(DeliveryMode.HOURLY, now, hour=7, tz=ZoneInfo("UTC")).isoformat()
    '2026-03-05T06:00:00+00:00'
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not 0 <= hour <= 23:
        raise ConfigError(f"setting digest_hour: {hour} is not an hour of the day (0-23)")
    if mode is DeliveryMode.IMMEDIATE:
        return now.astimezone(UTC)
    local = now.astimezone(tz)
    if mode is DeliveryMode.HOURLY:
        start = local.replace(minute=0, second=0, microsecond=0)
        return start.astimezone(UTC)
    start = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if start > local:
        # Go back a calendar day, then rebuild the wall-clock time (DST-safe).
        previous = (local - timedelta(days=1)).date()
        start = datetime(previous.year, previous.month, previous.day, hour, tzinfo=tz)
    return start.astimezone(UTC)
