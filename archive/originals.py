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
from pathlib import Path
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Capture
from archive.warc import StoredRecord, WarcLocation, read_record

logger = logging.getLogger(__name__)

# Captures tried, oldest first: the first with a digest is its response record, unless its
# WARC file was deleted; a few more find a later copy (a response record of the same payload).
CANDIDATES: Final = 5


def original_record(
    session: Session, warc_dir: Path, tracked_url_id: int, digest: str
) -> StoredRecord | None:
    """The response record holding payload ``digest`` among the URL's captures (headers only).

    The URL's earliest readable capture whose record is a ``response`` with that very
    ``WARC-Payload-Digest``; None when there is none (files deleted, or no such capture), in
    which case the payload must be stored again instead of revisited.
    """
    rows = session.execute(
        select(Capture.warc_file, Capture.warc_offset)
        .where(
            Capture.tracked_url_id == tracked_url_id,
            Capture.payload_digest == digest,
            Capture.warc_file.is_not(None),
            Capture.warc_offset.is_not(None),
        )
        .order_by(Capture.id)
        .limit(CANDIDATES)
    ).all()
    for warc_file, warc_offset in rows:
        assert warc_file is not None and warc_offset is not None  # selected so
        location = WarcLocation(warc_file, warc_offset, 0, digest)
        try:
            stored = read_record(warc_dir, location, payload=False)
        except Exception as exc:  # a missing or damaged file: try the next copy
            logger.debug("cannot read %s:%s: %s", warc_file, warc_offset, exc)
            continue
        if stored.record_type == "response" and stored.payload_digest == digest:
            return stored
    return None
