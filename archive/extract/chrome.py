"""Deliberate filters for page chrome that trafilatura lets into the article text.

Each filter matches a *whole* normalised paragraph, never part of one, so a real sentence
that merely mentions "comments" or "minutes ago" is kept.  Every pattern below was seen in
trafilatura's output on real news pages (CNN, NPR, BBC, Reuters, WordPress themes...) and each
has a test that it removes the chrome line and keeps a look-alike sentence.

What must not live here: anything that rewrites text inside a paragraph (that is
:mod:`.normalize`) and anything site-specific by domain name.
"""

from __future__ import annotations

import re

# Credit and caption lines are short; a longer line starting "Photo:" is prose.
MAX_CREDIT_CHARS = 80

# Consent banners and paywall prompts run to a couple of sentences; past this length a line
# that mentions cookies or subscribing is more likely to be reporting about them.
MAX_PROMPT_CHARS = 220

_FLAGS = re.IGNORECASE

# Labels that are UI, not text: caption toggles, video widgets, share and print buttons.
_LABEL = re.compile(
    r"^(?:(?:hide|show|toggle|expand|close) caption"
    r"|just watched|must watch|replay|more videos\W*"
    r"|(?:read|see|show|load|view) (?:more|less|full (?:story|article))"
    r"|(?:continue|keep) reading(?: below| the (?:main )?story)?"
    r"|(?:story|article) continues (?:below|after)(?: (?:this )?(?:advertisement|ad))?"
    r"|send (?:in|by|via) e-?mail|e-?mail (?:this|to a friend)|print(?: this (?:page|article))?"
    r"|share(?: this(?: article| story| page)?)?(?: (?:on|via) \w+)?|tweet|pin it|whatsapp"
    r"|advertise?ment|advert|\(?ad\)?|sponsored(?: content)?|scroll to continue.*"
    r"|(?:leave|add|post|view|show|hide|read) (?:a |the |all )?comments?"
    r"|image (?:copyright|caption|source)|media caption|getty images|skip (?:to )?\w+ content"
    r"|(?:top|back to top|related|related (?:articles|stories|content|topics)|more on this story)"
    r")[\W_]*$"
    # Ad labels in the other languages of the corpora.
    r"|^(?:anzeige|werbung|gesponsert|publicit[ée]|sponsoris[ée]|publicidad|patrocinado"
    r"|pubblicit[àa]|sponsorizzato|publicidade|реклама|на правах рекламы)[\W_]*$"
    # "Read more: <another headline>" teasers: a label, a colon and at most a headline's length.
    r"|^(?:read more|related|see also|recommended|most read|also read|lesen sie auch"
    r"|mehr zum thema|lire aussi|[àa] lire aussi|lee también|leggi anche|leia também"
    r"|leia mais|veja também|читайте также|по теме)\s*:.{0,120}$",
    _FLAGS,
)

# Share and comment counters: "12 comments", "Comments (4)", "1.2k shares", "0".
_COUNTER = re.compile(
    r"^(?:\d[\d.,]*[km]?\s+(?:comments?|shares?|replies|reactions?|likes?|views?)"
    r"|(?:comments?|shares?|replies|reactions?)\s*[(\[:]?\s*\d[\d.,]*[km]?\s*[)\]]?"
    r"|\d[\d.,]*[km]?)$",
    _FLAGS,
)

# Relative-time labels, alone on a line: "5 minutes ago", "Updated 2 hours ago", "an hour ago".
_RELATIVE_TIME = re.compile(
    r"^(?:(?:updated|posted|published|last updated)\W*)?"
    r"(?:\d+|an?|one|a few)\s+(?:sec(?:ond)?s?|min(?:ute)?s?|h(?:ou)?rs?|days?|weeks?|months?)"
    r"\s+ago\W*$|^(?:just now|yesterday|today)$",
    _FLAGS,
)

# Image credits: "Photo: Jane Roe/Reuters", "(AP Photo/John Doe)", "Image credit: Getty".
_CREDIT = re.compile(
    r"^\(?(?:(?:photo|photograph|picture|image|illustration|video|graphic)(?:s)?"
    r"(?: credit| by| courtesy(?: of)?)?|credits?)\s*[:|]\s*[^.!?]*\)?$"
    r"|^\(?(?:AP|AFP|Reuters|EPA) Photo/[^)]*\)?$"
    r"|^(?:image|media|video) (?:copyright|source)\b[^.!?]*$",
    _FLAGS,
)

# Consent banners speak in the site's voice and run longer than a prompt (the IAB TCF
# boilerplate is 300-500 characters); a sentence reporting on cookie rules does not open so.
MAX_CONSENT_CHARS = 600

