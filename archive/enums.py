"""Domain states as ``StrEnum``s whose values are the words shown in the CLI, JSON and docs."""

from __future__ import annotations

from enum import StrEnum


class CaptureOutcome(StrEnum):
    """What one fetch of a tracked URL came to."""

    NEW_VERSION = "new-version"  # the article differs from the current version
    UNCHANGED = "unchanged"  # same payload, or same article inside different chrome
    NOT_MODIFIED = "not-modified"  # the server answered 304 to a conditional request
    ERROR = "error"  # no article: see the capture's reason


class FailureReason(StrEnum):
    """Why a capture is an error."""

    HTTP_404 = "http-404"
    HTTP_410 = "http-410"
    HTTP_4XX = "http-4xx"
    HTTP_5XX = "http-5xx"
    HTTP_OTHER = "http-other"  # a status that is neither success nor a followable redirect
    TIMEOUT = "timeout"
    CONNECTION = "connection-failed"
    DNS = "dns-failed"
    REDIRECT_LOOP = "redirect-loop"
    REDIRECT_REFUSED = "redirect-refused"  # to a scheme other than http(s): file:, ftp:, data:
    REDIRECTED_AWAY = "redirected-away"  # to a home or section page: the article is gone
    NOT_HTML = "not-html"
    TOO_LARGE = "too-large"
    BAD_ENCODING = "bad-encoding"
    EMPTY_EXTRACTION = "empty-extraction"
    CONSENT_WALL = "consent-wall"  # a consent overlay and no article outside it
    PAYWALL = "paywall"  # a paywall or registration prompt over a truncated body
    SOFT_404 = "soft-404"  # an error page served with a success status
    BLOCKED_DESTINATION = "blocked-destination"
    URL_TOO_LONG = "url-too-long"  # longer than redline stores (archive.urls.MAX_URL_CHARS)
    ROBOTS_DISALLOWED = "robots-disallowed"
    NOT_MODIFIED_WITHOUT_VERSION = "not-modified-without-version"
    INTERNAL = "internal-error"


class EventKind(StrEnum):
    """Things that happen to a tracked article besides new versions."""

    TAKEDOWN = "takedown"  # a good article started answering 404/410 or redirecting away
    RESTORED = "restored"  # after a takedown, the article is served again
    MERGED = "merged"  # the URL turned out to be another tracked article (canonical link)


class EditKind(StrEnum):
    """The kinds of edit a change record holds."""

    HEADLINE = "headline"
    DESCRIPTION = "description"
    BYLINE = "byline"
    PUBLISHED = "published"
    UPDATED = "updated"
    CANONICAL_URL = "canonical_url"
    LANGUAGE = "language"
    PARAGRAPH_ADDED = "paragraph_added"
    PARAGRAPH_REMOVED = "paragraph_removed"
    PARAGRAPH_CHANGED = "paragraph_changed"
    PARAGRAPH_MOVED = "paragraph_moved"
    PARAGRAPH_SPLIT = "paragraph_split"
    PARAGRAPH_MERGED = "paragraph_merged"
    CORRECTION_NOTE = "correction_note"


class Significance(StrEnum):
    """How much a changed paragraph changed."""

    TRIVIAL = "trivial"
    MINOR = "minor"
    MAJOR = "major"


class ChangeLabel(StrEnum):
    """One word for a whole change, ordered from least to most."""

    METADATA_ONLY = "metadata-only"
    TRIVIAL = "trivial"
    MINOR = "minor"
    MAJOR = "major"

    @property
    def rank(self) -> int:
        return list(ChangeLabel).index(self)


class DeliveryMode(StrEnum):
    IMMEDIATE = "immediate"
    HOURLY = "hourly"
    DAILY = "daily"
