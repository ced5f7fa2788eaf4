"""The viewer's HTML pages for people: latest changes, articles, timelines, versions, diffs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from archive.web.deps import TemplatesDep

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/")
def home(request: Request, templates: TemplatesDep) -> HTMLResponse:
    """The latest changes across the archive."""
    return templates.render(request, "home.html")
