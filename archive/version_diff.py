"""The change between any two versions of an article, in the JSON shape ``redline diff --json``
prints and the viewer's API serves.

The recorded change is used when the pair is one (it holds the crawl's own summary); any
other pair is compared on the fly.  Both give the same ``{"url", "from_version", "to_version",
"edits", "summary"}`` object, so the command and the API cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from archive import queries
from archive.diff import ChangeRecord, compare
from archive.errors import NotEnoughVersionsError, VersionNotFoundError
from archive.models import TrackedURL, Version
from archive.record import version_article


@dataclass(frozen=True)
class VersionDiff:
    """Two versions of one tracked URL and the change between them."""

    url: str
    old: Version
    new: Version
    record: ChangeRecord
    stored_summary: dict[str, Any] | None  # the recorded change's summary, when there is one

    def to_json(self) -> dict[str, Any]:
        """``{"url", "from_version", "to_version", "edits": [...], "summary": {...}}``."""
        payload: dict[str, Any] = {
            "url": self.url,
            "from_version": self.old.number,
            "to_version": self.new.number,
            **self.record.to_json(),
        }
        if self.stored_summary is not None:
            payload["summary"] = dict(self.stored_summary)
        return payload


def diff_versions(
    session: Session, tracked: TrackedURL, from_: int | None = None, to: int | None = None
) -> VersionDiff:
    """The change from version ``from_`` to ``to`` (defaults: the last two; ``to``: the last).

    Raises:
        NotEnoughVersionsError: a default was asked of an article with fewer than two versions.
        VersionNotFoundError: no version with one of the numbers.
    """
    old, new = pick_pair(tracked.url, queries.versions_of(session, tracked), from_, to)
    stored = queries.change_between(session, tracked, old, new)
    record = (
        ChangeRecord.from_json({"edits": stored.edits, "summary": stored.summary})
        if stored is not None
        else compare(version_article(old), version_article(new))
    )
    return VersionDiff(tracked.url, old, new, record, stored.summary if stored else None)


def pick_pair(
    url: str, all_versions: Sequence[Version], from_: int | None, to: int | None
) -> tuple[Version, Version]:
    """The two versions a diff compares (see :func:`diff_versions`)."""
    by_number: dict[int | None, Version] = {v.number: v for v in all_versions}
    old: Version | None
    new: Version | None
    if len(all_versions) < 2 and (from_ is None or to is None):
        raise NotEnoughVersionsError(
            f"{url!r} has {len(all_versions)} version(s); a diff needs two"
        )
    if from_ is None:
        old, new = all_versions[-2], all_versions[-1]
    elif to is None:
        old, new = by_number.get(from_), all_versions[-1]
    else:
        old, new = by_number.get(from_), by_number.get(to)
    for number, found in ((from_, old), (to, new)):
        if found is None:
            raise VersionNotFoundError(f"{url!r} has no version {number}")
    assert old is not None and new is not None
    return old, new
