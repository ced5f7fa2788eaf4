"""Tier 0's site rules (archive.extract.template_site): the holes a template learned on one
article of a site become rules, from which another article's template is derived without a
full extraction.

Pages are two articles of one site, each dressed in request chrome (scheduler.demo.chrome.dress)
new on every request.  Every "same article" derivation has twins: the other article really
edited (a mismatch, and the full extraction finds the edit), an edit put inside a rule's hole,
the stored article's own text inside a block a rule names, the chrome's class names inside the
article's body (no hole derived there).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

import pytest

from archive.db import open_database
from archive.extract import DEFAULT_MIN_CHARS
from archive.extract.extractor import extract_article, extract_with_fingerprint
from archive.extract.template import (
    BLOCK,
    DIGEST,
    RUN,
    check,
    is_derived,
    is_unverified,
    segments_of,
    verified,
)
from archive.extract.template_learn import learn_with_fingerprint
from archive.extract.template_site import (
    HELD,
    IN_ARTICLE,
    MAX_RULES,
    MAX_VOCABULARY,
    NO_HOLE,
    NO_REGION,
    NO_RULES,
    _charset,
    _text_region,
    comment_spans,
    derive,
    derive_segments,
    derive_using,
    layout,
    merge,
    rule_id,
    rule_ids,
    rule_of,
    rules_of,
)
from archive.models import SiteRules
from archive.site_rules import (
    MAX_STORED,
    add_site_rules,
    count_site_verification,
    drop_site_rules,
    site_of,
    site_rules,
)
from scheduler.demo.chrome import dress
from tests.archive import daily_story
from tests.pages import PARAGRAPHS, Story, article_page

HTML = "text/html; charset=utf-8"
SITE = "https://news.example"
FIXED: frozenset[str] = frozenset()
OTHER = Story(
    headline="Floods close the coast road for a second week",
    byline="Ines Calloway",
    description="The road to the port stays shut while crews clear the mud.",
    paragraphs=tuple(
        p.replace("Palmyra", "Tartus").replace("army", "council") for p in reversed(PARAGRAPHS)
    ),
)
MOST_READ = '<aside class="most-read"><h2>Most read</h2>'


def derived_from_stored(
    rules: Any, old: bytes, new: bytes, url: str
) -> tuple[str | None, str | None, list[str]]:
    """``derive_using`` as the crawl calls it at a version's refetch: the stored page ``old``
    extracted in full, its article guarding the holes, ``new`` the refetch at ``url``."""
    article = extract_article(old, url)
    fields = [article.headline, article.byline or "", article.description or ""]
    return derive_using(
        rules, old, new, HTML, article.paragraphs, fields, url=url, min_chars=DEFAULT_MIN_CHARS
    )


def page(path: str, n: int, story: Story, edit: tuple[str, str] | None = None) -> bytes:
    html = dress(article_page(story, 0, vary=FIXED), path, n)
    # a comment count that reads as a year is a fallback by design: made another count here
    html = re.sub(r'data-n="(?:199|20[0-3])[0-9]"|>(?:199|20[0-3])[0-9] comments', _seven, html)
    if edit is not None:
        assert edit[0] in html, edit[0]
        html = html.replace(edit[0], edit[1], 1)
    return html.encode()


def _seven(match: re.Match[str]) -> str:
    return re.sub("[0-9]+", "7", match.group(0))


def learned(path: str, story: Story) -> tuple[str, bytes]:
    old, new = page(path, 1, story), page(path, 2, story)
    url = SITE + path
    _, fingerprint = extract_with_fingerprint(new, url)
    template = learn_with_fingerprint(
        old, new, HTML, fingerprint, url=url, min_chars=DEFAULT_MIN_CHARS
    )
    assert "|none|" not in template, template
    return template, new


@pytest.fixture(scope="module")
def rules() -> dict:
    template, body = learned("/world/palmyra", Story())
    found = rules_of(template, body)
    assert found is not None and found["t"] and found["b"]
    return found


def derived(rules: dict, old: bytes, new: bytes, path: str = "/uk/floods") -> tuple:
    article = extract_article(old, SITE + path)
    fields = [article.headline, article.byline or "", article.description or ""]
    return derive(
        rules,
        old,
        new,
        HTML,
        article.paragraphs,
        fields,
        url=SITE + path,
        min_chars=DEFAULT_MIN_CHARS,
    )


def test_another_articles_template_is_derived_as_learning_would_make_it(rules):
    old = page("/uk/floods", 1, OTHER)
    template, why = derived(rules, old, page("/uk/floods", 2, OTHER))
    assert why is None and template is not None
    assert is_unverified(template)
    own, _ = learned("/uk/floods", OTHER)
    mine, theirs = segments_of(template), segments_of(own)
    assert mine is not None and theirs is not None
    assert mine[1] == theirs[1]  # the same digest: the same bytes fixed
    assert [s[:2] for s in mine[0]] == [s[:2] for s in theirs[0]]  # the same holes
    # later chrome-only requests match it: the same article
    url = SITE + "/uk/floods"
    base = extract_article(old, url).content_hash
    for n in range(3, 13):
        body = page("/uk/floods", n, OTHER)
        assert extract_article(body, url).content_hash == base
        assert (
            check(body, template, url=url, content_type=HTML, min_chars=DEFAULT_MIN_CHARS) is None
        )


def test_twin_the_other_article_edited_is_no_derivation_and_the_edit_is_found(rules):
    old = page("/uk/floods", 1, OTHER)
    sentence = OTHER.paragraphs[1]
    edit = (sentence, sentence.replace(sentence.split()[3], "forty"))
    new = page("/uk/floods", 2, OTHER, edit)
    template, why = derived(rules, old, new)
    assert template is None and why == DIGEST
    url = SITE + "/uk/floods"
    assert extract_article(new, url).content_hash != extract_article(old, url).content_hash


@pytest.mark.parametrize(
    "extra",
    [
        "<p>Breaking: the road is open again.</p>",
        "<span>Updated 9 March 2017</span>",
        '<time datetime="2017-03-09T08:00:00+00:00">9 March</time>',
        "<li>Correction: an earlier version gave the wrong date</li>",
        "<li>" + "A whole new paragraph of the article, put where the list was. " * 12 + "</li>",
    ],
)
def test_twin_an_edit_put_inside_a_rules_hole_is_refused(rules, extra):
    old = page("/uk/floods", 1, OTHER)
    new = page("/uk/floods", 2, OTHER, (MOST_READ, MOST_READ + extra))
    template, why = derived(rules, old, new)
    assert template is None and why == BLOCK


def test_a_block_holding_the_stored_articles_text_is_no_hole(rules):
    """A rule's block whose text is the version's own article (its start tag found around the
    article on this page): no template at all."""
    story = OTHER.but(paragraphs=(*OTHER.paragraphs, "Trending now"))
    old = page("/uk/floods", 1, story)
    article = extract_article(old, SITE + "/uk/floods")
    # the most-read block's heading, as if it were a paragraph of the article
    texts = [*article.paragraphs[:-1], "Most read"]
    assert derive_segments(rules, old, texts) == IN_ARTICLE


def test_the_chromes_class_names_inside_the_article_get_no_hole(rules):
    """The article's body holds a copy of the chrome's most-read block (the same start tag):
    a hole is derived for the chrome's own block, none for the copy inside the article, so a
    change there is a mismatch."""
    chrome = page("/uk/floods", 1, OTHER).decode()
    block = re.search(r'<aside class="most-read">.*?</aside>', chrome, re.DOTALL)
    assert block is not None
    inside = f"<p>{OTHER.paragraphs[1]}</p>"

    def with_copy(n: int, label: str = "") -> bytes:
        body = page("/uk/floods", n, OTHER).decode()
        copy = block.group(0).replace("Most read", "Most read" + label)
        return body.replace(inside, inside + copy, 1).encode()

    old = with_copy(1)
    segments = derive_segments(rules, old, extract_article(old, SITE + "/uk/floods").paragraphs)
    assert isinstance(segments, list)
    assert sum(1 for s in segments if s[0] == "B" and s[1] == "aside") == 1  # the chrome's
    template, why = derived(rules, old, with_copy(2))
    assert why is None and template is not None
    changed = with_copy(3, " today")
    url = SITE + "/uk/floods"
    assert check(changed, template, url=url, content_type=HTML, min_chars=DEFAULT_MIN_CHARS) == (
        DIGEST
    )


def test_no_rules_no_hole_no_region(rules):
    old, new = page("/uk/floods", 1, OTHER), page("/uk/floods", 2, OTHER)
    assert derived({"t": [], "b": []}, old, new) == (None, NO_RULES)
    assert derive_segments({"t": [], "b": rules["b"][:1]}, b"<p>x", ["not on the page"]) == (
        NO_REGION
    )
    plain = b"<html><body><p>" + PARAGRAPHS[0].encode() + b"</p></body></html>"
    assert derive_segments(rules, plain, [PARAGRAPHS[0]]) == NO_HOLE


def test_rules_merge_their_vocabulary_within_caps(rules):
    again = merge(rules, rules)
    assert again == merge(None, rules)  # the same rules twice: nothing new
    grown = merge(None, rules)
    other = {"t": [], "b": [list(r) for r in rules["b"]]}
    other["b"][0] = [*other["b"][0][:5], {**other["b"][0][5], "t": ["span", "b"], "n": 9999}]
    merged = merge(grown, other)
    vocabulary = merged["b"][0][5]
    assert "b" in vocabulary["t"] and vocabulary["n"] == 9999
    huge = {
        "t": [],
        "b": [
            [
                *rules["b"][0][:5],
                {"t": [], "a": [], "v": [str(i) for i in range(MAX_VOCABULARY)], "n": 1},
            ]
        ],
    }
    capped = merge(merged, huge)
    assert capped["b"][0][5] == vocabulary  # past the cap: kept as it was


def test_a_sites_rules_are_kept_apart_by_the_pages_scripts_and_stylesheets():
    """The layout a site's rules are kept under: the same for two articles of the site and
    for requests whose cache-busters differ; another for a page of another make."""
    one, two = page("/world/palmyra", 1, Story()), page("/uk/floods", 7, OTHER)
    assert layout(one) == layout(two)
    other = one.replace(b"/static/app.js", b"/assets/bundle-2.js")
    assert b"/assets/bundle-2.js" in other and layout(other) != layout(one)
    canonical = one.replace(b"</head>", b'<link rel="canonical" href="/a/b.html"></head>', 1)
    assert layout(canonical) == layout(one)


def test_inside_the_article_only_a_scripts_url_is_a_hole():
    """A rule's context inside the article's region: a script's cache-busted URL is a hole
    there (learning judges it so: the extraction never reads it), another attribute's token
    is not (the twin: its change is a mismatch)."""
    script = b'script src="/embed.js?v=a1b2c3">'
    marked = b'span class="x" data-token="a1b2c3">'
    rules: dict = {"t": [], "b": []}
    for piece in (script, marked):
        parts = re.split(rb"([A-Za-z0-9_-]+)", piece)
        index = parts.index(b"a1b2c3")
        masked = b"\x00".join(b"" if i == index else p for i, p in enumerate(parts))
        rules["t"].append([len(parts), [index], masked.decode("latin-1"), [[index, "w", 16]]])
    page_ = (
        f"<html><body><p>{PARAGRAPHS[0]}</p><{script.decode()}</script>"
        f"<{marked.decode()}x</span><p>{PARAGRAPHS[1]}</p></body></html>"
    ).encode()
    segments = derive_segments(rules, page_, PARAGRAPHS[:2])
    assert isinstance(segments, list)
    holes = [s for s in segments if s[0] == "T"]
    assert len(holes) == 1 and holes[0][1] == len(re.split(rb"([A-Za-z0-9_-]+)", script))


def test_an_inline_styles_token_is_never_a_derived_hole():
    """A rule whose hole is in a ``style`` value (``display:block`` could become ``none``) is
    never applied; the twin: the same context with the hole in a ``data-`` value is."""
    page_ = (
        '<html><body><div class="ad" style="display:block" data-n="block">x</div>'
        f"<p>{PARAGRAPHS[0]}</p></body></html>"
    ).encode()
    piece = page_.split(b"<")[3]
    parts = re.split(rb"([A-Za-z0-9_-]+)", piece)
    for index, holes in ((parts.index(b"block"), 0), (len(parts) - 4, 1)):
        assert parts[index] == b"block"
        masked = b"\x00".join(b"" if i == index else p for i, p in enumerate(parts))
        rule = [len(parts), [index], masked.decode("latin-1"), [[index, "w", 16]]]
        found = derive_segments({"t": [rule], "b": []}, page_, PARAGRAPHS[:1])
        made = 0 if found == NO_HOLE else sum(1 for s in found if s[0] == "T")
        assert made == holes


def _online(path: str, n: int, story: Story, day: int | None = None, readers: int = 0) -> bytes:
    """An article whose footer counts its readers (``<span class="online">``, chrome: a count
    learned as a hole); with ``day``, a dateline whose day stands in the same span."""
    html = page(path, n, story).decode()
    count = readers or 100 + 37 * n
    html = html.replace(
        "<p>&copy; The Meridian</p>",
        f'<p>&copy; The Meridian. Readers online: <span class="online">{count}</span></p>',
    )
    if day is not None:
        note = f'<div class="note">Updated <span class="online">{day}</span> March 2026</div>'
        html = html.replace('<div class="story-body">', note + '<div class="story-body">', 1)
    return html.encode()


def test_a_count_in_the_pages_text_is_never_a_derived_hole():
    """A count learned in one article's footer is a hole of its site's rules; on another
    article the same span holds its dateline's day (the extraction's updated_at): never a
    derived hole, the dateline changed is a mismatch and the full extraction finds it."""
    y = "/world/palmyra"
    old, new = _online(y, 1, Story()), _online(y, 2, Story())
    _, fingerprint = extract_with_fingerprint(new, SITE + y)
    template = learn_with_fingerprint(
        old, new, HTML, fingerprint, url=SITE + y, min_chars=DEFAULT_MIN_CHARS
    )
    rules_ = rules_of(template, new)
    assert rules_ is not None
    assert any("online" in r[2] and r[3][0][1] == "n" for r in rules_["t"])
    a, b = _online("/uk/floods", 1, OTHER, 17, 5), _online("/uk/floods", 2, OTHER, 18, 5)
    url = SITE + "/uk/floods"
    assert extract_article(a, url).updated_at != extract_article(b, url).updated_at
    assert derived(rules_, a, b) == (None, DIGEST)
    # the twin: the same dateline, only the request chrome new: derived, and the same article
    same = _online("/uk/floods", 2, OTHER, 17, 5)
    template, why = derived(rules_, a, same)
    assert why is None and template is not None
    assert extract_article(same, url).content_hash == extract_article(a, url).content_hash


def test_a_site_is_its_host_with_or_without_www():
    assert site_of("https://www.Example.com/a") == site_of("http://example.com/b")
    assert site_of("https://www.example.com:8443/a") == "example.com:8443"
    assert site_of("https://news.example.com/a") != site_of("https://example.com/a")


def _session(tmp_path):  # type: ignore[no-untyped-def]
    return open_database(f"sqlite:///{tmp_path / 'rules.sqlite'}").session()


def test_a_sites_rules_are_rewritten_only_when_a_learning_adds_to_them(rules, tmp_path):
    """A site's first learning: its row, no rules (they serve its other articles); the
    second: its rules.  The same rules learned again: the stored row's rules untouched and
    their verified uses kept; new rules: rewritten, and the rules the merge widened start
    their verified uses again (their identity is new); past the size cap: kept as they were."""
    now = datetime.now(UTC)
    key = ("news.example", "l", "i")
    with _session(tmp_path) as session:
        mark = add_site_rules(session, *key, rules, now)
        assert mark.rules is None and mark.learned == 1
        assert session.get(SiteRules, key).rules is None
        first = add_site_rules(session, *key, rules, now)
        assert first.rules == merge(None, rules) and first.verified == 0
        ids = rule_ids(first.rules)
        assert set(first.trust) == set(ids) and set(first.trust.values()) == {0}
        for _ in range(3):
            count_site_verification(session, *key, ids, now)
        stored = session.get(SiteRules, key).rules
        again = add_site_rules(session, *key, rules, now)
        assert (again.learned, again.verified) == (3, 3)
        assert again.trusted(ids, 3)
        assert session.get(SiteRules, key).rules == stored
        more = {"t": [], "b": [list(r) for r in rules["b"]]}
        more["b"][0] = [*more["b"][0][:5], {**more["b"][0][5], "t": ["span", "b"]}]
        grown = add_site_rules(session, *key, more, now)
        assert grown.verified == 0 and grown.rules != again.rules
        assert session.get(SiteRules, key).rules != stored
        widened = rule_ids(grown.rules)
        [new_id] = set(widened) - set(ids)
        assert grown.trust[new_id] == 0 and not grown.trusted(widened, 3)
        assert grown.trusted(set(widened) - {new_id}, 3)  # the rules left as they were
        contexts = [sha256(str(i).encode()).hexdigest() for i in range(MAX_RULES)]
        huge = {"t": [[2, [1], f"{c}\x00", [[1, "w", 16]]] for c in contexts]}
        capped = add_site_rules(session, *key, huge, now)
        assert capped.rules == grown.rules
        assert len(session.get(SiteRules, key).rules) <= MAX_STORED


def test_a_verification_counts_only_for_the_rules_its_decision_used(rules, tmp_path):
    """Each rule's verified uses are its own: a derived decision that used some of the
    site's rules vouches for those alone, and a rule added later is trusted only after
    decisions that used it were verified.  The twin: the rules a decision did use are
    trusted after 3."""
    now = datetime.now(UTC)
    key = ("news.example", "l", "i")
    some = {"t": rules["t"], "b": []}
    with _session(tmp_path) as session:
        add_site_rules(session, *key, some, now)
        add_site_rules(session, *key, some, now)
        old_ids = rule_ids(merge(None, some))
        for _ in range(3):
            count_site_verification(session, *key, old_ids, now)
        found = add_site_rules(session, *key, rules, now)  # the block rules added
        new_ids = sorted(set(rule_ids(found.rules)) - set(old_ids))
        assert new_ids and found.trusted(old_ids, 3)  # the twin
        assert not found.trusted(new_ids, 3) and not found.trusted([*old_ids, *new_ids], 3)
        for _ in range(5):  # decisions that used only the old rules vouch for nothing new
            count_site_verification(session, *key, old_ids, now)
        found = site_rules(session, *key)
        assert not found.trusted(new_ids, 1) and found.trusted(old_ids, 8)
        for _ in range(3):
            count_site_verification(session, *key, new_ids, now)
        assert site_rules(session, *key).trusted([*old_ids, *new_ids], 3)


def test_a_stale_verification_counts_for_nothing(rules, tmp_path):
    """A verification of a decision derived with a rule since widened by a learning (or read
    from a crawl's copy of the row made before the widening) is of another rule: it counts
    for no rule as the site now holds them, nor once the rules are dropped.  The twin: the
    same verification with the rule unchanged counts."""
    now = datetime.now(UTC)
    key = ("news.example", "l", "i")
    with _session(tmp_path) as session:
        add_site_rules(session, *key, rules, now)
        before = add_site_rules(session, *key, rules, now)
        stale_ids = rule_ids(before.rules)  # as a crawl read them
        assert count_site_verification(session, *key, stale_ids, now)[stale_ids[0]] == 1
        more = {"t": [], "b": [list(r) for r in rules["b"]]}
        more["b"][0] = [*more["b"][0][:5], {**more["b"][0][5], "t": ["span", "b"]}]
        after = add_site_rules(session, *key, more, now)
        [widened] = set(rule_ids(after.rules)) - set(stale_ids)
        [gone] = set(stale_ids) - set(rule_ids(after.rules))
        counts = count_site_verification(session, *key, stale_ids, now)
        assert gone not in counts and counts[widened] == 0
        assert all(counts[r] == 2 for r in stale_ids if r != gone)  # the twin
        drop_site_rules(session, key[0], key[2], now)
        assert count_site_verification(session, *key, rule_ids(after.rules), now) == {}
        assert site_rules(session, *key).rules is None


def test_a_derived_template_is_marked_and_names_the_rules_it_used(rules):
    """A derived template is marked derived (the crawl stops using it once its site's rules
    are dropped) and comes with the identities of the rules its holes were made by; a learned
    one is not marked."""
    old, new = page("/uk/floods", 1, OTHER), page("/uk/floods", 2, OTHER)
    article = extract_article(old, SITE + "/uk/floods")
    fields = [article.headline, article.byline or "", article.description or ""]

    def derive_floods(with_rules: dict) -> tuple[str | None, str | None, list[str]]:
        return derive_using(
            with_rules,
            old,
            new,
            HTML,
            article.paragraphs,
            fields,
            url=SITE + "/uk/floods",
            min_chars=DEFAULT_MIN_CHARS,
        )

    template, why, used = derive_floods(rules)
    assert why is None and template is not None
    assert is_derived(template) and is_derived(verified(template)) and is_unverified(template)
    assert used and set(used) <= set(rule_ids(rules))
    own, _ = learned("/uk/floods", OTHER)
    assert not is_derived(own) and not is_derived(verified(own))
    assert segments_of(template) is not None and segments_of(verified(template)) is not None
    only_tokens = {"t": rules["t"], "b": []}
    _, _, fewer = derive_floods(only_tokens)
    assert set(fewer) <= set(rule_ids(only_tokens)) and set(fewer) < set(used)


# -- Derived holes judged on the stored page's parse (archive.extract.template_site_judge) --
# A small site: one layout, request chrome new on every request (a cache-busted script), a
# comments panel that rotates.  Article A teaches the rules; article B's template is derived.

DAILY = "https://daily.example"
BRIDGE = (
    "The city council voted on Tuesday to close the old harbour bridge to heavy traffic after"
    " engineers found deep cracks in two of its supporting piers.",
    "Officials said buses would be diverted through the northern ring road while a full survey"
    " of the structure is carried out over the coming months.",
    "Shop owners near the bridge warned that the closure could cut their trade by half, and"
    " asked the council for help with rents during the works.",
    "The mayor said the safety of residents came first and promised that a plan for the"
    " repairs would be published before the end of the summer.",
)
HARVEST = (
    *daily_story.HARVEST,
    "Wine makers plan to hold the annual harvest festival in the town square next month, with"
    " tastings from more than forty local estates.",
)
PANEL = '<div class="js-comments-panel">{}</div>'


def daily(
    headline: str,
    paragraphs: tuple[str, ...],
    seed: int,
    *,
    head: str = '<meta name="author" content="Jo Writer">',
    dated: bool = True,
    before: str = "",
    top: str = "",
    lead: tuple[str, str] = ("", ""),
    after: str = "",
    script: str = "",
) -> bytes:
    """A page of the small site: ``before`` the article, ``top`` inside it between the
    headline and the first paragraph, ``lead`` around the first paragraph, ``after`` the
    article."""
    v = sha256(str(seed).encode()).hexdigest()[:8]
    date = '<meta property="article:published_time" content="2024-05-01T09:00:00+00:00">'
    body = [f"<p>{p}</p>" for p in paragraphs]
    body[0] = lead[0] + body[0] + lead[1]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{headline} | Daily Example</title>{head}{date if dated else ''}"
        f'<script src="/static/app.js?v={v}"></script></head><body>{script}'
        f'<nav class="menu"><a href="/">Home</a></nav>{before}'
        f"<article><h1>{headline}</h1>{top}{''.join(body)}</article>{after}"
        '<div class="site-bottom">Daily Example</div></body></html>'
    ).encode()


def daily_rules(first: bytes, second: bytes, path: str = "/news/bridge") -> dict:
    """The site rules a template learned on article A's two payloads gives."""
    url = DAILY + path
    assert extract_article(first, url).content_hash == extract_article(second, url).content_hash
    _, fingerprint = extract_with_fingerprint(second, url)
    template = learn_with_fingerprint(
        first, second, HTML, fingerprint, url=url, min_chars=DEFAULT_MIN_CHARS
    )
    assert "|none|" not in template, template
    found = rules_of(template, second)
    assert found is not None
    return found


def decided(rules_: dict, old: bytes, new: bytes, path: str = "/news/harvest") -> tuple:
    """(tier 0's "same" by the template derived on ``old``, the full extraction's "same")."""
    url = DAILY + path
    article = extract_article(old, url)
    fields = [article.headline, article.byline or "", article.description or ""]
    template, _ = derive(
        rules_, old, new, HTML, article.paragraphs, fields, url=url, min_chars=DEFAULT_MIN_CHARS
    )
    same = template is not None and (
        check(new, template, url=url, content_type=HTML, min_chars=DEFAULT_MIN_CHARS) is None
    )
    return same, extract_article(new, url).content_hash == article.content_hash


def _replies(*names: str, cls: str = "") -> str:
    attribute = f' class="{cls}"' if cls else ""
    return "".join(
        f'<li><a href="/c/{k}"><span{attribute}>{n}</span> replied</a></li>'
        for k, n in enumerate(names)
    )


@pytest.fixture(scope="module")
def panel_rules() -> dict:
    """A's comments panel beside the article, rotating: a block rule."""
    a = "Harbour bridge closed to lorries"
    panel = "<ul>{}</ul>"
    return daily_rules(
        daily(a, BRIDGE, 1, before=PANEL.format(panel.format(_replies("Tom", "Eva")))),
        daily(a, BRIDGE, 2, before=PANEL.format(panel.format(_replies("Omar", "Lina", "Jun")))),
    )


B = "Grape harvest starts early"


def test_a_rules_block_inside_the_article_container_is_no_hole(panel_rules):
    """B renders the panel inside <article>, between the headline and the first paragraph,
    outside the paragraphs' bytes: the parse puts it in the article's container, no hole;
    items written there (new paragraphs to the extraction) are a mismatch.  The twin: the
    panel beside B's article derives, its rotation is the same article."""
    assert panel_rules["b"]
    stored = PANEL.format(f"<ul>{_replies('Tom', 'Eva')}</ul>")
    edited = PANEL.format("<ul><li>The harvest has been cancelled.</li></ul>")
    assert decided(
        panel_rules, daily(B, HARVEST, 10, top=stored), daily(B, HARVEST, 11, top=edited)
    ) == (False, False)
    rotated = PANEL.format(f"<ul>{_replies('Anke', 'Pedro', 'Maria')}</ul>")
    assert decided(
        panel_rules, daily(B, HARVEST, 10, before=stored), daily(B, HARVEST, 11, before=rotated)
    ) == (True, True)


def test_a_rule_whose_holes_the_parse_refused_is_not_named_as_used(panel_rules):
    """A derived template names only the rules whose holes survived the parse judging: B's
    panel inside <article> (the block rule's hole refused, kept fixed) is derived by the
    token rules alone, and the block rule is no rule that decision used (its trust is not
    asked for, nor counted).  The twin: the panel beside the article, the block rule named."""
    [block] = [rule_id("b", r) for r in panel_rules["b"]]
    stored = PANEL.format(f"<ul>{_replies('Tom', 'Eva')}</ul>")
    url = DAILY + "/news/harvest"

    def used(where: str) -> list[str]:
        old, new = (
            daily(B, HARVEST, 10, **{where: stored}),
            daily(B, HARVEST, 11, **{where: stored}),
        )
        template, why, names = derived_from_stored(panel_rules, old, new, url)
        assert why is None and template is not None
        found = [rule_of(name) for name in names]  # HELD or not (the panel is as stored)
        assert found and set(found) <= set(rule_ids(panel_rules))
        return found

    assert block not in used("top")
    assert block in used("before")


def test_a_rules_block_inside_the_headline_is_no_hole(panel_rules):
    """B renders the panel inside its <h1> as a "Live" badge (its <title> names only the
    site): the headline is the h1's whole text, so no hole there (a new label is a new
    headline, and a mismatch).  (The twin, the panel beside the article, derives: above.)"""
    live = PANEL.format('<a href="/c/1">Live</a>')
    fake = PANEL.format('<a href="/c/1">Fake:</a>')
    title = f"<title>{B} | Daily Example</title>".encode()

    def badged(seed: int, badge: str) -> bytes:
        page_ = daily(B, HARVEST, seed).replace(title, b"<title>Daily Example</title>")
        return page_.replace(f"<h1>{B}".encode(), f"<h1>{badge}<span>{B}</span>".encode())

    assert decided(panel_rules, badged(10, live), badged(11, fake)) == (False, False)


def test_a_token_on_a_wrapper_of_the_lead_paragraph_is_no_hole():
    """A's comments zone (its id a token: chrome by its class) stands after the article; on B
    the same start tag opens a wrapper around the lead paragraph, before the paragraphs'
    bytes: the parse puts it in the article, no hole (an id the in-article chrome pass reads
    as a promo box would drop the paragraph).  The twin: the zone beside B's article derives."""

    def zone(key: str) -> str:
        return f'<div class="js-comments-zone" id="{key}">'

    a = "Harbour bridge closed"
    closed = "<p>Comments are closed.</p></div>"
    rules_ = daily_rules(
        daily(a, BRIDGE, 1, after=zone("cz-1a2b3c") + closed),
        daily(a, BRIDGE, 2, after=zone("cz-9f8e7d") + closed),
    )
    assert any("js-comments-zone" in r[2] for r in rules_["t"])
    wrap = (zone("cz-4d5e6f"), "</div>")
    promo = (zone("promo-box"), "</div>")
    assert decided(rules_, daily(B, HARVEST, 10, lead=wrap), daily(B, HARVEST, 11, lead=promo)) == (
        False,
        False,
    )
    assert decided(
        rules_,
        daily(B, HARVEST, 10, before=zone("cz-4d5e6f") + closed),
        daily(B, HARVEST, 11, before=zone("cz-0a0b0c") + closed),
    ) == (True, True)


@pytest.mark.parametrize(
    ("cls", "head"),
    [
        ("username", ""),  # trafilatura's author expressions: B's byline
        ("post-title", '<meta name="author" content="Jo Writer">'),  # its title's: headline
    ],
)
def test_a_vocabulary_value_a_metadata_reader_selects_is_not_derived(cls, head):
    """A's panel names commenters (or stories) with a class that trafilatura's author (or
    title) expressions select; A's head names its author and title, so the rotation was
    harmless there.  B states neither: the value is screened out of the derived block's
    vocabulary, and B' writing it into the panel is a mismatch (the full extraction reads a
    new byline or headline).  The twin: B' rotating the panel without it is the same."""
    a = "Harbour bridge closed"
    meta = '<meta name="author" content="Jo Writer"><meta property="og:title" content="x">'
    rules_ = daily_rules(
        daily(a, BRIDGE, 1, head=meta, before=PANEL.format(f"<ul>{_replies('Tom', cls=cls)}</ul>")),
        daily(a, BRIDGE, 2, head=meta, before=PANEL.format(f"<ul>{_replies('Eva', cls=cls)}</ul>")),
    )
    assert any(v.endswith(f" class={cls}") for r in panel_rules_of(rules_) for v in r[5]["v"])
    # B: no author meta (its byline printed in the page), or no h1 (its headline a <div>)
    credit = '<div class="credit">Words: <span class="writer">Jo Writer</span></div>'
    old = _plain_b(head, 10, PANEL.format("<ul><li>Comments are closed</li></ul>"), credit)
    if cls == "post-title":
        old = old.replace(b"<h1>", b'<div class="hed">').replace(b"</h1>", b"</div>")
    edited = old.replace(
        b"<li>Comments are closed</li>",
        b"<li>Comments are closed</li>" + _replies("Mallory Black", cls=cls).encode(),
    )
    assert decided(rules_, old, _rerequested(edited)) == (False, False)
    rotated = old.replace(b"<li>Comments are closed</li>", _replies("Ada").encode())
    assert decided(rules_, old, _rerequested(rotated)) == (True, True)


def panel_rules_of(rules_: dict) -> list:
    return [r for r in rules_["b"] if "js-comments-panel" in r[3]]


def _plain_b(head: str, seed: int, panel: str, credit: str) -> bytes:
    page_ = daily(B, HARVEST, seed, head=head, before=panel)
    if not head:
        page_ = page_.replace(b"<h1>", credit.encode() + b"<h1>", 1)
    return page_


def _rerequested(page_: bytes) -> bytes:
    """The same page with its request chrome new (the script's cache-buster)."""
    return re.sub(rb"app\.js\?v=[0-9a-f]+", b"app.js?v=0badcafe", page_)


def _rule_over(piece: bytes, value: bytes) -> list:
    """A token rule whose context is ``piece`` with ``value`` its hole (as learned)."""
    parts = RUN.split(piece)
    index = parts.index(value)
    masked = b"\x00".join(b"" if i == index else p for i, p in enumerate(parts))
    return [len(parts), [index], masked.decode("latin-1"), [[index, "w", 24]]]


def test_a_token_htmldate_reads_a_date_from_is_not_derived():
    """A's "last comment" <abbr data-utime> changes per request; B states no date, so htmldate
    reads that Unix time as B's.  Learning refuses it (a hole's digits a date reader reads);
    a rule over it (as kept before that guard, or planted) derives no hole on B either: the
    derived template keeps the epoch fixed and a new one is a mismatch.  The twin: the
    script's rule still derives, and B refetched with only its chrome new is the same."""
    a = "Harbour bridge closed"

    def last(epoch: int) -> str:
        abbr = f'<abbr class="timeago" data-utime="{epoch}">recently</abbr>'
        return f'<div class="site-foot">Last comment: {abbr}</div>'

    first, second = (
        daily(a, BRIDGE, 1, after=last(1714554000)),
        daily(a, BRIDGE, 2, after=last(1714557600)),
    )
    url = DAILY + "/news/bridge"
    _, fingerprint = extract_with_fingerprint(second, url)
    assert "|none|" in learn_with_fingerprint(
        first, second, HTML, fingerprint, url=url, min_chars=DEFAULT_MIN_CHARS
    )
    old = daily(B, HARVEST, 10, dated=False, after=last(1714600000))
    pieces = old.split(b"<")
    script = next(p for p in pieces if p.startswith(b"script src="))
    abbr = next(p for p in pieces if p.startswith(b"abbr "))
    value = re.search(rb"v=([0-9a-f]+)", script)
    assert value is not None
    rules_ = {"t": [_rule_over(script, value.group(1)), _rule_over(abbr, b"1714600000")], "b": []}
    edited = daily(B, HARVEST, 11, dated=False, after=last(1600000000))
    assert decided(rules_, old, edited) == (False, False)
    assert decided(rules_, old, _rerequested(old)) == (True, True)


def _revision(live: bool, cls: str, *, script: str = "") -> bytes:
    rev = f'<div class="{cls}">'
    if live:  # a live wrapper of the lead paragraph, a real comment after the article
        return daily(B, HARVEST, 10, lead=(rev, "</div>"), after="<!-- /article -->", script=script)
    return daily(B, HARVEST, 10, before=f"<!--{rev}<br>-->", script=script)


def test_a_comments_token_is_a_hole_only_inside_a_comment_as_a_parser_reads_it():
    """A's disabled revision wrapper (in a comment) changes its class per request: a comment's
    token rule.  On B the same wrapper is live, around the lead paragraph, and an inline
    script earlier holds the string "<!--": the walk over the raw bytes opens no comment in a
    script's text, no hole; a new class (a promo box to the in-article chrome pass) is a
    mismatch.  The twin: on B inside a real comment (with the same script) it derives."""
    a = "Harbour bridge closed"
    rules_ = daily_rules(
        daily(a, BRIDGE, 1, before='<!--<div class="rev1a2b3c"><br>-->'),
        daily(a, BRIDGE, 2, before='<!--<div class="rev9f8e7d"><br>-->'),
    )
    assert any(h[1] == "c" for r in rules_["t"] for h in r[3])
    script = "<script>var ad = '<!--' + 'x';</script>"
    old = _revision(True, "rev4d5e6f", script=script)
    assert comment_spans(old.split(b"<"))[0][0] > old.index(b'<div class="rev')
    assert decided(rules_, old, _rerequested(_revision(True, "promo", script=script))) == (
        False,
        False,
    )
    old = _revision(False, "rev4d5e6f", script=script)
    assert decided(rules_, old, _rerequested(_revision(False, "rev0a0b0c", script=script))) == (
        True,
        True,
    )


def test_the_articles_region_is_read_in_the_pages_charset():
    """A windows-1251 page: its text is read in its charset, so the article's region is
    found by the text (not by the words' span, which a cyrillic article lacks)."""
    paragraphs = (
        "Городской совет во вторник проголосовал за закрытие старого моста для грузовиков.",
        "Автобусы пойдут по северной кольцевой дороге, пока идёт обследование конструкции.",
    )
    html = (
        '<html><head><meta charset="windows-1251"></head><body><div class="menu">Главная</div>'
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "<div>Подвал</div></body></html>"
    )
    old = html.encode("cp1251")
    begin, end = old.index(b"<p>") + 1, old.rindex(b"</p>") + len(b"</p>") + 1
    assert _text_region(old, paragraphs, _charset(old, "text/html")) == (begin, end)
    assert _text_region(old, paragraphs) is None  # read as UTF-8: not found


TRENDING_ITEM = (
    "Readers across the valley shared the story with friends, and the town's growers said the"
    " early start had left them short of pickers for the rows on the hills."
)


def _trending(items: list[str]) -> str:
    listed = "".join(
        f'<li><a href="/s/{k}">Story {k}</a><div>{text}</div></li>' for k, text in enumerate(items)
    )
    return f'<div class="trending"><ul>{listed}</ul></div>'


@pytest.mark.parametrize("grown", [True, False])
def test_a_derived_blocks_length_cap_is_its_own_on_the_stored_page(grown):
    """Article A's "trending" list is long (about 3 KB), article B's holds one short item: the
    block rule learned on A may grow to A's length, but B's derived hole may grow only from
    B's own block.  B's list grown to A's size, which the full extraction then takes for B's
    article, is no match (before, the rule's cap let tier 0 say "same").  The twin: B's list
    changed within its own length, "same" for both."""
    long_list = [f"{TRENDING_ITEM} ({k})" for k in range(15)]
    # long enough that A's list grown to its cap is not taken for it (the learning's
    # worst-case probe, archive.extract.template_probe)
    paragraphs = tuple(f"{p} ({k})" for k in range(6) for p in BRIDGE)
    rules_ = daily_rules(
        daily("Harbour bridge closed", paragraphs, 1, before=_trending(long_list[:14])),
        daily("Harbour bridge closed", paragraphs, 2, before=_trending(long_list[1:])),
    )
    [rule] = rules_["b"]
    short = _trending(["Ferry fares frozen for residents."])
    old = daily(B, HARVEST, 10, before=short)
    article = extract_article(old, DAILY + "/news/harvest")
    fields = [article.headline, article.byline or "", article.description or ""]
    segments = derive_segments(rules_, old, article.paragraphs, fields, HTML)
    assert not isinstance(segments, str)
    [block] = [s for s in segments if s[0] == "B"]
    own = len(short) - len('<div class="trending">') - len("</div>")
    assert block[4]["n"] == own < rule[5]["n"]
    new_list = long_list[:14] if grown else ["Zoo welcomes twin pandas at last."]
    new = daily(B, HARVEST, 11, before=_trending(new_list))
    assert decided(rules_, old, new) == ((False, False) if grown else (True, True))


@pytest.mark.parametrize("listed", [False, True])
def test_a_verification_counts_only_for_the_rules_whose_holes_carried_new_bytes(listed, tmp_path):
    """Three articles refetched with only their script's cache-buster new: their derived
    decisions, verified, vouch for the script's rule, not for the "trending" block's, whose
    bytes were as stored (named HELD): it stays untrusted, so a fourth article's decision
    that rests on it is verified.  HELD or not, every rule the template holds counts for the
    trust its decision needs.  The twin: the three lists changed too, and the block rule is
    trusted after 3."""
    now = datetime.now(UTC)
    key = ("daily.example", "l", "i")
    # long enough that A's list grown to its cap is not taken for it (the learning's
    # worst-case probe, archive.extract.template_probe)
    paragraphs = tuple(f"{p} ({k})" for k in range(6) for p in BRIDGE)
    items = [f"{TRENDING_ITEM} ({k})" for k in range(15)]
    rules_ = daily_rules(
        daily("Harbour bridge closed", paragraphs, 1, before=_trending(items[:14])),
        daily("Harbour bridge closed", paragraphs, 2, before=_trending(items[1:])),
    )
    block_id = rule_id("b", rules_["b"][0])
    with _session(tmp_path) as session:
        add_site_rules(session, *key, rules_, now)
        add_site_rules(session, *key, rules_, now)
        for k, paragraph in enumerate(HARVEST[:3]):
            article = (f"Harvest report number {k}", (paragraph, *HARVEST[3:]))
            old = daily(*article, 10, before=_trending(["Ferry fares frozen for residents."]))
            shown = (
                "Zoo welcomes twin pandas at last."
                if listed
                else "Ferry fares frozen for residents."
            )
            new = daily(*article, 11, before=_trending([shown]))
            template, why, used = derived_from_stored(rules_, old, new, DAILY + f"/news/{k}")
            assert template is not None, why
            assert (block_id in used) is listed and (HELD + block_id in used) is not listed
            site = site_rules(session, *key)
            assert not site.trusted(used, 3)  # the block rule counts for the trust needed
            count_site_verification(session, *key, used, now)
        site = site_rules(session, *key)
    assert site.trust[block_id] == (3 if listed else 0)
    assert site.trusted([HELD + block_id], 3) is listed
    assert all(count == 3 for rule, count in site.trust.items() if rule != block_id)
