"""Settings: defaults < redline.toml < REDLINE_* < explicit overrides; bad values are errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.config import Config, load_config
from archive.errors import ConfigError


def test_defaults(tmp_path):
    config = load_config(environ={"HOME": str(tmp_path)})
    assert config == Config(data_dir=config.data_dir)
    assert config.sqlalchemy_url.startswith("sqlite:///") and config.sqlalchemy_url.endswith(
        "redline.sqlite"
    )
    assert config.obey_robots_txt and config.autothrottle and not config.allow_private_networks


def test_precedence_file_then_environment_then_overrides(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "redline.toml").write_text('workers = 3\nuser_agent = "from-file"\nretry_times = 5\n')
    env = {"REDLINE_DATA_DIR": str(data), "REDLINE_WORKERS": "4", "REDLINE_AUTOTHROTTLE": "no"}
    config = load_config(environ=env, retry_times=1)
    assert config.data_dir == data
    assert config.user_agent == "from-file"  # file
    assert config.workers == 4  # environment over file
    assert config.autothrottle is False
    assert config.retry_times == 1  # override over file


def test_explicit_config_file_and_database_url(tmp_path):
    path = tmp_path / "elsewhere.toml"
    path.write_text('database_url = "postgresql+psycopg://u@h/db"\n')
    config = load_config(path, environ={})
    assert config.sqlalchemy_url == "postgresql+psycopg://u@h/db"
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml", environ={})


@pytest.mark.parametrize(
    ("content", "env", "message"),
    [
        ("nonsense = 1\n", {}, "unknown setting"),
        ("workers = [\n", {}, "cannot read"),
        ("", {"REDLINE_WORKERS": "many"}, "setting workers"),
        ("", {"REDLINE_ALLOW_PRIVATE_NETWORKS": "perhaps"}, "not a boolean"),
    ],
)
def test_bad_settings_are_config_errors(tmp_path, content, env, message):
    path: Path = tmp_path / "redline.toml"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_config(path, environ=env)
