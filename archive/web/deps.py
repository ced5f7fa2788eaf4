"""What a route of the viewer gets from its app: the settings, a database session, templates.

Routes declare them as FastAPI dependencies, e.g. ``session: SessionDep``; the app holds one
database engine (``app.state.database``) for all of them.

They are ``async`` functions although they do no I/O: FastAPI runs a plain ``def`` dependency
in a thread of its pool, one hand-off each (and two for a generator), where these take
microseconds on the event loop.  A route's own ``def`` body then runs in one thread, where the
session takes a connection at its first query.  When the route returns, a transaction the
database must end (pending ORM changes, a write on SQLite, any query on another database, where
the commit is a round trip) is committed, or rolled back on error, in a second thread hand-off,
so a commit never waits on the event loop (:func:`get_session`).  A read on SQLite opens no
transaction in the database, so ending it costs nothing: those requests keep one hand-off.
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


def _open_in_database(session: Session) -> bool:
    """Whether ending the session's transaction is work for the database (see module doc)."""
    if session.new or session.dirty or session.deleted:
        return True
    if not session.in_transaction():
        return False
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return True
    # Python's sqlite3 begins a transaction before a write only, and says so here
    return bool(getattr(connection.connection.dbapi_connection, "in_transaction", True))


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for one request: committed when the route returns, rolled back on error.

    The commit or rollback runs in a thread when it is the database's work (a write, or a
    transaction on a server), never on the event loop.
    """
    database: Database = request.app.state.database
    session = database.sessions()
    try:
        yield session
        if _open_in_database(session):
            await run_in_threadpool(session.commit)
        else:
            session.commit()  # ends the session's transaction only: no SQL
    except BaseException:
        if session.in_transaction():
            await run_in_threadpool(session.rollback)
        raise
    finally:
        session.close()


ConfigDep = Annotated[Config, Depends(get_config)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SessionDep = Annotated[Session, Depends(get_session)]
TemplatesDep = Annotated[Templates, Depends(get_templates)]
