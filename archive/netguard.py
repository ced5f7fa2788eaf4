"""The network guard: the one place that decides whether redline may fetch a destination.

Redline fetches URLs that users (and feeds, and redirects) hand it, from a machine that often
sits next to things that must not be fetched: the loopback interface, the private network, a
cloud metadata service on ``169.254.169.254``.  Every fetch and every redirect goes through
:func:`check_url` (or :func:`check_url_async` in the crawler) first.

Rules:

- The URL must pass :func:`archive.urls.normalize_url` (http or https, a host, no credentials).
  Numeric hosts are read as browsers read them, so ``http://2130706433/`` is ``127.0.0.1``.
- An IP literal is checked directly; a name is resolved and *every* address it resolves to
  must be allowed (one private address in the answer blocks the fetch).
- A name that does not resolve gives a verdict with ``unresolved=True``.  It is also
  ``blocked`` (fail closed: a caller that only looks at ``blocked`` never fetches it), but the
  crawler records it as a DNS failure, not as a forbidden destination.
- ``allow_private=True`` (the ``allow_private_networks`` setting: tests, demos, intranets)
  turns the address check off; the scheme check stays.

This module decides; it does not connect.  It cannot stop DNS rebinding between the check and
the connection: the crawler checks redirects again and the fetch is short-lived.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from archive.errors import ForbiddenDestinationError, InvalidURLError
from archive.urls import DEFAULT_PORTS, MAX_URL_CHARS, normalize_url

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# What getaddrinfo returns: (family, type, proto, canonname, sockaddr); sockaddr[0] is the IP.
AddrInfo = tuple[Any, Any, Any, Any, tuple[Any, ...]]
Resolver = Callable[..., Sequence[AddrInfo]]
AsyncResolver = Callable[..., Awaitable[Sequence[AddrInfo]]]

# Blocked IPv4 ranges, most specific first, each with the reason shown to the user.
# Sources: RFC 6890 special-purpose registry; IANA IPv4 special registry.
_BLOCKED_V4: Final = tuple(
    (ipaddress.IPv4Network(net), why)
    for net, why in (
        ("255.255.255.255/32", "limited broadcast address"),
        ("169.254.169.254/32", "link-local cloud metadata service"),
        ("0.0.0.0/8", "'this network' / unspecified address"),  # 0.0.0.0 reaches localhost
        ("10.0.0.0/8", "private network (RFC 1918)"),
        ("100.64.0.0/10", "shared address space / carrier-grade NAT (RFC 6598)"),
        ("127.0.0.0/8", "loopback address"),
        ("169.254.0.0/16", "link-local address"),
        ("172.16.0.0/12", "private network (RFC 1918)"),
        ("192.0.0.0/24", "IETF protocol assignment"),
        ("192.0.2.0/24", "documentation address (TEST-NET-1)"),
        ("192.88.99.0/24", "6to4 relay anycast (deprecated)"),
        ("192.168.0.0/16", "private network (RFC 1918)"),
        ("198.18.0.0/15", "benchmarking network"),
        ("198.51.100.0/24", "documentation address (TEST-NET-2)"),
        ("203.0.113.0/24", "documentation address (TEST-NET-3)"),
        ("224.0.0.0/4", "multicast address"),
        ("240.0.0.0/4", "reserved address"),
    )
)
# Blocked IPv6 ranges.  IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4
# (2002::/16) addresses are not listed: the IPv4 address inside them is checked instead.
_BLOCKED_V6: Final = tuple(
    (ipaddress.IPv6Network(net), why)
    for net, why in (
        ("::/128", "unspecified address"),
        ("::1/128", "loopback address"),
        ("::/96", "IPv4-compatible address (deprecated)"),
        ("64:ff9b:1::/48", "local-use NAT64 address"),
        ("100::/64", "discard-only address"),
        ("2001::/32", "Teredo tunnel address"),  # tunnels can reach anything
        ("2001:db8::/32", "documentation address"),
        ("2001::/23", "IETF protocol assignment"),
        ("fc00::/7", "unique local address (private network)"),
        ("fe80::/10", "link-local address"),
        ("fec0::/10", "site-local address (deprecated)"),
        ("ff00::/8", "multicast address"),
    )
)
_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")


@dataclass(frozen=True)
class Verdict:
    """The guard's decision about one destination.

    ``unresolved`` means the host did not resolve: ``blocked`` is then true as well (nothing
    can be fetched), and ``why`` carries the resolver's message.
    """

    blocked: bool
    why: str
    unresolved: bool = False

    @property
    def allowed(self) -> bool:
        return not self.blocked


ALLOWED: Final = Verdict(blocked=False, why="public address")


def check_address(ip: str) -> Verdict:
    """Decide about one IP address (IPv4 or IPv6, with or without an IPv6 zone suffix).

    >>> check_address("169.254.169.254")
    Verdict(blocked=True, why='169.254.169.254 is a link-local cloud metadata service', \
unresolved=False)
    """
    try:
        address: IPAddress = ipaddress.ip_address(ip)
    except ValueError:
        return Verdict(blocked=True, why=f"not an IP address: {ip!r}")
    why = _blocked_reason(address)
    if why is None:
        return ALLOWED
    return Verdict(blocked=True, why=f"{ip} is a {why}")


def _blocked_reason(address: IPAddress) -> str | None:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            inner = _blocked_reason(embedded)
            return None if inner is None else f"{inner} (embedded in IPv6 {address})"
        table: tuple[tuple[Any, str], ...] = _BLOCKED_V6
    else:
        table = _BLOCKED_V4
    for network, why in table:
        if address in network:
            return str(why)
    if not address.is_global:
        # Anything the tables above missed but the standard library knows is not routable.
        return "reserved (not globally routable) address"
    return None


def check_url(url: str, *, allow_private: bool, resolve: Resolver = socket.getaddrinfo) -> Verdict:
    """Decide whether redline may fetch ``url``.

    Args:
        url: the URL as given (it is normalised here).
        allow_private: skip the address check (the ``allow_private_networks`` setting).
        resolve: ``socket.getaddrinfo`` or a stand-in with its signature (for tests).

    Returns:
        A :class:`Verdict`; an invalid URL or scheme is a blocked verdict naming it.
    """
    decided = _before_dns(url, allow_private)
    if isinstance(decided, Verdict):
        return decided
    host, port = decided
    try:
        infos = resolve(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        return _unresolved(host, exc)
    return _judge_all(host, infos)


async def check_url_async(
    url: str, *, allow_private: bool, resolve: AsyncResolver | None = None
) -> Verdict:
    """:func:`check_url` for asyncio code: resolves with the running loop's ``getaddrinfo``."""
    decided = _before_dns(url, allow_private)
    if isinstance(decided, Verdict):
        return decided
    return await _resolve_async(decided, resolve)


