"""Chrome that news sites put *inside* the article, between two of its paragraphs, written for
the project: newsletter sign-up boxes, "read more" promos, ad slots with sponsored text, "most
read" lists, podcast and video embeds with captions, and donation appeals.

Sites vary these per request (A/B tests, rotation), so ``box(family, rng, lang)`` gives a
different box on every call: the markup is one of several templates (named by class and ARIA
role as CMSs do, or bare: only its structure says what it is), and the words, stories and
numbers rotate.  Texts exist in English, German, French, Spanish, Italian, Portuguese and
Russian; other languages get the English ones.  ``bench.edits`` serves them between two crawls
(chrome-only trials and their twins) and ``scheduler.demo.pages`` puts them in the crawl
tests' pages.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

FAMILIES = ("newsletter", "promo", "ad", "most_read", "embed", "donation")

# Per language: newsletter (heading, pitch, button), promo label, ad label, ad pitch,
# most-read heading, watch / listen labels, donation (heading, appeal, button).
_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "newsletter": (
            "Sign up to our free morning newsletter",
            "The day's top stories, in your inbox before breakfast.",
            "Sign up",
            "Get the Evening Briefing",
            "Everything you need to know tonight, every weekday.",
            "Subscribe",
        ),
        "promo": ("Read more", "Related", "Also read", "More on this story"),
        "ad": ("Advertisement", "Sponsored", "Paid content", "Promoted"),
        "ad_pitch": (
            "Homeowners are switching to this smart thermostat and cutting their bills.",
            "Compare broadband deals in your area and save up to 40% this month.",
        ),
        "most_read": ("Most read", "Trending now", "Popular"),
        "embed": ("Watch", "Listen", "Video", "Podcast"),
        "donation": (
            "Support independent journalism",
            "Our reporting is free for everyone because readers like you pay for it."
            " Give once or every month.",
            "Donate now",
            "Before you go",
            "Quality journalism costs money. Become a supporter today and help keep our"
            " newsroom going.",
            "Support us",
        ),
    },
    "de": {
        "newsletter": (
            "Jetzt unseren Newsletter abonnieren",
            "Die wichtigsten Nachrichten des Tages, jeden Morgen in Ihrem Postfach.",
            "Anmelden",
            "Der Abend-Newsletter",
            "Alles, was Sie heute wissen müssen, von Montag bis Freitag.",
            "Abonnieren",
        ),
        "promo": ("Lesen Sie auch", "Mehr zum Thema", "Auch interessant"),
        "ad": ("Anzeige", "Werbung", "Gesponsert"),
        "ad_pitch": (
            "Hausbesitzer sparen mit diesem Thermostat bis zu 30 Prozent Heizkosten.",
            "Jetzt Stromtarife vergleichen und bis zu 400 Euro im Jahr sparen.",
        ),
        "most_read": ("Meistgelesen", "Beliebt"),
        "embed": ("Video", "Podcast", "Hören"),
        "donation": (
            "Unterstützen Sie unabhängigen Journalismus",
            "Unsere Berichterstattung ist für alle frei zugänglich. Unterstützen Sie uns"
            " mit einem Beitrag.",
            "Jetzt spenden",
            "Bevor Sie gehen",
            "Guter Journalismus kostet Geld. Werden Sie heute Unterstützer.",
            "Unterstützen",
        ),
    },
    "fr": {
        "newsletter": (
            "Inscrivez-vous à notre newsletter",
            "L'essentiel de l'actualité, chaque matin dans votre boîte mail.",
            "S'inscrire",
            "Recevez notre lettre du soir",
            "Tout ce qu'il faut savoir ce soir, du lundi au vendredi.",
            "S'abonner",
        ),
        "promo": ("Lire aussi", "À lire également", "Sur le même sujet"),
        "ad": ("Publicité", "Contenu sponsorisé", "Sponsorisé"),
        "ad_pitch": (
            "Comparez les offres d'électricité et économisez jusqu'à 300 euros par an.",
            "Ce thermostat connecté fait baisser les factures de chauffage.",
        ),
        "most_read": ("Les plus lus", "Populaires"),
        "embed": ("Vidéo", "Podcast", "Écouter"),
        "donation": (
            "Soutenez un journalisme indépendant",
            "Nos articles sont accessibles à tous grâce à nos lecteurs. Faites un don.",
            "Faire un don",
            "Avant de partir",
            "Un journalisme de qualité a un coût. Devenez soutien dès aujourd'hui.",
            "Nous soutenir",
        ),
    },
    "es": {
        "newsletter": (
            "Suscríbete a nuestro boletín",
            "Las noticias más importantes del día, cada mañana en tu correo.",
            "Suscribirse",
            "Recibe el boletín de la tarde",
            "Todo lo que necesitas saber hoy, de lunes a viernes.",
            "Apúntate",
        ),
        "promo": ("Lee también", "Te puede interesar", "Más sobre este tema"),
        "ad": ("Publicidad", "Patrocinado", "Contenido patrocinado"),
        "ad_pitch": (
            "Compara tarifas de luz en tu zona y ahorra hasta 300 euros al año.",
            "Este termostato inteligente reduce la factura de la calefacción.",
        ),
        "most_read": ("Lo más leído", "Tendencias"),
        "embed": ("Vídeo", "Podcast", "Escucha"),
        "donation": (
            "Apoya el periodismo independiente",
            "Nuestro periodismo es gratuito gracias a lectores como tú. Haz una aportación.",
            "Donar ahora",
            "Antes de irte",
            "El periodismo de calidad cuesta dinero. Hazte socio hoy.",
            "Colabora",
        ),
    },
    "it": {
        "newsletter": (
            "Iscriviti alla nostra newsletter",
            "Le notizie più importanti del giorno, ogni mattina nella tua casella.",
            "Iscriviti",
            "Ricevi la newsletter della sera",
            "Tutto quello che devi sapere oggi, dal lunedì al venerdì.",
            "Abbonati",
        ),
        "promo": ("Leggi anche", "Potrebbe interessarti", "Approfondisci"),
        "ad": ("Pubblicità", "Sponsorizzato", "Contenuto sponsorizzato"),
        "ad_pitch": (
            "Confronta le tariffe della luce e risparmia fino a 300 euro l'anno.",
            "Questo termostato intelligente riduce la bolletta del riscaldamento.",
        ),
        "most_read": ("I più letti", "Di tendenza"),
        "embed": ("Video", "Podcast", "Ascolta"),
        "donation": (
            "Sostieni il giornalismo indipendente",
            "Il nostro lavoro è gratuito per tutti grazie ai lettori. Fai una donazione.",
            "Dona ora",
            "Prima di andare",
            "Il giornalismo di qualità ha un costo. Diventa sostenitore oggi.",
            "Sostienici",
        ),
    },
    "pt": {
        "newsletter": (
            "Assine a nossa newsletter",
            "As principais notícias do dia, todas as manhãs no seu e-mail.",
            "Inscrever-se",
            "Receba a newsletter da noite",
            "Tudo o que precisa saber hoje, de segunda a sexta.",
            "Assinar",
        ),
        "promo": ("Leia também", "Leia mais", "Veja também"),
        "ad": ("Publicidade", "Patrocinado", "Conteúdo patrocinado"),
        "ad_pitch": (
            "Compare tarifas de energia e economize até 300 reais por mês.",
            "Este termostato inteligente reduz a conta de luz.",
        ),
        "most_read": ("Mais lidas", "Em alta"),
        "embed": ("Vídeo", "Podcast", "Ouça"),
        "donation": (
            "Apoie o jornalismo independente",
            "Nosso jornalismo é gratuito graças a leitores como você. Faça uma doação.",
            "Doe agora",
            "Antes de sair",
            "Jornalismo de qualidade custa dinheiro. Torne-se apoiador hoje.",
            "Apoie",
        ),
    },
    "ru": {
        "newsletter": (
            "Подпишитесь на нашу рассылку",
            "Главные новости дня каждое утро в вашей почте.",
            "Подписаться",
            "Вечерняя рассылка",
            "Всё, что нужно знать сегодня, по будним дням.",
            "Подписаться",
        ),
        "promo": ("Читайте также", "По теме", "Читать далее"),
        "ad": ("Реклама", "Спонсорский материал", "На правах рекламы"),
        "ad_pitch": (
            "Сравните тарифы на интернет и сэкономьте до 40% в этом месяце.",
            "Этот умный термостат снижает счета за отопление.",
        ),
        "most_read": ("Самое читаемое", "Популярное"),
        "embed": ("Видео", "Подкаст", "Слушать"),
        "donation": (
            "Поддержите независимую журналистику",
            "Наши материалы бесплатны благодаря читателям. Сделайте пожертвование.",
            "Поддержать",
            "Прежде чем уйти",
            "Качественная журналистика стоит денег. Станьте нашим сторонником.",
            "Помочь",
        ),
    },
}

_STORIES = (
    "Markets slide as investors weigh rate outlook",
    "Storm warnings issued for coastal towns",
    "Five things to know before the weekend",
    "The quiet crisis in local newsrooms",
    "The moment the bridge reopened",
    "The deals that could still happen before the window shuts",
    "How a small town rebuilt its high street",
    "The best podcasts of the month",
    "Why rents keep rising in the suburbs",
    "A night shift with the coastguard",
)


def language(page: str) -> str:
    """The two-letter language of a page's ``<html lang>``, when boxes exist for it."""
    head = page[:4000].lower()
    at = head.find("<html")
    if at >= 0:
        tag = head[at : head.find(">", at)]
        for lang in _TEXTS:
            if f'lang="{lang}' in tag or f"lang='{lang}" in tag or f"lang={lang}" in tag:
                return lang
    return "en"


