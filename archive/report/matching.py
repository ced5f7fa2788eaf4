"""Which recorded changes a subscription is owed: scope, label, headline-only and flapping.

A change is owed to a subscription when it was detected while the subscription was active
(since ``created_at``) and within :data:`OWED_WINDOW`, it lies in the scope, its label is at
least the subscription's ``min_label``, it holds a headline edit if the subscription wants
only those, it is not part of a flapping series (an article swinging between two versions
would otherwise mail on every swing), and no delivery exists for the pair yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from archive import store
from archive.enums import ChangeLabel, EditKind
from archive.models import Change, ChangeKind, Delivery, Subscription, TrackedURL

#: How far back the outbox looks for changes it has not yet matched.  The service matches
#: after every refetch cycle, so this only matters when reports were not run at all for a
#: long time; it bounds the work of each run on an archive with years of changes.
OWED_WINDOW = timedelta(days=30)


def labels_at_least(label: ChangeLabel) -> list[str]:
    """The label values ranked at or above ``label``."""
    return [other.value for other in ChangeLabel if other.rank >= label.rank]


def owed_changes(session: Session, subscription: Subscription, now: datetime) -> list[int]:
    """Ids of the changes owed to ``subscription`` that have no delivery yet, oldest first."""
    since = max(subscription.created_at, now - OWED_WINDOW)
    query = (
        select(Change.id, TrackedURL.tags)
        .join(TrackedURL, TrackedURL.id == Change.tracked_url_id)
        .where(
            Change.detected_at >= since,
            Change.flapping.is_(False),
            Change.label.in_(labels_at_least(ChangeLabel(subscription.min_label))),
            ~exists().where(
                Delivery.subscription_id == subscription.id, Delivery.change_id == Change.id
            ),
        )
        .order_by(Change.id)
    )
    if subscription.only_headline:
        query = query.where(
            Change.id.in_(
                select(ChangeKind.change_id).where(ChangeKind.kind == EditKind.HEADLINE.value)
            )
        )
    if subscription.scope == "url":
        tracked = store.find_tracked(session, subscription.target or "")
        if tracked is None:
            return []
        query = query.where(Change.tracked_url_id == tracked.id)
    elif subscription.scope == "site":
        query = query.where(TrackedURL.site == subscription.target)
    rows = [(int(row[0]), list(row[1] or [])) for row in session.execute(query)]
    if subscription.scope == "tag":
        # Tags are a JSON list; testing membership in Python keeps SQLite and PostgreSQL alike.
        return [change_id for change_id, tags in rows if subscription.target in tags]
    return [change_id for change_id, _ in rows]
