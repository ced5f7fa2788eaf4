"""Discovery: the feeds redline polls, and turning their new entries into tracked URLs.

A feed (RSS, Atom, an XML sitemap or a sitemap index; Google News sitemaps included) is polled
every ``feed_poll_interval_s``; failures back off exponentially.  An entry is tracked, with
the feed's tags, when its URL matches the feed's pattern, passes the network guard, is not
dated older than ``feed_max_entry_age_s`` and is not known to the archive yet: a URL that a
user untracked stays untracked.  The network I/O happens outside any transaction; the new
URLs and the feed's bookkeeping are written together in one.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from archive import store
from archive.config import Config
from archive.db import Database
from archive.errors import ConfigError, InvalidURLError, RedlineError, UnknownURLError
from archive.models import Feed
from archive.netguard import check_url, ensure_allowed
from archive.queries import iso
from archive.urls import normalize_url
from scheduler.feedparse import Entry, FeedError, Parsed, parse_feed
from scheduler.fetch import fetch_feed

logger = logging.getLogger(__name__)

# A sitemap index can list thousands of sitemaps (one per day since 2005); the newest few hold
# the new articles.  Undated children count as newest.
MAX_CHILD_SITEMAPS: Final = 10
# Polls of a failing feed back off by doubling, up to 2**6 = 64 intervals (16 h at 15 min).
MAX_FEED_BACKOFF_DOUBLINGS: Final = 6
FEED_JITTER: Final = 0.1  # spread polls of feeds added together


@dataclass
class PollSummary:
    """What one round of feed polling did."""

    polled: int = 0
    new_urls: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"polled": self.polled, "new_urls": self.new_urls, "errors": self.errors}


def feed_dict(feed: Feed) -> dict[str, Any]:
    return {
        "url": feed.url,
        "kind": feed.kind,
        "pattern": feed.pattern,
        "tags": list(feed.tags),
        "active": feed.active,
        "added_at": iso(feed.added_at),
        "last_polled_at": iso(feed.last_polled_at),
        "next_poll_at": iso(feed.next_poll_at),
        "consecutive_errors": feed.consecutive_errors,
        "last_error": feed.last_error,
    }


def add_feed(
    session: Session,
    url: str,
    *,
    now: datetime,
    pattern: str | None = None,
    tags: list[str] | None = None,
    allow_private: bool = False,
) -> tuple[Feed, bool]:
    """Poll ``url`` for new articles; returns the feed and whether it is new.

    Raises:
        ConfigError: the pattern is not a regular expression.
        InvalidURLError, ForbiddenDestinationError: the URL is not one redline may fetch.
    """
    if pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"not a regular expression: {pattern!r}: {exc}") from None
    normalized = normalize_url(url)
    ensure_allowed(normalized, allow_private=allow_private)
    feed = session.scalars(select(Feed).where(Feed.url == normalized)).first()
    clean_tags = sorted({t for t in tags or () if t})
    if feed is not None:
        feed.active = True
        feed.pattern = pattern if pattern is not None else feed.pattern
        feed.tags = sorted(set(feed.tags) | set(clean_tags))
        return feed, False
    feed = Feed(
        url=normalized,
        pattern=pattern or None,
        tags=clean_tags,
        added_at=now,
        active=True,
        next_poll_at=now,
        consecutive_errors=0,
    )
    session.add(feed)
    session.flush()
    return feed, True


def remove_feed(session: Session, url: str) -> str:
    """Stop polling ``url`` (the URLs it found stay tracked)."""
    feed = session.scalars(select(Feed).where(Feed.url == normalize_url(url))).first()
    if feed is None:
        raise UnknownURLError(f"not a feed: {url!r}")
    session.delete(feed)
    return feed.url


def list_feeds(session: Session) -> list[dict[str, Any]]:
    return [feed_dict(f) for f in session.scalars(select(Feed).order_by(Feed.id))]


def _fetch_parsed(config: Config, url: str, etag: str | None, modified: str | None) -> Any:
    response = fetch_feed(
        url,
        allow_private=config.allow_private_networks,
        timeout_s=config.download_timeout_s,
        max_bytes=config.max_body_bytes,
        user_agent=config.user_agent,
        etag=etag,
        last_modified=modified,
    )
    if response.status == 304:
        return response, None
    return response, parse_feed(response.body, response.final_url or url)


def _children(config: Config, index: Parsed) -> list[Entry]:
    """The entries of an index's newest child sitemaps (errors in one child are logged)."""
    floor = datetime.min.replace(tzinfo=UTC)
    newest = sorted(
        index.sitemaps,
        key=lambda e: (e.published_at is None, e.published_at or floor),
        reverse=True,
    )
    entries: list[Entry] = []
    for child in newest[:MAX_CHILD_SITEMAPS]:
        try:
            _, parsed = _fetch_parsed(config, child.url, None, None)
        except RedlineError as exc:
            logger.warning("cannot read child sitemap %s: %s", child.url, exc)
            continue
        if parsed is not None and parsed.kind == "sitemap":
            entries.extend(parsed.entries)
    return entries