def box(family: str, rng: random.Random, lang: str = "en") -> str:
    """One in-article box of ``family``, different on every call (see the module docstring)."""
    if family not in _MAKERS:
        raise ValueError(f"unknown family {family!r}")
    texts = _TEXTS.get(lang, _TEXTS["en"])
    tag = rng.randrange(1_000_000)
    stories = rng.sample(_STORIES, 5)
    bare = rng.random() < 0.4  # no telling class names: only the structure says what it is
    return _MAKERS[family](_Parts(rng, texts, tag, stories, bare))


@dataclass(frozen=True)
class _Parts:
    rng: random.Random
    texts: dict[str, tuple[str, ...]]
    tag: int
    stories: list[str]
    bare: bool


def _newsletter(p: _Parts) -> str:
    k = p.rng.choice((0, 3))
    heading, pitch, button = (escape(t) for t in p.texts["newsletter"][k : k + 3])
    form = (
        f'<form action="/newsletter?src={p.tag}" method="post">'
        f'<input type="email" name="email" placeholder="you@example.com">'
        f'<input type="hidden" name="t" value="{p.tag}"><button type="submit">{button}</button>'
        "</form>"
    )
    if p.bare:
        return f"<div><h3>{heading}</h3><p>{pitch}</p>{form}</div>"
    return (
        f'<div class="newsletter-signup inline-signup" data-variant="{p.tag % 3}">'
        f"<h3>{heading}</h3><p>{pitch}</p>{form}</div>"
    )


