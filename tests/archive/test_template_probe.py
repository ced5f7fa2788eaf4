"""Tier 0's reader probe on token and count holes (:func:`.template_learn._shape_probed`).

The metadata readers run a second time on the learned page with every token and count hole
holding a date (after a name, where a word's length allows), a value of the hole's class
(:func:`.template_learn._probe_value`): a hole some reader reads so (htmldate's search of a
page its markup does not date) changes what they give, and the page has no template.  The
twin of each: the same hole where no reader reads it (the page's markup dates it, the element
names no byline) keeps its template, and a refetch whose chrome alone changed is still the
same article.
"""

from __future__ import annotations

import pytest

from archive.extract.template import is_unlearnable
from tests.archive.river_template import DATED
from tests.archive.river_template import checked as _check
from tests.archive.river_template import learned as _learn
from tests.archive.river_template import page as _page
from tests.pages import PARAGRAPHS

_COUNT = '<p class="comments-meta"><b>{}</b> comments</p>'
# a request token a time follows: a date there is a timestamp
_ASSET = '<meta name="csrf-token" content="{} 09:30:00">'
_STAMP = '<p class="comments-meta"><span class="post-date">{}</span> comments</p>'


@pytest.mark.parametrize(
    ("head", "after", "values"),
    [
        # a count in plain chrome: htmldate's last resort reads the text of a page it finds
        # no date in
        ("", _COUNT, ("12", "17", "25")),
        # a request token before a time: its search of the page's markup for a timestamp
        # reads the attributes of the head
        ("{}", "", ("a8f3k2", "q7x1m9", "m2k8w1")),
        # a count in an element htmldate takes for a date by its class
        ("", _STAMP, ("12", "17", "25")),
    ],
)
def test_a_hole_a_date_reader_reads_has_no_template_and_its_twin_on_a_dated_page_has(
    head: str, after: str, values: tuple[str, str, str]
) -> None:
    def page(value: str, dated: bool, last: str = PARAGRAPHS[-1]) -> bytes:
        asset = _ASSET.format(value) if head else ""
        return _page((DATED if dated else "") + asset, after.format(value), last)

    old, new, later = values
    refused = _learn(page(old, dated=False), page(new, dated=False))
    assert refused.endswith("|token_probe_read")
    template = _learn(page(old, dated=True), page(new, dated=True))
    assert not is_unlearnable(template)
    assert _check(page(later, dated=True), template) is None
    edited = page(later, dated=True, last="An edited last paragraph.")
    assert _check(edited, template) is not None


def test_a_count_read_as_a_byline_has_no_template_and_its_twin_beside_it_has() -> None:
    """A count in a byline's element (trafilatura's author reader takes its text) on a page
    the markup dates (the marker pass finds it already: no reader known takes a name but
    passes a marker by); the twin holds it in an element of no byline's name."""

    def page(name: str, count: str, last: str = PARAGRAPHS[-1]) -> bytes:
        strip = f'<p class="comments-meta"><span class="{name}">{count}</span> posts</p>'
        return _page(DATED, strip, last)

    assert is_unlearnable(_learn(page("author", "12"), page("author", "17")))
    template = _learn(page("tally", "12"), page("tally", "17"))
    assert not is_unlearnable(template)
    assert _check(page("tally", "25"), template) is None
    assert _check(page("tally", "25", last="An edited last paragraph."), template) is not None
