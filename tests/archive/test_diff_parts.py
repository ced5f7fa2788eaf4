"""Unit tests for the diff engine's parts: words, alignment, sentences, notes, flapping."""

from __future__ import annotations

import doctest
import importlib

import pytest

from archive.diff import align as align_module
from archive.diff.align import align
from archive.diff.flapping import is_flapping
from archive.diff.notes import find_new_notes, is_note
from archive.diff.records import Edit, rebuild
from archive.diff.sentences import compare_texts, split_sentences
from archive.diff.significance import MAJOR_WORD_SHARE, classify, is_trivial
from archive.diff.words import Budget, tokenize, word_diff
from archive.enums import EditKind, Significance

# ---- words -------------------------------------------------------------------------------


def test_tokens_join_back_to_the_text():
    text = "Mr. O’Brien said: “it’s 3.5% — not 4!”  \n ok"
    assert "".join(tokenize(text)) == text


def test_word_diff_highlights_whole_words():
    diffs = word_diff("He resigned on Monday.", "He resigned on Tuesday.")
    assert diffs == [(0, "He resigned on "), (-1, "Monday"), (1, "Tuesday"), (0, ".")]


def test_word_diff_of_equal_and_empty_texts():
    assert word_diff("same", "same") == [(0, "same")]
    assert word_diff("", "") == []
    assert word_diff("", "new") == [(1, "new")]


def test_word_diff_with_no_budget_left_replaces_everything():
    spent = Budget(total_s=0.0)
    assert word_diff("a b c", "a b d", spent) == [(-1, "a b c"), (1, "a b d")]


def test_word_diff_handles_more_distinct_tokens_than_the_bmp_gap():
    old = " ".join(f"w{i}" for i in range(60_000))
    new = old.replace("w59999", "changed")
    diffs = word_diff(old, new)
    assert "".join(t for op, t in diffs if op >= 0) == new
    assert (1, "changed") in diffs


# ---- significance ------------------------------------------------------------------------


def test_trivial_ignores_case_whitespace_punctuation_and_quotes():
    assert is_trivial("“Yes,” she said.", '"yes"  she said')
    assert not is_trivial("She said yes.", "She said no.")


def test_major_threshold_is_a_share_of_words():
    old = "one two three four five six seven eight nine ten"
    minor = old.replace("ten", "eleven")
    assert classify(old, minor, word_diff(old, minor)) is Significance.MINOR
    major = "one two three four five alpha beta gamma delta epsilon"
    assert classify(old, major, word_diff(old, major)) is Significance.MAJOR
    assert 0 < MAJOR_WORD_SHARE < 1


# ---- alignment ---------------------------------------------------------------------------

PARAS = [f"Paragraph {n} talks about topic {n} with words w{n}a w{n}b w{n}c." for n in range(8)]


def kinds(pairings):
    return sorted((p.kind.value if p.kind else "kept", p.old, p.new) for p in pairings)


def test_insertion_does_not_cascade():
    new = [*PARAS[:3], "Something new entirely here.", *PARAS[3:]]
    result = kinds(align(PARAS, new))
    assert ("paragraph_added", (), (3,)) in result
    assert sum(1 for k, _, _ in result if k == "kept") == len(PARAS)


def test_duplicate_paragraphs_align_in_order():
    old = ["A.", "B.", "A.", "C."]
    new = ["A.", "B.", "A.", "X.", "C."]
    assert kinds(align(old, new)).count(("paragraph_added", (), (3,))) == 1


def test_swap_is_one_move():
    new = [PARAS[1], PARAS[0], *PARAS[2:]]
    moved = [p for p in align(PARAS, new) if p.kind is EditKind.PARAGRAPH_MOVED]
    assert len(moved) == 1


