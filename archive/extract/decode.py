"""Bytes to text: pick the charset, decode, and refuse what is not an HTML page.

Order of evidence for the charset: a byte-order mark, the ``charset`` parameter of the
``Content-Type`` header, a ``<meta charset>`` / ``http-equiv`` declaration near the top of the
document, strict UTF-8, and last charset-normalizer's detection.  A declared charset that
does not decode is treated as a lie and detection takes over.

This module raises :class:`~archive.errors.ExtractionError` with ``NOT_HTML`` (a PDF, an image,
JSON...) or ``BAD_ENCODING`` (text that is mostly undecodable).  It does no parsing beyond a
few regular expressions over the first bytes.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from archive.enums import FailureReason
from archive.errors import ExtractionError

# Content types that can hold an article.  text/plain is excluded: a text file has no
# headline or metadata and is not what a news URL serves.
HTML_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml"})

# The HTML5 prescan looks for <meta charset> in the first 1024 bytes; real CMSes put it after
# long comment blocks and inline scripts, so we look further (4 KiB is still a negligible scan).
META_SCAN_BYTES = 4096

# How far to look for HTML tags before deciding a body is not HTML.  Pages open with doctype,
# <html> or <head> within the first few hundred bytes; 64 KiB tolerates a long preamble.
HTML_SNIFF_CHARS = 65536

# Share of undecodable characters (U+FFFD or C0 controls) above which the page is broken.  A
# mislabelled Latin-1 page decoded as UTF-8 loses its accented letters (a few per cent of the
# text); we only give up when the page is mostly garbage, i.e. binary or a wrong multi-byte
# charset.  Measured on the whole document, markup included, so a quarter is a lot.
MAX_BAD_CHAR_RATIO = 0.25

# Magic numbers of common non-HTML payloads served under an article URL.
_BINARY_MAGIC = (
    b"%PDF-",
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",  # JPEG
    b"RIFF",  # WebP, WAV, AVI
    b"PK\x03\x04",  # ZIP, DOCX, EPUB
    b"\x1f\x8b",  # gzip that nobody decompressed
    b"OggS",
    b"ID3",  # MP3
)

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_HTML_TAG = re.compile(
    r"<(?:!doctype\s+html|html|head|body|meta|title|article|main|div|p|h1|section)[\s>/]",
    re.IGNORECASE,
)
# C0 controls other than tab, LF, FF and CR: never in text, and lxml refuses some of them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
# A numeric character reference, decimal or hex, with or without its ';' (HTML reads both).
_NUMERIC_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));?")
# Code points that XML 1.0 does not allow (C0 controls other than tab, LF and CR; surrogates;
# U+FFFE and U+FFFF) and that libxml2 still hands over when a page names them by reference.
# trafilatura builds its output as XML: one such character anywhere in the tree makes it drop
# the whole document.  NUL and surrogates are left alone: libxml2 reads them as U+FFFD.
_XML_FORBIDDEN = frozenset([*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF])


def count_controls(text: str) -> int:
    """How many characters of ``text`` ``_CONTROL`` matches.

    Counted on the UTF-8 bytes, where these characters are the same single bytes and no other
    character contains them: a deleting ``bytes.translate`` is five times faster than the
    regular expression over a whole page (0.12 against 0.65 ms on the corpus pages).
    """
    encoded = text.encode("utf-8", "surrogatepass")
    return len(encoded) - len(encoded.translate(None, _CONTROL_BYTES))


def _neutral(match: re.Match[str]) -> str:
    hexadecimal, decimal = match.groups()
    try:
        code = int(hexadecimal, 16) if hexadecimal else int(decimal)
    except ValueError:  # pragma: no cover - the pattern only matches digits
        return match.group(0)
    if code in _XML_FORBIDDEN:
        # a vertical tab is a word processor's line break: a space; the rest are dropped, as
        # the raw characters are
        return " " if code == 0x0B else ""
    return match.group(0)


def neutralise_control_references(text: str) -> str:
    """``text`` without numeric character references to characters XML cannot hold.

    ``&#11;``, ``&#x1b``, ``&#65534;``... (decimal or hex, with or without ``;``): the raw
    characters are removed by :func:`decode_body`, but a reference reaches the parsed tree,
    and a single one makes trafilatura discard the whole article.  A reference to a vertical
    tab becomes a space (word processors write it for a line break), the others nothing.
    """
    if "&#" not in text:
        return text
    return _NUMERIC_REFERENCE.sub(_neutral, text)


def media_type(content_type: str | None) -> str | None:
    """The lower-cased ``type/subtype`` of a Content-Type header value, or ``None``."""
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def check_content_type(content_type: str | None) -> None:
    """Raise ``NOT_HTML`` when the header names a type that cannot hold an article."""
    kind = media_type(content_type)
    if kind is None or kind in HTML_CONTENT_TYPES or kind.endswith("+xml"):
        return
    raise ExtractionError(FailureReason.NOT_HTML, f"content type {kind}")


def _codec(name: str | bytes | None) -> str | None:
    if not name:
        return None
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    try:
        codec = codecs.lookup(name.strip()).name
    except LookupError:
        return None
    # WHATWG: a page labelled latin-1/ascii is decoded as windows-1252 by every browser.
    return "cp1252" if codec in {"latin-1", "iso8859-1", "ascii"} else codec


def _declared_charsets(body: bytes, content_type: str | None) -> list[str]:
    found: list[str] = []
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match and (codec := _codec(match.group(1))):
            found.append(codec)
    meta = _META_CHARSET.search(body[:META_SCAN_BYTES])
    if meta and (codec := _codec(meta.group(1))):
        found.append(codec)
    return found


def undecodable_ratio(text: str, controls: int | None = None) -> float:
    """Share of characters in ``text`` that are U+FFFD or control characters (``controls``:
    their count, when the caller has it already)."""
    if not text:
        return 0.0
    if controls is None:
        controls = count_controls(text)
    return (text.count("\ufffd") + controls) / len(text)


def _strictly_decoded(body: bytes, content_type: str | None) -> str | None:
    """``body`` decoded by a byte-order mark, a declared charset or strict UTF-8; None when it
    takes detection."""
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace")
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", "replace")
    for codec in [*_declared_charsets(body, content_type), "utf-8"]:
        try:
            return body.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def decoded_by_detection(body: bytes, content_type: str | None) -> bool:
    """Whether :func:`decode_body` reads ``body`` in the charset charset-normalizer guesses:
    no byte-order mark, no declared charset that decodes it, and not UTF-8.  The guess is made
    from the whole payload, so any byte of it may change how every other byte reads."""
    return _strictly_decoded(body, content_type) is None


# Codecs in which ASCII bytes between two ``<`` may still change how others read (a state
# switched by escapes, or no ASCII at all): a page in one is decoded whole to be checked.
_STATEFUL = ("iso2022", "utf-7", "utf_7", "hz", "utf-16", "utf_16", "utf-32", "utf_32")


def first_charset(body: bytes, content_type: str | None) -> str:
    """The charset :func:`decode_body` tries first on ``body``, found without decoding it: a
    byte-order mark's (``bom:utf-8``, ``bom:utf-16``: read with replacement, any bytes
    decode), else the first declared (the header's, else the ``<meta>``'s), else ``utf-8``.
    When ``body`` decodes strictly in it (:func:`decodes_strictly`), it is the one read."""
    if body.startswith(codecs.BOM_UTF8):
        return "bom:utf-8"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "bom:utf-16"
    declared = _declared_charsets(body, content_type)
    return declared[0] if declared else "utf-8"


def decodes_strictly(body: bytes, charset: str) -> bool:
    """Whether ``body`` decodes strictly in ``charset`` (a :func:`first_charset`)."""
    if charset.startswith("bom:"):
        return True
    try:
        body.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def shared_charset(old: bytes, new: bytes, content_type: str | None) -> str | None:
    """The :func:`first_charset` of both payloads when it is the same and each decodes
    strictly in it (so is read in it), else None."""
    charset = first_charset(old, content_type)
    if first_charset(new, content_type) != charset:
        return None
    if not (decodes_strictly(old, charset) and decodes_strictly(new, charset)):
        return None
    return charset


def ascii_keeps_decoding(charset: str) -> bool:
    """Whether, in ``charset``, ASCII bytes put between two ``<`` of a page that decodes
    strictly leave it decoding strictly and every other byte reading as before: true of UTF-8,
    single-byte charsets and the multi-byte ones whose trail bytes are never ``<`` (0x3C), not
    of stateful ones (ISO-2022, UTF-7, HZ) nor UTF-16/32."""
    return charset.startswith("bom:") or not charset.startswith(_STATEFUL)


def _decode_bytes(body: bytes, content_type: str | None) -> str:
    text = _strictly_decoded(body, content_type)
    if text is not None:
        return text
    best = from_bytes(body).best()
    if best is not None and best.encoding:
        return body.decode(best.encoding, "replace")
    return body.decode("utf-8", "replace")


def decode_body(body: bytes | str, content_type: str | None = None) -> str:
    """Decode a response body to text and check that it is an HTML page.

    Raises:
        ExtractionError: ``NOT_HTML`` for non-HTML content types or bodies,
            ``BAD_ENCODING`` when most of the text cannot be decoded.
    """
    check_content_type(content_type)
    if isinstance(body, bytes):
        head = body[:16].lstrip()
        if head.startswith(_BINARY_MAGIC):
            raise ExtractionError(FailureReason.NOT_HTML, "binary payload")
        text = _decode_bytes(body, content_type)
    else:
        text = body
    controls = count_controls(text)
    ratio = undecodable_ratio(text, controls)
    if ratio > MAX_BAD_CHAR_RATIO:
        raise ExtractionError(FailureReason.BAD_ENCODING, f"{ratio:.0%} of characters undecodable")
    if not _HTML_TAG.search(text, 0, HTML_SNIFF_CHARS):
        raise ExtractionError(FailureReason.NOT_HTML, "no HTML markup")
    if controls:
        text = _CONTROL.sub("", text)
    return neutralise_control_references(text)
