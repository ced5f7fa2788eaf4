"""The wall guard on the project's wall corpus (tests/pages/walls) and on 181 real pages.

The corpus: consent walls of the common consent platforms, metered, hard and registration
paywalls, soft 404s and "no longer available" pages, in English, French, German and Spanish
(``consent-*``, ``paywall-*``, ``soft404-*``), and their twins (``twin-*``): real-looking
articles about cookies, subscriptions, privacy or missing pages, some under a consent banner or
beside a subscription bar, and very short news items, which must stay versions.

Each page goes through the extraction and the write path: a wall after a good version is a
failed capture with its reason (never a version, never a takedown), a wall on a first fetch
records no version, and a twin becomes a version.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.capture import CaptureResult, Extracted, Failed, FetchFacts
from archive.db import open_database
from archive.enums import CaptureOutcome, EventKind, FailureReason
from archive.errors import ExtractionError
from archive.extract import Article, extract_article
from archive.models import Event, TrackedURL, Version
from archive.store import record_capture, track
from tests.shared_data import require_shared

WALLS = Path(__file__).resolve().parents[1] / "pages" / "walls"
EXPECTED = {
    "consent": FailureReason.CONSENT_WALL,
    "paywall": FailureReason.PAYWALL,
    "soft404": FailureReason.SOFT_404,
    "twin": None,  # stays a version
}
PAGES = sorted(WALLS.glob("*.html"))
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
GOOD = Article(
    "Harbour bridge reopens after two-year repair",
    (
        "The swing bridge over the inner harbour opened to cars and cyclists again on Tuesday"
        " morning, ending a closure that lasted just over two years.",
        "Engineers replaced the bearings and the deck, and repainted the whole structure.",
    ),
)


def expected(page: Path) -> FailureReason | None:
    return EXPECTED[page.name.split("-", 1)[0]]


def result_of(page: Path) -> CaptureResult:
    """What the crawl hands the archive for this page (the pipeline's own mapping)."""
    try:
        article = extract_article(page.read_bytes(), f"https://news.example/{page.stem}")
    except ExtractionError as error:
        return Failed(error.reason, error.detail)
    return Extracted(article)


def test_the_corpus_is_large_enough_and_spans_the_kinds_and_languages() -> None:
    kinds = [expected(p) for p in PAGES]
    walls = [p for p in PAGES if expected(p) is not None]
    assert len(walls) >= 40
    assert kinds.count(None) >= 15
    for reason in (FailureReason.CONSENT_WALL, FailureReason.PAYWALL, FailureReason.SOFT_404):
        assert kinds.count(reason) >= 10, reason
    for language in ("en", "fr", "de", "es"):
        assert sum(f'<html lang="{language}"' in p.read_text("utf-8") for p in walls) >= 6
        assert any(f'<html lang="{language}"' in p.read_text("utf-8") for p in PAGES if p in walls)


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_each_page_gets_its_verdict(page: Path) -> None:
    result = result_of(page)
    want = expected(page)
    if want is None:
        assert isinstance(result, Extracted), result
    else:
        assert isinstance(result, Failed), f"{page.stem} would become a version"
        assert result.reason is want, result


@pytest.fixture
def db(database_url):
    database = open_database(database_url)
    yield database
    database.dispose()


def record(db, tracked_id: int, result: CaptureResult, minutes: int, digest: str):
    facts = FetchFacts(
        tracked_id, T0 + timedelta(minutes=minutes), http_status=200, payload_digest=digest
    )
    with db.session() as session:
        row = record_capture(session, facts, result)
        return row.outcome, row.reason


def test_gate_no_wall_becomes_a_version_and_no_twin_is_lost(db) -> None:
    archived_walls: list[str] = []
    lost_twins: list[str] = []
    takedowns: list[str] = []
    for n, page in enumerate(PAGES):
        result = result_of(page)
        with db.session() as session:
            after_good, _ = track(session, f"https://news.example/after/{n}", now=T0)
            first, _ = track(session, f"https://news.example/first/{n}", now=T0)
            after_good_id, first_id = after_good.id, first.id
        assert (
            record(db, after_good_id, Extracted(GOOD), 0, "good")[0] is CaptureOutcome.NEW_VERSION
        )
        outcome, reason = record(db, after_good_id, result, 10, f"page-{n}")
        first_outcome, first_reason = record(db, first_id, result, 10, f"page-{n}")
        with db.session() as session:
            tracked = session.get(TrackedURL, after_good_id)
            current = session.get(Version, tracked.current_version_id)
            versions = session.query(Version).filter_by(tracked_url_id=after_good_id).count()
            first_versions = session.query(Version).filter_by(tracked_url_id=first_id).count()
            if (
                session.query(Event)
                .filter_by(tracked_url_id=after_good_id, kind=EventKind.TAKEDOWN)
                .count()
            ):
                takedowns.append(page.stem)
        want = expected(page)
        if want is None:
            if outcome is not CaptureOutcome.NEW_VERSION or first_versions != 1:
                lost_twins.append(page.stem)
            continue
        if outcome is not CaptureOutcome.ERROR or versions != 1 or first_versions != 0:
            archived_walls.append(page.stem)
        assert (outcome, reason) == (CaptureOutcome.ERROR, want), page.stem
        assert (first_outcome, first_reason) == (CaptureOutcome.ERROR, want), page.stem
        assert current.content_hash == GOOD.content_hash, page.stem  # the good version stays
    assert archived_walls == []
    assert lost_twins == []
    assert takedowns == []


def test_an_article_under_a_consent_banner_or_beside_a_paywall_prompt_stays() -> None:
    """The evidence is where the text is: the same article keeps its version whatever wall
    markup surrounds it, and only loses it when the article itself is gone."""
    twin = (WALLS / "twin-cookie-rules-en.html").read_text("utf-8")
    start, end = twin.index('<div class="article-body">'), twin.index("</article>")
    assert isinstance(result_of_text(twin), Article)
    emptied = twin[:start] + '<div class="article-body"></div>' + twin[end:]
    error = result_of_text(emptied)
    assert isinstance(error, ExtractionError) and error.reason is FailureReason.CONSENT_WALL


def result_of_text(text: str) -> Article | ExtractionError:
    try:
        return extract_article(text.encode("utf-8"), "https://news.example/x")
    except ExtractionError as error:
        return error


@pytest.mark.corpus
def test_no_real_page_is_taken_for_a_wall() -> None:
    """None of the 181 article-extraction-benchmark pages (real news and blog pages, many
    with consent-platform scripts, paywall markup or isAccessibleForFree) is flagged."""
    root = require_shared("article-extraction-benchmark")
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    flagged = []
    pages = sorted((root / "html").glob("*.html.gz"))
    assert len(pages) == 181
    for path in pages:
        item = path.name.split(".")[0]
        try:
            extract_article(gzip.decompress(path.read_bytes()), truth[item]["url"])
        except ExtractionError as error:
            if error.reason in (
                FailureReason.CONSENT_WALL,
                FailureReason.PAYWALL,
                FailureReason.SOFT_404,
            ):
                flagged.append(f"{item}: {error.detail}")
    assert flagged == []
