"""Jinja2 templates for the viewer's pages, with autoescaping on for every template.

Archived headlines, bylines and text are hostile input.  They reach templates only as plain
strings, which Jinja2 escapes; the only markup inserted unescaped (``|safe``) is what
:mod:`archive.render.html` builds, which escapes every piece of archived text itself.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from archive.report.routes import article_path, diff_path

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def when(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC time for people: ``2026-12-06 14:53 UTC``; an empty string for None."""
    if value is None:
        return ""
    return value.strftime(fmt) + " UTC"


def stamp(value: str | None) -> str:
    """A metadata value for people: an ISO 8601 time as :func:`when` shows it, else as is."""
    if not value:
        return value or ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return when(moment.astimezone(UTC))


def iso(value: datetime | None) -> str:
    """The ISO 8601 form for ``<time datetime>`` attributes."""
    return value.isoformat() if value is not None else ""


def query(base: Mapping[str, Any], **changes: Any) -> str:
    """``?a=1&b=2``: the current filters with ``changes`` applied (None or "" drops one)."""
    merged = {**base, **changes}
    kept = {k: v for k, v in merged.items() if v not in (None, "")}
    return "?" + urlencode(kept) if kept else "?"


def options(values: Iterable[str], current: str | None) -> Markup:
    """The ``<option>`` elements of a filter's ``<select>``: each value (escaped), shown with
    ``_`` and ``-`` as spaces, ``current`` selected.  The forms offer the same few lists on
    every page, so each list is written once per selected value, not once per request."""
    return _options(tuple(str(value) for value in values), str(current or ""))


@functools.lru_cache(maxsize=512)
def _options(values: tuple[str, ...], current: str) -> Markup:
    return Markup("").join(
        Markup('<option value="{0}"{1}>{2}</option>').format(
            str(value),
            Markup(" selected") if value == current else "",
            str(value).replace("_", " ").replace("-", " "),
        )
        for value in values
    )


def build_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        auto_reload=False,  # templates ship with the package; no stat() per render
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["iso"] = iso
    env.filters["stamp"] = stamp
    env.globals["query"] = query
    env.globals["options"] = options
    env.globals["diff_path"] = diff_path
    env.globals["article_path"] = article_path
    return env


class Templates:
    """Renders the viewer's templates into HTML responses."""

    def __init__(self, globals_: Mapping[str, Any] | None = None) -> None:
        self.env = build_environment()
        self.env.globals.update(globals_ or {})

    def render(
        self,
        request: Request,
        name: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        body = self.env.get_template(name).render(request=request, **(context or {}))
        return HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))
