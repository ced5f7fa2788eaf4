"""The demo story served by LocalSite: stable articles in changing chrome, and intended edits."""

from __future__ import annotations

import json
import urllib.request
import urllib.robotparser
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

import lxml.html
import pytest
import trafilatura

from scheduler.demo import story
from scheduler.demo.site import LocalSite
from scheduler.demo.story import (
    ARTICLE_PATHS,
    HERITAGE_PATH,
    INDEX_PATH,
    LIVE_PATH,
    MAIN_PATH,
    ROUNDS,
    STORY,
    describe_round,
    install_round,
    pages_for_round,
)

# Strings that only ever appear in the chrome: none may leak into the extracted article.
CHROME_MARKERS = (
    "Advertisement",
    "Most read",
    "minutes ago",
    "Subscribe",
    "comments",
    "Morning Briefing",
    "Share on Facebook",
    "Send by email",
    "All rights reserved",
    "Harbour tunnel",
)


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        yield s


def fetch(site: LocalSite, path: str) -> str:
    with urllib.request.urlopen(site.url(path), timeout=10) as resp:
        body: bytes = resp.read()
    return body.decode("utf-8")


@dataclass(frozen=True)
class Parsed:
    html: str
    article: str
    chrome: str
    headline: str
    byline: str
    paragraphs: list[str]
    correction: str | None
    meta_modified: str
    ld: dict[str, object]
    time_modified: str
    csrf: str
    ad_ids: list[str]
    script_src: str
    comments: str
    most_read: list[str]
    banner: str


def parse(html: str) -> Parsed:
    doc = lxml.html.fromstring(html)
    [art] = doc.xpath("//article")
    article = lxml.html.tostring(art, encoding="unicode")
    art.getparent().remove(art)
    [ld_text] = doc.xpath("//script[@type='application/ld+json']/text()")
    correction = [p.text_content() for p in art.xpath(".//p[@class='correction']")]
    return Parsed(
        html=html,
        article=article,
        chrome=lxml.html.tostring(doc, encoding="unicode"),
        headline=art.xpath("string(.//h1)"),
        byline=art.xpath("string(.//p[@class='byline'])"),
        paragraphs=[
            p.text_content() for p in art.xpath(".//div[@class='story-body']/p[not(@class)]")
        ],
        correction=correction[0] if correction else None,
        meta_modified=doc.xpath("string(//meta[@property='article:modified_time']/@content)"),
        ld=json.loads(ld_text),
        time_modified=art.xpath("string(.//time[@itemprop='dateModified']/@datetime)"),
        csrf=doc.xpath("string(//input[@name='csrf_token']/@value)"),
        ad_ids=doc.xpath("//div[contains(@class, 'ad-slot')]/@id"),
        script_src=doc.xpath("string(//script[@src]/@src)"),
        comments=doc.xpath("string(//a[@class='comments-link'])"),
        most_read=doc.xpath("//section[@class='most-read']//li/a/text()"),
        banner=doc.xpath("string(//div[@class='breaking-banner'])"),
    )


def render(n: int, path: str, k: int = 1) -> Parsed:
    return parse(pages_for_round(n, "http://127.0.0.1:8000")[path](k))


# -- API -----------------------------------------------------------------------------------


def test_rounds_and_descriptions() -> None:
    assert ROUNDS >= 4
    assert [r.number for r in STORY] == list(range(1, ROUNDS + 1))
    lines = [describe_round(n) for n in range(1, ROUNDS + 1)]
    assert all(
        "\n" not in line and line.startswith(f"Round {n}/") for n, line in enumerate(lines, 1)
    )
    assert len(set(lines)) == ROUNDS
    for bad in (0, ROUNDS + 1):
        with pytest.raises(ValueError):
            describe_round(bad)
        with pytest.raises(ValueError):
            pages_for_round(bad)


def test_pages_for_round_has_index_and_at_least_three_articles() -> None:
    assert len(ARTICLE_PATHS) >= 3
    for n in range(1, ROUNDS + 1):
        assert set(pages_for_round(n)) == {INDEX_PATH, *ARTICLE_PATHS}


def test_rendering_is_deterministic() -> None:
    for path in ARTICLE_PATHS:
        assert pages_for_round(3)[path](17) == pages_for_round(3)[path](17)


# -- served by LocalSite ----------------------------------------------------------------------


