"""Tier 0's site rules as stored: one row a host and template identity (``site_rules``).

The crawl merges the rules of each template it learns into its site's row
(:func:`add_site_rules`), derives the templates of the site's other articles from them
(:mod:`archive.extract.template_site`), counts the full extractions that agreed with a derived
decision (:func:`count_site_verification`), and drops a site's rules for good when one
disagreed (:func:`drop_site_rules`: the row stays, marked, so that later learnings do not bring
them back).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.extract.template_site import Rules, derived_classes_ok, merge
from archive.models import SiteRules


@dataclass(frozen=True)
class SiteRuleSet:
    """A site's rules as the crawl uses them: None once dropped or when there are none."""

    rules: Rules | None
    learned: int = 0
    verified: int = 0
    dropped: bool = False


def site_of(url: str) -> str:
    """The site a page's rules are kept under: its URL's host, lowercased, with its port."""
    return (urlsplit(url).netloc.rpartition("@")[2] or "").lower()[:255]


def site_rules(session: Session, host: str, identity: str) -> SiteRuleSet:
    row = session.get(SiteRules, (host, identity))
    if row is None:
        return SiteRuleSet(None)
    rules: Rules | None = None
    if not row.dropped and row.rules:
        try:
            loaded = json.loads(row.rules)
            rules = loaded if derived_classes_ok(loaded) else None
        except (ValueError, TypeError, KeyError, IndexError):
            rules = None
    return SiteRuleSet(rules, row.learned, row.verified, row.dropped)


def add_site_rules(
    session: Session, host: str, identity: str, rules: Rules, now: datetime
) -> SiteRuleSet:
    """Merge ``rules`` (those of one learned template) into the site's; nothing once dropped."""
    row = session.execute(
        select(SiteRules)
        .where(SiteRules.host == host, SiteRules.identity == identity)
        .with_for_update()
    ).scalar_one_or_none()
    if row is None:
        row = SiteRules(host=host, identity=identity, rules=None, learned=0, verified=0)
        row.dropped = False
        session.add(row)
    if row.dropped:
        return SiteRuleSet(None, row.learned, row.verified, True)
    try:
        known = json.loads(row.rules) if row.rules else None
    except ValueError:
        known = None
    merged = merge(known, rules)
    row.rules = json.dumps(merged, separators=(",", ":"))
    row.learned = (row.learned or 0) + 1
    row.updated_at = now
    return SiteRuleSet(merged, row.learned, row.verified or 0, False)


def count_site_verification(session: Session, host: str, identity: str, now: datetime) -> int:
    """One more derived decision of the site verified by a full extraction; the count."""
    row = session.get(SiteRules, (host, identity), with_for_update=True)
    if row is None:
        return 0
    row.verified = (row.verified or 0) + 1
    row.updated_at = now
    return row.verified


def drop_site_rules(session: Session, host: str, identity: str, now: datetime) -> None:
    """A derived decision was wrong: the site's rules are gone, and stay gone."""
    row = session.get(SiteRules, (host, identity), with_for_update=True)
    if row is None:
        row = SiteRules(host=host, identity=identity, learned=0, verified=0)
        session.add(row)
    row.rules = None
    row.dropped = True
    row.updated_at = now
