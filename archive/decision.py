"""What to write for one capture: the archive's rules, decided without a database.

Every capture goes through :func:`decide`: given the tracked URL's state (:class:`URLRow`, one
row read with its current version), the fetch (:class:`~archive.capture.FetchFacts`) and what
the page came to (:data:`~archive.capture.CaptureResult`), it returns a :class:`Plan`: the
capture row, the version it confirms or the new one, the re-keying of a version read by
another extractor, the change with its flags, takedown and restore events, and the tracked
URL's bookkeeping, next check included (:mod:`archive.policy`).  A page whose canonical link
names another tracked article is first routed by :func:`links` and :func:`merge_into`.

A few rules need more than the row (a version already holding a hash, the recent changes for
flapping, the current article for a diff the crawl did not compute): :func:`needs` says which,
and the caller reads them into :class:`Lookups`.  :mod:`archive.record` is that caller: it reads
and writes with prebuilt statements.  Nothing here touches a database, a clock or a file, so the
rules can be tested directly and exist once.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from archive.capture import CaptureResult, Extracted, Failed, FetchFacts, NotModified
from archive.diff import compare
from archive.diff.flapping import is_flapping
from archive.diff.records import ChangeRecord
from archive.enums import CaptureOutcome, EventKind, FailureReason
from archive.errors import InvalidURLError
from archive.extract.article import Article
from archive.policy import Policy, URLState, next_check_at
from archive.urls import is_section_or_home, normalize_url

__all__ = [
    "DETAIL_MAX",
    "FLAPPING_WINDOW",
    "PARAGRAPH_SEPARATOR",
    "TAKEDOWN_REASONS",
    "Bookkeeping",
    "Lookups",
    "Needs",
    "Plan",
    "URLRow",
    "Verdict",
    "canonical_elsewhere",
    "change_values",
    "decide",
    "links",
    "merge_into",
    "needs",
    "version_article",
    "version_text",
]

# Failures that mean the article itself is gone (as opposed to the site being unwell).
TAKEDOWN_REASONS: Final = frozenset(
    {FailureReason.HTTP_404, FailureReason.HTTP_410, FailureReason.REDIRECTED_AWAY}
)
# How many recent transitions are looked at to decide whether a URL flaps between versions.
FLAPPING_WINDOW: Final = 6
PARAGRAPH_SEPARATOR: Final = "\n\n"
DETAIL_MAX: Final = 2000  # characters of a failure's detail kept on its capture
NEW: Final = -1  # the id a version has in the flapping sequence before it is inserted


@dataclass(frozen=True, slots=True)
class URLRow:
    """A tracked URL as the write path reads it, with its current version's hash and extractor."""

    id: int
    url: str
    canonical_url: str | None
    amp_url: str | None
    added_at: datetime
    tags: Sequence[str]
    check_interval_s: int | None
    consecutive_errors: int
    last_changed_at: datetime | None
    etag: str | None
    last_modified: str | None
    last_payload_digest: str | None
    current_version_id: int | None
    taken_down: bool
    flapping: bool
    current_hash: str | None
    current_extractor: str | None


# -- a page's links: its AMP link, and a canonical link naming another article -----------------


@dataclass(frozen=True, slots=True)
class Links:
    """What a page's links change on its tracked URL.

    ``canonical``: the (normalised) canonical link when it names another article than the
    tracked URL: it is stored, and the tracked article it names, if any, is looked up.
    """

    amp_url: str | None
    canonical: str | None


def canonical_elsewhere(url: str, canonical_url: str | None) -> str | None:
    """A page's canonical link, normalised, when it names another article than ``url``.

    None when there is none, when it is not a URL, when it names ``url`` itself, and when it
    names a home or section page (a common misconfiguration, ignored so that it can never merge
    unrelated articles).  ``url`` is a tracked URL, so normalised already: a link spelled as
    ``url`` names it without being normalised again.
    """
    if not canonical_url or canonical_url == url:
        return None
    try:
        canonical = normalize_url(canonical_url)
    except InvalidURLError:
        return None
    if canonical == url or is_section_or_home(url, canonical):
        return None
    return canonical


