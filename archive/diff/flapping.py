"""Flapping: a URL that keeps alternating between versions it has already shown.

Pure helper for the store, which knows the history.  The rule:

1. Repeated captures of the same version are not transitions, so consecutive duplicates are
   collapsed first (``[1, 1, 2, 2, 1]`` is ``[1, 2, 1]``).
2. Only the last ``window`` entries of the collapsed sequence count.
3. Each step to a version that already appeared earlier inside the window is a *return*.
4. The URL is flapping when the window holds at least ``MIN_RETURNS`` returns.

So ``[1, 2, 1]`` (one revert) is a real event and not flapping, ``[1, 2, 1, 2]`` (A/B
headline testing, or two caches disagreeing) is, and so is a rotation ``[1, 2, 3, 1, 2, 3]``;
a story that keeps moving forward (``[1, 2, 3, 4, 5]``) never is.
"""

from __future__ import annotations

from collections.abc import Sequence

# One return to an earlier version is a revert, which the archive reports as a change; the
# second return inside the window shows a pattern rather than an editorial decision.
MIN_RETURNS = 2


def is_flapping(version_sequence: Sequence[int], window: int) -> bool:
    """Decide whether the recent version numbers of a URL keep alternating (see above).

    >>> is_flapping([1, 2, 1, 2, 1], window=5)
    True
    >>> is_flapping([1, 2, 3, 2], window=5)
    False
    """
    collapsed: list[int] = []
    for number in version_sequence:
        if not collapsed or collapsed[-1] != number:
            collapsed.append(number)
    recent = collapsed[-window:] if window > 0 else []
    returns = 0
    for k, number in enumerate(recent):
        if number in recent[:k]:
            returns += 1
    return returns >= MIN_RETURNS
