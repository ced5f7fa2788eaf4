"""The wall guard: consent walls, paywall stubs and error pages served with 200 are not articles.

A page that turns into one of these must never become a version (a false "6 paragraphs
removed"), nor version 1 on a first fetch.  The guard reads the page's structure before
trafilatura touches the tree (:func:`read_wall_signals`), then judges the extracted paragraphs
against it (:meth:`WallSignals.judge`).  It never changes an article; it only refuses pages.

Evidence, chosen to generalise beyond a few phrases:

* **Consent wall** (``consent-wall``): the page's consent overlays, found by structure: the
  containers of the common consent platforms (OneTrust, Didomi, Quantcast Choice, Sourcepoint,
  Cookiebot, TrustArc, Usercentrics, Funding Choices, iubenda...) by id or class, dialogs
  (``role=dialog``/``alertdialog``, ``aria-modal``, ``<dialog>``) and forms whose buttons
  accept, reject or manage consent.  A wrapper that holds the page's ``<article>`` or
  ``<main>`` is not an overlay.  The page is a wall when the extracted text left outside the
  overlays is shorter than an article (``min_chars``) and no longer than the overlays' own
  text: an article under a cookie banner keeps its text outside the banner.
* **Paywall** (``paywall``, registration walls too): a prompt (paywall, regwall,
  Piano/Tinypass, Poool, Zephr, Pelcro, LaterPay... by id or class) that says more than its
  buttons, holds a subscribe, sign-in or register control, and stands where the article's text
  would be (inside the ``<article>``, ``<main>`` or article body) or covers the page (a
  dialog); and a truncated body: fewer than :data:`PAYWALL_STUB_CHARS` characters.  A login
  widget in the page header, a "two free articles left" bar beside the content or a
  subscription promotion is no prompt, and a subscriber's full text served inside a
  ``paywall`` wrapper is long.  schema.org ``isAccessibleForFree: false`` is named in the
  detail but is not evidence on its own: sites that always serve a lead to visitors who are not
  logged in (two of the 181 real benchmark pages) say it on every article.
* **Soft 404** (``soft-404``): a tiny body (under :data:`SOFT_404_MAX_CHARS`) with an error
  page's signals: a ``<title>`` part or ``<h1>`` that *is* an error phrase ("Page not found",
  "Erreur 404", "Seite nicht gefunden", "Página no encontrada", "This article is no longer
  available"...), error markup (WordPress's ``error404`` body class, ``page-not-found``,
  ``prerender-status-code: 404``), or, on a page that states no publication date, text that
  says the page or article is gone.  A heading that merely mentions a missing page, a dated
  news item saying some content was removed, or a long article about one, is not enough.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

from archive.enums import FailureReason
from archive.errors import ExtractionError
from archive.extract.head import Head, is_article_node
from archive.extract.normalize import normalize_text
from archive.extract.wall_names import CANDIDATE as _CANDIDATE
from archive.extract.wall_names import CONSENT_CONTROL as _CONSENT_CONTROL
from archive.extract.wall_names import CONSENT_NAME as _CONSENT_NAME
from archive.extract.wall_names import CONSENT_TOPIC as _CONSENT_TOPIC
from archive.extract.wall_names import CONSENT_VENDORS as _CONSENT_VENDORS
from archive.extract.wall_names import ERROR_MARKUP as _ERROR_MARKUP
from archive.extract.wall_names import PAYWALL_CONTROL as _PAYWALL_CONTROL
from archive.extract.wall_names import PAYWALL_NAME as _PAYWALL_NAME

# A paywall stub (headline, lead, a paragraph or two, the prompt) stays under this many
# characters of extracted text; the shortest full articles that carry paywall markers run
# longer.  Shorter news items carry no paywall prompt.
PAYWALL_STUB_CHARS = 1500
# An error page's own text is a sentence or two and a few links; a short news item that
# happens to mention a missing page has a headline that is not an error phrase.
SOFT_404_MAX_CHARS = 700
# A JSON-LD locked part served with at least this much text is the full text, not a stub.
LOCKED_PART_SERVED_CHARS = 500

_CONSENT_VENDOR_RES = tuple((name, re.compile(rx, re.I)) for name, rx in _CONSENT_VENDORS)

_FALSE = frozenset({"false", "no", "0"})

# Error headings: a <title> part or <h1> that is, as a whole, one of these.
_DECORATION = (
    r"(?:(?:oops|sorry|whoops|uh oh|désolé|oups|hoppla|entschuldigung|ups|lo sentimos|vaya)\W*)?"
)
_ERROR_PHRASE = (
    r"(?:error|erreur|fehler|err)?\W*404(?:\W*(?:error|erreur|fehler))?"
    r"(?:\W*(?:page\s+)?not\s+found|\W*page\s+introuvable|\W*seite\s+nicht\s+gefunden"
    r"|\W*página\s+no\s+encontrada)?"
    r"|(?:the\s+|this\s+)?page\s+(?:was\s+)?not\s+found|not\s+found|file\s+not\s+found"
    r"|(?:the\s+|this\s+)?page\s+(?:you\s+(?:are|were)\s+looking\s+for\s+)?"
    r"(?:cannot|can't|could\s+not|couldn't)\s+be\s+found"
    r"|(?:this|the|that)\s+(?:page|article|story|content|video)\s+(?:is\s+(?:no\s+longer\s+"
    r"available|unavailable|not\s+available)|(?:does\s+not|doesn't|no\s+longer)\s+exists?"
    r"|has\s+been\s+(?:removed|deleted)|could\s+not\s+be\s+found|was\s+not\s+found)"
    r"|content\s+(?:not\s+available|unavailable|no\s+longer\s+available)|page\s+unavailable"
    r"|page\s+(?:introuvable|non\s+trouvée|inexistante)|(?:cette|la)\s+page\s+(?:n'existe\s+"
    r"(?:pas|plus)|est\s+introuvable|n'est\s+plus\s+disponible)|(?:cet|l')\s*article\s+"
    r"(?:n'est\s+plus\s+disponible|n'existe\s+(?:pas|plus)|est\s+introuvable)"
    r"|contenu\s+(?:indisponible|introuvable|non\s+disponible)"
    r"|seite\s+nicht\s+gefunden|(?:diese|die)\s+seite\s+(?:existiert\s+nicht(?:\s+mehr)?"
    r"|wurde\s+nicht\s+gefunden|ist\s+nicht\s+(?:mehr\s+)?verfügbar)|(?:dieser|der)\s+"
    r"(?:artikel|beitrag)\s+(?:ist\s+nicht\s+mehr\s+verfügbar|existiert\s+nicht\s+mehr"
    r"|wurde\s+nicht\s+gefunden)|(?:inhalt|artikel)\s+nicht\s+(?:mehr\s+)?verfügbar"
    r"|página\s+no\s+encontrada|(?:esta|la)\s+página\s+no\s+existe|(?:este|el)\s+"
    r"(?:artículo|contenido)\s+(?:ya\s+)?no\s+(?:está\s+disponible|existe)"
    r"|contenido\s+no\s+disponible|noticia\s+no\s+(?:disponible|encontrada)"
)
_ERROR_HEADING = re.compile(rf"{_DECORATION}(?:{_ERROR_PHRASE})\W*", re.I)
_TITLE_PARTS = re.compile(r"\s+[|\-–—·•:»]\s+|\s*[|·•»]\s*")
# A sentence of the page's text that says the page or the article is gone.
_GONE = re.compile(
    r"\b(?:page|article|story|content|video|link)s?\s+(?:(?:you|you're)\s+(?:are\s+|were\s+)?"
    r"(?:looking\s+for|requested|tried\s+to\s+(?:reach|access))\s+)?(?:is\s+no\s+longer\s+"
    r"available|(?:does\s+not|doesn't|no\s+longer)\s+exists?|has\s+been\s+(?:removed|deleted)"
    r"|(?:could\s+not|couldn't|cannot|can't)\s+be\s+found|was\s+not\s+found|may\s+have\s+been"
    r"\s+(?:moved|removed|deleted))"
    r"|(?:page|article|contenu)\s+(?:que\s+vous\s+(?:cherchez|recherchez|demandez)\s+)?"
    r"(?:n'existe\s+(?:pas|plus)|n'est\s+plus\s+disponible|est\s+introuvable|a\s+été\s+supprimé)"
    r"|(?:seite|artikel|beitrag|inhalt)\s+(?:, die sie suchen,\s+)?(?:existiert\s+nicht"
    r"|ist\s+nicht\s+mehr\s+verfügbar|wurde\s+(?:nicht\s+gefunden|entfernt|gelöscht)"
    r"|konnte\s+nicht\s+gefunden\s+werden)"
    r"|(?:página|artículo|contenido|noticia)\s+(?:que\s+buscas\s+)?(?:ya\s+)?no\s+(?:existe"
    r"|está\s+disponible|se\s+(?:ha\s+)?(?:encontrado|encuentra))|ha\s+sido\s+(?:eliminad|retirad)",
    re.I,
)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u00b4": "'"})

_CONTROLS = "button", "a", "input", "summary"
_SKIPPED = frozenset({"html", "body", "head", "script", "style", "noscript", "template"})


@dataclass
class WallSignals:
    """What the page's structure says about walls, read before extraction."""

    consent_texts: list[str] = field(default_factory=list)
    consent_vendor: str | None = None
    paywall_prompts: list[str] = field(default_factory=list)  # why each prompt counts
    not_free: bool = False  # JSON-LD isAccessibleForFree false, locked part not served
    error_headings: list[str] = field(default_factory=list)
    error_markup: str | None = None
    dated: bool = False  # the page states an article's publication date

    def judge(self, paragraphs: Sequence[str], min_chars: int) -> ExtractionError | None:
        """The wall this page is, given its extracted paragraphs; ``None`` for an article."""
        chars = sum(len(p) for p in paragraphs)
        if chars < SOFT_404_MAX_CHARS:
            why = self._soft_404(paragraphs)
            if why:
                return ExtractionError(FailureReason.SOFT_404, f"soft 404: {why}")
        if chars < PAYWALL_STUB_CHARS and self.paywall_prompts:
            why = self.paywall_prompts[0] + (", isAccessibleForFree false" if self.not_free else "")
            return ExtractionError(FailureReason.PAYWALL, f"paywall: {why}; {chars} chars of text")
        if self.consent_texts:
            outside = sum(len(p) for p in paragraphs if not self._in_consent(p))
            # the overlay holds most of what the page says (an iframe overlay, all of it); a
            # short page beside a small banner is left to the min_chars rule, as before
            overlay = sum(len(t) for t in self.consent_texts) or min_chars
            if outside < min_chars and overlay >= outside:
                vendor = f" ({self.consent_vendor})" if self.consent_vendor else ""
                return ExtractionError(
                    FailureReason.CONSENT_WALL,
                    f"consent wall{vendor}: {outside} chars of text outside it",
                )
        return None

    def _in_consent(self, paragraph: str) -> bool:
        return any(paragraph in text for text in self.consent_texts)

    def _soft_404(self, paragraphs: Sequence[str]) -> str | None:
        if self.error_headings:
            return f"heading {self.error_headings[0]!r}"
        if self.error_markup:
            return f"error page markup {self.error_markup!r}"
        if self.dated:  # a dated short news item may say that some content was removed
            return None
        for paragraph in paragraphs:
            match = _GONE.search(paragraph.translate(_APOSTROPHES))
            if match:
                return f"text {match.group(0)!r}"
        return None


