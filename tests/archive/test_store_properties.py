"""The capture write path under random capture sequences (hypothesis), on SQLite and PostgreSQL.

Each example tracks a fresh article (and an AMP URL that names it as canonical), records a
random sequence of captures through :func:`archive.store.record_capture` (new articles, the
same article again as after a chrome-only change, an identical payload, 304s, 404s, 410s,
redirects to the home page, server errors, returns after a takedown, a merge by canonical link,
reverts and flapping), alone or all in one transaction as the crawl's group commit does, and
checks the archive against a plain model of the rules:

- one current version, the last article served, and versions only on a real change (numbered
  in order of first appearance; a return to an earlier text is a reverted change);
- captures in the order they were fetched, each with the outcome and version the model expects;
- events paired: takedown and restored alternate, starting with a takedown, and the URL is
  taken down exactly when the last one is a takedown; one merge;
- the URL's bookkeeping: errors in a row, flapping as its last change says, and a next check
  after its last check (the refetch policy is applied to every capture).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from archive.capture import Extracted, Failed, FetchFacts, NotModified, SamePayload
from archive.db import open_database
from archive.decision import FLAPPING_WINDOW
from archive.diff.flapping import is_flapping
from archive.enums import CaptureOutcome, FailureReason
from archive.extract.article import Article
from archive.models import Capture, Change, Event, TrackedURL, Version
from archive.store import record_capture, track
from tests.archive.test_store import T0

GONE = (FailureReason.HTTP_404, FailureReason.HTTP_410, FailureReason.REDIRECTED_AWAY)
UNWELL = (FailureReason.HTTP_5XX, FailureReason.TIMEOUT)
_serial = itertools.count()


def texts(main: str) -> list[Article]:
    """Three texts of one article (headline edits, a paragraph edit), all naming ``main``."""
    body = ("Government troops entered the city at dawn.", "Residents described the scene.")
    return [
        Article("Army retakes Palmyra", body, canonical_url=main),
        Article("Palmyra back in army hands", body, canonical_url=main),
        Article(
            "Army retakes Palmyra",
            (body[0], "Residents described a calm scene."),
            canonical_url=main,
        ),
    ]


steps = st.one_of(
    st.tuples(st.just("article"), st.integers(0, 2)),  # also the same text: a chrome-only change
    st.just(("same-payload", 0)),
    st.just(("not-modified", 0)),
    st.tuples(st.just("gone"), st.integers(0, len(GONE) - 1)),
    st.tuples(st.just("unwell"), st.integers(0, len(UNWELL) - 1)),
    st.tuples(st.just("alias"), st.integers(0, 2)),  # the AMP page, naming the article
    st.tuples(st.just("flap"), st.integers(0, 2)),  # back and forth twice with text N
)


@dataclass
class Model:
    """What the archive should hold for the article, by the rules, kept by hand."""

    versions: dict[str, int] = field(default_factory=dict)  # hash -> number
    current: str | None = None
    taken_down: bool = False
    errors: int = 0
    merged: bool = False
    captures: list[tuple[CaptureOutcome, FailureReason | None, str | None]] = field(
        default_factory=list
    )
    changes: list[tuple[int, int, bool]] = field(default_factory=list)  # from, to, reverted
    events: list[str] = field(default_factory=list)

    def good(self, outcome: CaptureOutcome, version: str | None) -> None:
        self.captures.append((outcome, None, version))
        self.errors = 0
        if self.taken_down:
            self.taken_down = False
            self.events.append("restored")

    def failed(self, reason: FailureReason) -> None:
        self.captures.append((CaptureOutcome.ERROR, reason, None))
        self.errors += 1

    def article(self, article: Article) -> None:
        h = article.content_hash
        if h == self.current:
            self.good(CaptureOutcome.UNCHANGED, h)
            return
        known = h in self.versions
        if not known:
            self.versions[h] = len(self.versions) + 1
        if self.current is not None:
            self.changes.append((self.versions[self.current], self.versions[h], known))
        self.current = h
        self.good(CaptureOutcome.NEW_VERSION, h)

    def confirm(self, outcome: CaptureOutcome, missing: FailureReason) -> None:
        if self.current is None:
            self.failed(missing)
        else:
            self.good(outcome, self.current)

    def gone(self, reason: FailureReason) -> None:
        self.failed(reason)
        if self.current is not None and not self.taken_down:
            self.taken_down = True
            self.events.append("takedown")


def plan(sequence, articles):
    """The captures to record, as (on the AMP URL?, result), and the model fed with them."""
    model, todo = Model(), []
    for kind, n in sequence:
        if kind == "article":
            todo.append((False, Extracted(articles[n])))
            model.article(articles[n])
        elif kind == "same-payload":
            todo.append((False, SamePayload()))
            model.confirm(CaptureOutcome.UNCHANGED, FailureReason.INTERNAL)
        elif kind == "not-modified":
            todo.append((False, NotModified()))
            model.confirm(CaptureOutcome.NOT_MODIFIED, FailureReason.NOT_MODIFIED_WITHOUT_VERSION)
        elif kind == "gone":
            todo.append((False, Failed(GONE[n], f"{GONE[n]}")))
            model.gone(GONE[n])
        elif kind == "unwell":
            todo.append((False, Failed(UNWELL[n], f"{UNWELL[n]}")))
            model.failed(UNWELL[n])
        elif kind == "alias" and not model.merged:  # once merged, the crawl never fetches it
            todo.append((True, Extracted(articles[n])))
            model.merged = True
            model.article(articles[n])
        elif kind == "flap":
            other = articles[(n + 1) % len(articles)]
            for article in (articles[n], other, articles[n], other):
                todo.append((False, Extracted(article)))
                model.article(article)
    return todo, model


@pytest.fixture
def db(database_url):
    database = open_database(database_url)
    yield database
    database.dispose()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(steps, min_size=1, max_size=14), grouped=st.booleans())
@example(  # each way back from a takedown: a 304, an identical payload, a new text
    sequence=[
        ("article", 0),
        ("gone", 0),
        ("not-modified", 0),
        ("gone", 1),
        ("same-payload", 0),
        ("gone", 2),
        ("unwell", 0),
        ("article", 1),
    ],
    grouped=False,
)
@example(  # nothing archived yet, then a merge, flapping and a revert, in one transaction
    sequence=[("not-modified", 0), ("same-payload", 0), ("alias", 1), ("flap", 1), ("article", 0)],
    grouped=True,
)
def test_random_capture_sequences_keep_the_archive_consistent(db, sequence, grouped):
    serial = next(_serial)
    main, amp = f"https://news.example/{serial}/story", f"https://news.example/{serial}/amp"
    with db.session() as session:
        main_id = track(session, main, now=T0)[0].id
        amp_id = track(session, amp, now=T0)[0].id
    articles = texts(main)
    todo, model = plan(sequence, articles)
    facts = [
        FetchFacts(amp_id if on_amp else main_id, T0 + timedelta(minutes=k + 1), 200)
        for k, (on_amp, _) in enumerate(todo)
    ]
    recorded = []
    if grouped:  # one transaction, each capture reading what the previous wrote
        with db.session() as session:
            for f, (_, result) in zip(facts, todo, strict=True):
                recorded.append(record_capture(session, f, result))
                session.flush()
                session.expunge_all()
    else:
        for f, (_, result) in zip(facts, todo, strict=True):
            with db.session() as session:
                recorded.append(record_capture(session, f, result))
    check(db, main_id, amp_id, model, recorded, facts[-1].fetched_at if facts else T0)


def check(db, main_id, amp_id, model, recorded, last_at):
    with db.session() as session:
        tracked = session.get(TrackedURL, main_id)
        versions = session.scalars(
            select(Version).where(Version.tracked_url_id == main_id).order_by(Version.number)
        ).all()
        hashes = {v.id: v.content_hash for v in versions}
        number = {v.id: v.number for v in versions}
        # versions only on a real change, numbered in order of first appearance
        assert [(v.content_hash, v.number) for v in versions] == sorted(
            model.versions.items(), key=lambda item: item[1]
        )
        assert len(set(hashes.values())) == len(versions)
        # one current version: the last article served
        assert hashes.get(tracked.current_version_id) == model.current
        # captures in order, each as the model expects
        captures = session.scalars(
            select(Capture).where(Capture.tracked_url_id == main_id).order_by(Capture.id)
        ).all()
        assert [c.fetched_at for c in captures] == sorted(c.fetched_at for c in captures)
        assert [c.id for c in captures] == [r.id for r in recorded]
        assert [
            (
                CaptureOutcome(c.outcome),
                FailureReason(c.reason) if c.reason else None,
                hashes.get(c.version_id) if c.version_id else None,
            )
            for c in captures
        ] == model.captures
        assert [(r.outcome, r.reason) for r in recorded] == [(o, r) for o, r, _ in model.captures]
        # each version's first and last sightings are captures of it
        for v in versions:
            assert v.first_capture_id in {c.id for c in captures if c.version_id == v.id}
            seen = [c for c in captures if c.version_id == v.id]
            assert (v.last_capture_id, v.last_seen_at) == (seen[-1].id, seen[-1].fetched_at)
        changes = session.scalars(
            select(Change).where(Change.tracked_url_id == main_id).order_by(Change.id)
        ).all()
        assert [
            (number[c.from_version_id], number[c.to_version_id], c.reverted) for c in changes
        ] == model.changes
        # flapping: each change judged on the versions the URL went through before it
        for k, change in enumerate(changes):
            prior = model.changes[max(0, k - FLAPPING_WINDOW + 1) : k]
            went = [prior[0][0] if prior else model.changes[k][0], *(to for _, to, _ in prior)]
            assert change.flapping == is_flapping([*went, model.changes[k][1]], FLAPPING_WINDOW)
        assert tracked.flapping == (changes[-1].flapping if changes else False)
        # events paired: takedown and restored alternate, starting with a takedown
        events = [
            e.kind
            for e in session.scalars(
                select(Event).where(Event.tracked_url_id == main_id).order_by(Event.id)
            )
        ]
        assert events == model.events
        assert events == ["takedown", "restored"] * (len(events) // 2) + (
            ["takedown"] if len(events) % 2 else []
        )
        assert tracked.taken_down == model.taken_down == (events[-1:] == ["takedown"])
        merges = session.scalars(select(Event.kind).where(Event.tracked_url_id == amp_id)).all()
        assert merges == (["merged"] if model.merged else [])
        alias = session.get(TrackedURL, amp_id)
        assert (alias.alias_of_id, alias.active) == (
            (main_id, False) if model.merged else (None, True)
        )
        # bookkeeping, and the refetch policy applied to every capture
        assert tracked.consecutive_errors == model.errors
        assert tracked.last_checked_at == last_at
        assert tracked.next_check_at is not None and tracked.next_check_at > last_at
