"""``redline serve``: the web viewer, its JSON API, Atom feeds and Memento, over HTTP (uvicorn).

It binds 127.0.0.1 by default; exposing the archive to a network is a deliberate ``--host``.
"""

from __future__ import annotations

import os
import shlex
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from archive.config import Config, export_settings, load_config
from archive.db import open_database
from scheduler.cli.state import state

if TYPE_CHECKING:
    from fastapi import FastAPI

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Address to listen on; 0.0.0.0 exposes the viewer to the network.")
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port to listen on.")] = (
        DEFAULT_PORT
    ),
    workers: Annotated[
        int | None,
        typer.Option(
            min=0, max=64, help="Server processes (the serve_workers setting); 0: one per core."
        ),
    ] = None,
) -> None:
    """Serve the web viewer, JSON API, Atom feeds and Memento until SIGTERM or SIGINT."""
    st = state(ctx)
    config = st.config if workers is None else st.config.replace(serve_workers=workers)
    st.close()
    run_viewer(config, host=host, port=port)


def serve_command(config: Config, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> str:
    """The ``redline serve`` command line for the archive ``config`` names."""
    parts = ["redline", "--data-dir", str(config.data_dir), "serve"]
    if host != DEFAULT_HOST:
        parts += ["--host", host]
    if port != DEFAULT_PORT:
        parts += ["--port", str(port)]
    return shlex.join(parts)


def viewer_app(config: Config | None = None) -> FastAPI:
    """The viewer, with the admin pages able to manage feeds; without ``config``, for the
    settings in the environment (a worker process of :func:`run_viewer`)."""
    from archive.web.admin import FeedRegistry
    from archive.web.app import create_app
    from scheduler.feeds import add_feed, list_feeds, remove_feed

    return create_app(
        config or load_config(),
        feeds=FeedRegistry(add=add_feed, remove=remove_feed, listing=list_feeds),
    )


def run_viewer(config: Config, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Build the viewer for ``config`` and serve it with uvicorn until interrupted.

    With more than one process (``serve_workers``), the database is opened (and upgraded)
    here once, the settings are written into the environment, and this process becomes
    uvicorn's own command (``exec``): a supervisor that imports uvicorn alone (about 20 MB,
    where this CLI holds about 75), whose workers each build the app from that environment
    (:func:`viewer_app`); uvicorn spreads the connections over them.
    """
    processes = config.viewer_processes
    shown = f"[{host}]" if ":" in host else host
    access_log = config.log_level.upper() == "DEBUG"
    if processes > 1:
        open_database(config.sqlalchemy_url).dispose()  # the schema upgrade, before the workers
        export_settings(config)
        print(f"redline: serving {config.data_dir} at http://{shown}:{port}/", flush=True)
        sys.stderr.flush()
        command = [sys.executable, "-m", "uvicorn", f"{__name__}:viewer_app", "--factory"]
        command += ["--workers", str(processes), "--host", host, "--port", str(port)]
        command += ["--log-level", config.log_level.lower(), "--no-server-header"]
        command += ["--no-proxy-headers", *([] if access_log else ["--no-access-log"])]
        os.execv(sys.executable, command)  # noqa: S606  # our own arguments, no shell
    import uvicorn

    app = viewer_app(config)
    print(f"redline: serving {config.data_dir} at http://{shown}:{port}/", flush=True)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=config.log_level.lower(),
        server_header=False,
        proxy_headers=False,
        access_log=access_log,
    )
