"""One settings object for every entry point.

Precedence, lowest first: built-in defaults < ``redline.toml`` (in the data directory, or the
file given with ``--config``) < ``REDLINE_*`` environment variables < explicit overrides passed
by the caller (CLI flags).  This module is the only one in redline that reads ``os.environ``;
everything below an entry point receives a :class:`Config` or plain values taken from it.

Each field carries its help text in its metadata, so that the README's settings table can be
checked against the code (``tests/test_docs.py``).
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from archive.errors import ConfigError

ENV_PREFIX = "REDLINE_"
CONFIG_FILE_NAME = "redline.toml"


def _default_data_dir() -> Path:
    return Path("~/.local/share/redline").expanduser()


def _setting(default: Any, help: str, **kwargs: Any) -> Any:
    return field(default=default, metadata={"help": help}, **kwargs)


@dataclass(frozen=True)
class Config:
    """redline's settings; see the README's settings table for each one."""

    data_dir: Path = field(
        default_factory=_default_data_dir,
        metadata={"help": "Directory for the SQLite database, WARC files and the Maildir."},
    )
    database_url: str = _setting(
        "", "SQLAlchemy URL of the archive database; empty means SQLite in the data directory."
    )
    allow_private_networks: bool = _setting(
        False, "Allow fetching loopback, private, link-local and multicast destinations."
    )
    workers: int = _setting(
        0, "Extraction processes; 0 means one per CPU core, -1 extracts in the crawl process."
    )
    extraction_nice: int = _setting(
        10,
        "Niceness added to the extraction processes (0-19), so fetching and archiving keep "
        "their core; 0 makes them compete equally with every other process.",
    )
    user_agent: str = _setting(
        "redline/0.1 (news article edit archive)",
        "User-Agent sent with every request; add a contact address for the sites you crawl.",
    )
    obey_robots_txt: bool = _setting(True, "Obey robots.txt.")
    download_timeout_s: float = _setting(30.0, "Seconds before a fetch times out.")
    max_body_bytes: int = _setting(
        10 * 1024 * 1024, "Largest response body accepted, in bytes; larger is an error capture."
    )
    concurrent_requests: int = _setting(32, "Requests in flight at once, over all sites.")
    concurrent_requests_per_domain: int = _setting(4, "Requests in flight at once per site.")
    crawl_batch: int = _setting(
        500,
        "Due URLs a crawl reads from the database at a time (at least 1): it reads the next"
        " batch when the last one is sent, in a short query of its own.",
    )
    download_delay_s: float = _setting(0.0, "Minimum delay between requests to one site.")
    autothrottle: bool = _setting(True, "Adapt the per-site delay to the site's latency.")
    retry_times: int = _setting(2, "Retries of a fetch that failed with a 5xx or a timeout.")
    retry_backoff_s: float = _setting(
        1.0, "Wait before the first retry; doubled for each further one (at most 60 s)."
    )
    redirect_max: int = _setting(10, "Redirects followed before a fetch counts as a loop.")
    warc_max_bytes: int = _setting(
        1024 * 1024 * 1024, "Size at which a WARC file is closed and a new one started."
    )
    warc_retention: str = _setting(
        "versions",
        "Raw exchanges kept in WARC: 'versions' (those of captures that made a version or an"
        " event, and errors; an unchanged capture keeps only its row and payload digest) or"
        " 'all' (every capture's: a response, or a revisit for a byte-identical payload).",
    )
    min_article_chars: int = _setting(
        200, "Extracted text shorter than this is an empty extraction, not a version."
    )
    fast_path: bool = _setting(
        True,
        "Recognise a refetched page whose article is unchanged (only its chrome changed) without"
        " a full extraction: tier 0's page template on the raw bytes, then a fingerprint of the"
        " article's region and metadata; any doubt falls back to the full extraction. On by"
        " default; false (REDLINE_FAST_PATH=0) extracts every page whose bytes changed in full"
        " (see docs/design.md, 'The fast path').",
    )
    fast_path_tier0: bool = _setting(
        True,
        "With the fast path on: tier 0 first, a page template learned once per version (by the"
        " full extraction of its first refetch with other bytes) and checked on the raw bytes"
        " in the crawl process, with no parse and no worker; any mismatch goes on to the"
        " fingerprint check (see docs/design.md, 'Tier 0'). Off: the fingerprint check only.",
    )
    fast_path_site_rules: bool = _setting(
        False,
        "With tier 0 on: the holes of every template learned become rules of its site (its"
        " host), and a version of another article of the site with no template yet has one"
        " derived from them at its first refetch with other bytes, with no full extraction;"
        " a derived decision is verified by a full extraction until every rule it used has 3"
        " verified uses, a disagreement drops the site's rules for good, and templates derived"
        " from dropped rules decide nothing more (see docs/design.md, 'Tier 0: site rules')."
        " Off by default until an independent review of that trust (see there). Off: every"
        " version learns its own template, and a template derived before decides nothing.",
    )
    fast_path_verify_every: int = _setting(
        50,
        "Every Nth fast-path 'unchanged' decision of the archive (counted across crawls) is"
        " also checked by a full extraction before its capture is recorded, and keeps its WARC"
        " record; a disagreement is logged, counted in 'redline status', and the page's capture"
        " is then the full extraction's. 0 disables.",
    )
    log_level: str = _setting("INFO", "Logging level for the crawler and the service.")
    base_url: str = _setting(
        "http://127.0.0.1:8080", "Public address of the web viewer, used in links in reports."
    )
    serve_workers: int = _setting(
        1,
        "Processes of `redline serve` (uvicorn workers), each with its own database"
        " connections; 0 means one per CPU core.",
    )
    admin_token: str = _setting(
        "",
        "Token that opens the viewer's admin pages (track and untrack URLs and feeds); empty"
        " means the viewer has no admin pages.",
    )
    # -- the service (redline run) and its refetch policy --------------------------------
    refetch_cycle_s: float = _setting(
        60.0, "Seconds between the service's refetch cycles; each crawls the URLs that are due."
    )
    refetch_time_scale: float = _setting(
        1.0,
        "Multiplies every refetch tier, age limit and back-off (0.01 turns hours into 36 s;"
        " for tests and demos).",
    )
    refetch_max_age_s: float = _setting(
        30 * 86400.0,
        "Age (since tracking) after which a URL is retired, unless it changed in the last week.",
    )
    refetch_tag_intervals: str = _setting(
        "", "Fixed check intervals per tag, e.g. 'breaking=5m,opinion=1d' (a URL's own wins)."
    )
    refetch_jitter: float = _setting(
        0.1, "Random spread of each next check, as a fraction of its interval (0 to 0.5)."
    )
    refetch_backoff_max_s: float = _setting(
        86400.0, "Longest delay between checks of a URL that keeps failing."
    )
    misfire_grace_s: float = _setting(
        300.0, "Seconds a scheduled job may start late (after a pause or a busy cycle)."
    )
    feed_poll_interval_s: float = _setting(
        900.0, "Seconds between polls of each RSS, Atom or sitemap feed."
    )
    feed_max_entry_age_s: float = _setting(
        3 * 86400.0, "Feed entries dated older than this are not tracked (undated ones are)."
    )
    report_interval_s: float = _setting(
        3600.0, "Seconds between the service's report runs (also run after each cycle)."
    )
    shutdown_timeout_s: float = _setting(
        60.0, "Seconds a stopping service waits for the crawl in flight before killing it."
    )
    log_format: str = _setting("json", "Service log lines: 'json' (one object a line) or 'text'.")
    # -- crawl workers on a shared Redis queue (redline enqueue, redline worker) -----------
    redis_url: str = _setting(
        "",
        "Redis URL of the shared crawl queue; when set, `redline run` queues the due URLs for"
        " `redline worker` processes instead of crawling them itself.",
    )
    redis_prefix: str = _setting(
        "redline", "Prefix of redline's Redis keys (one per archive sharing a Redis server)."
    )
    worker_lease_s: float = _setting(
        3600.0,
        "Seconds a queued URL is not queued again; a URL whose worker died before recording"
        " its capture is queued again after this.",
    )
    site_slot_lease_s: float = _setting(
        30.0,
        "Seconds a worker's hold on one of a site's shared request slots lasts; renewed while"
        " its download runs, so a killed worker's slots are free again after this.",
    )
    # -- diff reports by email (archive.report, scheduler.mail) ---------------------------
    smtp_host: str = _setting(
        "", "SMTP server for reports; empty writes each report into the Maildir in the data dir."
    )
    smtp_port: int = _setting(
        0, "SMTP port; 0 means the usual one for smtp_security (587 starttls, 465 ssl, 25 none)."
    )
    smtp_user: str = _setting("", "SMTP user name; empty means no authentication.")
    smtp_password: str = _setting("", "SMTP password (used only with smtp_user).")
    smtp_security: str = _setting(
        "starttls", "SMTP connection security: 'starttls', 'ssl' (implicit TLS) or 'none'."
    )
    smtp_timeout_s: float = _setting(30.0, "Seconds before an SMTP connection or reply times out.")
    mail_from: str = _setting(
        "redline@localhost", "From address of reports; its domain also ends every Message-ID."
    )
    digest_hour: int = _setting(7, "Hour of the day (0-23, in digest_timezone) of daily digests.")
    digest_timezone: str = _setting(
        "UTC", "IANA time zone of digest_hour and of hourly digest boundaries, e.g. Europe/Paris."
    )
    mail_retry_base_s: float = _setting(
        60.0, "Delay before the first retry of a report that failed temporarily; doubles per try."
    )
    mail_max_attempts: int = _setting(
        10, "Tries of a report before it is marked failed (a 5xx reply fails it at once)."
    )
    webhook_timeout_s: float = _setting(
        10.0, "Seconds before a webhook request (connection or answer) times out."
    )
    chromium_path: str = _setting(
        "", "Chromium that draws diff cards; empty means the chromium on PATH (Debian's package)."
    )

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL in force: the configured one, or SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'redline.sqlite'}"

    @property
    def warc_dir(self) -> Path:
        return self.data_dir / "warc"

    @property
    def extraction_workers(self) -> int:
        """How many extraction processes to run (0 means extract in the calling process)."""
        if self.workers < 0:
            return 0
        return self.workers or (os.cpu_count() or 1)

    @property
    def viewer_processes(self) -> int:
        """How many processes ``redline serve`` runs (``serve_workers``, 0 meaning per core)."""
        return max(1, self.serve_workers) if self.serve_workers else (os.cpu_count() or 1)

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)


def child_environ(config: Config) -> dict[str, str]:
    """The environment for a child ``redline`` process that must see exactly ``config``.

    The current environment, with every setting written out as its ``REDLINE_*`` variable (so
    that flags given to the parent reach the child too) and ``REDLINE_CONFIG`` dropped (the
    values are already merged).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    for f in settings_fields():
        value = getattr(config, f.name)
        if isinstance(value, bool):
            value = "1" if value else "0"
        env[env_name(f.name)] = str(value)
    return env


