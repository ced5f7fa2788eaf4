"""Tests for archive.netguard.  No test contacts the network: resolvers are injected."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from archive.errors import ForbiddenDestinationError, InvalidURLError
from archive.netguard import (
    AddrInfo,
    HostVerdicts,
    Resolver,
    Verdict,
    check_address,
    check_url,
    check_url_async,
    ensure_allowed,
)

PUBLIC_V4 = "93.184.215.14"
PUBLIC_V6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"


def fake_resolver(*addresses: str, calls: list[tuple[str, int]] | None = None) -> Resolver:
    """A getaddrinfo stand-in answering every name with ``addresses``."""

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[AddrInfo]:
        if calls is not None:
            calls.append((host, port))
        return [
            (
                socket.AF_INET6 if ":" in a else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (a, port, 0, 0) if ":" in a else (a, port),
            )
            for a in addresses
        ]

    return resolve


def failing_resolver(*args, **kwargs):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def no_dns(*args, **kwargs):
    raise AssertionError("IP literals must not be resolved")


@pytest.mark.parametrize(
    ("ip", "word"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "unique local"),
        ("fd12:3456::1", "unique local"),
        ("169.254.1.1", "link-local"),
        ("169.254.169.254", "cloud metadata"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("fec0::1", "site-local"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "this network"),
        ("::", "unspecified"),
        ("100.64.0.1", "shared address space"),
        ("100.127.255.254", "shared address space"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("192.0.2.1", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("2001:db8::1", "documentation"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("::ffff:100.64.0.1", "shared address space"),
        ("::ffff:0.0.0.0", "unspecified"),
        ("::ffff:224.0.0.1", "multicast"),
        ("::127.0.0.1", "IPv4-compatible"),
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2001::1", "Teredo"),
        ("not-an-ip", "not an IP address"),
    ],
)
def test_blocked_addresses(ip, word):
    verdict = check_address(ip)
    assert verdict.blocked
    assert not verdict.allowed
    assert word in verdict.why


@pytest.mark.parametrize(
    "ip", [PUBLIC_V4, "8.8.8.8", "1.1.1.1", PUBLIC_V6, "::ffff:93.184.215.14", "172.32.0.1"]
)
def test_public_addresses_allowed(ip):
    verdict = check_address(ip)
    assert verdict == Verdict(blocked=False, why="public address")
    assert verdict.allowed


def test_verdict_is_frozen():
    with pytest.raises(AttributeError):
        check_address("8.8.8.8").blocked = True  # type: ignore[misc]


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.com/", "javascript:alert(1)", "gopher://x/", "x.com"],
)
def test_non_http_schemes_blocked(url):
    verdict = check_url(url, allow_private=False, resolve=no_dns)
    assert verdict.blocked and not verdict.unresolved
    assert url in verdict.why
    # the scheme check stays even when private networks are allowed
    assert check_url(url, allow_private=True, resolve=no_dns).blocked


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost.:8080/",  # resolved: answered with loopback below
        "http://2130706433/",  # decimal
        "http://0x7f.1/",  # hex + short form
        "http://0x7F000001/",
        "http://017700000001/",  # octal
        "http://0177.0.0.01/",
        "http://127.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/",
        "http://0/",
        "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/",  # full-width digits
    ],
)
def test_loopback_tricks_blocked(url):
    verdict = check_url(url, allow_private=False, resolve=fake_resolver("127.0.0.1"))
    assert verdict.blocked
    assert not verdict.unresolved


def test_numeric_hosts_are_checked_as_literals_without_dns():
    for url in ("http://2130706433/", "http://0x7f.1/", "http://[::1]/"):
        assert check_url(url, allow_private=False, resolve=no_dns).blocked
    assert check_url(f"http://{PUBLIC_V4}/", allow_private=False, resolve=no_dns).allowed


def test_real_getaddrinfo_agrees_on_numeric_forms():
    # getaddrinfo parses numeric hosts itself (inet_aton), with no DNS traffic: the normalised
    # host and the address a fetch of the raw host would reach are the same.
    for raw in ("2130706433", "0x7f.1", "017700000001", "127.1"):
        infos = socket.getaddrinfo(raw, 80, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
        assert {info[4][0] for info in infos} == {"127.0.0.1"}


def test_public_name_allowed_and_resolved_with_port():
    calls: list[tuple[str, int]] = []
    url = "https://news.example:8443/story"
    verdict = check_url(url, allow_private=False, resolve=fake_resolver(PUBLIC_V4, calls=calls))
    assert verdict.allowed and not verdict.unresolved
    assert calls == [("news.example", 8443)]
    calls.clear()
    check_url(
        "http://news.example/", allow_private=False, resolve=fake_resolver(PUBLIC_V4, calls=calls)
    )
    assert calls == [("news.example", 80)]


def test_every_resolved_address_must_be_allowed():
    resolve = fake_resolver(PUBLIC_V4, PUBLIC_V6, "10.0.0.7")
    verdict = check_url("http://mixed.example/", allow_private=False, resolve=resolve)
    assert verdict.blocked and not verdict.unresolved
    assert "mixed.example resolves to 10.0.0.7" in verdict.why
    both_public = fake_resolver(PUBLIC_V4, PUBLIC_V6)
    assert check_url("http://mixed.example/", allow_private=False, resolve=both_public).allowed


def test_ipv6_resolution_to_mapped_loopback_blocked():
    resolve = fake_resolver("::ffff:127.0.0.1")
    assert check_url("http://sneaky.example/", allow_private=False, resolve=resolve).blocked


@pytest.mark.parametrize("resolve", [failing_resolver, fake_resolver()])
def test_unresolvable_host_is_distinct(resolve):
    verdict = check_url("http://no-such-host.example/", allow_private=False, resolve=resolve)
    assert verdict.unresolved
    assert verdict.blocked  # fail closed for callers that only look at `blocked`
    assert "cannot resolve 'no-such-host.example'" in verdict.why


def test_allow_private_lets_loopback_through():
    resolve = fake_resolver("127.0.0.1")
    assert check_url("http://127.0.0.1:8080/", allow_private=True, resolve=no_dns).allowed
    assert check_url("http://localhost/", allow_private=True, resolve=resolve).allowed
    assert check_url("http://localhost/", allow_private=False, resolve=resolve).blocked


def test_async_check_uses_injected_resolver():
    async def resolve(host, port, **kwargs):
        return fake_resolver("192.168.0.10")(host, port)

    async def public(host, port, **kwargs):
        return fake_resolver(PUBLIC_V4)(host, port)

    async def failing(host, port, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async def run() -> tuple[Verdict, ...]:
        return (
            await check_url_async("http://intranet.example/", allow_private=False, resolve=resolve),
            await check_url_async("http://news.example/", allow_private=False, resolve=public),
            await check_url_async("http://gone.example/", allow_private=False, resolve=failing),
            await check_url_async("http://0x7f.1/", allow_private=False),
            await check_url_async("file:///etc/passwd", allow_private=True),
            await check_url_async("http://intranet.example/", allow_private=True, resolve=resolve),
        )

    private, allowed, gone, literal, file_url, private_ok = asyncio.run(run())
    assert private.blocked and "192.168.0.10" in private.why
    assert allowed.allowed
    assert gone.unresolved
    assert literal.blocked and "loopback" in literal.why
    assert file_url.blocked
    assert private_ok.allowed


def test_async_check_uses_loop_getaddrinfo_by_default():
    resolved = []

    async def run() -> Verdict:
        loop = asyncio.get_running_loop()

        async def fake_getaddrinfo(host, port, **kwargs):
            resolved.append(host)
            return fake_resolver("10.9.8.7")(host, port)

        loop.getaddrinfo = fake_getaddrinfo  # type: ignore[method-assign]
        return await check_url_async("http://corp.example/", allow_private=False)

    assert asyncio.run(run()).blocked
    assert resolved == ["corp.example"]


def test_ensure_allowed():
    ensure_allowed("https://news.example/a", allow_private=False, resolve=fake_resolver(PUBLIC_V4))
    ensure_allowed("http://127.0.0.1:8000/", allow_private=True)
    with pytest.raises(ForbiddenDestinationError, match="loopback"):
        ensure_allowed("http://2130706433/", allow_private=False, resolve=no_dns)
    with pytest.raises(ForbiddenDestinationError, match=r"intranet\.example"):
        ensure_allowed(
            "http://intranet.example/", allow_private=False, resolve=fake_resolver("10.0.0.1")
        )
    with pytest.raises(InvalidURLError, match="'file'"):
        ensure_allowed("file:///etc/passwd", allow_private=True)
    # a momentary DNS failure does not stop tracking: every fetch is checked again
    ensure_allowed("http://down.example/", allow_private=False, resolve=failing_resolver)


def test_host_verdicts_resolve_each_host_once_per_ttl_and_never_keep_a_failure():
    calls: list[str] = []
    failing = {"gone.example"}

    async def resolve(host, port, **kwargs):
        calls.append(host)
        if host in failing:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return fake_resolver("10.0.0.1" if host == "intranet.example" else PUBLIC_V4)(host, port)

    now = [0.0]
    verdicts = HostVerdicts(allow_private=False, ttl_s=60.0, resolve=resolve, clock=lambda: now[0])

    async def run() -> list[Verdict]:
        seen = [await verdicts.check(f"http://news.example/{n}") for n in range(3)]
        seen += [await verdicts.check("http://intranet.example/a") for _ in range(2)]
        seen += [await verdicts.check("http://gone.example/a") for _ in range(2)]
        seen.append(await verdicts.check("http://0x7f.1/"))  # a literal: no DNS at all
        now[0] = 61.0
        seen.append(await verdicts.check("http://news.example/again"))
        return seen

    seen = asyncio.run(run())
    assert [v.allowed for v in seen[:3]] == [True, True, True]
    assert all(v.blocked and "10.0.0.1" in v.why for v in seen[3:5])
    assert all(v.unresolved for v in seen[5:7])
    assert seen[7].blocked and "loopback" in seen[7].why
    assert seen[8].allowed
    assert calls == [
        "news.example",
        "intranet.example",
        "gone.example",
        "gone.example",
        "news.example",
    ]
