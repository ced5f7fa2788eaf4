"""Renderers: HTML (inline, side by side) and terminal, from a record alone, always escaped."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from rich.console import Console

from archive.diff import ChangeRecord, compare
from archive.extract.article import Article
from archive.render.describe import numbers, summary_line
from archive.render.html import render_inline, render_side_by_side
from archive.render.text import render_text as render_plain
from scheduler.cli.render import render_change, render_text

HOSTILE = '<script>alert("x")</script> "onload=alert(1) x=\' [bold red]shout[/bold red] &amp;'

OLD = Article(
    headline="Mayor <b>wins</b> vote",
    paragraphs=(
        "The mayor won the vote on Monday by a narrow margin of twelve votes overall.",
        "Turnout was low, officials said, blaming the rain and the early closing time.",
        "Results will be certified next week by the county election board.",
    ),
    byline="By A. Writer",
    updated_at=datetime(2024, 1, 1, tzinfo=UTC),
)
NEW = replace(
    OLD,
    headline="Mayor <b>loses</b> vote [bold]",
    byline=HOSTILE,
    paragraphs=(
        "The mayor won the vote on Tuesday by a narrow margin of " + HOSTILE,
        "Results will be certified next week by the county election board.",
        HOSTILE,
        "Correction: an earlier version of this article gave the wrong day <i>.",
    ),
)


@pytest.fixture
def record() -> ChangeRecord:
    # Render from the JSON round trip, as the viewer and the email report do.
    return ChangeRecord.from_json(json.loads(json.dumps(compare(OLD, NEW).to_json())))


def unescaped_leaks(fragment: str) -> list[str]:
    """Tags in ``fragment`` that the renderer did not write itself."""
    ours = {"div", "p", "section", "h4", "del", "ins", "blockquote", "table", "thead", "tbody"}
    ours |= {"tr", "th", "td", "em"}
    return [t for t in re.findall(r"</?([a-zA-Z][a-zA-Z0-9]*)", fragment) if t not in ours]


@pytest.mark.parametrize("render", [render_inline, render_side_by_side])
def test_html_escapes_all_archived_text(record, render):
    fragment = render(record)
    assert "<script" not in fragment
    assert "<b>" not in fragment and "<i>" not in fragment
    assert unescaped_leaks(fragment) == []
    assert '"onload' not in fragment  # quotes are escaped too: no attribute can break out
    assert "&lt;script&gt;" in fragment
    assert "&quot;onload=" in fragment
    assert "&amp;amp;" in fragment  # a literal "&amp;" in the text stays literal


@pytest.mark.parametrize("render", [render_inline, render_side_by_side])
def test_html_marks_insertions_and_deletions(record, render):
    fragment = render(record)
    assert "<del>Monday</del>" in fragment
    assert "<ins>Tuesday</ins>" in fragment
    assert "<del>wins</del>" in fragment and "<ins>loses</ins>" in fragment
    assert 'class="redline-note"' in fragment
    assert f'data-label="{record.label.value}"' in fragment


def test_html_inline_shows_removed_and_added_paragraphs(record):
    fragment = render_inline(record)
    assert "<p><del>Turnout was low" in fragment
    assert f"<p><ins>{html.escape(HOSTILE)}</ins></p>" in fragment


def test_side_by_side_keeps_deletions_left_and_insertions_right(record):
    fragment = render_side_by_side(record)
    row = re.search(r"<td><p>The mayor.*?</td>\s*<td>(.*?)</td>", fragment, re.S)
    assert row is not None
    left, right = row.group(0).split("</td>", 1)
    assert "<del>Monday</del>" in left and "<ins>" not in left
    assert "<ins>Tuesday</ins>" in right and "<del>" not in right


def test_html_of_an_empty_record_says_no_change():
    empty = compare(OLD, OLD)
    assert "No change" in render_inline(empty)
    assert "<tbody>\n</tbody>" in render_side_by_side(empty)


def test_terminal_never_interprets_archived_text_as_markup(record):
    text = render_text(record)
    assert "[bold red]shout[/bold red]" in text
    assert "<script>" in text  # printed literally: a terminal does not run it
    assert "[-Monday-]{+Tuesday+}" in text
    assert "Correction: an earlier version" in text


def test_terminal_colour_output_has_styles_without_markers(record):
    text = render_text(record, color=True)
    assert "\x1b[" in text
    assert "[-Monday-]" not in text
    assert "[bold red]shout[/bold red]" in text


def test_plain_text_is_the_terminal_output_without_colour(record):
    # the email text part uses the plain renderer; it must read as the terminal one does
    tabbed = compare(
        OLD, replace(NEW, paragraphs=(*NEW.paragraphs, "A\ttab and a \x0bvertical tab \r."))
    )
    for change in (record, tabbed):
        rich_lines = render_text(change, heading="[i]h", width=10_000).split("\n")
        plain = render_plain(change, heading="[i]h")
        assert plain == "\n".join(line.rstrip() for line in rich_lines)
        assert "[-Monday-]{+Tuesday+}" in plain
    assert "\x0b" not in render_plain(tabbed) and "\t" not in render_plain(tabbed)


def test_render_change_is_a_rich_renderable(record):
    console = Console(width=80, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(render_change(record, heading="[i]https://news.example/mayor"))
    console.file.close()
    exported = console.export_text()
    assert exported.startswith("[i]https://news.example/mayor")
    assert "stealth edit" in exported  # updated_at stayed the same while the text changed


def test_summary_line_mentions_stealth_and_counts():
    new = replace(
        OLD, paragraphs=(OLD.paragraphs[0].replace("Monday", "Tuesday"), *OLD.paragraphs[1:])
    )
    line = summary_line(compare(OLD, new))
    assert line.startswith("Minor change: 1 paragraph changed;")
    assert "stealth edit" in line


def test_paragraph_numbers_are_one_based():
    assert numbers((0,)) == "1"
    assert numbers((1, 2, 3)) == "2–4"
    assert numbers((1, 4)) == "2, 5"