def test_three_way_split_and_merge():
    whole = "First part here. Second part there. Third part everywhere."
    parts = ["First part here.", "Second part there.", "Third part everywhere."]
    split = [p for p in align(["Intro.", whole, "End."], ["Intro.", *parts, "End."]) if p.kind]
    assert [(p.kind, p.old, p.new) for p in split] == [(EditKind.PARAGRAPH_SPLIT, (1,), (1, 2, 3))]
    merged = [p for p in align(["Intro.", *parts, "End."], ["Intro.", whole, "End."]) if p.kind]
    assert [(p.kind, p.old, p.new) for p in merged] == [
        (EditKind.PARAGRAPH_MERGED, (1, 2, 3), (1,))
    ]


def test_edited_paragraph_next_to_an_added_one_is_not_a_split():
    old = ["Intro.", "The mayor said the budget would pass on Monday.", "End."]
    new = [
        "Intro.",
        "The mayor said the budget would pass on Tuesday.",
        "Opposition councillors walked out in protest.",
        "End.",
    ]
    found = sorted(p.kind.value for p in align(old, new) if p.kind)
    assert found == ["paragraph_added", "paragraph_changed"]


SENTENCES = (
    "The mayor said the budget would pass on Monday.",
    "It includes new money for schools.",
    "Opposition councillors said they would vote against it.",
    "They walked out in protest.",
    "The vote is expected at noon.",
    "The result will be published within the hour.",
    "Residents can read the full budget online.",
    "Copies are at the town hall from next week.",
    "A spokesperson declined to comment further.",
    "The council meets again in March.",
    "Police closed the road for two hours.",
    "Traffic was diverted through the village.",
    "Shops on the high street stayed open.",
    "The fire service was not called.",
)


def _join(*indexes: int) -> str:
    return " ".join(SENTENCES[k] for k in indexes)


def test_a_neighbour_re_split_after_a_removal_invents_no_addition():
    """A paragraph removed, and extraction cuts its neighbours anew: every sentence of the
    new version was in the old one, so nothing is added."""
    old = [_join(0, 1), _join(2, 3, 4, 5, 6, 7), _join(8, 9, 10), _join(11, 12, 13)]
    new = [_join(2, 3, 4), _join(5), _join(6, 7, 8, 9, 10), _join(11, 12, 13)]
    found = [(p.kind.value, p.old, p.new) for p in align(old, new) if p.kind]
    assert ("paragraph_removed", (0,), ()) in found
    assert not [kind for kind, _, _ in found if kind == "paragraph_added"], found


def test_the_split_off_parts_of_a_changed_paragraph_are_a_split():
    old = ["Intro line here.", _join(0, 1, 2, 3), "End line here."]
    new = ["Intro line here.", _join(0, 1).replace("Monday", "Tuesday"), _join(2), _join(3)]
    new.append("End line here.")
    found = [(p.kind, p.old, p.new) for p in align(old, new) if p.kind]
    assert found == [(EditKind.PARAGRAPH_SPLIT, (1,), (1, 2, 3))]
    # the mirror: paragraphs joined onto their edited neighbour are a merge, not removals
    found = [(p.kind, p.old, p.new) for p in align(new, old) if p.kind]
    assert found == [(EditKind.PARAGRAPH_MERGED, (1, 2, 3), (1,))]


def test_twin_a_new_paragraph_beside_a_changed_one_is_added():
    old = ["Intro line here.", _join(0, 1), _join(4), "End line here."]
    new = ["Intro line here.", _join(0).replace("Monday", "Tuesday"), _join(2, 3), _join(4)]
    new.append("End line here.")
    found = sorted(p.kind.value for p in align(old, new) if p.kind)
    assert found == ["paragraph_added", "paragraph_changed"]


INTRO, END = "Intro line of the story here.", "End line of the story here."


def test_a_paragraph_written_anew_around_the_same_names_is_removed_and_added():
    """Most distinct words shared (Dice 0.65), but neither text keeps half of the other's
    words in order: another paragraph in its place, not an edit of it."""
    old = (
        "The owners of a bakery that flooded last winter have reopened their shop a week after"
        " the insurer agreed to pay for a new oven and counter."
    )
    new = (
        "A family bakery hit by floods last winter has a new oven and counter after its insurer"
        " agreed to pay, and the owners hope to reopen next week."
    )
    found = sorted(p.kind.value for p in align([INTRO, old, END], [INTRO, new, END]) if p.kind)
    assert found == ["paragraph_added", "paragraph_removed"]


