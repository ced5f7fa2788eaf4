"""Tier 0's site rules as stored: one row a host, page layout and template identity
(``site_rules``).

The crawl merges the rules of each template it learns into its site's row
(:func:`add_site_rules`), derives the templates of the site's other articles from them
(:mod:`archive.extract.template_site`), counts, for each rule a derived decision used, the
full extractions that agreed with it (:func:`count_site_verification`), and drops a host's
rules for good when one disagreed (:func:`drop_site_rules`: every row of the host marked, and
a mark for the host as a whole, so that later learnings, of any layout, do not bring them
back).

A host's rules are kept apart by the pages' *layout* (:func:`.template_site.layout`: the paths
of their scripts and stylesheets): a site's articles share their bundles, and a host serving
pages of several makes (sections on other systems, or a benchmark's corpus of many sites)
keeps each make's rules small and its own.
"""

from __future__ import annotations

import json
import zlib
from base64 import b64decode, b64encode
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from archive.extract.template_site import (
    HELD,
    Rules,
    derived_classes_ok,
    merge,
    rule_ids,
    rule_of,
)
from archive.models import SiteRules

ALL: Final = "*"  # the layout of a host's mark once its rules were dropped


@dataclass(frozen=True)
class SiteRuleSet:
    """A site's rules as the crawl uses them: None once dropped or when there are none."""

    rules: Rules | None
    learned: int = 0
    verified: int = 0
    dropped: bool = False
    # each rule's verified uses, by its identity (template_site.rule_id): the derived
    # decisions that used the rule, as it now stands, and that a full extraction agreed with
    trust: dict[str, int] = field(default_factory=dict)

    def trusted(self, used: Iterable[str], after: int) -> bool:
        """Whether every rule of ``used`` (identities, :data:`.template_site.HELD` or not) is
        one of these rules with at least ``after`` verified uses (a rule not among them, or
        none used: no)."""
        counts = [self.trust.get(rule_of(rule), 0) for rule in used]
        return bool(counts) and min(counts) >= after


# A rule's verified uses are stored up to this many (one digit a rule).
MAX_TRUST: Final = 9


def trust_of(rules: Rules | None, stored: str | None) -> dict[str, int]:
    """Each rule's verified uses, by its identity: ``stored`` holds one digit a rule, in the
    rules' order (:func:`.template_site.rule_ids`)."""
    digits = stored or ""
    return {
        rule: int(digits[at]) if at < len(digits) and digits[at].isdigit() else 0
        for at, rule in enumerate(rule_ids(rules))
    }


def stored_trust(rules: Rules | None, trust: dict[str, int]) -> str:
    """``trust`` as stored for ``rules``: one digit a rule, in their order; a rule whose
    identity is not in ``trust`` (new, or widened by a merge) at 0."""
    return "".join(str(min(trust.get(rule, 0), MAX_TRUST)) for rule in rule_ids(rules))


# What a site's row may hold, compressed: a merge that would pass it is not kept.
MAX_STORED: Final = 8_192


def encode_rules(rules: Rules) -> str:
    """A site's rules as stored: their JSON, compressed (rewritten when a learning adds to
    them)."""
    data = json.dumps(rules, separators=(",", ":")).encode()
    return "z" + b64encode(zlib.compress(data, 9)).decode()


def decode_rules(stored: str) -> Rules:
    """The rules stored by :func:`encode_rules`; raises ValueError when they do not read."""
    try:
        loaded = json.loads(zlib.decompress(b64decode(stored.removeprefix("z"))))
    except (zlib.error, TypeError) as exc:
        raise ValueError("unreadable site rules") from exc
    if not isinstance(loaded, dict):
        raise ValueError("unreadable site rules")
    return loaded


def site_of(url: str) -> str:
    """The site a page's rules are kept under: its URL's host, lowercased, with its port, a
    leading ``www.`` left out (``www.example.com`` and ``example.com`` are one site: a
    disagreement on one drops the rules of both)."""
    host = (urlsplit(url).netloc.rpartition("@")[2] or "").lower()
    return host.removeprefix("www.")[:255]


def host_dropped(session: Session, host: str, identity: str) -> bool:
    """Whether the host's rules were dropped (its mark, layout ``*``)."""
    return _host_dropped(session, host, identity)


def _host_dropped(session: Session, host: str, identity: str) -> bool:
    mark = session.get(SiteRules, (host, ALL, identity))
    return mark is not None and mark.dropped


