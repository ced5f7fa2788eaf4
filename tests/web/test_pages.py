"""The viewer's pages over an archive built by real crawls of a local site whose article
changes (a headline rewrite with a reworded paragraph, then a moved and an added paragraph),
on SQLite and PostgreSQL, through FastAPI's TestClient."""

from __future__ import annotations

import io
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from warcio.archiveiterator import ArchiveIterator

from archive import browse
from archive.config import load_config
from archive.db import open_database
from archive.warc import payload_digest
from archive.web.app import create_app
from archive.web.replay import SNAPSHOT_POLICY
from archive.web.security import PAGE_POLICY
from tests.web.conftest import CORRECTION, NEW_HEADLINE, NEW_PARAGRAPH, OLD_HEADLINE, REWORDED, P

pytestmark = pytest.mark.slow


def parsed(html: str) -> tuple[set[str], set[str], list[str]]:
    """The element names, attribute names and CSS (style elements and attributes) of a page."""
    tags: set[str] = set()
    attributes: set[str] = set()
    styles: list[str] = []

    class Collector(HTMLParser):
        in_style = False

        def handle_starttag(self, tag, attrs):
            tags.add(tag)
            self.in_style = tag == "style"
            for name, value in attrs:
                attributes.add(name)
                if name == "style":
                    styles.append(value or "")

        def handle_data(self, data):
            if self.in_style:
                styles.append(data)

    Collector().feed(html)
    return tags, attributes, styles


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def test_home_lists_changes_newest_first_with_headline_rewrites(viewer, crawled):
    page = viewer.get("/")
    assert page.status_code == 200
    body = main_of(page.text)
    rewrites = re.findall(r'<p class="rewrite">.*?</p>', body, re.S)
    assert any(
        f"<del>{OLD_HEADLINE}</del>" in r and f"<ins>{NEW_HEADLINE}</ins>" in r for r in rewrites
    )
    story = crawled.story_id
    # newest first: the move (2 -> 3) comes before the rewrite (1 -> 2)
    assert body.index(f"/articles/{story}/diff/2..3") < body.index(f"/articles/{story}/diff/1..2")
    assert '<span class="label minor">minor</span>' in body or "label major" in body
    assert "1 paragraph moved" in unescape(body)


def test_home_filters_by_kind_tag_and_site(viewer, crawled):
    story = crawled.story_id
    moved = main_of(viewer.get("/?kind=paragraph_moved").text)
    assert f"/articles/{story}/diff/2..3" in moved
    assert f"/articles/{story}/diff/1..2" not in moved
    headline = main_of(viewer.get("/?kind=headline").text)
    assert f"/articles/{story}/diff/1..2" in headline
    assert f"/articles/{story}/diff/2..3" not in headline
    assert "No change matches" in viewer.get("/?kind=paragraph_split").text
    tagged = main_of(viewer.get("/?tag=middle+east").text)
    assert f"/articles/{story}/diff/1..2" in tagged
    assert f"/articles/{crawled.hostile_id}/diff/" not in tagged
    hostile = main_of(viewer.get("/?tag=hostile").text)
    assert f"/articles/{crawled.hostile_id}/diff/1..2" in hostile
    assert f"/articles/{story}/diff/" not in hostile
    # a tag that is a prefix of a real one matches nothing
    assert "No change matches" in viewer.get("/?tag=middle").text
    assert "No change matches" in viewer.get("/?site=elsewhere.example").text
    assert viewer.get("/?site=127.0.0.1").text.count("See the diff") == 4
    # the tag's feed is advertised
    assert 'href="/feeds/tags/hostile.atom"' in viewer.get("/?tag=hostile").text


def test_malformed_filters_are_clean_400s(viewer):
    for path in ("/?kind=nonsense", "/?page=0", "/?page=x", "/articles?state=gone",
                 "/articles?sort=sideways", "/articles/1/diff/1..2?view=3d"):  # fmt: skip
        response = viewer.get(path)
        assert response.status_code == 400, path
        assert response.headers["content-type"].startswith("text/html")
        assert "Traceback" not in response.text


