"""What a route of the viewer gets from its app: the settings, a database session, templates.

Routes declare them as FastAPI dependencies, e.g. ``session: SessionDep``; the app holds one
database engine (``app.state.database``) for all of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from archive.config import Config
from archive.db import Database
from archive.web.templating import Templates


def get_config(request: Request) -> Config:
    config: Config = request.app.state.config
    return config


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def get_templates(request: Request) -> Templates:
    templates: Templates = request.app.state.templates
    return templates


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request: committed when the route returns, rolled back on error."""
    with get_database(request).session() as session:
        yield session


ConfigDep = Annotated[Config, Depends(get_config)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session)]
TemplatesDep = Annotated[Templates, Depends(get_templates)]
