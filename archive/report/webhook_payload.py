"""A report as the JSON body of a webhook request.

Pure: ``(recipient, items, envelope) -> bytes``.  The body depends only on what the outbox
stored (never on the time of sending), so a retry sends exactly the same bytes under the
same ``webhook-id``::

    {"type": "change.recorded" | "digest.ready",
     "id": "<the webhook-id>",
     "timestamp": "<when the (last) change was detected>",
     "data": {
       "subscription": {"scope", "target", "mode"},
       "changes": [{
         "change_id", "detected_at", "label", "reverted",
         "article": {"id", "url", "site", "headline": {"old", "new"}},
         "versions": {"from", "to"},
         "diff": {"url", "from_version", "to_version", "edits", "summary"},
         "links": {"diff", "article", "card"},
         "text": "<the change as chat text, neutralised>"}],
       "unsubscribe": "<one-click unsubscribe address>"}}

``diff`` has exactly the shape ``redline diff --json`` prints.  Archived text is carried
verbatim in the data fields (JSON escapes it; ``<``, ``>`` and ``&`` are written as
``\\u003c``… so the body is inert even pasted into HTML); ``text`` is the neutralised
rendering, ready for a chat relay.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from archive.enums import DeliveryMode
from archive.report.chat_text import chat_message
from archive.report.items import Envelope, Recipient, ReportItem
from archive.report.routes import (
    absolute,
    article_path,
    card_path,
    diff_path,
    unsubscribe_path,
)
from archive.report.signing import webhook_id

CHANGE_EVENT = "change.recorded"
DIGEST_EVENT = "digest.ready"


def webhook_body(recipient: Recipient, items: Sequence[ReportItem], envelope: Envelope) -> bytes:
    """The request body for ``items`` (one change, or a digest of several)."""
    if not items:
        raise ValueError("a report needs at least one change")
    digest = recipient.mode is not DeliveryMode.IMMEDIATE
    payload = {
        "type": DIGEST_EVENT if digest else CHANGE_EVENT,
        "id": webhook_id(envelope.message_id),
        "timestamp": max(item.detected_at for item in items).isoformat(),
        "data": {
            "subscription": {
                "scope": recipient.scope,
                "target": recipient.target,
                "mode": recipient.mode.value,
            },
            "changes": [change_json(item, recipient, envelope.base_url) for item in items],
            "unsubscribe": absolute(envelope.base_url, unsubscribe_path(recipient.token)),
        },
    }
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.encode("utf-8")


def change_json(item: ReportItem, recipient: Recipient, base_url: str) -> dict[str, Any]:
    """One change of a webhook body (see the module docstring)."""
    record = item.record.to_json()
    diff: dict[str, Any] = {
        "url": item.url,
        "from_version": item.from_version,
        "to_version": item.to_version,
        **record,
    }
    if item.stored_summary is not None:
        diff["summary"] = dict(item.stored_summary)
    steps = (item.url_id, item.from_version, item.to_version)
    single = Recipient(
        email="", token=recipient.token, mode=DeliveryMode.IMMEDIATE, scope=recipient.scope
    )
    text = chat_message(single, [item], Envelope("", "", item.detected_at, base_url)).body
    return {
        "change_id": item.change_id,
        "detected_at": item.detected_at.isoformat(),
        "label": item.record.label.value,
        "reverted": item.reverted,
        "article": {
            "id": item.url_id,
            "url": item.url,
            "site": item.site,
            "headline": {"old": item.old_headline, "new": item.new_headline},
        },
        "versions": {"from": item.from_version, "to": item.to_version},
        "diff": diff,
        "links": {
            "diff": absolute(base_url, diff_path(*steps)),
            "article": absolute(base_url, article_path(item.url_id)),
            "card": absolute(base_url, card_path(*steps)),
        },
        "text": text,
    }