def test_articles_search_filter_sort_and_paginate(viewer, crawled):
    found = main_of(viewer.get("/articles?q=palmyra").text)
    assert f'href="/articles/{crawled.story_id}"' in found
    assert f'href="/articles/{crawled.hostile_id}"' not in found
    by_url = main_of(viewer.get("/articles?q=news/hostile").text)
    assert f'href="/articles/{crawled.hostile_id}"' in by_url
    assert f'href="/articles/{crawled.story_id}"' not in by_url
    assert "No article matches" in viewer.get("/articles?q=zzzz").text
    # % and _ are literal characters, not wildcards
    assert "No article matches" in viewer.get("/articles?q=%25").text
    assert "No article matches" in viewer.get("/articles?q=_alm").text
    moved = main_of(viewer.get("/articles?kind=paragraph_moved").text)
    assert f'href="/articles/{crawled.story_id}"' in moved
    assert f'href="/articles/{crawled.hostile_id}"' not in moved
    ok = main_of(viewer.get("/articles?state=ok").text)
    assert f'href="/articles/{crawled.story_id}"' in ok
    taken_down = main_of(viewer.get("/articles?state=taken-down").text)
    assert f'href="/articles/{crawled.quiet_id}"' in taken_down
    assert f'href="/articles/{crawled.story_id}"' not in taken_down
    by_versions = main_of(viewer.get("/articles?sort=versions").text)
    assert by_versions.index(f'href="/articles/{crawled.story_id}"') < by_versions.index(
        f'href="/articles/{crawled.hostile_id}"'
    )
    listed = main_of(viewer.get("/articles").text)
    assert listed.count('<a class="headline"') == 3 and 'rel="next"' not in listed
    assert "No article matches" in viewer.get("/articles?page=2").text


def test_article_timeline(viewer, crawled):
    story = crawled.story_id
    page = viewer.get(f"/articles/{story}")
    assert page.status_code == 200
    body = main_of(page.text)
    for number in (1, 2, 3):
        assert f'href="/articles/{story}/versions/{number}"' in body
    assert f'href="/articles/{story}/diff/1..2"' in body
    assert f'href="/articles/{story}/diff/2..3"' in body
    assert body.count('<rect class="bar') == 2  # one bar per change
    assert "published 2017-03-02 18:00 UTC" in body
    assert "updated 2017-03-04 11:40 UTC" in body
    feed = f'href="/articles/{story}/changes.atom"'
    alternate = '<link rel="alternate" type="application/atom+xml" title="redline: changes of'
    assert alternate in page.text
    assert feed in page.text
    compare = viewer.get(f"/articles/{story}/compare?from=1&to=3", follow_redirects=False)
    assert compare.status_code == 303
    assert compare.headers["location"] == f"/articles/{story}/diff/1..3"
    assert viewer.get(f"/articles/{story}/compare?from=x&to=3").status_code == 400
    assert viewer.get("/articles/999").status_code == 404
    assert viewer.get("/articles/abc").status_code == 400


def test_version_page_has_text_neighbours_evidence_and_citation(viewer, crawled):
    story = crawled.story_id
    page = viewer.get(f"/articles/{story}/versions/2")
    assert page.status_code == 200
    body = unescape(main_of(page.text))
    assert NEW_HEADLINE in body and REWORDED in body
    assert f'rel="prev" href="/articles/{story}/versions/1"' in body
    assert f'rel="next" href="/articles/{story}/versions/3"' in body
    assert "sha1:" in body and ".warc.gz" in body and "HTTP status" in body
    assert f'data-originalurl="{crawled.story_url}"' in body
    assert f'data-versionurl="http://127.0.0.1:8080/articles/{story}/versions/2"' in body
    assert re.search(r'data-versiondate="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"', body)
    assert f'href="/articles/{story}/versions/2/record.warc.gz"' in body
    assert viewer.get(f"/articles/{story}/versions/9").status_code == 404
    assert viewer.get(f"/articles/{story}/versions/-1").status_code == 404


def test_diff_shows_headline_change_words_and_steps(viewer, crawled):
    story = crawled.story_id
    page = viewer.get(f"/articles/{story}/diff/1..2")
    assert page.status_code == 200
    body = main_of(page.text)
    meta = re.search(r'<ul class="meta-edits">.*?</ul>', body, re.S).group(0)
    assert "Headline changed" in meta
    assert "<del>" in meta and "<ins>" in meta
    changed = re.search(r'<p class="para changed"[^>]*>.*?</p>', body, re.S).group(0)
    assert "<ins>hundreds of </ins>" in changed or "<ins>hundreds of" in changed
    assert f'rel="next" href="/articles/{story}/diff/2..3"' in body
    assert "This is the first change" in body
    second = main_of(viewer.get(f"/articles/{story}/diff/2..3").text)
    assert f'rel="prev" href="/articles/{story}/diff/1..2"' in second
    assert "This is the latest change" in second


def test_a_moved_paragraph_is_shown_as_a_move(viewer, crawled):
    story = crawled.story_id
    body = unescape(main_of(viewer.get(f"/articles/{story}/diff/2..3").text))
    moved = re.search(r'<p class="para moved" id="p-2">(.*?)</p>', body, re.S)
    assert moved is not None and P[3] in moved.group(1)
    assert "Moved here from paragraph 4" in moved.group(1)
    assert '<p class="move-stub" id="was-4">' in body
    # not a removal and an addition
    assert f"<del>{P[3]}</del>" not in body and f"<ins>{P[3]}</ins>" not in body
    assert f"<ins>{NEW_PARAGRAPH}</ins>" in body  # the real addition is one
    side = unescape(main_of(viewer.get(f"/articles/{story}/diff/2..3?view=side-by-side").text))
    assert '<table class="sbs doc">' in side
    assert "Moved here from paragraph 4" in side and 'id="was-4"' in side
    only = unescape(main_of(viewer.get(f"/articles/{story}/diff/2..3?only=changes").text))
    assert P[0] not in only and "unchanged paragraph" in only
    assert P[3] in only and NEW_PARAGRAPH in only


