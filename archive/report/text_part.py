"""The report's text/plain part: the same content as the HTML, readable without colour.

Word diffs use the plain renderer's markers (``[-deleted-]`` and ``{+inserted+}``, as
``wdiff`` prints them), so the text part needs no styling to show what changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from archive.render.text import render_text
from archive.report.bounds import bound
from archive.report.headers import clean_header_text
from archive.report.html_part import HEADLINE_CHARS, group_by_site
from archive.report.items import Envelope, Recipient, ReportItem
from archive.report.routes import absolute, diff_path


def text_part(
    recipient: Recipient,
    items: Sequence[ReportItem],
    envelope: Envelope,
    *,
    subject: str,
    unsubscribe_url: str,
    scope_text: str,
) -> str:
    """The whole text/plain body for one report."""
    lines = [subject, ""]
    for site, site_items in group_by_site(items):
        lines.extend([f"== {site} ==", ""])
        for item in site_items:
            lines.extend(_item(item, envelope.base_url))
    lines.extend(
        [
            "-- ",
            f"redline sends this to {recipient.email} for changes {scope_text}.",
            f"Unsubscribe: {unsubscribe_url}",
        ]
    )
    # No hard wrapping: mail clients wrap paragraphs to the window themselves, and a hard break
    # inside a ``[-…-]`` marker would make the diff harder to read (bounds keep paragraphs
    # short).  Trailing spaces only cost quoted-printable "=20"s.  The signature
    # separator "-- " keeps its space (RFC 3676), so that clients can hide what follows.
    text = "\n".join(line.rstrip() for line in "\n".join(lines).split("\n"))
    return text.replace("\n--\nredline sends", "\n-- \nredline sends") + "\n"


def _item(item: ReportItem, base_url: str) -> list[str]:
    bounded = bound(item.record)
    old, new = _line(item.old_headline), _line(item.new_headline)
    heading = [f"* {old}", f"  -> {new}"] if old != new else [f"* {new}"]
    reverted = " (back to an earlier version)" if item.reverted else ""
    lines = [
        *heading,
        f"  {item.url}",
        f"  version {item.from_version} -> {item.to_version}{reverted}",
        "",
        bounded.summary,
        # the renderer's first line is the summary of the shown edits only: replaced above
        render_text(bounded.record).rstrip("\n").partition("\n")[2],
    ]
    if bounded.more:
        lines.append(f"and {bounded.more} more edit{'s' if bounded.more != 1 else ''}")
    link = absolute(base_url, diff_path(item.url_id, item.from_version, item.to_version))
    lines.extend([f"Diff: {link}", ""])
    return lines


def _line(headline: str) -> str:
    """A headline on one line: a line break in archived text must not start a fake line."""
    return clean_header_text(headline, HEADLINE_CHARS) or "(no headline)"
