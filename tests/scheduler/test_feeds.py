"""Discovery: RSS, Atom and sitemaps parsed; new matching entries tracked with the feed's tags."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from archive import store
from archive.config import Config
from archive.db import Database, open_database
from archive.errors import ConfigError, ForbiddenDestinationError, UnknownURLError
from archive.models import TrackedURL
from scheduler.demo.site import LocalSite
from scheduler.feedparse import FeedError, parse_feed
from scheduler.feeds import add_feed, list_feeds, poll_due_feeds, remove_feed

NOW = datetime.now(UTC)
RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>a</title><link>{base}/news/a</link><pubDate>{recent}</pubDate></item>
<item><title>b</title><link>{base}/opinion/b</link></item>
<item><title>old</title><link>{base}/news/old</link>
<pubDate>Mon, 01 Jan 2001 00:00:00 GMT</pubDate></item>
</channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>x</id>
<updated>2026-01-01T00:00:00Z</updated>
<entry><title>a</title><id>1</id><link href="/news/atom-a"/>
<updated>2026-01-01T00:00:00Z</updated></entry>
</feed>"""
NEWS_SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>{base}/news/gn-1</loc><news:news><news:publication>
<news:name>T</news:name><news:language>en</news:language></news:publication>
<news:publication_date>{iso}</news:publication_date><news:title>x</news:title></news:news></url>
<url><loc>{base}/news/gn-old</loc><lastmod>2001-01-01</lastmod></url>
</urlset>"""
INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{base}/sitemap-news.xml</loc><lastmod>{iso}</lastmod></sitemap>
</sitemapindex>"""


@pytest.fixture
def database(sqlite_url: str) -> Iterator[Database]:
    db = open_database(sqlite_url)
    yield db
    db.dispose()


@pytest.fixture
def config(tmp_path) -> Config:
    return Config(data_dir=tmp_path / "data", allow_private_networks=True, download_timeout_s=5)


def tracked(database: Database) -> dict[str, list[str]]:
    with database.session() as session:
        return {t.url: list(t.tags) for t in session.query(TrackedURL).all()}


def test_rss_atom_and_sitemaps_are_read() -> None:
    rss = parse_feed(
        RSS.format(base="http://x", recent="Mon, 01 Jan 2024 00:00:00 GMT").encode(),
        "http://x/feed",
    )
    assert rss.kind == "rss"
    assert [e.url for e in rss.entries] == [
        "http://x/news/a",
        "http://x/opinion/b",
        "http://x/news/old",
    ]
    assert rss.entries[0].published_at == datetime(2024, 1, 1, tzinfo=UTC)
    atom = parse_feed(ATOM.encode(), "http://x/atom.xml")
    assert atom.kind == "atom" and atom.entries[0].url == "http://x/news/atom-a"
    news = parse_feed(
        NEWS_SITEMAP.format(base="http://x", iso="2026-02-01T10:00:00+01:00").encode(),
        "http://x/s.xml",
    )
    assert news.kind == "sitemap"
    assert news.entries[0].published_at == datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
    assert news.entries[1].published_at == datetime(2001, 1, 1, tzinfo=UTC)
    index = parse_feed(INDEX.format(base="http://x", iso="2026-02-01").encode(), "http://x/i.xml")
    assert index.kind == "sitemap-index" and index.sitemaps[0].url == "http://x/sitemap-news.xml"


def test_non_feed_is_an_error() -> None:
    with pytest.raises(FeedError):
        parse_feed(b"<html><body>hello</body></html>", "http://x/")


def test_sitemap_entities_are_not_expanded() -> None:
    evil = b"""<?xml version="1.0"?><!DOCTYPE u [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://x/&e;</loc></url></urlset>"""
    parsed = parse_feed(evil, "http://x/s.xml")
    assert all("root:" not in e.url for e in parsed.entries)


