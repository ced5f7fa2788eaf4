"""Link-format (RFC 6690) and HTTP ``Link`` headers (RFC 8288), written safely.

Both carry the same grammar: ``<target>; rel="..."; name=value, <target>; ...``.  Targets
come from archived URLs, which are hostile input: a ``>`` would end the target early, a quote
or a comma could forge a relation, and a CR or LF in a header would start a new header.
:func:`link_target` therefore percent-encodes every character outside printable ASCII and
the link-format metacharacters ``<>"\\`` (plus space and the other characters RFC 3986 never
allows unencoded); parameter values are quoted with ``"`` and ``\\`` escaped and control
characters dropped.  What comes out can be parsed by the plainest splitter and can never hold
a line break.

>>> render_links([Link("https://news.example/a>b", ("original",))])
'<https://news.example/a%3Eb>; rel="original"'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Characters a target may hold as they are: RFC 3986 unreserved and reserved characters and
# "%" (already percent-encoded octets stay as they are).
_TARGET_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
)
#: One character outside :data:`_TARGET_SAFE` (one regular-expression pass instead of a Python
#: loop over every character of every URL of a TimeMap).
_UNSAFE = re.compile("[^" + re.escape("".join(sorted(_TARGET_SAFE))) + "]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def link_target(url: str) -> str:
    """``url`` with every character that could end or break a link target percent-encoded.

    >>> link_target('https://x.example/a b"<>\\r\\nSet-Cookie: x')
    'https://x.example/a%20b%22%3C%3E%0D%0ASet-Cookie:%20x'
    """
    return _UNSAFE.sub(_percent_encoded, url)


def _percent_encoded(match: re.Match[str]) -> str:
    return "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8"))


def quoted(value: str) -> str:
    """A quoted-string parameter value: control characters dropped, ``\\`` and ``"`` escaped.

    Non-ASCII characters are kept; :func:`render_links` is for link-format bodies, and
    :func:`header_value` encodes them for headers.
    """
    clean = _CONTROL.sub("", value)
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Link:
    """One link: a target, its relation types and further parameters (name, value) in order."""

    target: str
    rels: tuple[str, ...]
    params: tuple[tuple[str, str], ...] = ()

    def render(self) -> str:
        parts = [f"<{link_target(self.target)}>", f"rel={quoted(' '.join(self.rels))}"]
        for name, value in self.params:
            if not re.fullmatch(r"[a-z][a-z0-9*-]*", name):
                raise ValueError(f"not a link parameter name: {name!r}")
            parts.append(f"{name}={quoted(value)}")
        return "; ".join(parts)


def render_links(links: Iterable[Link], separator: str = ", ") -> str:
    """Links joined as one ``Link`` header value (default) or, with ``",\\n"``, a link-format
    document with one link a line."""
    return separator.join(link.render() for link in links)


def header_value(links: Sequence[Link]) -> str:
    """A ``Link`` header value that is pure printable ASCII (non-ASCII percent-encoded)."""
    text = render_links(links)
    return "".join(
        ch if 0x20 <= ord(ch) < 0x7F else "".join(f"%{b:02X}" for b in ch.encode("utf-8"))
        for ch in text
    )


def merge(links: Iterable[Link]) -> list[Link]:
    """Links to the same target folded into one, relation types in order of appearance.

    Parameters come from the first link to the target.  Clients such as the Memento client
    key links by target, so ``rel="first memento"`` must be one link, not two.
    """
    merged: dict[str, Link] = {}
    for link in links:
        seen = merged.get(link.target)
        if seen is None:
            merged[link.target] = link
            continue
        rels = seen.rels + tuple(r for r in link.rels if r not in seen.rels)
        params = seen.params + tuple(p for p in link.params if p[0] not in dict(seen.params))
        merged[link.target] = Link(seen.target, rels, params)
    return list(merged.values())
