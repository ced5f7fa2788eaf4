"""The root command, ``redline``: settings read once, every package's commands registered.

``main()`` turns any ``RedlineError`` into one line on stderr and a non-zero exit status, so
that no traceback reaches the user.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from archive import cli as archive_cli
from archive.cli_state import CliState
from archive.config import load_config
from archive.errors import RedlineError
from archive.report import cli as report_cli
from crawler import cli as crawler_cli
from crawler import worker_cli
from scheduler import commands as service_commands
from scheduler import feeds_cli
from scheduler import report_cli as send_report_cli
from scheduler.demo import command as demo_command
from scheduler.policy import policy_hook

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


archive_cli.register(app)
crawler_cli.register(app, next_check=policy_hook)
worker_cli.register(app, next_check=policy_hook)
service_commands.register(app)
feeds_cli.register(app)
demo_command.register(app)
report_cli.register(app)
send_report_cli.register(app)


def main(argv: list[str] | None = None) -> None:
    """The ``redline`` console script."""
    try:
        result = app(args=argv, prog_name="redline", standalone_mode=False)
    except RedlineError as exc:
        print(f"redline: error: {exc}", file=sys.stderr)
        sys.exit(1)
    except typer.Abort:
        print("redline: aborted", file=sys.stderr)
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors: Typer vendors click, so no click import
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            print(f"redline: error: {exc}", file=sys.stderr)
        sys.exit(getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:
        print("redline: interrupted", file=sys.stderr)
        sys.exit(130)
    if isinstance(result, int) and result:
        sys.exit(result)


if __name__ == "__main__":
    main()
