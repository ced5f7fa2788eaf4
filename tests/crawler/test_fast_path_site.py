"""Tier 0's site rules end to end: ``redline crawl`` against articles of one local site, each
dressed in new request chrome on every request (scheduler.demo.chrome.dress).  One article's
template is learned (a full extraction); its holes become the site's rules; every other
article's first chrome-only refetch is then decided by a template derived from them, with no
full extraction, the site's first 3 derived decisions each verified by one.  Its twins: an
article really edited at that refetch (a new version), an edit put inside a rule's hole
(refused, and the full extraction decides), the chrome's class names inside an article's body
(no hole derived there), rules planted over the headline (no hole there: the derivation
judges its holes on the stored page's parse), a rule added later (verified at its first uses),
a learned template's decision a full extraction disagrees with (the site's rules dropped for
good, and the templates derived from them with them).
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime

import pytest

from archive.db import open_database
from archive.extract.extractor import extract_article
from archive.extract.template import RUN, identity, is_derived
from archive.site_rules import decode_rules, drop_site_rules, encode_rules, site_of
from scheduler.demo.chrome import dress
from tests.crawler.test_fast_path_tier0 import plant_a_wrong_template
from tests.pages import PARAGRAPHS, Story, article_page

pytestmark = pytest.mark.slow

FIXED: frozenset[str] = frozenset()
YEARS = re.compile(r'data-n="(?:199|20[0-3])[0-9]"|>(?:199|20[0-3])[0-9] comments')
MOST_READ = '<aside class="most-read"><h2>Most read</h2>'


def story(i: int) -> Story:
    """Article ``i`` of the site: its own headline, byline and paragraphs."""
    place = ["Tartus", "Homs", "Aleppo", "Latakia", "Hama", "Idlib", "Raqqa", "Deir"][i % 8]
    return Story(
        headline=f"Dispatch number {i} of the week",
        byline=f"Writer {i}",
        description=f"What happened in {place} this week ({i}).",
        paragraphs=tuple(f"{p.replace('Palmyra', place)} ({i})" for p in PARAGRAPHS),
    )


def dressed(path: str, article: Story, n: int, extra: str = "", body: str = "") -> str:
    page = dress(article_page(article, 0, vary=FIXED), path, n)
    # a comment count that reads as a year is a fallback by design: made another count here
    page = YEARS.sub(lambda m: re.sub("[0-9]+", "7", m.group(0)), page)
    if extra:
        page = page.replace(MOST_READ, MOST_READ + extra)
    if body:  # something put into the article's body, after its first paragraph
        first = f"<p>{article.paragraphs[0]}</p>"
        assert first in page
        page = page.replace(first, first + body, 1)
    return page


def serve(site, path: str, article: Story, extra: str = "", body: str = "") -> None:
    site.set_page(path, lambda n: dressed(path, article, n, extra, body))


def track_and_capture(
    redline, site, pages: dict[str, Story], held: dict[str, Story] | None = None
) -> None:
    """``pages`` (path: article) served in new chrome on every request, ``held`` with the
    same bytes on every request (:func:`hold`), all tracked and captured: a new version
    each."""
    for path, article in pages.items():
        serve(site, path, article)
    for path, article in (held or {}).items():
        hold(site, path, article)
    paths = [*pages, *(held or {})]
    redline("track", *(site.url(p) for p in paths))
    assert redline.crawl()["new_versions"] == len(paths)


def hold(site, path: str, article: Story, n: int = 0) -> None:
    """``path`` served with the same bytes on every request (its chrome held as at request
    ``n``): refetched, it is a byte-identical payload, no fast-path decision."""
    page = dressed(path, article, n)
    site.set_page(path, lambda _: page)


def site_rows(redline, columns: str = "rules, dropped") -> set[tuple]:
    """The site rules' rows as stored, ``columns`` of each."""
    with sqlite3.connect(redline.data_dir / "redline.sqlite") as db:
        return set(db.execute(f"SELECT {columns} FROM site_rules").fetchall())


