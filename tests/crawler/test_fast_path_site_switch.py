"""Tier 0's site rules turned off (``fast_path_site_rules``): a version's stored template
DERIVED from its site's rules decides nothing (the page is extracted in full and learns its
own template, as after a drop), and a sampled verification that disagrees with a derived
template drops its host's rules whatever the setting.  The twins: with the setting on, the
stored derived template decides, and its disagreement drops the rules; with it off, a learned
template still decides.  And another crawl's drop seen by the next derivation at once, not
after the rules' cache time.  The pipeline's own ``_fast_path``, ``_decided`` and ``_derive``,
with the database (or the version's reads), the pool and the verification stubbed.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

import pytest

from archive.config import Config
from archive.db import open_database
from archive.extract import DEFAULT_MIN_CHARS
from archive.extract.article import Article
from archive.extract.extractor import extract_article
from archive.extract.template import identity, is_derived, verified
from archive.extract.template_site import derive_using, layout, rules_of
from archive.extract.version import extractor_version
from archive.site_rules import add_site_rules, drop_site_rules, site_of
from archive.store import CurrentVersion
from archive.warc import WarcLocation
from crawler.items import FetchResult
from crawler.pipelines import ArchivePipeline
from crawler.summary import FAST_PATH_PREFIX
from tests.archive.test_template_site import HTML, OTHER, SITE, learned, page
from tests.pages import Story

PATH = "/uk/floods"


class Stats:
    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key.removeprefix(FAST_PATH_PREFIX)] += count


@pytest.fixture(scope="module")
def stored() -> tuple[Article, str, str]:
    """The version's stored article, its template derived from the site's rules (verified,
    as stored once its first decision was), and the same page's learned template."""
    template, body = learned("/world/palmyra", Story())
    rules = rules_of(template, body)
    assert rules is not None
    old, new = page(PATH, 1, OTHER), page(PATH, 2, OTHER)
    article = extract_article(old, SITE + PATH)
    fields = [article.headline, article.byline or "", article.description or ""]
    derived, why, _ = derive_using(
        rules,
        old,
        new,
        HTML,
        article.paragraphs,
        fields,
        url=SITE + PATH,
        min_chars=DEFAULT_MIN_CHARS,
    )
    assert derived is not None and is_derived(derived), why
    own, _ = learned(PATH, OTHER)
    return article, verified(derived), verified(own)


def pipeline(site_rules: bool, article: Article, *, agrees: bool) -> tuple[ArchivePipeline, list]:
    """A pipeline whose database says nothing was dropped and whose verification agrees or
    not; the hosts whose rules it drops are listed."""
    config = Config(fast_path_site_rules=site_rules, fast_path_verify_every=1)
    found = ArchivePipeline(config, Stats())  # type: ignore[arg-type]
    found.pool = object()  # type: ignore[assignment]
    found.database = object()  # type: ignore[assignment]
    current = CurrentVersion(1, article, article.content_hash, extractor_version())
    found._read = lambda read: current  # type: ignore[method-assign]
    found._host_dropped = lambda item: False  # type: ignore[method-assign]
    dropped: list[str] = []
    found._drop_site_rules = lambda host, url: dropped.append(host)  # type: ignore[method-assign]

    async def verify(*args: object, **kwargs: object) -> bool:
        return agrees

    found._verify = verify  # type: ignore[method-assign]
    return found, dropped


def refetch(article: Article, template: str) -> FetchResult:
    """The version's refetch with only its chrome new."""
    return FetchResult(
        tracked_url_id=1,
        url=SITE + PATH,
        fetched_at=datetime.now(UTC),
        status=200,
        final_url=SITE + PATH,
        response_headers=[("Content-Type", HTML)],
        body=page(PATH, 3, OTHER),
        current_hash=article.content_hash,
        current_fingerprint="x",
        current_template=template,
    )


