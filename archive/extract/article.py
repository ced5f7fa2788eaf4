"""The extraction result: one article, as a frozen value object.

``content_hash`` is taken over the normalised article (every field that a reader would call
part of the article), so that the same article served inside different page chrome, or
re-serialised with other entities or whitespace, always hashes the same.  ``amp_url`` is a
link, not content, and is left out of the hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

# Fields that make up the article's identity for versioning, in hashing order.
HASHED_FIELDS = (
    "headline",
    "byline",
    "published_at",
    "updated_at",
    "description",
    "language",
    "canonical_url",
    "paragraphs",
)


@dataclass(frozen=True)
class Article:
    """A normalised article: metadata plus its body as a tuple of paragraphs."""

    headline: str
    paragraphs: tuple[str, ...]
    byline: str | None = None
    published_at: datetime | None = None  # timezone-aware, or None when the page gives none
    updated_at: datetime | None = None
    description: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    amp_url: str | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        """The body as plain text, paragraphs separated by a blank line."""
        return "\n\n".join(self.paragraphs)

    @property
    def content_hash(self) -> str:
        """SHA-256 (hex) over the hashed fields; equal articles hash equal."""
        payload = json.dumps(
            [_jsonable(getattr(self, name)) for name in HASHED_FIELDS],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (timestamps as ISO 8601 strings)."""
        return {k: _jsonable(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        def when(value: Any) -> datetime | None:
            return datetime.fromisoformat(value) if value else None

        return cls(
            headline=data.get("headline") or "",
            paragraphs=tuple(data.get("paragraphs") or ()),
            byline=data.get("byline"),
            published_at=when(data.get("published_at")),
            updated_at=when(data.get("updated_at")),
            description=data.get("description"),
            language=data.get("language"),
            canonical_url=data.get("canonical_url"),
            amp_url=data.get("amp_url"),
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value
