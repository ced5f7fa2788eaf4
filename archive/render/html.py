"""HTML renderings of a ``ChangeRecord``: inline and side by side, with ``<ins>``/``<del>``.

This module owns the markup.  It returns fragments (no ``<html>``, no scripts, no inline
event handlers) for the viewer and the email report to place in their own pages, and it
escapes *every* piece of archived text with ``html.escape(..., quote=True)``: headlines and
paragraphs are third-party content and may hold ``<script>`` or attribute-breaking quotes.
The only unescaped strings are this module's own constant tags and class names.

Class names (all prefixed ``redline-``) are stable hooks for the viewer's CSS:
``redline-change``, ``redline-summary``, ``redline-edit``, ``redline-<kind>``,
``redline-title``, ``redline-note``, ``redline-side-by-side``.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from archive.diff.records import ChangeRecord, Edit, WordOp
from archive.enums import EditKind
from archive.render.describe import summary_line, title


def render_inline(record: ChangeRecord) -> str:
    """The change as one column: deleted text in ``<del>``, inserted text in ``<ins>``."""
    parts = [_open(record, "redline-inline"), _summary(record)]
    for edit in record.edits:
        parts.append(f'<section class="redline-edit redline-{edit.kind.value}">')
        parts.append(f'<h4 class="redline-title">{_e(title(edit))}</h4>')
        parts.append(_inline_body(edit))
        parts.append("</section>")
    parts.append("</div>")
    return "\n".join(parts)


def render_side_by_side(record: ChangeRecord) -> str:
    """The change as a two-column table: the old text on the left, the new on the right."""
    parts = [
        _open(record, "redline-side-by-side"),
        _summary(record),
        '<table class="redline-side-by-side">',
        "<thead><tr><th>Before</th><th>After</th></tr></thead>",
        "<tbody>",
    ]
    for edit in record.edits:
        parts.append(
            f'<tr class="redline-edit redline-{edit.kind.value}">'
            f'<th colspan="2" class="redline-title">{_e(title(edit))}</th></tr>'
        )
        old_side, new_side = _sides(edit)
        parts.append(f'<tr class="redline-{edit.kind.value}"><td>{old_side}</td>')
        parts.append(f"<td>{new_side}</td></tr>")
    parts.extend(["</tbody>", "</table>", "</div>"])
    return "\n".join(parts)


def _e(text: str) -> str:
    return escape(text, quote=True)


def _open(record: ChangeRecord, layout: str) -> str:
    stealth = " redline-stealth" if record.stealth else ""
    return f'<div class="redline-change {layout}{stealth}" data-label="{_e(record.label.value)}">'


def _summary(record: ChangeRecord) -> str:
    return f'<p class="redline-summary">{_e(summary_line(record))}</p>'


def _words(words: Sequence[WordOp], keep: tuple[int, ...] = (-1, 0, 1)) -> str:
    """Word diff as HTML, showing only the operations in ``keep``."""
    out = []
    for op, text in words:
        if op not in keep:
            continue
        if op < 0:
            out.append(f"<del>{_e(text)}</del>")
        elif op > 0:
            out.append(f"<ins>{_e(text)}</ins>")
        else:
            out.append(_e(text))
    return "".join(out)


def _paragraphs(texts: Sequence[str], tag: str | None = None) -> str:
    wrap = (lambda t: f"<{tag}>{_e(t)}</{tag}>") if tag else _e
    return "\n".join(f"<p>{wrap(text)}</p>" for text in texts)


def _value(text: str | None, tag: str) -> str:
    return f"<{tag}>{_e(text)}</{tag}>" if text is not None else "<em>(none)</em>"


def _inline_body(edit: Edit) -> str:
    if edit.kind is EditKind.CORRECTION_NOTE:
        return f'<blockquote class="redline-note">{_e(edit.new or "")}</blockquote>'
    if edit.words:
        return f"<p>{_words(edit.words)}</p>"
    if edit.kind is EditKind.PARAGRAPH_ADDED:
        return _paragraphs(edit.new_paragraphs, "ins")
    if edit.kind is EditKind.PARAGRAPH_REMOVED:
        return _paragraphs(edit.old_paragraphs, "del")
    if edit.new_paragraphs:  # moved (or split/merged) without a word changed
        return _paragraphs(edit.new_paragraphs)
    return f"<p>{_value(edit.old, 'del')} → {_value(edit.new, 'ins')}</p>"


def _sides(edit: Edit) -> tuple[str, str]:
    if edit.kind is EditKind.CORRECTION_NOTE:
        return "", f'<blockquote class="redline-note">{_e(edit.new or "")}</blockquote>'
    if edit.words:
        return f"<p>{_words(edit.words, (-1, 0))}</p>", f"<p>{_words(edit.words, (0, 1))}</p>"
    if edit.old_paragraphs or edit.new_paragraphs:
        old_tag = "del" if edit.kind is EditKind.PARAGRAPH_REMOVED else None
        new_tag = "ins" if edit.kind is EditKind.PARAGRAPH_ADDED else None
        return _paragraphs(edit.old_paragraphs, old_tag), _paragraphs(edit.new_paragraphs, new_tag)
    return f"<p>{_value(edit.old, 'del')}</p>", f"<p>{_value(edit.new, 'ins')}</p>"
