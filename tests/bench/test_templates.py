"""bench.templates on a few corpus pages: its figures, and --save / --against telling the same
templates from others (the check a change to the learning is held to)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.templates import main
from tests.shared_data import require_shared


def test_templates_are_kept_and_compared(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    require_shared("article-extraction-benchmark", "html")
    kept, out = tmp_path / "kept.json", tmp_path / "figures.json"
    assert main(["--pages", "3", "--passes", "1", "--save", str(kept), "--out", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert figures["pages"] == 3 and figures["learned"] >= 1
    assert figures["learned"] + sum(figures["unlearnable_by_reason"].values()) == 3
    assert 0 < figures["template_chars_mean"] <= figures["template_chars_max"]
    assert sum(figures["checks_under_t2"].values()) == figures["learned"]
    templates = json.loads(kept.read_text())
    assert len(templates) == 3
    assert main(["--pages", "3", "--passes", "1", "--against", str(kept)]) == 0
    assert "differing from" in capsys.readouterr().out

    # twin: a kept template that is not what the learning gives now is found
    learned = next(i for i, t in enumerate(templates) if "|none|" not in t)
    templates[learned] = templates[learned][:-2] + "~"
    kept.write_text(json.dumps(templates))
    assert main(["--pages", "3", "--passes", "1", "--against", str(kept)]) == 1
    assert f"differing from {kept}: 1 [{learned}]" in capsys.readouterr().out
