"""ArchivePipeline: every FetchResult becomes one capture in the archive.

Order of work for a response with a body: payload digest; byte-identical to the last good
capture means unchanged without extracting (a WARC ``revisit`` record); otherwise extract in
the worker pool, write the exchange to WARC, diff against the current version in the pool if
the article differs, then record the capture, all or nothing (captures that arrive together
share one transaction: :mod:`crawler.recorder`).  When the current version was read by another
extractor, its own stored payload is first read again by this one (in the pool): an extractor
change is not an edit.  The WARC record is written before the transaction commits, so a
committed capture never points at a missing record; with ``warc_retention = versions`` a
capture found unchanged writes none (:mod:`archive.retention`).  Errors are recorded, never dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

from archive.capture import (
    CaptureResult,
    Extracted,
    Failed,
    FetchFacts,
    NotModified,
    Reread,
    SamePayload,
)
from archive.config import Config
from archive.db import Database, open_database
from archive.enums import CaptureOutcome, FailureReason
from archive.errors import ExtractionError
from archive.extract.article import Article
from archive.extract.version import extractor_version
from archive.fastpath_counts import (
    COUNTERS,
    add_fast_path_counts,
    fast_path_counts,
    forget_fingerprint,
)
from archive.originals import original_record
from archive.policy import Policy
from archive.retention import exchange_required, keeps_exchange
from archive.site_rules import (
    SiteRuleSet,
    add_site_rules,
    count_site_verification,
    drop_site_rules,
    host_dropped,
    site_of,
    site_rules,
)
from archive.store import (
    CurrentVersion,
    current_version,
    current_version_at,
    payload_locations,
    template_sources,
)
from archive.urls import is_section_or_home
from archive.warc import Headers, WarcLocation, WarcWriter, payload_digest, recover_warc_dir
from crawler.items import FetchResult
from crawler.recorder import CaptureRecorder
from crawler.spiders.articles import ArticleSpider
from crawler.summary import FAST_PATH_PREFIX
from crawler.wire import write_received
from crawler.workers import ExtractionPool

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from sqlalchemy import Connection

logger = logging.getLogger(__name__)
T = TypeVar("T")
VERSION_MOVED = "version_moved"  # the current version is not the one the crawl started with
LEARNING = "learning"  # the version has no tier-0 template yet: the full extraction learns it
# A derived decision (tier 0's site rules) is verified by a full extraction unless every rule
# it used has this many verified uses (derived decisions that used it, verified, agreeing).
SITE_VERIFIED_FIRST = 3
# How long a crawl uses a site's rules as read before reading them again.
SITE_RULES_TTL_S = 30.0


def status_failure(status: int) -> FailureReason:
    if status == 404:
        return FailureReason.HTTP_404
    if status == 410:
        return FailureReason.HTTP_410
    if 400 <= status < 500:
        return FailureReason.HTTP_4XX
    if status >= 500:
        return FailureReason.HTTP_5XX
    return FailureReason.HTTP_OTHER


class ArchivePipeline:
    """Hands each fetch to the archive (see the module docstring for the order of work)."""

    def __init__(
        self,
        config: Config,
        stats: StatsCollector,
        pool: ExtractionPool | None = None,
    ) -> None:
        self.config = config
        self.policy = Policy.from_config(config)  # applied by the archive to every capture
        self.stats = stats
        self._given_pool = pool
        self.database: Database | None = None
        self.warc: WarcWriter | None = None
        self.pool: ExtractionPool | None = None
        self.recorder: CaptureRecorder | None = None
        self._reads: Connection | None = None  # for the retention check (_keeps_exchange)
        self.fast_path = dict.fromkeys(COUNTERS, 0)
        self._decisions_before = 0  # the archive's fast-path decisions before this crawl
        # tier 0's site rules as read, by host and layout; hosts whose rules this crawl dropped
        # (or found dropped at a derivation)
        self._sites: dict[tuple[str, str], tuple[float, SiteRuleSet]] = {}
        self._dropped: set[str] = set()
        self._hosts: dict[str, tuple[float, bool]] = {}  # whether a host's rules were dropped

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        assert crawler.stats is not None
        # a pool the caller started early is a crawl argument (ArticleSpider.extraction_pool)
        spider = crawler.spider
        pool = spider.extraction_pool if isinstance(spider, ArticleSpider) else None
        return cls(crawler.settings["REDLINE_CONFIG"], crawler.stats, pool)

    def open_spider(self) -> None:
        self.database = open_database(self.config.sqlalchemy_url)
        recovered = recover_warc_dir(self.config.warc_dir)
        if recovered:
            logger.warning("recovered %d WARC file(s) left open by a stopped crawl", len(recovered))
        self.warc = WarcWriter(self.config.warc_dir, max_bytes=self.config.warc_max_bytes)
        self.recorder = CaptureRecorder(self.database, self.policy)
        if self.config.fast_path:  # the verification's sample runs on across crawls
            with self.database.session() as session:
                self._decisions_before = fast_path_counts(session)["decisions"]
        # a pool started by the caller before Scrapy was imported (see ExtractionPool.start)
        self.pool = self._given_pool or ExtractionPool(
            self.config.extraction_workers, self.config.extraction_nice
        )

    async def close_spider(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
            self.stats.set_value("redline/capture/groups", self.recorder.groups)
        self._save_fast_path_counts()
        if self.pool is not None:
            self.pool.close()
        self._close_reads()
        if self.warc is not None:
            self.warc.close()
        if self.database is not None:
            self.database.dispose()

    async def process_item(self, item: FetchResult) -> FetchResult:
        try:
            facts, result = await self._judge(item)
        except Exception as exc:  # a bug must not lose the capture: record it as an error
            logger.exception("internal error while archiving %s", item.url)
            facts = self._keep_exchange(item)
            result = Failed(FailureReason.INTERNAL, f"{type(exc).__name__}: {exc}")
        # written to WARC, or never to be: free the memory while the group waits
        item.body, item.received, item.hops = b"", None, []
        assert self.recorder is not None
        outcome, reason = await self.recorder.record(facts, result)
        self.stats.inc_value(f"redline/capture/{outcome}")
        if outcome == CaptureOutcome.ERROR:
            self.stats.inc_value(f"redline/capture/error/{reason}")
        item.detail = f"{outcome}" + (f" ({reason})" if reason else "")
        return item

    async def _judge(self, item: FetchResult) -> tuple[FetchFacts, CaptureResult]:
        assert self.warc is not None and self.pool is not None
        bodiless = self._bodiless(item)
        if bodiless is not None:
            return bodiless
        status = item.status or 0
        digest = payload_digest(stored_response(item)[1])
        if not 200 <= status < 300:
            failed = Failed(status_failure(status), f"HTTP {status}")
            return _facts(item, digest, self._write(item, digest)), failed
        if item.final_url and is_section_or_home(item.url, item.final_url):
            failed = Failed(FailureReason.REDIRECTED_AWAY, f"redirected to {item.final_url}")
            return _facts(item, digest, self._write(item, digest)), failed
        unchanged = await self._unchanged(item, digest)
        if unchanged is not None:
            return unchanged
        extracted, fingerprint, learned = await self._extract(item)
        if isinstance(extracted, ExtractionError):
            facts = _facts(item, digest, self._write(item, digest))
            return facts, Failed(extracted.reason, extracted.detail)
        result = Extracted(extracted, fingerprint=fingerprint)
        # The current version's hash is known from the crawl's start: the current article is
        # loaded (to diff it in the pool) only when it differs.  The store checks again.
        if item.current_hash is None or item.current_hash == result.content_hash:
            template = await self._template(item, result, fingerprint, learned)
            if template is not None:
                result = Extracted(extracted, fingerprint=fingerprint, template=template)
            return _facts(item, digest, self._write_if_kept(item, digest, result)), result
        facts = _facts(item, digest, self._write(item, digest))
        assert self.database is not None
        with self.database.session() as session:
            current = current_version(session, item.tracked_url_id)
        if current is None or current.content_hash == result.content_hash:
            return facts, result
        baseline, reread = current.article, None
        if current.extractor != result.extractor:
            reread = await self._reread(current, item)
            if reread is not None:
                if reread.article.content_hash == result.content_hash:  # the extractor changed
                    return facts, Extracted(extracted, reread=reread, fingerprint=fingerprint)
                baseline = reread.article  # a real edit: diff it without the extractor's noise
        change = await self.pool.compare(baseline, extracted)
        return facts, Extracted(
            extracted,
            based_on_version_id=current.id,
            change=change,
            reread=reread,
            fingerprint=fingerprint,
        )

    def _bodiless(self, item: FetchResult) -> tuple[FetchFacts, CaptureResult] | None:
        """The capture of a failed fetch or a 304 answer, which store no payload; None for any
        other.  The redirects and retried attempts before a final answer are written with the
        capture's own record (by :meth:`_write`), so ``warc_retention`` drops them with it: a
        failure keeps them, a 304 as an unchanged capture would."""
        if item.failure is not None:
            self._write_hops(item)
            return _facts(item), Failed(item.failure, item.detail)
        if item.status != 304:
            return None
        if item.hops and self._keeps_exchange(item, None, None, CaptureOutcome.NOT_MODIFIED):
            self._write_hops(item)
        return _facts(item), NotModified()

    async def _unchanged(
        self, item: FetchResult, digest: str
    ) -> tuple[FetchFacts, CaptureResult] | None:
        """The capture of a page known unchanged without a full extraction, if it is one: a
        byte-identical payload, or the fast path's finding (None: extract the page)."""
        if digest == item.last_payload_digest:
            return _facts(item, digest, self._write_revisit_if_kept(item, digest)), SamePayload()
        fast = await self._fast_path(item)
        if fast is None:
            return None
        # an unchanged capture like any other, verified or not (a verification that disagrees
        # returned None above: the full extraction's new version keeps its exchange)
        return _facts(item, digest, self._write_if_kept(item, digest, fast)), fast

    async def _extract(
        self, item: FetchResult
    ) -> tuple[Article | ExtractionError, str | None, str | None]:
        """The full extraction, with the page's fingerprint when the fast path is on and the
        page is a refetch of a URL with a current version; and the version's tier-0 template
        learned in the same job when the version has none yet and the page is its article
        (None: none learned there, :meth:`_template` decides).

        The fingerprint is taken lazily: a new URL's first extraction (the new version's page)
        takes none, at the cost of a plain extraction.  It is needed only from the version's
        first refetch whose bytes differ, which is extracted in full all the same (tier 0
        learns the version's template there, from this page's fingerprint): when that page is
        the version's article, its fingerprint is a fingerprint of the version and is kept
        with the template; when it is another article, it is the new version's.  A later
        refetch the fast path leaves to the full extraction takes it too, so that a page whose
        chrome moved is recognised again next time."""
        assert self.pool is not None
        url, content_type = item.final_url or item.url, item.header("Content-Type")
        min_chars = self.config.min_article_chars
        if not self.config.fast_path or item.current_hash is None:
            return await self.pool.extract(item.body, url, content_type, min_chars), None, None
        locations = self._learning_sources(item)
        if locations is None:
            read = await self.pool.extract_fingerprinted(item.body, url, content_type, min_chars)
            self.stats.inc_value(f"{FAST_PATH_PREFIX}fingerprinted")
            return (*read, None) if isinstance(read, tuple) else (read, None, None)
        # the page sent to the pool once, for its extraction and the learning
        learning = await self.pool.extract_learning(
            item.body,
            url,
            content_type,
            min_chars,
            self.config.warc_dir,
            locations,
            item.current_hash,
        )
        self.stats.inc_value(f"{FAST_PATH_PREFIX}fingerprinted")
        return learning if isinstance(learning, tuple) else (learning, None, None)

    def _learning_sources(self, item: FetchResult) -> list[WarcLocation] | None:
        """Where the current version's payload is stored, when this refetch, extracted in
        full, would learn the version's tier-0 template if it is the version's article
        (:meth:`_template`): the worker then learns it in the extraction's job.  None: it
        would not, or the read failed (:meth:`_learn` reads them again after the
        extraction)."""
        if not self.config.fast_path_tier0 or item.current_hash is None:
            return None
        from archive.extract.template import needs_learning

        if not needs_learning(item.current_template):
            return None
        current_hash = item.current_hash
        try:
            return self._read(
                lambda conn: template_sources(conn, item.tracked_url_id, current_hash)
            )
        except Exception:
            logger.exception("could not read where the current version of %s is", item.url)
            return None

    async def _template(
        self,
        item: FetchResult,
        result: Extracted,
        fingerprint: str | None,
        learned: str | None = None,
    ) -> str | None:
        """The tier-0 template to keep on the current version, when this capture, extracted in
        full, is found to be that version's article in other bytes and the version has none
        yet (learned once a version: ``learned``, when the extraction's job learned it);
        None: nothing to keep."""
        if item.current_hash is None or not self.config.fast_path:
            return None
        from archive.extract.template import needs_learning, unlearnable

        if not needs_learning(item.current_template):
            return None
        if self.config.fast_path_tier0:
            return await self._learn(item, result, fingerprint, learned)
        if fingerprint:
            return None  # tier 0 off: the fingerprint is the fast path's evidence
        # tier 0 off, and this page's region could not be located: kept as tier 0's learning
        # keeps it (tried, no fingerprint), so that the version's later fallbacks say
        # ``no_fingerprint``, not ``learning``
        from archive.extract.fastpath import NO_FINGERPRINT

        return unlearnable(NO_FINGERPRINT)

    async def _learn(
        self,
        item: FetchResult,
        result: Extracted,
        fingerprint: str | None,
        learned: str | None = None,
    ) -> str:
        """Tier 0's template of the current version, learned in the pool from its stored
        payload and this one (:mod:`archive.extract.template_learn`), by the extraction's job
        (``learned``) or here; or why there is none."""
        assert self.pool is not None and self.database is not None
        from archive.extract.template import is_unlearnable, unlearnable

        template = (
            learned if learned is not None else await self._learn_here(item, result, fingerprint)
        )
        if template is None:
            template = unlearnable("no_stored_payload")
        if is_unlearnable(template):
            self._count("tier0_unlearnable")
            why = template.rpartition("|")[2].partition(":")[0]
            self.stats.inc_value(f"{FAST_PATH_PREFIX}tier0/unlearnable/{why}")
        else:
            self._count("tier0_learned")
            if self.config.fast_path_site_rules:
                self._add_site_rules(item, template)
        return template

    async def _learn_here(
        self, item: FetchResult, result: Extracted, fingerprint: str | None
    ) -> str | None:
        """:meth:`_learn`'s template learned in a job of its own (the extraction's job did
        not: the stored payload's locations could not be read before it)."""
        assert self.pool is not None
        from archive.extract.template import unlearnable

        try:
            # on the crawl's kept read connection: a session and its commit cost more
            locations = self._read(
                lambda conn: template_sources(conn, item.tracked_url_id, result.content_hash)
            )
            template: str | None = await self.pool.learn_template(
                self.config.warc_dir,
                locations,
                item.body,
                item.header("Content-Type"),
                fingerprint,
                item.final_url or item.url,
                self.config.min_article_chars,
            )
        except Exception as exc:  # no template: the slower paths go on deciding
            logger.exception("could not learn the page template of %s", item.url)
            template = unlearnable(f"error:{type(exc).__name__}")
        return template

    async def _fast_path(self, item: FetchResult) -> Extracted | None:
        """The current version, as a full extraction finding it unchanged would give it, when
        the page surely holds it; None: extract in full.  Tier 0 first (the version's page
        template checked on the raw bytes, here: :mod:`archive.extract.template`), then the
        fingerprint check in the pool (:mod:`archive.extract.fastpath`); a version with no
        template yet is extracted in full, which learns it."""
        assert self.pool is not None and self.database is not None
        fingerprint = item.current_fingerprint
        if not self.config.fast_path or item.current_hash is None:
            return None
        if self.config.fast_path_tier0:
            from archive.extract.template import NO_TEMPLATE, OTHER_EXTRACTOR, check, is_derived

            if is_derived(item.current_template) and (
                not self.config.fast_path_site_rules or self._host_dropped(item)
            ):
                # derived from rules since dropped, or site rules turned off: it decides
                # nothing; the full extraction learns the version's own template, as without
                # site rules
                why = "derived_dropped" if self.config.fast_path_site_rules else "derived_off"
                self.stats.inc_value(f"{FAST_PATH_PREFIX}tier0/{why}")
                self._count("tier0_fallbacks")
                item.current_template = None
                self._fall_back(item, LEARNING)
                return None
            tier0 = check(
                item.body,
                item.current_template,
                url=item.final_url or item.url,
                content_type=item.header("Content-Type"),
                min_chars=self.config.min_article_chars,
            )
            if tier0 is None:
                return await self._decided(item, tier0=True)
            if tier0 in (NO_TEMPLATE, OTHER_EXTRACTOR) and self.config.fast_path_site_rules:
                derived = await self._derive(item)
                if derived is not None:
                    return await self._decided(item, tier0=True, derived=derived)
            self._count("tier0_fallbacks")
            self.stats.inc_value(f"{FAST_PATH_PREFIX}tier0/fallback/{tier0}")
            if tier0 in (NO_TEMPLATE, OTHER_EXTRACTOR):
                self._fall_back(item, LEARNING)
                return None  # the full extraction, which learns the template
        # imported here: it loads the page parser, and so trafilatura, which a crawl process
        # with the fast path off never needs
        from archive.extract.fastpath import NO_FINGERPRINT

        if not fingerprint:
            from archive.extract.template import needs_learning

            # none taken yet (tier 0 off: the full extraction of the version's first refetch
            # with other bytes takes it), or none found: its region could not be located
            self._fall_back(
                item, LEARNING if needs_learning(item.current_template) else NO_FINGERPRINT
            )
            return None
        url, content_type = item.final_url or item.url, item.header("Content-Type")
        min_chars = self.config.min_article_chars
        reason = await self.pool.fast_path_check(
            item.body, url, content_type, min_chars, fingerprint
        )
        if reason is not None:
            self._fall_back(item, reason)
            return None
        return await self._decided(item, tier0=False)

    async def _decided(
        self, item: FetchResult, *, tier0: bool, derived: Derived | None = None
    ) -> Extracted | None:
        """A page the fast path found to hold the current version: that version as a full
        extraction finding it unchanged would give it (None: the version moved, or a sampled
        verification disagreed; the full extraction decides).  ``derived``: tier 0's template
        derived from the site's rules, which the page matched."""
        url, content_type = item.final_url or item.url, item.header("Content-Type")
        # on the crawl's kept read connection: a session and its commit cost more than the read
        current = (
            derived.current
            if derived is not None
            else self._read(lambda conn: current_version_at(conn, item.tracked_url_id))
        )
        if not _is_current(current, item):
            self._fall_back(item, VERSION_MOVED)  # (archive.extract.fastpath.VERSION_MOVED)
            return None
        assert current is not None and current.extractor is not None
        decisions = self._count("decisions")
        if tier0:
            self._count("tier0_decisions")
        if derived is not None:
            self._count("tier0_derived")
        every = self.config.fast_path_verify_every
        # every Nth decision of the archive (the count runs on from crawl to crawl), the first
        # decision of each tier-0 template, and a derived decision that used a site rule with
        # fewer than SITE_VERIFIED_FIRST verified uses, whatever ``every`` (0 included)
        from archive.extract.template import is_derived, is_unverified, verified

        if derived is not None:  # verified unless every rule it used was vouched for
            first = not derived.site.trusted(derived.used, SITE_VERIFIED_FIRST)
        else:
            first = tier0 and is_unverified(item.current_template)
        check = first or (every > 0 and (self._decisions_before + decisions) % every == 0)
        if check and not await self._verify(item, url, content_type, current):
            # a template's hole was wrong: the site's rules, which hold it (a learned
            # template's holes are rules of its site), go with it; a derived template's
            # disagreement drops them whatever the setting (which :meth:`_fast_path` also
            # reads: with it off, a stored derived template decides nothing)
            if derived is not None:
                self._drop_site_rules(derived.host, url)
            elif tier0 and (self.config.fast_path_site_rules or is_derived(item.current_template)):
                self._drop_site_rules(site_of(url), url)
            return None  # the full extraction decides, and records what it finds
        if derived is not None:
            if check:  # one more verified use of each rule whose holes carried new bytes
                self._site_verified(derived.host, derived.layout, derived.used)
            # this decision is the derived template's first: kept as verified when it was
            # verified, or when every rule it used was vouched for; else kept unverified, so
            # that its next decision is verified as a learned template's first one is
            template = derived.template
            if check or not first:
                template = verified(template)
            return Extracted(current.article, extractor=current.extractor, template=template)
        if check and first and item.current_template:  # kept as verified from now on
            template = verified(item.current_template)
            return Extracted(current.article, extractor=current.extractor, template=template)
        return Extracted(current.article, extractor=current.extractor)

    def _site(self, host: str, layout: str) -> SiteRuleSet:
        """The rules of the site's pages of ``layout``, as this crawl last read them (again
        after :data:`SITE_RULES_TTL_S`: another crawl may have dropped them)."""
        from archive.extract.template import identity

        if host in self._dropped:
            return SiteRuleSet(None, dropped=True)
        known = self._sites.get((host, layout))
        now = time.monotonic()
        if known is not None and now - known[0] < SITE_RULES_TTL_S:
            return known[1]
        assert self.database is not None
        with self.database.session() as session:
            found = site_rules(session, host, layout, identity())
        self._sites[(host, layout)] = (now, found)
        return found

    def _host_dropped(self, item: FetchResult) -> bool:
        """Whether the site rules of the item's host were dropped (by this crawl, or by
        another as read again after :data:`SITE_RULES_TTL_S`)."""
        from archive.extract.template import identity

        host = site_of(item.final_url or item.url)
        if host in self._dropped:
            return True
        known = self._hosts.get(host)
        now = time.monotonic()
        if known is not None and now - known[0] < SITE_RULES_TTL_S:
            return known[1]
        assert self.database is not None
        try:
            with self.database.session() as session:
                dropped = host_dropped(session, host, identity())
        except Exception:  # any doubt: the template decides nothing
            logger.exception("could not read whether the site rules of %s were dropped", host)
            return True
        self._hosts[host] = (now, dropped)
        return dropped

    async def _derive(self, item: FetchResult) -> Derived | None:
        """Tier 0's template of the current version derived from its site's rules, when the
        page matches it (:mod:`archive.extract.template_site`); None: learn it as before."""
        assert self.pool is not None and self.database is not None
        from archive.extract.template import identity
        from archive.extract.template_site import layout

        url = item.final_url or item.url
        host, made = site_of(url), layout(item.body)
        try:
            site = self._site(host, made)
            if site.rules is None:
                return None
            current = self._read(lambda conn: current_version_at(conn, item.tracked_url_id))
            if not _is_current(current, item):
                return None
            assert current is not None and item.current_hash is not None
            with self.database.session() as session:
                # the host's mark read in the same session as the stored payload's locations:
                # another crawl's drop stops this derivation at once, not after the rules'
                # SITE_RULES_TTL_S (one more read by primary key, a derivation's only)
                dropped = host_dropped(session, host, identity())
                locations = (
                    []
                    if dropped
                    else template_sources(session, item.tracked_url_id, item.current_hash)
                )
            if dropped:
                self._dropped.add(host)  # its stored derived templates stop deciding too
                self.stats.inc_value(f"{FAST_PATH_PREFIX}tier0/not_derived/dropped")
                return None
            if not locations:
                return None
            article = current.article
            fields = [article.headline, article.byline or "", article.description or ""]
            template, why, used = await self.pool.derive_template(
                self.config.warc_dir,
                locations,
                item.body,
                item.header("Content-Type"),
                site.rules,
                list(article.paragraphs),
                fields,
                url,
                self.config.min_article_chars,
            )
        except Exception:  # no template: learning decides, as without site rules
            logger.exception("could not derive the page template of %s", item.url)
            return None
        if template is None:
            self.stats.inc_value(f"{FAST_PATH_PREFIX}tier0/not_derived/{why}")
            return None
        return Derived(host, made, site, current, template, tuple(used))

    def _add_site_rules(self, item: FetchResult, template: str) -> None:
        """The holes of a template just learned, kept as rules of its site."""
        assert self.database is not None
        from archive.extract.template import identity
        from archive.extract.template_site import layout, rules_of

        rules = rules_of(template, item.body)
        if not rules or not (rules["t"] or rules["b"]):
            return
        host, made = site_of(item.final_url or item.url), layout(item.body)
        try:
            with self.database.session() as session:
                found = add_site_rules(session, host, made, identity(), rules, datetime.now(UTC))
            self._sites[(host, made)] = (time.monotonic(), found)
        except Exception:  # the template stands; the site's rules wait for the next learning
            logger.exception("could not store the site rules of %s", host)

    def _site_verified(self, host: str, layout: str, used: tuple[str, ...]) -> None:
        """A derived decision a full extraction agreed with, counted for each site rule it
        used (those still stored as they were: :func:`.count_site_verification`)."""
        assert self.database is not None
        from archive.extract.template import identity

        try:
            with self.database.session() as session:
                count_site_verification(session, host, layout, identity(), used, datetime.now(UTC))
            self._sites.pop((host, layout), None)  # read again, with its new count
        except Exception:  # the site's first decisions are verified a little longer
            logger.exception("could not count a verified decision of %s", host)

    def _drop_site_rules(self, host: str, url: str) -> None:
        """A tier-0 decision (derived, or by a template whose holes are among the site's
        rules) a full extraction disagreed with: the host's rules are dropped for good, and
        counted when there were any (the version's template went with its fingerprint)."""
        assert self.database is not None
        from archive.extract.template import identity

        if host in self._dropped:
            return
        self._dropped.add(host)
        try:
            with self.database.session() as session:
                had = drop_site_rules(session, host, identity(), datetime.now(UTC))
        except Exception:  # dropped in this crawl all the same
            logger.exception("could not drop the site rules of %s", host)
            had = True
        if had:
            self._count("site_rules_dropped")
            logger.warning("tier 0's site rules of %s are dropped (decision on %s)", host, url)

    async def _verify(
        self, item: FetchResult, url: str, content_type: str | None, current: CurrentVersion
    ) -> bool:
        """A fast-path decision checked by a full extraction before the capture is recorded.

        A disagreement is logged and counted, and the version's fingerprint, the URL's payload
        digest and its validators are dropped at once; the capture then goes through the full
        extraction, which records what the page really holds.  False: do not trust the
        decision."""
        assert self.pool is not None and self.database is not None
        try:
            article = await self.pool.extract(
                item.body, url, content_type, self.config.min_article_chars
            )
        except Exception:
            logger.exception("the fast path's check of %s failed", url)
            return False
        self._count("verifications")
        found = article.content_hash if isinstance(article, Article) else f"{article.reason}"
        if found == current.content_hash:
            return True
        self._count("disagreements")
        logger.warning(
            "fast path disagreement on %s: it found version %d unchanged, the full extraction"
            " gives %s; its fingerprint is dropped and the page is extracted in full",
            url,
            current.id,
            found,
        )
        try:
            with self.database.session() as session:
                forget_fingerprint(session, item.tracked_url_id, current.id)
        except Exception:  # the full extraction below records the page all the same
            logger.exception("could not drop the fast path's fingerprint of %s", url)
        return False

    def _fall_back(self, item: FetchResult, reason: str) -> None:
        """A page the fast path leaves to the full extraction: counted, and by reason."""
        self._count("fallbacks")
        self.stats.inc_value(f"{FAST_PATH_PREFIX}fallback/{reason}")
        logger.debug("fast path: %s extracted in full (%s)", item.url, reason)

    def _count(self, name: str) -> int:
        self.fast_path[name] += 1
        self.stats.inc_value(f"{FAST_PATH_PREFIX}{name}")
        return self.fast_path[name]

    def _save_fast_path_counts(self) -> None:
        """Add this crawl's fast-path counters to the archive's totals (``redline status``)."""
        if self.database is None or not any(self.fast_path.values()):
            return
        try:
            with self.database.session() as session:
                add_fast_path_counts(session, datetime.now(UTC), **self.fast_path)
        except Exception:  # figures only: the crawl's captures are recorded already
            logger.exception("could not store the fast path's counters")

    def _write_revisit_if_kept(self, item: FetchResult, digest: str) -> WarcLocation | None:
        """A byte-identical payload: its revisit record, unless warc_retention drops it."""
        if not self._keeps_exchange(item, None, None):
            return None
        return self._write_revisit(item, digest)

    def _write_if_kept(
        self, item: FetchResult, digest: str, result: Extracted
    ) -> WarcLocation | None:
        """The exchange of an article the crawl found new or unchanged (see warc_retention)."""
        if item.current_hash is not None and not self._keeps_exchange(
            item, result.content_hash, result.article.canonical_url
        ):
            return None
        return self._write(item, digest)

    def _keeps_exchange(
        self,
        item: FetchResult,
        content_hash: str | None,
        canonical_url: str | None,
        outcome: CaptureOutcome = CaptureOutcome.UNCHANGED,
    ) -> bool:
        """Whether a capture the crawl judges ``outcome`` (unchanged, or a 304 answer) keeps
        its exchange in WARC (:mod:`archive.retention`)."""
        if exchange_required(self.config.warc_retention, outcome, made=False):
            return True  # whatever the capture makes: no read
        return self._read(
            lambda conn: keeps_exchange(
                conn,
                self.config.warc_retention,
                item.tracked_url_id,
                content_hash,
                canonical_url,
                outcome,
            )
        )

    def _read(self, read: Callable[[Connection], T]) -> T:
        """``read`` on the crawl's read connection: a plain connection, not a session and its
        commit (a third of the cost), the crawl's own, kept open (taking one from the pool
        costs as much as the read), with no transaction held between reads."""
        assert self.database is not None
        if self._reads is None:
            self._reads = self.database.engine.connect()
        try:
            return read(self._reads)
        except Exception:
            self._close_reads()  # the next read takes a new connection
            raise
        finally:
            if self._reads is not None:
                try:
                    self._reads.rollback()  # no transaction, so no snapshot, held between reads
                except Exception:  # a connection lost after the read: the next takes a new one
                    logger.debug("could not end the crawl's read transaction", exc_info=True)
                    self._close_reads()

    def _close_reads(self) -> None:
        reads, self._reads = self._reads, None
        if reads is not None:
            try:
                reads.close()
            except Exception:  # a connection that failed may fail to close: it is dropped
                logger.debug("could not close the crawl's read connection", exc_info=True)

    async def _reread(self, current: CurrentVersion, item: FetchResult) -> Reread | None:
        """The current version's own payload read by this extractor; None if it cannot be."""
        assert self.database is not None and self.pool is not None
        with self.database.session() as session:
            locations = payload_locations(session, current.id)
        article = await self.pool.reextract(
            self.config.warc_dir, locations, self.config.min_article_chars
        )
        if not isinstance(article, Article):
            logger.warning(
                "cannot re-read version %d of %s with the current extractor (%s: %s); it is"
                " compared as stored, so an extractor change may show as an edit",
                current.id,
                item.url,
                type(article).__name__,
                article,
            )
            self.stats.inc_value("redline/reread/failed")
            return None
        self.stats.inc_value("redline/reread/done")
        return Reread(current.id, article)

    def _keep_exchange(self, item: FetchResult) -> FetchFacts:
        """The facts of a fetch whose judging failed: its exchange is written (hops included)
        unless it already was, so an internal error keeps the evidence an error keeps."""
        digest = None if item.failure is not None else payload_digest(stored_response(item)[1])
        location = item.written
        if location is None and digest is not None:
            try:
                location = self._write(item, digest)
            except Exception:
                logger.exception("could not write the exchange of %s to WARC", item.url)
        if item.hops:  # a failed fetch's hops, or the write above failed before them
            try:
                self._write_hops(item)
            except Exception:
                logger.exception("could not write the redirects of %s to WARC", item.url)
        return _facts(item, digest, location)

    def _write_hops(self, item: FetchResult) -> None:
        """The responses before the final one (redirects, retried attempts), each its own
        record, written once: with the capture's own record, or alone for a failed fetch."""
        assert self.warc is not None
        hops, item.hops = item.hops, []
        for hop in hops:
            write_received(self.warc, hop)

    def _write(self, item: FetchResult, digest: str) -> WarcLocation:
        assert self.warc is not None
        self._write_hops(item)
        headers, body = stored_response(item)
        item.written = self.warc.write_exchange(
            item.final_url or item.url,
            request_headers=item.request_headers,
            status=item.status or 0,
            reason="",
            response_headers=headers,
            body=body,
            fetched_at=item.fetched_at,
            ip=item.ip,
            payload_digest=digest,
        )
        return item.written

    def _write_revisit(self, item: FetchResult, digest: str) -> WarcLocation:
        """A revisit naming the record that holds the payload; the payload if none is found."""
        assert self.warc is not None and self.database is not None
        self._write_hops(item)
        with self.database.session() as session:
            original = original_record(session, self.config.warc_dir, item.tracked_url_id, digest)
        if original is None:
            logger.info("no stored record of %s's payload %s: storing it again", item.url, digest)
            return self._write(item, digest)
        headers, body = stored_response(item)
        item.written = self.warc.write_revisit(
            item.final_url or item.url,
            refers_to_uri=original.target_uri,
            refers_to_date=original.date,
            refers_to_record_id=original.record_id,
            payload_digest=digest,
            payload_length=len(body),
            status=item.status or 0,
            reason="",
            response_headers=headers,
            request_headers=item.request_headers,
            fetched_at=item.fetched_at,
            ip=item.ip,
        )
        return item.written