def test_any_two_versions_compare_even_when_not_a_recorded_change(viewer, crawled):
    story = crawled.story_id
    body = unescape(main_of(viewer.get(f"/articles/{story}/diff/1..3").text))
    assert "Headline changed" in body and NEW_PARAGRAPH in body
    backwards = viewer.get(f"/articles/{story}/diff/3..1")
    assert backwards.status_code == 200
    assert viewer.get(f"/articles/{story}/diff/1..9").status_code == 404
    assert viewer.get(f"/articles/{story}/diff/a..b").status_code == 404


def test_raw_snapshot_is_sandboxed_and_inert(viewer, crawled):
    hostile = crawled.hostile_id
    frame = viewer.get(f"/articles/{hostile}/versions/1/raw")
    assert frame.status_code == 200
    assert re.search(r"<iframe[^>]* sandbox ", frame.text)
    assert frame.headers["content-security-policy"] == PAGE_POLICY
    snap = viewer.get(f"/articles/{hostile}/versions/1/snapshot")
    assert snap.status_code == 200
    assert snap.headers["content-security-policy"] == SNAPSHOT_POLICY
    assert snap.headers["content-security-policy"].startswith("sandbox;")
    assert "allow-scripts" not in SNAPSHOT_POLICY and "allow-same-origin" not in SNAPSHOT_POLICY
    assert snap.headers["x-frame-options"] == "SAMEORIGIN"
    tags, attributes, styles = parsed(snap.text)
    assert not tags & {"script", "iframe", "form", "input", "link", "img", "meta", "image"}
    assert {"h1", "p", "article"} <= tags
    assert not [a for a in attributes if a.startswith("on")]
    assert not attributes & {"href", "src", "srcset", "action", "xlink:href", "poster"}
    assert all("url(" not in css and "@import" not in css for css in styles)
    assert "third-party.invalid/pixel" not in snap.text and "javascript:alert(7)" not in snap.text
    assert "Archaeologists said" in snap.text and "Rebels" in snap.text  # the text stays


def test_raw_bytes_and_one_record_warc_download(viewer, crawled):
    story = crawled.story_id
    raw = viewer.get(f"/articles/{story}/versions/2/payload")
    assert raw.status_code == 200
    assert raw.headers["content-disposition"].startswith("attachment")
    assert raw.headers["content-type"] == "application/octet-stream"
    assert b"<script" in raw.content  # the bytes as served, untouched
    evidence = unescape(viewer.get(f"/articles/{story}/versions/2").text)
    assert payload_digest(raw.content) in evidence
    warc = viewer.get(f"/articles/{story}/versions/2/record.warc.gz")
    assert warc.status_code == 200
    assert warc.headers["content-type"] == "application/warc"
    records = list(ArchiveIterator(io.BytesIO(warc.content)))
    assert [r.rec_type for r in records] == ["response"]
    record = records[0]
    assert record.rec_headers.get_header("WARC-Target-URI") == crawled.story_url
    assert record.rec_headers.get_header("WARC-Payload-Digest") == payload_digest(raw.content)


def test_unknown_versions_of_snapshots_are_404(viewer, crawled):
    for tail in ("raw", "snapshot", "payload", "record.warc.gz"):
        assert viewer.get(f"/articles/{crawled.story_id}/versions/7/{tail}").status_code == 404
        assert viewer.get(f"/articles/999/versions/1/{tail}").status_code == 404


def test_stealth_edits_correction_notes_and_takedowns_are_flagged(viewer, crawled):
    quiet = crawled.quiet_id
    home = main_of(viewer.get("/?tag=culture").text)
    assert "stealth edit" in home and "correction note" in home
    diff = unescape(main_of(viewer.get(f"/articles/{quiet}/diff/1..2").text))
    assert '<span class="label stealth"' in diff
    assert '<span class="label note">correction note</span>' in diff
    assert CORRECTION in diff
    assert re.search(r'<p class="para [a-z-]+ note"', diff)  # the note paragraph is marked
    timeline = main_of(viewer.get(f"/articles/{quiet}").text)
    assert '<span class="label takedown">taken down</span>' in timeline
    assert '<span class="label state taken-down">taken down</span>' in timeline
    # the twin: the story's changes declare a new update time, so none is flagged stealth
    story = main_of(viewer.get(f"/articles/{crawled.story_id}/diff/2..3").text)
    assert "label stealth" not in story and "label note" not in story


