"""Claiming due URLs for crawl workers that run apart from the service.

With a shared queue (``redline enqueue`` and ``redline worker``), the URLs handed to the queue
must not be handed out again while they wait there or are being fetched.  A claim moves each
claimed URL's next check a lease into the future in the same transaction that reads it: the
capture a worker records sets the real next check, and a URL whose worker died before
recording it becomes due again when the lease runs out, so nothing claimed is lost.  On
PostgreSQL the rows are read ``FOR UPDATE SKIP LOCKED``, so two enqueuers running at once
never claim the same URL; SQLite serialises writers anyway.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.models import TrackedURL
from archive.queries import MOST_OVERDUE_FIRST, due_at


def claim_due(
    session: Session, now: datetime, *, lease_s: float, limit: int | None = None
) -> list[int]:
    """Claim the URLs due at ``now`` (most overdue first); return their ids.

    Each claimed URL's next check becomes ``now + lease_s``.  The caller commits.
    """
    query = (
        select(TrackedURL.id)
        .where(*due_at(now))
        .order_by(*MOST_OVERDUE_FIRST)
        .with_for_update(skip_locked=True)
    )
    if limit is not None:
        query = query.limit(limit)
    ids = list(session.scalars(query))
    if ids:
        session.execute(
            update(TrackedURL)
            .where(TrackedURL.id.in_(ids))
            .values(next_check_at=now + timedelta(seconds=lease_s))
        )
    return ids
