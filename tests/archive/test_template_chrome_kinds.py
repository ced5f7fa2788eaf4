"""Chrome has one definition: every block a tier-0 template may make a hole of is chrome to the
description-echo count (:func:`archive.extract.printed.in_chrome`), so that a copy of the
description coming and going inside one changes no article while tier 0 says "same".  (A
review found a share-by-email ``<form>``, a block hole, printing the description in a label:
the page then printed it twice, the echo at the article's top was kept, and the article gained
a paragraph while tier 0 decided the page the same.)"""

from __future__ import annotations

import pytest
from lxml.html import fragment_fromstring

from archive.errors import ExtractionError
from archive.extract.extractor import extract_article
from archive.extract.fastpath import CHROME_KINDS
from archive.extract.printed import in_chrome
from archive.extract.template import is_unlearnable
from archive.extract.template_learn import _BLOCK_NAMES, _block, _looks_chrome
from tests.archive.river_template import CT, FLOOD, URL, checked, learned
from tests.archive.river_template import FLOOD_DESCRIPTION as D

BODY = "".join(f"<p>{p}</p>" for p in FLOOD[:3])


@pytest.mark.parametrize("kind", sorted(name.decode() for name in _BLOCK_NAMES))
def test_every_block_kind_learning_accepts_is_chrome_to_the_echo_count(kind: str) -> None:
    """A block of each kind learning may make a hole of (by its tag, else named as chrome, as
    learning reads it on the raw page and on the parse) holds a copy that is chrome."""
    for names in ("", ' class="most-read"', ' id="related-links"'):
        html = f"<div><{kind}{names}><div><span>{D}</span></div></{kind}></div>"
        block = fragment_fromstring(html)[0]
        if not _looks_chrome(kind.encode(), f"{kind}{names}>".encode()):
            assert not names and kind not in CHROME_KINDS
            continue
        article = fragment_fromstring("<article><p>x</p></article>")
        assert _block(block, article, article) in (None, "block_not_in_body")
        assert in_chrome(block.find(".//span")), (kind, names)


def _page(form: str) -> bytes:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<title>River report - News</title><meta name="description" content="{D}">'
        '<meta property="article:published_time" content="2025-03-01T09:00:00Z"></head><body>'
        '<header><a href="/">News</a></header>'
        f'<main><article><h1>River report</h1><p class="standfirst">{D}</p>{BODY}</article>'
        f'</main><form class="share-email" action="/share"><div class="row">{form}</div></form>'
        "<footer><p>About us</p></footer></body></html>"
    ).encode()


_SENT = '<div class="row"><label>Your friend\'s email</label><input name="to" value="x1"></div>'
_SENT_B = '<div class="row"><label>Your email address</label><input name="to" value="y2"></div>'


def _hash(body: bytes) -> str:
    try:
        return extract_article(body, URL, content_type=CT).content_hash
    except ExtractionError as exc:  # pragma: no cover - a failure of the test's pages
        return f"refused: {exc}"


def test_a_form_printing_the_description_is_chrome_and_the_article_stays_the_same() -> None:
    """The form comes to print the description: the copy is the form's, not the page's, so
    the article (the standfirst reported once, as the description) is the same, and so is
    tier 0's verdict."""
    old = _page(_SENT + "<button>Send it</button>")
    new = _page(_SENT_B + "<button>Send it now</button>")
    quoted = _page(
        f'<div class="row"><label>{D}</label><input name="to" value="z3"></div>'
        "<button>Send</button>"
    )
    template = learned(old, new)
    assert not is_unlearnable(template)
    assert _hash(quoted) == _hash(old) == _hash(new)
    assert D not in extract_article(quoted, URL, content_type=CT).paragraphs
    assert checked(quoted, template) is None


def test_a_form_gaining_a_paragraph_beside_the_article_is_still_caught() -> None:
    """The twin: the form gaining a sign-up pitch is no article change, but a body that
    changes beside the same form is, and tier 0 falls back on it."""
    old = _page(_SENT + "<button>Send it</button>")
    new = _page(_SENT_B + "<button>Send it now</button>")
    template = learned(old, new)
    edited = old.replace(b"drinking water was safe", b"drinking water was not safe")
    assert _hash(edited) != _hash(old)
    assert checked(edited, template) is not None
