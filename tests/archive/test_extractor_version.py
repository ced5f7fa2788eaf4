"""The extractor version is bumped whenever extraction output changes.

The content hashes of the fixture pages (tests/pages) are pinned to ``EXTRACTOR_VERSION`` and
to the trafilatura release they were taken with.  A change of what ``extract_article`` gives
for any of them, without a bump, fails here: archives made before would otherwise never
re-read their versions, and an extractor change would be reported to users as an edit.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from archive.errors import ExtractionError
from archive.extract import EXTRACTOR_VERSION, extract_article, extractor_version

PAGES = Path(__file__).resolve().parents[1] / "pages"
URL = "https://www.northport-gazette.example/news/2024/03/harbour-bridge-reopens?utm_source=feed"

# Taken with these; after bumping EXTRACTOR_VERSION (or upgrading trafilatura), update all three.
PINNED_EXTRACTOR_VERSION = 10
PINNED_TRAFILATURA = "2.3.1"
PINNED_HASHES = {
    "article.chrome": "32d53e03633ef3d2c481dee045865bcedcb8d8d0d79765492e257dc94745cb77",
    "article.headline-edit": "106ea3bd1844ff898571b548d1c30b0def6e30cd50196dcb50bbd06da3402201",
    "article": "32d53e03633ef3d2c481dee045865bcedcb8d8d0d79765492e257dc94745cb77",
    "article.paragraph-edit": "af0674415fb217b2535c128afe9f7e47bdff4f9c58443ee80e703c6a2720ec6f",
    "consent-wall": "error: consent-wall",
    "jsonld-graph": "7b85aa56caee979687b9e35df2e15a85230c5d58842242e8cde54b49c0f8644f",
    "paywall-stub": "error: empty-extraction",
    "time-elements": "d27b8fc52dc23837f84067830f368f11d19ad8288787fca0961bfdfaa9a55b4a",
}


def name_of(page: Path) -> str:
    return page.name.removeprefix("extract-").removesuffix(".html")


def hash_of(page: Path) -> str:
    try:
        return extract_article(page.read_bytes(), URL).content_hash
    except ExtractionError as exc:
        return f"error: {exc.reason}"


def test_every_fixture_page_is_pinned() -> None:
    assert sorted(name_of(p) for p in PAGES.glob("*.html")) == sorted(PINNED_HASHES)


def test_fixture_hashes_are_pinned_to_the_extractor_version() -> None:
    assert EXTRACTOR_VERSION == PINNED_EXTRACTOR_VERSION, (
        f"EXTRACTOR_VERSION is {EXTRACTOR_VERSION} but the hashes here were pinned for "
        f"{PINNED_EXTRACTOR_VERSION}: update PINNED_EXTRACTOR_VERSION and PINNED_HASHES "
        "(the hashes this extractor gives, printed by the next test when they differ)"
    )
    actual = {name_of(p): hash_of(p) for p in sorted(PAGES.glob("*.html"))}
    if actual == PINNED_HASHES:
        return
    installed = metadata.version("trafilatura")
    changed = "\n".join(
        f'    "{name}": "{value}",'
        for name, value in actual.items()
        if PINNED_HASHES.get(name) != value
    )
    if installed != PINNED_TRAFILATURA:
        advice = (
            f"trafilatura {installed} is installed; these hashes were taken with "
            f"{PINNED_TRAFILATURA}. The recorded extractor identity names trafilatura's "
            "version, so archives re-read their versions after this upgrade by themselves: "
            "update PINNED_TRAFILATURA and PINNED_HASHES (and bump EXTRACTOR_VERSION only if "
            "redline's own extraction changed too)."
        )
    else:
        advice = (
            "Extraction output changed without a new extractor version: bump EXTRACTOR_VERSION "
            "in archive/extract/version.py, then update PINNED_EXTRACTOR_VERSION and "
            "PINNED_HASHES here."
        )
    raise AssertionError(f"{advice}\nHashes now:\n{changed}")


def test_the_recorded_identity_names_both_versions() -> None:
    identity = extractor_version()
    assert identity == f"{EXTRACTOR_VERSION}+trafilatura-{metadata.version('trafilatura')}"
    assert len(identity) <= 64  # versions.extractor_version