@pytest.mark.parametrize("site_rules", [False, True])
def test_a_stored_derived_template_decides_only_with_site_rules_on(stored, site_rules):
    """Off: the derived template decides nothing, and the page is left to the full
    extraction, which learns the version's own template.  The twin, on: it decides "same"."""
    article, derived, _ = stored
    found, dropped = pipeline(site_rules, article, agrees=True)
    item = refetch(article, derived)
    decided = asyncio.run(found._fast_path(item))
    values = found.stats.values  # type: ignore[attr-defined]
    if site_rules:
        assert decided is not None and decided.content_hash == article.content_hash
        assert values["tier0_decisions"] == 1 and "tier0/derived_off" not in values
        assert item.current_template == derived
    else:
        assert decided is None
        assert values["tier0/derived_off"] == 1 and values["fallback/learning"] == 1
        assert "tier0_decisions" not in values
        assert item.current_template is None  # learned again, as after a drop
    assert dropped == []


def test_a_learned_template_still_decides_with_site_rules_off(stored):
    """The setting withdraws derived templates only: a learned one decides as before."""
    article, _, own = stored
    found, _ = pipeline(False, article, agrees=True)
    decided = asyncio.run(found._fast_path(refetch(article, own)))
    assert decided is not None and decided.content_hash == article.content_hash


@pytest.mark.parametrize("site_rules", [False, True])
@pytest.mark.parametrize("derived", [True, False])
def test_a_derived_templates_disagreement_drops_its_hosts_rules_whatever_the_setting(
    stored, site_rules, derived
):
    """A sampled verification of a derived template's decision that disagrees drops its host's
    rules, with the setting on or off.  The twin: a learned template's disagreement drops them
    only with the setting on (off, the crawl keeps no rules)."""
    article, derived_template, own = stored
    found, dropped = pipeline(site_rules, article, agrees=False)
    item = refetch(article, derived_template if derived else own)
    assert asyncio.run(found._decided(item, tier0=True)) is None
    assert dropped == (["news.example"] if derived or site_rules else [])


class Pool:
    """An extraction pool that records the derivations asked of it (none matches)."""

    def __init__(self) -> None:
        self.derivations = 0

    async def derive_template(self, *args: object) -> tuple[str | None, str | None, list[str]]:
        self.derivations += 1
        return None, "digest", []


@pytest.mark.parametrize("dropped", [True, False])
def test_another_crawls_drop_stops_a_derivation_at_once(stored, tmp_path, monkeypatch, dropped):
    """This crawl read the site's rules (kept for SITE_RULES_TTL_S); another crawl then drops
    them.  The next derivation reads the host's mark with the stored payload's locations and
    derives nothing, and the host's stored derived templates stop deciding, within the TTL.
    The twin, no drop: the derivation goes on to the pool."""
    article, derived, _ = stored
    now = datetime.now(UTC)
    database = open_database(f"sqlite:///{tmp_path / 'rules.sqlite'}")
    template, body = learned("/world/palmyra", Story())
    rules = rules_of(template, body)
    assert rules is not None
    item = refetch(article, "")
    host, made = site_of(SITE + PATH), layout(item.body)
    with database.session() as session:  # the site's first learning stores its row alone
        add_site_rules(session, host, made, identity(), rules, now)
        add_site_rules(session, host, made, identity(), rules, now)
    found, _ = pipeline(True, article, agrees=True)
    pool = Pool()
    found.pool, found.database = pool, database  # type: ignore[assignment]
    del found._host_dropped  # the pipeline's own, reading the database
    location = WarcLocation("a.warc.gz", 0, 1, "sha1:X")
    monkeypatch.setattr("crawler.pipelines.template_sources", lambda *args: [location])
    assert found._site(host, made).rules is not None  # read: kept for SITE_RULES_TTL_S
    assert not found._host_dropped(refetch(article, derived))  # read: kept as well
    if dropped:  # another crawl's
        with database.session() as session:
            drop_site_rules(session, host, identity(), now)
    assert asyncio.run(found._derive(item)) is None
    values = found.stats.values  # type: ignore[attr-defined]
    assert pool.derivations == int(not dropped)
    assert values["tier0/not_derived/dropped"] == int(dropped)
    assert found._host_dropped(refetch(article, derived)) is dropped
    database.dispose()
