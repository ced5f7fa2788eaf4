"""The report's HTML part in a real browser (Debian's chromium through Playwright): the
highlighted words are visible and styled, and nothing is fetched from anywhere."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from archive.report.compose import compose_report
from tests.report.conftest import reworded
from tests.report.test_compose import ENVELOPE, RECIPIENT, item, parse
from tests.support import unavailable

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def page():
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        unavailable(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
            args=["--headless", "--no-sandbox", "--disable-gpu"],
        )
        try:
            yield browser.new_page(viewport={"width": 700, "height": 900})
        finally:
            browser.close()


def test_html_part_shows_highlighted_words(page, tmp_path):
    change = item(
        headline="Syrian regime recaptures Palmyra",
        paragraphs=reworded(0, "taken back", "recaptured"),
    )
    parsed, _ = parse(compose_report(RECIPIENT, [change], ENVELOPE))
    html = parsed.get_body(("html",)).get_content()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.set_content(html, wait_until="load")
    screenshot = tmp_path / "report.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 5_000

    inserted = page.locator("ins", has_text="recaptured")
    deleted = page.locator("del", has_text="taken back")
    for locator in (inserted, deleted, page.locator("ins", has_text="Syrian regime")):
        assert locator.count() == 1
        assert locator.is_visible()
        box = locator.bounding_box()
        assert box is not None and box["width"] > 10 and box["height"] > 5
    style = inserted.evaluate(
        "e => { const s = getComputedStyle(e);"
        " return [s.backgroundColor, s.textDecorationLine, s.color]; }"
    )
    assert style[0] not in ("rgba(0, 0, 0, 0)", "transparent")  # a highlight, not plain text
    assert "underline" in style[1]
    struck = deleted.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "line-through" in struck
    assert deleted.evaluate("e => getComputedStyle(e).backgroundColor") != style[0]
    # the diff link is there and points at the viewer
    link = page.get_by_role("link", name="See the diff")
    assert link.get_attribute("href") == "https://viewer.example/articles/3/diff/1..2"
    assert page.evaluate("document.scripts.length") == 0
    assert requests == []  # nothing fetched: no images, fonts or style sheets