def links(row: URLRow, result: CaptureResult) -> Links:
    """The AMP link to store and the canonical link to follow (see :class:`Links`)."""
    if not isinstance(result, Extracted):
        return Links(row.amp_url, None)
    article = result.article
    amp_url = row.amp_url
    if article.amp_url:
        with contextlib.suppress(InvalidURLError):
            amp_url = normalize_url(article.amp_url)
    return Links(amp_url, canonical_elsewhere(row.url, article.canonical_url))


def merge_into(row: URLRow, canonical: str, other_id: int, other_url: str) -> bool:
    """Whether ``row`` becomes an alias of the tracked article its canonical link names.

    That article (``other_id``, ``other_url``) is the first tracked, not an alias, whose URL or
    canonical link is ``canonical``.  An article tracked before it (a smaller id) is merged into
    it only when the link names its own URL: an alias points at the article tracked first, or
    at the URL the publisher calls canonical.
    """
    return other_id < row.id or other_url == canonical


def merged_tags(alias: Sequence[str], article: Sequence[str]) -> list[str]:
    """The tags of an article once an alias is merged into it."""
    return sorted(set(article) | set(alias))


def merged_detail(article_url: str) -> str:
    """The detail of a ``merged`` event."""
    return f"same article as {article_url}"


# -- what the decision needs besides the row ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Needs:
    """The reads :func:`decide` needs for a capture besides the row (see :func:`needs`)."""

    clash_hash: str | None = None  # the version holding this hash (a re-keying's target)
    version_hash: str | None = None  # the version holding this hash (a revert's target)
    current_article: bool = False  # the current version's article (a diff to compute)
    recent_changes: bool = False  # the URL's last changes (flapping)


@dataclass(frozen=True, slots=True)
class Lookups:
    """What was read for :class:`Needs`."""

    clash_id: int | None = None  # the version id holding ``Needs.clash_hash``
    known: tuple[int, int] | None = None  # (id, number) of the version with ``version_hash``
    current_article: Article | None = None
    recent_changes: Sequence[tuple[int, int]] = ()  # (from, to) version ids, newest first


NOTHING: Final = Needs()
NO_LOOKUPS: Final = Lookups()


def _reread_target(row: URLRow, result: Extracted) -> Article | None:
    """The re-reading of the current version to re-key it to, if the result brings one.

    Only while the version is still current and still keyed to another (or an unknown)
    extractor: a concurrent capture may have re-keyed or replaced it meanwhile.
    """
    reread = result.reread
    if (
        reread is None
        or reread.version_id != row.current_version_id
        or row.current_extractor == result.extractor
    ):
        return None
    return reread.article


def _hash_to_compare(row: URLRow, result: Extracted) -> str | None:
    """The current version's hash the new article is compared with (its re-reading's, if any).

    When the re-reading cannot be stored (another version has its hash) but equals the new
    article, the publisher changed nothing all the same: the capture confirms the version,
    which keeps its old key, and the next capture reads it again.
    """
    reread = _reread_target(row, result)
    return reread.content_hash if reread is not None else row.current_hash


def _diff_given(row: URLRow, result: Extracted) -> bool:
    """Whether the crawl's diff was computed against the current version (else: compare)."""
    return result.change is not None and result.based_on_version_id == row.current_version_id


def needs(row: URLRow, result: CaptureResult) -> Needs:
    """The reads :func:`decide` needs besides the row for this capture."""
    if not isinstance(result, Extracted):
        return NOTHING
    if row.current_version_id is None:
        return Needs(version_hash=result.content_hash)
    reread = _reread_target(row, result)
    clash = reread.content_hash if reread is not None else None
    if _hash_to_compare(row, result) == result.content_hash:
        return Needs(clash_hash=clash)
    return Needs(
        clash_hash=clash,
        version_hash=result.content_hash,
        current_article=not _diff_given(row, result),
        recent_changes=True,
    )


# -- the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewVersion:
    """A version never seen for this URL (its number is one more than the URL's highest)."""

    article: Article
    content_hash: str
    extractor: str


@dataclass(frozen=True, slots=True)
class Rekey:
    """The current version re-read by this extractor: its fields, hash and extractor replaced."""

    version_id: int
    article: Article
    extractor: str


@dataclass(frozen=True, slots=True)
class NewChange:
    """The change from the current version to the capture's version."""

    from_version_id: int
    record: ChangeRecord
    reverted_to: int | None  # the number of the earlier version returned to
    flapping: bool


