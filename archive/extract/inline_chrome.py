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
from functools import lru_cache
from itertools import pairwise
from urllib.parse import urlsplit

from lxml import etree
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
_PUNCTUATION = re.compile(r"[^\w\s']+")
_NON_WORD = re.compile(r"\W+")


# Walking every element in Python was most of this module's cost: the walk visits only the
# tags a signal can have (lxml filters them in C), and the elements with a ``data-ad...``
# attribute, found by one XPath, whatever their tag.
_READ_TAGS = _NAMED | set(_PLAYERS) | {"form", "ul", "ol", "a", "button", "p", "div", "span", "li"}
# The elements a link or button may stand alone in (:meth:`_Pass.alone`).
_ALONE_IN = frozenset({"p", "li", "div", "span", "strong", "b", "em", "center"})
_FIELDS = ("input", "textarea", "select")
_DATA_AD = etree.XPath("descendant-or-self::*[@*[starts-with(name(), 'data-ad')]]")


def _text(element: HtmlElement) -> str:
    # an element without children holds only its ``text``: read without an XPath call
    raw = element.text_content() if len(element) else element.text
    return " ".join(raw.split()) if raw else ""


@lru_cache(maxsize=4096)
def _key(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())


@lru_cache(maxsize=4096)
def _name_words(raw: str) -> frozenset[str]:
    if not raw.strip():
        return frozenset()
    words = [w.lower() for w in _NAME_WORD.findall(raw)]
    return frozenset(words) | {a + b for a, b in pairwise(words)}


def _names(element: HtmlElement) -> str:
    """An element's class, id, role and aria-label, as :func:`_name_words` reads them."""
    get = element.get
    return " ".join(
        (get("class") or "", get("id") or "", get("role") or "", get("aria-label") or "")
    )


# Names made only of ASCII letters, digits and these characters hold every word of
# :func:`_name_words`, single or joined, once lower-cased with these characters taken out
# ("most-read" holds "mostread", "readMore" "readmore"): such names that hold no word of
# furniture or of a player in that form hold none at all, without being split.
_NAME_PUNCTUATION = " \t\n\r-_:./#@!$%&*+=,;|~()[]{}<>?'\"`^\\"
_NAME_FOLD = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", _NAME_PUNCTUATION
)
_NAME_HINT = re.compile("|".join(sorted(_FURNITURE | _PLAYER_NAMES)))


@lru_cache(maxsize=8192)
def _name_kind(raw: str) -> tuple[bool, bool]:
    """Whether names ``raw`` say furniture, and whether they say player."""
    folded = raw.translate(_NAME_FOLD)
    if folded.isascii() and (not folded or folded.isalnum()) and not _NAME_HINT.search(folded):
        return False, False
    words = _name_words(raw)
    return not words.isdisjoint(_FURNITURE), not words.isdisjoint(_PLAYER_NAMES)


def _has_player(element: HtmlElement) -> bool:
    return element.tag in _PLAYERS or any(True for _ in element.iter(*_PLAYERS))


@lru_cache(maxsize=4096)
def _same_site(href: str, host: str) -> bool:
    target = urlsplit(href.strip())
    if target.scheme and target.scheme not in ("http", "https"):
        return False
    other = (target.hostname or "").removeprefix("www.")
    return not other or other == host


