"""The fast path's counters, kept in the ``service_state`` table under ``fast_path``.

A crawl adds what its fast path did when it ends (:func:`add_fast_path_counts`); ``redline
status`` shows the totals.  Keys: ``decisions`` (pages found unchanged by the fast path),
``fallbacks`` (pages it could not vouch for, fully extracted), ``verifications`` (decisions
checked again by a full extraction) and ``disagreements`` (checks whose full extraction found
another article: the fast path would have hidden a change; each is logged).  Tier 0 (the
template checked on raw bytes, :mod:`archive.extract.template`) adds ``tier0_decisions`` (of
the decisions, those it made alone, with no worker), ``tier0_fallbacks`` (pages it left to the
fingerprint check or the full extraction), ``tier0_learned`` and ``tier0_unlearnable``
(templates learned, and versions for which none could be), ``tier0_derived`` (of tier 0's
decisions, those made by a template derived from its site's rules at the version's first
refetch, :mod:`archive.extract.template_site`) and ``site_rules_dropped`` (sites whose rules a
verification found wrong).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from archive.models import FastPathEvidence, ServiceState, TrackedURL

FAST_PATH_KEY: Final = "fast_path"
COUNTERS: Final = (
    "decisions",
    "fallbacks",
    "verifications",
    "disagreements",
    "tier0_decisions",
    "tier0_fallbacks",
    "tier0_learned",
    "tier0_unlearnable",
    "tier0_derived",
    "site_rules_dropped",
)


def add_fast_path_counts(session: Session, now: datetime, **increments: int) -> dict[str, Any]:
    """Add ``increments`` to the stored counters (in the caller's transaction)."""
    row = session.get(ServiceState, FAST_PATH_KEY, with_for_update=True)
    value: dict[str, Any] = dict(row.value) if row is not None else {}
    for name, amount in increments.items():
        value[name] = int(value.get(name, 0)) + amount
    if row is None:
        session.add(ServiceState(key=FAST_PATH_KEY, value=value, updated_at=now))
    else:
        row.value = value
        row.updated_at = now
    return value


def fast_path_counts(session: Session) -> dict[str, int]:
    """The stored counters (zeros before any crawl used the fast path)."""
    row = session.get(ServiceState, FAST_PATH_KEY)
    stored = dict(row.value) if row is not None else {}
    return {name: int(stored.get(name, 0)) for name in COUNTERS}


def forget_fingerprint(session: Session, tracked_url_id: int, version_id: int) -> None:
    """Drop a version's fast-path fingerprint, and its URL's last payload digest and validators,
    so that the URL's next capture is fetched and extracted in full (not answered with a 304,
    nor taken as unchanged for a byte-identical payload)."""
    evidence = session.get(FastPathEvidence, version_id)
    if evidence is not None:
        session.delete(evidence)
    tracked = session.get(TrackedURL, tracked_url_id)
    if tracked is not None:
        tracked.last_payload_digest = None
        tracked.etag = None
        tracked.last_modified = None
