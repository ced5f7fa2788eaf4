"""What a route of the viewer gets from its app: the settings, a database session, templates.

Routes declare them as FastAPI dependencies, e.g. ``session: SessionDep``; the app holds one
database engine (``app.state.database``) for all of them.

They are ``async`` functions although they do no I/O: FastAPI runs a plain ``def`` dependency
in a thread of its pool, one hand-off each (and two for a generator), where these take
microseconds on the event loop.  A route's own ``def`` body then runs in one thread: the
session is created there lazily (no connection until the first query) and committed and closed
on the event loop when the route returns (a read-only commit and the connection's return to the
pool; the few routes that write, rarely, make their writes in their thread).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
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


ConfigDep = Annotated[Config, Depends(get_config)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session)]
TemplatesDep = Annotated[Templates, Depends(get_templates)]
