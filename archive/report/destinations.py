"""Where a subscription's reports go: an email address, a signed webhook, or an Apprise URL.

The kind is recognised from the value itself:

* ``desk@example.org`` (no ``://``) is an **email** address;
* ``https://…`` (or ``http://…`` when ``allow_private_networks`` is on) is a **webhook** that
  receives signed JSON (:mod:`archive.report.webhook_payload`, :mod:`archive.report.signing`);
* any other ``scheme://…`` is an **Apprise** URL (``slack://``, ``matrix://``, ``ntfy://``,
  ``json://``…), sent through the optional ``apprise`` package.

A webhook is checked by the network guard (:mod:`archive.netguard`) when it is subscribed and
again before every send, so a subscription cannot reach the cloud metadata service or the
private network.  An Apprise URL whose host is a network address (a dotted name, an IP
literal, ``localhost``) is checked the same way; service URLs such as ``slack://TOKEN/…``
name no host of their own.

Destinations often carry secrets (a Slack hook's path, an ntfy token, a password): they are
stored as given, because sending needs them, and shown only through :func:`mask`.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from archive.errors import ForbiddenDestinationError, SubscriptionError
from archive.netguard import check_url

#: What to install for Apprise destinations, named in the error when it is missing.
APPRISE_HINT = "pip install 'redline[apprise]'"


class DestinationKind(StrEnum):
    """How reports reach a subscription (the ``subscriptions.kind`` column)."""

    EMAIL = "email"
    WEBHOOK = "webhook"
    APPRISE = "apprise"


def kind_of(value: str) -> DestinationKind:
    """The kind of destination ``value`` names (no check beyond the form).

    >>> [kind_of(v).value for v in ("a@b.org", "https://h.example/x", "slack://T/B/C")]
    ['email', 'webhook', 'apprise']
    """
    text = value.strip()
    scheme, sep, _ = text.partition("://")
    if not sep:
        return DestinationKind.EMAIL
    if scheme.lower() in ("http", "https"):
        return DestinationKind.WEBHOOK
    return DestinationKind.APPRISE


def check_webhook(url: str, *, allow_private: bool) -> None:
    """Raise unless reports may be POSTed to ``url`` (at subscribe and before each send).

    ``https`` is required, except with ``allow_private`` (tests, intranets), which also lets
    ``http`` and private, loopback and link-local addresses through.  A host that does not
    resolve now is let through (every send checks again).

    Raises:
        SubscriptionError: not an http(s) URL, or ``http`` without ``allow_private``.
        ForbiddenDestinationError: the network guard refuses the address.
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SubscriptionError(f"not a webhook URL: {mask(DestinationKind.WEBHOOK, url)!r}")
    if parts.scheme.lower() == "http" and not allow_private:
        raise ForbiddenDestinationError(
            f"refused webhook {mask(DestinationKind.WEBHOOK, url)!r}: plain http is allowed"
            " only with allow_private_networks (use https)"
        )
    _guard(url, allow_private=allow_private, shown=mask(DestinationKind.WEBHOOK, url))


def check_apprise(url: str, *, allow_private: bool) -> Any:
    """The Apprise plugin for ``url``, after the checks (see the module docstring).

    Raises:
        SubscriptionError: Apprise is not installed, or does not know the URL.
        ForbiddenDestinationError: the URL's host is refused by the network guard.
    """
    if not apprise_installed():
        raise SubscriptionError(
            f"{url.partition('://')[0]}:// destinations need Apprise: {APPRISE_HINT}"
        )
    import apprise

    plugin = apprise.Apprise.instantiate(url.strip(), suppress_exceptions=True)
    if plugin is None:
        raise SubscriptionError(
            f"not an Apprise URL Apprise can send to: {mask(DestinationKind.APPRISE, url)!r}"
        )
    host = network_host(url)
    if host is not None:
        port = urlsplit(url.strip()).port
        probe = f"http://{_bracket(host)}{f':{port}' if port else ''}/"
        _guard(probe, allow_private=allow_private, shown=mask(DestinationKind.APPRISE, url))
    return plugin


