"""Property tests for the diff engine: no-op diffs are empty, edits rebuild the new version."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.diff import ChangeRecord, compare, rebuild
from archive.enums import EditKind
from archive.extract.article import Article

# A small vocabulary makes similar, duplicated and split-looking paragraphs likely.
VOCABULARY = (
    "the minister said on Monday police two three arrested were not a of "
    "Correction: [bold] <script> café 3.5 U.S. Mr. . , “quoted” ’"
)
WORDS = st.sampled_from(VOCABULARY.split())
SENTENCE = st.lists(WORDS, min_size=1, max_size=8).map(lambda ws: " ".join(ws) + ".")
PARAGRAPH = st.lists(SENTENCE, min_size=1, max_size=3).map(" ".join)
PARAGRAPHS = st.lists(PARAGRAPH, max_size=8)


@st.composite
def edited(draw: st.DrawFn, paragraphs: list[str]) -> list[str]:
    """``paragraphs`` after a few realistic edits (or, sometimes, unrelated text)."""
    result = list(paragraphs)
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["add", "remove", "change", "move", "split", "merge"]))
        if op == "add" or not result:
            result.insert(draw(st.integers(0, len(result))), draw(PARAGRAPH))
            continue
        k = draw(st.integers(0, len(result) - 1))
        if op == "remove":
            del result[k]
        elif op == "change":
            result[k] = result[k] + " " + draw(SENTENCE)
        elif op == "move":
            result.insert(draw(st.integers(0, len(result) - 1)), result.pop(k))
        elif op == "split" and " " in result[k]:
            cut = result[k].index(" ")
            result[k : k + 1] = [result[k][:cut], result[k][cut + 1 :]]
        elif op == "merge" and k + 1 < len(result):
            result[k : k + 2] = [result[k] + " " + result[k + 1]]
    return result


@st.composite
def article_pairs(draw: st.DrawFn) -> tuple[Article, Article]:
    old_paragraphs = draw(PARAGRAPHS)
    edit_old = draw(st.booleans())
    new_paragraphs = draw(edited(old_paragraphs)) if edit_old else draw(PARAGRAPHS)
    old_headline, new_headline = draw(SENTENCE), draw(SENTENCE)
    if draw(st.booleans()):  # extraction echoes the headline at the top of the body
        old_paragraphs = [old_headline, *old_paragraphs]
        new_paragraphs = [new_headline, *new_paragraphs]
    old = Article(old_headline, tuple(old_paragraphs), byline=draw(st.sampled_from([None, "A"])))
    new = Article(new_headline, tuple(new_paragraphs), byline=draw(st.sampled_from([None, "B"])))
    return old, new


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(PARAGRAPHS, SENTENCE)
def test_comparing_an_article_with_itself_gives_no_edits(paragraphs, headline):
    article = Article(headline, tuple(paragraphs), byline="X")
    record = compare(article, article)
    assert record.is_empty
    assert record.kinds() == {}
    assert record.summary.chars_inserted == record.summary.chars_deleted == 0
    assert not record.stealth


@FAST
@given(article_pairs())
def test_edits_rebuild_the_new_paragraphs_from_the_old(pair):
    old, new = pair
    record = compare(old, new)
    assert rebuild(old.paragraphs, record.edits) == list(new.paragraphs)
    assert record.is_empty == (old == new)


@FAST
@given(article_pairs())
def test_records_round_trip_through_json_and_rebuild_after_it(pair):
    old, new = pair
    record = compare(old, new)
    restored = ChangeRecord.from_json(json.loads(json.dumps(record.to_json())))
    assert restored == record
    assert rebuild(old.paragraphs, restored.edits) == list(new.paragraphs)


@FAST
@given(article_pairs())
def test_comparison_is_deterministic(pair):
    old, new = pair
    assert compare(old, new).to_json() == compare(old, new).to_json()


@FAST
@given(article_pairs())
def test_word_diffs_join_back_to_their_texts(pair):
    old, new = pair
    for edit in compare(old, new).edits:
        if edit.kind is EditKind.HEADLINE:  # its words are the headline's; its paragraphs
            assert "".join(t for op, t in edit.words if op <= 0) == edit.old  # the body
            assert "".join(t for op, t in edit.words if op >= 0) == edit.new  # copies of it
        elif edit.words and edit.old_paragraphs:
            assert "".join(t for op, t in edit.words if op <= 0) == " ".join(edit.old_paragraphs)
            assert "".join(t for op, t in edit.words if op >= 0) == " ".join(edit.new_paragraphs)
