"""The extraction pool: CPU-bound extraction and diffing off the reactor thread, on every core.

Scrapy runs on one thread; trafilatura takes about 20 ms a page.  Extraction and diffing run in
a process pool (``workers`` processes, default one per core) started with ``forkserver``, whose
server preloads the extraction and diff modules once, so workers start fast and never inherit
the reactor's threads.  ``workers = -1`` runs everything inline (for debugging).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import sys
import threading
import types
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from archive.diff import compare
from archive.diff.records import ChangeRecord
from archive.errors import ExtractionError
from archive.extract.article import Article
from archive.extract.template import unlearnable
from archive.warc import WarcLocation, read_record

T = TypeVar("T")
logger = logging.getLogger(__name__)
# How long closing the pool waits for a start in progress (the fork server imports trafilatura).
START_TIMEOUT_S = 120
# The fork server imports these once (this module, the extractor and so trafilatura, the diff
# modules, and what they load on first use); every worker forked from it starts with all of
# it loaded instead of loading it itself.
PRELOAD = ["crawler.workers_preload"]

# The extraction functions the jobs call import the extractor on their first call: the crawl
# process only sends pages to the pool, and importing trafilatura and the libraries it loads
# (htmldate, courlan, justext) cost it about 0.2 s of CPU a crawl.  The workers have them
# already: the fork server imports them (:mod:`crawler.workers_preload`).


def extract_article(
    body: bytes | str, url: str, *, content_type: str | None, min_chars: int
) -> Article:
    """:func:`archive.extract.extractor.extract_article`."""
    from archive.extract.extractor import extract_article as extract

    return extract(body, url, content_type=content_type, min_chars=min_chars)


def extract_with_fingerprint(
    body: bytes | str, url: str, *, content_type: str | None, min_chars: int
) -> tuple[Article, str | None]:
    """:func:`archive.extract.extractor.extract_with_fingerprint`."""
    from archive.extract.extractor import extract_with_fingerprint as extract

    return extract(body, url, content_type=content_type, min_chars=min_chars)


def fast_path_fallback_reason(
    body: bytes | str, url: str, content_type: str | None, min_chars: int, fingerprint: str
) -> str | None:
    """:func:`archive.extract.extractor.fast_path_fallback_reason`."""
    from archive.extract.extractor import fast_path_fallback_reason as fallback_reason

    return fallback_reason(body, url, content_type, min_chars, fingerprint)


def extract_job(body: bytes, url: str, content_type: str | None, min_chars: int) -> Any:
    """Runs in a worker: the article, or the ExtractionError (returned, not raised)."""
    try:
        return extract_article(body, url, content_type=content_type, min_chars=min_chars)
    except ExtractionError as exc:
        return exc


def extract_fingerprinted_job(
    body: bytes, url: str, content_type: str | None, min_chars: int
) -> Any:
    """Runs in a worker: ``(article, fingerprint)``, or the ExtractionError (returned)."""
    try:
        return extract_with_fingerprint(body, url, content_type=content_type, min_chars=min_chars)
    except ExtractionError as exc:
        return exc


def fast_path_job(
    body: bytes, url: str, content_type: str | None, min_chars: int, fingerprint: str
) -> str | None:
    """Runs in a worker: None when the page surely gives the fingerprinted article (fast
    path), else why it must be extracted in full."""
    return fast_path_fallback_reason(body, url, content_type, min_chars, fingerprint)


def learn_template_job(
    directory: str,
    locations: list[WarcLocation],
    body: bytes,
    content_type: str | None,
    fingerprint: str | None,
    url: str,
    min_chars: int,
    article_hash: str | None = None,
) -> str | None:
    """Runs in a worker: tier 0's template learned from the version's stored payload (the
    first readable response of ``locations``) and ``body``, a payload of the same article
    fetched from ``url`` and read with ``min_chars`` (``article_hash``: its content hash, when
    just extracted) (:func:`archive.extract.template_learn.learn`); None when no stored
    payload is readable."""
    from archive.extract.template_learn import learn_with_fingerprint

    for location in locations:
        try:
            stored = read_record(Path(directory), location)
            if stored.record_type != "response":
                continue
        except (OSError, ValueError):
            continue
        old_type = next((v for k, v in stored.headers if k.lower() == "content-type"), None)
        if old_type != content_type:  # another decoding: no template
            return unlearnable("content_type")
        return learn_with_fingerprint(
            stored.content,
            body,
            content_type,
            fingerprint,
            url=url,
            min_chars=min_chars,
            article_hash=article_hash,
        )
    return None


def extract_learning_job(
    body: bytes,
    url: str,
    content_type: str | None,
    min_chars: int,
    directory: str,
    locations: list[WarcLocation],
    current_hash: str,
) -> Any:
    """Runs in a worker: :func:`extract_fingerprinted_job`, and when the page is the article
    of hash ``current_hash`` (the version's, stored at ``locations``), the version's tier-0
    template learned from it as :func:`learn_template_job` learns it, in the same job (the
    page sent to the pool once): ``(article, fingerprint, template)``, the template None for
    another article; or the ExtractionError (returned)."""
    read = extract_fingerprinted_job(body, url, content_type, min_chars)
    if isinstance(read, ExtractionError):
        return read
    article, fingerprint = read
    if article.content_hash != current_hash:
        return article, fingerprint, None
    try:
        template = learn_template_job(
            directory, locations, body, content_type, fingerprint, url, min_chars, current_hash
        )
    except Exception as exc:  # no template: the slower paths go on deciding
        logger.warning("could not learn the page template of %s", url, exc_info=True)
        template = unlearnable(f"error:{type(exc).__name__}")
    return article, fingerprint, unlearnable("no_stored_payload") if template is None else template


def derive_template_job(
    directory: str,
    locations: list[WarcLocation],
    body: bytes,
    content_type: str | None,
    rules: dict[str, Any],
    paragraphs: list[str],
    fields: list[str],
    url: str,
    min_chars: int,
) -> tuple[str | None, str | None, list[str]]:
    """Runs in a worker, with no extraction: tier 0's template of a version derived by its
    site's ``rules`` from the version's stored payload (the first readable response of
    ``locations``), when ``body`` matches it, and the identities of the rules it used
    (:func:`archive.extract.template_site.derive_using`); ``(None, why not, [])`` otherwise:
    none either when the stored payload was captured at another final URL than ``url`` or
    with another Content-Type."""
    from archive.extract.template_site import derive_using

    for location in locations:
        try:
            stored = read_record(Path(directory), location)
            if stored.record_type != "response":
                continue
        except (OSError, ValueError):
            continue
        old_type = next((v for k, v in stored.headers if k.lower() == "content-type"), None)
        if old_type != content_type:  # another decoding (media type or charset): no template
            return None, "content_type", []
        if stored.target_uri != url:  # read at another final URL (its canonical link, its
            return None, "final_url", []  # links resolved against it): no template
        return derive_using(
            rules,
            stored.content,
            body,
            content_type,
            paragraphs,
            fields,
            url=url,
            min_chars=min_chars,
        )
    return None, "no_stored_payload", []


def reextract_job(directory: str, locations: list[WarcLocation], min_chars: int) -> Any:
    """Runs in a worker: the first readable stored response of ``locations``, extracted again.

    Returns the article, or the ExtractionError, OSError or ValueError of the last location
    tried (returned, not raised).  A revisit record (no payload) counts as unreadable.
    """
    failure: Exception = ValueError("no stored response")
    for location in locations:
        try:
            stored = read_record(Path(directory), location)
            if stored.record_type != "response":
                raise ValueError(f"{location.file}:{location.offset} is a {stored.record_type}")
            page = stored.content  # stored as received: gzip-compressed, for one
        except (OSError, ValueError) as exc:
            failure = exc
            continue
        content_type = next((v for k, v in stored.headers if k.lower() == "content-type"), None)
        try:
            return extract_article(
                page, stored.target_uri, content_type=content_type, min_chars=min_chars
            )
        except ExtractionError as exc:
            failure = exc
    return failure


def _lower_priority(nice: int) -> None:
    """Runs in each worker as it starts: lower its scheduling priority by ``nice``.

    Extraction is bulk CPU work; the crawl process (fetching, politeness timing, the archive's
    writes) is the one that must not wait for a core.  Measured on the 2-core development VM,
    alternating runs of the 10%-changed benchmark cycle: 210 pages/s with the workers at
    niceness 10 against 184 at 0, and a cycle that extracts every page within 2%.
    """
    if nice > 0:
        os.nice(nice)


def load_first_use_data() -> None:
    """Load what the extraction and diff libraries load on their first use.

    trafilatura's justext fallback builds its stoplists (every language's, about 0.17 s of
    CPU) and courlan has ``tld`` read the public suffix list (0.09 s) the first time a page
    needs them: in every worker of every crawl, where the fork server can do it once.  Run by
    :mod:`crawler.workers_preload`.  A library that no longer has one of these paths costs a
    worker that time again, nothing more: a failure is ignored (logged at debug level where
    logging is set up; the fork server has none).
    """
    try:
        from courlan import extract_domain
        from lxml.html import fromstring
        from trafilatura.external import try_justext

        try_justext(fromstring("<html><body><p>Warm-up.</p></body></html>"), None, None)
        extract_domain("https://example.com/")  # not fast: the suffix list
        article = Article("Warm-up", ("One paragraph.", "Another paragraph."))
        compare(article, Article("Warm-up", ("One paragraph.", "Another one.")))
    except Exception:  # an optimisation only
        logger.debug("warm-up of the extraction libraries failed", exc_info=True)


def _warm() -> None:
    """Nothing: submitted once per worker at start so the first pages do not pay for imports."""


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start processes without making them import this process's ``__main__`` module.

    multiprocessing has every process it starts with ``forkserver`` (or ``spawn``) import the
    parent's main module first; here that is the CLI (typer, rich, every command: about 0.6 s
    of CPU per worker, taken from the crawl on a small machine).  The workers run functions of
    this module only, so they are started while ``__main__`` is a bare module.
    """
    main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = main