def _names(element: HtmlElement) -> str:
    return f"{element.get('id', '')} {element.get('class', '')}"


def _text(element: HtmlElement) -> str:
    return normalize_text(element.text_content())


def _controls(element: HtmlElement) -> Iterable[str]:
    for control in element.iter(*_CONTROLS):
        yield " ".join(
            part
            for part in (
                control.text_content(),
                control.get("value", ""),
                control.get("aria-label", ""),
                control.get("title", ""),
            )
            if part
        )


def _holds_the_page(element: HtmlElement) -> bool:
    """Whether ``element`` wraps the page's article (then it is no overlay)."""
    return any(True for _ in element.iterdescendants("article", "main")) or bool(
        element.xpath(".//*[@itemprop='articleBody' or @role='main']")
    )


def _consent_container(element: HtmlElement) -> bool:
    names = _names(element)
    if _CONSENT_NAME.search(names):
        return True
    dialog = (
        element.tag == "dialog"
        or element.get("role") in ("dialog", "alertdialog")
        or element.get("aria-modal") == "true"
    )
    if not dialog and element.tag != "form":
        return False
    controls = [c for c in _controls(element) if _CONSENT_CONTROL.search(c)]
    if element.tag == "form" and not dialog:
        return len(controls) >= 2 and bool(_CONSENT_TOPIC.search(element.text_content()))
    return bool(controls) and bool(_CONSENT_TOPIC.search(element.text_content()))


