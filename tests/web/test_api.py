"""The JSON API over an archive written by the real write path, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from archive.db import open_database
from archive.enums import FailureReason
from archive.extract.article import Article
from tests.web.archives import (
    HOSTILE,
    V1,
    V2,
    V3,
    Story,
    machine_app,
    paragraphs,
    record_failure,
    record_story,
)

PALMYRA = "https://news.example/world/palmyra"
MOSUL = "https://other.example/mosul"
GONE = "https://news.example/gone"
EVIL = "https://news.example/evil"


@pytest.fixture
def archive(database_url):
    database = open_database(database_url)
    ids = {
        "palmyra": record_story(
            database, Story(PALMYRA, ["syria"], [(0, V1), (60, V2), (120, V3)])
        ),
        "mosul": record_story(
            database,
            Story(
                MOSUL,
                ["iraq"],
                [
                    (5, Article("Mosul", paragraphs("A.", "B."))),
                    (65, Article("Mosul", paragraphs("A.", "B, more."))),
                ],
            ),
        ),
        "gone": record_story(
            database, Story(GONE, ["syria"], [(10, Article("Gone", paragraphs("X.")))])
        ),
        "evil": record_story(
            database,
            Story(
                EVIL,
                [HOSTILE[:40]],
                [
                    (15, Article(HOSTILE, paragraphs(HOSTILE))),
                    (75, Article(HOSTILE + "!", paragraphs(HOSTILE))),
                ],
            ),
        ),
    }
    record_failure(database, ids["gone"], 70, FailureReason.HTTP_404)
    yield database, ids
    database.dispose()


@pytest.fixture
def api(archive):
    database, ids = archive
    with TestClient(machine_app(database), base_url="http://viewer.test") as client:
        yield client, ids


def walk(client, url):
    """Every item of a cursor-paginated list, following Link: rel="next"."""
    items, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body["items"])
        link = response.headers.get("link")
        assert (link is not None) == (body["next"] is not None)
        if link:
            assert link == f'<{body["next"]}>; rel="next"'
        url = body["next"]
        pages += 1
    return items, pages


@pytest.mark.parametrize("sort", ["changed", "versions", "added"])
def test_article_list_pages_cover_everything_once(api, sort):
    client, ids = api
    items, pages = walk(client, f"/api/articles?limit=1&sort={sort}")
    assert pages == 4
    assert sorted(i["id"] for i in items) == sorted(ids.values())
    if sort == "versions":
        assert [i["versions"] for i in items] == sorted(
            (i["versions"] for i in items), reverse=True
        )
    if sort == "changed":
        assert items[-1]["id"] == ids["gone"]  # never changed: last
    whole = client.get(f"/api/articles?sort={sort}").json()
    assert [i["id"] for i in whole["items"]] == [i["id"] for i in items]
    assert whole["next"] is None


def test_article_filters(api):
    client, ids = api

    def found(query):
        response = client.get("/api/articles?" + query)
        assert response.status_code == 200, response.text
        return {i["id"] for i in response.json()["items"]}

    assert found("q=PALMYRA") == {ids["palmyra"]}  # in the headline and the URL
    assert found("q=army+hands") == {ids["palmyra"]}
    assert found("q=other.example") == {ids["mosul"]}
    assert found("q=100%25") == set()  # LIKE wildcards are plain text
    assert found("site=news.example") == {ids["palmyra"], ids["gone"], ids["evil"]}
    assert found("tag=syria") == {ids["palmyra"], ids["gone"]}
    assert found("tag=syri") == set()
    assert found("state=taken-down") == {ids["gone"]}
    assert found("state=ok") == {ids["palmyra"], ids["mosul"], ids["evil"]}
    assert found("kind=headline") == {ids["palmyra"], ids["evil"]}
    assert found("kind=paragraph_added") == {ids["palmyra"]}
    assert found("site=news.example&kind=paragraph_changed") == {ids["palmyra"]}


PAGE_ROW = re.compile(
    r'<a class="headline" href="/articles/(\d+)">.*?data-label="Versions">(\d+)</td>', re.S
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"palmyra": 3, "mosul": 2, "gone": 1, "evil": 2}),
        ("sort=versions", {"palmyra": 3, "mosul": 2, "gone": 1, "evil": 2}),
        ("sort=added&site=news.example", {"palmyra": 3, "gone": 1, "evil": 2}),
        ("tag=syria", {"palmyra": 3, "gone": 1}),
        ("state=ok&kind=headline", {"palmyra": 3, "evil": 2}),
        ("q=mosul", {"mosul": 2}),
        ("site=news.example&kind=paragraph_changed", {"palmyra": 3}),
        ("tag=iraq&kind=headline", {}),
    ],
)
def test_the_article_page_and_the_api_list_the_same_articles_and_counts(api, query, expected):
    """The page and the API build their filters and version counts from one place: for the
    same filters and sort they list the same articles, in the same order, with the same
    number of versions (and that number is each article's own)."""
    client, ids = api
    page = client.get("/articles?" + query)
    assert page.status_code == 200, page.text
    on_page = [(int(i), int(n)) for i, n in PAGE_ROW.findall(page.text)]
    listed = client.get("/api/articles?" + query).json()["items"]
    in_api = [(item["id"], item["versions"]) for item in listed]
    assert on_page == in_api
    assert dict(in_api) == {ids[name]: versions for name, versions in expected.items()}


def test_one_article_versions_and_captures(api):
    client, ids = api
    article = client.get(f"/api/articles/{ids['gone']}").json()
    assert article["state"] == "taken-down" and article["taken_down"]
    assert [e["kind"] for e in article["events"]] == ["takedown"]
    palmyra = client.get(f"/api/articles/{ids['palmyra']}").json()
    assert palmyra["versions"] == 3 and palmyra["changes"] == 2 and palmyra["current_version"] == 3
    assert palmyra["added_at"].endswith("+00:00")
    versions, pages = walk(client, f"/api/articles/{ids['palmyra']}/versions?limit=2")
    assert [v["number"] for v in versions] == [1, 2, 3] and pages == 2
    assert versions[1]["headline"] == "Palmyra back in army hands"
    captures, _ = walk(client, f"/api/articles/{ids['gone']}/captures?limit=1")
    assert [(c["outcome"], c["version"]) for c in captures] == [("new-version", 1), ("error", None)]
    assert captures[1]["reason"] == "http-404"


def test_version_is_cacheable(api):
    client, ids = api
    url = f"/api/articles/{ids['palmyra']}/versions/3"
    response = client.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["text"].split("\n\n")[1].startswith("Second, corrected.")
    assert body["memento"].startswith("http://viewer.test/memento/20261101140000/")
    etag = response.headers["etag"]
    assert response.headers["cache-control"].startswith("public")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag and not again.content
    assert client.get(url, headers={"If-None-Match": 'W/"other", ' + etag}).status_code == 304
    # another tag, or another version, is sent in full
    assert client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200
    other = client.get(
        f"/api/articles/{ids['palmyra']}/versions/2", headers={"If-None-Match": etag}
    )
    assert other.status_code == 200 and other.headers["etag"] != etag


def test_diff_is_what_the_command_prints(api, redline):
    client, ids = api
    for pair in (("1", "2"), ("2", "3"), ("1", "3"), ("3", "1")):
        response = client.get(f"/api/articles/{ids['palmyra']}/diff/{pair[0]}..{pair[1]}")
        assert response.status_code == 200, response.text
        assert response.json() == redline.json("diff", PALMYRA, *pair)
        assert response.headers["etag"]
        cached = client.get(response.url, headers={"If-None-Match": response.headers["etag"]})
        assert cached.status_code == 304
    edits = client.get(f"/api/articles/{ids['palmyra']}/diff/1..2").json()["edits"]
    assert [(e["kind"], e["old"], e["new"]) for e in edits] == [
        ("headline", V1.headline, V2.headline)
    ]


def test_changes_and_their_filters(api):
    client, ids = api

    def found(query):
        response = client.get("/api/changes?" + query)
        assert response.status_code == 200, response.text
        return [
            (c["article_id"], c["from_version"], c["to_version"]) for c in response.json()["items"]
        ]

    everything = found("")
    assert len(everything) == 4
    items, pages = walk(client, "/api/changes?limit=1")
    assert [(c["article_id"], c["from_version"], c["to_version"]) for c in items] == everything
    assert pages == 4
    assert found(f"url={PALMYRA}?utm_source=x") == [(ids["palmyra"], 2, 3), (ids["palmyra"], 1, 2)]
    assert found(f"article={ids['mosul']}") == [(ids["mosul"], 1, 2)]
    assert found("kind=headline") == [(ids["evil"], 1, 2), (ids["palmyra"], 1, 2)]
    assert found("tag=iraq") == [(ids["mosul"], 1, 2)]
    assert found("site=other.example") == [(ids["mosul"], 1, 2)]
    assert found("since=2026-11-01T13:10:00Z") == [(ids["palmyra"], 2, 3), (ids["evil"], 1, 2)]
    assert found("since=2027-01-01") == []
    first = client.get("/api/changes").json()["items"][0]
    assert first["old_headline"] == V2.headline and first["kinds"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/articles/999999", 404),
        ("/api/articles/999999/versions", 404),
        ("/api/articles/{palmyra}/versions/9", 404),
        ("/api/articles/{palmyra}/diff/1..9", 404),
        ("/api/articles/{palmyra}/diff/0..1", 422),
        ("/api/articles/abc", 422),
        ("/api/articles/99999999999999999999", 422),
        ("/api/articles?state=fine", 422),
        ("/api/articles?cursor=!!!", 400),
        ("/api/articles?cursor=WzEsMl0", 400),  # a valid cursor of another list
        ("/api/changes?since=yesterday", 400),
        ("/api/changes?url=ftp://x.example/", 400),
        ("/api/changes?url=https://never.example/", 404),
        ("/api/changes?tag=%00", 400),
        ("/api/nothing", 404),
    ],
)
def test_errors_are_clean_json(api, path, status):
    client, ids = api
    response = client.get(path.format(**ids))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert "detail" in response.json()
    assert "Traceback" not in response.text


def test_hostile_text_stays_data(api):
    client, ids = api
    response = client.get(f"/api/articles/{ids['evil']}/versions/1")
    assert response.json()["headline"] == HOSTILE  # exactly the archived text, as data
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in response.headers
    listing = client.get(f"/api/articles?tag={HOSTILE[:40]}")
    assert [i["id"] for i in listing.json()["items"]] == [ids["evil"]]
    link = client.get("/api/articles?limit=1&q=" + HOSTILE[:20].replace("&", "%26")).headers.get(
        "link", ""
    )
    assert "\r" not in link and "\n" not in link and "<script" not in link


def test_docs_page_renders_the_schema_without_script(api):
    client, _ = api
    schema = client.get("/openapi.json").json()
    assert "/api/articles/{article_id}/diff/{from_version}..{to_version}" in schema["paths"]
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "GET /api/changes" in page.text and "ArticleDetail" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script>" not in page.text
