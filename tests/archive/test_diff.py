"""Unit tests for ``compare``: one test per edit kind, plus the combinations the issue names."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from archive.diff import ChangeRecord, compare, rebuild
from archive.enums import ChangeLabel, EditKind, Significance
from archive.extract.article import Article

PUBLISHED = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
UPDATED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

BODY = (
    "The city council voted on Monday to close the old library on Elm Street by the end of "
    "the year, citing repair costs of more than two million pounds.",
    "Councillor Jane Smith, who proposed the motion, said the building was no longer safe "
    "for staff or visitors and that a new library would open in the town centre.",
    "Campaigners gathered outside the town hall before the vote, holding banners and "
    "reading aloud from children's books to make their case.",
    "A spokesperson for the Friends of Elm Street Library said the group would consider a "
    "legal challenge and urged residents to write to their MP.",
    "The council will publish a consultation on the future of the site next month, with "
    "proposals expected to include housing and a community garden.",
)

ARTICLE = Article(
    headline="Council votes to close Elm Street library",
    paragraphs=BODY,
    byline="By Sam Jones",
    published_at=PUBLISHED,
    updated_at=UPDATED,
    description="The library will close by the end of the year.",
    language="en",
    canonical_url="https://news.example/library",
)


def body(*paragraphs: str) -> Article:
    return replace(ARTICLE, paragraphs=tuple(paragraphs))


def only(record: ChangeRecord, kind: EditKind):
    found = [edit for edit in record.edits if edit.kind is kind]
    assert len(found) == 1, record.kinds()
    return found[0]


def check_rebuild(old: Article, new: Article) -> ChangeRecord:
    record = compare(old, new)
    assert rebuild(old.paragraphs, record.edits) == list(new.paragraphs)
    return record


def test_identical_articles_give_an_empty_record():
    record = compare(ARTICLE, ARTICLE)
    assert record.is_empty
    assert record.label is ChangeLabel.METADATA_ONLY
    assert record.to_json()["edits"] == []


def test_headline_changed():
    new = replace(ARTICLE, headline="Council votes to shut Elm Street library for good")
    record = check_rebuild(ARTICLE, new)
    edit = only(record, EditKind.HEADLINE)
    assert (edit.old, edit.new) == (ARTICLE.headline, new.headline)
    assert (-1, "close") in edit.words and (1, "shut") in edit.words
    assert record.kinds() == {"headline": 1}
    assert record.label is not ChangeLabel.METADATA_ONLY


def test_headline_echoed_at_top_of_body_is_reported_once_as_headline():
    old = replace(ARTICLE, paragraphs=(ARTICLE.headline, *BODY))
    headline = "Council votes to shut library"
    new = replace(ARTICLE, headline=headline, paragraphs=(headline, *BODY))
    record = check_rebuild(old, new)
    assert record.kinds() == {"headline": 1}
    assert only(record, EditKind.HEADLINE).new_positions == (0,)


@pytest.mark.parametrize("where", [0, 1, 3])
def test_a_copy_keeping_the_old_headline_is_part_of_the_headline_edit(where):
    """Extraction drops the headline's echo (a subtitle, teaser, breadcrumb or caption
    repeating it) from the old version; once the headline changes, the copy still reads as the
    old headline and is left in the new body.  It is not a paragraph someone added."""
    headline = "Council votes to shut Elm Street library for good"
    paragraphs = list(BODY)
    paragraphs.insert(where, ARTICLE.headline)
    new = replace(ARTICLE, headline=headline, paragraphs=tuple(paragraphs))
    record = check_rebuild(ARTICLE, new)
    assert record.kinds() == {"headline": 1}
    edit = only(record, EditKind.HEADLINE)
    assert (edit.old, edit.new) == (ARTICLE.headline, headline)
    assert (edit.new_positions, edit.new_paragraphs) == ((where,), (ARTICLE.headline,))
    # the mirror: the old page had a teaser that the new headline now repeats
    back = check_rebuild(new, ARTICLE)
    assert back.kinds() == {"headline": 1}


def test_a_copy_of_the_headline_changed_with_it_is_part_of_the_headline_edit():
    headline = "Council votes to shut Elm Street library for good"
    old = body(BODY[0], ARTICLE.headline, *BODY[1:])
    new = replace(ARTICLE, headline=headline, paragraphs=(BODY[0], headline, *BODY[1:]))
    assert check_rebuild(old, new).kinds() == {"headline": 1}


def test_twin_a_paragraph_added_beside_a_stale_headline_copy_is_still_added():
    headline = "Council votes to shut Elm Street library for good"
    added = "The decision was taken by nine votes to four after a three-hour debate."
    new = replace(ARTICLE, headline=headline, paragraphs=(ARTICLE.headline, added, *BODY))
    record = check_rebuild(ARTICLE, new)
    assert record.kinds() == {"headline": 1, "paragraph_added": 1}
    assert only(record, EditKind.PARAGRAPH_ADDED).new_paragraphs == (added,)
    # without a headline edit, the same paragraph is a paragraph like any other
    same = replace(ARTICLE, paragraphs=(ARTICLE.headline, *BODY))
    assert check_rebuild(ARTICLE, same).kinds() == {"paragraph_added": 1}


def test_updated_timestamp_changed_is_metadata_only():
    new = replace(ARTICLE, updated_at=datetime(2024, 5, 2, 8, 30, tzinfo=UTC))
    record = check_rebuild(ARTICLE, new)
    edit = only(record, EditKind.UPDATED)
    assert (edit.old, edit.new) == (UPDATED.isoformat(), "2024-05-02T08:30:00+00:00")
    assert record.label is ChangeLabel.METADATA_ONLY
    assert not record.stealth


def test_byline_changed():
    new = replace(ARTICLE, byline="By Sam Jones and Priya Patel")
    record = check_rebuild(ARTICLE, new)
    edit = only(record, EditKind.BYLINE)
    assert (edit.old, edit.new) == ("By Sam Jones", "By Sam Jones and Priya Patel")
    assert record.label is ChangeLabel.METADATA_ONLY


@pytest.mark.parametrize(
    ("field", "kind", "value"),
    [
        ("description", EditKind.DESCRIPTION, "It closes in December."),
        ("published_at", EditKind.PUBLISHED, datetime(2024, 4, 30, tzinfo=UTC)),
        ("canonical_url", EditKind.CANONICAL_URL, "https://news.example/elm-library"),
        ("language", EditKind.LANGUAGE, "en-GB"),
        ("byline", EditKind.BYLINE, None),
    ],
)
def test_each_metadata_field_gives_its_own_edit(field, kind, value):
    record = check_rebuild(ARTICLE, replace(ARTICLE, **{field: value}))
    assert record.kinds() == {kind.value: 1}
    assert record.label is ChangeLabel.METADATA_ONLY


def test_one_paragraph_added_does_not_cascade():
    added = "Police were called to the meeting after a scuffle broke out in the public gallery."
    new = body(*BODY[:2], added, *BODY[2:])
    record = check_rebuild(ARTICLE, new)
    assert record.kinds() == {"paragraph_added": 1}
    edit = only(record, EditKind.PARAGRAPH_ADDED)
    assert (edit.old_positions, edit.new_positions, edit.new_paragraphs) == ((), (2,), (added,))
    assert record.summary.chars_inserted == len(added)
    assert record.summary.sentences_added == 1


def test_one_paragraph_removed():
    record = check_rebuild(ARTICLE, body(*BODY[:1], *BODY[2:]))
    assert record.kinds() == {"paragraph_removed": 1}
    edit = only(record, EditKind.PARAGRAPH_REMOVED)
    assert (edit.old_positions, edit.old_paragraphs) == ((1,), (BODY[1],))
    assert record.summary.chars_deleted == len(BODY[1])
    assert record.summary.sentences_removed == 1


def test_one_paragraph_changed_by_a_word_is_minor():
    changed = BODY[0].replace("two million", "three million")
    record = check_rebuild(ARTICLE, body(changed, *BODY[1:]))
    edit = only(record, EditKind.PARAGRAPH_CHANGED)
    assert edit.significance is Significance.MINOR
    assert (edit.old_positions, edit.new_positions) == ((0,), (0,))
    assert [op for op in edit.words if op[0] != 0] == [(-1, "two"), (1, "three")]
    assert record.label is ChangeLabel.MINOR
    assert record.summary.sentences_changed == 1
    assert (record.summary.chars_deleted, record.summary.chars_inserted) == (3, 5)


def test_a_rewritten_paragraph_is_major():
    rewritten = (
        "Councillor Jane Smith, who proposed the motion, later withdrew it after officers "
        "admitted the repair estimate had been doubled by mistake."
    )
    record = check_rebuild(ARTICLE, body(BODY[0], rewritten, *BODY[2:]))
    assert only(record, EditKind.PARAGRAPH_CHANGED).significance is Significance.MAJOR
    assert record.label is ChangeLabel.MAJOR


@pytest.mark.parametrize(
    "variant",
    [
        BODY[2].upper(),
        BODY[2].replace(",", ";"),
        BODY[2].replace("banners", "banners "),
        BODY[2].replace("'", "’"),
    ],
)
def test_whitespace_punctuation_case_or_quote_changes_are_trivial(variant):
    assert variant != BODY[2]
    record = check_rebuild(ARTICLE, body(*BODY[:2], variant, *BODY[3:]))
    assert only(record, EditKind.PARAGRAPH_CHANGED).significance is Significance.TRIVIAL
    assert record.label is ChangeLabel.TRIVIAL


def test_quote_style_change_is_trivial():
    old = body(*BODY[:2], "‘We will fight this,’ she said.")
    new = body(*BODY[:2], '"We will fight this," she said.')
    record = check_rebuild(old, new)
    assert record.label is ChangeLabel.TRIVIAL


def test_one_paragraph_moved():
    record = check_rebuild(ARTICLE, body(BODY[0], BODY[2], BODY[3], BODY[1], BODY[4]))
    assert record.kinds() == {"paragraph_moved": 1}
    edit = only(record, EditKind.PARAGRAPH_MOVED)
    assert (edit.old_positions, edit.new_positions) == ((1,), (3,))
    assert not edit.words
    assert record.summary.chars_inserted == record.summary.chars_deleted == 0


def test_one_paragraph_moved_and_edited():
    moved = BODY[1].replace("no longer safe", "no longer at all safe")
    record = check_rebuild(ARTICLE, body(BODY[0], BODY[2], BODY[3], BODY[4], moved))
    edit = only(record, EditKind.PARAGRAPH_MOVED)
    assert (edit.old_positions, edit.new_positions) == ((1,), (4,))
    assert (1, "at all ") in edit.words
    assert record.kinds() == {"paragraph_moved": 1}


def test_one_paragraph_split():
    first, second = BODY[1].split(", said ")
    new = body(BODY[0], first + ".", "She said " + second, *BODY[2:])
    record = check_rebuild(ARTICLE, new)
    assert record.kinds() == {"paragraph_split": 1}
    edit = only(record, EditKind.PARAGRAPH_SPLIT)
    assert (edit.old_positions, edit.new_positions) == ((1,), (1, 2))
    assert edit.new_paragraphs == (first + ".", "She said " + second)


def test_clean_split_is_trivial():
    sentences = ("The vote was close.", "Seven councillors backed the plan and six opposed it.")
    old = body(BODY[0], " ".join(sentences), *BODY[1:])
    new = body(BODY[0], *sentences, *BODY[1:])
    record = check_rebuild(old, new)
    assert only(record, EditKind.PARAGRAPH_SPLIT).significance is Significance.TRIVIAL
    assert record.label is ChangeLabel.TRIVIAL


def test_two_paragraphs_merged():
    merged = BODY[2] + " " + BODY[3]
    record = check_rebuild(ARTICLE, body(*BODY[:2], merged, BODY[4]))
    assert record.kinds() == {"paragraph_merged": 1}
    edit = only(record, EditKind.PARAGRAPH_MERGED)
    assert (edit.old_positions, edit.new_positions) == ((2, 3), (2,))


def test_several_edits_at_once():
    new = replace(
        ARTICLE,
        headline="Council votes to shut Elm Street library",
        byline="By Priya Patel",
        paragraphs=(
            BODY[0].replace("Monday", "Tuesday"),
            "Police were called after a scuffle broke out in the public gallery.",
            BODY[3],
            BODY[2],
            BODY[4],
        ),
    )
    record = check_rebuild(ARTICLE, new)
    assert record.kinds() == {
        "headline": 1,
        "byline": 1,
        "paragraph_added": 1,
        "paragraph_removed": 1,
        "paragraph_changed": 1,
        "paragraph_moved": 1,
    }
    assert record.summary.to_json()["counts"] == record.kinds()


def test_body_edit_with_the_same_updated_timestamp_is_stealth():
    record = compare(ARTICLE, body(BODY[0].replace("Monday", "Tuesday"), *BODY[1:]))
    assert record.stealth
    assert record.summary.to_json()["stealth"] is True


def test_body_edit_with_a_new_updated_timestamp_is_not_stealth():
    new = replace(
        body(BODY[0].replace("Monday", "Tuesday"), *BODY[1:]),
        updated_at=datetime(2024, 5, 2, tzinfo=UTC),
    )
    assert not compare(ARTICLE, new).stealth


def test_headline_edit_with_the_same_timestamps_is_stealth():
    assert compare(ARTICLE, replace(ARTICLE, headline="Library to close")).stealth


def test_without_updated_timestamp_published_timestamp_decides_stealth():
    old = replace(ARTICLE, updated_at=None)
    new = replace(old, paragraphs=BODY[:-1])
    assert compare(old, new).stealth
    undated = replace(old, published_at=None)
    assert not compare(undated, replace(undated, paragraphs=BODY[:-1])).stealth


def test_metadata_only_change_is_never_stealth():
    assert not compare(ARTICLE, replace(ARTICLE, byline="By Priya Patel")).stealth


@pytest.mark.parametrize(
    "note",
    [
        "Correction: an earlier version of this article misstated the repair costs.",
        "Editor's note: this story has been updated with comment from the council.",
        "This article has been updated to include a response from campaigners.",
        "Clarification: the consultation will be run by the county, not the city.",
        "An earlier version of this story gave the wrong street name.",
    ],
)
def test_correction_note_is_extracted(note):
    record = check_rebuild(ARTICLE, body(*BODY, note))
    edit = only(record, EditKind.CORRECTION_NOTE)
    assert (edit.new, edit.new_positions) == (note, (5,))
    assert record.kinds() == {"paragraph_added": 1, "correction_note": 1}
    assert record.label is ChangeLabel.MAJOR


def test_news_about_a_correction_is_not_a_correction_note():
    text = "The ministry issued a correction to its housing figures on Monday."
    record = compare(ARTICLE, body(*BODY, text))
    assert "correction_note" not in record.kinds()


def test_note_already_present_is_not_reported_again():
    note = "Correction: an earlier version of this article misstated the repair costs."
    old = body(*BODY, note)
    record = compare(old, body(BODY[0].replace("Monday", "Tuesday"), *BODY[1:], note))
    assert "correction_note" not in record.kinds()


def test_change_notes_from_the_page_become_correction_notes():
    record = compare(
        ARTICLE,
        replace(ARTICLE, updated_at=datetime(2024, 5, 3, tzinfo=UTC)),
        old_notes=["First published."],
        new_notes=["First published.", "Corrected the date of the event."],
    )
    edit = only(record, EditKind.CORRECTION_NOTE)
    assert edit.new == "Corrected the date of the event."
    assert edit.new_positions == ()


def test_reserialisation_noise_already_normalised_gives_no_edits():
    # Extraction normalises entities and whitespace; equal Articles must diff empty even when
    # built separately (no identity shortcut).
    copy = Article.from_dict(ARTICLE.to_dict())
    assert copy is not ARTICLE
    record = compare(ARTICLE, copy)
    assert record.is_empty
    assert not record.stealth


def test_kinds_and_summary_counts_agree():
    new = body(BODY[0], BODY[2], BODY[1], "New paragraph here.", *BODY[3:])
    record = check_rebuild(ARTICLE, new)
    assert record.kinds() == record.summary.to_json()["counts"]
    assert sum(record.kinds().values()) == len(record.edits)


def test_to_json_shape():
    record = compare(ARTICLE, body(BODY[0].replace("Monday", "Tuesday"), *BODY[1:]))
    data = record.to_json()
    assert set(data) == {"edits", "summary"}
    assert set(data["summary"]) == {
        "counts",
        "chars_inserted",
        "chars_deleted",
        "sentences_added",
        "sentences_removed",
        "sentences_changed",
        "label",
        "stealth",
    }
    edit = data["edits"][0]
    assert edit["kind"] == "paragraph_changed"
    assert edit["significance"] == "minor"
    assert [-1, "Monday"] in edit["words"]
    assert ChangeRecord.from_json(data) == record


def test_full_rewrite_is_added_and_removed_and_major():
    other = tuple(f"Completely different paragraph number {i} about the weather." for i in range(5))
    record = check_rebuild(ARTICLE, body(*other))
    assert record.kinds() == {"paragraph_added": 5, "paragraph_removed": 5}
    assert record.label is ChangeLabel.MAJOR