class ExtractionPool:
    """Runs extraction and diffs in worker processes and awaits them on the event loop.

    :meth:`start` starts the processes from a thread, so that the caller goes on meanwhile:
    ``redline crawl`` calls it first thing, and the fork server preloads the extraction
    modules on another core while the crawl process imports Scrapy and opens the database.
    On a real news site nearly every page needs extracting (its chrome changes on every
    request, so its payload digest rarely matches), so the pool is wanted in almost every
    cycle; a pool that nothing started is started on the first job instead.
    """

    def __init__(self, workers: int, nice: int = 0) -> None:
        self.workers = workers
        self.nice = max(nice, 0)  # raising a priority needs privileges: never asked
        self._executor: Executor | None = None
        self._started: Future[None] | None = None

    def start(self) -> None:
        """Start the worker processes in the background (idempotent; no-op when inline)."""
        if self.workers <= 0 or self._started is not None:
            return
        started: Future[None] = Future()
        self._started = started

        def run() -> None:
            try:
                self._start()
            except BaseException as exc:  # handed to whoever awaits the pool
                started.set_exception(exc)
            else:
                started.set_result(None)

        threading.Thread(target=run, name="extraction-pool-start", daemon=True).start()

    def _start(self) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_lower_priority,
            initargs=(self.nice,),
        )
        with _main_module_hidden():  # the first submit starts every worker process
            warming = [executor.submit(_warm) for _ in range(self.workers)]
        self._executor = executor
        for future in warming:
            future.result()

    async def _run(self, fn: Any, *args: Any) -> Any:
        if self.workers <= 0:
            return fn(*args)
        self.start()
        assert self._started is not None
        if not self._started.done():
            await asyncio.shield(asyncio.wrap_future(self._started))
        self._started.result()  # raises if the processes could not be started
        assert self._executor is not None
        future: Future[Any] = self._executor.submit(fn, *args)
        return await asyncio.wrap_future(future)

    async def extract(
        self, body: bytes, url: str, content_type: str | None, min_chars: int
    ) -> Article | ExtractionError:
        result: Article | ExtractionError = await self._run(
            extract_job, body, url, content_type, min_chars
        )
        return result

    async def extract_fingerprinted(
        self, body: bytes, url: str, content_type: str | None, min_chars: int
    ) -> tuple[Article, str | None] | ExtractionError:
        """The article and the page's fast-path fingerprint (:mod:`archive.extract.fastpath`)."""
        result: tuple[Article, str | None] | ExtractionError = await self._run(
            extract_fingerprinted_job, body, url, content_type, min_chars
        )
        return result

    async def fast_path_check(
        self, body: bytes, url: str, content_type: str | None, min_chars: int, fingerprint: str
    ) -> str | None:
        """The fast path's check: None when the page is the fingerprinted article, else the
        reason to extract it (:func:`archive.extract.extractor.fast_path_fallback_reason`)."""
        reason: str | None = await self._run(
            fast_path_job, body, url, content_type, min_chars, fingerprint
        )
        return reason

    async def extract_learning(
        self,
        body: bytes,
        url: str,
        content_type: str | None,
        min_chars: int,
        directory: Path,
        locations: list[WarcLocation],
        current_hash: str,
    ) -> tuple[Article, str | None, str | None] | ExtractionError:
        """The article, its fingerprint and, when it is the article ``current_hash``, the
        version's tier-0 template learned with it (see :func:`extract_learning_job`)."""
        result: tuple[Article, str | None, str | None] | ExtractionError = await self._run(
            extract_learning_job,
            body,
            url,
            content_type,
            min_chars,
            str(directory),
            locations,
            current_hash,
        )
        return result

    async def learn_template(
        self,
        directory: Path,
        locations: list[WarcLocation],
        body: bytes,
        content_type: str | None,
        fingerprint: str | None,
        url: str,
        min_chars: int,
    ) -> str | None:
        """Tier 0's template of a version (see :func:`learn_template_job`)."""
        result: str | None = await self._run(
            learn_template_job,
            str(directory),
            locations,
            body,
            content_type,
            fingerprint,
            url,
            min_chars,
        )
        return result

    async def derive_template(
        self,
        directory: Path,
        locations: list[WarcLocation],
        body: bytes,
        content_type: str | None,
        rules: dict[str, Any],
        paragraphs: list[str],
        fields: list[str],
        url: str,
        min_chars: int,
    ) -> tuple[str | None, str | None, list[str]]:
        """Tier 0's template of a version derived by its site's rules and the rules it used,
        or why not (see :func:`derive_template_job`)."""
        result: tuple[str | None, str | None, list[str]] = await self._run(
            derive_template_job,
            str(directory),
            locations,
            body,
            content_type,
            rules,
            paragraphs,
            fields,
            url,
            min_chars,
        )
        return result

    async def reextract(
        self, directory: Path, locations: list[WarcLocation], min_chars: int
    ) -> Article | ExtractionError | OSError | ValueError:
        """Extract a stored payload again with this extractor (see :func:`reextract_job`)."""
        result: Article | ExtractionError | OSError | ValueError = await self._run(
            reextract_job, str(directory), locations, min_chars
        )
        return result

    async def compare(self, old: Article, new: Article) -> ChangeRecord:
        record: ChangeRecord = await self._run(compare, old, new)
        return record

    def close(self) -> None:
        """Stop the worker processes, once a start in progress has finished."""
        if self._started is not None:
            with suppress(Exception):  # a failed start has nothing to stop
                self._started.result(timeout=START_TIMEOUT_S)
            self._started = None
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
