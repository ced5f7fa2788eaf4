"""LocalSite against real sockets: every behaviour the crawler and scheduler tests switch on."""

from __future__ import annotations

import http.client
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from scheduler.demo.site import LocalSite
from tests.support import wait_until


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite() as s:
        yield s


def get(
    site: LocalSite, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, http.client.HTTPMessage, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


# -- lifecycle ---------------------------------------------------------------------------


def test_binds_loopback_on_a_free_port_and_builds_urls(site: LocalSite) -> None:
    assert site.port > 0
    assert site.base_url == f"http://127.0.0.1:{site.port}"
    assert site.url("/a/b?x=1") == f"http://127.0.0.1:{site.port}/a/b?x=1"
    assert site.url("c") == f"http://127.0.0.1:{site.port}/c"


def test_explicit_start_and_stop() -> None:
    s = LocalSite()
    with pytest.raises(RuntimeError):
        _ = s.url("/")
    s.start()
    try:
        with pytest.raises(RuntimeError):
            s.start()
        s.set_page("/", "hello")
        with urllib.request.urlopen(s.url("/"), timeout=5) as resp:
            assert resp.read() == b"hello"
        port = s.port
    finally:
        s.stop()
    s.stop()  # idempotent
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)


def test_stop_with_an_idle_keep_alive_connection_does_not_hang() -> None:
    s = LocalSite().start()
    s.set_page("/", "x")
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"x"
    s.stop()  # pytest-timeout is the guard: this must return although conn is still open
    conn.close()


# -- plain pages -------------------------------------------------------------------------


def test_serves_text_as_utf8_with_length_and_type(site: LocalSite) -> None:
    site.set_page("/a", "<p>Palmyra – café</p>")
    status, headers, body = get(site, "/a")
    assert status == 200
    assert body.decode("utf-8") == "<p>Palmyra – café</p>"
    assert headers["Content-Length"] == str(len(body))
    assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_query_string_is_ignored_for_routing_but_logged(site: LocalSite) -> None:
    site.set_page("/a", "A")
    assert get(site, "/a?utm=1")[2] == b"A"
    [record] = site.request_log("/a")
    assert record.path == "/a"
    assert record.target == "/a?utm=1"


def test_callable_body_gets_the_request_number(site: LocalSite) -> None:
    site.set_page("/c", lambda n: f"request {n}")
    bodies = [get(site, "/c")[2] for _ in range(3)]
    assert bodies == [b"request 1", b"request 2", b"request 3"]
    assert site.requests("/c") == 3


def test_extra_headers_are_sent(site: LocalSite) -> None:
    site.set_page("/h", "x", headers={"X-Robots-Tag": "noarchive", "Cache-Control": "max-age=60"})
    _, headers, _ = get(site, "/h")
    assert headers["X-Robots-Tag"] == "noarchive"
    assert headers["Cache-Control"] == "max-age=60"


def test_head_sends_headers_without_body(site: LocalSite) -> None:
    site.set_page("/a", "twelve bytes")
    status, headers, body = get(site, "/a", method="HEAD")
    assert status == 200
    assert body == b""
    assert headers["Content-Length"] == "12"
    assert [r.method for r in site.request_log("/a")] == ["HEAD"]


def test_keep_alive_reuses_one_connection(site: LocalSite) -> None:
    site.set_page("/a", "A")
    site.set_page("/b", "B")
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    try:
        conn.request("GET", "/a")
        assert conn.getresponse().read() == b"A"
        sock = conn.sock
        conn.request("GET", "/b")
        assert conn.getresponse().read() == b"B"
        assert conn.sock is sock and sock is not None
    finally:
        conn.close()


def test_handles_requests_concurrently(site: LocalSite) -> None:
    # Every handler waits for all the others: this only passes if they run at the same time.
    barrier = threading.Barrier(20, timeout=10)

    def body(n: int) -> str:
        barrier.wait()
        return f"page {n}"

    site.set_page("/slow", body)
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: get(site, "/slow")[2], range(20)))
    assert sorted(results) == sorted(f"page {n}".encode() for n in range(1, 21))


def test_many_requests_all_answered(site: LocalSite) -> None:
    for i in range(50):
        site.set_page(f"/p/{i}", f"page {i}")
    with ThreadPoolExecutor(max_workers=32) as pool:
        bodies = list(pool.map(lambda i: get(site, f"/p/{i % 50}")[2], range(500)))
    assert bodies == [f"page {i % 50}".encode() for i in range(500)]
    assert sum(site.requests(f"/p/{i}") for i in range(50)) == 500


# -- conditional requests ----------------------------------------------------------------


