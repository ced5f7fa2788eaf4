"""The TimeGate driven by the Memento protocol's own Python client (``memento_client``), as an
independent check of the in-process tests, against a real uvicorn server on 127.0.0.1.

The client asks the article's own address for a ``rel=original`` link first (a HEAD request),
so the article lives on a local site (``LocalSite``), never on the internet.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from memento_client import MementoClient

from archive.db import open_database
from archive.web.timetravel import stamp
from tests.web.archives import T0, V1, V2, V3, Story, machine_app, record_story
from tests.web.servers import serve


@pytest.fixture
def viewer(database_url, site):
    database = open_database(database_url)
    article = site.url("/news/palmyra?id=7")
    record_story(database, Story(article, [], [(0, V1), (60, V2), (120, V3)]))
    with serve(machine_app(database)) as base:
        yield base, article
    database.dispose()


def naive(minutes: float) -> datetime:
    """A naive UTC datetime, as the client takes them."""
    return (T0 + timedelta(minutes=minutes)).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("minutes", "expected", "prev", "next_"),
    [
        (-600, 0, None, 60),  # before the first version: the first
        (30, 0, None, 60),  # between the first and the second
        (90, 60, 0, 120),  # between the second and the third
        (10_000, 120, 60, None),  # after the last
    ],
)
def test_memento_client_gets_the_version_live_at_the_time(viewer, minutes, expected, prev, next_):
    base, article = viewer
    with MementoClient(timegate_uri=f"{base}/timegate/", check_native_timegate=False) as client:
        info = client.get_memento_info(article, naive(minutes))
    assert info["original_uri"] == article
    mementos = info["mementos"]
    closest = mementos["closest"]
    assert closest["http_status_code"] == 200
    assert closest["uri"] == [f"{base}/memento/{stamp(T0 + timedelta(minutes=expected))}/{article}"]
    assert closest["datetime"] == naive(expected)
    assert mementos["first"]["datetime"] == naive(0)
    assert mementos["last"]["datetime"] == naive(120)
    assert ("prev" in mementos) == (prev is not None)
    assert ("next" in mementos) == (next_ is not None)
    if prev is not None:
        assert mementos["prev"]["datetime"] == naive(prev)
    if next_ is not None:
        assert mementos["next"]["datetime"] == naive(next_)


def test_memento_client_finds_no_memento_of_an_unknown_url(viewer, site):
    base, _ = viewer
    with MementoClient(timegate_uri=f"{base}/timegate/", check_native_timegate=False) as client:
        info = client.get_memento_info(site.url("/news/never-tracked"), naive(0))
    assert "mementos" not in info
