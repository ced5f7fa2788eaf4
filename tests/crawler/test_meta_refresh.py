"""Meta refresh: Scrapy's redirect, skipped without decoding the pages that cannot hold one."""

from __future__ import annotations

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from archive.config import Config
from crawler.configure import settings_for
from crawler.middlewares import META_REFRESH_WINDOW, MetaRefreshMiddleware, may_refresh
from tests.pages import Story, article_page, serve

REFRESH = '<html><head><meta http-equiv="Refresh" content="0; url={target}"></head></html>'


def test_may_refresh_looks_for_the_word_in_the_window_only() -> None:
    assert may_refresh(b'<meta http-equiv="refresh" content="0; url=/b">')
    assert may_refresh(b'<META HTTP-EQUIV="REFRESH" CONTENT="0; URL=/b">')
    assert not may_refresh(b"<html><head><title>An article</title></head><body>...</body>")
    # past the bytes the first 4,096 characters can take, Scrapy would not look either
    far = b"<html><head>" + b" " * META_REFRESH_WINDOW + b'<meta http-equiv="refresh">'
    assert not may_refresh(far)
    # not ASCII-compatible (UTF-16): always left to Scrapy's own check
    assert may_refresh("<html><body>no refresh</body></html>".encode("utf-16"))


def test_the_crawl_uses_this_middleware_in_place_of_scrapys() -> None:
    middlewares = settings_for(Config())["DOWNLOADER_MIDDLEWARES"]
    assert middlewares["scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware"] is None
    assert middlewares["crawler.middlewares.MetaRefreshMiddleware"] == 580  # Scrapy's place


def test_a_page_without_refresh_is_passed_on_undecoded() -> None:
    crawler = get_crawler(Spider)
    crawler.spider = crawler._create_spider("test")
    middleware = MetaRefreshMiddleware.from_crawler(crawler)
    request = Request("https://news.example/a")
    page = HtmlResponse(request.url, body=b"<html><head></head><body>text</body></html>")
    assert middleware.process_response(request, page) is page
    assert page._cached_ubody is None  # Scrapy's check would have decoded the whole body
    # the twin: a page with a refresh is redirected by Scrapy's own check
    target = "https://news.example/b"
    refresh = REFRESH.format(target=target).encode()
    redirected = middleware.process_response(request, HtmlResponse(request.url, body=refresh))
    assert isinstance(redirected, Request) and redirected.url == target


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_meta_refresh_is_followed(redline_sqlite, site, encoding: str) -> None:
    redline = redline_sqlite
    serve(site, "/news/palmyra", Story())
    page = REFRESH.format(target=site.url("/news/palmyra"))
    site.set_page(
        "/r/palmyra",
        page.encode(encoding),
        content_type=f"text/html; charset={encoding}",
        conditional=False,
    )
    redline("track", site.url("/r/palmyra"))
    assert redline.crawl()["new_versions"] == 1
    [capture] = redline.json("captures", site.url("/r/palmyra"))
    assert capture["final_url"] == site.url("/news/palmyra")
    [version] = redline.json("versions", site.url("/r/palmyra"))
    assert version["headline"] == Story().headline


@pytest.mark.slow
def test_a_page_that_only_names_refresh_is_not_redirected(redline_sqlite, site) -> None:
    # the word passes the quick check; Scrapy's own check finds no refresh: the page is kept
    redline = redline_sqlite
    page = article_page(Story(), 1).replace("</head>", "<!-- refresh widget --></head>", 1)
    site.set_page("/a", page, conditional=False)
    redline("track", site.url("/a"))
    assert redline.crawl()["new_versions"] == 1
    [capture] = redline.json("captures", site.url("/a"))
    assert capture["final_url"] in (None, site.url("/a"))