HOSTILE_MARKUP = ("<script>", "<img src=x", "<svg onload", "<b>town", '"alert(1)"', "\r\n")


def test_hostile_text_is_escaped_on_every_page(viewer, crawled):
    hostile = crawled.hostile_id
    paths = [
        "/",
        "/articles?q=rebels",
        f"/articles/{hostile}",
        f"/articles/{hostile}/versions/1",
        f"/articles/{hostile}/versions/2",
        f"/articles/{hostile}/diff/1..2",
        f"/articles/{hostile}/diff/1..2?view=side-by-side",
        f"/articles/{hostile}/diff/1..2?only=changes",
        f"/articles/{hostile}/versions/2/raw",
    ]
    for path in paths:
        page = viewer.get(path)
        assert page.status_code == 200, path
        html = page.text
        assert "window.__pwned" in html or path.startswith("/articles?"), path  # it is shown
        for markup in HOSTILE_MARKUP:
            assert markup not in html, (path, markup)
        title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
        assert "<" not in title, path  # "</title>" in a headline cannot end the title
        tags, attributes, _ = parsed(html)
        assert not [a for a in attributes if a.startswith("on")], path
        assert tags <= ALLOWED_VIEWER_TAGS, (path, tags - ALLOWED_VIEWER_TAGS)
        assert html.count("<script") == 1  # the viewer's own static script only
    version = viewer.get(f"/articles/{hostile}/versions/2").text
    assert "&lt;/title&gt;&lt;script&gt;window.__pwned=1&lt;/script&gt;" in version
    cite = re.search(r"<textarea[^>]*>(.*?)</textarea>", version, re.S).group(1)
    snippet = unescape(cite)  # the HTML a reader copies: the headline escaped inside it too
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet


ALLOWED_VIEWER_TAGS = {
    "html", "head", "meta", "title", "link", "script", "body", "a", "span", "header", "div",
    "nav", "form", "input", "main", "p", "h1", "h2", "h3", "ol", "ul", "li", "del", "ins",
    "footer", "select", "option", "label", "button", "time", "table", "thead", "tbody", "tr",
    "th", "td", "dl", "dt", "dd", "section", "article", "svg", "line", "rect", "text",
    "details", "summary", "textarea", "iframe", "kbd", "code",
}  # fmt: skip


def test_lists_page_through_every_item_once(crawled):
    database = open_database(crawled.config().sqlalchemy_url)
    try:
        with database.session() as session:
            pages = [browse.search_articles(session, page=n, size=2) for n in (1, 2)]
            assert [p.has_next for p in pages] == [True, False]
            ids = [a.url_id for p in pages for a in p.items]
            assert sorted(ids) == sorted({crawled.story_id, crawled.hostile_id, crawled.quiet_id})
            changes = [browse.latest_changes(session, page=n, size=3) for n in (1, 2)]
            assert [p.has_next for p in changes] == [True, False]
            seen = [c.change_id for p in changes for c in p.items]
            assert len(seen) == len(set(seen)) == 4
            dates = [c.detected_at for p in changes for c in p.items]
            assert dates == sorted(dates, reverse=True)
    finally:
        database.dispose()


def test_every_page_advertises_an_atom_feed_that_answers(viewer, crawled):
    story = crawled.story_id
    for path in ("/", "/?tag=middle+east", "/articles", f"/articles/{story}",
                 f"/articles/{story}/versions/2", f"/articles/{story}/diff/1..2",
                 f"/articles/{story}/versions/2/raw"):  # fmt: skip
        page = viewer.get(path)
        found = re.findall(
            r'<link rel="alternate" type="application/atom\+xml" title="[^"]*" href="([^"]+)">',
            page.text,
        )
        assert len(found) == 1, path
        feed = viewer.get(unescape(found[0]))
        assert feed.status_code == 200, (path, found[0])
        assert feed.headers["content-type"].startswith("application/atom+xml")


def test_a_viewer_without_the_warc_files_answers_404_not_500(crawled, tmp_path):
    """A viewer on another machine than the crawler (same database, no WARC files)."""
    database_url = crawled.database_url or f"sqlite:///{crawled.data_dir / 'redline.sqlite'}"
    config = load_config(environ={}, data_dir=tmp_path / "elsewhere", database_url=database_url)
    with TestClient(create_app(config), raise_server_exceptions=False) as client:
        version = f"/articles/{crawled.story_id}/versions/1"
        assert client.get(version).status_code == 200
        for tail in ("snapshot", "payload", "record.warc.gz"):
            response = client.get(f"{version}/{tail}")
            assert response.status_code == 404, tail
            assert "is not in this viewer's data directory" in unescape(response.text)
