"""Pages that used to lose their article, crawled end to end from a real site on 127.0.0.1: an
edit made together with a control-character reference is found, and a page with a giant inline
script (``max_body_bytes`` raised) is still archived."""

from __future__ import annotations

import pytest

from tests.pages import PARAGRAPHS, Story, article_page, serve

pytestmark = pytest.mark.slow

EDITED = PARAGRAPHS[1].replace("clearing mines", "clearing hundreds of mines")


def outcomes(redline, url):
    return [(c["outcome"], c["reason"], c["version"]) for c in redline.json("captures", url)]


REFERENCES = ("&#11;", "&#x8;", "&#27", "&#1;")


def test_an_edit_with_a_control_reference_is_found(redline_sqlite, site):
    redline = redline_sqlite
    paths = [f"/a{n}" for n in range(len(REFERENCES))]
    for path in paths:
        serve(site, path, Story())
    redline("track", *(site.url(p) for p in paths))
    assert redline.crawl()["new_versions"] == len(paths)
    # the word processor's reference arrives with the edit, in the edited paragraph
    for path, reference in zip(paths, REFERENCES, strict=True):
        page = article_page(Story().but(paragraphs=(PARAGRAPHS[0], EDITED, *PARAGRAPHS[2:])))
        page = page.replace("hundreds of ", f"hundreds of{reference} ")
        assert reference in page
        site.set_page(path, page)
    summary = redline.crawl()
    assert summary["new_versions"] == len(paths), summary
    for path in paths:
        diff = redline.json("diff", site.url(path))
        assert [e["kind"] for e in diff["edits"]] == ["paragraph_changed"], path
        shown = redline.json("show", site.url(path))
        assert shown["text"].split("\n\n")[1].startswith("Engineers were clearing hundreds of ")


def test_a_page_with_a_giant_inline_script_is_archived(redline_sqlite, site):
    redline = redline_sqlite
    redline.env["REDLINE_MAX_BODY_BYTES"] = str(32 * 1024 * 1024)
    state = '<script type="application/json">{"s":"' + "x" * 10_500_000 + '"}</script>'
    story = Story().but(extra_head=state)
    site.set_page("/big", article_page(story))
    serve(site, "/small", Story())
    redline("track", site.url("/big"), site.url("/small"))
    summary = redline.crawl()
    assert summary["new_versions"] == 2, summary
    big = redline.json("show", site.url("/big"))
    small = redline.json("show", site.url("/small"))
    assert big["text"] == small["text"] == "\n\n".join(PARAGRAPHS)
    assert outcomes(redline, site.url("/big")) == [("new-version", None, 1)]
