"""The JSON API's response bodies, as pydantic models: they are its OpenAPI schema.

Field names and meanings follow the CLI's ``--json`` output (README, "JSON output"): a
version has the fields of ``redline versions --json``, a capture those of ``redline captures
--json``, a change those of ``redline changes --json`` and a diff is exactly what ``redline diff
--json`` prints.  Times are ISO 8601 with a UTC offset, as there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from archive.enums import ChangeLabel, EditKind, Significance


def _iso(value: datetime) -> str:
    return value.isoformat()


#: A UTC time, written as ``2026-11-01T12:00:00+00:00`` (the CLI's form).
Instant = Annotated[
    datetime,
    PlainSerializer(_iso, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Error(Model):
    """Every error answer: 400, 404, 422 (malformed parameters, with FastAPI's details)."""

    detail: Any = Field(description="What was wrong.")


class Article(Model):
    """A tracked article (merged aliases are folded into the article they name)."""

    id: int
    url: str
    canonical_url: str | None
    site: str
    tags: list[str]
    state: str = Field(description="ok, taken-down, flapping, errors or inactive.")
    headline: str | None = Field(description="The current version's headline.")
    versions: int
    current_version: int | None
    added_at: Instant
    last_checked_at: Instant | None
    last_changed_at: Instant | None


class Event(Model):
    kind: str = Field(description="takedown, restored or merged.")
    at: Instant
    detail: str | None


class ArticleDetail(Article):
    """One article, with its schedule and events."""

    active: bool
    taken_down: bool
    flapping: bool
    consecutive_errors: int
    next_check_at: Instant | None
    check_interval_s: int | None
    changes: int
    events: list[Event]


class Version(Model):
    """One version's metadata (``redline versions --json``)."""

    number: int
    headline: str
    byline: str | None
    published_at: Instant | None
    updated_at: Instant | None
    description: str | None
    language: str | None
    canonical_url: str | None
    content_hash: str
    first_seen_at: Instant
    last_seen_at: Instant


class VersionText(Version):
    """One version with its text (``redline show --json``); paragraphs are separated by a
    blank line."""

    article_id: int
    url: str
    text: str
    memento: str = Field(description="The version's Memento address on this viewer.")


class Capture(Model):
    """One fetch (``redline captures --json``)."""

    id: int
    fetched_at: Instant
    http_status: int | None
    outcome: str
    reason: str | None
    detail: str | None
    version: int | None
    final_url: str | None
    payload_digest: str | None
    warc_file: str | None
    warc_offset: int | None


class Change(Model):
    """One recorded change (``redline changes --json``, with ids and old headline)."""

    id: int
    article_id: int
    url: str
    detected_at: Instant
    from_version: int
    to_version: int
    old_headline: str
    headline: str
    label: ChangeLabel
    kinds: dict[str, int]
    reverted: bool
    stealth: bool
    flapping: bool


class Edit(Model):
    """One edit; fields at their default are left out (see ``archive.diff.records.Edit``)."""

    kind: EditKind
    old: str | None = None
    new: str | None = None
    old_positions: list[int] | None = None
    new_positions: list[int] | None = None
    old_paragraphs: list[str] | None = None
    new_paragraphs: list[str] | None = None
    words: list[tuple[int, str]] | None = Field(
        None, description="Word diff: [op, text] with op -1 deleted, 0 kept, 1 inserted."
    )
    significance: Significance | None = None


class Summary(Model):
    model_config = ConfigDict(frozen=True, extra="allow")

    counts: dict[str, int]
    chars_inserted: int
    chars_deleted: int
    sentences_added: int
    sentences_removed: int
    sentences_changed: int
    label: ChangeLabel
    stealth: bool


class Diff(Model):
    """The change between two versions, exactly as ``redline diff --json`` prints it."""

    url: str
    from_version: int
    to_version: int
    edits: list[Edit]
    summary: Summary


class ArticlePage(Model):
    items: list[Article]
    next: str | None = Field(description="The next page's address (also the Link header).")


class VersionPage(Model):
    items: list[Version]
    next: str | None


class CapturePage(Model):
    items: list[Capture]
    next: str | None


class ChangePage(Model):
    items: list[Change]
    next: str | None