def plant_a_rule(
    redline, page: str, word: str, *, as_new: bool = True, token: str | None = None
) -> None:
    """A token rule added by hand, as if a learning had vouched for it: a hole over ``token``
    (default: the middle one of ``word``'s words, as the number of ``"number 3 of"``) in every
    piece of ``page`` naming ``word``.  ``as_new``: the row's verified count set back to 0, as
    a learning that adds a rule sets it."""
    with sqlite3.connect(redline.data_dir / "redline.sqlite") as db:
        [(stored,)] = db.execute("SELECT rules FROM site_rules WHERE rules IS NOT NULL").fetchall()
        rules = decode_rules(stored)
        for piece in page.encode().split(b"<"):
            if word.encode() not in piece:
                continue
            parts = RUN.split(piece)
            index = parts.index((token or word.split()[1]).encode())
            masked = b"\x00".join(b"" if i == index else p for i, p in enumerate(parts))
            rule = [len(parts), [index], masked.decode("latin-1"), [[index, "w", 8]]]
            rules["t"].append(rule)
        db.execute(
            "UPDATE site_rules SET rules = ? WHERE rules IS NOT NULL", (encode_rules(rules),)
        )
        if as_new:
            db.execute("UPDATE site_rules SET verified = 0")


def learn_the_site(redline, site) -> None:
    """Two articles tracked, captured, and their templates learned: the site's rules (its
    first learning stores none: they serve its other articles)."""
    serve(site, "/s0", story(0))
    serve(site, "/s00", story(9))
    redline("track", site.url("/s0"), site.url("/s00"))
    redline.crawl()
    assert redline.crawl()["fast_path"]["tier0_learned"] == 2


def test_site_rules_decide_other_articles_first_chrome_only_refetch(redline, site):
    redline.env.update(REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_SITE_RULES="1")
    learn_the_site(redline, site)
    others = {f"/s{i}": story(i) for i in range(1, 5)}
    twins = {"/t-text": story(5), "/t-headline": story(6)}
    track_and_capture(redline, site, {**others, **twins})

    # the twins' articles really change at their first chrome-only refetch
    first_, second, *rest = story(5).paragraphs
    edited = story(5).but(paragraphs=(first_, second + " Two soldiers died.", *rest))
    serve(site, "/t-text", edited)
    serve(site, "/t-headline", story(6).but(headline="A headline rewritten after the fact"))
    first = redline.crawl()
    fast = first["fast_path"]
    assert (first["unchanged"], first["new_versions"], first["errors"]) == (6, 2, 0)
    # every other article decided by a template derived from the site's rules, with no
    # learning; the site's first 3 derived decisions verified (more when they run together)
    assert fast["tier0_derived"] == len(others)
    assert fast["tier0_decisions"] == len(others) + 2  # and /s0, /s00, by their learned ones
    assert 3 <= fast["verifications"] <= len(others)
    assert "disagreements" not in fast
    assert "tier0_learned" not in fast
    # the twins: their derived templates do not match the edited pages; the full extraction
    # records each edit
    assert fast["tier0/not_derived/digest"] == len(twins)
    changed = {row["url"] for row in redline.json("changes", "--limit", "100")}
    assert changed == {site.url(p) for p in twins}

    # derived templates are kept: the next chrome-only refetch is tier 0's alone, and the
    # twins' new versions get theirs derived (the site's first decisions verified already)
    steady = redline.crawl()
    assert (steady["unchanged"], steady["new_versions"]) == (8, 0)
    assert steady["fast_path"] == {
        "decisions": 8,
        "tier0_decisions": 8,
        "tier0_derived": len(twins),
    }
    status = redline.json("status")["fast_path"]
    assert status["tier0_derived"] == len(others) + len(twins)
    assert status["tier0_learned"] == 2
    assert f"{len(others) + len(twins)} derived from site rules" in redline("status").stdout


@pytest.mark.parametrize(
    "extra",
    [
        '<time datetime="2017-03-09T08:00:00+00:00">9 March</time>',
        "<span>Updated 9 March 2017</span>",
        "<p>Breaking: the city is under fire again.</p>",
        "<li>" + "A paragraph of the article moved into the list of most read stories. " * 12,
    ],
)
def test_twin_an_edit_inside_a_rules_hole_is_refused(redline_sqlite, site, extra):
    """An article's first chrome-only refetch holds an edit inside a block a site rule makes
    a hole: no template is derived, and the full extraction decides exactly as it reads the
    page."""
    redline = redline_sqlite
    redline.env.update(REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_SITE_RULES="1")
    learn_the_site(redline, site)
    track_and_capture(redline, site, {"/p": story(1)})
    serve(site, "/p", story(1), extra=extra)
    changed = extract_article(dressed("/p", story(1), 9, extra).encode(), site.url("/p"))
    same = extract_article(dressed("/p", story(1), 9).encode(), site.url("/p"))
    found = redline.crawl()
    assert found["fast_path"]["tier0/not_derived/block"] == 1
    assert "tier0_derived" not in found["fast_path"]
    assert found["new_versions"] == int(changed.content_hash != same.content_hash)