def _wanted(config: Config, entry: Entry, pattern: str | None, now: datetime) -> str | None:
    try:
        url = normalize_url(entry.url)
    except InvalidURLError:
        return None
    if pattern and not re.search(pattern, url):
        return None
    max_age = timedelta(seconds=config.feed_max_entry_age_s)
    if entry.published_at is not None and now - entry.published_at > max_age:
        return None
    if check_url(url, allow_private=config.allow_private_networks).blocked:
        return None
    return url


def _next_poll(config: Config, now: datetime, errors: int, rng: random.Random) -> datetime:
    interval = timedelta(seconds=config.feed_poll_interval_s)
    interval *= 1 << min(errors, MAX_FEED_BACKOFF_DOUBLINGS)
    spread: float = rng.uniform(-FEED_JITTER, FEED_JITTER)
    return now + interval * (1 + spread)


def poll_feed(
    config: Config, database: Database, feed_id: int, now: datetime, rng: random.Random
) -> list[str]:
    """Poll one feed now; returns the URLs it added.  Errors are recorded on the feed.

    Raises:
        FeedError, ForbiddenDestinationError: after recording them, for the caller's figures.
    """
    with database.session() as session:
        feed = session.get(Feed, feed_id)
        if feed is None:
            return []
        url, etag, modified, pattern = feed.url, feed.etag, feed.last_modified, feed.pattern
    try:
        response, parsed = _fetch_parsed(config, url, etag, modified)
        entries = list(parsed.entries) if parsed is not None else []
        if parsed is not None and parsed.kind == "sitemap-index":
            entries = _children(config, parsed)
    except RedlineError as exc:
        with database.session() as session:
            feed = session.get(Feed, feed_id)
            if feed is not None:
                feed.consecutive_errors += 1
                feed.last_error = str(exc)[:1000]
                feed.last_polled_at = now
                feed.next_poll_at = _next_poll(config, now, feed.consecutive_errors, rng)
        raise
    added: list[str] = []
    with database.session() as session:
        feed = session.get(Feed, feed_id)
        if feed is None:  # removed while it was being fetched
            return []
        for entry in entries:
            wanted = _wanted(config, entry, pattern, now)
            if wanted and wanted not in added and store.find_tracked(session, wanted) is None:
                store.track(session, wanted, now=now, tags=feed.tags)
                added.append(wanted)
        if parsed is not None:
            feed.kind = "sitemap" if parsed.kind.startswith("sitemap") else parsed.kind
            feed.etag, feed.last_modified = response.etag, response.last_modified
        feed.consecutive_errors = 0
        feed.last_error = None
        feed.last_polled_at = now
        feed.next_poll_at = _next_poll(config, now, 0, rng)
    return added


def poll_due_feeds(
    config: Config,
    database: Database,
    now: datetime,
    *,
    force: bool = False,
    rng: random.Random | None = None,
) -> PollSummary:
    """Poll every active feed whose poll is due (every active feed with ``force``)."""
    generator = rng or random.Random()
    with database.session() as session:
        query = select(Feed.id).where(Feed.active.is_(True)).order_by(Feed.next_poll_at, Feed.id)
        if not force:
            query = query.where(or_(Feed.next_poll_at.is_(None), Feed.next_poll_at <= now))
        feed_ids = list(session.scalars(query))
    summary = PollSummary()
    for feed_id in feed_ids:
        summary.polled += 1
        try:
            summary.new_urls.extend(poll_feed(config, database, feed_id, now, generator))
        except (FeedError, RedlineError) as exc:
            logger.warning("feed poll failed: %s", exc)
            summary.errors.append(str(exc))
    return summary
