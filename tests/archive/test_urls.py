"""Tests for archive.urls: validation, normalisation, site_of and the takedown heuristic."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.errors import InvalidURLError
from archive.urls import TRACKING_PARAMS, _is_tracking, is_section_or_home, normalize_url, site_of


@pytest.mark.parametrize(
    ("given_url", "expected"),
    [
        ("HTTP://Example.COM", "http://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://example.com/a#section-2", "http://example.com/a"),
        ("http://example.com/a?", "http://example.com/a"),
        ("  http://example.com/a \n", "http://example.com/a"),
        ("http://exa\tmple.com/a", "http://example.com/a"),
        ("http://example.com./a", "http://example.com/a"),
        ("http://example.com/a/./b/../c", "http://example.com/a/c"),
        ("http://example.com/../../a", "http://example.com/a"),
        ("http://example.com/a/..", "http://example.com/"),
        # percent-encoding: uppercase hex, decode unreserved, keep reserved encoded
        ("http://example.com/%7euser/%2fx%3A", "http://example.com/~user/%2Fx%3A"),
        ("http://example.com/%41%42c", "http://example.com/ABc"),
        ("http://example.com/a b", "http://example.com/a%20b"),
        ("http://example.com/caf\u00e9", "http://example.com/caf%C3%A9"),
        ("http://example.com/100%", "http://example.com/100%25"),
        ("http://example.com/%zz", "http://example.com/%25zz"),
        ("http://example.com/?q=a%2bb&r=%e2%82%ac", "http://example.com/?q=a%2Bb&r=%E2%82%AC"),
        # hosts
        ("http://B\u00fccher.example/", "http://xn--bcher-kva.example/"),
        ("http://xn--BCHER-KVA.example/", "http://xn--bcher-kva.example/"),
        ("http://\uff25xample.com/", "http://example.com/"),  # full-width E
        ("http://[2001:DB8:0:0::1]:8080/", "http://[2001:db8::1]:8080/"),
        ("http://[::ffff:127.0.0.1]/", "http://[::ffff:7f00:1]/"),
        # numeric hosts read as browsers read them
        ("http://2130706433/", "http://127.0.0.1/"),
        ("http://0x7f.1/", "http://127.0.0.1/"),
        ("http://0x7F000001/", "http://127.0.0.1/"),
        ("http://017700000001/", "http://127.0.0.1/"),
        ("http://0177.0.0.1/", "http://127.0.0.1/"),
        ("http://127.1/", "http://127.0.0.1/"),
        ("http://10.1.258/", "http://10.1.1.2/"),
        ("http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", "http://127.0.0.1/"),
    ],
)
def test_normalize(given_url, expected):
    assert normalize_url(given_url) == expected
    assert normalize_url(expected) == expected


@pytest.mark.parametrize(
    ("given_url", "expected"),
    [
        (
            "https://news.example/story?utm_source=tw&utm_medium=social&id=42&fbclid=abc",
            "https://news.example/story?id=42",
        ),
        ("https://news.example/s?UTM_Campaign=x&b=2&a=1", "https://news.example/s?b=2&a=1"),
        ("https://news.example/s?gclid=1&dclid=2&msclkid=3", "https://news.example/s"),
        ("https://news.example/s?mc_cid=1&mc_eid=2&igshid=3&_ga=4", "https://news.example/s"),
        ("https://news.example/s?yclid=1&ocid=2&cmpid=3&ncid=4", "https://news.example/s"),
        ("https://news.example/s?at_medium=1&at_campaign=2&p=3", "https://news.example/s?p=3"),
        ("https://news.example/s?ref_src=twsrc&ref_url=x", "https://news.example/s"),
        # "ref" selects content on some sites: kept on purpose
        ("https://code.example/f?ref=main", "https://code.example/f?ref=main"),
        # order of what remains is kept; empty pairs dropped; valueless keys kept
        ("https://news.example/s?z=1&&a&m=", "https://news.example/s?z=1&a&m="),
        ("https://news.example/s?utm%5Fsource=x&k=v", "https://news.example/s?k=v"),
    ],
)
def test_tracking_parameters_stripped(given_url, expected):
    assert normalize_url(given_url) == expected


def test_tracking_list_is_documented_constant():
    assert {"fbclid", "gclid", "at_medium", "ref_src"} <= TRACKING_PARAMS
    assert "ref" not in TRACKING_PARAMS


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ("file:///etc/passwd", "'file'"),
        ("ftp://example.com/x", "'ftp'"),
        ("javascript:alert(1)", "'javascript'"),
        ("data:text/html,<b>x</b>", "'data'"),
        ("gopher://example.com/", "'gopher'"),
        ("example.com/story", "no scheme"),
        ("//example.com/story", "no scheme"),
        ("", "no scheme"),
        ("http:///story", "no host"),
        ("http://", "no host"),
        ("http://user:secret@example.com/", "credentials"),
        ("http://user@example.com/", "credentials"),
        ("http://good.example@evil.example/", "credentials"),
        ("http://example.com:99999/", "malformed"),
        ("http://example.com:port/", "malformed"),
        ("http://[::1/", "malformed"),
        ("http://[fe80::1%25eth0]/", "zone"),
        ("http://exa mple.com/", "malformed host"),
        ("http://a..b/", "empty label"),
        ("http://256.0.0.1/", "out of range"),
        ("http://1.2.3.4.5/", "malformed IPv4"),
        ("http://0x1g.1/", "malformed IPv4"),
        ("http://08.1.1.1/", "malformed IPv4"),
        ("http://4294967296/", "out of range"),
    ],
)
def test_invalid_urls_are_refused_with_the_url_named(bad, fragment):
    with pytest.raises(InvalidURLError) as info:
        normalize_url(bad)
    assert fragment in str(info.value)
    assert repr(bad) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_site_of():
    assert site_of("https://www.Example.com:8443/a") == "example.com"
    assert site_of("https://news.example.com/a") == "news.example.com"
    assert site_of("http://127.0.0.1:8080/x") == "127.0.0.1"
    assert site_of("http://wwwexample.com/") == "wwwexample.com"
    with pytest.raises(InvalidURLError):
        site_of("ftp://example.com/")


@pytest.mark.parametrize(
    ("original", "final"),
    [
        ("https://news.example/politics/2024/story-123", "https://news.example/"),
        ("https://news.example/politics/2024/story-123", "https://news.example/?from=gone"),
        ("https://news.example/story-123", "https://news.example/index.html"),
        ("https://news.example/politics/2024/story-123", "https://news.example/politics/"),
        ("https://news.example/politics/2024/story-123", "https://news.example/politics/2024"),
        ("https://old.example/world/story-123", "https://new.example/"),  # rebrand to a home
    ],
)
def test_redirect_to_home_or_section_is_detected(original, final):
    assert is_section_or_home(original, final)


@pytest.mark.parametrize(
    ("original", "final"),
    [
        ("http://news.example/world/story-123", "https://news.example/world/story-123"),
        ("https://news.example/world/story-123", "https://news.example/world/story-123/"),
        (
            "https://news.example/world/story-123?utm_source=x",
            "https://news.example/world/story-123",
        ),
        ("https://news.example/world/story-123", "https://www.news.example/world/story-123"),
        # a slug change or a new URL scheme is the article moving, not a takedown
        ("https://news.example/world/story-123", "https://news.example/world/story-123-updated"),
        ("https://news.example/2024/05/story", "https://news.example/2024/05/story-new"),
        ("https://news.example/article/123", "https://news.example/article-123"),
        ("https://news.example/world/story", "https://news.example/police-name-suspect-in-case"),
        ("https://news.example/story-123", "https://news.example/story-124"),
        # a one-segment landing page cannot be told from a slug move: not a takedown
        ("https://www.news.example/world/europe/story-123", "https://news.example/news"),
        ("https://news.example/2017/03/palmyra-story", "https://news.example/palmyra-story"),
        ("https://news.example/amp/story", "https://news.example/story"),
        # an AMP or print variant folding into its article
        ("https://news.example/world/story/amp", "https://news.example/world/story"),
        ("https://news.example/world/story/print", "https://news.example/world/story/"),
        # a home page redirecting to a home page is no takedown
        ("https://news.example/", "https://news.example/index.html"),
        # a section on another site is not recognisable
        ("https://news.example/world/story-123", "https://other.example/world/"),
    ],
)
def test_redirect_elsewhere_is_not_a_takedown(original, final):
    assert not is_section_or_home(original, final)


# -- properties ------------------------------------------------------------------------------

_label = st.from_regex(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?", fullmatch=True)
_hosts = st.one_of(
    st.lists(_label, min_size=1, max_size=4).map(".".join),
    st.sampled_from(["B\u00fccher.example", "\u4f8b\u3048.jp", "0x7f.1", "2130706433"]),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
)
_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=20)
_path = st.lists(
    st.one_of(_text, st.sampled_from([".", "..", "%2e", "%7E", "%2F", "%", "%zz", "%aB"])),
    max_size=5,
).map(lambda parts: "/" + "/".join(parts))
_query = st.lists(
    st.tuples(
        st.one_of(st.sampled_from(["utm_source", "fbclid", "id", "ref", "a b"]), _text), _text
    ),
    max_size=4,
).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))


@st.composite
def _urls(draw):
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "hTTps"]))
    host = draw(_hosts)
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    path = draw(_path)
    query = draw(_query)
    fragment = draw(st.sampled_from(["", "#top", "#"]))
    return f"{scheme}://{host}{port}{path}{'?' + query if query else ''}{fragment}"


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(_urls())
def test_normalize_is_idempotent(url):
    try:
        once = normalize_url(url)
    except InvalidURLError:
        return
    assert normalize_url(once) == once
    assert "#" not in once
    query = urlsplit(once).query
    assert not any(_is_tracking(pair.split("=")[0]) for pair in query.split("&") if pair)
    assert once.isascii()


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_arbitrary_text_is_normalised_or_refused(text):
    try:
        once = normalize_url(text)
    except InvalidURLError:
        return
    assert once.startswith(("http://", "https://"))
    assert normalize_url(once) == once