def _vendor(names: str) -> str | None:
    for name, pattern in _CONSENT_VENDOR_RES:
        if pattern.search(names):
            return name
    return None


def _not_free(head: Head, tree: HtmlElement) -> bool:
    """JSON-LD says the article is not free, and its locked part is not served with text."""
    for node in head.jsonld:
        value = node.get("isAccessibleForFree")
        if value is None or str(value).strip().lower() not in _FALSE:
            continue
        selectors = [
            part.get("cssSelector")
            for part in _as_list(node.get("hasPart"))
            if isinstance(part, dict)
        ]
        for selector in selectors:
            if isinstance(selector, str) and _served(tree, selector):
                return False
        return True
    return False


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


_SIMPLE_SELECTOR = re.compile(r"^\s*([.#])([\w-]+)\s*$")


def _served(tree: HtmlElement, selector: str) -> bool:
    """Whether the elements a simple ``.class`` / ``#id`` selector names hold the text."""
    match = _SIMPLE_SELECTOR.match(selector)
    if not match:
        return True  # a selector we do not read: do not claim the text is missing
    kind, name = match.groups()
    if kind == "#":
        found = tree.xpath("//*[@id=$name]", name=name)
    else:
        found = tree.xpath(
            "//*[contains(concat(' ', normalize-space(@class), ' '), $name)]", name=f" {name} "
        )
    return sum(len(_text(e)) for e in found) >= LOCKED_PART_SERVED_CHARS


