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
