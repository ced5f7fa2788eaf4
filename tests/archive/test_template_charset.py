"""Tier 0 and the charset: a page whose charset is guessed has no template.

A windows-1252 page served as ``text/html`` with no charset anywhere is decoded by
charset-normalizer's guess over the whole payload, holes included: a new item of a "most read"
box (a block hole) may move the guess, and every accented letter of the article then reads
otherwise, while the bytes around the holes are the learned ones.
"""

from __future__ import annotations

from archive.extract import DEFAULT_MIN_CHARS
from archive.extract.decode import decoded_by_detection
from archive.extract.extractor import extract_article, extract_with_fingerprint
from archive.extract.template import BLOCK, CHARSET, check, is_unlearnable
from archive.extract.template_learn import DETECTED_CHARSET, learn_with_fingerprint
from archive.extract.template_site import DETECTED_CHARSET as SITE_DETECTED_CHARSET
from archive.extract.template_site import derive

URL = "https://news.example/monde/palmyre"
PARAS = [
    "The army retook the ancient city of Palmyra on Thursday, three months after it was lost,"
    " les officiels ont déclaré à Damas, in a push that began at dawn and lasted all day.",
    "Engineers began clearing mines from the approaches to the ruins, which the group had partly"
    " destroyed during its second occupation of the site last winter.",
    "Residents who fled in December said they would not return until the roads were safe and the"
    " water supply, cut for weeks, had been restored to the old quarter.",
]
ITEMS = [
    "Storm hits the coast near the harbour tonight",
    "Rates held steady again this month by bank",
    "Trains cancelled across the north west",
]
CYRILLIC = '<li><a href="/s/9">Москва: новости дня и события</a></li>'.encode()


def retitled(body: bytes, title: bytes) -> bytes:
    """``body`` with its first "most read" item's title made ``title``."""
    return body.replace(ITEMS[0].encode(), title, 1)


def page(items: list[str], *, h1: str = "L'armée reprend Palmyre") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    teasers = "".join(f'<li><a href="/s/{i}">{t}</a></li>' for i, t in enumerate(items))
    return (
        '<!DOCTYPE html><html lang="fr"><head><title>Palmyre reprise</title></head><body>'
        f"<main><article><h1>{h1}</h1>{body}</article></main>"
        f"<aside><h3>Les plus lus</h3><ul>{teasers}</ul></aside></body></html>"
    ).encode("cp1252")


def learn(old: bytes, new: bytes, content_type: str) -> str:
    _, fingerprint = extract_with_fingerprint(new, URL, content_type=content_type)
    return learn_with_fingerprint(
        old, new, content_type, fingerprint, url=URL, min_chars=DEFAULT_MIN_CHARS
    )


def tier0(body: bytes, template: str, content_type: str) -> str | None:
    return check(body, template, url=URL, content_type=content_type, min_chars=DEFAULT_MIN_CHARS)


def test_a_page_whose_charset_is_guessed_learns_no_template():
    """The reproduction: learnt, the template took the page with a Cyrillic item added for the
    same article, while its full extraction read "L'armťe" for "L'armée"."""
    old, new = page(ITEMS), page(ITEMS[1:] + ITEMS[:1])
    later = new.replace(b"</ul></aside>", CYRILLIC + b"</ul></aside>")
    content_type = "text/html"  # no charset parameter, no <meta charset>
    assert decoded_by_detection(old, content_type)
    first = extract_article(old, URL, content_type=content_type)
    assert first.content_hash == extract_article(new, URL, content_type=content_type).content_hash
    assert extract_article(later, URL, content_type=content_type).content_hash != (
        first.content_hash
    )  # the guess moved: what tier 0 must never call the same article
    template = learn(old, new, content_type)
    assert is_unlearnable(template)
    assert template.endswith(f"|{DETECTED_CHARSET}")
    assert tier0(later, template, content_type) is not None


def test_twin_a_declared_charset_still_learns_and_decides_same():
    """The same page served as windows-1252: the charset does not depend on the bytes, the
    template is learned, the Cyrillic item is chrome (the same article), and an edit of the
    headline is no match."""
    content_type = "text/html; charset=windows-1252"
    old, new = page(ITEMS), page(ITEMS[1:] + ITEMS[:1])
    assert not decoded_by_detection(old, content_type)
    template = learn(old, new, content_type)
    assert not is_unlearnable(template), template
    later = retitled(new, b"Ports reopen")
    assert tier0(later, template, content_type) is None
    a_later = extract_article(later, URL, content_type=content_type)
    assert a_later.headline == "L'armée reprend Palmyre"
    edited = page(ITEMS[1:] + ITEMS[:1], h1="L'armée reprend Palmyre et Tadmor")
    assert tier0(edited, template, content_type) is not None


