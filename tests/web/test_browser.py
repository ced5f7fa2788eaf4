"""The viewer in real headless Chromium (Debian's chromium, driven by Playwright), against
`redline serve` started as a process over an archive made by real crawls.

A reader opens the home page, searches, opens the article, clicks through to a diff, sees the
headline change and a moved paragraph shown as a move, switches inline / side by side, steps
to the next change and opens the raw snapshot.  Hostile text (a headline, byline and
paragraphs full of markup and script) runs nothing on any page, and the raw snapshot of a page
full of scripts runs none and makes the browser contact no host but the viewer.

Screenshots at desktop (1280 px) and phone (390 px) widths are kept under the directory named
by ``TEST_ARTEFACTS_DIR`` (default: the test run's temporary directory).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support import unavailable
from tests.web.conftest import NEW_HEADLINE, OLD_HEADLINE, Crawled, P, build_archive
from tests.web.processes import free_port, running

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    named = os.environ.get("TEST_ARTEFACTS_DIR")
    where = Path(named) if named else tmp_path_factory.mktemp("screenshots")
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")
    if not executable:
        unavailable("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(executable), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    return build_archive(tmp_path_factory.mktemp("browser-archive"), "")


@pytest.fixture(scope="module")
def viewer_url(archive: Crawled) -> Iterator[str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running(["serve", "--port", str(port)], dict(archive.redline.env), base):
        yield base


class Watched:
    """A browser page whose dialogs and requests are recorded."""

    def __init__(
        self, browser: Any, viewport: dict[str, int], *, mobile: bool = False, scheme: str = "light"
    ) -> None:
        self.context = browser.new_context(
            viewport=viewport, is_mobile=mobile, has_touch=mobile, color_scheme=scheme
        )
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("dialog", self._dialog)
        self.context.on("request", lambda request: self.requests.append(request.url))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def shot(self, where: Path, name: str) -> Path:
        path = where / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 5_000
        return path

    def globals_set(self) -> list[str]:
        """Payload globals defined in the page or any of its frames that can run script."""
        found = []
        for frame in self.page.frames:
            try:
                found += frame.evaluate(
                    "() => ['__pwned', '__snapshot_ran'].filter(n => n in window)"
                )
            except Exception as exc:  # a sandboxed frame without scripts cannot be asked
                if "sandbox" not in str(exc).lower() and "script" not in str(exc).lower():
                    raise
        return found

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Watched]:
    watched = Watched(browser, DESKTOP)
    yield watched
    watched.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Watched]:
    watched = Watched(browser, PHONE, mobile=True)
    yield watched
    watched.close()


def only_the_viewer(requests: list[str], base: str) -> list[str]:
    viewer = urlsplit(base).netloc
    return [
        url for url in requests if urlsplit(url).netloc != viewer and not url.startswith("data:")
    ]


def test_a_reader_follows_the_story_from_home_to_snapshot(desktop, viewer_url, archive, artefacts):
    from playwright.sync_api import expect

    page = desktop.page
    page.goto(viewer_url + "/")
    rewrite = page.locator("p.rewrite", has_text=OLD_HEADLINE)
    expect(rewrite.locator("del")).to_have_text(OLD_HEADLINE)
    expect(rewrite.locator("ins")).to_have_text(NEW_HEADLINE)
    desktop.shot(artefacts, "desktop-home")

    page.locator("header input[type=search]").fill("palmyra")
    page.keyboard.press("Enter")
    page.wait_for_url("**/articles?q=palmyra")
    expect(page.locator("table.articles tbody tr")).to_have_count(1)
    desktop.shot(artefacts, "desktop-search")
    page.get_by_role("link", name=NEW_HEADLINE).click()
    page.wait_for_url(f"**/articles/{archive.story_id}")
    expect(page.locator("svg.chart rect.bar")).to_have_count(2)
    desktop.shot(artefacts, "desktop-article")

    page.get_by_role("link", name="What changed from version 1").click()
    page.wait_for_url(f"**/articles/{archive.story_id}/diff/1..2")
    headline = page.locator(".meta-edits li.headline")
    expect(headline).to_contain_text("Headline changed")
    expect(headline.locator("ins").first).to_be_visible()
    expect(headline.locator("del").first).to_be_visible()
    style = headline.locator("del").first.evaluate(
        "e => [getComputedStyle(e).textDecorationLine, getComputedStyle(e).backgroundColor]"
    )
    assert "line-through" in style[0] and style[1] not in ("rgba(0, 0, 0, 0)", "transparent")
    desktop.shot(artefacts, "desktop-diff-headline")

    page.locator('a[rel="next"]').click()  # step to the next change
    page.wait_for_url(f"**/articles/{archive.story_id}/diff/2..3")
    moved = page.locator("p.para.moved")
    expect(moved).to_have_count(1)
    expect(moved).to_contain_text(P[3])
    expect(moved).to_contain_text("Moved here from paragraph 4")
    expect(moved.locator("ins")).to_have_count(0)  # a move, not an addition
    expect(page.locator("p.move-stub")).to_contain_text("moved to paragraph 2")
    desktop.shot(artefacts, "desktop-diff-move-inline")

    page.keyboard.press("s")  # the keyboard shortcut switches to side by side
    page.wait_for_url("**/diff/2..3?view=side-by-side")
    expect(page.locator("table.sbs")).to_be_visible()
    expect(page.locator("table.sbs p.para.moved")).to_contain_text(P[3])
    desktop.shot(artefacts, "desktop-diff-move-side-by-side")
    page.get_by_role("link", name="Inline").click()
    expect(page.locator("div.doc.inline")).to_be_visible()
    page.get_by_role("link", name="Changes only").click()
    expect(page.locator("p.gap").first).to_be_visible()
    desktop.shot(artefacts, "desktop-diff-changes-only")

    page.get_by_role("link", name="version 3").first.click()
    page.wait_for_url(f"**/articles/{archive.story_id}/versions/3")
    desktop.shot(artefacts, "desktop-version")
    page.get_by_role("link", name="Raw snapshot").first.click()
    page.wait_for_url(f"**/articles/{archive.story_id}/versions/3/raw")
    frame = page.frame_locator("iframe.snapshot-frame")
    expect(frame.locator("h1")).to_have_text(NEW_HEADLINE)
    desktop.shot(artefacts, "desktop-raw-snapshot")

    assert desktop.dialogs == []
    assert only_the_viewer(desktop.requests, viewer_url) == []


def test_hostile_text_and_pages_run_nothing_and_fetch_nothing(desktop, viewer_url, archive,
                                                              artefacts):  # fmt: skip
    page = desktop.page
    hostile = archive.hostile_id
    paths = [
        "/",
        "/?tag=hostile",
        "/articles?q=rebels",
        f"/articles/{hostile}",
        f"/articles/{hostile}/versions/1",
        f"/articles/{hostile}/versions/2",
        f"/articles/{hostile}/diff/1..2",
        f"/articles/{hostile}/diff/1..2?view=side-by-side",
        f"/articles/{hostile}/versions/1/raw",
        f"/articles/{hostile}/versions/2/raw",
        f"/articles/{hostile}/versions/2/snapshot",
    ]
    for path in paths:
        response = page.goto(viewer_url + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("load")
        page.wait_for_timeout(150)  # let any handler that could fire, fire
        assert desktop.globals_set() == [], path
        assert desktop.dialogs == [], path
    # the hostile text is shown as text
    page.goto(f"{viewer_url}/articles/{hostile}/versions/2")
    assert "<script>window.__pwned=1</script>" in page.locator("h1").inner_text()
    assert "</title>" in page.title()
    desktop.shot(artefacts, "desktop-hostile-version")
    page.goto(f"{viewer_url}/articles/{hostile}/versions/2/raw")
    frame = page.frame_locator("iframe.snapshot-frame")
    assert "Archaeologists said" in frame.locator("body").inner_text()
    desktop.shot(artefacts, "desktop-hostile-raw")
    # nothing but the viewer was asked for anything, and the payload's hosts never
    assert only_the_viewer(desktop.requests, viewer_url) == []
    assert not [url for url in desktop.requests if "third-party.invalid" in url]


def test_a_page_with_scripts_would_run_them_outside_the_sandbox(desktop, archive):
    """The twin of the sandbox test: the same archived page, opened directly, does run its
    script and asks for the third-party host, so the checks above can fail."""
    page = desktop.page
    html = archive.data_dir / "hostile.html"
    from tests.web.conftest import HOSTILE_VERSIONS, hostile_page

    html.write_text(hostile_page(HOSTILE_VERSIONS[1], 1), encoding="utf-8")
    page.goto(html.as_uri())
    page.wait_for_timeout(300)
    assert "__snapshot_ran" in desktop.globals_set()
    assert desktop.dialogs  # alert('snapshot') fired
    assert [url for url in desktop.requests if "third-party.invalid" in url]


def test_phone_layout(phone, viewer_url, archive, artefacts):
    from playwright.sync_api import expect

    page = phone.page
    for name, path in (
        ("phone-home", "/"),
        ("phone-articles", "/articles"),
        ("phone-article", f"/articles/{archive.story_id}"),
        ("phone-diff-inline", f"/articles/{archive.story_id}/diff/2..3"),
        ("phone-diff-side-by-side", f"/articles/{archive.story_id}/diff/1..2?view=side-by-side"),
        ("phone-version", f"/articles/{archive.story_id}/versions/2"),
    ):
        page.goto(viewer_url + path)
        # nothing wider than the screen: no sideways scrolling on a phone
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
        phone.shot(artefacts, name)
    expect(page.locator("h1")).to_be_visible()
    assert phone.dialogs == []


def luminance(css_colour: str) -> float:
    red, green, blue = (
        int(part) for part in css_colour[css_colour.index("(") + 1 : -1].split(",")[:3]
    )
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


def test_dark_colour_scheme(browser, viewer_url, archive, artefacts):
    for scheme in ("dark", "light"):
        watched = Watched(browser, DESKTOP, scheme=scheme)
        try:
            page = watched.page
            page.goto(f"{viewer_url}/articles/{archive.story_id}/diff/1..2")
            background = luminance(page.evaluate("getComputedStyle(document.body).backgroundColor"))
            text = luminance(page.evaluate("getComputedStyle(document.body).color"))
            inserted = page.locator("p.para.changed ins").first
            ins_text = luminance(inserted.evaluate("e => getComputedStyle(e).color"))
            ins_back = luminance(inserted.evaluate("e => getComputedStyle(e).backgroundColor"))
            if scheme == "dark":
                assert background < 0.2 and text > 0.7
                assert ins_text > ins_back + 0.4  # light words on a dark highlight
            else:
                assert background > 0.9 and text < 0.2
                assert ins_back > ins_text + 0.4
            watched.shot(artefacts, f"desktop-diff-{scheme}")
        finally:
            watched.close()
