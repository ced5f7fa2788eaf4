"""Tier 0's check finds a template's runs of fixed pieces by their stored byte lengths, in
place, instead of splitting the page into its pieces: every verdict and reason is the one the
check gave by splitting the page (kept here as the reference), on chrome-only refetches of
the benchmark corpus and of the demo story, and on refetches that must fall back (an edited
text, title or metadata, another URL or Content-Type, a hole given a date, a word the readers
look for, a paragraph, bytes changed anywhere, another page's template)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator

import pytest

from archive.extract import DEFAULT_MIN_CHARS, template
from archive.extract.decode import ascii_keeps_decoding, decodes_strictly, first_charset
from archive.extract.extractor import extract_with_fingerprint
from archive.extract.template import (
    CHARSET,
    DIGEST,
    NO_TEMPLATE,
    OTHER_EXTRACTOR,
    UNLEARNABLE,
    Mismatch,
    check,
    context,
    digest_of,
    hole_spans,
    identity,
    is_unlearnable,
    parse,
    segments_of,
)
from archive.extract.template_learn import learn_with_fingerprint
from scheduler.demo.chrome import dress
from tests.pages import Story, article_page
from tests.shared_data import require_shared

HTML = "text/html; charset=utf-8"
BASE_URL = "http://127.0.0.1:8000"

Case = tuple[str, str, list[bytes]]  # URL, template, later refetches in new chrome


def by_pieces(
    body: bytes, stored: str | None, *, url: str, content_type: str | None, min_chars: int
) -> str | None:
    """Tier 0's check as it was written before runs were found in place: the page split on
    ``<`` and walked piece by piece (:func:`.template.digest_of`)."""
    if not stored:
        return NO_TEMPLATE
    prefix = identity() + "|"
    if not stored.startswith(prefix):
        return OTHER_EXTRACTOR
    if stored[len(prefix) :].startswith("none|"):
        return UNLEARNABLE
    try:
        segments, digest = parse(stored)
        charset = first_charset(body, content_type)
        bound = context(url, content_type, min_chars, charset)
        plain = [True]
        if digest_of(body.split(b"<"), segments, body, bound, plain) != digest:
            return DIGEST
        if plain[0] and ascii_keeps_decoding(charset):
            return None
        if not decodes_strictly(body, charset):
            return CHARSET
        return None
    except Mismatch as exc:
        return str(exc.args[0])
    except Exception:
        return "error"


def learn(old: bytes, new: bytes, url: str) -> str:
    _, fingerprint = extract_with_fingerprint(new, url, content_type=HTML)
    return learn_with_fingerprint(old, new, HTML, fingerprint, url=url, min_chars=DEFAULT_MIN_CHARS)


@pytest.fixture(scope="module")
def corpus_cases() -> list[Case]:
    require_shared("article-extraction-benchmark", "html")
    from bench.cycle import load_corpus, make_page, page_path

    cases: list[Case] = []
    for i, base in enumerate(load_corpus()[::6]):
        old, new, *later = (
            make_page(base, i, BASE_URL, chrome=f"c0ffee{n}") for n in range(40, 45)
        )
        url = BASE_URL + page_path(i)
        learned = learn(old, new, url)
        if not is_unlearnable(learned):
            cases.append((url, learned, later))
    assert len(cases) >= 20
    return cases


@pytest.fixture(scope="module")
def story_cases() -> list[Case]:
    url = "https://news.example/world/palmyra"
    pages = [
        dress(article_page(Story(), 0, vary=frozenset()), "/world/palmyra", n).encode()
        for n in range(1, 12)
    ]
    learned = learn(pages[0], pages[1], url)
    assert not is_unlearnable(learned)
    return [(url, learned, pages[2:])]


_VALUES = [
    *(b"2026 12 abc 05.03.26 Updated a-b 1999 123456 1234567 deadbeef12 20260305 9".split()),
    b"",
    b"x" * 300,
    b"\xc3\xa9",
    b"a b",
    b"a<b",
]
_SNIPPETS = [
    b"<p>x</p>",
    b"Updated 5 minutes ago",
    b"<span>2026</span>",
    b"&#97;",
    b"Subscribe",
    b'<a href="/x">Sign in</a>',
    b'<div class="new">x</div>',
    b"lorem ipsum " * 40,
    b"<li>x</li>",
    b"\xd9\xa2\xd9\xa0",
    b"<span>",
    b"</span>",
    b"&copy2026",
    b"<br>",
    b"By John",
    b"\xff",
]


def variants(
    cases: list[Case], seed: int
) -> Iterator[tuple[str, bytes, str, str, str | None, int]]:
    """(kind, body, template, url, Content-Type, minimum length) to check."""
    rng = random.Random(seed)
    for n, (url, stored, later) in enumerate(cases):
        for body in later:
            yield "chrome", body, stored, url, HTML, DEFAULT_MIN_CHARS
        body = later[0]
        yield "context", body, stored, url + "x", HTML, DEFAULT_MIN_CHARS
        yield "context", body, stored, url, None, DEFAULT_MIN_CHARS
        yield "context", body, stored, url, HTML, DEFAULT_MIN_CHARS + 1
        yield "other", body, cases[(n + 1) % len(cases)][1], url, HTML, DEFAULT_MIN_CHARS
        yield "other", body, stored[:-9], url, HTML, DEFAULT_MIN_CHARS
        for tag in (b"<title", b"<p", b'content="'):
            at = body.find(tag)
            if at >= 0:
                at = body.find(b">", at) + 1 if tag != b'content="' else at + len(tag)
                yield "edit", body[:at] + b"New " + body[at:], stored, url, HTML, DEFAULT_MIN_CHARS
        pieces = body.split(b"<")
        starts = [0]
        for piece in pieces:
            starts.append(starts[-1] + len(piece) + 1)
        read = segments_of(stored)
        assert read is not None
        spans = hole_spans(pieces, read[0])
        assert spans is not None
        for segment, first, end in spans[0]:
            at = starts[first]
            if segment[0] == "T":
                parts = template.RUN.split(pieces[first])
                for index, _, _ in segment[2]:
                    for value in rng.sample(_VALUES, 3):
                        made = b"".join([*parts[:index], value, *parts[index + 1 :]])
                        new = body[:at] + made + body[at + len(pieces[first]) :]
                        yield "token", new, stored, url, HTML, DEFAULT_MIN_CHARS
            else:
                inside = at + pieces[first].find(b">") + 1
                closing = starts[end] - 1
                for snippet in rng.sample(_SNIPPETS, 4):
                    new = body[:inside] + snippet + body[inside:]
                    yield "block", new, stored, url, HTML, DEFAULT_MIN_CHARS
                new = body[:inside] + body[closing:]
                yield "block", new, stored, url, HTML, DEFAULT_MIN_CHARS
                new = body[:inside] + 2 * body[inside:closing] + body[closing:]
                yield "block", new, stored, url, HTML, DEFAULT_MIN_CHARS
        for _ in range(4):
            at = rng.randrange(len(body))
            byte = rng.choice([b"<", b">", b"x", b"1", b" ", b"\xc3\xa9", b'"', b"/"])
            new = rng.choice(
                [
                    body[:at] + byte + body[at:],
                    body[:at] + body[at + 1 :],
                    body[:at] + byte + body[at + 1 :],
                ]
            )
            yield "bytes", new, stored, url, HTML, DEFAULT_MIN_CHARS


def verdicts_agree(cases: list[Case], seed: int) -> Counter[tuple[str, str | None]]:
    seen: Counter[tuple[str, str | None]] = Counter()
    for kind, body, stored, url, content_type, min_chars in variants(cases, seed):
        found = check(body, stored, url=url, content_type=content_type, min_chars=min_chars)
        expected = by_pieces(body, stored, url=url, content_type=content_type, min_chars=min_chars)
        assert found == expected, (kind, found, expected)
        seen[kind, found] += 1
    return seen


def test_every_verdict_and_reason_on_the_corpus_is_the_split_pages(corpus_cases):
    seen = verdicts_agree(corpus_cases, seed=3)
    assert sum(seen.values()) > 2000
    assert seen["chrome", None] > 50
    reasons = {reason for _, reason in seen}
    assert {None, "digest", "token", "block", "error"} <= reasons
    assert seen["token", None] and seen["block", None]  # holes given values of their class


def test_every_verdict_and_reason_on_the_story_is_the_split_pages(story_cases):
    seen = verdicts_agree(story_cases, seed=5)
    assert seen["chrome", None] == 9
    assert {None, "digest", "token", "block"} <= {reason for _, reason in seen}


def test_a_chrome_only_refetch_is_decided_without_splitting_the_page(story_cases, monkeypatch):
    """The split walk is not run for a page that matches; the twin: an edited page falls back
    to it, which names the reason."""
    url, stored, later = story_cases[0]
    walked: list[int] = []

    def walk(*args: object, **kwargs: object) -> str:
        walked.append(1)
        return digest_of(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(template, "digest_of", walk)
    for body in later:
        assert check(body, stored, url=url, content_type=HTML, min_chars=DEFAULT_MIN_CHARS) is None
    assert walked == []
    edited = later[0].replace(b"Palmyra", b"Palmira", 1)
    assert edited != later[0]
    reason = check(edited, stored, url=url, content_type=HTML, min_chars=DEFAULT_MIN_CHARS)
    assert reason == DIGEST and walked == [1]
