"""The viewer's app factory: ``create_app(config)`` builds the FastAPI app ``redline serve`` runs.

One app holds one database engine (opened, and upgraded if needed, when the app is built, and
disposed when it shuts down), the Jinja2 templates, the static files under ``/static/``, the
security headers and the error pages.  Routes come from the modules of this package that
define a module-level ``router``, included in module-name order; a module that also defines
``enabled(config)`` is included only when it returns true.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from types import ModuleType

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from archive.config import Config
from archive.db import Database, open_database
from archive.web import errors
from archive.web.admin import FeedRegistry
from archive.web.security import SecurityHeaders
from archive.web.templating import STATIC_DIR, Templates

#: Modules of this package that are not route modules (never imported for a ``router``).
SUPPORT_MODULES = frozenset({"app", "deps", "errors", "security", "templating"})


def router_modules(config: Config) -> Iterator[ModuleType]:
    """The modules of ``archive.web`` whose ``router`` the app includes, by name."""
    package = importlib.import_module("archive.web")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.ispkg or info.name in SUPPORT_MODULES or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"archive.web.{info.name}")
        if not isinstance(getattr(module, "router", None), APIRouter):
            continue
        enabled = getattr(module, "enabled", None)
        if enabled is not None and not enabled(config):
            continue
        yield module


def create_app(
    config: Config, *, database: Database | None = None, feeds: FeedRegistry | None = None
) -> FastAPI:
    """The viewer over the archive ``config`` names (or over ``database``, if given).

    ``feeds`` lets the admin pages (when ``admin_token`` is set) manage feeds too.
    """
    db = database or open_database(config.sqlalchemy_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if database is None:
            db.dispose()

    app = FastAPI(
        title="redline",
        summary="A versioned archive of news articles and every edit made to them.",
        version="1",
        docs_url=None,  # the API's docs page is served by archive.web.api, under the viewer's CSP
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.database = db
    app.state.feeds = feeds
    app.state.templates = Templates({"admin_enabled": bool(config.admin_token)})
    errors.install(app)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in router_modules(config):
        app.include_router(module.router)
    return app
