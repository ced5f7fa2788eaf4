"""The root command, ``redline``: settings read once, every command group registered.

``main()`` turns any ``RedlineError`` into one line on stderr and a non-zero exit status, so
that no traceback reaches the user.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from archive.config import load_config
from archive.errors import RedlineError
from scheduler.cli import (
    articles,
    card,
    crawl,
    demo,
    feeds,
    serve,
    service,
    storage,
    subscriptions,
    workers,
)
from scheduler.cli.state import CliState

app = typer.Typer(
    name="redline",
    help="A versioned archive of news articles that records every edit made after publication.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option(help="Settings file (default: redline.toml in the data dir).")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Data directory (overrides REDLINE_DATA_DIR).")
    ] = None,
) -> None:
    """redline keeps every version of the articles you track, and tells you what changed."""
    if ctx.obj is None:
        ctx.obj = CliState(load_config(config, data_dir=data_dir))
        ctx.call_on_close(ctx.obj.close)


articles.register(app)
crawl.register(app)
workers.register(app)
service.register(app)
feeds.register(app)
demo.register(app)
subscriptions.register(app)
card.register(app)
serve.register(app)
storage.register(app)


def main(argv: list[str] | None = None) -> None:
    """The ``redline`` console script: every error is one line on stderr and a non-zero exit
    status (1, or 2 for a usage error), never a traceback."""
    try:
        result = app(args=argv, prog_name="redline", standalone_mode=False)
    except RedlineError as exc:
        fail(str(exc), 1)
    except typer.Abort:
        fail("aborted", 130)
    except typer.TyperException as exc:  # usage errors: Typer vendors click, so no click import
        ctx = getattr(exc, "ctx", None)
        code = getattr(exc, "exit_code", 2)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None and code == 2 else ""
        fail(exc.format_message() + hint, code)
    except OSError as exc:  # a file or directory the command needed (read-only, not a dir...)
        fail(str(exc), 1)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    if isinstance(result, int) and result:
        sys.exit(result)


def one_line(message: str) -> str:
    """``message`` on one line (SQLAlchemy's "Background on this error" note left out)."""
    lines = (line.strip() for line in message.splitlines())
    return " ".join(x for x in lines if x and not x.startswith("(Background on this error"))


def fail(message: str, code: int) -> NoReturn:
    print(f"redline: error: {one_line(message)}", file=sys.stderr)
    sys.exit(code)