def test_the_chromes_class_names_in_an_articles_body_get_no_hole(redline_sqlite, site):
    """The article's body holds a block with the chrome's own start tag (a most-read list of
    its own): the derived template has no hole there, so a change inside it is no tier-0
    decision (the full extraction decides)."""
    redline = redline_sqlite
    redline.env.update(REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_SITE_RULES="1")
    learn_the_site(redline, site)
    own = f'{MOST_READ}<ol><li><a href="/x">Our own list</a></li></ol></aside>'
    serve(site, "/c", story(2), body=own)
    redline("track", site.url("/c"))
    redline.crawl()
    derived = redline.crawl()
    assert derived["fast_path"]["tier0_derived"] == 1
    serve(site, "/c", story(2), body=own.replace("Our own list", "Our own list, changed"))
    changed = redline.crawl()
    assert changed["fast_path"]["tier0_decisions"] == 2  # the site's first articles' alone
    assert changed["fast_path"]["tier0/fallback/digest"] == 1


def test_rules_planted_over_the_headline_derive_no_hole_there(redline_sqlite, site):
    """Site rules made wrong on purpose (a token hole over the headline's number in the title,
    the metadata, the JSON-LD and the heading, as if a learning had vouched for it): the
    derivation judges each derived hole on the stored page's parse as learning does, so none
    is a hole there (a title, a metadata <meta>, a JSON script, text outside chrome); the
    edited headline is a mismatch, extracted in full and recorded.  (A wrong decision's
    verification dropping the site's rules: the learned template's test below.)"""
    redline = redline_sqlite
    redline.env.update(REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_SITE_RULES="1")
    learn_the_site(redline, site)
    article = story(3)
    track_and_capture(redline, site, {"/w": article})
    # every piece of the page naming the headline (title, meta, JSON-LD, heading)
    plant_a_rule(redline, dressed("/w", article, 1), "number 3 of", as_new=False)
    serve(site, "/w", article.but(headline=article.headline.replace(" 3 ", " 33 ")))
    caught = redline.crawl()
    assert (caught["unchanged"], caught["new_versions"]) == (2, 1)  # /s0, /s00 unchanged
    assert "tier0_derived" not in caught["fast_path"]
    [change] = redline.json("changes", "--limit", "10")
    assert change["kinds"] == {"headline": 1}


def test_a_learned_templates_disagreement_drops_its_sites_rules(redline_sqlite, site):
    """A learned template's holes are its site's rules: when a decision of a learned template
    (made wrong on purpose) is caught by its verification, the site's rules are dropped too."""
    redline = redline_sqlite
    redline.env.update(REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_SITE_RULES="1")
    learn_the_site(redline, site)
    plant_a_wrong_template(redline, site, "/v")  # its honest learning merged into the rules
    assert site_rows(redline, "dropped") == {(0,)}
    caught = redline.crawl()
    assert caught["new_versions"] == 1
    fast = caught["fast_path"]
    assert (fast["disagreements"], fast["site_rules_dropped"]) == (1, 1)
    assert site_rows(redline) == {(None, 1)}


def test_a_refetch_at_another_final_url_derives_nothing(redline_sqlite, site):
    """An article that moved (its URL now redirects; its canonical link is root-relative, read
    against the final URL): its stored page was captured at another final URL, so no template
    is derived from it and the full extraction decides.  The twin, an article that stayed put
    with only its chrome new: derived, unchanged."""
    redline = redline_sqlite
    redline.env.update(REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_SITE_RULES="1")
    learn_the_site(redline, site)

    def canonical(path: str, article: Story, n: int) -> str:
        link = f'<link rel="canonical" href="{path}">'
        return dressed(path, article, n).replace("</head>", link + "</head>", 1)

    site.set_page("/m", lambda n: canonical("/m", story(1), n))
    site.set_page("/k", lambda n: canonical("/k", story(2), n))
    redline("track", site.url("/m"), site.url("/k"))
    assert redline.crawl()["new_versions"] == 2
    site.set_page("/moved/m", lambda n: canonical("/m", story(1), n + 5))  # new chrome
    site.redirect("/m", "/moved/m")
    before = extract_article(canonical("/m", story(1), 5).encode(), site.url("/m"))
    after = extract_article(canonical("/m", story(1), 5).encode(), site.url("/moved/m"))
    found = redline.crawl()
    fast = found["fast_path"]
    assert fast["tier0/not_derived/final_url"] == 1
    assert fast["tier0_derived"] == 1  # the twin, /k
    assert found["new_versions"] == int(before.content_hash != after.content_hash)
    assert found["errors"] == 0


