"""Chrome inside the article: boxes a site puts between two paragraphs, removed by structure.

News sites insert newsletter sign-up boxes, "read more" promos, ad slots with sponsored text,
"most read" lists, podcast and video embeds with captions and donation appeals *inside* the
article container, and vary them per request (A/B tests, rotation).  trafilatura keeps some of
their text (a pitch, a heading, a caption), and a box that comes and goes would be an edit no
one made.  :func:`drop_inline_chrome` removes them from the tree before trafilatura (and before
:func:`archive.extract.recover.recover_article_text`, which would otherwise rescue their links
as text), recognising a box by what it is made of, not by a few phrases:

* **controls**: a form with a field to fill in, an ``<iframe>``, ``<audio>``, ``<video>``,
  ``<object>`` or ``<embed>`` (a player and its caption);
* **names**: an element whose class, id, ARIA role or label says ad, sponsor, promo,
  newsletter, sign-up, related, recommended, most read, popular, trending, donation,
  contribution, podcast or embed (embed and player names only around a player);
* **links**: a list of three or more items that are each only a link to the page's own site,
  boxed with a heading (a "most read" or "related" list), and a line that is a promo label
  and a link ("Read more: <another story>", "Lesen Sie auch: ...");
* **calls to action**: a link or button alone in its block whose whole text is a call to
  action ("Donate now", "Sign up", "Abonnieren", "Faire un don"...), and a block whose whole
  text is an ad label ("Advertisement", "Anzeige", "Publicidad"...).

A signal inside a box takes the box with it: from the signal, the removal climbs to the
enclosing block while that block is small (at most :data:`MAX_CLIMB_CHARS` of text and no
paragraph longer than :data:`MAX_BOX_PARAGRAPH_CHARS`) and, past the first block, takes in
no paragraph of running text, so a box's heading and pitch go with its form, and a real
paragraph next to it stays, even inside the same wrapper.  Nothing that holds the page's
``<h1>``, two paragraphs of running text, or more than :data:`MAX_BOX_CHARS` of text is ever
removed: the article's own container may carry any class it likes.  Labels and calls to
action are in English, German, French, Spanish, Italian, Portuguese and Russian.

What must not live here: filters of extracted text (that is :mod:`.chrome`).
"""

from __future__ import annotations

import re
from itertools import pairwise
from urllib.parse import urlsplit

from lxml.html import HtmlElement

# A box holds at most this much text; the article's container holds more.
MAX_BOX_CHARS = 1000
# The removal climbs from a signal to the block around it while that block holds at most
# this much text ...
MAX_CLIMB_CHARS = 400
# ... and no paragraph longer than this: a box's pitch is a sentence or two; a paragraph of
# the story beside a player stays.
MAX_BOX_PARAGRAPH_CHARS = 200
# ... and at most this many levels.
MAX_CLIMB = 3
# A paragraph is running text when this many characters of it lie outside links: a box holds
# at most one such paragraph (its pitch), the article's container many.
MIN_RUNNING_CHARS = 50
MAX_BOX_RUNNING = 1
# A "most read" or "related" list has at least this many items, each only a link.
MIN_LINK_ITEMS = 3
# An item is only a link when at most this many letters and digits lie outside it.
MAX_ITEM_EXTRA_CHARS = 3
# A call to action or a label is short.
MAX_CTA_CHARS = 40

_BLOCKS = frozenset({"div", "section", "aside", "figure", "form", "details", "ins", "center"})
# Elements whose names are read: blocks, never inline elements (a link named "related-link"
# inside a sentence is part of the sentence).
_NAMED = _BLOCKS | {"ul", "ol", "li", "p", "nav", "table", "header", "footer"}
_NEVER = frozenset({"html", "body", "main", "article", "head"})
_PLAYERS = ("iframe", "audio", "video", "object", "embed")
_SKIP = frozenset({"script", "style", "noscript", "template"})
_HEADINGS = ("h2", "h3", "h4", "h5", "h6")

# Class, id, role and aria-label words naming page furniture; compound names are split on
# punctuation and camelCase, and adjacent words are also read joined ("most-read" is
# "mostread", "readMore" is "readmore").
_FURNITURE = frozenset(
    {
        "ad",
        "ads",
        "adv",
        "advert",
        "adverts",
        "advertisement",
        "advertising",
        "advertorial",
        "adslot",
        "adunit",
        "adcontainer",
        "adwrapper",
        "adsbygoogle",
        "dfp",
        "gpt",
        "sponsor",
        "sponsored",
        "sponsorship",
        "promo",
        "promos",
        "promoted",
        "promotion",
        "promotional",
        "newsletter",
        "newsletters",
        "signup",
        "subscribe",
        "subscription",
        "related",
        "recommended",
        "recommendations",
        "recirculation",
        "readmore",
        "alsoread",
        "mostread",
        "mostpopular",
        "mostviewed",
        "popular",
        "trending",
        "outbrain",
        "taboola",
        "donate",
        "donation",
        "donations",
        "contribute",
        "contribution",
        "contributions",
        "supportus",
        "podcast",
        "podcasts",
    }
)
# Names that mark a player's box: only around an actual player.
_PLAYER_NAMES = frozenset({"embed", "embedded", "player", "video", "audio", "media"})
_NAME_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")

