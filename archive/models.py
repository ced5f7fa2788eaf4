"""The archive's tables, as typed SQLAlchemy 2 ORM classes.

One word per concept (see the README's glossary): a ``TrackedURL`` is followed; every fetch of
it is a ``Capture``; each distinct article it served is a ``Version``; each transition between
versions is a ``Change`` (with its kinds indexed in ``ChangeKind``); takedowns, returns and
merges are ``Event``s.  Timestamps are stored as UTC and always come back timezone-aware.

Reverts: a ``Version`` is unique per (tracked URL, content hash) and keeps the number it got
when first seen, so a return to an earlier text is a ``Change`` whose ``to_version`` is an
existing version (``reverted``), not a new version.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime given to the archive: {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class TrackedURL(Base):
    """A URL being followed."""

    __tablename__ = "tracked_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    canonical_url: Mapped[str | None] = mapped_column(String(2048), index=True)
    amp_url: Mapped[str | None] = mapped_column(String(2048), index=True)
    site: Mapped[str] = mapped_column(String(255), index=True)
    added_at: Mapped[datetime]
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    alias_of_id: Mapped[int | None] = mapped_column(ForeignKey("tracked_urls.id"))
    # scheduling
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    check_interval_s: Mapped[int | None] = mapped_column(Integer)  # per-URL override
    consecutive_errors: Mapped[int] = mapped_column(Integer, default=0)
    last_checked_at: Mapped[datetime | None]
    last_changed_at: Mapped[datetime | None] = mapped_column(index=True)
    # conditional GET and the identical-payload shortcut: from the last successful capture
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    last_payload_digest: Mapped[str | None] = mapped_column(String(64))
    # state
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("versions.id", use_alter=True, ondelete="SET NULL")
    )
    taken_down: Mapped[bool] = mapped_column(Boolean, default=False)
    flapping: Mapped[bool] = mapped_column(Boolean, default=False)
    # The current version's headline, kept by the write path (archive.record) so that searching
    # articles reads no versions row
    current_headline: Mapped[str | None] = mapped_column(Text)

    current_version: Mapped[Version | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class Capture(Base):
    """One fetch of a tracked URL; append-only."""

    __tablename__ = "captures"
    __table_args__ = (
        Index("ix_captures_url_time", "tracked_url_id", "fetched_at"),
        Index("ix_captures_version_id", "version_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracked_url_id: Mapped[int] = mapped_column(ForeignKey("tracked_urls.id", ondelete="CASCADE"))
    fetched_at: Mapped[datetime]
    http_status: Mapped[int | None] = mapped_column(Integer)
    final_url: Mapped[str | None] = mapped_column(String(2048))  # None: same as the URL
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    payload_digest: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id", ondelete="SET NULL"))
    warc_file: Mapped[str | None] = mapped_column(String(255))
    warc_offset: Mapped[int | None] = mapped_column(Integer)


class Version(Base):
    """One distinct article served at a tracked URL."""

    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("tracked_url_id", "content_hash", name="uq_versions_url_hash"),
        UniqueConstraint("tracked_url_id", "number", name="uq_versions_url_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracked_url_id: Mapped[int] = mapped_column(ForeignKey("tracked_urls.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    headline: Mapped[str] = mapped_column(Text)
    byline: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(35))
    canonical_url: Mapped[str | None] = mapped_column(String(2048))
    text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    # The extractor that read the stored fields and hash (archive.extract.version); None: one
    # older than the column (unknown).
    extractor_version: Mapped[str | None] = mapped_column(String(64))
    # (the fast path's evidence of this version is kept apart, in FastPathEvidence)
    first_capture_id: Mapped[int | None] = mapped_column(
        ForeignKey("captures.id", use_alter=True, ondelete="SET NULL")
    )
    last_capture_id: Mapped[int | None] = mapped_column(
        ForeignKey("captures.id", use_alter=True, ondelete="SET NULL")
    )
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class FastPathEvidence(Base):
    """What the fast path keeps of a version, once a refetch with other bytes was extracted in
    full: the fingerprint of a page that gave the article and tier 0's page template.

    A narrow table of its own rather than two columns of ``versions``: a versions row holds the
    article's text and already spills to SQLite overflow pages, and writing about 500 bytes into
    it at the learning refetch moved its spill and split its leaf pages (about 1.5 KB a version
    in all); appended here, rows of about 450 bytes fill their pages
    (docs/performance.md, "Where a learning capture's bytes go").
    """

    __tablename__ = "fast_path_evidence"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    # The fast path's fingerprint of a page that gave this article (archive.extract.fastpath).
    fingerprint: Mapped[str | None] = mapped_column(Text)
    # Tier 0 of the fast path: the page template learned for this version, or why none could
    # be (archive.extract.template); NULL until a refetch with other bytes is extracted in full.
    template: Mapped[str | None] = mapped_column(Text)


class Change(Base):
    """A transition from one version to another, with its typed edits."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracked_url_id: Mapped[int] = mapped_column(
        ForeignKey("tracked_urls.id", ondelete="CASCADE"), index=True
    )
    from_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    detected_at: Mapped[datetime] = mapped_column(index=True)
    edits: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    label: Mapped[str] = mapped_column(String(16))
    reverted: Mapped[bool] = mapped_column(Boolean, default=False)
    stealth: Mapped[bool] = mapped_column(Boolean, default=False)
    flapping: Mapped[bool] = mapped_column(Boolean, default=False)

    kinds: Mapped[list[ChangeKind]] = relationship(cascade="all, delete-orphan")