def online(path: str, article: Story, n: int, day: int | None = None) -> str:
    """An article whose footer counts its readers (a count in the page's text, new on every
    request: learned as a hole); with ``day``, a dateline whose day stands in the same span,
    the footer's count then kept."""
    page = dressed(path, article, n)
    count = 5 if day is not None else 100 + 37 * n
    page = page.replace(
        "<p>&copy; The Meridian</p>",
        f'<p>&copy; The Meridian. Readers online: <span class="online">{count}</span></p>',
    )
    if day is not None:
        note = f'<div class="note">Updated <span class="online">{day}</span> March 2026</div>'
        page = page.replace('<div class="story-body">', note + '<div class="story-body">', 1)
    return page


def test_a_count_learned_in_chrome_is_no_hole_in_another_articles_dateline(redline_sqlite, site):
    """The site's rules hold a count learned in one article's footer; another article's
    dateline puts its day in the same span.  Its day changed at the first chrome-only
    refetch: no template is derived, and the full extraction records the new version.  The
    twin, the same dateline and only the chrome new: derived, unchanged."""
    redline = redline_sqlite
    redline.env.update(REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_SITE_RULES="1")
    site.set_page("/s0", lambda n: online("/s0", story(0), n))
    site.set_page("/s00", lambda n: online("/s00", story(9), n))
    redline("track", site.url("/s0"), site.url("/s00"))
    redline.crawl()
    assert redline.crawl()["fast_path"]["tier0_learned"] == 2
    with sqlite3.connect(redline.data_dir / "redline.sqlite") as db:
        [(stored,)] = db.execute("SELECT rules FROM site_rules").fetchall()
    assert any("online" in r[2] and r[3][0][1] == "n" for r in decode_rules(stored)["t"])
    site.set_page("/d", lambda n: online("/d", story(1), n, day=17))
    site.set_page("/e", lambda n: online("/e", story(2), n, day=17))
    redline("track", site.url("/d"), site.url("/e"))
    assert redline.crawl()["new_versions"] == 2
    site.set_page("/d", lambda n: online("/d", story(1), n, day=18))
    found = redline.crawl()
    assert (found["unchanged"], found["new_versions"], found["errors"]) == (3, 1, 0)
    assert found["fast_path"]["tier0_derived"] == 1  # /e
    assert found["fast_path"]["tier0/not_derived/digest"] == 1  # /d
    [change] = redline.json("changes", "--limit", "10")
    assert change["url"] == site.url("/d")


SPECIAL = story(3).but(headline="Special report 3 from the front")
PROMO = '<form class="promo"><input type="hidden" name="campaign" value="spring"></form>'


def promoted(path: str, article: Story, n: int, season: str = "spring") -> str:
    """An article whose chrome holds, before the footer, a hidden field naming a campaign."""
    link = PROMO.replace("spring", season)
    return dressed(path, article, n).replace("<footer", link + "<footer", 1)