# Calls to action, as the whole text of a link or button (case-folded, punctuation aside).
_CTA = re.compile(
    r"^(?:sign ?up(?: now| today| for free)?|subscribe(?: now| today)?|register(?: now)?"
    r"|donate(?: now| today)?|give (?:now|today|once|monthly)|contribute(?: now)?"
    r"|support (?:us|our (?:journalism|work|reporting))(?: today)?"
    r"|become a (?:supporter|member|subscriber)|join (?:now|us|today)"
    r"|listen(?: now)?|watch(?: now)?|play(?: now)?"
    # de
    r"|(?:jetzt )?(?:anmelden|abonnieren|registrieren|spenden|unterstützen)"
    # fr
    r"|s'inscrire|je m'inscris|s'abonner|je m'abonne|faire un don|nous soutenir|soutenez-nous"
    # es
    r"|suscr[ií]bete|suscribirse|ap[uú]ntate|donar(?: ahora)?|colabora|hazte (?:socio|miembro)"
    # it
    r"|iscriviti|abbonati|dona(?: ora)?|sostienici|sostieni"
    # pt
    r"|inscrever-se|inscreva-se|assinar|assine(?: j[aá])?|doe(?: agora)?|apoie"
    # ru
    r"|подписаться|подпишитесь|поддержать|помочь|пожертвовать"
    r")$"
)
# An ad label as the whole text of an element.
_AD_LABEL = re.compile(
    r"^(?:advertisement|advertising|advert|ad|sponsored(?: content)?|paid (?:content|post)"
    r"|promoted|partner content|anzeige|werbung|gesponsert|publicit[ée]|contenu sponsoris[ée]"
    r"|sponsoris[ée]|publicidad|patrocinado|contenido patrocinado|pubblicit[àa]"
    r"|sponsorizzato|contenuto sponsorizzato|publicidade|conte[uú]do patrocinado"
    r"|реклама|на правах рекламы|спонсорский материал)$"
)
# Promo labels before a link to another story ("Read more: ...").
_PROMO_LABEL = re.compile(
    r"^(?:read more|related|also read|read also|see also|more on this(?: story)?|recommended"
    r"|most read|lesen sie (?:auch|mehr)|mehr zum thema|auch interessant|lire aussi"
    r"|[àa] lire (?:aussi|également)|sur le m[êe]me sujet|lee también|te puede interesar"
    r"|m[áa]s sobre este tema|leggi anche|potrebbe interessarti|approfondisci|leia também"
    r"|leia mais|veja também|читайте также|по теме|читать далее)\s*[:|›»>–—-]?\s*$"
)
_SPACES = re.compile(r"\s+")


def _text(element: HtmlElement) -> str:
    return _SPACES.sub(" ", element.text_content()).strip()


def _key(text: str) -> str:
    return _SPACES.sub(" ", re.sub(r"[^\w\s']+", " ", text.casefold())).strip()


def _names(element: HtmlElement) -> set[str]:
    """The words of an element's class, id, role and aria-label, single and joined."""
    raw = " ".join(
        element.get(attribute) or "" for attribute in ("class", "id", "role", "aria-label")
    )
    if not raw.strip():
        return set()
    words = [w.lower() for w in _NAME_WORD.findall(raw)]
    return set(words) | {a + b for a, b in pairwise(words)}


def _has_player(element: HtmlElement) -> bool:
    return element.tag in _PLAYERS or any(True for _ in element.iter(*_PLAYERS))


def _running(element: HtmlElement) -> int:
    """How many paragraphs of running text ``element`` holds."""
    count = 0
    for paragraph in element.iter("p"):
        text = len(_text(paragraph))
        links = sum(len(_text(a)) for a in paragraph.iter("a"))
        if text - links >= MIN_RUNNING_CHARS:
            count += 1
    return count


def _may_remove(element: HtmlElement) -> bool:
    if element.tag in _NEVER or element.getparent() is None:
        return False
    if len(_text(element)) > MAX_BOX_CHARS or any(True for _ in element.iter("h1")):
        return False
    return _running(element) <= MAX_BOX_RUNNING


def _small(block: HtmlElement) -> bool:
    if block.tag not in _BLOCKS or len(_text(block)) > MAX_CLIMB_CHARS:
        return False
    return all(len(_text(p)) <= MAX_BOX_PARAGRAPH_CHARS for p in block.iter("p"))


def _box(seed: HtmlElement) -> HtmlElement:
    """The box around a signal: the outermost small block at most ``MAX_CLIMB`` levels up.

    Only the first block up may take in a paragraph of running text (the box's pitch beside
    its form or button), and only one; a block further up that would take in any holds a
    paragraph of the story (a wrapper around one paragraph and the box).
    """
    box = seed
    for level in range(MAX_CLIMB):
        parent = box.getparent()
        if parent is None or parent.tag in _NEVER or not _small(parent):
            break
        if _running(parent) - _running(box) > (1 if level == 0 else 0):
            break
        box = parent
    return box