@dataclass(frozen=True, slots=True)
class Verdict:
    """The capture row: its outcome, and the version it belongs to.

    ``version_id`` is an existing version (the current one confirmed, or an earlier one
    returned to); ``new_version`` one to insert instead.  Either becomes current on a
    ``new-version`` outcome.  ``rekey`` re-keys the current version first; ``rekey_refused``
    names a version a re-reading could not be stored in (another version has its hash).
    """

    outcome: CaptureOutcome
    reason: FailureReason | None = None
    detail: str | None = None
    version_id: int | None = None
    new_version: NewVersion | None = None
    rekey: Rekey | None = None
    rekey_refused: int | None = None
    change: NewChange | None = None


@dataclass(frozen=True, slots=True)
class Bookkeeping:
    """The tracked URL's columns after the capture.

    ``schedule`` says whether ``next_check_at`` is written (None then means retired).
    """

    consecutive_errors: int
    etag: str | None
    last_modified: str | None
    last_payload_digest: str | None
    last_changed_at: datetime | None
    amp_url: str | None
    canonical_url: str | None
    taken_down: bool
    flapping: bool
    schedule: bool
    next_check_at: datetime | None


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything one capture writes, decided by :func:`decide`.

    ``events`` are (kind, detail) pairs recorded at the capture's time, pointing at it.
    """

    tracked_url_id: int
    verdict: Verdict
    events: tuple[tuple[EventKind, str], ...]
    bookkeeping: Bookkeeping


def _failure(reason: FailureReason, detail: str) -> Verdict:
    return Verdict(CaptureOutcome.ERROR, reason, detail[:DETAIL_MAX] or None)


def _confirm(row: URLRow, outcome: CaptureOutcome) -> Verdict:
    """A capture of the current version (an identical payload, a 304, the same article)."""
    if row.current_version_id is not None:
        return Verdict(outcome, version_id=row.current_version_id)
    if outcome == CaptureOutcome.NOT_MODIFIED:
        return _failure(
            FailureReason.NOT_MODIFIED_WITHOUT_VERSION,
            "304 answered before any version was archived",
        )
    return _failure(FailureReason.INTERNAL, "identical payload but no current version")


def _article(row: URLRow, result: Extracted, found: Lookups) -> Verdict:
    """The capture of an extracted article: the current version confirmed, a new one, a revert."""
    rekey = refused = None
    reread = _reread_target(row, result)
    if reread is not None:
        assert row.current_version_id is not None
        if found.clash_id is None or found.clash_id == row.current_version_id:
            rekey = Rekey(row.current_version_id, reread, result.extractor)
        else:
            refused = row.current_version_id
    content_hash = result.content_hash
    if row.current_version_id is not None and _hash_to_compare(row, result) == content_hash:
        unchanged = _confirm(row, CaptureOutcome.UNCHANGED)
        return replace(unchanged, rekey=rekey, rekey_refused=refused)
    known = found.known
    new = None if known is not None else NewVersion(result.article, content_hash, result.extractor)
    change = None
    if row.current_version_id is not None:
        current_id = row.current_version_id
        record = result.change
        if record is None or not _diff_given(row, result):
            baseline = rekey.article if rekey is not None else found.current_article
            assert baseline is not None, "the current article is read when a diff is needed"
            record = compare(baseline, result.article)
        recent = list(found.recent_changes)[::-1]
        sequence = [recent[0][0] if recent else current_id, *(to for _, to in recent)]
        sequence.append(known[0] if known is not None else NEW)
        change = NewChange(
            current_id,
            record,
            reverted_to=known[1] if known is not None else None,
            flapping=is_flapping(sequence, FLAPPING_WINDOW),
        )
    return Verdict(
        CaptureOutcome.NEW_VERSION,
        version_id=known[0] if known is not None else None,
        new_version=new,
        rekey=rekey,
        rekey_refused=refused,
        change=change,
    )


_RNG: Final = random.Random()  # the jitter of next checks (no need to reproduce it)


def _own_interval(check_interval_s: int | None) -> timedelta | None:
    """A URL's own check interval as the policy takes it (None: none set)."""
    return timedelta(seconds=check_interval_s) if check_interval_s else None


