"""The summary of a change: counts, characters, sentences, label and the stealth flag.

This module owns the stealth rule and the arithmetic over edits; thresholds live in
``significance``.  Characters and words are counted over the headline and the body (not the
other metadata): from the word diffs where an edit has one, and whole paragraphs for added and
removed ones.  A paragraph moved without edits inserts and deletes nothing.

**Stealth.** A change is stealth when it touches the headline or the body while the page's
declared update time stays the same.  The declared time is ``updated_at``; a page that
declares neither version's ``updated_at`` is judged on ``published_at`` instead (a page whose
only date is the original one shows no sign of the update).  A page that declares no date at
all cannot be judged, and is never flagged.
"""

from __future__ import annotations

from collections.abc import Sequence

from archive.diff.records import METADATA_KINDS, Edit, Summary
from archive.diff.sentences import SentenceCounts, compare_texts, split_sentences
from archive.diff.significance import changed_words, count_words, label_change
from archive.enums import EditKind
from archive.extract.article import Article

# Edits that carry no text of their own to count (the note's paragraph is counted by the
# paragraph_added edit it came with).
_UNCOUNTED = METADATA_KINDS | {EditKind.CORRECTION_NOTE}


def summarize(old: Article, new: Article, edits: Sequence[Edit]) -> Summary:
    """The ``Summary`` of ``edits``, the edits between ``old`` and ``new``."""
    inserted = deleted = words_changed = 0
    sentences = SentenceCounts()
    counts: dict[EditKind, int] = {}
    for edit in edits:
        counts[edit.kind] = counts.get(edit.kind, 0) + 1
        if edit.kind in _UNCOUNTED:
            continue
        ins, dels, w_ins, w_del = _edit_sizes(edit)
        inserted, deleted, words_changed = inserted + ins, deleted + dels, words_changed + w_ins
        words_changed += w_del
        if edit.kind is not EditKind.HEADLINE:
            sentences = sentences + _edit_sentences(edit)
    body_words = _rough_words(old.paragraphs) + _rough_words(new.paragraphs)
    body_share = words_changed / body_words if body_words else 0.0
    return Summary(
        counts=tuple((kind, counts[kind]) for kind in EditKind if kind in counts),
        chars_inserted=inserted,
        chars_deleted=deleted,
        sentences_added=sentences.added,
        sentences_removed=sentences.removed,
        sentences_changed=sentences.changed,
        label=label_change(edits, body_share),
        stealth=is_stealth(old, new, edits),
    )


def is_stealth(old: Article, new: Article, edits: Sequence[Edit]) -> bool:
    """True when the text or headline changed but the declared update time did not."""
    if all(edit.kind in METADATA_KINDS for edit in edits):
        return False
    if old.updated_at is not None or new.updated_at is not None:
        return old.updated_at == new.updated_at
    return old.published_at is not None and old.published_at == new.published_at


def _edit_sizes(edit: Edit) -> tuple[int, int, int, int]:
    """Characters inserted, deleted; words inserted, deleted."""
    if edit.words:
        ins = sum(len(text) for op, text in edit.words if op > 0)
        dels = sum(len(text) for op, text in edit.words if op < 0)
        w_del, w_ins = changed_words(edit.words)
        return ins, dels, w_ins, w_del
    if edit.kind is EditKind.PARAGRAPH_ADDED:
        text = edit.new_text
        return len(text), 0, count_words(text), 0
    if edit.kind is EditKind.PARAGRAPH_REMOVED:
        text = edit.old_text
        return 0, len(text), 0, count_words(text)
    return 0, 0, 0, 0


def _edit_sentences(edit: Edit) -> SentenceCounts:
    if edit.kind is EditKind.PARAGRAPH_ADDED:
        return SentenceCounts(added=sum(len(split_sentences(p)) for p in edit.new_paragraphs))
    if edit.kind is EditKind.PARAGRAPH_REMOVED:
        return SentenceCounts(removed=sum(len(split_sentences(p)) for p in edit.old_paragraphs))
    if not edit.words:
        return SentenceCounts()
    return compare_texts(" ".join(edit.old_paragraphs), " ".join(edit.new_paragraphs))


def _rough_words(paragraphs: Sequence[str]) -> int:
    """Word count by spaces: close enough for a share, and fast on long articles."""
    return sum(p.count(" ") + 1 for p in paragraphs if p)