def _same_site(href: str, host: str) -> bool:
    target = urlsplit(href.strip())
    if target.scheme and target.scheme not in ("http", "https"):
        return False
    other = (target.hostname or "").removeprefix("www.")
    return not other or other == host


def _only_links(item: HtmlElement, host: str) -> bool:
    links = list(item.iter("a"))
    if not links or not all(_same_site(a.get("href") or "", host) for a in links):
        return False
    outside = re.sub(r"\W+", "", _text(item))
    inside = re.sub(r"\W+", "", "".join(_text(a) for a in links))
    return len(outside) - len(inside) <= MAX_ITEM_EXTRA_CHARS


def _alone(element: HtmlElement) -> HtmlElement | None:
    """The block a link or button stands alone in (its text is all the block's), if any; a
    button stands for itself, a link inside a sentence for nothing."""
    text = _text(element)
    block = element
    for ancestor in element.iterancestors():
        if ancestor.tag not in ("p", "li", "div", "span", "strong", "b", "em", "center"):
            break
        if _text(ancestor) != text:
            break
        block = ancestor
    if block.tag in ("p", "li", "div", "center") or element.tag == "button":
        return block
    return None


def _signals(tree: HtmlElement, host: str) -> list[tuple[HtmlElement, bool]]:
    """(element, climb): each element that says it is a box, and whether it may take the
    small block around it."""
    found: list[tuple[HtmlElement, bool]] = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in _SKIP:
            continue
        signal = _named(element) or _control(element, host)
        if signal is not None:
            found.append(signal)
        elif element.tag in ("p", "div", "span", "li"):
            _label_signal(element, host, found)
    return found


def _named(element: HtmlElement) -> tuple[HtmlElement, bool] | None:
    """A block whose names say it is furniture (a player's name only around a player)."""
    names = _names(element) if element.tag in _NAMED else set()
    if names & _FURNITURE or (names & _PLAYER_NAMES and _has_player(element)):
        return element, False
    if any(name.startswith("data-ad") for name in element.attrib):
        return element, True
    return None


def _control(element: HtmlElement, host: str) -> tuple[HtmlElement, bool] | None:
    """A form to fill in, a player, a list of links, a call to action."""
    tag = element.tag
    if tag in _PLAYERS or (
        tag == "form"
        and any(
            (field.get("type") or "text").lower() not in ("hidden", "submit", "button", "image")
            for field in element.iter("input", "textarea", "select")
        )
    ):
        return element, True
    if tag in ("ul", "ol"):
        items = [li for li in element if isinstance(li.tag, str) and li.tag == "li"]
        if len(items) >= MIN_LINK_ITEMS and all(_only_links(li, host) for li in items):
            # only a list boxed with its heading ("Most read", "Related"); a list of links
            # standing among the article's paragraphs is left to trafilatura, as before
            box = _box(element)
            if box is not element and any(True for _ in box.iter(*_HEADINGS)):
                return box, False
    elif tag in ("a", "button"):
        text = _text(element)
        if len(text) <= MAX_CTA_CHARS and _CTA.match(_key(text)):
            block = _alone(element)
            if block is not None:
                return block, True
    return None


def _label_signal(element: HtmlElement, host: str, found: list[tuple[HtmlElement, bool]]) -> None:
    """An ad label alone in an element, or a promo line ("Read more: <a story>")."""
    if element.tag != "p" and len(element) > 1:
        return  # a label has at most one child; only a paragraph is read further
    text = _text(element)
    if not text:
        return
    if len(text) <= MAX_CTA_CHARS and len(element) <= 1 and _AD_LABEL.match(_key(text)):
        found.append((element, True))
        return
    if element.tag != "p" or len(text) > MAX_BOX_PARAGRAPH_CHARS:
        return
    links = [a for a in element.iter("a") if _same_site(a.get("href") or "", host)]
    if len(links) != 1:
        return
    link = _text(links[0])
    if not link:
        return
    head, _, tail = text.partition(link)
    if not tail.strip(" .»›") and _PROMO_LABEL.match(_key(head) or "-"):
        found.append((element, False))


def drop_inline_chrome(tree: HtmlElement, url: str) -> int:
    """Remove in-article boxes from ``tree`` (in place); returns how many were removed."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    body = tree.find(".//body")
    if body is None:
        return 0
    removed = 0
    for seed, climb in _signals(body, host):
        if not _attached(seed, body):
            continue  # inside a box already removed
        box = _box(seed) if climb else seed
        if not _may_remove(box):
            continue
        _remove(box)
        removed += 1
    return removed


def _attached(element: HtmlElement, body: HtmlElement) -> bool:
    return any(ancestor is body for ancestor in element.iterancestors())


def _remove(element: HtmlElement) -> None:
    """Remove ``element`` but keep its tail text where it was."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    parent.remove(element)
    if tail and tail.strip():
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
