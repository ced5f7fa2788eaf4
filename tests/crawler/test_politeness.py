"""Per-site concurrency: a site never answers more of redline's requests at once than
``concurrent_requests_per_domain``, with AutoThrottle or without it (and no delay), where
Scrapy 2.19 alone lets a whole queue through (``crawler/downloader.py``)."""

from __future__ import annotations

import pytest

from tests.pages import serve_slow_pages

pytestmark = pytest.mark.slow
PAGES = 12


def crawl_slow_pages(redline, site, *, per_site: int, autothrottle: bool) -> int:
    """Crawl PAGES slow pages of one site; the most requests the site answered at once."""
    redline.env["REDLINE_CONCURRENT_REQUESTS_PER_DOMAIN"] = str(per_site)
    redline.env["REDLINE_AUTOTHROTTLE"] = "1" if autothrottle else "0"
    redline.env["REDLINE_DOWNLOAD_DELAY_S"] = "0"
    paths = serve_slow_pages(site, PAGES, delay_s=0.3)
    redline("track", *(site.url(p) for p in paths))
    assert redline.crawl()["new_versions"] == PAGES
    return site.most_in_flight()


@pytest.mark.parametrize("per_site", [1, 3])
def test_without_autothrottle_a_site_gets_at_most_its_share(redline_sqlite, site, per_site):
    # and at least it: the limit is what holds the crawl back, not something else
    assert crawl_slow_pages(redline_sqlite, site, per_site=per_site, autothrottle=False) == per_site


def test_with_autothrottle_a_site_gets_at_most_its_share(redline_sqlite, site):
    assert crawl_slow_pages(redline_sqlite, site, per_site=2, autothrottle=True) <= 2