class _Pass:
    """One removal pass over a page: the site's host, and the texts of elements as read since
    the tree last changed (:meth:`changed` forgets them)."""

    def __init__(self, host: str) -> None:
        self.host = host
        self._texts: dict[HtmlElement, str] = {}
        self._running: dict[HtmlElement, int] = {}

    def changed(self) -> None:
        self._texts.clear()
        self._running.clear()

    def text(self, element: HtmlElement) -> str:
        text = self._texts.get(element)
        if text is None:
            text = self._texts[element] = _text(element)
        return text

    def running(self, element: HtmlElement) -> int:
        """How many paragraphs of running text ``element`` holds."""
        count = self._running.get(element)
        if count is None:
            count = 0
            text = self.text
            for paragraph in element.iter("p"):
                links = sum(len(text(a)) for a in paragraph.iter("a"))
                if len(text(paragraph)) - links >= MIN_RUNNING_CHARS:
                    count += 1
            self._running[element] = count
        return count

    def may_remove(self, element: HtmlElement) -> bool:
        if element.tag in _NEVER or element.getparent() is None:
            return False
        if len(self.text(element)) > MAX_BOX_CHARS or any(True for _ in element.iter("h1")):
            return False
        return self.running(element) <= MAX_BOX_RUNNING

    def small(self, block: HtmlElement) -> bool:
        if block.tag not in _BLOCKS or len(self.text(block)) > MAX_CLIMB_CHARS:
            return False
        return all(len(self.text(p)) <= MAX_BOX_PARAGRAPH_CHARS for p in block.iter("p"))

    def box(self, seed: HtmlElement) -> HtmlElement:
        """The box around a signal: the outermost small block at most ``MAX_CLIMB`` levels
        up.

        Only the first block up may take in a paragraph of running text (the box's pitch
        beside its form or button), and only one; a block further up that would take in any
        holds a paragraph of the story (a wrapper around one paragraph and the box).
        """
        box = seed
        for level in range(MAX_CLIMB):
            parent = box.getparent()
            if parent is None or parent.tag in _NEVER or not self.small(parent):
                break
            if self.running(parent) - self.running(box) > (1 if level == 0 else 0):
                break
            box = parent
        return box

    def only_links(self, item: HtmlElement) -> bool:
        links = list(item.iter("a"))
        if not links or not all(_same_site(a.get("href") or "", self.host) for a in links):
            return False
        outside = _NON_WORD.sub("", self.text(item))
        inside = _NON_WORD.sub("", "".join(self.text(a) for a in links))
        return len(outside) - len(inside) <= MAX_ITEM_EXTRA_CHARS

    def alone(self, element: HtmlElement) -> HtmlElement | None:
        """The block a link or button stands alone in (its text is all the block's), if any;
        a button stands for itself, a link inside a sentence for nothing."""
        text = self.text(element)
        block = element
        for ancestor in element.iterancestors():
            if ancestor.tag not in _ALONE_IN:
                break
            if self.text(ancestor) != text:
                break
            block = ancestor
        if block.tag in ("p", "li", "div", "center") or element.tag == "button":
            return block
        return None

    def signals(self, tree: HtmlElement) -> list[tuple[HtmlElement, bool]]:
        """(element, climb): each element that says it is a box, and whether it may take the
        small block around it."""
        found: list[tuple[HtmlElement, bool]] = []
        data_ad: set[HtmlElement] = set(_DATA_AD(tree))
        tags = _READ_TAGS.union(e.tag for e in data_ad).difference(_SKIP)
        # (a tag lxml would read as namespaced: every element, as they come)
        walk = tree.iter() if any(":" in t or "{" in t for t in tags) else tree.iter(*tags)
        for element in walk:
            if not isinstance(element.tag, str) or element.tag in _SKIP:
                continue
            signal = _named(element, data_ad) or self.control(element)
            if signal is not None:
                found.append(signal)
            elif element.tag in ("p", "div", "span", "li"):
                self.label_signal(element, found)
        return found

    def control(self, element: HtmlElement) -> tuple[HtmlElement, bool] | None:
        """A form to fill in, a player, a list of links, a call to action."""
        tag = element.tag
        if tag in _PLAYERS or (
            tag == "form"
            and any(
                (field.get("type") or "text").lower() not in ("hidden", "submit", "button", "image")
                for field in element.iter(*_FIELDS)
            )
        ):
            return element, True
        if tag in ("ul", "ol"):
            items = [li for li in element if li.tag == "li"]
            if len(items) >= MIN_LINK_ITEMS and all(self.only_links(li) for li in items):
                # only a list boxed with its heading ("Most read", "Related"); a list of links
                # standing among the article's paragraphs is left to trafilatura, as before
                box = self.box(element)
                if box is not element and any(True for _ in box.iter(*_HEADINGS)):
                    return box, False
        elif tag in ("a", "button"):
            if tag == "a" and _parent_tag(element) not in _ALONE_IN:
                return None  # :meth:`alone` would find no block: its text need not be read
            text = self.text(element)
            if len(text) <= MAX_CTA_CHARS and _CTA.match(_key(text)):
                block = self.alone(element)
                if block is not None:
                    return block, True
        return None

    def label_signal(self, element: HtmlElement, found: list[tuple[HtmlElement, bool]]) -> None:
        """An ad label alone in an element, or a promo line ("Read more: <a story>")."""
        if element.tag != "p" and len(element) > 1:
            return  # a label has at most one child; only a paragraph is read further
        text = self.text(element)
        if not text:
            return
        if len(text) <= MAX_CTA_CHARS and len(element) <= 1 and _AD_LABEL.match(_key(text)):
            found.append((element, True))
            return
        if element.tag != "p" or len(text) > MAX_BOX_PARAGRAPH_CHARS:
            return
        links = [a for a in element.iter("a") if _same_site(a.get("href") or "", self.host)]
        if len(links) != 1:
            return
        link = self.text(links[0])
        if not link:
            return
        head, _, tail = text.partition(link)
        if not tail.strip(" .»›") and _PROMO_LABEL.match(_key(head) or "-"):
            found.append((element, False))


