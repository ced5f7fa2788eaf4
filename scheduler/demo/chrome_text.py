"""The words of the page chrome that :mod:`scheduler.demo.chrome` builds, written for the project:
the in-article boxes' texts in seven languages, and the stories their lists and the per-request
most-read lists link to.  ``chrome`` owns the markup.
"""

# Per language: newsletter (heading, pitch, button), promo label, ad label, ad pitch,
# most-read heading, watch / listen labels, donation (heading, appeal, button).
TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
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

BOX_STORIES = (
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

# The stories of the per-request chrome's most-read and related lists (``request_chrome``).
REQUEST_STORIES = (
    "Markets slide as investors weigh rate outlook",
    "Storm warnings issued for coastal towns",
    "Five things to know before the weekend",
    "Opinion: the quiet crisis in local newsrooms",
    "Watch: the moment the bridge reopened",
    "Transfer window: the deals that could still happen",
    "How a small town rebuilt its high street",
    "The best podcasts of the month",
)
