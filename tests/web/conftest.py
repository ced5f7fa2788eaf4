"""Fixtures for the web viewer: the app over a fresh archive on each backend, via TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from archive.config import Config, load_config
from archive.db import open_database
from archive.models import TrackedURL
from archive.web.app import create_app
from scheduler.demo.site import LocalSite
from tests.conftest import Redline, _postgres_schema_url
from tests.pages import PARAGRAPHS, Story, article_page, serve


def viewer_config(tmp_path: Path, database_url: str, **overrides: object) -> Config:
    return load_config(
        environ={},
        data_dir=tmp_path / "data",
        database_url="" if database_url.startswith("sqlite") else database_url,
        **overrides,
    )


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Config:
    return viewer_config(tmp_path, database_url)


@pytest.fixture
def client(config: Config) -> Iterator[TestClient]:
    """The viewer over an empty archive (SQLite and PostgreSQL)."""
    with TestClient(create_app(config), raise_server_exceptions=False) as running:
        yield running


# -- an archive built by real crawls of a local site whose articles change ------------------

LATER = "2017-03-03T09:15:00+00:00"
LATEST = "2017-03-04T11:40:00+00:00"
P = PARAGRAPHS
REWORDED = P[1].replace("clearing mines", "clearing hundreds of mines")
NEW_PARAGRAPH = (
    "A convoy carrying food and medicine reached the eastern districts on Friday morning, the"
    " first to arrive since the start of the siege, aid workers said."
)
OLD_HEADLINE = Story().headline
NEW_HEADLINE = "Palmyra back in government hands"
#: The story's three versions: a headline rewrite with a reworded paragraph, then a move.
STORY_VERSIONS = (
    Story(),
    Story(headline=NEW_HEADLINE, paragraphs=(P[0], REWORDED, *P[2:]), updated=LATER),
    Story(headline=NEW_HEADLINE, paragraphs=(P[0], P[3], REWORDED, P[2],
          P[4], NEW_PARAGRAPH), updated=LATEST),
)  # fmt: skip
#: A quiet article: a stealth edit that adds a correction note (the declared update time stays),
#: then the page is gone (a takedown).
CORRECTION = (
    "Correction: An earlier version of this article said the city fell in November. It fell in"
    " December."
)
QUIET = Story(headline="Museum reopens after restoration")
QUIET_VERSIONS = (
    QUIET,
    QUIET.but(paragraphs=(P[0], REWORDED, *P[2:], CORRECTION)),
)
#: Hostile text: markup, an event handler, a javascript: URL, a closing title, CR/LF and
#: link-format metacharacters, in the headline, the byline and the text.
HOSTILE = '</title><script>window.__pwned=1</script><img src=x onerror="alert(1)">'
HOSTILE_HEADLINE = f'Rebels {HOSTILE} take "the" <b>town</b>; rel="x", <a>'
HOSTILE_BYLINE = "Eve <svg onload=alert(2)> javascript:alert(3)\r\nX-Injected: 1"
HOSTILE_PARAGRAPHS = (
    f'{P[0]} {HOSTILE} <a href="javascript:alert(4)">click</a>',
    *P[1:4],
)
HOSTILE_VERSIONS = (
    Story(headline=HOSTILE_HEADLINE, byline=HOSTILE_BYLINE, paragraphs=HOSTILE_PARAGRAPHS),
    Story(
        headline=HOSTILE_HEADLINE + " <script>alert(5)</script>",
        byline=HOSTILE_BYLINE,
        paragraphs=(*HOSTILE_PARAGRAPHS, f"{HOSTILE} {P[4]}"),
        updated=LATER,
    ),
)
#: Active content in the raw page itself (not in the article text): it must never run in
#: the raw snapshot, and nothing may be fetched from another host.
THIRD_PARTY = "http://third-party.invalid"
PAGE_SCRIPTS = (
    "<script>window.__snapshot_ran = 1; alert('snapshot');</script>"
    f'<script src="{THIRD_PARTY}/tracker.js"></script>'
    f'<link rel="stylesheet" href="{THIRD_PARTY}/site.css">'
    f'<style>@import url("{THIRD_PARTY}/more.css");'
    f" body {{ background: url({THIRD_PARTY}/bg.png) }}</style>"
)  # fmt: skip
PAGE_BODY_EXTRAS = (
    f'<img src="{THIRD_PARTY}/pixel.gif" onerror="window.__snapshot_ran=2" alt="pixel">'
    f'<iframe src="{THIRD_PARTY}/frame"></iframe>'
    f'<form action="{THIRD_PARTY}/post"><input name="q"></form>'
    f'<div onclick="alert(6)" style="background-image: url({THIRD_PARTY}/div.png)">div</div>'
    f'<a href="javascript:alert(7)">js link</a><a href="{THIRD_PARTY}/story">other site</a>'
    f'<svg><image href="{THIRD_PARTY}/svg.png"></image></svg>'
)


def hostile_page(story: Story, seed: int) -> str:
    page = article_page(story, seed)
    return page.replace("</head>", PAGE_SCRIPTS + "</head>").replace(
        "</article>", PAGE_BODY_EXTRAS + "</article>"
    )


@dataclass(frozen=True)
class Crawled:
    """An archive made by crawling the local site, and what is in it."""

    redline: Redline
    database_url: str  # "" for SQLite in the data directory
    data_dir: Path
    story_id: int
    hostile_id: int
    story_url: str
    hostile_url: str
    quiet_id: int = 0
    quiet_url: str = ""

    def config(self, **overrides: object) -> Config:
        return load_config(
            environ={},
            data_dir=self.data_dir,
            database_url=self.database_url,
            **overrides,
        )


def build_archive(base: Path, database_url: str) -> Crawled:
    """Track two articles, crawl them, edit them, crawl again (three story versions)."""
    with LocalSite() as site:
        site.set_page("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
        redline = Redline(base / "data", database_url or None)
        story_url, hostile_url = site.url("/news/palmyra"), site.url("/news/hostile")
        quiet_url = site.url("/news/quiet")
        redline("subscribe", "desk@example.org", "--all", "--mode", "immediate", "--min", "trivial")
        redline("track", story_url, "--tag", "syria", "--tag", "middle east")
        redline("track", hostile_url, "--tag", "hostile")
        redline("track", quiet_url, "--tag", "culture")
        for round_ in range(3):
            serve(site, "/news/palmyra", STORY_VERSIONS[round_])
            hostile = HOSTILE_VERSIONS[min(round_, 1)]
            site.set_page("/news/hostile", lambda n, s=hostile: hostile_page(s, n))
            if round_ < 2:
                serve(site, "/news/quiet", QUIET_VERSIONS[round_])
            else:
                site.remove_page("/news/quiet")
            redline.crawl()
    crawled = Crawled(
        redline=redline,
        database_url=database_url,
        data_dir=base / "data",
        story_id=0,
        hostile_id=0,
        story_url=story_url,
        hostile_url=hostile_url,
        quiet_url=quiet_url,
    )
    database = open_database(crawled.config().sqlalchemy_url)
    try:
        with database.session() as session:
            ids = dict(session.execute(select(TrackedURL.url, TrackedURL.id)).all())
    finally:
        database.dispose()
    return Crawled(
        redline=redline,
        database_url=database_url,
        data_dir=base / "data",
        story_id=ids[story_url],
        hostile_id=ids[hostile_url],
        quiet_id=ids[quiet_url],
        quiet_url=quiet_url,
        story_url=story_url,
        hostile_url=hostile_url,
    )


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def crawled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Crawled]:
    """An archive built by real crawls, on SQLite and on PostgreSQL (one per test session)."""
    base = tmp_path_factory.mktemp("crawled")
    if request.param == "sqlite":
        yield build_archive(base, "")
        return
    schema_urls = _postgres_schema_url()
    url = next(schema_urls)
    try:
        yield build_archive(base, url)
    finally:
        schema_urls.close()


@pytest.fixture(scope="module")
def viewer(crawled: Crawled) -> Iterator[TestClient]:
    """The viewer over the crawled archive."""
    with TestClient(create_app(crawled.config()), raise_server_exceptions=False) as running:
        yield running