class ChangeKind(Base):
    """Which edit kinds a change holds, for filtering (``redline changes --kind``)."""

    __tablename__ = "change_kinds"

    change_id: Mapped[int] = mapped_column(
        ForeignKey("changes.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)
    count: Mapped[int] = mapped_column(Integer)


class Event(Base):
    """Something that happened to a tracked article besides a new version."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracked_url_id: Mapped[int] = mapped_column(
        ForeignKey("tracked_urls.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    detail: Mapped[str | None] = mapped_column(Text)


class Feed(Base):
    """A discovery source: an RSS or Atom feed, or an XML sitemap."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    kind: Mapped[str | None] = mapped_column(String(16))  # rss / atom / sitemap, once seen
    pattern: Mapped[str | None] = mapped_column(Text)  # only entry URLs matching this regex
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    added_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    next_poll_at: Mapped[datetime | None] = mapped_column(index=True)
    last_polled_at: Mapped[datetime | None]
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    consecutive_errors: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class Subscription(Base):
    """Someone who wants reports of changes in a scope (a URL, a tag, a site, or everything).

    Reports go by email, to a signed webhook or through Apprise (``kind``).
    """

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # the destination: an email address, a webhook URL or an Apprise URL (see ``kind``)
    email: Mapped[str] = mapped_column(String(2048), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="email", server_default="email")
    secret: Mapped[str | None] = mapped_column(String(128))  # a webhook's signing secret
    card: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    scope: Mapped[str] = mapped_column(String(8))  # url / tag / site / all
    target: Mapped[str | None] = mapped_column(String(2048))  # the URL, tag or host
    mode: Mapped[str] = mapped_column(String(16))  # DeliveryMode
    min_label: Mapped[str] = mapped_column(String(16))  # ChangeLabel
    only_headline: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # for unsubscribe links


class Delivery(Base):
    """One report owed to a subscription for a change: the exactly-once bookkeeping."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "change_id", name="uq_deliveries_subscription_change"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    change_id: Mapped[int] = mapped_column(ForeignKey("changes.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), index=True)  # due / sent / failed
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    message_id: Mapped[str | None] = mapped_column(String(255), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)


class ServiceState(Base):
    """Small facts the service keeps between runs (last cycle's figures, heartbeat...)."""

    __tablename__ = "service_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]


class SiteRules(Base):
    """Tier 0's site rules: the holes templates learned on a site's articles taught, for
    deriving the template of another article of the site without a full extraction
    (archive.extract.template_site); one row a host, page layout and template format +
    extractor."""

    __tablename__ = "site_rules"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    # the pages' layout (their scripts' and stylesheets' paths, template_site.layout), or "*":
    # the host's mark once its rules were dropped
    layout: Mapped[str] = mapped_column(String(32), primary_key=True)
    identity: Mapped[str] = mapped_column(String(128), primary_key=True)
    # the rules' JSON; NULL once dropped (a derived decision a full extraction disagreed with)
    rules: Mapped[str | None] = mapped_column(Text)
    learned: Mapped[int] = mapped_column(Integer, default=0)  # templates merged in
    verified: Mapped[int] = mapped_column(Integer, default=0)  # derived decisions verified
    # each rule's verified uses (derived decisions that used it, verified): one digit a rule,
    # in the rules' order (archive.site_rules.trust_of); NULL: none yet
    trust: Mapped[str | None] = mapped_column(Text)
    dropped: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]