def _error_headings(tree: HtmlElement) -> list[str]:
    found: list[str] = []
    title = tree.find(".//title")
    candidates = []
    if title is not None:
        candidates += _TITLE_PARTS.split(normalize_text(title.text_content()))
    candidates += [normalize_text(h.text_content()) for h in tree.iterfind(".//h1")][:3]
    for text in candidates:
        text = text.translate(_APOSTROPHES).strip()
        if text and _ERROR_HEADING.fullmatch(text):
            found.append(text)
    return found


def _dated(head: Head) -> bool:
    if head.first_meta("article:published_time", "datepublished", "date", "dc.date.issued"):
        return True
    return any(is_article_node(node) and node.get("datePublished") for node in head.jsonld)


def _error_markup(tree: HtmlElement, head: Head) -> str | None:
    if head.first_meta("prerender-status-code") == "404":
        return "prerender-status-code 404"
    for element in (tree, tree.find("body")):
        if element is None:
            continue
        match = _ERROR_MARKUP.search(_names(element))
        if match:
            return match.group(0)
    return None


# Every name the two patterns above can match contains one of these (checked on the lower-cased
# names first: a plain alternation of literals is ten times faster than the full patterns).
_PAGE_TOP = re.compile(r"header|masthead|nav|menu|topbar|top-bar", re.I)


def _in_page_top(element: HtmlElement) -> bool:
    """Whether ``element`` sits in the page's header or navigation (a login widget there is
    no paywall prompt)."""
    for ancestor in (element, *element.iterancestors()):
        if ancestor.tag in ("header", "nav") or _PAGE_TOP.search(_names(ancestor)):
            return True
    return False


# A paywall prompt says something beyond its buttons ("Subscribe to continue reading").
MIN_PROMPT_CHARS = 40


def _where_a_wall_stands(element: HtmlElement) -> bool:
    """Whether ``element`` stands where the article's text would be (inside the ``<article>``,
    ``<main>`` or article body) or covers the page (a dialog).  A bar or promotion beside the
    content ("two free articles left", "subscribe from £1") is no wall."""
    for ancestor in (element, *element.iterancestors()):
        if ancestor.tag in ("article", "main", "dialog"):
            return True
        if ancestor.get("role") in ("main", "dialog", "alertdialog"):
            return True
        if ancestor.get("aria-modal") == "true" or ancestor.get("itemprop") == "articleBody":
            return True
    return False


def read_wall_signals(tree: HtmlElement, head: Head) -> WallSignals:
    """The wall signals of a freshly parsed page (the tree is not changed)."""
    signals = WallSignals(
        not_free=_not_free(head, tree),
        error_headings=_error_headings(tree),
        error_markup=_error_markup(tree, head),
        dated=_dated(head),
    )
    consent: list[HtmlElement] = []
    prompts: list[HtmlElement] = []
    for element in tree.iter("div", "section", "aside", "dialog", "form", "iframe", "footer"):
        names = _names(element).lower()
        named = _CANDIDATE.search(names) is not None
        dialog = (
            element.tag in ("dialog", "form")
            or element.get("role") in ("dialog", "alertdialog")
            or element.get("aria-modal") == "true"
        )
        if not named and not dialog:
            continue
        if any(element is c or c in element.iterancestors() for c in consent):
            continue
        if _consent_container(element) and not _holds_the_page(element):
            consent.append(element)
            signals.consent_vendor = signals.consent_vendor or _vendor(names)
            continue
        if named and _PAYWALL_NAME.search(names) and not _holds_the_page(element):
            if len(_text(element)) < MIN_PROMPT_CHARS or _in_page_top(element):
                continue
            if not _where_a_wall_stands(element):
                continue
            if any(_PAYWALL_CONTROL.search(c) for c in _controls(element)):
                prompts.append(element)
    signals.consent_texts = [t for t in (_text(e) for e in consent) if t] or (
        [""] if any(e.tag == "iframe" or e.find(".//iframe") is not None for e in consent) else []
    )
    signals.paywall_prompts = [
        f"prompt {_names(p).strip()!r}"
        for p in prompts
        if not any(c in p.iterancestors() for c in consent)
    ]
    return signals
