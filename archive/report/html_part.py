"""The report's text/html part: a self-contained page with inline styles only.

Mail clients drop ``<style>`` blocks, scripts and remote resources (or warn about them), so the
page uses none of them: layout is one centred table, and every element carries its style in a
``style`` attribute.  The diff fragments come from :func:`archive.render.html.render_inline`
(the viewer's renderer, which escapes all archived text); :func:`style_fragment` then adds the
inline styles to its constant tags.  Because archived text is escaped (``<`` becomes ``&lt;``),
every ``<`` in a fragment opens one of the renderer's own tags, so rewriting tags there cannot
touch archived content.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from archive.render.html import render_inline
from archive.report.bounds import BoundedChange, bound, head
from archive.report.headers import clean_header_text
from archive.report.items import Envelope, Recipient, ReportItem
from archive.report.routes import absolute, diff_path

FONT = "font-family:Georgia,'Times New Roman',serif;"
SANS = "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
INSERTED = "background-color:#d7f5dc;color:#0b5a1e;text-decoration:underline;"
DELETED = "background-color:#fde0de;color:#8f1c16;text-decoration:line-through;"
#: Headlines longer than this are cut (real ones stay under about 150 characters).
HEADLINE_CHARS = 300

# Styles for the renderer's tags, by class first, then by tag name.
_CLASS_STYLES = {
    "redline-change": "margin:8px 0 0 0;",
    "redline-summary": f"{SANS}font-size:13px;color:#555555;margin:4px 0 8px 0;",
    "redline-edit": "margin:0 0 12px 0;",
    "redline-title": f"{SANS}font-size:12px;font-weight:bold;color:#333333;margin:12px 0 4px 0;",
    "redline-note": f"{FONT}margin:4px 0;padding:4px 12px;border-left:3px solid #d4a017;",
}
_TAG_STYLES = {
    "ins": INSERTED,
    "del": DELETED,
    "p": f"{FONT}font-size:16px;line-height:1.5;color:#222222;margin:4px 0;",
    "em": "color:#777777;",
}
_TAG = re.compile(r'<([a-z][a-z0-9]*)((?: [a-z-]+="[^"<>]*")*)>')
_CLASS = re.compile(r'class="([^"]*)"')
_SUMMARY = re.compile(r'<p class="redline-summary">[^<]*</p>')


def style_fragment(fragment: str) -> str:
    """``fragment`` with a ``style`` attribute on each of the renderer's tags."""

    def add_style(match: re.Match[str]) -> str:
        tag, attributes = match.group(1), match.group(2)
        classes = _CLASS.search(attributes)
        style = next(
            (
                _CLASS_STYLES[c]
                for c in (classes.group(1).split() if classes else ())
                if c in _CLASS_STYLES
            ),
            _TAG_STYLES.get(tag),
        )
        return f'<{tag}{attributes} style="{style}">' if style else match.group(0)

    return _TAG.sub(add_style, fragment)


def html_part(
    recipient: Recipient,
    items: Sequence[ReportItem],
    envelope: Envelope,
    *,
    subject: str,
    unsubscribe_url: str,
    scope_text: str,
) -> str:
    """The whole HTML document for one report."""
    body = [f'<p style="{SANS}font-size:14px;color:#555555;margin:0 0 8px 0;">{_e(subject)}</p>']
    for site, site_items in group_by_site(items):
        body.append(
            f'<h2 style="{SANS}font-size:13px;text-transform:uppercase;letter-spacing:1px;'
            f'color:#8f1c16;margin:24px 0 4px 0;">{_e(site)}</h2>'
        )
        body.extend(_item(item, envelope.base_url) for item in site_items)
    body.append(
        f'<p style="{SANS}font-size:12px;color:#777777;margin:32px 0 0 0;border-top:1px solid'
        f' #dddddd;padding-top:12px;">redline sends this to {_e(recipient.email)} for changes'
        f" {_e(scope_text)}. "
        f'<a href="{_e(unsubscribe_url)}" style="color:#555555;">Unsubscribe</a></p>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="color-scheme" content="light"><title>{_e(subject)}</title></head>\n'
        '<body style="margin:0;padding:0;background-color:#f2f2f2;">\n'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"'
        ' style="background-color:#f2f2f2;"><tr><td align="center" style="padding:16px 8px;">\n'
        '<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0"'
        ' style="width:100%;max-width:640px;background-color:#ffffff;"><tr>'
        '<td style="padding:24px;">\n' + "\n".join(body) + "\n</td></tr></table>\n"
        "</td></tr></table>\n</body></html>\n"
    )


def group_by_site(items: Sequence[ReportItem]) -> list[tuple[str, list[ReportItem]]]:
    """Items by site (sites sorted), each site's items in detection order."""
    sites: dict[str, list[ReportItem]] = {}
    for item in sorted(items, key=lambda i: (i.detected_at, i.change_id)):
        sites.setdefault(item.site, []).append(item)
    return sorted(sites.items())


def _item(item: ReportItem, base_url: str) -> str:
    bounded = bound(item.record)
    link = absolute(base_url, diff_path(item.url_id, item.from_version, item.to_version))
    more = (
        f'<p style="{SANS}font-size:13px;color:#555555;margin:8px 0;">and {bounded.more} more'
        f" edit{'s' if bounded.more != 1 else ''}</p>"
        if bounded.more
        else ""
    )
    return (
        '<div class="redline-item" style="margin:0 0 20px 0;padding:12px 0 0 0;'
        'border-top:1px solid #eeeeee;">\n'
        f'<h3 style="{FONT}font-size:20px;line-height:1.3;color:#111111;margin:0 0 4px 0;">'
        f"{_headline(item)}</h3>\n"
        f'<p style="{SANS}font-size:12px;color:#777777;margin:0;">'
        f'<a href="{_e(item.url)}" style="color:#777777;">{_e(head(item.url, 90))}</a>'
        f" · version {item.from_version} → {item.to_version}"
        f"{' (back to an earlier version)' if item.reverted else ''}</p>\n"
        + style_fragment(_fragment(bounded))
        + more
        + f'\n<p style="{SANS}font-size:14px;margin:8px 0 0 0;"><a href="{_e(link)}"'
        ' style="color:#ffffff;background-color:#8f1c16;padding:6px 12px;text-decoration:none;'
        f'border-radius:3px;display:inline-block;">See the diff</a></p>\n</div>'
    )


def _fragment(bounded: BoundedChange) -> str:
    """The renderer's fragment, its summary line replaced by the whole change's."""
    summary = f'<p class="redline-summary">{_e(bounded.summary)}</p>'
    return _SUMMARY.sub(lambda _: summary, render_inline(bounded.record), count=1)


def _headline(item: ReportItem) -> str:
    """The headline on one line, as old → new when it changed."""
    old = clean_header_text(item.old_headline, HEADLINE_CHARS) or "(no headline)"
    new = clean_header_text(item.new_headline, HEADLINE_CHARS) or "(no headline)"
    if old != new:
        return f'<del style="{DELETED}">{_e(old)}</del> → <ins style="{INSERTED}">{_e(new)}</ins>'
    return _e(new)


def _e(text: str) -> str:
    return escape(text, quote=True)