def decide(
    row: URLRow,
    facts: FetchFacts,
    result: CaptureResult,
    found: Lookups = NO_LOOKUPS,
    *,
    amp_url: str | None = None,
    canonical_url: str | None = None,
    policy: Policy | None = None,
    rng: random.Random | None = None,
) -> Plan:
    """What to write for this capture of ``row`` (see the module docstring).

    ``found`` holds what :func:`needs` asked for; ``amp_url`` and ``canonical_url`` the links
    to store (:func:`links`; the row's by default).  With a ``policy`` the next check is
    computed from the URL's state after the capture (``rng`` spreads it); without, it is left
    as it is.
    """
    events: list[tuple[EventKind, str]] = []
    if isinstance(result, Failed):
        done = _failure(result.reason, result.detail)
        if (
            result.reason in TAKEDOWN_REASONS
            and row.current_version_id is not None
            and not row.taken_down
        ):
            events.append((EventKind.TAKEDOWN, f"{result.reason}: {result.detail}"))
    elif isinstance(result, NotModified):
        done = _confirm(row, CaptureOutcome.NOT_MODIFIED)
    elif isinstance(result, Extracted):
        done = _article(row, result, found)
    else:
        done = _confirm(row, CaptureOutcome.UNCHANGED)
    failed = done.outcome == CaptureOutcome.ERROR
    taken_down = row.taken_down or bool(events)
    etag, last_modified, digest = row.etag, row.last_modified, row.last_payload_digest
    if not failed:
        if facts.etag or facts.last_modified or done.outcome != CaptureOutcome.NOT_MODIFIED:
            etag, last_modified = facts.etag, facts.last_modified
        if facts.payload_digest:
            digest = facts.payload_digest
        if row.taken_down:
            taken_down = False
            events.append((EventKind.RESTORED, "the article is served again"))
    errors = row.consecutive_errors + 1 if failed else 0
    changed_at, flapping = row.last_changed_at, row.flapping
    if done.change is not None:
        changed_at, flapping = facts.fetched_at, done.change.flapping
    next_check = None
    if policy is not None:
        state = URLState(
            added_at=row.added_at,
            last_changed_at=changed_at,
            consecutive_errors=errors,
            interval_override=_own_interval(row.check_interval_s),
            tags=tuple(row.tags or ()),
        )
        next_check = next_check_at(state, facts.fetched_at, policy, rng or _RNG)
    bookkeeping = Bookkeeping(
        consecutive_errors=errors,
        etag=etag,
        last_modified=last_modified,
        last_payload_digest=digest,
        last_changed_at=changed_at,
        amp_url=row.amp_url if amp_url is None else amp_url,
        canonical_url=row.canonical_url if canonical_url is None else canonical_url,
        taken_down=taken_down,
        flapping=flapping,
        schedule=policy is not None,
        next_check_at=next_check,
    )
    return Plan(row.id, done, tuple(events), bookkeeping)


# -- how a version stores its article ----------------------------------------------------------


def version_text(article: Article) -> str:
    """A version's ``text`` column: the paragraphs, one blank line apart."""
    return PARAGRAPH_SEPARATOR.join(
        p.replace(PARAGRAPH_SEPARATOR, "\n") for p in article.paragraphs
    )


class StoredArticle(Protocol):
    """The article columns of a version (an ORM ``Version`` or a row)."""

    @property
    def headline(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def byline(self) -> str | None: ...
    @property
    def published_at(self) -> datetime | None: ...
    @property
    def updated_at(self) -> datetime | None: ...
    @property
    def description(self) -> str | None: ...
    @property
    def language(self) -> str | None: ...
    @property
    def canonical_url(self) -> str | None: ...


def version_article(version: StoredArticle) -> Article:
    """The :class:`Article` a stored version holds."""
    return Article(
        headline=version.headline,
        paragraphs=tuple(version.text.split(PARAGRAPH_SEPARATOR)) if version.text else (),
        byline=version.byline,
        published_at=version.published_at,
        updated_at=version.updated_at,
        description=version.description,
        language=version.language,
        canonical_url=version.canonical_url,
    )


def change_values(change: NewChange) -> dict[str, Any]:
    """The columns of a change row that come from its record (edits, summary, flags)."""
    record = change.record
    payload = record.to_json()
    summary = dict(payload.get("summary", {}))
    summary["reverted_to"] = change.reverted_to
    summary["flapping"] = change.flapping
    return {
        "edits": payload.get("edits", []),
        "summary": summary,
        "label": record.label,
        "reverted": change.reverted_to is not None,
        "stealth": record.stealth,
        "flapping": change.flapping,
    }