def test_strong_etag_from_body_and_304_on_match(site: LocalSite) -> None:
    site.set_page("/a", "article")
    status, headers, _ = get(site, "/a")
    etag = headers["ETag"]
    assert status == 200
    assert etag.startswith('"') and not etag.startswith("W/")

    status, headers, body = get(site, "/a", {"If-None-Match": etag})
    assert (status, body) == (304, b"")
    assert headers["ETag"] == etag

    status, _, body = get(site, "/a", {"If-None-Match": '"something-else"'})
    assert (status, body) == (200, b"article")

    site.set_page("/a", "article, edited")
    status, headers, _ = get(site, "/a", {"If-None-Match": etag})
    assert status == 200
    assert headers["ETag"] != etag


def test_if_modified_since(site: LocalSite) -> None:
    stamp = datetime(2017, 3, 2, 22, 43, tzinfo=UTC)
    site.set_page("/a", "article", last_modified=stamp)
    _, headers, _ = get(site, "/a")
    assert headers["Last-Modified"] == "Thu, 02 Mar 2017 22:43:00 GMT"

    same = format_datetime(stamp, usegmt=True)
    later = format_datetime(stamp + timedelta(hours=1), usegmt=True)
    earlier = format_datetime(stamp - timedelta(seconds=1), usegmt=True)
    assert get(site, "/a", {"If-Modified-Since": same})[0] == 304
    assert get(site, "/a", {"If-Modified-Since": later})[0] == 304
    assert get(site, "/a", {"If-Modified-Since": earlier})[0] == 200
    assert get(site, "/a", {"If-Modified-Since": "not a date"})[0] == 200


def test_if_none_match_wins_over_if_modified_since(site: LocalSite) -> None:
    stamp = datetime(2017, 3, 2, tzinfo=UTC)
    site.set_page("/a", "article", last_modified=stamp)
    later = format_datetime(stamp + timedelta(days=1), usegmt=True)
    headers = {"If-None-Match": '"stale"', "If-Modified-Since": later}
    assert get(site, "/a", headers)[0] == 200


def test_last_modified_defaults_to_set_time_and_stays_fixed(site: LocalSite) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    site.set_page("/a", lambda n: f"chrome {n}")
    first = get(site, "/a")[1]["Last-Modified"]
    second = get(site, "/a")[1]["Last-Modified"]
    assert first == second
    assert get(site, "/a", {"If-Modified-Since": first})[0] == 304
    assert before <= parsedate_to_datetime(first) <= datetime.now(UTC)


def test_changing_chrome_changes_the_etag(site: LocalSite) -> None:
    site.set_page("/a", lambda n: f"chrome {n}")
    etag = get(site, "/a")[1]["ETag"]
    assert get(site, "/a", {"If-None-Match": etag})[0] == 200


def test_conditional_false_always_answers_200(site: LocalSite) -> None:
    site.set_page("/a", "article", conditional=False)
    etag = get(site, "/a")[1]["ETag"]
    assert get(site, "/a", {"If-None-Match": etag})[0] == 200


def test_request_log_records_conditional_headers(site: LocalSite) -> None:
    site.set_page("/a", "x")
    get(site, "/a", {"If-None-Match": '"abc"', "User-Agent": "redline-test"})
    [record] = site.request_log("/a")
    assert record.method == "GET"
    assert record.header("If-None-Match") == '"abc"'
    assert record.header("user-agent") == "redline-test"
    assert record.header("If-Modified-Since") is None


# -- failures ----------------------------------------------------------------------------


def test_unknown_and_removed_pages_are_404(site: LocalSite) -> None:
    assert get(site, "/nope")[0] == 404
    site.set_page("/a", "x")
    assert get(site, "/a")[0] == 200
    site.remove_page("/a")
    assert get(site, "/a")[0] == 404
    assert site.requests("/a") == 2
    assert site.requests("/nope") == 1


@pytest.mark.parametrize("status", [404, 410, 500, 503])
def test_explicit_statuses(site: LocalSite, status: int) -> None:
    site.set_page("/gone", "<h1>gone</h1>", status=status)
    got, _, body = get(site, "/gone")
    assert got == status
    assert body == b"<h1>gone</h1>"
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(site.url("/gone"), timeout=5)
    info.value.close()
    assert info.value.code == status


def test_error_pages_never_answer_304(site: LocalSite) -> None:
    site.set_page("/gone", "x", status=410)
    etag = get(site, "/gone")[1]["ETag"]
    assert get(site, "/gone", {"If-None-Match": etag})[0] == 410


def test_delay_outlasts_a_client_timeout_and_stop_wakes_it() -> None:
    baseline = set(threading.enumerate())
    s = LocalSite().start()
    s.set_page("/slow", "late", delay_s=60)
    s.set_page("/fast", "now")
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=0.3)
    conn.request("GET", "/slow")
    with pytest.raises(TimeoutError):
        conn.getresponse()
    conn.close()
    assert get(s, "/fast")[2] == b"now"  # other pages are not held up
    assert s.requests("/slow") == 1
    s.stop()
    # The sleeping handler must notice the stop instead of sleeping out its 60 s.
    wait_until(lambda: set(threading.enumerate()) <= baseline, timeout=5)


