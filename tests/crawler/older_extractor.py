"""``redline`` as an older release would run it: one cleaning rule less, one version lower.

Run as ``python -m tests.crawler.older_extractor <redline arguments>``.  This release's
extractor is wrapped so that the page's standfirst (its description) comes out again as the
first paragraph, as an extractor without that cleaning rule would give it, and
``EXTRACTOR_VERSION`` is one lower.  The output differs for real, from the same payload: the
crawl tests build an archive with this, then crawl it with the current extractor.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import archive.extract.version as extractor_version
import crawler.workers as workers
from archive.extract.article import Article

NEWER = workers.extract_article
NEWER_WITH_FINGERPRINT = workers.extract_with_fingerprint


def _older(article: Article) -> Article:
    if not article.description:
        return article
    return replace(article, paragraphs=(article.description, *article.paragraphs))


def older_extract_article(*args: Any, **kwargs: Any) -> Article:
    return _older(NEWER(*args, **kwargs))


def older_extract_with_fingerprint(*args: Any, **kwargs: Any) -> tuple[Article, str | None]:
    """The fast path's extraction (the fingerprint names this release's lower version)."""
    article, fingerprint = NEWER_WITH_FINGERPRINT(*args, **kwargs)
    return _older(article), fingerprint


def install() -> None:
    """Make this process extract like the older release (workers = -1: extraction inline)."""
    extractor_version.EXTRACTOR_VERSION -= 1
    workers.extract_article = older_extract_article
    workers.extract_with_fingerprint = older_extract_with_fingerprint


if __name__ == "__main__":
    install()
    from scheduler.cli import main

    main()