_CONSENT = re.compile(
    r"^(?:(?:we|this (?:site|website)) and our (?:\d+ )?(?:partners|vendors)\b"
    r"|by (?:clicking|continuing|using)\b.*\b(?:accept|agree|consent)"
    r"|you can (?:accept|reject|change|manage|withdraw)\b"
    r".*\b(?:preferences|consent|cookies|settings)"
    r")",
    _FLAGS,
)

# What is left of a dateline once trafilatura drops the <time> elements: "Posted , updated",
# "Published · Updated".
_DATELINE_REMNANT = re.compile(
    r"^(?:(?:posted|published|first published|updated|last updated|modified|on|at|by)"
    r"[\s,.:|/·•–—-]*)+$",
    _FLAGS,
)

# A dateline alone on a line: "Published 14 September 2021", "Last updated: 7 May 2019, 10:02",
# "Published 8 November 2018 Last updated 7 May 2019 - see all updates".  The times themselves
# are read from the page's markup (``timestamps``, ``history``); as a paragraph the line comes
# and goes with the page template (GOV.UK shows it at the foot of a page until the page has a
# change history), which would be a paragraph edit that no reader made.
_DAY = (
    r"(?:\d{1,2}(?:st|nd|rd|th)? [a-z]{3,9}\.?,? \d{4}"
    r"|[a-z]{3,9}\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})"
    r"(?:,? (?:at )?\d{1,2}[:.]\d{2}(?: ?[ap]\.?m\.?)?(?: [a-z]{2,4})?)?"
)
_DATE_STATEMENT = (
    r"(?:first published|published|posted|last updated|updated|last modified|modified)"
    rf"(?: on)?\s*:?\s*{_DAY}"
)
_DATELINE = re.compile(
    rf"^{_DATE_STATEMENT}(?:[\s,.|/·•–—-]+{_DATE_STATEMENT})*"
    r"(?:[\s,.|/·•–—-]+(?:see|show|hide) all updates)?[\s.]*$",
    _FLAGS,
)

# What a sign-up prompt offers: "Sign up for our free morning briefing", "Subscribe to the
# Daily newsletter".  A prompt is short and imperative and names only the thing offered; "Sign
# up to the events through the ... website" is an instruction in the article (its object is
# the story's own subject), so the object must be one of these, at most a few words in, with
# at most a short purpose after it ("... for the latest news").
_OFFER = (
    r"(?:newsletters?|briefings?|e-?mails?|email updates|alerts?|updates|digests?|bulletins?"
    r"|mailing lists?|accounts?|membership|subscriptions?|podcasts?|channels?|editions?|trial)"
)
# Subscription prompts and consent banners.
_PROMPT = re.compile(
    r"^(?:subscribe(?: now| today| here)?|sign up(?: now| today| here)?"
    r"|(?:subscribe|sign up|register)(?: now| today)? for free"
    r"|already (?:a subscriber|have an account)\W.*"
    r"|(?:subscribe|sign up|register) (?:to|for) (?:our|the|a|free)\b"
    rf"(?: [\w'’-]+){{0,4}}? {_OFFER}(?: (?:for|to|and|with) [^.!?]{{0,60}})?[\W_]*"
    r"|(?:get|receive) (?:our|the) [\w ]*newsletter.*"
    r"|(?:this|the rest of this) (?:article|story|content) is (?:for|only available to|exclusive"
    r" to) (?:subscribers|members).*"
    r"|(?:we|this (?:site|website)) uses? cookies\b.*"
    r"|(?:accept|reject|allow) (?:all|cookies)\W*|manage (?:cookies|preferences|consent)\W*"
    r"|(?:we value your privacy|your privacy (?:choices|settings|is important to us))\b.*"
    r")$",
    _FLAGS,
)


def is_chrome(paragraph: str) -> bool:
    """Whether a normalised paragraph is page chrome rather than article text."""
    if _LABEL.match(paragraph) or _COUNTER.match(paragraph):
        return True
    if _RELATIVE_TIME.match(paragraph) or _DATELINE_REMNANT.match(paragraph):
        return True
    if _DATELINE.match(paragraph):
        return True
    if len(paragraph) <= MAX_CONSENT_CHARS and _CONSENT.match(paragraph):
        return True
    if len(paragraph) <= MAX_CREDIT_CHARS and _CREDIT.match(paragraph):
        return True
    return len(paragraph) <= MAX_PROMPT_CHARS and bool(_PROMPT.match(paragraph))


def drop_chrome(paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    """The paragraphs that are not chrome, in order."""
    return tuple(p for p in paragraphs if not is_chrome(p))
