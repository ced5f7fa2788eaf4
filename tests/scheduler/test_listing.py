"""Listings as JSON are written row by row (``redline list --json`` on an archive of 100,000
URLs never holds them all); the text is the same as the whole list dumped at once."""

from __future__ import annotations

import json

import pytest

from scheduler.cli.state import print_json, print_json_rows
from tests.pages import Story, serve


@pytest.mark.parametrize(
    "items",
    [
        [],
        [{}],
        [[]],
        [{"url": "https://a.example/é", "tags": [], "n": 1, "none": None}],
        [
            {"text": 'line one\nline two\t"quoted"', "nested": {"a": [1, {"b": []}], "c": {}}},
            {"tags": ["x", "y"], "ok": True, "f": 1.5},
            "plain",
            3,
        ],
    ],
)
def test_rows_written_one_by_one_read_as_the_whole_list_dumped_at_once(items, capsys):
    print_json(items)
    whole = capsys.readouterr().out
    print_json_rows(iter(items))
    assert capsys.readouterr().out == whole
    assert json.loads(whole) == items


@pytest.mark.slow
def test_list_json_streams_every_tracked_url_with_its_version_count(redline, site):
    for path in ("/a", "/b"):
        serve(site, path, Story())
    urls = [site.url(p) for p in ("/a", "/b", "/c")]
    redline("track", *urls)
    redline("crawl", "--url", urls[0])
    redline("untrack", urls[2])
    out = redline("list", "--json").stdout
    rows = json.loads(out)
    assert out == json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    assert [(r["url"], r["versions"], r["active"]) for r in rows] == [
        (urls[0], 1, True),
        (urls[1], 0, True),
    ]
    every = redline.json("list", "--all")
    assert [(r["url"], r["versions"], r["active"]) for r in every] == [
        (urls[0], 1, True),
        (urls[1], 0, True),
        (urls[2], 0, False),
    ]
    redline("untrack", urls[0], urls[1])
    assert redline("list", "--json").stdout == "[]\n"
