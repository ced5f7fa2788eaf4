"""The errors redline raises, in one tree.

::

    RedlineError
    ├── ConfigError                 a setting is unknown, malformed, or its file unreadable
    ├── InvalidURLError(ValueError) not a URL redline can track (malformed, not http(s))
    ├── ForbiddenDestinationError   the network guard refused the destination
    ├── UnknownURLError(LookupError) the URL is not tracked
    ├── VersionNotFoundError(LookupError) no such version of a tracked URL
    ├── NotEnoughVersionsError      a diff was asked of an article with fewer than two versions
    ├── SubscriptionError(ValueError) a malformed subscription (address, scope, mode, label)
    ├── UnknownSubscriptionError(LookupError) no subscription matches
    ├── FeedError                   a feed could not be fetched or read
    ├── CrawlInProgressError        another crawl holds this data directory's crawl lock
    ├── ExtractionError             a page gave no article; carries ``reason``
    ├── DatabaseUnavailableError    the archive database cannot be opened or upgraded
    ├── QueueUnavailableError       the Redis server of the crawl queue cannot be reached
    └── DeliveryError               a report could not be delivered

Expected outcomes of a fetch (304, unchanged, 404...) are never exceptions: they are captures
with an outcome and a reason (:mod:`archive.enums`).  The CLI turns any ``RedlineError`` into a
one-line message and a non-zero exit status.
"""

from __future__ import annotations

from archive.enums import FailureReason


class RedlineError(Exception):
    """Base class of every error redline raises on purpose."""


class ConfigError(RedlineError):
    """A setting is unknown or malformed, or the settings file cannot be read."""


class InvalidURLError(RedlineError, ValueError):
    """The text is not an http(s) URL that redline can track."""


class ForbiddenDestinationError(RedlineError):
    """The network guard refused a destination (private, loopback, link-local, multicast)."""


class UnknownURLError(RedlineError, LookupError):
    """The URL is not tracked."""


class VersionNotFoundError(RedlineError, LookupError):
    """The tracked URL has no version with that number."""


class NotEnoughVersionsError(RedlineError):
    """A diff needs two versions and the article has fewer."""


class SubscriptionError(RedlineError, ValueError):
    """A subscription request is malformed: the address, scope, mode or label."""


class UnknownSubscriptionError(RedlineError, LookupError):
    """No subscription matches (the address, scope or token)."""


class FeedError(RedlineError):
    """A feed could not be fetched or read; the message names the feed and the reason."""


class CrawlInProgressError(RedlineError):
    """Another crawl holds the data directory's crawl lock."""


class ExtractionError(RedlineError):
    """A page gave no article; ``reason`` says why, ``detail`` says more."""

    def __init__(self, reason: FailureReason | str, detail: str = "") -> None:
        super().__init__(reason, detail)  # both in args, so the error pickles across processes
        self.reason = FailureReason(reason)
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.reason.value}: {self.detail}" if self.detail else self.reason.value


class DatabaseUnavailableError(RedlineError):
    """The archive database cannot be reached, opened or upgraded."""


class StorageError(RedlineError):
    """The data directory or the WARC files cannot be written."""


class QueueUnavailableError(RedlineError):
    """The Redis server of the shared crawl queue cannot be reached."""


class DeliveryError(RedlineError):
    """A report could not be delivered; ``permanent`` means retrying will not help.

    ``retry_after_s`` is the wait the destination asked for (an HTTP ``Retry-After``), if any.
    """

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after_s = retry_after_s