@dataclass(frozen=True)
class Derived:
    """Tier 0's template of a version derived from its site's rules, which a page matched."""

    host: str
    layout: str  # the pages' layout the site's rules are kept under
    site: SiteRuleSet
    current: CurrentVersion
    template: str
    # the identities of the site rules its holes were made by (those whose holes' bytes were
    # all as stored named template_site.HELD: no verified use for them)
    used: tuple[str, ...] = ()


def _is_current(current: CurrentVersion | None, item: FetchResult) -> bool:
    """Whether ``current`` is still the version the crawl started with, read by this
    extractor (else the fast path leaves the page to the full extraction)."""
    return not (
        current is None
        or current.content_hash != item.current_hash
        or current.extractor != extractor_version()
        or current.article.content_hash != current.content_hash
    )


def _facts(
    item: FetchResult, digest: str | None = None, location: WarcLocation | None = None
) -> FetchFacts:
    """The facts of a fetch: what Scrapy saw, the payload's digest and its WARC record."""
    return FetchFacts(
        tracked_url_id=item.tracked_url_id,
        fetched_at=item.fetched_at,
        http_status=item.status,
        final_url=item.final_url,
        etag=item.header("ETag"),
        last_modified=item.header("Last-Modified"),
        payload_digest=digest,
        warc_file=location.file if location else None,
        warc_offset=location.offset if location else None,
    )


def stored_response(item: FetchResult) -> tuple[Headers, bytes]:
    """The response headers and body to store: as received when the crawl kept them.

    Otherwise (an item made without the downloader middleware) Scrapy's decoded body, without
    the ``Content-Encoding`` it no longer has; the writer sets the framing headers.
    """
    if item.received is not None:
        return item.received.response_headers, item.received.body
    headers = [(k, v) for k, v in item.response_headers if k.lower() != "content-encoding"]
    return headers, item.body