def test_install_round_serves_every_page_and_robots(site: LocalSite) -> None:
    install_round(site, 1)
    for path in (INDEX_PATH, *ARTICLE_PATHS):
        assert "<!DOCTYPE html>" in fetch(site, path)
    robots = urllib.robotparser.RobotFileParser(site.url("/robots.txt"))
    robots.read()
    assert all(robots.can_fetch("redline", site.url(p)) for p in ARTICLE_PATHS)
    with urllib.request.urlopen(site.url("/robots.txt"), timeout=10) as resp:
        assert resp.headers["Content-Type"].startswith("text/plain")
        assert resp.read().decode() == "User-agent: *\nAllow: /\n"


def test_install_round_replaces_the_previous_round(site: LocalSite) -> None:
    install_round(site, 1)
    first = parse(fetch(site, MAIN_PATH))
    install_round(site, 2)
    second = parse(fetch(site, MAIN_PATH))
    assert first.headline == STORY[0].articles[MAIN_PATH].headline
    assert second.headline == STORY[1].articles[MAIN_PATH].headline
    assert first.headline != second.headline


def test_last_modified_follows_the_article_and_answers_304(site: LocalSite) -> None:
    install_round(site, 2)
    with urllib.request.urlopen(site.url(MAIN_PATH), timeout=10) as resp:
        last_modified = resp.headers["Last-Modified"]
    modified = datetime.fromisoformat(STORY[1].articles[MAIN_PATH].modified)
    assert last_modified == format_datetime(modified, usegmt=True)
    req = urllib.request.Request(site.url(MAIN_PATH), headers={"If-Modified-Since": last_modified})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)
    info.value.close()
    assert info.value.code == 304


def test_canonical_is_absolute_on_the_site(site: LocalSite) -> None:
    install_round(site, 1)
    doc = lxml.html.fromstring(fetch(site, MAIN_PATH))
    assert doc.xpath("string(//link[@rel='canonical']/@href)") == site.url(MAIN_PATH)


@pytest.mark.parametrize("path", ARTICLE_PATHS)
def test_chrome_differs_on_every_request_while_the_article_stays(
    site: LocalSite, path: str
) -> None:
    install_round(site, 3)
    pages = [parse(fetch(site, path)) for _ in range(4)]
    assert len({p.html for p in pages}) == 4
    assert len({p.article for p in pages}) == 1
    for attr in ("csrf", "script_src", "comments"):
        assert len({getattr(p, attr) for p in pages}) == 4, attr
    assert len({tuple(p.ad_ids) for p in pages}) == 4
    assert all(len(p.ad_ids) == 2 for p in pages)
    assert len({tuple(p.most_read) for p in pages}) == 4
    assert all("minutes ago" in p.chrome for p in pages)


def test_index_lists_the_current_headlines(site: LocalSite) -> None:
    for n in (1, 3):
        install_round(site, n)
        html = fetch(site, INDEX_PATH)
        doc = lxml.html.fromstring(html)
        links = dict(
            zip(
                doc.xpath("//li[@class='card']/a/@href"),
                doc.xpath("//li[@class='card']/a/text()"),
                strict=True,
            )
        )
        assert links == {p: a.headline for p, a in STORY[n - 1].articles.items()}
    assert fetch(site, INDEX_PATH) != fetch(site, INDEX_PATH)


# -- each page is complete, and its chrome stays out of the extracted text ----------------


@pytest.mark.parametrize("n", range(1, ROUNDS + 1))
@pytest.mark.parametrize("path", ARTICLE_PATHS)
def test_page_metadata_agrees_with_itself(n: int, path: str) -> None:
    p = render(n, path)
    state = STORY[n - 1].articles[path]
    doc = lxml.html.fromstring(p.html)
    assert doc.xpath("string(//title)").startswith(state.headline)
    assert doc.xpath("string(//meta[@property='og:title']/@content)") == state.headline
    assert doc.xpath("string(//meta[@name='description']/@content)") == state.standfirst
    assert doc.xpath("string(//meta[@property='article:published_time']/@content)")
    assert p.headline == state.headline
    assert p.ld["@type"] == "NewsArticle"
    assert p.ld["headline"] == state.headline
    assert p.meta_modified == p.ld["dateModified"] == p.time_modified == state.modified
    assert p.paragraphs == list(state.paragraphs)


@pytest.mark.parametrize("n", [1, 4, 5])
@pytest.mark.parametrize("path", ARTICLE_PATHS)
def test_trafilatura_takes_the_article_and_leaves_the_chrome(n: int, path: str) -> None:
    p = render(n, path, k=5)
    text = trafilatura.extract(p.html)
    assert text is not None
    for paragraph in p.paragraphs:
        assert paragraph in text
    if p.correction:
        assert p.correction in text
    for marker in CHROME_MARKERS:
        assert marker in p.chrome, marker  # the self-check: the marker is really on the page
        assert marker not in text, marker


