"""Structured log lines for the service: one JSON object (or one ``key=value`` line) per event.

Every line carries an ISO 8601 UTC timestamp, the level, the logger and the message; fields
passed as ``extra={"fields": {...}}`` are added as keys, so that ``journalctl -o cat`` output
can be read by ``jq`` and by ``bench/soak.py``.  This module configures logging; it is called
once, by ``redline run``.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

FIELDS = "fields"


class JsonFormatter(logging.Formatter):
    """``{"at": ..., "level": ..., "logger": ..., "msg": ..., <fields>}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        data.update(getattr(record, FIELDS, None) or {})
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``<time> <LEVEL> <logger>: <message> key=value ...`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        extra = getattr(record, FIELDS, None) or {}
        pairs = " ".join(f"{k}={json.dumps(v, default=str)}" for k, v in extra.items())
        line = f"{at} {record.levelname} {record.name}: {record.getMessage()}"
        line = f"{line} {pairs}" if pairs else line
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(level: str, fmt: str = "json", stream: TextIO | None = None) -> None:
    """Send every log record to ``stream`` (stderr) as structured lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(TextFormatter() if fmt == "text" else JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # APScheduler logs every job start and end at INFO; its warnings and errors still show,
    # except the "maximum number of running instances" one, which the service logs itself.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("apscheduler.scheduler").setLevel(max(logging.ERROR, root.level))


def fields(**values: Any) -> dict[str, Any]:
    """``logger.info("...", extra=fields(cycle=3))``: structured fields for one line."""
    return {FIELDS: values}
