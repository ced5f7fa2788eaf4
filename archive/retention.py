"""Which captures keep their raw exchange in WARC (the ``warc_retention`` setting).

With ``all`` every capture's exchange is written: a response record, or a revisit record when
the payload is byte-identical to the last good capture's.  With ``versions`` (the default) the
exchange of a capture that comes to *unchanged* is not written: its row keeps the payload
digest, and the version it confirms keeps the record of the capture that made it.  So the
archive grows with edits, not with fetches.  Everything else keeps its exchange: a capture
that makes a version (a version's first capture always has its record, which re-reading a
version and revisit records rely on), one that makes an event (a restore after a takedown, a
canonical link naming another article), and errors.

The crawl decides before the capture is recorded (the WARC record must exist before the
capture that names it commits), from what the archive holds at that moment:
:func:`keeps_exchange`, which in doubt keeps it.  Only another capture of the same URL
committed between that check and this capture's commit could leave a version without its own
record (a due URL is claimed by one worker; a manual ``redline crawl --url`` run next to them
could); a version's payload then cannot be re-read, as when its WARC file is deleted.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from archive.decision import canonical_elsewhere
from archive.models import TrackedURL, Version

ALL: Final = "all"
VERSIONS: Final = "versions"

_STATE: Final = (
    select(TrackedURL.url, TrackedURL.taken_down, Version.content_hash)
    .join(Version, Version.id == TrackedURL.current_version_id)
    .where(TrackedURL.id == bindparam("url_id"))
)


def keeps_exchange(
    session: Session,
    retention: str,
    tracked_url_id: int,
    content_hash: str | None,
    canonical_url: str | None = None,
) -> bool:
    """Whether a capture judged unchanged by the crawl must still keep its exchange.

    ``content_hash`` is the extracted article's (None for a payload byte-identical to the last
    good capture's, which confirms the current version whatever its hash); ``canonical_url``
    the article's canonical link.  True under ``all``, and under ``versions`` whenever the
    capture may make a version or an event: no current version, another current article, a
    URL taken down (its return is an event), a canonical link naming another article.
    """
    if retention != VERSIONS:
        return True
    row = session.execute(_STATE, {"url_id": tracked_url_id}).first()
    if row is None or row.taken_down:
        return True
    if content_hash is not None and row.content_hash != content_hash:
        return True
    return canonical_elsewhere(row.url, canonical_url) is not None  # the write path's rule