def test_new_matching_entries_are_tracked_with_the_feed_tags(
    site: LocalSite, database: Database, config: Config
) -> None:
    recent = NOW.strftime("%a, %d %b %Y %H:%M:%S GMT")
    site.set_page(
        "/feed.xml",
        RSS.format(base=site.base_url, recent=recent),
        content_type="application/rss+xml",
    )
    with database.session() as session:
        add_feed(
            session,
            site.url("/feed.xml"),
            now=NOW,
            pattern=r"/news/",
            tags=["world"],
            allow_private=True,
        )
    summary = poll_due_feeds(config, database, NOW, rng=random.Random(1))
    assert summary.errors == []
    assert summary.new_urls == [site.url("/news/a")]
    urls = tracked(database)
    assert urls == {site.url("/news/a"): ["world"]}  # not /opinion/ (pattern), not old (age)
    with database.session() as session:
        feed = list_feeds(session)[0]
    assert feed["kind"] == "rss" and feed["consecutive_errors"] == 0
    assert datetime.fromisoformat(feed["next_poll_at"]) > NOW


def follow_rss(site: LocalSite, database: Database) -> None:
    """Serve the RSS feed at /feed.xml (its first entry's date unreadable) and follow it."""
    site.set_page(
        "/feed.xml", RSS.format(base=site.base_url, recent="x"), content_type="application/rss+xml"
    )
    with database.session() as session:
        add_feed(session, site.url("/feed.xml"), now=NOW, allow_private=True)


def test_untracked_url_is_not_tracked_again_by_its_feed(
    site: LocalSite, database: Database, config: Config
) -> None:
    follow_rss(site, database)
    poll_due_feeds(config, database, NOW)
    with database.session() as session:
        store.untrack(session, site.url("/news/a"))
    again = poll_due_feeds(config, database, NOW, force=True)
    assert again.new_urls == []
    with database.session() as session:
        assert store.resolve(session, site.url("/news/a")).active is False


def test_sitemap_index_leads_to_its_news_sitemap(
    site: LocalSite, database: Database, config: Config
) -> None:
    iso = NOW.isoformat()
    site.set_page(
        "/sitemap.xml", INDEX.format(base=site.base_url, iso=iso), content_type="application/xml"
    )
    site.set_page(
        "/sitemap-news.xml",
        NEWS_SITEMAP.format(base=site.base_url, iso=iso),
        content_type="application/xml",
    )
    with database.session() as session:
        add_feed(session, site.url("/sitemap.xml"), now=NOW, tags=["gn"], allow_private=True)
    summary = poll_due_feeds(config, database, NOW)
    assert summary.new_urls == [site.url("/news/gn-1")]  # gn-old is too old
    assert tracked(database) == {site.url("/news/gn-1"): ["gn"]}


def test_failing_feed_backs_off_and_records_the_error(
    site: LocalSite, database: Database, config: Config
) -> None:
    site.set_page("/feed.xml", "gone", status=500)
    with database.session() as session:
        add_feed(session, site.url("/feed.xml"), now=NOW, allow_private=True)
    first = poll_due_feeds(config, database, NOW, rng=random.Random(0))
    assert len(first.errors) == 1 and "HTTP 500" in first.errors[0]
    with database.session() as session:
        feed = list_feeds(session)[0]
    assert feed["consecutive_errors"] == 1 and "500" in feed["last_error"]
    delay = datetime.fromisoformat(feed["next_poll_at"]) - NOW
    assert delay > timedelta(seconds=config.feed_poll_interval_s * 1.5)  # doubled, with jitter
    assert poll_due_feeds(config, database, NOW).polled == 0  # not due yet


def test_feed_registry_checks_its_input(database: Database) -> None:
    with database.session() as session:
        with pytest.raises(ConfigError):
            add_feed(session, "http://example.com/feed", now=NOW, pattern="(", allow_private=True)
        with pytest.raises(ForbiddenDestinationError):
            add_feed(session, "http://127.0.0.1/feed", now=NOW)
        with pytest.raises(UnknownURLError):
            remove_feed(session, "http://example.com/nothing")
        add_feed(session, "http://127.0.0.1/feed", now=NOW, tags=["a"], allow_private=True)
        _, created = add_feed(
            session, "http://127.0.0.1/feed", now=NOW, tags=["b"], allow_private=True
        )
        assert not created
        assert list_feeds(session)[0]["tags"] == ["a", "b"]
        remove_feed(session, "http://127.0.0.1/feed")
        assert list_feeds(session) == []


def test_blocked_destinations_are_not_fetched(
    site: LocalSite, database: Database, config: Config
) -> None:
    follow_rss(site, database)
    summary = poll_due_feeds(config.replace(allow_private_networks=False), database, NOW)
    assert len(summary.errors) == 1 and "refusing" in summary.errors[0]
    assert site.requests("/feed.xml") == 0