def test_twin_a_paragraph_grown_or_cut_by_a_sentence_is_changed():
    """As few words shared (Dice 0.52), but the shorter text stands whole in the longer."""
    short = "The museum reopened to visitors on Monday."
    grown = (
        "The museum reopened to visitors on Monday, three years after a fire destroyed its"
        " roof and much of its collection of paintings."
    )
    for old, new in ((short, grown), (grown, short)):
        found = [(p.kind, p.old, p.new) for p in align([INTRO, old, END], [INTRO, new, END])]
        assert [f for f in found if f[0]] == [(EditKind.PARAGRAPH_CHANGED, (1,), (1,))]


def test_twin_a_paragraph_reordered_around_most_of_its_words_is_changed():
    """Its clauses in another order (a third of its words kept in order, characters 0.27
    alike) but most of its words shared (Dice 0.78): the same paragraph, reworded."""
    old = (
        "The mayor, who also chairs the transport board, said the council will survey the"
        " residents to measure their support. Streets will be closed only if most households"
        " on them agree to the plan."
    )
    new = (
        "The council will survey residents and will close only the streets where most"
        " households agree to the plan, said the mayor, who also chairs the transport board."
    )
    found = [(p.kind, p.old, p.new) for p in align([INTRO, old, END], [INTRO, new, END])]
    assert [f for f in found if f[0]] == [(EditKind.PARAGRAPH_CHANGED, (1,), (1,))]


def test_short_paragraph_respelt_in_place_is_changed():
    # one word respelt halves the shared words of a short list item; its characters match
    old = ["Intro paragraph of the story.", "Drivers licenses", "Passports", "End."]
    new = ["Intro paragraph of the story.", "Driver's licenses", "Passports", "End."]
    assert [(p.kind, p.old, p.new) for p in align(old, new) if p.kind] == [
        (EditKind.PARAGRAPH_CHANGED, (1,), (1,))
    ]
    # control: another item in its place is not the same item
    other = ["Intro paragraph of the story.", "Birth certificates", "Passports", "End."]
    found = sorted(p.kind.value for p in align(old, other) if p.kind)
    assert found == ["paragraph_added", "paragraph_removed"]


def test_sentence_reworded_in_place_is_changed():
    # fewer than half the words are shared (Dice 0.38), most of the characters are (0.6)
    old = [
        "Intro.",
        "Crews have rescued 233 people from the flooded valley since Friday, the mayor said at"
        " a news conference on Sunday.",
        "End.",
    ]
    new = [
        "Intro.",
        "Crews had pulled 236 people out of the flooded valley by Saturday, the governor told"
        " reporters at a briefing.",
        "End.",
    ]
    assert [(p.kind, p.old, p.new) for p in align(old, new) if p.kind] == [
        (EditKind.PARAGRAPH_CHANGED, (1,), (1,))
    ]
    # control: an unrelated paragraph in the same place is a removal and an addition
    other = [
        "Intro.",
        "Officials in the capital declined to comment on Tuesday, saying that a statement"
        " would follow once the cabinet had met.",
        "End.",
    ]
    found = sorted(p.kind.value for p in align(old, other) if p.kind)
    assert found == ["paragraph_added", "paragraph_removed"]


def test_full_rewrite_is_bounded_by_the_band(monkeypatch):
    old = [f"old {i} alpha beta gamma {i}" for i in range(300)]
    new = [f"new {i} delta epsilon zeta {i}" for i in range(300)]
    calls = 0
    real = align_module._Sides.overlap

    def counting(self, i, j):
        nonlocal calls
        calls += 1
        return real(self, i, j)

    monkeypatch.setattr(align_module._Sides, "overlap", counting)
    result = align(old, new)
    assert {p.kind for p in result} == {EditKind.PARAGRAPH_ADDED, EditKind.PARAGRAPH_REMOVED}
    assert calls < 300 * 3 * (2 * align_module.BAND + 1) * 3