def apprise_installed() -> bool:
    """Whether the optional ``apprise`` package can be imported."""
    try:
        import apprise  # noqa: F401
    except ImportError:
        return False
    return True


def network_host(url: str) -> str | None:
    """The host of an Apprise URL when it is a network address, else None.

    >>> network_host("json://127.0.0.1:8080/"), network_host("slack://TOKEN/B/C")
    ('127.0.0.1', None)
    """
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    if host == "localhost" or "." in host or _is_ip(host):
        return host
    return None


def mask(kind: DestinationKind | str, value: str) -> str:
    """``value`` as it may be shown: secrets and tokens replaced by ``****`` or cut.

    Email addresses are shown whole.  Webhooks keep their scheme, host and port; user
    information is hidden and each path segment or query value longer than four characters is
    cut to its first two.  Apprise URLs are masked by Apprise itself when it is installed
    (it knows which part of each service's URL is secret), else like webhooks with the host
    masked too (``slack://TOKEN/…`` carries its token where a host would be).

    >>> mask("webhook", "https://u:pw@hooks.example/services/T0AAAA/B0BBBB/XXXXYYYY?k=secret")
    'https://****@hooks.example/se…/T0…/B0…/XX…?k=se…'
    """
    kind = DestinationKind(kind)
    text = value.strip()
    if kind is DestinationKind.EMAIL:
        return text
    if kind is DestinationKind.APPRISE:
        masked = _apprise_privacy_url(text)
        if masked is not None:
            return masked
    return _generic_mask(text, keep_host=kind is DestinationKind.WEBHOOK)


def scrub(text: str, value: str, kind: DestinationKind | str) -> str:
    """``text`` (an error message, a log line) with every secret part of ``value`` masked."""
    shown = mask(kind, value)
    out = text.replace(value.strip(), shown)
    for piece in _secret_pieces(value):
        out = out.replace(piece, piece[:2] + "…")
    return out


def _guard(url: str, *, allow_private: bool, shown: str) -> None:
    verdict = check_url(url, allow_private=allow_private)
    if verdict.blocked and not verdict.unresolved:
        raise ForbiddenDestinationError(f"refused destination {shown!r}: {verdict.why}")


def _apprise_privacy_url(url: str) -> str | None:
    if not apprise_installed():
        return None
    import apprise

    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if plugin is None:
        return None
    private = str(plugin.url(privacy=True))  # type: ignore[no-untyped-call]
    return private.partition("?")[0]  # the query holds Apprise's defaults, not the user's


def _generic_mask(url: str, *, keep_host: bool) -> str:
    try:
        parts = urlsplit(url)
        netloc_host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return url.partition("://")[0] + "://****"
    host = _bracket(netloc_host) if keep_host else _cut(netloc_host)
    netloc = ("****@" if "@" in parts.netloc else "") + host + (f":{port}" if port else "")
    path = "/".join(_cut(segment) for segment in parts.path.split("/"))
    query = "&".join(
        f"{name}={_cut(val)}" if sep else _cut(name)
        for name, sep, val in (item.partition("=") for item in parts.query.split("&") if item)
    )
    return urlunsplit((parts.scheme, netloc, path, query, ""))


def _secret_pieces(url: str) -> list[str]:
    """The parts of ``url`` that may be secret (long path segments, query values, userinfo)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return []
    pieces = [parts.password or "", parts.username or ""]
    pieces += parts.path.split("/")
    pieces += [item.partition("=")[2] for item in parts.query.split("&")]
    if network_host(url) is None:
        pieces.append(parts.hostname or "")
    return sorted({p for p in pieces if len(p) > 4}, key=len, reverse=True)


def _cut(text: str) -> str:
    return text if len(text) <= 4 else text[:2] + "…"


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host