class HostVerdicts:
    """:func:`check_url_async` that keeps each host's verdict for ``ttl_s`` seconds.

    A crawl fetches many pages of one site: resolving its name again for every request (in a
    thread, as ``getaddrinfo`` blocks) costs more than the fetch's own bookkeeping.  Hosts that
    do not resolve are not kept (the next request asks again).  Scrapy resolves the name again
    to connect (and keeps its answer for the whole crawl), so the window between this check and
    the connection is no wider than without the cache.
    """

    def __init__(
        self,
        *,
        allow_private: bool,
        ttl_s: float = 60.0,
        resolve: AsyncResolver | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.allow_private = allow_private
        self.ttl_s = ttl_s
        self._resolve = resolve
        self._clock = clock
        self._verdicts: dict[tuple[str, int], tuple[float, Verdict]] = {}

    async def check(self, url: str) -> Verdict:
        decided = _before_dns(url, self.allow_private)
        if isinstance(decided, Verdict):
            return decided
        now = self._clock()
        kept = self._verdicts.get(decided)
        if kept is not None and kept[0] > now:
            return kept[1]
        verdict = await _resolve_async(decided, self._resolve)
        if not verdict.unresolved:
            self._verdicts[decided] = (now + self.ttl_s, verdict)
        return verdict


async def _resolve_async(target: tuple[str, int], resolve: AsyncResolver | None) -> Verdict:
    host, port = target
    resolver = resolve or asyncio.get_running_loop().getaddrinfo
    try:
        infos = await resolver(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        return _unresolved(host, exc)
    return _judge_all(host, infos)


def ensure_allowed(
    url: str, *, allow_private: bool, resolve: Resolver = socket.getaddrinfo
) -> None:
    """Raise unless ``url`` may be tracked (for ``redline track``).

    A host that does not resolve *now* is let through: DNS can be down for a moment, every
    fetch is checked again, and the crawler records the DNS failure.

    Raises:
        InvalidURLError: not an http(s) URL redline can track, or one longer than
            ``MAX_URL_CHARS`` once normalised.
        ForbiddenDestinationError: the destination is refused; the message says why.
    """
    normalized = normalize_url(url)  # raises InvalidURLError with the precise reason
    if len(normalized) > MAX_URL_CHARS:
        raise InvalidURLError(
            f"URL too long: {len(normalized)} characters; redline tracks URLs of up to"
            f" {MAX_URL_CHARS}"
        )
    verdict = check_url(url, allow_private=allow_private, resolve=resolve)
    if verdict.blocked and not verdict.unresolved:
        raise ForbiddenDestinationError(f"refused destination {url!r}: {verdict.why}")


def _before_dns(url: str, allow_private: bool) -> tuple[str, int] | Verdict:
    """The verdict when no DNS is needed (bad URL, permission, IP literal), else (host, port)."""
    target = _target(url)
    if isinstance(target, Verdict):
        return target
    if allow_private:
        return Verdict(blocked=False, why="private networks allowed")
    literal = _literal(target[0])
    if literal is not None:
        return check_address(literal)
    return target


def _target(url: str) -> tuple[str, int] | Verdict:
    try:
        parts = urlsplit(normalize_url(url))
    except InvalidURLError as exc:
        return Verdict(blocked=True, why=str(exc))
    host = parts.hostname or ""
    return host, parts.port or DEFAULT_PORTS[parts.scheme]


def _literal(host: str) -> str | None:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None
    return host


def _unresolved(host: str, exc: BaseException) -> Verdict:
    return Verdict(blocked=True, why=f"cannot resolve {host!r}: {exc}", unresolved=True)


def _judge_all(host: str, infos: Sequence[AddrInfo]) -> Verdict:
    if not infos:
        return _unresolved(host, OSError("no addresses"))
    for info in infos:
        verdict = check_address(str(info[4][0]))
        if verdict.blocked:
            return Verdict(blocked=True, why=f"{host} resolves to {verdict.why}")
    return ALLOWED
