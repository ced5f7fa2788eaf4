"""Archived pages made safe to show: a rewrite with beautifulsoup4, and WARC record bytes.

An archived page is hostile input.  :func:`defang` keeps its text, structure and inline styles
and removes everything that could run code or make the reader's browser contact anyone:

- elements: scripts, frames, objects and embeds, forms and their controls, ``<base>``,
  ``<link>``, ``<meta>``, ``<noscript>``, ``<template>``, media, SVG animation, and images
  (redline archives no images today; an image is replaced by its ``alt`` text);
- attributes: only a short allow-list survives (``class``, ``id``, ``title``, ``alt``,
  ``lang``, table spans...), so no event handler and no URL-bearing attribute (``href``,
  ``src``, ``srcset``, ``action``, ``poster``, ``xlink:href``...) is left; a link keeps its
  text, and its target moves into its ``title``;
- CSS: ``url(...)``, ``image-set(...)``, ``@import`` and ``expression(...)`` are removed from
  ``<style>`` blocks and ``style`` attributes, and any CSS with a backslash escape is dropped
  whole (escapes could spell those words).

The viewer also serves the result with ``Content-Security-Policy: sandbox`` and no source
allowed for scripts, frames or connections, so a mistake here still runs nothing.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path
from typing import Any

from bs4 import BeautifulSoup, Comment, Doctype, Tag

from archive.extract.decode import decode_body
from archive.warc import is_plain_file_name

REMOVED_ELEMENTS = frozenset(
    {
        "script", "noscript", "template", "iframe", "frame", "frameset", "object", "embed",
        "applet", "form", "input", "button", "select", "textarea", "option", "optgroup",
        "datalist", "output", "keygen", "base", "link", "meta", "portal", "fencedframe",
        "audio", "video", "source", "track", "picture", "canvas", "dialog", "animate",
        "set", "animatemotion", "animatetransform", "image", "feimage", "use", "foreignobject",
        "param", "math", "slot",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = frozenset(
    {
        "class", "id", "title", "alt", "lang", "dir", "colspan", "rowspan", "headers", "scope",
        "datetime", "width", "height", "align", "valign", "start", "reversed", "type",
        "viewbox", "d", "fill", "stroke", "points", "cx", "cy", "r", "x", "y", "rx", "ry",
    }
)  # fmt: skip
_RISKY_CSS = re.compile(r"url\s*\(|image-set\s*\(|@import|expression\s*\(|behavior\s*:", re.I)
_CSS_URL = re.compile(r"(?:-webkit-)?(?:url|image-set|expression)\s*\([^)]*\)?", re.I)
_CSS_IMPORT = re.compile(r"@import[^;]*;?", re.I)

#: The policy the snapshot is served with: sandboxed, no script, nothing fetched from anywhere
#: but inline styles and data: images, framed only by the viewer's own pages.
SNAPSHOT_POLICY = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def clean_css(css: str) -> str:
    """``css`` without anything that fetches or runs; "" when it cannot be trusted at all."""
    if "\\" in css or "<" in css:
        return ""
    css = _CSS_IMPORT.sub("", css)
    css = _CSS_URL.sub("none", css)
    return "" if _RISKY_CSS.search(css) else css


def defang(body: bytes, content_type: str | None = None) -> str:
    """The archived HTML page as a self-contained, inert HTML document (see the module doc)."""
    soup = BeautifulSoup(decode_body(body, content_type), "html.parser")
    for node in soup.find_all(string=lambda s: isinstance(s, Comment | Doctype)):
        node.extract()
    for element in soup.find_all(True):
        if not isinstance(element, Tag) or element.decomposed:
            continue
        name = element.name.lower()
        if name == "img":
            alt = element.get("alt")
            element.replace_with(f"[image: {alt}]" if isinstance(alt, str) and alt else "")
            continue
        if name in REMOVED_ELEMENTS or ":" in name:
            element.decompose()
            continue
        if name == "style":
            element.string = clean_css(element.get_text())
            element.attrs = {}
            continue
        _clean_attributes(element)
    document = str(soup)
    return "<!DOCTYPE html>\n" + document


def _clean_attributes(element: Tag) -> None:
    attributes = dict(element.attrs)
    kept: dict[str, Any] = {}
    for name, value in attributes.items():
        key = name.lower()
        if key in ALLOWED_ATTRIBUTES:
            text = " ".join(value) if isinstance(value, list) else str(value)
            if "javascript:" in text.lower().replace(" ", "") or "url(" in text.lower():
                continue
            kept[name] = value
        elif key == "style":
            css = clean_css(str(value))
            if css:
                kept[name] = css
    if element.name.lower() == "a" and isinstance(attributes.get("href"), str):
        target = str(attributes["href"]).strip()
        if target and not target.lower().startswith(("javascript:", "data:", "vbscript:")):
            kept["title"] = f"Link in the archived page: {target[:500]}"
    element.attrs = kept


# -- WARC records ----------------------------------------------------------------------------

OPEN_SUFFIX = ".open"
MAX_MEMBER_BYTES = 256 * 1024 * 1024


def warc_path(directory: Path, name: str) -> Path:
    """The WARC file ``name`` in ``directory`` (its final or its ``.open`` name).

    Raises:
        FileNotFoundError: no such file, or a name that is not a plain file name.
    """
    if not is_plain_file_name(name):
        raise FileNotFoundError(f"not a WARC file name: {name!r}")
    for candidate in (name, name + OPEN_SUFFIX, name):
        path = directory / candidate
        if path.is_file():
            return path
    raise FileNotFoundError(f"WARC file not found: {name}")


def read_member(directory: Path, name: str, offset: int) -> bytes:
    """The gzip member (one WARC record, compressed as stored) at ``offset`` of a WARC file.

    The bytes are a valid ``.warc.gz`` file on their own: one record.

    Raises:
        FileNotFoundError: the file is gone.
        ValueError: no complete gzip member starts at ``offset``.
    """
    path = warc_path(directory, name)
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    taken = bytearray()
    with open(path, "rb") as fh:
        fh.seek(offset)
        while not inflater.eof:
            chunk = fh.read(64 * 1024)
            if not chunk:
                raise ValueError(f"{name}:{offset}: the record is cut short")
            try:
                inflater.decompress(chunk)
            except zlib.error as exc:
                raise ValueError(f"{name}:{offset}: not a gzip member ({exc})") from None
            taken.extend(chunk)
            if len(taken) > MAX_MEMBER_BYTES:
                raise ValueError(f"{name}:{offset}: record larger than {MAX_MEMBER_BYTES} bytes")
    return bytes(taken[: len(taken) - len(inflater.unused_data)])
