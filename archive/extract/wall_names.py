"""The names (ids and classes) the wall guard (:mod:`archive.extract.walls`) reads a consent
prompt, a paywall, an error page or a wall candidate by, and what its controls say.  Plain
patterns, importing nothing but :mod:`re`: tier 0's check (:mod:`archive.extract.template`)
refuses an id key spelling one of the names, and a block by a wall the words of its
controls."""

from __future__ import annotations

import re
from typing import Final

# Consent platforms, by the ids and classes of their containers.
CONSENT_VENDORS: Final = (
    ("OneTrust", r"onetrust|optanon|ot-sdk"),
    ("Didomi", r"didomi"),
    ("Quantcast Choice", r"qc-cmp|quantcast"),
    ("Sourcepoint", r"sp_message|sp_veil|sp-message"),
    ("Cookiebot", r"cybotcookiebot|cookiebot"),
    ("TrustArc", r"truste|trustarc"),
    ("Usercentrics", r"usercentrics|uc-(?:banner|center|privacy)"),
    ("consentmanager", r"cmpbox|cmpwrapper"),
    ("Funding Choices", r"fc-consent|fc-dialog"),
    ("iubenda", r"iubenda"),
    ("Osano", r"osano"),
    ("CookieYes", r"cookieyes|cky-consent"),
    ("Axeptio", r"axeptio"),
    ("Sirdata", r"sd-cmp"),
)
CONSENT_NAME: Final = re.compile(
    "|".join(rx for _, rx in CONSENT_VENDORS)
    + r"|consent|gdpr|\btcf|cmp-?(?:container|wrapper|banner|dialog|modal|ui|layer)"
    + r"|cookie-?(?:banner|notice|wall|bar|popup|modal|dialog|overlay|layer|consent|law)"
    + r"|privacy-?(?:wall|banner|notice|manager|center|prompt|modal|dialog)",
    re.I,
)

# Paywall and registration-wall prompts, by the ids and classes of their containers.
PAYWALL_NAME: Final = re.compile(
    r"pay-?wall|reg-?wall|registration-?wall|login-?wall|sign-?in-?wall|subscri\w*-?(?:wall|gate"
    r"|prompt|offer|barrier|only|required)|premium-?(?:wall|barrier|lock|prompt|teaser|gate)"
    r"|meter(?:ed)?-?(?:wall|barrier|prompt|gate)|\btp-(?:modal|container|backdrop|iframe)"
    r"|piano|poool|zephr|pelcro|laterpay|article-?(?:locked|gate|lock)|content-?(?:locked|gate)"
    r"|abo-?(?:wall|promo|teaser|hinweis|box)|plus-?(?:wall|teaser)|offer-?wall|wall-?offer",
    re.I,
)

ERROR_MARKUP: Final = re.compile(
    r"(?<![a-z0-9])(?:error-?404|page-?404|404-?page|not-?found|notfound|page-?not-?found"
    r"|error-?page|http-?404|status-?404|page-?error)(?![a-z0-9])",
    re.I,
)

CANDIDATE: Final = re.compile(
    r"consent|cookie|privacy|gdpr|tcf|cmp|onetrust|optanon|ot-sdk|didomi|qc-|quantcast|sp_"
    r"|sp-|cybot|truste|usercentrics|uc-|fc-|iubenda|osano|cky|axeptio|pay|wall|subscri"
    r"|premium|meter|tp-|piano|poool|zephr|pelcro|laterpay|lock|gate|abo|plus|offer"
)
# Every one of them, as tier 0's key guard reads them (on a lowercased value).
WALL_NAMES: Final = (CONSENT_NAME, PAYWALL_NAME, ERROR_MARKUP, CANDIDATE)

# What a consent control says: accept, reject or manage, in English, French, German, Spanish.
CONSENT_CONTROL: Final = re.compile(
    r"\b(?:accept|agree|allow|reject|decline|refuse|consent|manage|preferences|options|settings)"
    r"|accepter|j'accepte|refuser|continuer sans|paramétrer|personnaliser|consentement"
    r"|akzeptieren|zustimmen|einverstanden|ablehnen|einstellungen|einwilligen"
    r"|aceptar|acepto|rechazar|configurar|consentimiento|ajustes",
    re.I,
)
# What a consent dialog talks about.
CONSENT_TOPIC: Final = re.compile(
    r"cookie|consent|privacy|partners|personal data|tracking"
    r"|consentement|vie privée|confidentialité|partenaires|données personnelles"
    r"|einwilligung|datenschutz|partner|personenbezogen"
    r"|consentimiento|privacidad|socios|datos personales",
    re.I,
)

# What a paywall's control says: subscribe, sign in, register, in four languages.
PAYWALL_CONTROL: Final = re.compile(
    r"subscri|sign ?in|log ?in|register|create (?:a |an |your )?(?:free )?account|free trial"
    r"|start (?:your )?trial|become a (?:member|subscriber)|join now|unlock"
    r"|abonn|connecter|connectez|identifi|créer (?:un|mon) compte|inscri"
    r"|abonnieren|\babo\b|anmelden|einloggen|registrieren|konto|jetzt testen|freischalten"
    r"|suscri|iniciar sesión|inicia sesión|regístrate|registrarse|crear (?:una )?cuenta"
    r"|hazte socio|desbloquea",
    re.I,
)
