"""The rule of which captures keep their raw exchange (archive.retention.exchange_required),
over every outcome a capture can come to."""

from __future__ import annotations

import pytest

from archive.enums import CaptureOutcome, FailureReason
from archive.retention import ALL, MODES, VERSIONS, exchange_required

NEW, SAME, NOT_MODIFIED, ERROR = (
    CaptureOutcome.NEW_VERSION,
    CaptureOutcome.UNCHANGED,
    CaptureOutcome.NOT_MODIFIED,
    CaptureOutcome.ERROR,
)

# (what the capture came to, its outcome, whether it made a version, a change or an event,
# whether `versions` requires its exchange)
CASES = [
    ("a new article (a version's first capture)", NEW, True, True),
    ("an edit (a new version and a change)", NEW, True, True),
    ("a return to an earlier version (a change)", NEW, True, True),
    ("the same bytes (a revisit under all)", SAME, False, False),
    ("new chrome around the same article", SAME, False, False),
    ("a fast-path decision, verified or not", SAME, False, False),
    ("the same article served again after a takedown (a restore)", SAME, True, True),
    ("the same article under a URL whose canonical link names another (a merge)", SAME, True, True),
    ("a 304 answer confirming the current version", NOT_MODIFIED, False, False),
    ("a 304 answer after a takedown (a restore)", NOT_MODIFIED, True, True),
    ("a redirect followed to the same article", SAME, False, False),
    ("a redirect followed to an edit", NEW, True, True),
    ("a takedown (an error and an event)", ERROR, True, True),
    *((f"an error: {reason}", ERROR, False, True) for reason in FailureReason),
]


@pytest.mark.parametrize(("name", "outcome", "made", "required"), CASES, ids=[c[0] for c in CASES])
def test_versions_keeps_what_made_something_and_errors(name, outcome, made, required):
    assert exchange_required(VERSIONS, outcome, made) is required
    assert exchange_required(VERSIONS, str(outcome), made) is required  # as a row holds it
    assert exchange_required(ALL, outcome, made) is True


def test_only_a_capture_confirming_the_current_version_and_making_nothing_is_dropped():
    dropped = {
        (outcome, made)
        for outcome in CaptureOutcome
        for made in (False, True)
        if not exchange_required(VERSIONS, outcome, made)
    }
    assert dropped == {(SAME, False), (NOT_MODIFIED, False)}
    assert all(exchange_required(ALL, o, m) for o in CaptureOutcome for m in (False, True))
    assert MODES == (ALL, VERSIONS)
