"""Every error of the command line is one line on stderr with a non-zero exit status: bad
values, unreadable settings, usage errors, database errors, and an archive a crawl cannot open."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import Redline


def one_line_error(proc, words: str, code: int = 1) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("redline: error: ") and words in lines[0], lines[0]


@pytest.mark.parametrize(
    ("args", "words", "code"),
    [
        (("changes", "--since", "99999999999d"), "duration too long", 1),
        (("track", "https://news.example/a", "--every", "99999999999d"), "duration too long", 1),
        (("changes", "--limit", "-1"), "--limit", 2),
        (("changes", "--limit", "many"), "--limit", 2),
        (("changes", "--bogus"), "No such option: --bogus (see 'redline changes --help')", 2),
        (("nonsense",), "No such command", 2),
        (("changes", "--kind", "rumour"), "unknown kind", 2),
        (("track", "https://xn--a.example/"), "not a valid IDN", 1),
    ],
)
def test_bad_values_and_usage_are_one_line(redline_sqlite: Redline, args, words, code) -> None:
    one_line_error(redline_sqlite(*args, check=False), words, code)


def test_a_valid_idn_is_still_tracked(redline_sqlite: Redline) -> None:
    (row,) = redline_sqlite.json("track", "https://xn--bcher-kva.example/a")
    assert row["url"] == "https://xn--bcher-kva.example/a"


def test_bad_settings_are_one_line(redline_sqlite: Redline) -> None:
    redline = redline_sqlite
    redline.data_dir.mkdir(parents=True, exist_ok=True)
    settings = redline.data_dir / "redline.toml"
    settings.write_bytes(b'log_level = "\xff\xfe"\n')
    one_line_error(redline("list", check=False), "cannot read")
    settings.unlink()
    for value in ("-1", "0", "nan"):
        redline.env["REDLINE_DOWNLOAD_TIMEOUT_S"] = value
        one_line_error(redline("list", check=False), "download_timeout_s")
    redline.env["REDLINE_DOWNLOAD_TIMEOUT_S"] = "2.5"
    assert redline("list").returncode == 0
    redline.env["REDLINE_DOWNLOAD_DELAY_S"] = "0"  # zero is a valid delay
    assert redline("list").returncode == 0


def test_database_errors_are_one_line(redline_sqlite: Redline) -> None:
    redline = redline_sqlite
    redline.data_dir.mkdir(parents=True, exist_ok=True)
    (redline.data_dir / "redline.sqlite").write_text("not a database\n" * 100)
    one_line_error(redline("list", check=False), "file is not a database")


def test_crawl_exits_non_zero_when_it_cannot_write_warc_files(redline_sqlite: Redline) -> None:
    redline = redline_sqlite
    redline("track", "https://news.example/a")
    (redline.data_dir / "warc").write_text("a file where the WARC directory goes")
    for args in (("crawl", "--all"), ("crawl", "--all", "--json"), ("crawl", "--lock-held")):
        proc = redline(*args, check=False)
        one_line_error(proc, "cannot write WARC files")
        assert proc.stdout == ""


def test_crawl_exits_non_zero_when_the_database_is_not_sqlite(redline_sqlite: Redline) -> None:
    redline = redline_sqlite
    redline.data_dir.mkdir(parents=True, exist_ok=True)
    (redline.data_dir / "redline.sqlite").write_text("not a database\n" * 100)
    proc = redline("crawl", "--json", check=False)
    one_line_error(proc, "file is not a database")
    assert proc.stdout == ""


def test_a_data_directory_that_is_a_file_is_one_line(redline_sqlite: Redline, tmp_path) -> None:
    redline = redline_sqlite
    blocker = tmp_path / "occupied"
    blocker.write_text("not a directory")
    redline.env["REDLINE_DATA_DIR"] = str(blocker / "data")
    one_line_error(redline("crawl", check=False), "Not a directory")


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


def test_a_read_only_data_directory_is_one_line(tmp_path) -> None:
    """An archive on a filesystem that has become read-only (a full disk remounted, a snapshot):
    the crawl cannot write, and says so in one line with a non-zero status."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if _mount("-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mnt)).returncode != 0:
        pytest.skip("mounting a filesystem needs root (CAP_SYS_ADMIN)")
    try:
        redline = Redline(mnt / "data", None)
        redline("track", "https://news.example/a")
        assert _mount("-o", "remount,ro", str(mnt)).returncode == 0
        with pytest.raises(OSError):
            (mnt / "data" / "probe").write_text("x")
        for args in (("crawl", "--all"), ("crawl", "--all", "--json")):
            proc = redline(*args, check=False)
            one_line_error(proc, "cannot open the archive database")
            assert proc.stdout == ""
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
