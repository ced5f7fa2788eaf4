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
