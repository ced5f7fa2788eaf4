"""What a report is made of, as plain values: the recipient and one item per change.

The outbox reads these from the database; composition takes them and nothing else, so it can
be tested (and previewed) without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from archive.diff.records import ChangeRecord
from archive.enums import DeliveryMode, EditKind


@dataclass(frozen=True)
class Recipient:
    """Who a report goes to, and how to let them stop it."""

    email: str  # the destination: an address, a webhook URL or an Apprise URL
    token: str  # the subscription's unsubscribe token
    mode: DeliveryMode
    scope: str  # url / tag / site / all
    target: str | None = None
    kind: str = "email"  # archive.report.destinations.DestinationKind
    secret: str | None = None  # a webhook's signing secret
    card: bool = False  # attach a diff card to immediate Apprise reports


@dataclass(frozen=True)
class ReportItem:
    """One change of one article, with what a reader needs to recognise and open it."""

    change_id: int
    url_id: int
    url: str
    site: str
    from_version: int
    to_version: int
    old_headline: str
    new_headline: str
    detected_at: datetime
    record: ChangeRecord
    reverted: bool = False
    #: the summary as the archive stored it (what ``redline diff --json`` prints)
    stored_summary: dict[str, Any] | None = None

    @property
    def headline_changed(self) -> bool:
        return self.old_headline != self.new_headline or any(
            edit.kind is EditKind.HEADLINE for edit in self.record.edits
        )


@dataclass(frozen=True)
class Envelope:
    """The message's fixed facts: sender, Message-ID, time and the viewer's address."""

    sender: str
    message_id: str
    date: datetime
    base_url: str
