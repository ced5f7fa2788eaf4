"""A block hole's vocabulary binds every attribute name and value to its tag: a value learned
where no reader reads it is no vocabulary of a tag a reader reads it on (learned templates and
derived ones)."""

from __future__ import annotations

from archive.extract.extractor import extract_article
from archive.extract.template import is_unlearnable, segments_of
from archive.extract.template_site_judge import read_values
from tests.archive.river_template import CT, URL
from tests.archive.river_template import checked as _check
from tests.archive.river_template import learned as _learn
from tests.archive.test_template_site import BRIDGE, HARVEST, daily, daily_rules, decided
from tests.pages import PARAGRAPHS


def _page(before: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<title>River report - News</title></head><body><header><a href="/">News</a></header>'
        f'<div class="popular">{before}</div>'
        f"<main><article><h1>River report</h1>{body}</article></main>"
        "<footer><p>About us</p></footer></body></html>"
    ).encode()


def _hash(body: bytes) -> str:
    return extract_article(body, URL, content_type=CT).content_hash


_LIST = '<ul><li><a href="/s/{}">{}</a></li></ul>'
_NOTE = '<div class="change-item">{}</div>'
_NOTED = '<ul><li class="change-item">The figures were wrong and are now fixed.</li></ul>'


def test_a_value_learned_on_one_tag_is_no_vocabulary_of_another():
    """``class="change-item"``, learned on a ``<div>`` no reader reads, on an ``<li>`` is a
    published change note (:mod:`archive.extract.history`: "Update: ..." appended to the
    article): a mismatch.  The twin: the value rotating on its own tag is the same article."""
    template = _learn(
        _page(_LIST.format(1, "Ferry fares frozen") + _NOTE.format("Zoo")),
        _page(_LIST.format(2, "Rail strike off") + _NOTE.format("Rowing")),
    )
    assert not is_unlearnable(template)
    read = segments_of(template)
    assert read is not None
    blocks = [segment[4] for segment in read[0] if segment[0] == "B"]
    assert blocks and "div class=change-item" in blocks[0]["v"]
    assert "div class" in blocks[0]["a"] and "li class" not in blocks[0]["a"]
    stored = _hash(_page(_NOTE.format("Zoo")))
    assert _hash(_page(_NOTED)) != stored
    assert _check(_page(_NOTED), template) == "block"
    rotated = _page(_LIST.format(3, "Library hours") + _NOTE.format("Bus"))
    assert _hash(rotated) == stored
    assert _check(rotated, template) is None


def test_a_derived_block_binds_its_values_to_their_tags_too():
    """The same through a site's rules: article A's block learned ``class="change-item"`` on
    a ``<div>``; article B's derived template refuses it on an ``<li>`` (the full extraction
    appends a change note) and still decides B's block rotating as learned."""
    a = "Harbour bridge closed"
    rules_ = daily_rules(
        daily(a, BRIDGE, 1, before=_popular(_LIST.format(1, "Ferry") + _NOTE.format("Zoo"))),
        daily(a, BRIDGE, 2, before=_popular(_LIST.format(2, "Rail") + _NOTE.format("Rowing"))),
    )
    b = "Grape harvest starts early"
    old = daily(b, HARVEST, 10, before=_popular(_LIST.format(3, "Library hours")))
    noted = daily(b, HARVEST, 11, before=_popular(_NOTED))
    assert decided(rules_, old, noted) == (False, False)
    rotated = daily(b, HARVEST, 11, before=_popular(_LIST.format(4, "Bus") + _NOTE.format("Oak")))
    assert decided(rules_, old, rotated) == (True, True)


def _popular(inner: str) -> str:
    return f'<div class="popular">{inner}</div>'


def test_the_derivations_screen_tries_each_value_on_its_own_tag_and_the_history_reader():
    """A value is screened on the tag it was learned on: the change history's reader selects
    ``class="change-item"`` on an ``<li>``, not on a ``<div>``."""
    values = ("li class=change-item", "div class=change-item", "li class=story")
    assert read_values(values) == frozenset({"li class=change-item"})
