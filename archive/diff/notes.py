"""Correction and editor's notes: recognising them in paragraphs.

This module owns the patterns.  It must not decide which notes are new: ``compare`` passes it
the paragraphs that a change added or edited, plus any note texts the extraction side found
elsewhere on the page (GOV.UK-style change notes such as "Corrected the date of the event").

A paragraph is a note when it *opens* like one ("Correction:", "Editor's note:",
"Clarification:", "Update:", "An earlier version of this article ...") or when it states the
update in the words newsrooms use ("This article has been updated to ...", "... was amended
on ... to correct ...").  Patterns are anchored so that a story *about* a correction to,
say, a government figure is not mistaken for the newsroom's own note.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Container, Iterable

# Openers: a label followed by a colon or dash, at the start of the paragraph.
_LABEL_RE = re.compile(
    r"^\s*[*(\[]?\s*(?:corrections?|clarifications?|editor[’']?s[’']?\s+note|"
    r"update[sd]?|updated|note\s+to\s+readers|amendment|retraction)"
    # an optional date in brackets: "Update (20 January 2020):", the form extraction gives
    # the entries of a page's change history (``archive.extract.history``)
    r"(?:\s*\([^()]{1,40}\))?\s*[:\-–—]",
    re.IGNORECASE,
)

# Statements about this very piece, anywhere in a short paragraph.
_STATEMENT_RE = re.compile(
    r"\b(?:an?\s+(?:earlier|previous|prior)\s+version\s+of\s+this\s+"
    r"(?:article|story|report|piece|post)|"
    r"this\s+(?:article|story|report|piece|post)\s+(?:has\s+been|was)\s+"
    r"(?:updated|corrected|amended|changed|edited)|"
    r"(?:article|story|report|piece|post)\s+was\s+amended\s+on\b)",
    re.IGNORECASE,
)

# A note is short: longer paragraphs that merely contain the words are news text.
MAX_NOTE_CHARS = 600


def is_note(text: str) -> bool:
    """True when ``text`` reads as a correction, clarification, update or editor's note.

    >>> is_note("Correction: an earlier version of this article misstated the date.")
    True
    >>> is_note("The ministry issued a correction to its figures on Monday.")
    False
    """
    if len(text) > MAX_NOTE_CHARS:
        return False
    return bool(_LABEL_RE.search(text) or _STATEMENT_RE.search(text))


def find_new_notes(
    old_texts: Iterable[str], new_texts: Iterable[str], *, among: Container[str] | None = None
) -> list[str]:
    """Notes that ``new_texts`` holds more often than ``old_texts``, in order.

    Counted, not merely compared: a page whose history gains a second "Added translation"
    has one new note.  With ``among``, only notes whose (stripped) text is in it are returned.

    >>> find_new_notes(["Update: one."], ["Update: one.", "Update: one."])
    ['Update: one.']
    """
    left = Counter(text.strip() for text in old_texts)
    found = []
    for text in new_texts:
        key = text.strip()
        if not key:
            continue
        if left[key] > 0:
            left[key] -= 1
        elif is_note(key) and (among is None or key in among):
            found.append(key)
    return found
