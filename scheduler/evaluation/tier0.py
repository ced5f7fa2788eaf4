"""Tier 0 of the fast path (``archive.extract.template``) on an evaluation's pages, as the
crawl runs it: a page template learned from two payloads of one article, then a later page
checked against it on raw bytes, and a "same" decision checked by the full extraction of that
very page; or a template derived from a site's rules (``archive.extract.template_site``),
learned on another article of the site.  ``scheduler.evaluation.edits`` and
``scheduler.evaluation.quality`` both use it."""

from __future__ import annotations

from archive.errors import ExtractionError
from archive.extract import DEFAULT_MIN_CHARS, Article, extract_article
from archive.extract.extractor import extract_with_fingerprint
from archive.extract.template import check, is_unlearnable
from archive.extract.template_learn import learn_with_fingerprint
from archive.extract.template_site import Rules as Rules
from archive.extract.template_site import derive, rules_of

HTML = "text/html; charset=utf-8"


def learn_template(first: str, second: str, url: str, old_hash: str) -> str | None:
    """The template learned from ``first`` (whose full extraction gave ``old_hash``) and
    ``second``, another payload of the same URL, as the crawl learns it: only when the full
    extraction of ``second`` gives the same article.  None when it does not, or when the
    pages give no template (unlearnable)."""
    try:
        read, fingerprint = extract_with_fingerprint(second, url)
    except ExtractionError:
        return None
    if read.content_hash != old_hash:
        return None
    learned = learn_with_fingerprint(
        first.encode(),
        second.encode(),
        HTML,
        fingerprint,
        url=url,
        min_chars=DEFAULT_MIN_CHARS,
        article_hash=old_hash,
    )
    return None if is_unlearnable(learned) else learned


def check_template(page: str, template: str, url: str, old_hash: str) -> tuple[bool, bool]:
    """``page`` checked against ``template`` (learned on the version whose hash is
    ``old_hash``): (tier 0 found it the same article, the full extraction of ``page`` says
    otherwise: a new version, or a failure the "same" would have hidden)."""
    body = page.encode()
    if check(body, template, url=url, content_type=HTML, min_chars=DEFAULT_MIN_CHARS):
        return False, False
    try:
        missed = extract_article(body, url).content_hash != old_hash
    except ExtractionError:
        missed = True  # a failure it would have hidden
    return True, missed


def site_rules_of(template: str, page: str) -> Rules | None:
    """The site rules of a learned ``template``, read on ``page`` (one it matches), as the
    crawl keeps them (``archive.extract.template_site.rules_of``)."""
    return rules_of(template, page.encode())


def derive_template(
    rules: Rules, first: str, second: str, url: str, *, article: Article | None = None
) -> str | None:
    """The template of the version whose page is ``first`` derived by a site's ``rules``,
    when ``second`` (a refetch) matches it, as the crawl derives it at the version's first
    refetch with other bytes: with no extraction of ``second``, the version's stored article
    (``first``'s full extraction: ``article`` when the caller has it) guarding the holes.
    None when none is derived."""
    if article is None:
        try:
            article = extract_article(first, url)
        except ExtractionError:
            return None
    fields = [article.headline, article.byline or "", article.description or ""]
    template, _ = derive(
        rules,
        first.encode(),
        second.encode(),
        HTML,
        article.paragraphs,
        fields,
        url=url,
        min_chars=DEFAULT_MIN_CHARS,
    )
    return template