# ---- rebuild -----------------------------------------------------------------------------


def test_rebuild_rejects_edits_that_do_not_fit():
    with pytest.raises(ValueError, match="out of range"):
        rebuild(["a"], [Edit(EditKind.PARAGRAPH_REMOVED, old_positions=(3,))])
    with pytest.raises(ValueError, match="claimed twice"):
        rebuild(
            ["a", "b"],
            [
                Edit(EditKind.PARAGRAPH_ADDED, new_positions=(0,), new_paragraphs=("x",)),
                Edit(EditKind.PARAGRAPH_ADDED, new_positions=(0,), new_paragraphs=("y",)),
            ],
        )


def test_rebuild_ignores_metadata_and_notes():
    edits = [Edit(EditKind.BYLINE, "a", "b"), Edit(EditKind.CORRECTION_NOTE, new="Correction: x")]
    assert rebuild(["p"], edits) == ["p"]


# ---- sentences ---------------------------------------------------------------------------


def test_sentence_split_keeps_abbreviations_and_decimals():
    text = "Dr. Jones met Mr. Smith in the U.S. on Jan. 5. Growth was 3.5 per cent! Really?"
    assert split_sentences(text) == [
        "Dr. Jones met Mr. Smith in the U.S. on Jan. 5.",
        "Growth was 3.5 per cent!",
        "Really?",
    ]


def test_sentence_counts():
    old = "The vote was on Monday. Turnout was low. The result is final."
    new = "The vote was on Tuesday. The result is final. An appeal is planned."
    counts = compare_texts(old, new)
    assert (counts.added, counts.removed, counts.changed) == (1, 1, 1)


# ---- notes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Correction: An earlier version of this article misstated the date.",
        "CORRECTION — The photo caption has been amended.",
        "Editor’s note: names have been changed.",
        "Clarification: the figures refer to 2023.",
        "Update: the council has responded.",
        "This story has been updated with comment from the police.",
        "* This article was amended on 3 May 2024 to correct the spelling of a name.",
    ],
)
def test_notes_are_recognised(text):
    assert is_note(text)


@pytest.mark.parametrize(
    "text",
    [
        "The bank issued a correction to its forecast.",
        "Officials said the update to the software would arrive next week.",
        "Corrections officers went on strike on Monday: prisons were locked down.",
    ],
)
def test_news_text_is_not_a_note(text):
    assert not is_note(text)


def test_only_new_notes_are_found():
    note = "Correction: wrong date."
    assert find_new_notes([note], [note, "Update: more."]) == ["Update: more."]


def test_new_notes_are_counted_not_only_compared():
    note = "Update (20 January 2020): Added translation"
    assert find_new_notes([note], [note, note]) == [note]
    assert find_new_notes([note, note], [note, note]) == []
    assert find_new_notes([], [note, "Update: more."], among={"Update: more."}) == ["Update: more."]


# ---- flapping ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sequence", "window", "expected"),
    [
        ([1, 2, 1, 2, 1], 5, True),
        ([1, 2, 1, 2], 4, True),
        ([1, 2, 1], 5, False),  # one revert is a real event
        ([1, 2, 3, 4, 5], 5, False),
        ([1, 2, 3, 1, 2, 3], 6, True),  # rotation
        ([1, 1, 2, 2, 1, 1], 5, False),  # recaptures are not transitions
        ([1, 2, 1, 2, 3, 4, 5, 6], 4, False),  # the alternation is outside the window
        ([], 5, False),
        ([1, 2, 1, 2], 0, False),
    ],
)
def test_flapping_rule(sequence, window, expected):
    assert is_flapping(sequence, window) is expected


# ---- docstring examples ------------------------------------------------------------------


@pytest.mark.parametrize(
    "module",
    [
        "archive.diff",
        "archive.diff.records",
        "archive.diff.notes",
        "archive.diff.sentences",
        "archive.diff.flapping",
    ],
)
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0
