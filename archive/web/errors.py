"""Clean error answers: an HTML page for people, JSON under ``/api/``; never a traceback.

Unknown ids and routes answer 404, malformed parameters 400 (422 with FastAPI's JSON body
under ``/api/``, as its OpenAPI schema documents), and anything unexpected 500 with a short
message (the traceback goes to the log only).
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from archive.errors import RedlineError

logger = logging.getLogger(__name__)

#: Path prefixes answered with JSON errors (machine interfaces).
JSON_PREFIXES = ("/api/", "/openapi.json")


def wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(JSON_PREFIXES) or path == "/api"


def error_page(request: Request, status: int, message: str) -> Response:
    templates = request.app.state.templates
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return templates.render(  # type: ignore[no-any-return]
        request,
        "error.html",
        {"status": status, "phrase": phrase, "message": message},
        status_code=status,
    )


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if wants_json(request):
        return await http_exception_handler(request, exc)
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and message == "Not Found":
        message = "There is nothing at this address."
    response = error_page(request, exc.status_code, message)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def on_invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if wants_json(request):
        return await request_validation_exception_handler(request, exc)
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
        problems.append(f"{where}: {error.get('msg', 'invalid')}")
    return error_page(request, 400, "Malformed request: " + "; ".join(problems))


async def on_redline_error(request: Request, exc: Exception) -> Response:
    """A ``RedlineError`` that escaped a route (e.g. an unreadable WARC file): 500, no trace."""
    logger.warning("%s %s: %s", request.method, request.url.path, exc)
    if wants_json(request):
        return JSONResponse({"detail": str(exc)}, status_code=500)
    return error_page(request, 500, str(exc))


async def on_unexpected(request: Request, exc: Exception) -> Response:
    logger.exception("%s %s failed", request.method, request.url.path)
    if wants_json(request):
        return JSONResponse({"detail": "Internal Server Error"}, status_code=500)
    return error_page(request, 500, "Something went wrong on the server; it has been logged.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(RedlineError, on_redline_error)
    app.add_exception_handler(Exception, on_unexpected)
