"""``compare``: from two ``Article`` versions to one ``ChangeRecord``.

This module composes the others: metadata edits, the headline (reported once even when
extraction also put it at the top of the body), paragraph alignment (``align``), word
diffs (``words``), significance, correction notes and the summary.  It is pure and
deterministic: the same two articles always give an equal record.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from archive.diff.align import Pairing, align
from archive.diff.notes import find_new_notes
from archive.diff.records import ChangeRecord, Edit
from archive.diff.significance import classify, fold
from archive.diff.summary import summarize
from archive.diff.words import Budget, word_diff
from archive.enums import EditKind
from archive.extract.article import Article

# Total time for all word diffs of one comparison, in seconds.  Past it, changed paragraphs
# get "delete all, insert all" diffs: still correct, only less precise.
WORD_DIFF_BUDGET_S = 2.0

# Metadata fields compared as plain values, in the order their edits are listed.
_METADATA_FIELDS = (
    (EditKind.DESCRIPTION, "description"),
    (EditKind.BYLINE, "byline"),
    (EditKind.PUBLISHED, "published_at"),
    (EditKind.UPDATED, "updated_at"),
    (EditKind.CANONICAL_URL, "canonical_url"),
    (EditKind.LANGUAGE, "language"),
)


def compare(
    old: Article,
    new: Article,
    *,
    old_notes: Sequence[str] = (),
    new_notes: Sequence[str] = (),
) -> ChangeRecord:
    """Compare two versions of an article.

    Args:
        old: the earlier version.
        new: the later version.
        old_notes: change notes the extraction side found outside the body of ``old``
            (GOV.UK-style "Corrected the date of the event"), if any.
        new_notes: the same for ``new``; each note not in ``old_notes`` becomes a
            ``correction_note`` edit, as do note paragraphs that appear in the body.

    Returns:
        The edits in reading order (headline, metadata, paragraphs, notes) and their summary.
    """
    budget = Budget(total_s=WORD_DIFF_BUDGET_S)
    edits: list[Edit] = []
    headline = _headline_edit(old, new, budget)
    skip = 0
    if headline is not None:
        edits.append(headline)
        skip = 1 if headline.old_positions else 0
    edits.extend(_metadata_edits(old, new))
    paragraph_edits = _paragraph_edits(old.paragraphs[skip:], new.paragraphs[skip:], skip, budget)
    if headline is not None:
        headline, paragraph_edits = _take_headline_copies(headline, paragraph_edits, old, new)
        edits[0] = headline
    edits.extend(paragraph_edits)
    edits.extend(_note_edits(old, new, paragraph_edits, old_notes, new_notes))
    return ChangeRecord(edits=tuple(edits), summary=summarize(old, new, edits))


def _iso(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _metadata_edits(old: Article, new: Article) -> list[Edit]:
    edits = []
    for kind, name in _METADATA_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            edits.append(Edit(kind, old=_iso(before), new=_iso(after)))
    return edits


def _echoes_headline(article: Article) -> bool:
    """True when extraction repeated the headline as the first paragraph."""
    return bool(
        article.headline
        and article.paragraphs
        and fold(article.paragraphs[0]) == fold(article.headline)
    )


def _headline_edit(old: Article, new: Article, budget: Budget) -> Edit | None:
    """The headline edit; it also covers paragraph 0 when both versions echo the headline."""
    if old.headline == new.headline:
        return None
    words = tuple(word_diff(old.headline, new.headline, budget))
    significance = classify(old.headline, new.headline, words)
    if not (_echoes_headline(old) and _echoes_headline(new)):
        return Edit(
            EditKind.HEADLINE, old.headline, new.headline, words=words, significance=significance
        )
    return Edit(
        EditKind.HEADLINE,
        old.headline,
        new.headline,
        old_positions=(0,),
        new_positions=(0,),
        old_paragraphs=(old.paragraphs[0],),
        new_paragraphs=(new.paragraphs[0],),
        words=words,
        significance=significance,
    )


def _take_headline_copies(
    headline: Edit, paragraph_edits: list[Edit], old: Article, new: Article
) -> tuple[Edit, list[Edit]]:
    """The headline edit with the body copies of the headline that changed with it.

    Extraction drops a copy of the headline near the top of the body (a subtitle, a teaser, a
    breadcrumb, a caption) as an echo of it.  When the headline changes and the copy keeps the
    old wording, the new version no longer recognises it as an echo: the copy reads as an added
    paragraph that no one wrote.  So, with the headline changed, a paragraph added that reads as
    the old headline, a paragraph removed that reads as the new one, and a paragraph changed
    from the old headline to the new one are part of the headline edit (which carries their
    positions, so that ``rebuild`` still replays the body).
    """
    old_key, new_key = fold(old.headline), fold(new.headline)
    if not old_key or not new_key or old_key == new_key:
        return headline, paragraph_edits

    def is_copy(edit: Edit) -> bool:
        olds = [fold(p) for p in edit.old_paragraphs]
        news = [fold(p) for p in edit.new_paragraphs]
        if edit.kind is EditKind.PARAGRAPH_ADDED:
            return news == [old_key]
        if edit.kind is EditKind.PARAGRAPH_REMOVED:
            return olds == [new_key]
        return edit.kind is EditKind.PARAGRAPH_CHANGED and (olds, news) == ([old_key], [new_key])

    copies = [edit for edit in paragraph_edits if is_copy(edit)]
    if not copies:
        return headline, paragraph_edits
    old_positions, new_positions = list(headline.old_positions), list(headline.new_positions)
    old_texts, new_texts = list(headline.old_paragraphs), list(headline.new_paragraphs)
    for copy in copies:
        old_positions += copy.old_positions
        new_positions += copy.new_positions
        old_texts += copy.old_paragraphs
        new_texts += copy.new_paragraphs
    merged = replace(
        headline,
        old_positions=tuple(old_positions),
        new_positions=tuple(new_positions),
        old_paragraphs=tuple(old_texts),
        new_paragraphs=tuple(new_texts),
    )
    return merged, [edit for edit in paragraph_edits if not is_copy(edit)]


def _paragraph_edits(
    old: Sequence[str], new: Sequence[str], offset: int, budget: Budget
) -> list[Edit]:
    """Paragraph edits in reading order; positions shifted by ``offset``."""
    pairings = align(old, new)
    kept = sorted(
        (p.old[-1], p.new[-1])
        for p in pairings
        if p.old and p.new and p.kind is not EditKind.PARAGRAPH_MOVED
    )
    edits = [
        (_reading_key(p, kept), _paragraph_edit(p, old, new, offset, budget))
        for p in pairings
        if p.kind is not None
    ]
    return [edit for _, edit in sorted(edits, key=lambda item: item[0])]


def _reading_key(pairing: Pairing, kept: list[tuple[int, int]]) -> tuple[float, int]:
    """Where a reader of the new version meets this edit (removals where the text was).

    ``kept`` holds the (old, new) positions of paragraphs that stayed in place (unchanged,
    changed, split or merged), sorted; both coordinates increase together, so the last of
    them before a removed paragraph gives its place in the new version.
    """
    if pairing.new:
        return (float(pairing.new[0]), pairing.old[0] if pairing.old else -1)
    k = bisect.bisect_left(kept, (pairing.old[0], -1))
    return ((kept[k - 1][1] if k else -1) + 0.5, pairing.old[0])


def _paragraph_edit(
    pairing: Pairing, old: Sequence[str], new: Sequence[str], offset: int, budget: Budget
) -> Edit:
    assert pairing.kind is not None
    old_texts = tuple(old[i] for i in pairing.old)
    new_texts = tuple(new[j] for j in pairing.new)
    edit = Edit(
        pairing.kind,
        old_positions=tuple(i + offset for i in pairing.old),
        new_positions=tuple(j + offset for j in pairing.new),
        old_paragraphs=old_texts,
        new_paragraphs=new_texts,
    )
    if not (old_texts and new_texts) or old_texts == new_texts:
        return edit
    before, after = " ".join(old_texts), " ".join(new_texts)
    words = tuple(word_diff(before, after, budget))
    return Edit(
        edit.kind,
        old_positions=edit.old_positions,
        new_positions=edit.new_positions,
        old_paragraphs=old_texts,
        new_paragraphs=new_texts,
        words=words,
        significance=classify(before, after, words),
    )


def _note_edits(
    old: Article,
    new: Article,
    paragraph_edits: Sequence[Edit],
    old_notes: Sequence[str],
    new_notes: Sequence[str],
) -> list[Edit]:
    """Correction notes among the paragraphs this change brought, then the given notes."""
    edits = []
    # where the paragraphs this change added or edited are, by text (duplicates in order)
    candidates: dict[str, list[int]] = {}
    for edit in paragraph_edits:
        if edit.kind is not EditKind.PARAGRAPH_MOVED:
            for position, text in zip(edit.new_positions, edit.new_paragraphs, strict=True):
                candidates.setdefault(text.strip(), []).append(position)
    for note in find_new_notes(old.paragraphs, new.paragraphs, among=candidates):
        positions = candidates[note]
        position = positions.pop(0) if len(positions) > 1 else positions[0]
        edits.append(Edit(EditKind.CORRECTION_NOTE, new=note, new_positions=(position,)))
    known = {edit.new for edit in edits}
    before = {note.strip() for note in old_notes}
    for note in dict.fromkeys(n.strip() for n in new_notes):
        if note and note not in before and note not in known:
            edits.append(Edit(EditKind.CORRECTION_NOTE, new=note))
    return edits