def export_settings(config: Config) -> None:
    """Make this process's environment :func:`child_environ` of ``config``, for children that
    inherit it without a way to pass one (the worker processes uvicorn starts)."""
    wanted = child_environ(config)
    for name in [k for k in os.environ if k.startswith(ENV_PREFIX) and k not in wanted]:
        del os.environ[name]
    os.environ.update(wanted)


def settings_fields() -> list[dataclasses.Field[Any]]:
    """The settings, in declaration order (for docs and for ``redline config``)."""
    return list(dataclasses.fields(Config))


# Settings that take one of a few words.
_CHOICES: dict[str, tuple[str, ...]] = {"warc_retention": ("all", "versions")}


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper()


def _coerce(name: str, raw: Any, typ: Any) -> Any:
    if get_origin(typ) in (Union, types.UnionType):
        typ = next(t for t in get_args(typ) if t is not type(None))
    try:
        if typ is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(f"not a boolean: {raw!r}")
        if typ is Path:
            return Path(str(raw)).expanduser()
        if typ is int:
            if isinstance(raw, bool):
                raise ValueError(f"not an integer: {raw!r}")
            return int(raw)
        if typ is float:
            return _seconds(name, float(raw)) if name.endswith("_s") else float(raw)
        text = str(raw)
        if name in _CHOICES and text not in _CHOICES[name]:
            raise ValueError(f"{text!r} is not one of {', '.join(_CHOICES[name])}")
        return text
    except ValueError as exc:
        raise ConfigError(f"setting {name}: {exc}") from None