def test_a_page_whose_charset_is_guessed_derives_no_template_from_site_rules():
    """Site rules do not apply either (whatever they hold: the decoding is refused first);
    with a declared charset the derivation goes on to the rules (which here hold nothing
    that fits: another reason)."""
    old, new = page(ITEMS), page(ITEMS[1:] + ITEMS[:1])
    rules: dict[str, list[list[object]]] = {"t": [["no-such-hole"]]}
    fields = ("L'armée reprend Palmyre", "", "")

    def derived(content_type: str) -> tuple[str | None, str | None]:
        return derive(
            rules, old, new, content_type, PARAS, fields, url=URL, min_chars=DEFAULT_MIN_CHARS
        )

    assert derived("text/html") == (None, SITE_DETECTED_CHARSET)
    assert derived("text/html; charset=windows-1252")[1] != SITE_DETECTED_CHARSET


# A page that declares windows-1252: a hole's new bytes are held to it.
DECLARED = "text/html; charset=windows-1252"


def declared_pair() -> tuple[bytes, bytes, str]:
    old, new = page(ITEMS), page(ITEMS[1:] + ITEMS[:1])
    template = learn(old, new, DECLARED)
    assert not is_unlearnable(template), template
    return old, new, template


def test_a_utf8_item_in_a_declared_windows_1252_page_is_no_match():
    """The reproduction: UTF-8 Cyrillic bytes in the "most read" block do not decode in
    windows-1252 (0x81 is undefined in it), the page is read in charset-normalizer's guess and
    "L'armée" reads otherwise; the block's guards took them, the charset check does not."""
    old, new, template = declared_pair()
    later = retitled(new, "Москва: новости дня и события".encode())
    assert decoded_by_detection(later, DECLARED)
    first = extract_article(old, URL, content_type=DECLARED)
    assert extract_article(later, URL, content_type=DECLARED).content_hash != first.content_hash
    assert tier0(later, template, DECLARED) == CHARSET


def test_twin_non_ascii_bytes_that_decode_in_windows_1252_still_decide_same():
    """An item whose bytes decode in the declared charset (UTF-8 "é", C3 A9, reads "Ã©" in
    windows-1252 but decodes: the page is still read in it) is the same article, and the full
    extraction agrees.  (An "é" in windows-1252 itself, E9, is not UTF-8: the block guards
    refuse it before the charset is looked at, as bytes that may be a digit in some charset.)"""
    old, new, template = declared_pair()
    item = "Météo : orages sur la côte".encode()
    later = retitled(new, item)
    assert not decoded_by_detection(later, DECLARED)
    assert tier0(later, template, DECLARED) is None
    first = extract_article(old, URL, content_type=DECLARED)
    a_later = extract_article(later, URL, content_type=DECLARED)
    assert a_later.content_hash == first.content_hash
    assert a_later.headline == "L'armée reprend Palmyre"
    latin = later.replace(item, item.decode().encode("cp1252"))
    assert tier0(latin, template, DECLARED) == BLOCK


def test_a_utf8_page_takes_a_cyrillic_item():
    """The same page in UTF-8 (declared or not): Cyrillic in the hole is UTF-8, the same
    article; a windows-1252 "é" in the hole (not UTF-8) and an edit of the headline are no
    match."""
    for content_type in ("text/html; charset=utf-8", "text/html"):
        old = page(ITEMS).decode("cp1252").encode()
        new = page(ITEMS[1:] + ITEMS[:1]).decode("cp1252").encode()
        template = learn(old, new, content_type)
        assert not is_unlearnable(template), template
        later = retitled(new, "Москва: новости дня и события".encode())
        assert tier0(later, template, content_type) is None
        first = extract_article(old, URL, content_type=content_type)
        assert extract_article(later, URL, content_type=content_type).content_hash == (
            first.content_hash
        )
        broken = retitled(new, "Météo".encode("cp1252"))
        assert tier0(broken, template, content_type) is not None  # refused (block guards)
        edited = page(ITEMS[1:] + ITEMS[:1], h1="L'armée reprend Tadmor").decode("cp1252")
        assert tier0(edited.encode(), template, content_type) is not None


def test_a_page_read_in_a_charset_other_than_the_first_tried_learns_no_template():
    """Declared UTF-8 in the header, windows-1252 in a ``<meta>``, windows-1252 bytes: read in
    windows-1252 as the header's charset fails; a hole's new bytes could make UTF-8 decode, so
    no template (``charset``)."""
    meta = b'<head><meta charset="windows-1252">'
    old = page(ITEMS).replace(b"<head>", meta)
    new = page(ITEMS[1:] + ITEMS[:1]).replace(b"<head>", meta)
    content_type = "text/html; charset=utf-8"
    assert not decoded_by_detection(old, content_type)
    template = learn(old, new, content_type)
    assert template.endswith(f"|{CHARSET}")
