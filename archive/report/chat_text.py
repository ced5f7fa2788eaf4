"""A report as one chat message (Slack, Matrix, Teams, ntfy… through Apprise), within a limit.

Pure, like the email composition: ``(recipient, items, envelope, limit) -> ChatMessage``.

The body is the text rendering of each change: the headline (old → new where it changed),
the one-line summary, the changed paragraphs with ``[-deleted-]`` and ``{+inserted+}``
markers, and the link to the viewer.  It is cut to the channel's limit: edits that do not fit
are counted in an "and N more edits" line, changes of a digest that do not fit in an "and N
more changes" line; the links always fit.

Archived text is hostile.  Every piece of it goes through :func:`neutralise`, which leaves
one line of plain text that no channel reads as markup, a mention or a link: control
characters and line breaks become spaces, invisible characters go, angle brackets become
‹ › (so ``<!channel>``, ``<@U123>`` and ``<b>`` are inert on Slack, Discord and HTML
channels alike), an ``@`` that starts a word becomes the full-width ＠ (``@everyone``,
``@here``, ``@room``) and Markdown link syntax ``[text](url)`` is broken apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from archive.diff.records import ChangeRecord
from archive.enums import DeliveryMode
from archive.render.text import render_text
from archive.report.bounds import bound, head
from archive.report.headers import clean_header_text, subject_for
from archive.report.items import Envelope, Recipient, ReportItem
from archive.report.routes import absolute, diff_path

#: A body limit for channels that state none (Apprise's own default is 32768).
DEFAULT_LIMIT = 4000
#: A headline is cut here in a chat message.
HEADLINE_CHARS = 200
#: The shortest limit the composition works with: a headline, a link and a "more" line.
MIN_LIMIT = 300

_MENTION = re.compile(r"(?<![\w.+-])@(?=\w)")
_MD_LINK = re.compile(r"\]\s*\(")


@dataclass(frozen=True)
class ChatMessage:
    """A title and a body, each within the channel's limits."""

    title: str
    body: str


def neutralise(text: str, limit: int = 100_000) -> str:
    """``text`` as one inert line (see the module docstring).

    >>> neutralise("<!channel> @everyone\\r\\nBcc: [x](javascript:alert(1)) a@b.org")
    '‹!channel› ＠everyone Bcc: [x] (javascript:alert(1)) a@b.org'
    """
    line = clean_header_text(text, limit)
    line = line.replace("<", "‹").replace(">", "›")
    line = _MENTION.sub("＠", line)
    return _MD_LINK.sub("] (", line)


def chat_message(
    recipient: Recipient,
    items: Sequence[ReportItem],
    envelope: Envelope,
    *,
    limit: int = DEFAULT_LIMIT,
    title_limit: int = 250,
) -> ChatMessage:
    """The message for ``items`` (one change, or a digest), its body at most ``limit`` long."""
    if not items:
        raise ValueError("a report needs at least one change")
    limit = max(limit, MIN_LIMIT)
    title = subject_for(items)
    if recipient.mode is not DeliveryMode.IMMEDIATE:
        title = f"[{recipient.mode.value} digest] {title}"
    title = neutralise(title, max(title_limit, 20))
    blocks: list[str] = []
    used = 0
    for index, item in enumerate(items):
        rest = len(items) - index
        reserve = len(_more_changes(rest - 1)) + 2 if rest > 1 else 0
        block = _item_block(item, envelope.base_url, limit - used - reserve)
        if block is None:
            blocks.append(_more_changes(rest))
            break
        blocks.append(block)
        used += len(block) + 2
    return ChatMessage(title=title, body="\n\n".join(blocks))


def _item_block(item: ReportItem, base_url: str, room: int) -> str | None:
    """The lines of one change within ``room`` characters, or None if even its heading won't."""
    old = neutralise(item.old_headline, HEADLINE_CHARS) or "(no headline)"
    new = neutralise(item.new_headline, HEADLINE_CHARS) or "(no headline)"
    heading = f"{old} → {new}" if old != new else new
    reverted = " (back to an earlier version)" if item.reverted else ""
    bounded = bound(item.record, max_edits=len(item.record.edits))
    link = absolute(base_url, diff_path(item.url_id, item.from_version, item.to_version))
    top = [f"{heading}", f"{neutralise(item.site, 200)} · {neutralise(bounded.summary, 300)}"]
    top[-1] += reverted
    bottom = [f"Diff: {link}"]
    edits = [_edit_text(edit_record) for edit_record in _one_edit_records(bounded.record)]
    total = len(edits) + bounded.more
    fixed = len("\n".join(top + bottom)) + 1
    if fixed > room:
        return None
    lines = list(top)
    used = fixed
    shown = 0
    for text in edits:
        remaining = total - shown - 1
        reserve = len(_more_edits(remaining)) + 1 if remaining else 0
        if used + len(text) + 1 + reserve > room:
            cut = head(text, room - used - reserve - 1)
            if len(cut) < 40:  # a stump says nothing: count it instead
                break
            text = cut
        lines.append(text)
        used += len(text) + 1
        shown += 1
    if total - shown:
        lines.append(_more_edits(total - shown))
    return "\n".join(lines + bottom)


def _one_edit_records(record: ChangeRecord) -> list[ChangeRecord]:
    return [ChangeRecord((edit,), record.summary) for edit in record.edits]


def _edit_text(record: ChangeRecord) -> str:
    """One edit: its title and text, each line neutralised (the summary line is dropped)."""
    lines = render_text(record).rstrip("\n").split("\n")[1:]
    return "\n".join(neutralise(line) for line in lines if line.strip())


def _more_edits(n: int) -> str:
    return f"and {n} more edit{'s' if n != 1 else ''}"


def _more_changes(n: int) -> str:
    return f"and {n} more change{'s' if n != 1 else ''} (see the viewer)"
