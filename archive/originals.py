"""The record that holds a payload: what a WARC ``revisit`` record refers to.

A revisit stores no payload; a replay tool (pywb, for one) finds the payload by the revisit's
``WARC-Refers-To-Target-URI`` and ``WARC-Refers-To-Date`` (and ``WARC-Refers-To``, the record's
id), and checks that the record found has the same payload digest.  Those must therefore be the
fields of the response record that really holds the bytes, which after a redirect to a new slug
is not under the URL being fetched now.  The database knows where each capture's record is
(``captures.warc_file`` / ``warc_offset``); the record itself gives its URI, date and id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from archive.models import Capture
from archive.warc import WarcLocation, read_warc_fields

logger = logging.getLogger(__name__)

# Captures tried, oldest first: the first with a digest is its response record, unless its
# WARC file was deleted; a few more find a later copy (a response record of the same payload).
CANDIDATES: Final = 5


# Built once: the statement is on the path of every unchanged page (the crawl's commonest).
_CANDIDATES: Final = (
    select(Capture.warc_file, Capture.warc_offset)
    .where(
        Capture.tracked_url_id == bindparam("url_id"),
        Capture.payload_digest == bindparam("digest"),
        Capture.warc_file.is_not(None),
        Capture.warc_offset.is_not(None),
    )
    .order_by(Capture.fetched_at, Capture.id)  # the (tracked URL, time) index's order
    .limit(CANDIDATES)
)


@dataclass(frozen=True)
class Original:
    """What a revisit record says of the response record holding its payload."""

    target_uri: str  # WARC-Target-URI
    date: str  # WARC-Date, as written
    record_id: str  # WARC-Record-ID


def original_record(
    session: Session, warc_dir: Path, tracked_url_id: int, digest: str
) -> Original | None:
    """The response record holding payload ``digest`` among the URL's captures.

    The URL's earliest readable capture whose record is a ``response`` with that very
    ``WARC-Payload-Digest``; None when there is none (files deleted, or no such capture), in
    which case the payload must be stored again instead of revisited.
    """
    rows = session.execute(_CANDIDATES, {"url_id": tracked_url_id, "digest": digest}).all()
    for warc_file, warc_offset in rows:
        assert warc_file is not None and warc_offset is not None  # selected so
        try:
            fields = read_warc_fields(warc_dir, WarcLocation(warc_file, warc_offset, 0, digest))
        except (OSError, ValueError) as exc:  # a missing or damaged file: try the next copy
            logger.debug("cannot read %s:%s: %s", warc_file, warc_offset, exc)
            continue
        if fields.get("warc-type") == "response" and fields.get("warc-payload-digest") == digest:
            uri, date, record_id = (
                fields.get(name) for name in ("warc-target-uri", "warc-date", "warc-record-id")
            )
            if uri and date and record_id:
                return Original(uri, date, record_id)
    return None
