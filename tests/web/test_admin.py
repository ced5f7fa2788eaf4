"""The admin pages: absent without admin_token; with it, a sign-in, CSRF-checked forms that
track and untrack URLs and add and remove feeds, on SQLite and PostgreSQL."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import time
import urllib.parse
import urllib.request

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from archive.db import open_database
from archive.models import Feed, TrackedURL
from archive.web.admin import COOKIE, FeedRegistry
from archive.web.app import create_app
from scheduler.feeds import add_feed, list_feeds, remove_feed
from tests.web.conftest import viewer_config
from tests.web.servers import serve

TOKEN = "s3cret-admin-token"


@pytest.fixture
def admin_config(tmp_path, database_url):
    return viewer_config(tmp_path, database_url, admin_token=TOKEN, allow_private_networks=True)


@pytest.fixture
def admin(admin_config):
    feeds = FeedRegistry(add=add_feed, remove=remove_feed, listing=list_feeds)
    app = create_app(admin_config, feeds=feeds)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def signed_in(client: TestClient) -> str:
    response = client.post("/admin/login", data={"token": TOKEN}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert TOKEN not in cookie
    page = client.get("/admin")
    assert page.status_code == 200
    return re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)


def rows(config, model):
    database = open_database(config.sqlalchemy_url)
    try:
        with database.session() as session:
            return list(session.scalars(select(model)))
    finally:
        database.dispose()


def test_no_admin_pages_without_a_token(client):
    assert client.get("/admin").status_code == 404
    assert client.post("/admin/login", data={"token": ""}).status_code == 404
    assert 'href="/admin"' not in client.get("/").text


def test_sign_in_needs_the_token(admin):
    assert admin.get("/admin", follow_redirects=False).headers["location"] == "/admin/login"
    wrong = admin.post("/admin/login", data={"token": "guess"}, follow_redirects=False)
    assert wrong.status_code == 403 and COOKIE not in wrong.headers.get("set-cookie", "")
    assert admin.get("/admin", follow_redirects=False).status_code == 303
    signed_in(admin)
    assert 'href="/admin"' in admin.get("/").text


def test_track_and_untrack_with_csrf(admin, admin_config):
    csrf = signed_in(admin)
    url = 'http://127.0.0.1:9/news/a?x="><script>alert(1)</script>'
    refused = admin.post("/admin/track", data={"url": url, "tags": "a, b"})  # no CSRF token
    assert refused.status_code == 403
    forged = admin.post(
        "/admin/track",
        data={"url": url, "csrf": csrf},
        headers={"Origin": "http://evil.example"},
    )
    assert forged.status_code == 403
    assert rows(admin_config, TrackedURL) == []
    done = admin.post("/admin/track", data={"url": url, "tags": "a, b", "csrf": csrf})
    assert done.status_code == 200 and "Now tracking" in done.text
    assert "<script>alert(1)</script>" not in done.text  # shown escaped
    (tracked,) = rows(admin_config, TrackedURL)
    assert tracked.active and tracked.tags == ["a", "b"]
    bad = admin.post("/admin/track", data={"url": "ftp://x.example/", "csrf": csrf})
    assert bad.status_code == 400 and "flash bad" in bad.text
    gone = admin.post("/admin/untrack", data={"url": tracked.url, "csrf": csrf})
    assert gone.status_code == 200 and "No longer tracking" in gone.text
    assert [t.active for t in rows(admin_config, TrackedURL)] == [False]
    # signing out ends it: the same form is refused
    admin.post("/admin/logout", data={"csrf": csrf})
    again = admin.post("/admin/track", data={"url": url, "csrf": csrf})
    assert again.status_code == 403


def test_a_refused_destination_is_not_tracked(tmp_path, database_url):
    config = viewer_config(tmp_path, database_url, admin_token=TOKEN)  # no private networks
    with TestClient(create_app(config), raise_server_exceptions=False) as client:
        csrf = signed_in(client)
        response = client.post("/admin/track", data={"url": "http://127.0.0.1/x", "csrf": csrf})
        assert response.status_code == 400 and "refused" in response.text
        assert rows(config, TrackedURL) == []
        # without the feed functions, the feed forms do not exist
        assert "Poll a feed" not in client.get("/admin").text
        assert client.post("/admin/feeds/add", data={"url": "x", "csrf": csrf}).status_code == 404


def test_add_and_remove_a_feed(admin, admin_config):
    csrf = signed_in(admin)
    added = admin.post(
        "/admin/feeds/add",
        data={"url": "http://127.0.0.1:9/rss.xml", "pattern": "/news/", "tags": "x", "csrf": csrf},
    )
    assert added.status_code == 200 and "Now polling" in added.text
    (feed,) = rows(admin_config, Feed)
    assert feed.pattern == "/news/" and feed.tags == ["x"]
    bad = admin.post(
        "/admin/feeds/add", data={"url": "http://127.0.0.1:9/b", "pattern": "(", "csrf": csrf}
    )
    assert bad.status_code == 400
    removed = admin.post("/admin/feeds/remove", data={"url": feed.url, "csrf": csrf})
    assert removed.status_code == 200 and "No longer polling" in removed.text
    assert rows(admin_config, Feed) == []


def test_a_slow_commit_does_not_hold_up_other_requests(admin_config):
    """An admin write whose COMMIT takes 2 s (held in the database engine's commit hook, as a
    long WAL append or a server far away would): a page asked for meanwhile is answered while
    that commit is still running, so the commit is not on the event loop."""
    app = create_app(admin_config)
    commit_started, commit_done = threading.Event(), threading.Event()

    def note_writes(conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            conn.info["wrote"] = True

    def slow_commit(conn):
        if conn.info.pop("wrote", False):
            commit_started.set()
            time.sleep(2.0)
            commit_done.set()

    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    def post(url: str, data: dict[str, str]) -> tuple[int, str]:
        with opener.open(url, urllib.parse.urlencode(data).encode(), timeout=30) as response:
            return response.status, response.read().decode()

    try:
        with serve(app) as base:
            engine = app.state.database.engine
            event.listen(engine, "before_cursor_execute", note_writes)
            event.listen(engine, "commit", slow_commit)
            _, page = post(f"{base}/admin/login", {"token": TOKEN})  # the redirect is /admin
            csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)
            url = "http://127.0.0.1:9/news/slow-commit"
            answers: list[tuple[int, str]] = []
            writer = threading.Thread(
                target=lambda: answers.append(
                    post(f"{base}/admin/track", {"url": url, "csrf": csrf})
                )
            )
            writer.start()
            assert commit_started.wait(20)
            started = time.monotonic()
            with urllib.request.urlopen(f"{base}/", timeout=30) as home:
                status = home.status
            elapsed = time.monotonic() - started
            answered_during_commit = not commit_done.is_set()
            writer.join(30)
    finally:
        app.state.database.dispose()  # the server runs without its lifespan
    assert status == 200
    assert answered_during_commit, f"the page waited for the commit ({elapsed:.2f} s)"
    assert elapsed < 1.5
    # and the write itself went through, after its slow commit
    assert commit_done.is_set() and answers[0][0] == 200 and "Now tracking" in answers[0][1]
    assert [t.url for t in rows(admin_config, TrackedURL)] == [url]
