"""Which extractor produced an article: recorded on every version next to its content hash.

``EXTRACTOR_VERSION`` must be bumped by every change that may change what
:func:`archive.extract.extract_article` gives for a page (a cleaning rule, a headline or
timestamp heuristic, normalisation).  ``tests/archive/test_extractor_version.py`` pins the
content hashes of the fixture pages to it and fails when the output changes without a bump.

The identity recorded on a version (:func:`extractor_version`) also names trafilatura's
version, since its output can change between its releases with no change of ours: after an
upgrade of either, a capture that hashes differently from its current version first re-reads
that version's stored payload with the new extractor (see ``docs/design.md``), so that an
extractor artefact is never reported as an edit.
"""

from __future__ import annotations

from functools import cache
from importlib import metadata

EXTRACTOR_VERSION = 10


@cache
def _trafilatura_version() -> str:
    try:
        return metadata.version("trafilatura")
    except metadata.PackageNotFoundError:  # pragma: no cover - a dependency
        return "unknown"


def extractor_version() -> str:
    """This process's extractor identity, as stored in ``versions.extractor_version``."""
    return f"{EXTRACTOR_VERSION}+trafilatura-{_trafilatura_version()}"