# -- the intended edits between rounds ---------------------------------------------------------


def test_headlines_develop() -> None:
    heads = [render(n, MAIN_PATH).headline for n in range(1, ROUNDS + 1)]
    assert heads[0].startswith("DEVELOPING:")
    assert "recaptures" in heads[2] and not heads[2].startswith("CONFIRMED")
    assert heads[3].startswith("CONFIRMED:")
    assert len(set(heads[:4])) == 4


def test_round_2_rewrites_the_main_story_and_leaves_heritage_alone() -> None:
    before, after = render(1, MAIN_PATH), render(2, MAIN_PATH)
    assert before.headline != after.headline
    assert before.meta_modified < after.meta_modified
    assert before.ld["dateModified"] != after.ld["dateModified"]
    assert before.time_modified != after.time_modified
    assert before.paragraphs[0] != after.paragraphs[0]  # lead changed
    removed = set(before.paragraphs) - set(after.paragraphs)
    added = set(after.paragraphs) - set(before.paragraphs)
    assert any("20 kilometres" in p for p in removed)
    assert len(added) == 3  # new lead + two new paragraphs
    assert set(before.paragraphs) & set(after.paragraphs)  # most of it carries over

    h1, h2 = render(1, HERITAGE_PATH), render(2, HERITAGE_PATH)
    assert h1.article == h2.article
    assert h1.meta_modified == h2.meta_modified


def test_round_3_changes_byline_and_moves_paragraphs() -> None:
    before, after = render(2, MAIN_PATH), render(3, MAIN_PATH)
    assert before.byline == "By Nadia Haddad"
    assert after.byline == "By Nadia Haddad and Tomás Reyes"
    assert len(before.ld["author"]) == 1  # type: ignore[arg-type]
    assert len(after.ld["author"]) == 2  # type: ignore[arg-type]
    first_time = next(p for p in before.paragraphs if p.startswith("The group had first held"))
    december = next(p for p in before.paragraphs if p.startswith("Islamic State retook"))
    assert first_time in after.paragraphs and december in after.paragraphs
    assert before.paragraphs.index(december) < before.paragraphs.index(first_time)
    assert after.paragraphs.index(december) > after.paragraphs.index(first_time)


def test_round_4_adds_a_correction_and_fixes_the_error() -> None:
    before, after = render(3, MAIN_PATH), render(4, MAIN_PATH)
    assert before.correction is None
    assert after.correction is not None
    assert after.correction.startswith("Correction: An earlier version of this article misstated")
    assert any("325 kilometres" in p for p in before.paragraphs)
    assert not any("325 kilometres" in p for p in after.paragraphs)
    assert any("225 kilometres" in p for p in after.paragraphs)


def test_round_5_changes_only_chrome_on_two_pages() -> None:
    for path in (MAIN_PATH, LIVE_PATH):
        before, after = render(4, path, k=3), render(5, path, k=3)
        assert before.article == after.article
        assert before.meta_modified == after.meta_modified
        assert before.html != after.html  # same request number, different round: chrome only
        assert before.banner != after.banner
    h4, h5 = render(4, HERITAGE_PATH), render(5, HERITAGE_PATH)
    assert h4.article != h5.article
    assert h4.meta_modified < h5.meta_modified


def test_a_page_changes_exactly_when_its_modified_time_does() -> None:
    for n in range(2, ROUNDS + 1):
        changed = 0
        for path in ARTICLE_PATHS:
            before, after = render(n - 1, path), render(n, path)
            assert (before.article != after.article) == (
                before.meta_modified != after.meta_modified
            )
            assert before.meta_modified <= after.meta_modified
            changed += before.article != after.article
        assert changed >= 1, f"round {n} changes no article"


def test_every_kind_of_edit_happens_somewhere() -> None:
    kinds: set[str] = set()
    for n in range(2, ROUNDS + 1):
        for path in ARTICLE_PATHS:
            old, new = render(n - 1, path).paragraphs, render(n, path).paragraphs
            if set(new) - set(old):
                kinds.add("added")
            if set(old) - set(new):
                kinds.add("removed")
            kept_old = [p for p in old if p in new]
            kept_new = [p for p in new if p in old]
            if kept_old != kept_new:
                kinds.add("moved")
    assert kinds == {"added", "removed", "moved"}
    assert story.ROBOTS_TXT.startswith("User-agent: *")
