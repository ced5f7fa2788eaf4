"""Atom feeds of changes: valid Atom 1.0 that feedparser reads without a bozo error, entries
newest first, and hostile archived text kept inert."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import feedparser
import pytest
from fastapi.testclient import TestClient

from archive.db import open_database
from archive.extract.article import Article
from tests.web.archives import HOSTILE, V1, V2, V3, Story, machine_app, paragraphs, record_story

ATOM = "{http://www.w3.org/2005/Atom}"
PALMYRA = "https://news.example/world/palmyra"
EVIL_TAG = 'tag "<b>" & co'


@pytest.fixture
def feeds(database_url):
    database = open_database(database_url)
    ids = {
        "palmyra": record_story(
            database, Story(PALMYRA, ["syria"], [(0, V1), (60, V2), (120, V3)])
        ),
        "evil": record_story(
            database,
            Story(
                "https://news.example/evil",
                [EVIL_TAG],
                [
                    (5, Article("Calm headline", paragraphs("Calm.", "Quiet."))),
                    # a control character and hostile markup in the new headline and text
                    (65, Article(HOSTILE + "\x01\x0b", paragraphs("Calm.", HOSTILE + "\x1f"))),
                ],
            ),
        ),
    }
    with TestClient(machine_app(database), base_url="http://viewer.test") as client:
        yield client, ids
    database.dispose()


def parse(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_site_wide_feed(feeds):
    client, ids = feeds
    parsed = parse(client.get("/feeds/changes.atom"))
    assert parsed.feed.title == "redline: all changes"
    assert parsed.feed.links[0].href == "http://viewer.test/feeds/changes.atom"
    entries = parsed.entries
    assert len(entries) == 3
    assert [e.updated for e in entries] == sorted((e.updated for e in entries), reverse=True)
    newest = entries[0]
    assert newest.link == f"http://viewer.test/articles/{ids['palmyra']}/diff/2..3"
    assert newest.title == "Palmyra back in army hands (v2 → v3)"
    assert "paragraph" in newest.summary.lower()
    # the changed paragraphs, with their words marked
    assert "corrected" in newest.content[0].value and "Fourth." in newest.content[0].value
    assert "<ins>" in newest.content[0].value
    headline_change = entries[-1]
    assert headline_change.title == f"{V1.headline} → {V2.headline}"
    assert {t.term for t in headline_change.tags} >= {"headline"}


def test_tag_and_article_feeds(feeds):
    client, ids = feeds
    syria = parse(client.get("/feeds/tags/syria.atom"))
    assert [e.link.rsplit("/", 1)[1] for e in syria.entries] == ["2..3", "1..2"]
    assert parse(client.get("/feeds/tags/none-such.atom")).entries == []
    article = parse(client.get(f"/articles/{ids['palmyra']}/changes.atom"))
    assert len(article.entries) == 2
    assert article.feed.title == f"redline: changes to {PALMYRA}"
    assert client.get("/articles/999999/changes.atom").status_code == 404


def test_hostile_text_is_escaped(feeds):
    client, ids = feeds
    for path in (
        "/feeds/changes.atom",
        f"/articles/{ids['evil']}/changes.atom",
        "/feeds/tags/" + EVIL_TAG.replace("&", "%26").replace('"', "%22") + ".atom",
    ):
        response = client.get(path)
        parsed = parse(response)
        evil = [e for e in parsed.entries if "evil" in e.links[1].href]
        assert len(evil) == 1, path
        root = ET.fromstring(response.content)  # well-formed XML, control characters gone
        [entry] = [
            e
            for e in root.findall(f"{ATOM}entry")
            if "evil" in e.findall(f"{ATOM}link")[1].get("href")
        ]
        title = entry.find(f"{ATOM}title").text
        assert title.startswith("Calm headline → Minister <script>")  # text, not markup
        assert "\x01" not in title and "\x0b" not in title
        content = entry.find(f"{ATOM}content").text  # the HTML, once unescaped as XML
        assert "<script>" not in content and "&lt;script&gt;" in content
        assert "onerror=alert(1)>" not in content
        raw = response.text
        assert "<script>" not in raw and "<img" not in raw