def _seconds(name: str, value: float) -> float:
    """A setting in seconds: finite and not negative; a timeout also more than zero."""
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"not a number of seconds: {value!r} (give 0 or more)")
    if name.endswith("_timeout_s") and value == 0:
        raise ValueError("a timeout must be more than 0 seconds")
    return value


def load_config(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Config:
    """Build the settings for one process.

    Args:
        config_file: a TOML file; by default ``redline.toml`` in the data directory, if present.
        environ: the environment to read (default ``os.environ``).
        overrides: values that win over everything else (CLI flags); ``None`` values are ignored.

    Raises:
        ConfigError: an unknown key, a value of the wrong type, or an unreadable file.
    """
    env = os.environ if environ is None else environ
    hints = get_type_hints(Config)
    names = {f.name for f in settings_fields()}
    values: dict[str, Any] = {}

    from_env = {f.name: env[env_name(f.name)] for f in settings_fields() if env_name(f.name) in env}
    data_dir_raw = overrides.get("data_dir") or from_env.get("data_dir")
    data_dir = Path(str(data_dir_raw)).expanduser() if data_dir_raw else _default_data_dir()
    env_file = env.get(ENV_PREFIX + "CONFIG")
    path = config_file or (Path(env_file) if env_file else None) or data_dir / CONFIG_FILE_NAME
    explicit = config_file is not None or bool(env_file)
    if path.exists():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from None
        unknown = sorted(set(table) - names)
        if unknown:
            raise ConfigError(f"{path}: unknown setting(s): {', '.join(unknown)}")
        values.update(table)
    elif explicit:
        raise ConfigError(f"config file not found: {path}")
    values.update(from_env)
    values.update({k: v for k, v in overrides.items() if v is not None})
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    return Config(**{k: _coerce(k, v, hints[k]) for k, v in values.items()})