def site_rules(session: Session, host: str, layout: str, identity: str) -> SiteRuleSet:
    """The rules of the host's pages of ``layout`` (none once the host's were dropped)."""
    if _host_dropped(session, host, identity):
        return SiteRuleSet(None, dropped=True)
    row = session.get(SiteRules, (host, layout, identity))
    if row is None:
        return SiteRuleSet(None)
    rules: Rules | None = None
    if not row.dropped and row.rules:
        try:
            loaded = decode_rules(row.rules)
            rules = loaded if derived_classes_ok(loaded) else None
        except (ValueError, TypeError, KeyError, IndexError):
            rules = None
    trust = trust_of(rules, row.trust) if rules is not None else {}
    return SiteRuleSet(rules, row.learned, row.verified, row.dropped, trust)


def add_site_rules(
    session: Session, host: str, layout: str, identity: str, rules: Rules, now: datetime
) -> SiteRuleSet:
    """Merge ``rules`` (those of one learned template) into the site's; nothing once dropped.

    A site's first learning stores no rules, only its row: rules serve the site's *other*
    articles, and a site with one article tracked (most of a benchmark corpus's sites, a
    one-off article) would store them for nothing; its second learning stores its rules.
    The row's rules are rewritten only when the merge changes them (most learnings on one
    layout add nothing new) and the result stays within :data:`MAX_STORED` bytes (else they
    are kept as they were); a change keeps the verified uses of the rules it left as they
    were and starts those of its new and widened rules at 0 (their identity is new), so that
    every derived decision that uses one of them is verified (and the row's count of verified
    decisions, a figure, starts again)."""
    if _host_dropped(session, host, identity):
        return SiteRuleSet(None, dropped=True)
    row = session.execute(
        select(SiteRules)
        .where(SiteRules.host == host, SiteRules.layout == layout, SiteRules.identity == identity)
        .with_for_update()
    ).scalar_one_or_none()
    if row is None:  # the site's first learning: its row, no rules yet
        row = SiteRules(host=host, layout=layout, identity=identity, learned=1, verified=0)
        row.dropped = False
        row.updated_at = now
        session.add(row)
        return SiteRuleSet(None, 1, 0, False)
    if row.dropped:
        return SiteRuleSet(None, row.learned, row.verified, True)
    try:
        known = decode_rules(row.rules) if row.rules else None
    except ValueError:
        known = None
    merged = merge(known, rules)
    row.learned = (row.learned or 0) + 1
    trust = trust_of(known, row.trust)
    if merged != known:
        stored = encode_rules(merged)
        if len(stored) <= MAX_STORED:
            row.rules = stored
            row.trust = stored_trust(merged, trust)  # new and widened rules at 0
            row.verified = 0
            row.updated_at = now
            known = merged
            trust = trust_of(known, row.trust)
    return SiteRuleSet(known, row.learned, row.verified or 0, False, trust)


def count_site_verification(
    session: Session, host: str, layout: str, identity: str, used: Iterable[str], now: datetime
) -> dict[str, int]:
    """One more derived decision of the site verified by a full extraction: one more
    verified use for each rule it ``used`` (identities) whose holes carried new bytes in that
    decision (one named :data:`.template_site.HELD`, whose holes' bytes were all as stored,
    gets none: the decision did not rest on it) and that is still among the site's rules
    as it was, read under the row's lock (a rule since widened, or gone with a drop, is
    another rule or none: a verification of a decision made with it counts for nothing).
    The rules' verified uses, as now stored."""
    row = session.get(SiteRules, (host, layout, identity), with_for_update=True)
    if row is None or row.dropped or not row.rules:
        return {}
    try:
        rules = decode_rules(row.rules)
    except ValueError:
        return {}
    trust = trust_of(rules, row.trust)
    counted = [rule for rule in set(used) if not rule.startswith(HELD) and rule in trust]
    if counted:
        for rule in counted:
            trust[rule] += 1
        row.trust = stored_trust(rules, trust)
        row.verified = (row.verified or 0) + 1
        row.updated_at = now
    return trust


def drop_site_rules(session: Session, host: str, identity: str, now: datetime) -> bool:
    """A decision by the host's rules (or by a template whose holes are among them) was
    wrong: every rule of the host is gone, and stays gone.  Whether it had any."""
    had = session.execute(
        select(SiteRules.layout).where(
            SiteRules.host == host,
            SiteRules.identity == identity,
            SiteRules.rules.is_not(None),
            SiteRules.dropped.is_(False),
        )
    ).first()
    session.execute(
        update(SiteRules)
        .where(SiteRules.host == host, SiteRules.identity == identity)
        .values(rules=None, trust=None, dropped=True, updated_at=now)
    )
    mark = session.get(SiteRules, (host, ALL, identity))
    if mark is None:
        mark = SiteRules(host=host, layout=ALL, identity=identity, learned=0, verified=0)
        session.add(mark)
    mark.rules = None
    mark.dropped = True
    mark.updated_at = now
    return had is not None
