"""Parse, validate and normalise the URLs redline tracks (pure: no I/O, no DNS).

This module owns the answer to "is this text a URL redline can track, and what is its one
spelling?".  :func:`normalize_url` is the only place a URL's identity is decided: two texts that
normalise to the same string are the same article URL.  The network guard
(:mod:`archive.netguard`) builds on it; this module must not resolve names or open sockets.

Numeric hosts are read the way browsers read them (the WHATWG URL standard's IPv4 parser), so
``http://2130706433/``, ``http://0x7f.1/`` and ``http://017700000001/`` all normalise to
``http://127.0.0.1/`` and the guard sees the address the fetch would reach.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import Final
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

import idna

from archive.errors import InvalidURLError

ALLOWED_SCHEMES: Final = frozenset({"http", "https"})

# Default ports are dropped: "http://x:80/" and "http://x/" are the same resource.
DEFAULT_PORTS: Final = {"http": 80, "https": 443}
# The longest URL redline tracks or fetches: the width of the archive's URL columns.
MAX_URL_CHARS: Final = 2048

# Query parameters that only say how a reader arrived (campaign, click and share trackers).
# They never select content, so keeping them would make one article look like many URLs.
# Matched case-insensitively on the decoded name.  Deliberately NOT stripped:
#   - "ref": GitHub, GitLab and several CMSs use it to select content (a branch, a revision),
#     so dropping it could merge distinct pages; only the unambiguous Twitter/X widget
#     variants "ref_src" and "ref_url" are stripped.
#   - "id", "p", "story", "page" and the like: they select the article itself.
TRACKING_PARAMS: Final = frozenset(
    {
        "fbclid",  # Facebook click id
        "gclid",  # Google Ads click id
        "gclsrc",  # Google Ads click source
        "dclid",  # Google Display click id
        "gbraid",  # Google Ads (iOS) click id
        "wbraid",  # Google Ads (web-to-app) click id
        "msclkid",  # Microsoft Ads click id
        "yclid",  # Yandex click id
        "twclid",  # Twitter/X Ads click id
        "ttclid",  # TikTok click id
        "li_fat_id",  # LinkedIn first-party ad tracking
        "igshid",  # Instagram share id
        "mc_cid",  # Mailchimp campaign id
        "mc_eid",  # Mailchimp subscriber id
        "_ga",  # Google Analytics cross-domain linker
        "_gl",  # Google Analytics cross-domain linker (gtag)
        "_hsenc",  # HubSpot
        "_hsmi",  # HubSpot
        "mkt_tok",  # Marketo
        "ocid",  # Microsoft/MSN syndication
        "cmpid",  # campaign id used by many publishers (Guardian, Telegraph, ...)
        "ncid",  # campaign id (Yahoo, Reuters, ...)
        "at_medium",  # AT Internet (BBC, ...) campaign fields
        "at_campaign",
        "at_source",
        "at_format",
        "at_link",
        "ref_src",  # Twitter/X embedded-tweet widgets
        "ref_url",
        "__twitter_impression",
        "smid",  # New York Times share id
        "smtyp",  # New York Times share type
    }
)
# Every parameter starting with one of these is a tracker (utm_source, utm_medium, ...).
TRACKING_PARAM_PREFIXES: Final = ("utm_",)

# RFC 3986 unreserved characters: percent-encodings of these are decoded (RFC 3986 §6.2.2.2).
_UNRESERVED: Final = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)
# Characters left as they are in a path or a query; everything else is percent-encoded as UTF-8.
# Reserved characters are never decoded or encoded: "%2F" and "/" mean different things.
_PATH_SAFE: Final = _UNRESERVED | frozenset(b"!$&'()*+,;=:@/")
_QUERY_SAFE: Final = _PATH_SAFE | frozenset(b"?")
_PERCENT_RX: Final = re.compile(r"%[0-9A-Fa-f]{2}")
# WHATWG "forbidden host code points", plus whitespace: a host containing one is malformed.
_FORBIDDEN_HOST_CHARS: Final = frozenset(" \t\n\r#%/:<>?@[\\]^|*\"'(),;=`{}")
# ASCII tab and newlines inside a URL are removed, as browsers do (WHATWG URL, basic parser).
_STRIPPED_INSIDE: Final = str.maketrans("", "", "\t\n\r")
# C0 controls and space are trimmed from both ends, as browsers do.
_TRIMMED: Final = "".join(chr(c) for c in range(0x21))

# Paths that are a site's home page under another name.
HOME_PATHS: Final = frozenset(
    {"/", "/index.html", "/index.htm", "/index.php", "/index.shtml", "/default.aspx", "/home"}
)


@functools.lru_cache(maxsize=4096)
def normalize_url(url: str) -> str:
    """Validate ``url`` and return its one normalised spelling (memoised: it is pure).

    The scheme and host are lowercased, non-ASCII hosts IDNA-encoded, numeric IPv4 hosts
    written as dotted quads, IPv6 hosts compressed, default ports, fragments and tracking
    parameters (:data:`TRACKING_PARAMS`) dropped, dot segments removed, an empty path written
    as ``/`` and percent-encoding made uniform (uppercase hex, unreserved characters decoded,
    reserved ones left alone).  The order of the remaining query parameters is kept.

    >>> normalize_url("HTTPS://Example.COM:443/a/./b%7e?utm_source=x&id=7#top")
    'https://example.com/a/b~?id=7'

    Raises:
        InvalidURLError: not an absolute http(s) URL with a host, or it carries credentials.
    """
    text = url.strip(_TRIMMED).translate(_STRIPPED_INSIDE)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidURLError(f"malformed URL {url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = f"scheme {scheme!r}" if scheme else "no scheme"
        raise InvalidURLError(f"not an http(s) URL ({shown}): {url!r}")
    if "@" in parts.netloc:
        # Credentials in a URL would be stored in the archive, shown in the viewer and sent to
        # the site on every fetch; "http://good.example@evil.example/" is also a classic
        # disguise.  Redline tracks public pages, which never need them.
        raise InvalidURLError(f"URLs with credentials (user:password@) are refused: {url!r}")
    host = _normalize_host(parts, url)
    netloc = host if port is None or port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    path = _remove_dot_segments(_normalize_percent(parts.path, _PATH_SAFE)) or "/"
    query = _strip_tracking(parts.query)
    return urlunsplit(SplitResult(scheme, netloc, path, query, ""))


def site_of(url: str) -> str:
    """The site a URL belongs to: its normalised host without a leading ``www.`` (no port).

    Raises:
        InvalidURLError: as :func:`normalize_url`.
    """
    host = urlsplit(normalize_url(url)).hostname or ""
    return host.removeprefix("www.")


# Trailing path segments that name another rendering of the same article, not the article.
VARIANT_SEGMENTS = frozenset({"amp", "print", "full", "comments", "index.html", "live", "text"})


def is_section_or_home(original_url: str, final_url: str) -> bool:
    """Whether a redirect from an article landed on a home or section page (a takedown sign).

    The heuristic, in order:

    1. The same path (after normalisation, ignoring a trailing slash) is never a takedown:
       that is a scheme, host or tracking change.
    2. A home page (``/``, ``/index.html``, ``/home``... see :data:`HOME_PATHS`) is a takedown
       landing on any site, unless the original was itself a home page.
    3. On the same site, a path whose segments are a strict prefix of the original's
       (``/politics/2024/05/story`` → ``/politics/``) is a section or archive page, unless
       what was dropped is a variant suffix (:data:`VARIANT_SEGMENTS`: an AMP or print
       version folding into its article, ``/world/story/amp`` → ``/world/story``).

    Anything else is not: a slug change (``/2017/03/story`` → ``/story``), another
    article, a move to a new URL scheme.  A false takedown is worse than a missed one: the
    archive keeps the last version either way, and a missed takedown still shows as captures
    of the landing page that fail to extract or differ.

    Raises:
        InvalidURLError: either URL is not valid (see :func:`normalize_url`).
    """
    original = urlsplit(normalize_url(original_url))
    final = urlsplit(normalize_url(final_url))
    original_segments = _segments(original.path)
    final_segments = _segments(final.path)
    if original_segments == final_segments:
        return False
    if final.path.lower() in HOME_PATHS or not final_segments:
        return bool(original_segments) and original.path.lower() not in HOME_PATHS
    if site_of(original_url) != site_of(final_url):
        return False
    dropped = original_segments[len(final_segments) :]
    return (
        len(final_segments) < len(original_segments)
        and original_segments[: len(final_segments)] == final_segments
        and not all(segment.lower() in VARIANT_SEGMENTS for segment in dropped)
    )


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


def _normalize_host(parts: SplitResult, url: str) -> str:
    raw = parts.hostname
    if not raw:
        raise InvalidURLError(f"URL has no host: {url!r}")
    if parts.netloc.startswith("[") or ":" in raw:
        return _ipv6_host(raw, url)
    host = raw.lower()
    if "%" in host:
        # A percent-encoded host ("%65xample.com") is decoded by browsers; read it the same way.
        host = unquote(host)
    host = host.removesuffix(".")
    if not host or any(ch in _FORBIDDEN_HOST_CHARS for ch in host):
        raise InvalidURLError(f"malformed host in URL {url!r}")
    if any(not label for label in host.split(".")):
        raise InvalidURLError(f"empty label in host of URL {url!r}")
    # IDNA mapping first (it folds full-width digits and dots), then the numeric check, in
    # the WHATWG order, so that "１２７.０.０.１" is read as the address it spells.
    host = ".".join(_idna_label(label, url) for label in host.split(".")).removesuffix(".")
    labels = host.split(".")
    if not host or any(not label for label in labels) or _FORBIDDEN_HOST_CHARS & set(host):
        raise InvalidURLError(f"malformed host in URL {url!r}")
    if _ends_in_number(labels[-1]):
        return _ipv4_host(labels, url)
    return host


def _ipv6_host(raw: str, url: str) -> str:
    if "%" in raw:
        raise InvalidURLError(f"IPv6 zone identifiers are not allowed: {url!r}")
    try:
        address = ipaddress.IPv6Address(raw)
    except ValueError:
        raise InvalidURLError(f"malformed IPv6 host in URL {url!r}") from None
    return f"[{address.compressed}]"


def _ends_in_number(label: str) -> bool:
    """WHATWG "ends in a number": the last label is decimal digits or 0x-prefixed hex."""
    if label.isascii() and label.isdigit():
        return True
    return label[:2].lower() == "0x" and all(c in "0123456789abcdefABCDEF" for c in label[2:])


def _ipv4_host(labels: list[str], url: str) -> str:
    """Parse a numeric host as the WHATWG URL standard does (decimal, octal, hex, 1-4 parts)."""
    if len(labels) > 4:
        raise InvalidURLError(f"malformed IPv4 host in URL {url!r}")
    numbers: list[int] = []
    for label in labels:
        try:
            if label[:2].lower() == "0x":
                numbers.append(int(label[2:] or "0", 16))
            elif len(label) > 1 and label.startswith("0"):
                numbers.append(int(label[1:], 8))
            else:
                numbers.append(int(label, 10))
        except ValueError:
            raise InvalidURLError(f"malformed IPv4 host in URL {url!r}") from None
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        raise InvalidURLError(f"IPv4 host out of range in URL {url!r}")
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return str(ipaddress.IPv4Address(value))


def _idna_label(label: str, url: str) -> str:
    if label.isascii() and not label.startswith("xn--"):
        return label
    try:
        if label.isascii():  # an A-label must decode to a valid IDN ("xn--a" does not)
            idna.decode(label)
            return label
        return idna.encode(label, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as exc:
        raise InvalidURLError(f"host is not a valid IDN in URL {url!r}: {exc}") from None


def _normalize_percent(text: str, safe: frozenset[int]) -> str:
    """Uppercase percent-escapes, decode unreserved ones, encode what may not appear bare."""
    out: list[str] = []
    data = text.encode("utf-8", "surrogatepass")
    i = 0
    while i < len(data):
        byte = data[i]
        if byte == 0x25:  # "%"
            escape = data[i : i + 3].decode("latin-1")
            if _PERCENT_RX.fullmatch(escape):
                value = int(escape[1:], 16)
                out.append(chr(value) if value in _UNRESERVED else escape.upper())
                i += 3
                continue
            out.append("%25")  # a lone "%" is a literal percent sign
        elif byte in safe:
            out.append(chr(byte))
        else:
            out.append(f"%{byte:02X}")
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4: resolve "." and ".." segments."""
    if "." not in path:
        return path
    segments = path.split("/")
    output: list[str] = []
    for segment in segments[1:]:
        if segment == ".":
            continue
        if segment == "..":
            if output:
                output.pop()
            continue
        output.append(segment)
    if segments[-1] in (".", ".."):
        output.append("")
    return "/" + "/".join(output)


def _is_tracking(name: str) -> bool:
    key = unquote(name.replace("+", " ")).lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PARAM_PREFIXES)


def _strip_tracking(query: str) -> str:
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        name = pair.split("=", 1)[0]
        if not _is_tracking(name):
            kept.append(_normalize_percent(pair, _QUERY_SAFE))
    return "&".join(kept)
