"""Real pages (article-extraction-benchmark, MIT) through the real crawl: five pages tracked,
one headline edited, exactly one new version, for that page."""

from __future__ import annotations

import gzip
import html

import pytest

from tests.shared_data import require_shared

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


def pick_pages(root, count=5):
    """Pages whose headline text appears verbatim in the HTML, so it can be edited in place."""
    from archive.extract import extract_article

    chosen = []
    for path in sorted((root / "html").glob("*.html.gz")):
        body = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        try:
            article = extract_article(body, "https://news.example/")
        except Exception:
            continue
        headline = article.headline
        if len(headline) > 20 and body.count(headline) >= 1 and html.escape(headline) == headline:
            chosen.append((path.name.split(".")[0], body, headline))
        if len(chosen) == count:
            return chosen
    pytest.fail("not enough editable pages in the corpus")


def test_five_real_pages_one_headline_edit_gives_exactly_one_version(redline, site):
    root = require_shared("article-extraction-benchmark")
    pages = pick_pages(root)
    urls = []
    for name, body, _ in pages:
        site.set_page(f"/{name}", body, conditional=False)
        urls.append(site.url(f"/{name}"))
    redline("track", *urls)
    first = redline.crawl()
    assert (first["new_versions"], first["errors"]) == (5, 0)
    name, body, headline = pages[2]
    edited = headline + " (updated)"
    site.set_page(f"/{name}", body.replace(headline, edited), conditional=False)
    second = redline.crawl()
    assert (second["new_versions"], second["unchanged"], second["errors"]) == (1, 4, 0)
    for url in urls:
        versions = redline.json("versions", url)
        if url.endswith(name):
            assert [v["number"] for v in versions] == [1, 2]
            assert versions[1]["headline"] == edited
            kinds = [e["kind"] for e in redline.json("diff", url)["edits"]]
            assert "headline" in kinds and "paragraph_removed" not in kinds
        else:
            assert len(versions) == 1
