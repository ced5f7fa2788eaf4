"""The years a date reader of the extractor accepts (shared by the readers and tier 0's guard).

Timestamps outside these years are parse accidents (epoch zero, "0001-01-01", typos), not
publication dates.  Fixed bounds rather than "now" keep extraction deterministic.  htmldate's
own bounds (1995-01-01 to today) lie inside them.  This module imports nothing: the crawl
process reads it through :mod:`archive.extract.template`.
"""

from __future__ import annotations

from typing import Final

MIN_YEAR: Final = 1990
MAX_YEAR: Final = 2100


def year_pattern(low: int, high: int) -> bytes:
    """A regular expression (bytes) matching exactly the four-digit numbers ``low`` to
    ``high``."""
    ranges = []
    for decade in range(low // 10, high // 10 + 1):
        first, last = max(low, decade * 10) % 10, min(high, decade * 10 + 9) % 10
        ranges.append(b"%d[%d-%d]" % (decade, first, last))
    return b"(?:" + b"|".join(ranges) + b")"


# The years the readers accept, as a pattern (tier 0's guards).
YEARS_PATTERN: Final = year_pattern(MIN_YEAR, MAX_YEAR)
