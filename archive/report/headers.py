"""Header text from archived content: control characters removed, subjects that say what changed.

Headlines are third-party text and reach the ``Subject``.  ``email.policy.SMTP`` refuses CR
or LF in a header value with ``ValueError``; rather than crash on a hostile headline (or let
a line break smuggle in a ``Bcc:``), every header value built from archived text goes through
:func:`clean_header_text`, which turns control characters and line separators into spaces,
drops invisible formatting characters (bidirectional overrides, zero-width spaces) and cuts
the result to a bounded length.  The subject degrades; it never fails.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from archive.enums import ChangeLabel, EditKind
from archive.report.bounds import head
from archive.report.items import ReportItem

#: A headline in a subject is cut here: long enough to recognise, short enough for two.
SUBJECT_HEADLINE_CHARS = 70
#: Articles named in a digest's subject before "and N more".
SUBJECT_ARTICLES = 2
#: RFC 5322 recommends lines of 78 characters; folding copes, but mail clients cut about here.
MAX_SUBJECT_CHARS = 200

_SPACE_CATEGORIES = {"Cc", "Zl", "Zp", "Zs"}  # controls and separators become a space
_DROP_CATEGORIES = {"Cf", "Cs", "Co", "Cn"}  # format, surrogate, private use, unassigned


def clean_header_text(text: str, limit: int = MAX_SUBJECT_CHARS) -> str:
    """``text`` made safe for a header: one line, no control characters, at most ``limit``.

    >>> clean_header_text("Mayor resigns\\r\\nBcc: evil@example.com")
    'Mayor resigns Bcc: evil@example.com'
    >>> clean_header_text("\\u202eevil\\x00 text\\u200b")
    'evil text'
    """
    chars = []
    for char in text:
        category = unicodedata.category(char)
        if category in _DROP_CATEGORIES:
            continue
        chars.append(" " if category in _SPACE_CATEGORIES else char)
    return head(" ".join("".join(chars).split()), limit)


def subject_for(items: Sequence[ReportItem]) -> str:
    """What happened, in a subject line.

    One article: "Headline rewritten on 'New headline'" or "Major edit to 'Headline'".
    Several: "3 articles changed: headline rewritten on 'A', major edit to 'B' and 1 more".
    """
    if not items:
        return "No changes"
    by_article: dict[int, list[ReportItem]] = {}
    for item in items:
        by_article.setdefault(item.url_id, []).append(item)
    ranked = sorted(by_article.values(), key=_weight, reverse=True)
    if len(ranked) == 1:
        changes = ranked[0]
        text = _phrase(changes)
        text = text[0].upper() + text[1:]
        if len(changes) > 1:
            text += f" ({len(changes)} changes)"
        return clean_header_text(text)
    named = ", ".join(_phrase(changes) for changes in ranked[:SUBJECT_ARTICLES])
    rest = len(ranked) - SUBJECT_ARTICLES
    more = f" and {rest} more" if rest > 0 else ""
    return clean_header_text(f"{len(ranked)} articles changed: {named}{more}")


def _weight(changes: list[ReportItem]) -> tuple[bool, int]:
    """Headline rewrites first, then the biggest label."""
    return (
        any(item.headline_changed for item in changes),
        max(item.record.label.rank for item in changes),
    )


def _phrase(changes: list[ReportItem]) -> str:
    latest = changes[-1]
    headline = clean_header_text(latest.new_headline, SUBJECT_HEADLINE_CHARS) or "(no headline)"
    if any(item.headline_changed for item in changes):
        return f"headline rewritten on '{headline}'"
    kinds = {edit.kind for item in changes for edit in item.record.edits}
    if EditKind.CORRECTION_NOTE in kinds:
        return f"correction on '{headline}'"
    if any(item.reverted for item in changes):
        return f"reverted to an earlier version: '{headline}'"
    label = max((item.record.label for item in changes), key=lambda label: label.rank)
    word = {ChangeLabel.METADATA_ONLY: "metadata change"}.get(label, f"{label.value} edit")
    return f"{word} to '{headline}'"