def _parent_tag(element: HtmlElement) -> object:
    parent = element.getparent()
    return None if parent is None else parent.tag


def _named(element: HtmlElement, data_ad: set[HtmlElement]) -> tuple[HtmlElement, bool] | None:
    """A block whose names say it is furniture (a player's name only around a player), or
    an element with a ``data-ad...`` attribute (one of ``data_ad``)."""
    if element.tag in _NAMED:
        furniture, player = _name_kind(_names(element))
        if furniture or (player and _has_player(element)):
            return element, False
    if element in data_ad:
        return element, True
    return None


def drop_inline_chrome(tree: HtmlElement, url: str) -> int:
    """Remove in-article boxes from ``tree`` (in place); returns how many were removed."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    body = tree.find(".//body")
    if body is None:
        return 0
    work = _Pass(host)
    removed = 0
    for seed, climb in work.signals(body):
        if not _attached(seed, body):
            continue  # inside a box already removed
        box = work.box(seed) if climb else seed
        if not work.may_remove(box):
            continue
        _remove(box)
        work.changed()
        removed += 1
    return removed


# The attributes :func:`drop_inline_chrome` reads on any element (:func:`_names`), on a link
# (``<a>``: its ``href``) and on a field (its ``type``); of the others it reads only whether
# one is named ``data-ad...``.
READ_ATTRIBUTES = frozenset({"class", "id", "role", "aria-label"})


def reads(element: HtmlElement, where: str | None) -> bool:
    """Whether :func:`drop_inline_chrome` may read, or move, what ``element`` holds at
    ``where`` (an attribute's name; "" for its text, None for its tail).

    It reads an element's tag, its attributes of :data:`READ_ATTRIBUTES`, a link's ``href``,
    a field's ``type``, the names of the other attributes, and texts: of the seeds, the blocks
    a box grows to, links, items, labels and the paragraphs in a block, each across tags
    (``text_content``); and it moves a removed box's tail.  No element of :data:`_NEVER` is
    any of those (each is refused before its text is read), and a script or a style holds no
    element and is never a seed; none of these is removed but with a box around it.  So the
    text and the tail of an element that is one of those, standing in elements of
    :data:`_NEVER` alone (``<head>``, ``<body>``...), are never read, nor moved: they are read
    only as part of their ancestors' texts, and in no box."""
    if where:
        if where == "href":
            return bool(element.tag == "a")
        if where == "type":
            return element.tag in _FIELDS
        return where in READ_ATTRIBUTES or where.startswith("data-ad")
    if element.tag not in _NEVER and element.tag not in ("script", "style"):
        return True
    return any(ancestor.tag not in _NEVER for ancestor in element.iterancestors())


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
