"""Memento (RFC 7089): the TimeMap, the TimeGate and the mementos, in process.

Versions are recorded through the write path at T0+0, +60 and +120 minutes (see
``tests/web/archives.py``); a live-server check with the Memento client is in
``test_memento_client.py``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from archive.db import open_database
from archive.extract.article import Article
from archive.web.timetravel import http_date, stamp
from tests.web.archives import HOSTILE, T0, V1, V2, V3, Story, machine_app, paragraphs, record_story

URL = "https://news.example/world/palmyra?id=7"
LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[a-z][a-z0-9*-]*="(?:[^"\\]|\\.)*")*)')
PARAM = re.compile(r';\s*([a-z][a-z0-9*-]*)="((?:[^"\\]|\\.)*)"')


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def parse_links(text: str) -> list[tuple[str, dict[str, str]]]:
    """A strict link-format parser: the whole text must be links separated by commas."""
    links = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = LINK.match(text, position)
        assert match, f"not link-format at {position}: {text[position : position + 80]!r}"
        links.append((match.group(1), dict(PARAM.findall(match.group(2)))))
        position = match.end()
        rest = re.match(r"\s*,\s*", text[position:])
        if position < len(text):
            assert rest, f"links must be separated by commas: {text[position:][:80]!r}"
            position += rest.end()
    return links


def by_rel(links: list[tuple[str, dict[str, str]]]) -> dict[str, list[tuple[str, dict]]]:
    found: dict[str, list[tuple[str, dict]]] = {}
    for target, params in links:
        for rel in params["rel"].split():
            found.setdefault(rel, []).append((target, params))
    return found


@pytest.fixture
def db(database_url):
    database = open_database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def client(db):
    record_story(db, Story(URL, ["syria"], [(0, V1), (60, V2), (120, V3)]))
    with TestClient(machine_app(db), base_url="http://viewer.test") as test_client:
        yield test_client


def stamps():
    return [stamp(T0 + timedelta(minutes=m)) for m in (0, 60, 120)]


def test_timemap_parses_as_link_format_with_the_required_relations(client):
    response = client.get(f"/timemap/link/{URL}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/link-format")
    rels = by_rel(parse_links(response.text))
    assert rels["original"] == [(URL, {"rel": "original"})]
    [(self_target, self_params)] = rels["self"]
    assert self_target == f"http://viewer.test/timemap/link/{URL}"
    assert self_params["from"] == http_date(T0)
    assert self_params["until"] == http_date(T0 + timedelta(minutes=120))
    assert rels["timegate"] == [(f"http://viewer.test/timegate/{URL}", {"rel": "timegate"})]
    mementos = rels["memento"]
    assert [t for t, _ in mementos] == [f"http://viewer.test/memento/{s}/{URL}" for s in stamps()]
    for target, params in mementos:
        # the 14-digit stamp equals the memento's datetime, in RFC 1123 GMT form
        digits = target.split("/memento/")[1][:14]
        assert params["datetime"].endswith(" GMT")
        assert stamp_of(params["datetime"]) == digits
    assert [t for t, _ in rels["first"]] == [mementos[0][0]]
    assert [t for t, _ in rels["last"]] == [mementos[-1][0]]


def stamp_of(http_datetime: str) -> str:
    from email.utils import parsedate_to_datetime

    return stamp(parsedate_to_datetime(http_datetime))


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("Sat, 31 Oct 2026 12:00:00 GMT", 0),  # before the first version: the first
        ("Sun, 01 Nov 2026 12:00:00 GMT", 0),  # exactly the first
        ("Sun, 01 Nov 2026 12:59:59 GMT", 0),  # between the first and the second
        ("Sun, 01 Nov 2026 13:00:00 GMT", 1),  # exactly the second
        ("Sun, 01 Nov 2026 13:30:00 GMT", 1),  # between versions
        ("Mon, 01 Nov 2027 00:00:00 GMT", 2),  # after the last
        (None, 2),  # no header: the latest
    ],
)
def test_timegate_redirects_to_the_version_live_at_the_time(client, accept, expected):
    headers = {"Accept-Datetime": accept} if accept else {}
    response = client.get(f"/timegate/{URL}", headers=headers, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["vary"].lower() == "accept-datetime"
    assert response.headers["location"] == f"http://viewer.test/memento/{stamps()[expected]}/{URL}"
    rels = by_rel(parse_links(response.headers["link"]))
    assert rels["original"][0][0] == URL
    assert rels["timemap"][0][0] == f"http://viewer.test/timemap/link/{URL}"
    assert response.headers["location"] in [t for t, _ in rels["memento"]]


@pytest.mark.parametrize(
    "accept",
    ["yesterday", "2026-11-01T12:00:00Z", "Sun, 01 Nov 2026 12:00:00 +0100", "Sun, 41 Nov 2026"],
)
def test_timegate_refuses_a_malformed_accept_datetime(client, accept):
    response = client.get(f"/timegate/{URL}", headers={"Accept-Datetime": accept})
    assert response.status_code == 400
    assert response.headers["vary"].lower() == "accept-datetime"
    assert response.json()["detail"]


def test_unknown_and_malformed_urls(client):
    for route in ("/timegate/", "/timemap/link/", f"/memento/{stamps()[0]}/"):
        response = client.get(route + "https://news.example/never-tracked")
        assert response.status_code == 404, route
        assert response.json() == {"detail": "no archived versions of this URL"}
        response = client.get(route + "ftp://news.example/x")
        assert response.status_code == 400, route
    assert client.get(f"/memento/2026/{URL}").status_code == 400
    assert client.get(f"/memento/20261399000000/{URL}").status_code == 400


def test_any_spelling_of_the_url_finds_the_article(client):
    """Tracking parameters, a merged slash after the scheme, the query as sent."""
    spellings = [
        URL + "&utm_source=feed",
        URL.replace("https://", "https:/"),
        "HTTPS://NEWS.example/world/palmyra?id=7",
    ]
    for spelling in spellings:
        response = client.get(f"/timegate/{spelling}", follow_redirects=False)
        assert response.status_code == 302, spelling
        assert response.headers["location"].endswith(f"/{stamps()[2]}/{URL}")
    # the query string is part of the original URL: another id is another article
    assert client.get("/timegate/https://news.example/world/palmyra?id=8").status_code == 404


def test_memento_carries_its_datetime_and_links(client):
    first, second, third = stamps()
    response = client.get(f"/memento/{second}/{URL}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["memento-datetime"] == http_date(T0 + timedelta(minutes=60))
    assert "Palmyra back in army hands" in response.text
    assert "Second, corrected." not in response.text
    rels = by_rel(parse_links(response.headers["link"]))
    base = "http://viewer.test"
    assert rels["original"][0][0] == URL
    assert rels["timegate"][0][0] == f"{base}/timegate/{URL}"
    assert rels["timemap"][0][0] == f"{base}/timemap/link/{URL}"
    assert rels["first"][0][0] == rels["prev"][0][0] == f"{base}/memento/{first}/{URL}"
    assert rels["next"][0][0] == rels["last"][0][0] == f"{base}/memento/{third}/{URL}"
    # at the ends there is no prev (first) or next (last)
    first_links = by_rel(parse_links(client.get(f"/memento/{first}/{URL}").headers["link"]))
    assert "prev" not in first_links and "next" in first_links
    # a stamp between mementos redirects to the one live then
    between = stamp(T0 + timedelta(minutes=90))
    response = client.get(f"/memento/{between}/{URL}", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == f"{base}/memento/{second}/{URL}"


def test_a_revert_makes_the_earlier_version_live_again(db):
    url = "https://news.example/flip"
    a = Article("Headline A", paragraphs("One.", "Two."))
    b = Article("Headline B", paragraphs("One.", "Two."))
    record_story(db, Story(url, [], [(0, a), (10, b), (20, a)]))
    with TestClient(machine_app(db), base_url="http://viewer.test") as client:

        def gate(when):
            return client.get(
                f"/timegate/{url}", headers={"Accept-Datetime": when}, follow_redirects=False
            ).headers["location"]

        v1, v2 = (stamp(T0 + timedelta(minutes=m)) for m in (0, 10))
        assert gate("Sun, 01 Nov 2026 12:15:00 GMT").endswith(f"/{v2}/{url}")
        assert gate("Sun, 01 Nov 2026 12:25:00 GMT").endswith(f"/{v1}/{url}")
        # one memento per version, not per appearance
        timemap = parse_links(client.get(f"/timemap/link/{url}").text)
        assert len(by_rel(timemap)["memento"]) == 2


def test_hostile_urls_and_headlines_never_break_link_format_or_headers(db):
    url = 'https://news.example/a;b,c/"q"<x>?p=1,2;3&s=%0D%0Aset-cookie:x'
    hostile = Article(HOSTILE, paragraphs("Body <b>bold</b>.", HOSTILE))
    record_story(db, Story(url, [], [(0, hostile), (5, V1)]))
    with TestClient(machine_app(db), base_url="http://viewer.test") as client:
        timemap = client.get(f"/timemap/link/{url}")
        assert timemap.status_code == 200
        links = parse_links(timemap.text)
        [(original, _)] = by_rel(links)["original"]
        assert not set('<>" \r\n') & set(original)
        assert len(by_rel(links)["memento"]) == 2
        for _, params in links:
            assert set(params) <= {"rel", "type", "from", "until", "datetime"}
        gate = client.get(
            f"/timemap/link/{url}".replace("timemap/link", "timegate"), follow_redirects=False
        )
        assert gate.status_code == 302
        assert "set-cookie" not in gate.headers
        page = client.get(
            gate.headers["location"].replace("http://viewer.test", ""), follow_redirects=False
        )
        assert page.status_code == 200
        # the first memento holds the hostile headline: escaped in the page, absent from headers
        first = by_rel(parse_links(page.headers["link"]))["first"][0][0]
        hostile_page = client.get(first.replace("http://viewer.test", ""))
        assert hostile_page.status_code == 200
        assert "<script>" not in hostile_page.text and "&lt;script&gt;" in hostile_page.text
        elements = Elements()
        elements.feed(hostile_page.text)
        assert all(not name.startswith("on") for _, attrs in elements.found for name, _ in attrs)
        assert [a for tag, a in elements.found if tag == "script"] == [
            [("src", "/static/redline.js"), ("defer", None)]
        ]
        assert "img" not in {tag for tag, _ in elements.found}
        assert "set-cookie" not in hostile_page.headers
        for value in hostile_page.headers.values():
            assert "\r" not in value and "\n" not in value
