"""Diff cards drawn by real headless Chromium (Debian's chromium through Playwright): a PNG
of 1200×675 for a real change, read back with Pillow and kept under ``TEST_ARTEFACTS_DIR``
(default: the run's temporary directory); a hostile headline runs no script and fetches
nothing while the card is drawn (with the twin: the same markup, loaded as a page, does);
``redline card``, the viewer's route and short link, and ``--card`` on an Apprise report.
On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

pytest.importorskip("playwright")
from PIL import Image, ImageStat

from archive.web.card import HEIGHT, WIDTH, card_png
from scheduler.reports import send_due_reports
from tests.channels.conftest import add_subscription
from tests.report.conftest import T0
from tests.support import unavailable

pytestmark = pytest.mark.browser

LATER = T0 + timedelta(minutes=5)


@pytest.fixture(autouse=True)
def chromium() -> None:
    if not shutil.which("chromium") and not Path("/usr/bin/chromium").exists():
        unavailable("Debian's chromium is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    named = os.environ.get("TEST_ARTEFACTS_DIR")
    where = Path(named) if named else tmp_path_factory.mktemp("cards")
    where.mkdir(parents=True, exist_ok=True)
    return where


def read_png(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def colours(image: Image.Image) -> set[tuple[int, int, int]]:
    found = image.getcolors(maxcolors=1 << 24)
    assert found is not None
    return {colour for _, colour in found}


def assert_not_blank(image: Image.Image) -> None:
    colours = image.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text, marks and rules, not a flat fill
    assert max(ImageStat.Stat(image).stddev) > 10


def edited_story(archive) -> int:
    a = archive.track("https://meridian.example/world/palmyra")
    archive.recapture(a)
    return a


def test_the_card_of_a_real_change(db, archive, artefacts, database_url):
    a = edited_story(archive)
    with db.session() as session:
        png = card_png(session, a, 1, 2, base_url="https://viewer.example")
    assert png is not None
    image = read_png(png)
    assert image.size == (WIDTH, HEIGHT) == (1200, 675)
    assert_not_blank(image)
    backend = database_url.split(":", 1)[0].split("+")[0]
    (artefacts / f"card-{backend}.png").write_bytes(png)
    # deletions are drawn in red on pink, insertions in green on mint: both colours are there
    pixels = colours(image)
    assert any(r > 200 and 200 < g < 240 and 200 < b < 240 for r, g, b in pixels)  # #fbe3e1
    assert any(r < 220 and g > 220 and b > 200 and g > r for r, g, b in pixels)  # #cdeed8
    # the twin: an unchanged pair of versions draws no insertion
    archive.edit(a, T0 + timedelta(hours=1), byline="Nadia Harrow and Sami Kader")
    with db.session() as session:
        other = read_png(card_png(session, a, 2, 3, base_url="https://viewer.example"))
    assert not any(r < 220 and g > 220 and b > 200 and g > r for r, g, b in colours(other))
    with db.session() as session:
        assert card_png(session, a, 1, 9, base_url="https://viewer.example") is None


def test_a_hostile_headline_runs_no_script_while_the_card_is_drawn(db, archive, receiver):
    probe = receiver.url
    hostile = (
        f"<script>fetch('{probe}/script')</script>"
        f"<img src='{probe}/img' onerror=\"fetch('{probe}/onerror')\">"
        f"<link rel=stylesheet href='{probe}/css'> Mayor resigns"
    )
    a = archive.track("https://meridian.example/a")
    archive.edit(a, T0, headline=hostile)
    with db.session() as session:
        image = read_png(card_png(session, a, 1, 2, base_url="https://viewer.example"))
    assert image.size == (WIDTH, HEIGHT)
    assert receiver.fetched == []
    # the twin: the same markup loaded as a page (script on, network on) does reach the probe
    from playwright.sync_api import sync_playwright

    from archive.web.card_render import CHROMIUM_ARGS, chromium_executable

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable(), args=list(CHROMIUM_ARGS)
        )
        try:
            page = browser.new_page()
            page.set_content(f"<h1>{hostile}</h1>", wait_until="load")
            page.wait_for_timeout(500)
        finally:
            browser.close()
    assert "/img" in receiver.fetched


def test_the_command_writes_the_card(redline, archive, tmp_path):
    edited_story(archive)
    out = tmp_path / "palmyra.png"
    done = redline("card", "https://meridian.example/world/palmyra", "-o", str(out))
    assert "wrote" in done.stdout and "v1 → v2" in done.stdout
    image = read_png(out.read_bytes())
    assert image.size == (1200, 675)
    assert_not_blank(image)
    missing = redline(
        "card", "https://meridian.example/world/palmyra", "1", "7", "-o", str(out), check=False
    )
    assert missing.returncode == 1 and "no version 7" in missing.stderr


def test_without_playwright_the_command_says_what_to_install(archive, data_dir, database_url):
    edited_story(archive)
    code = (
        "import sys; sys.modules['playwright'] = None\n"  # as if the extra were not installed
        "from scheduler.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("REDLINE_")}
    env.update(REDLINE_DATA_DIR=str(data_dir), REDLINE_DATABASE_URL=database_url)
    url = "https://meridian.example/world/palmyra"
    proc = subprocess.run(
        [sys.executable, "-c", code, "card", url, "-o", str(data_dir / "x.png")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert proc.returncode == 1
    assert proc.stderr.startswith("redline: error: diff cards need Playwright: pip install")
    assert "redline[card]" in proc.stderr and len(proc.stderr.splitlines()) == 1
    assert not (data_dir / "x.png").exists()


def test_the_viewer_serves_the_card_and_its_short_link(db, archive, config):
    from fastapi.testclient import TestClient

    from archive.web.app import create_app

    a = edited_story(archive)
    with TestClient(create_app(config, database=db)) as client:
        answer = client.get(f"/articles/{a}/card/1..2.png")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "image/png"
        assert read_png(answer.content).size == (1200, 675)
        assert client.get(f"/articles/{a}/card/1..5.png").status_code == 404
        short = client.get("/c/1", follow_redirects=False)
        assert short.status_code == 302 and short.headers["location"] == f"/articles/{a}/diff/1..2"
        assert client.get("/c/99", follow_redirects=False).status_code == 404


def test_card_on_an_immediate_apprise_report_attaches_the_png(db, archive, config, receiver):
    pytest.importorskip("apprise")
    add_subscription(db, f"json://127.0.0.1:{receiver.port}/with-card", card=True)
    add_subscription(db, f"json://127.0.0.1:{receiver.port}/without")
    edited_story(archive)
    summary = send_due_reports(config, now=LATER, database=db)
    assert summary.sent == 2
    posts = {r.path: r.json() for r in receiver.received}
    [attached] = posts["/with-card"]["attachments"]
    assert attached["mimetype"] == "image/png" and attached["filename"].endswith(".png")
    image = read_png(base64.b64decode(attached["base64"]))
    assert image.size == (1200, 675)
    assert_not_blank(image)
    assert not posts["/without"].get("attachments")