@pytest.mark.parametrize("edited", [True, False])
def test_a_rule_added_after_the_site_was_trusted_is_verified_at_its_first_use(
    redline_sqlite, site, edited
):
    """Trust is per rule: a rule added to a site whose other rules were vouched for (by hand
    here, as if a learning had added it: a hole over a hidden field's value in /w's
    chrome, one the parse judging accepts) is trusted only once decisions that used it
    were verified.  Three derived decisions of other articles (none using it) verified after
    it was added vouch for their own rules, not for it: the first decision that uses it,
    /w's (the field's value changed with the chrome), is verified, and agrees, while /s5,
    whose derived template uses only rules vouched for, is decided with no verification.
    The twin: /w's headline edited at the same refetch, a mismatch, recorded.  (A wrong
    derived decision's verification dropping the site's rules: tests/archive's
    test_template_site.py counts a rule's verified uses; a disagreement drops the rules here
    in test_a_template_derived_from_rules_since_dropped_decides_nothing.)"""
    redline = redline_sqlite
    redline.env.update(
        REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_SITE_RULES="1", REDLINE_FAST_PATH_VERIFY_EVERY="0"
    )
    learn_the_site(redline, site)
    others = {f"/s{i}": story(i) for i in (1, 2, 4)}
    for path, article in others.items():
        serve(site, path, article)
    hold(site, "/s5", story(5))
    page = promoted("/w", SPECIAL, 0)
    site.set_page("/w", lambda _: page)  # held: the same bytes on every request
    redline("track", *(site.url(p) for p in [*others, "/s5", "/w"]))
    assert redline.crawl()["new_versions"] == 5
    plant_a_rule(redline, page, 'value="spring"', token="spring")
    trusted = redline.crawl()["fast_path"]  # the others' first chrome-only refetch
    assert (trusted["tier0_derived"], trusted["verifications"]) == (3, 3)
    assert "disagreements" not in trusted

    if edited:
        edit = SPECIAL.but(headline="Special report 33 from the front")
        site.set_page("/w", lambda n: promoted("/w", edit, n, "summer"))
        caught = redline.crawl()
        assert caught["new_versions"] == 1
        fast = caught["fast_path"]
        assert fast["tier0/not_derived/digest"] == 1
        assert "tier0_derived" not in fast and "disagreements" not in fast
        [change] = redline.json("changes", "--limit", "10")
        assert (change["url"], change["kinds"]) == (site.url("/w"), {"headline": 1})
        return
    site.set_page("/w", lambda n: promoted("/w", SPECIAL, n, "summer"))
    serve(site, "/s5", story(5))
    same = redline.crawl()
    assert (same["new_versions"], same["errors"]) == (0, 0)
    fast = same["fast_path"]
    assert (fast["tier0_derived"], fast["verifications"]) == (2, 1)  # /w's alone
    assert "disagreements" not in fast


@pytest.mark.parametrize("dropped", [True, False])
def test_a_template_derived_from_rules_since_dropped_decides_nothing(redline_sqlite, site, dropped):
    """/b's template was derived from the site's rules (and its decision verified); then a
    the site's rules are dropped (as a wrong decision's verification drops them: the
    parse judging refuses the rules planted over a headline that made one here; a learned
    template's disagreement dropping them is the test above).  At
    /b's next refetch its derived template is not used: the page is extracted in full and
    learns its own template, as without site rules.  The twin, no drop (/w's chrome-only
    refetch derived and verified): /b's derived template decides, as any kept template."""
    redline = redline_sqlite
    redline.env.update(
        REDLINE_FAST_PATH="1", REDLINE_FAST_PATH_SITE_RULES="1", REDLINE_FAST_PATH_VERIFY_EVERY="0"
    )
    learn_the_site(redline, site)
    track_and_capture(redline, site, {}, held={"/b": story(1), "/w": SPECIAL})
    hold(site, "/b", story(1), 7)  # its first chrome-only refetch, then held
    assert redline.crawl()["fast_path"]["tier0_derived"] == 1

    if dropped:  # as a disagreement drops them (test_a_learned_templates_disagreement...)
        database = open_database(f"sqlite:///{redline.data_dir / 'redline.sqlite'}")
        with database.session() as session:
            host = site_of(site.url("/w"))
            assert drop_site_rules(session, host, identity(), datetime.now(UTC))
        database.dispose()
    else:
        serve(site, "/w", SPECIAL)
        assert redline.crawl()["fast_path"]["tier0_derived"] == 1

    serve(site, "/b", story(1))
    after = redline.crawl()
    fast = after["fast_path"]
    assert (after["new_versions"], after["errors"]) == (0, 0)
    if dropped:
        assert fast["tier0/derived_dropped"] == 1
        assert fast["fallback/learning"] == 1  # /b
        assert fast["tier0_learned"] == 1
        assert fast["tier0_decisions"] == 2  # /s0, /s00, by their learned templates
        with sqlite3.connect(redline.data_dir / "redline.sqlite") as db:
            templates = [t for (t,) in db.execute("SELECT template FROM fast_path_evidence")]
        assert templates and not any(is_derived(t) for t in templates)
    else:
        assert "tier0/derived_dropped" not in fast and "tier0_learned" not in fast
        assert fast["tier0_decisions"] == 4  # /s0, /s00 and /w, /b by their derived ones