def _promo(p: _Parts) -> str:
    label = escape(p.rng.choice(p.texts["promo"]))
    if p.bare:
        return (
            f'<p><strong>{label}:</strong> <a href="/story/{p.tag}">{escape(p.stories[0])}</a></p>'
        )
    links = "".join(
        f'<li><a href="/story/{p.tag}-{k}?ref=inline">{escape(s)}</a></li>'
        for k, s in enumerate(p.stories[:3])
    )
    return (
        f'<aside class="related-content read-more" role="complementary">'
        f"<h4>{label}</h4><ul>{links}</ul></aside>"
    )


def _ad(p: _Parts) -> str:
    label = escape(p.rng.choice(p.texts["ad"]))
    pitch = escape(p.rng.choice(p.texts["ad_pitch"]))
    if p.bare:
        return (
            f'<div data-ad-slot="{p.tag}"><span>{label}</span>'
            f'<p>{pitch} <a href="https://ads.example/c?{p.tag}">{pitch.split()[0]}</a></p></div>'
        )
    return (
        f'<div class="ad-container sponsored" id="div-gpt-ad-{p.tag}" aria-label="{label}">'
        f'<span class="ad-label">{label}</span><p>{pitch}</p></div>'
    )


def _most_read(p: _Parts) -> str:
    heading = escape(p.rng.choice(p.texts["most_read"]))
    items = "".join(
        f'<li><a href="/story/{p.tag}-{k}">{escape(s)}</a></li>' for k, s in enumerate(p.stories)
    )
    if p.bare:
        return f"<div><h3>{heading}</h3><ol>{items}</ol></div>"
    return f'<section class="most-popular widget"><h3>{heading}</h3><ol>{items}</ol></section>'


def _embed(p: _Parts) -> str:
    label = escape(p.rng.choice(p.texts["embed"]))
    length = f"{p.rng.randint(1, 9)}:{p.rng.randint(10, 59)}"
    caption = f"{label}: {escape(p.stories[0])} ({length})"
    if p.rng.random() < 0.5:
        player = f'<iframe src="https://player.example/embed/{p.tag}" allowfullscreen></iframe>'
        if p.bare:
            return f"<figure>{player}<figcaption>{caption}</figcaption></figure>"
        return (
            f'<figure class="video-embed media-player">{player}'
            f"<figcaption>{caption}</figcaption></figure>"
        )
    audio = f'<audio controls src="https://audio.example/ep{p.tag}.mp3"></audio>'
    if p.bare:
        return f"<div>{audio}<p>{caption}</p></div>"
    return f'<div class="podcast-embed">{audio}<p>{caption}</p></div>'


def _donation(p: _Parts) -> str:
    k = p.rng.choice((0, 3))
    heading, appeal, button = (escape(t) for t in p.texts["donation"][k : k + 3])
    if p.bare:
        link = f'<a href="/support?via=inline-{p.tag}">{button}</a>'
        return f"<div><p><strong>{heading}</strong></p><p>{appeal}</p><p>{link}</p></div>"
    return (
        f'<div class="contribution-appeal" data-epic="{p.tag % 5}"><h3>{heading}</h3>'
        f'<p>{appeal}</p><a class="button button--cta" href="/support?via={p.tag}">{button}</a>'
        "</div>"
    )


_MAKERS: dict[str, Callable[[_Parts], str]] = {
    "newsletter": _newsletter,
    "promo": _promo,
    "ad": _ad,
    "most_read": _most_read,
    "embed": _embed,
    "donation": _donation,
}
