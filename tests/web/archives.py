"""Archives for the machine-interface tests, written through the real write path.

Each article is tracked with :func:`archive.store.track` and its captures are recorded with
:func:`archive.store.record_capture`, exactly as the crawl records them, so versions, changes,
their kinds, reverts, aliases and takedowns are the real thing.  ``machine_app`` builds a
FastAPI app around the machine-interface routers and the database.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi import FastAPI

from archive.capture import Extracted, Failed, FetchFacts
from archive.db import Database
from archive.enums import FailureReason
from archive.extract.article import Article
from archive.store import record_capture, track

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

# Archived text is hostile: every channel must keep this inert.
HOSTILE = (
    'Minister <script>window.pwned=1</script> "quits" & <img src=x onerror=alert(1)> '
    '</title></feed>]]> <a href=javascript:alert(1)>x</a>; rel="next", <http://evil/>\r\n'
    "Set-Cookie: pwned=1"
)


@dataclass
class Story:
    """One article's rounds: the minutes after T0 each was captured, and what it said."""

    url: str
    tags: list[str] = field(default_factory=list)
    rounds: list[tuple[int, Article]] = field(default_factory=list)


def paragraphs(*texts: str) -> tuple[str, ...]:
    return tuple(t + " " + "More words so that the paragraph is long enough." for t in texts)


def record_story(db: Database, story: Story) -> int:
    """Track the story's URL and record each round as a capture; returns the tracked id."""
    with db.session() as session:
        tracked, _ = track(session, story.url, now=T0, tags=story.tags)
        tracked_id = tracked.id
    for minutes, article in story.rounds:
        at = T0 + timedelta(minutes=minutes)
        with db.session() as session:
            record_capture(
                session,
                FetchFacts(tracked_id, at, http_status=200, payload_digest=f"d{minutes}"),
                Extracted(article),
            )
    return tracked_id


def record_failure(db: Database, tracked_id: int, minutes: int, reason: FailureReason) -> None:
    with db.session() as session:
        record_capture(
            session,
            FetchFacts(tracked_id, T0 + timedelta(minutes=minutes), http_status=404),
            Failed(reason, "gone"),
        )


V1 = Article("Army retakes Palmyra", paragraphs("First.", "Second.", "Third."))
V2 = Article("Palmyra back in army hands", paragraphs("First.", "Second.", "Third."))
V3 = Article(
    "Palmyra back in army hands", paragraphs("First.", "Second, corrected.", "Third.", "Fourth.")
)


def machine_app(db: Database, data_dir: Path | None = None) -> FastAPI:
    """The viewer (``create_app``) over ``db``."""
    from archive.config import load_config
    from archive.web.app import create_app

    config = load_config(environ={}, data_dir=data_dir or Path(tempfile.gettempdir()))
    return create_app(config, database=db)
