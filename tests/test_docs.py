"""The README is part of the product: every setting and every command is documented there,
and only the settings module reads the environment."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import typer.main

from archive.config import env_name, settings_fields
from scheduler.cli import app

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def readme_default(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def test_every_setting_is_in_the_readme_with_its_default():
    rows = {
        m.group(1): m.group(3)
        for m in re.finditer(r"^\| `(\w+)` \| `(REDLINE_\w+)` \| ([^|]*) \|", README, re.M)
    }
    for field in settings_fields():
        assert field.name in rows, f"setting {field.name} is missing from the README table"
        assert f"`{env_name(field.name)}`" in README
        if field.default is not dataclasses.MISSING:
            shown = rows[field.name].strip()
            expected = readme_default(field.default)
            assert shown in (f"`{expected}`", "(empty)" if expected == "" else None), (
                field.name,
                shown,
                expected,
            )
    assert set(rows) == {f.name for f in settings_fields()}, "README documents unknown settings"


def command_names(group: typer.Typer, prefix: str = "") -> list[str]:
    click_group = typer.main.get_command(group)
    names = []
    for name, command in click_group.commands.items():  # type: ignore[attr-defined]
        names.append(f"{prefix}{name}")
        for sub in getattr(command, "commands", {}):
            names.append(f"{prefix}{name} {sub}")
    return names


def test_every_command_has_help_and_is_in_the_readme():
    click_group = typer.main.get_command(app)
    for name in command_names(app):
        assert f"`redline {name}" in README, f"`redline {name}` is not documented in the README"
        parts = name.split()
        command = click_group.commands[parts[0]]  # type: ignore[attr-defined]
        if len(parts) > 1:
            command = command.commands[parts[1]]
        assert command.help or command.short_help, f"redline {name} has no help text"


def test_only_the_settings_module_reads_the_environment():
    offenders = []
    for package in ("archive", "crawler", "scheduler"):
        for path in (REPO / package).rglob("*.py"):
            if path.as_posix().endswith("archive/config.py"):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Attribute)
                    and node.attr in {"environ", "getenv"}
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "os"
                ):
                    offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert offenders == []


def documented_commands() -> dict[str, str]:
    """Each command row of the README's table: the command's name and its synopsis."""
    names = sorted(command_names(app), key=len, reverse=True)
    rows: dict[str, str] = {}
    for match in re.finditer(r"^\| `redline ([^`]+)` \|", README, re.M):
        synopsis = match.group(1).replace("\\|", "|")
        name = next((n for n in names if synopsis == n or synopsis.startswith(n + " ")), synopsis)
        assert name not in rows, f"`redline {name}` has two rows in the README's table"
        rows[name] = synopsis[len(name) :]
    return rows


def real_options(name: str) -> tuple[set[str], set[str]]:
    """The options of ``redline NAME``: every spelling, and the long names shown in help."""
    command = typer.main.get_command(app)
    for part in name.split():
        command = command.commands[part]  # type: ignore[attr-defined]
    spellings, shown = set(), set()
    for param in command.params:
        if param.param_type_name != "option" or getattr(param, "hidden", False):
            continue
        spellings.update(param.opts + param.secondary_opts)
        shown.update(o for o in param.opts if o.startswith("--"))
    return spellings, shown


def test_documented_options_are_the_real_ones():
    rows = documented_commands()
    assert set(rows) == set(command_names(app)) - {"feeds"}, "commands and table rows differ"
    wrong = []
    for name, synopsis in rows.items():
        documented = set(re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", synopsis))
        spellings, shown = real_options(name)
        wrong += [f"redline {name}: no option {o}" for o in sorted(documented - spellings)]
        wrong += [f"redline {name}: {o} is not documented" for o in sorted(shown - documented)]
    assert wrong == []
