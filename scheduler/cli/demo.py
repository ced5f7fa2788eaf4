"""``redline demo``: the whole job, offline, on a story written for the project.

A local site on 127.0.0.1 serves a developing story (:mod:`scheduler.demo.story`) inside page
chrome that changes on every request.  The demo tracks its articles in a fresh data
directory, runs one refetch round per story round (each crawl in its own process, as the
service does), and prints what changed and where the archive is.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.text import Text

from archive.config import Config, child_environ
from scheduler.cli.serve import DEFAULT_PORT, run_viewer, serve_command
from scheduler.cli.state import state
from scheduler.demo.site import LocalSite
from scheduler.demo.story import ARTICLE_PATHS, ROUNDS, describe_round, install_round


def register(app: typer.Typer) -> None:
    app.command()(demo)


def demo(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Where to keep the demo archive (default: a new temporary directory)."),
    ] = None,
    rounds: Annotated[int, typer.Option(min=2, max=ROUNDS, help="Story rounds to play.")] = ROUNDS,
    serve: Annotated[
        bool, typer.Option("--serve", help="Then keep the web viewer running on the archive.")
    ] = False,
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="The viewer's port with --serve.")
    ] = DEFAULT_PORT,
) -> None:
    """Run redline offline on a developing story served from 127.0.0.1."""
    console = state(ctx).console
    target = data_dir or Path(tempfile.mkdtemp(prefix="redline-demo-"))
    if target.exists() and any(target.iterdir()):
        raise typer.BadParameter(f"{target} is not empty; the demo needs a fresh directory")
    target.mkdir(parents=True, exist_ok=True)
    user = state(ctx).config
    env = demo_environment(user, target)
    console.print(
        f"The demo keeps its own SQLite archive in {target}"
        + ("; your database_url is not used." if user.database_url else "."),
        soft_wrap=True,
        markup=False,
    )
    with LocalSite() as site:
        install_round(site, 1)
        urls = [site.url(path) for path in ARTICLE_PATHS]
        _redline(env, "track", *urls, "--tag", "palmyra")
        console.print(
            f"Serving a developing story at {site.base_url}; tracking {len(urls)} articles.",
            soft_wrap=True,
        )
        progress = Progress(
            TextColumn("round {task.completed}/{task.total}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=True,
        )
        with progress:
            task = progress.add_task("", total=rounds)
            for number in range(1, rounds + 1):
                install_round(site, number)
                progress.update(task, description=describe_round(number, rounds))
                summary = json.loads(_redline(env, "crawl", "--all", "--json"))
                progress.advance(task)
                console.print(
                    Text(
                        f"{describe_round(number, rounds)} -> "
                        f"{summary['new_versions']} new version(s), {summary['unchanged']} "
                        f"unchanged, {summary['errors']} error(s)"
                    )
                )
    print_outcome(console, env, target, hint(user, target, "list"))
    archive = user.replace(data_dir=target, database_url="")
    command = database_prefix(user) + serve_command(archive, port=port)
    if not serve:
        console.print(Text("See the story's edits in a browser:", style="bold"))
        console.print(Text(f"  {command}"), soft_wrap=True)
        console.print(f"  then open http://127.0.0.1:{port}/")
        return
    console.print(
        Text(f"Serving the viewer ({command}); press Ctrl-C to stop.", style="bold"),
        soft_wrap=True,
    )
    state(ctx).close()
    run_viewer(archive, port=port)


def demo_environment(config: Config, data_dir: Path) -> dict[str, str]:
    """The child processes' environment: the user's settings, on this archive in SQLite,
    with loopback allowed (the demo site is on 127.0.0.1)."""
    return child_environ(
        config.replace(
            data_dir=data_dir,
            database_url="",
            allow_private_networks=True,
            autothrottle=False,
            log_level="ERROR",
        )
    )


def _redline(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "scheduler.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if proc.returncode != 0:
        from archive.errors import RedlineError

        raise RedlineError(f"demo step `redline {args[0]}` failed: {proc.stderr.strip()[-500:]}")
    return proc.stdout


def database_prefix(user: Config) -> str:
    """What a command needs in front of it to open the demo's SQLite archive rather than the
    database the user's settings name (an empty ``REDLINE_DATABASE_URL`` means SQLite)."""
    return "REDLINE_DATABASE_URL= " if user.database_url else ""


def hint(user: Config, data_dir: Path, *args: str) -> str:
    """A command line on the demo's archive that works as printed, in the user's shell."""
    return database_prefix(user) + shlex.join(["redline", "--data-dir", str(data_dir), *args])


def print_outcome(console: Console, env: dict[str, str], data_dir: Path, explore: str) -> None:
    changes: list[dict[str, Any]] = json.loads(_redline(env, "changes", "--json"))
    console.print()
    console.print(Text(f"{len(changes)} change(s) recorded:", style="bold"))
    for row in reversed(changes):
        kinds = ", ".join(row["kinds"])
        flags = " (stealth)" if row["stealth"] else ""
        console.print(
            Text(f"  v{row['from_version']}→v{row['to_version']} {row['label']}{flags}: ")
            + Text(row["headline"], style="bold")
            + Text(f"  [{kinds}]", style="dim")
        )
    if changes:
        newest = changes[0]
        console.print()
        console.print(
            Text(f"The newest change, as `redline diff {newest['url']}` shows it:", style="bold"),
            soft_wrap=True,
        )
        colour = {"FORCE_COLOR": "1"} if console.is_terminal else {}
        console.print(Text.from_ansi(_redline({**env, **colour}, "diff", newest["url"])))
    console.print(Text(f"The archive is in {data_dir}", style="bold"), soft_wrap=True)
    console.print(Text(f"Explore it with: {explore}"), soft_wrap=True)