def test_short_delay_still_answers(site: LocalSite) -> None:
    site.set_page("/a", "ok", delay_s=0.05)
    assert get(site, "/a")[2] == b"ok"


def test_redirect_is_followed(site: LocalSite) -> None:
    site.set_page("/new", "new home")
    site.redirect("/old", "/new")
    status, headers, _ = get(site, "/old")
    assert status == 301
    assert headers["Location"] == site.url("/new")
    with urllib.request.urlopen(site.url("/old"), timeout=5) as resp:
        assert resp.read() == b"new home"
        assert resp.url == site.url("/new")
    assert site.requests("/old") == 2
    assert site.requests("/new") == 1


def test_redirect_to_an_absolute_url_is_kept(site: LocalSite) -> None:
    site.redirect("/out", "https://example.org/x", status=302)
    status, headers, _ = get(site, "/out")
    assert (status, headers["Location"]) == (302, "https://example.org/x")


def test_redirect_loop(site: LocalSite) -> None:
    other = site.redirect_loop("/a")
    assert other == "/a-loop"
    assert get(site, "/a")[1]["Location"] == site.url("/a-loop")
    assert get(site, "/a-loop")[1]["Location"] == site.url("/a")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(site.url("/a"), timeout=5)
    info.value.close()
    assert "redirect" in str(info.value.reason).lower()
    assert site.requests("/a") >= 3
    assert site.requests("/a-loop") >= 2


def test_huge_body_is_streamed_with_its_length(site: LocalSite) -> None:
    n = 20 * 1024 * 1024 + 7
    site.set_huge("/huge", n)
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    try:
        conn.request("GET", "/huge")
        resp = conn.getresponse()
        assert resp.headers["Content-Length"] == str(n)
        first = resp.read(64)
        assert first.startswith(b"<!DOCTYPE html>")
        total = len(first)
        while chunk := resp.read(1 << 20):
            total += len(chunk)
        assert total == n
    finally:
        conn.close()


def test_client_abandoning_a_huge_body_does_not_break_the_site(site: LocalSite) -> None:
    site.set_huge("/huge", 200 * 1024 * 1024)
    site.set_page("/a", "still here")
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    conn.request("GET", "/huge")
    assert len(conn.getresponse().read(1024)) == 1024
    conn.close()
    assert get(site, "/a")[2] == b"still here"


def test_head_on_huge_body_gives_length_only(site: LocalSite) -> None:
    site.set_huge("/huge", 12345)
    status, headers, body = get(site, "/huge", method="HEAD")
    assert (status, headers["Content-Length"], body) == (200, "12345", b"")


def test_non_html_content_type(site: LocalSite) -> None:
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    site.set_page("/doc.pdf", pdf, content_type="application/pdf")
    status, headers, body = get(site, "/doc.pdf")
    assert (status, headers["Content-Type"], body) == (200, "application/pdf", pdf)


def test_broken_encoding_bytes_contradict_the_declared_charset(site: LocalSite) -> None:
    site.set_broken_encoding("/bad", "<p>Café – “quoted”</p>")
    _, headers, body = get(site, "/bad")
    assert "charset=utf-8" in headers["Content-Type"]
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert body.decode("cp1252") == "<p>Café – “quoted”</p>"


def test_raw_bytes_with_a_wrong_charset_via_set_page(site: LocalSite) -> None:
    site.set_page("/l1", "naïve".encode("latin-1"), content_type="text/html; charset=utf-8")
    assert get(site, "/l1")[2] == b"na\xefve"


def test_robots_txt_is_404_until_set(site: LocalSite) -> None:
    assert get(site, "/robots.txt")[0] == 404
    site.set_page("/robots.txt", "User-agent: *\nDisallow: /private\n", content_type="text/plain")
    status, headers, body = get(site, "/robots.txt")
    assert status == 200
    assert headers["Content-Type"] == "text/plain"
    assert b"Disallow: /private" in body


def test_reset_forgets_pages_counts_and_log(site: LocalSite) -> None:
    site.set_page("/a", "x")
    get(site, "/a")
    site.reset()
    assert site.requests("/a") == 0
    assert site.request_log() == []
    assert get(site, "/a")[0] == 404
    assert site.requests("/a") == 1


def test_set_page_while_serving_from_another_thread(site: LocalSite) -> None:
    site.set_page("/a", "v1")
    stop = threading.Event()

    def flip() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            site.set_page("/a", f"v{i}")
            stop.wait(0.001)  # yield, so the server threads get the GIL

    t = threading.Thread(target=flip)
    t.start()
    try:
        bodies = {get(site, "/a")[2] for _ in range(30)}
    finally:
        stop.set()
        t.join()
    assert all(b.startswith(b"v") for b in bodies)
