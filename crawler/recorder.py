"""CaptureRecorder: the crawl's captures written to the archive in groups (group commit).

Every capture is still recorded all or nothing, but the captures that arrive within
:data:`GROUP_WINDOW_S` of each other (at most :data:`GROUP_MAX`) share one session and one
transaction.  Opening a session, checking out its connection and committing cost about a
quarter of a millisecond a capture, a tenth of the crawl process's work for a page whose
payload has not changed; a group of about fifteen pays it once.

When anything in a group fails (one capture's write, or the commit), the whole group is rolled
back and every capture in it is recorded again on its own, exactly as without grouping: the
one that failed is recorded as an error capture (``internal-error``) with the reason, the
others as they were.  So a failure never takes a neighbour's capture with it.  (A commit whose
outcome cannot be known, the connection to PostgreSQL lost during ``COMMIT``, may then record
the group's captures twice; a capture alone could record an extra error capture that way.)

What a group commit changes: a crawl killed outright (``kill -9``, a power cut, the service's
kill after ``shutdown_timeout_s``) loses the captures of its last window that were not
committed yet: those of :data:`GROUP_WINDOW_S`, and of the commit in progress.  Their WARC
records stay in the WARC file (complete, but named by no capture) and their URLs are still
due, so the next cycle fetches them again.  Nothing committed is lost, and the database and
the WARC files stay sound.  A crawl that stops gracefully (the end of the cycle, or Scrapy's
stop on a first SIGINT or SIGTERM) commits every capture.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from archive.capture import CaptureResult, Failed, FetchFacts
from archive.db import Database
from archive.enums import FailureReason
from archive.policy import DEFAULT_POLICY, Policy
from archive.store import record_capture

logger = logging.getLogger(__name__)

# How long a capture may wait for others to share its transaction, and how many may share it.
GROUP_WINDOW_S: Final = 0.05
GROUP_MAX: Final = 64

Outcome = tuple[str, str | None]  # the capture's outcome and its failure reason, if any


class CaptureRecorder:
    """Records captures in groups; see the module docstring.

    Used from the reactor's thread only (the asyncio loop Scrapy runs on).
    """

    def __init__(
        self,
        database: Database,
        policy: Policy = DEFAULT_POLICY,
        *,
        window_s: float = GROUP_WINDOW_S,
        max_group: int = GROUP_MAX,
    ) -> None:
        self.database = database
        self.policy = policy
        self.window_s = window_s
        self.max_group = max_group
        self._pending: list[tuple[FetchFacts, CaptureResult, asyncio.Future[Outcome]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self.groups = 0  # transactions committed for more than one capture (for the stats)

    async def record(self, facts: FetchFacts, result: CaptureResult) -> Outcome:
        """Record one capture; returns its outcome once its group is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Outcome] = loop.create_future()
        self._pending.append((facts, result, future))
        if len(self._pending) >= self.max_group or self.window_s <= 0:
            self.flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.window_s, self.flush)
        return await future

    def flush(self) -> None:
        """Commit the waiting captures now (in one transaction, or one by one on a failure)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        group, self._pending = self._pending, []
        if not group:
            return
        outcomes: list[Outcome | Exception]
        try:
            with self.database.session() as session:
                recorded = []
                for facts, result, _ in group:
                    recorded.append(record_capture(session, facts, result, policy=self.policy))
                    # Each capture reads what the previous ones wrote, never an object loaded
                    # before their writes (most writes bypass the ORM's identity map).
                    session.flush()
                    session.expunge_all()
            outcomes = [(r.outcome, r.reason) for r in recorded]
            if len(group) > 1:
                self.groups += 1
        except Exception as exc:  # rolled back: record each on its own, as without grouping
            if len(group) == 1:  # alone already: record the failure
                outcomes = [self._record_failure(group[0][0], exc)]
            else:
                logger.warning(
                    "a group of %d captures failed; recording each alone", len(group), exc_info=True
                )
                outcomes = [self._record_alone(facts, result) for facts, result, _ in group]
        for (_, _, future), outcome in zip(group, outcomes, strict=True):
            if future.done():  # cancelled: the crawl is stopping; the capture is recorded
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)

    def close(self) -> None:
        """Commit whatever is still waiting."""
        self.flush()

    def _record_alone(self, facts: FetchFacts, result: CaptureResult) -> Outcome | Exception:
        """Record one capture in its own transaction; if that fails, record the failure."""
        try:
            with self.database.session() as session:
                capture = record_capture(session, facts, result, policy=self.policy)
                return capture.outcome, capture.reason
        except Exception as exc:  # the transaction rolled back
            return self._record_failure(facts, exc)

    def _record_failure(self, facts: FetchFacts, exc: Exception) -> Outcome | Exception:
        """Keep a trace of a fetch whose capture could not be recorded: an error capture.

        Returns the exception when even that cannot be recorded (the database is gone).
        """
        logger.error(
            "could not record the capture of tracked URL %s",
            facts.tracked_url_id,
            exc_info=exc,
        )
        failed = Failed(FailureReason.INTERNAL, f"{type(exc).__name__}: {exc}"[:500])
        bare = FetchFacts(facts.tracked_url_id, facts.fetched_at, facts.http_status)
        try:
            with self.database.session() as session:  # unscheduled: the policy may have failed
                capture = record_capture(session, bare, failed, policy=None)
                return capture.outcome, capture.reason
        except Exception as again:
            logger.exception("nor its failure (tracked URL %s)", bare.tracked_url_id)
            return again
