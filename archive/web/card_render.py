"""Drawing an HTML page as a PNG with headless Chromium (Playwright), safely.

Playwright is optional (the ``card`` extra); without it, :func:`render_png` raises
:class:`CardUnavailableError` saying what to install.  Chromium is the ``chromium_path``
setting, or the ``chromium`` on ``PATH`` (Debian's package), or Playwright's own.

The page is set as content, never loaded from a server: JavaScript is off, every request the
page would make (images, fonts, frames, a hostile ``<img onerror>``) is aborted, and the
browser runs with background networking, component updates and the GPU off.
"""

from __future__ import annotations

import shutil

from archive.errors import RedlineError

#: What to install for cards, named in the error when Playwright is missing.
CARD_HINT = "pip install 'redline[card]' and Debian's chromium (apt-get install chromium)"
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
#: Milliseconds the whole drawing may take (a loaded machine is slow to start Chromium).
TIMEOUT_MS = 60_000


class CardUnavailableError(RedlineError):
    """A card cannot be drawn: Playwright or Chromium is missing."""


def chromium_executable(configured: str = "") -> str | None:
    """The Chromium to run: the configured one, else ``chromium`` on PATH, else None."""
    return configured or shutil.which("chromium") or shutil.which("chromium-browser")


def render_png(html: str, width: int, height: int, *, executable: str = "") -> bytes:
    """``html`` drawn at ``width``×``height`` CSS pixels, as PNG bytes.

    Raises:
        CardUnavailableError: Playwright is not installed or Chromium cannot start.
    """
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise CardUnavailableError(f"diff cards need Playwright: {CARD_HINT}") from None
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=chromium_executable(executable),
                args=list(CHROMIUM_ARGS),
                timeout=TIMEOUT_MS,
            )
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CardUnavailableError(f"cannot start Chromium ({first}): {CARD_HINT}") from None
        try:
            context = browser.new_context(
                viewport={"width": width, "height": height},
                device_scale_factor=1,
                java_script_enabled=False,
                offline=True,
            )
            context.route("**/*", lambda route: route.abort())
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.set_content(html, wait_until="load")
            return page.screenshot(type="png", full_page=False)
        finally:
            browser.close()
