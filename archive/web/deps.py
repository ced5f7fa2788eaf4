"""What a route of the viewer gets from its app: the settings, a database session, templates.

Routes declare them as FastAPI dependencies, e.g. ``session: SessionDep``; the app holds one
database engine (``app.state.database``) for all of them.

They are ``async`` functions although they do no I/O: FastAPI runs a plain ``def`` dependency
in a thread of its pool, one hand-off each (and two for a generator), where these take
microseconds on the event loop.  A route's own ``def`` body then runs in one thread, where the
session takes a connection at its first query; the session is committed and closed on the
event loop when the route returns.  That commit never runs SQL that could wait for a lock: the
few routes that write make their writes in their thread, and changes still pending in the
session are flushed in a thread before the commit (:func:`get_session`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from archive.config import Config
from archive.db import Database
from archive.web.templating import Templates


async def get_config(request: Request) -> Config:
    config: Config = request.app.state.config
    return config


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_templates(request: Request) -> Templates:
    templates: Templates = request.app.state.templates
    return templates


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for one request: committed when the route returns, rolled back on error."""
    database: Database = request.app.state.database
    with database.session() as session:
        yield session
        if session.new or session.dirty or session.deleted:
            # the writes, which may wait for SQLite's lock, in a thread; the commit that
            # follows on the event loop then only ends the transaction
            await run_in_threadpool(session.flush)


ConfigDep = Annotated[Config, Depends(get_config)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session)]
TemplatesDep = Annotated[Templates, Depends(get_templates)]
