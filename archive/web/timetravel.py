"""Memento (RFC 7089) times and choices, pure: no database, no HTTP.

A tracked article's mementos are its versions.  A version's memento datetime is the second
it was first archived (``first_seen_at``, truncated to the second because HTTP dates and the
14-digit ``YYYYMMDDhhmmss`` stamps in memento URLs have no finer unit).  Two versions first
seen within the same second would share a stamp, and one memento URL would name two
versions; :func:`memento_times` therefore moves a later one forward to the next free second,
so every version has its own stamp and a stamp always equals its memento's datetime.

The TimeGate answers with the memento that was live at the requested time: the latest one
at or before it, the first one for a time before the first, the latest when no time is asked.
An article that went back to an earlier text (a revert) was live with that earlier version
again; :func:`live_at` takes those returns into account when they are given.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

STAMP_FORMAT = "%Y%m%d%H%M%S"


class BadDatetime(ValueError):
    """An ``Accept-Datetime`` header or a memento stamp that cannot be read."""


@dataclass(frozen=True)
class Memento:
    """One version as a memento: its number and its memento datetime (whole seconds, UTC)."""

    number: int
    at: datetime

    @property
    def stamp(self) -> str:
        """The 14-digit stamp of its memento URL."""
        return stamp(self.at)


def memento_times(versions: Sequence[tuple[int, datetime]]) -> list[Memento]:
    """Mementos for ``(number, first_seen_at)`` pairs, oldest first, with distinct seconds.

    >>> t = datetime(2026, 11, 1, 12, 0, 0, 500, tzinfo=UTC)
    >>> [m.stamp for m in memento_times([(1, t), (2, t), (3, t + timedelta(minutes=1))])]
    ['20261101120000', '20261101120001', '20261101120100']
    """
    mementos: list[Memento] = []
    for number, first_seen in sorted(versions, key=lambda v: (v[1], v[0])):
        at = first_seen.astimezone(UTC).replace(microsecond=0)
        if mementos and at <= mementos[-1].at:
            at = mementos[-1].at + timedelta(seconds=1)
        mementos.append(Memento(number, at))
    return mementos


def live_at(
    mementos: Sequence[Memento],
    when: datetime | None,
    returns: Sequence[tuple[datetime, int]] = (),
) -> Memento:
    """The memento live at ``when`` (the latest for None; the first before the first).

    ``returns`` are ``(detected_at, version number)`` pairs of changes back to an existing
    version (reverts): from then on that version was live again, until the next memento or
    return.  Raises ``ValueError`` for no mementos.
    """
    if not mementos:
        raise ValueError("no mementos")
    by_number = {m.number: m for m in mementos}
    events = sorted(
        [(m.at, 0, m.number) for m in mementos]
        + [(at.astimezone(UTC).replace(microsecond=0), 1, n) for at, n in returns if n in by_number]
    )
    if when is None:
        return by_number[events[-1][2]]
    when = when.astimezone(UTC)
    index = bisect.bisect_right([e[0] for e in events], when)
    if index == 0:
        return mementos[0]
    return by_number[events[index - 1][2]]


def neighbours(mementos: Sequence[Memento], chosen: Memento) -> dict[str, Memento]:
    """``first``, ``prev``, ``next`` and ``last`` of ``chosen`` (prev/next only when they exist)."""
    index = mementos.index(chosen)
    found = {"first": mementos[0], "last": mementos[-1]}
    if index > 0:
        found["prev"] = mementos[index - 1]
    if index + 1 < len(mementos):
        found["next"] = mementos[index + 1]
    return found


def stamp(at: datetime) -> str:
    """``YYYYMMDDhhmmss`` in UTC."""
    return at.astimezone(UTC).strftime(STAMP_FORMAT)


def parse_stamp(text: str) -> datetime:
    """The UTC datetime of a 14-digit stamp; raises :class:`BadDatetime` for anything else."""
    if len(text) != 14 or not text.isascii() or not text.isdigit():
        raise BadDatetime(f"not a 14-digit YYYYMMDDhhmmss stamp: {text[:40]!r}")
    try:
        return datetime.strptime(text, STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise BadDatetime(f"not a valid date: {text!r}") from None


def http_date(at: datetime) -> str:
    """RFC 1123 form in GMT: ``Sun, 01 Nov 2026 12:00:00 GMT``."""
    return format_datetime(at.astimezone(UTC).replace(microsecond=0), usegmt=True)


def parse_http_date(text: str) -> datetime:
    """An ``Accept-Datetime`` value (RFC 1123, in GMT) as a UTC datetime.

    RFC 7089 asks for RFC 1123 dates in GMT; other zones, other forms and impossible dates
    raise :class:`BadDatetime`.

    >>> parse_http_date("Sun, 01 Nov 2026 12:00:00 GMT").isoformat()
    '2026-11-01T12:00:00+00:00'
    """
    value = text.strip()
    if not value.endswith(" GMT") or not value.isascii() or len(value) > 64:
        raise BadDatetime(f"not an RFC 1123 date in GMT: {text[:64]!r}")
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise BadDatetime(f"not an RFC 1123 date: {text[:64]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
