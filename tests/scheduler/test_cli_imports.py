"""The command line loads the web stack only for the commands that use it.

Every ``redline crawl`` (and ``redline run``'s crawls) is a process of its own: FastAPI, its
pydantic models and Jinja took about half a second of CPU to import there, for nothing.
"""

from __future__ import annotations

import subprocess
import sys

WEB = ("fastapi", "jinja2", "starlette")


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return {name for name in out.split() if name in WEB}


def test_the_command_line_does_not_import_the_web_stack() -> None:
    assert _loaded_after("import scheduler.cli") == set()


def test_the_card_module_does() -> None:  # the twin: the check sees an import when there is one
    assert _loaded_after("import archive.web.card") == set(WEB)
