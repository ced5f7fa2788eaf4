"""The words of the demo's developing story: Palmyra, 1–4 March 2017, in five rounds.

This module is data only: the article states per round, written in the project's own words
(the facts follow the public reporting of the city's recapture; the outlet, its reporters and
its live page are invented). ``story.py`` renders them into pages. Paragraphs are named
constants so that each round's edits — added, changed, removed, moved — are visible here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "HERITAGE_PATH",
    "LIVE_PATH",
    "MAIN_PATH",
    "ROUND_SUMMARIES",
    "STATES",
    "ArticleState",
    "PageSpec",
]


@dataclass(frozen=True)
class ArticleState:
    """What one article says at one round."""

    headline: str
    standfirst: str
    byline: str
    modified: str  # ISO 8601, UTC
    paragraphs: tuple[str, ...]
    correction: str | None = None


@dataclass(frozen=True)
class PageSpec:
    """An article page: where it lives and what it says in each round (index 0 = round 1)."""

    path: str
    section: str
    published: str  # ISO 8601, UTC
    states: tuple[ArticleState, ...]


MAIN_PATH = "/world/middle-east/2017/03/palmyra-offensive"
HERITAGE_PATH = "/culture/2017/03/palmyra-ruins-damage"
LIVE_PATH = "/world/middle-east/2017/03/palmyra-live"

# -- main story ----------------------------------------------------------------------------

M_LEAD_1 = (
    "Syrian government troops, supported by Russian warplanes, closed in on Palmyra on "
    "Wednesday, military sources said, less than three months after Islamic State fighters "
    "took the desert city for the second time."
)
M_LEAD_2 = (
    "Syrian government troops entered Palmyra on Thursday as Islamic State fighters began "
    "pulling out towards the east, military sources said, less than three months after the "
    "group took the desert city for the second time."
)
M_LEAD_3 = (
    "The Syrian army said late on Thursday that it had taken back all of Palmyra, pushing "
    "Islamic State out of the desert city less than three months after the group seized it "
    "for the second time."
)
M_CITADEL_1 = (
    "Outlets close to the government said units had captured the hilltop citadel west of "
    "the city, a position that looks down over both the ancient ruins and "
    "the modern town beside them."
)
M_CITADEL_3 = (
    "Troops had taken the hilltop citadel west of the city earlier in the "
    "week, giving them a commanding view over the ancient ruins and the modern town."
)
M_PALACE = (
    "Army units were also said to have reached a complex of villas and palaces on the "
    "city's southwestern outskirts. The Daily Meridian was unable to verify the claims "
    "independently."
)
M_20KM = (
    "At the weekend, Russian officers had put the army's forward positions at less than "
    "20 kilometres from the city, with progress slowed by mines laid along the road from Homs."
)
M_WITHDRAW = (
    "A field commander interviewed by state television said soldiers were advancing through "
    "the western districts block by block, clearing explosives left behind in houses and "
    "along the main road."
)
M_SOHR_2 = (
    "A Britain-based monitoring group, the Syrian Observatory for Human Rights, said most "
    "of the militants had left, but that fighting was still going on at the eastern edge of "
    "the city."
)
M_SOHR_3 = (
    "The Syrian Observatory for Human Rights said most of the militants had retreated east "
    "towards Deir ez-Zor, but said it could not yet confirm that the whole city was in "
    "government hands."
)
M_SOHR_4 = (
    "The Syrian Observatory for Human Rights confirmed on Friday morning that the entire "
    "city was under government control, after what its director called fierce clashes "
    "that ran through Wednesday night."
)
M_SANA = (
    "In a statement published by the state news agency SANA, the army's general command "
    "said its units and allied forces had inflicted heavy losses on the militants in an "
    "operation backed by Syrian and Russian aircraft."
)
M_KREMLIN = "In Moscow, a Kremlin spokesman said Russian air support had been decisive."
M_DISTANCE_WRONG = (
    "Palmyra lies in the middle of Homs province, about 325 kilometres from Raqqa, the "
    "group's self-declared capital in Syria, and controls roads that run east across the "
    "desert."
)
M_DISTANCE_RIGHT = M_DISTANCE_WRONG.replace("325", "225")
M_GENEVA = (
    "At peace talks in Geneva, opposition delegates declined to welcome the news. One "
    "compared the back-and-forth over Palmyra to a cartoon chase in which nobody stays "
    "ahead for long."
)
M_DECEMBER = (
    "Islamic State retook Palmyra in December in a surprise offensive that also overran gas "
    "fields west of the city, while the government's forces were concentrated on the "
    "battle for Aleppo."
)
M_FIRST_TIME = (
    "The group had first held the city from May 2015 until March 2016, when the army, "
    "backed by Russian air power, drove its fighters out."
)
M_CORRECTION = (
    "Correction: An earlier version of this article misstated the distance between Palmyra "
    "and Raqqa. It is about 225 kilometres, not 325."
)

_HADDAD = "By Nadia Haddad"
_HADDAD_REYES = "By Nadia Haddad and Tomás Reyes"

MAIN_R1 = ArticleState(
    headline="DEVELOPING: Syrian forces push toward Palmyra",
    standfirst="Government troops backed by Russian jets close in on the desert city.",
    byline=_HADDAD,
    modified="2017-03-01T09:10:00+00:00",
    paragraphs=(M_LEAD_1, M_CITADEL_1, M_PALACE, M_20KM, M_DECEMBER, M_FIRST_TIME),
)
MAIN_R2 = ArticleState(
    headline="Syrian troops enter Palmyra as Islamic State fighters pull back",
    standfirst="Soldiers clear the western districts as militants head east.",
    byline=_HADDAD,
    modified="2017-03-02T18:20:00+00:00",
    paragraphs=(M_LEAD_2, M_WITHDRAW, M_CITADEL_1, M_PALACE, M_SOHR_2, M_DECEMBER, M_FIRST_TIME),
)
MAIN_R3 = ArticleState(
    headline="Syrian army recaptures Palmyra from Islamic State",
    standfirst="The general command says the desert city is back under government control.",
    byline=_HADDAD_REYES,
    modified="2017-03-02T23:05:00+00:00",
    paragraphs=(
        M_LEAD_3,
        M_SANA,
        M_KREMLIN,
        M_WITHDRAW,
        M_CITADEL_3,
        M_SOHR_3,
        M_DISTANCE_WRONG,
        M_FIRST_TIME,
        M_DECEMBER,
    ),
)
MAIN_R4 = ArticleState(
    headline="CONFIRMED: Syrian army retakes Palmyra as monitor backs government account",
    standfirst="The government's claim is confirmed by a monitoring group on Friday morning.",
    byline=_HADDAD_REYES,
    modified="2017-03-03T10:30:00+00:00",
    paragraphs=(
        M_LEAD_3,
        M_SOHR_4,
        M_SANA,
        M_KREMLIN,
        M_WITHDRAW,
        M_CITADEL_3,
        M_DISTANCE_RIGHT,
        M_GENEVA,
        M_FIRST_TIME,
        M_DECEMBER,
    ),
    correction=M_CORRECTION,
)

# -- heritage story ------------------------------------------------------------------------

H_FEAR = (
    "Archaeologists following the battle for Palmyra say they are bracing for fresh losses "
    "at one of the best-preserved classical sites in the Middle East."
)
H_JANUARY = (
    "In January, satellite pictures and the Syrian antiquities directorate indicated that "
    "Islamic State had wrecked the tetrapylon, a monumental cluster of columns on the "
    "city's colonnaded main street, and pulled down part of the Roman theatre's stage front."
)
H_2015 = (
    "During its first occupation, in 2015, the group blew up the temples of Bel and "
    "Baalshamin and destroyed the monumental arch. It also murdered Khaled al-Asaad, the "
    "retired archaeologist who had cared for the ruins for four decades."
)
H_CONCERT_1 = (
    "In May 2016 the theatre was the stage for a concert by Russian musicians under the "
    "conductor Valery Gergiev, held to celebrate the city's first recapture."
)
H_CONCERT_3 = (
    "In May 2016 the theatre was the stage for a concert by Russian musicians under the "
    "conductor Valery Gergiev, held to celebrate the city's first recapture. The orchestra "
    "played in front of the very facade that now appears to be gone."
)
H_UNESCO = (
    "UNESCO, which lists Palmyra as a World Heritage Site, has described the deliberate "
    "destruction of its monuments as a war crime."
)
H_FOOTAGE = (
    "The first pictures from Palmyra since government forces returned show serious damage "
    "to the Roman theatre, where much of the carved stage front seems to have collapsed "
    "into the orchestra."
)
H_DRONE_3 = (
    "Aerial footage released by the Russian defence ministry also showed gaps in the "
    "tetrapylon, with only four of its sixteen columns still upright."
)
H_DRONE_5 = (
    "Aerial footage released by the Russian defence ministry showed that only four of the "
    "tetrapylon's sixteen columns were still upright; the directorate said it had "
    "fragments of most of the others."
)
H_EXPERT = (
    "Specialists warned that photographs alone could not show whether fallen blocks were "
    "intact enough to be put back in place."
)
H_MISSION = (
    "Syria's antiquities chief said a team of specialists hoped to reach the site within "
    "days, once army engineers had finished clearing mines from the ground around the ruins."
)

_WHITCOMBE = "By Clara Whitcombe, Culture Correspondent"

HERITAGE_R1 = ArticleState(
    headline="Archaeologists fear for Palmyra's ruins as fighting closes in",
    standfirst="Experts brace for new damage at the ancient desert city.",
    byline=_WHITCOMBE,
    modified="2017-03-01T11:00:00+00:00",
    paragraphs=(H_FEAR, H_JANUARY, H_2015, H_CONCERT_1, H_UNESCO),
)
HERITAGE_R3 = ArticleState(
    headline="Palmyra's Roman theatre badly damaged, first images suggest",
    standfirst="Pictures from the recaptured city show the theatre's stage front in ruins.",
    byline=_WHITCOMBE,
    modified="2017-03-03T08:00:00+00:00",
    paragraphs=(H_FOOTAGE, H_JANUARY, H_DRONE_3, H_2015, H_CONCERT_3, H_UNESCO),
)
HERITAGE_R4 = ArticleState(
    headline=HERITAGE_R3.headline,
    standfirst=HERITAGE_R3.standfirst,
    byline=_WHITCOMBE,
    modified="2017-03-03T14:20:00+00:00",
    paragraphs=(H_FOOTAGE, H_UNESCO, H_JANUARY, H_DRONE_3, H_EXPERT, H_2015, H_CONCERT_3),
)
HERITAGE_R5 = ArticleState(
    headline="Experts begin assessing damage to Palmyra's Roman theatre",
    standfirst="A survey team hopes to reach the ruins once mines have been cleared.",
    byline=_WHITCOMBE,
    modified="2017-03-04T09:15:00+00:00",
    paragraphs=(H_FOOTAGE, H_MISSION, H_UNESCO, H_JANUARY, H_DRONE_5, H_EXPERT, H_2015),
)

# -- live page -----------------------------------------------------------------------------

L_MORNING = (
    "07:40 GMT – Good morning. Syrian troops backed by Russian jets are advancing on "
    "Palmyra from the west. We will follow events here throughout the day."
)
L_CITADEL = "09:05 GMT – Pro-government outlets say the army has secured the citadel."
L_INSIDE_2 = (
    "13:20 GMT – State television reports troops inside the western districts; monitoring "
    "groups say fighting goes on."
)
L_INSIDE_3 = (
    "13:20 GMT – State television reported troops inside the western districts; monitoring "
    "groups later confirmed the advance."
)
L_CONVOYS = "17:55 GMT – Activists say militants are leaving the city in convoys heading east."
L_DECLARED = "22:40 GMT – The army's general command says Palmyra is fully back in its hands."
L_CONFIRMED = "09:30 GMT (Fri) – The Syrian Observatory for Human Rights confirms the recapture."
L_CLOSING = (
    "10:15 GMT (Fri) – We are closing this live page. Our main report has the full story "
    "of the city's recapture."
)

_STAFF = "By Meridian staff"

LIVE_R1 = ArticleState(
    headline="Palmyra offensive: live updates",
    standfirst="The latest from the Syrian army's push on the desert city.",
    byline=_STAFF,
    modified="2017-03-01T09:05:00+00:00",
    paragraphs=(L_CITADEL, L_MORNING),
)
LIVE_R2 = ArticleState(
    headline="Palmyra live: troops reported inside the city",
    standfirst=LIVE_R1.standfirst,
    byline=_STAFF,
    modified="2017-03-02T17:55:00+00:00",
    paragraphs=(L_CONVOYS, L_INSIDE_2, L_CITADEL, L_MORNING),
)
LIVE_R3 = ArticleState(
    headline="Palmyra live: army declares the city retaken",
    standfirst=LIVE_R1.standfirst,
    byline=_STAFF,
    modified="2017-03-02T22:40:00+00:00",
    paragraphs=(L_DECLARED, L_CONVOYS, L_INSIDE_3, L_CITADEL, L_MORNING),
)
LIVE_R4 = ArticleState(
    headline="Palmyra live: monitor confirms the recapture",
    standfirst=LIVE_R1.standfirst,
    byline=_STAFF,
    modified="2017-03-03T10:15:00+00:00",
    paragraphs=(L_CLOSING, L_CONFIRMED, L_DECLARED, L_CONVOYS, L_INSIDE_3, L_CITADEL),
)

# -- the rounds ----------------------------------------------------------------------------

STATES: tuple[PageSpec, ...] = (
    PageSpec(
        path=MAIN_PATH,
        section="Middle East",
        published="2017-03-01T08:15:00+00:00",
        states=(MAIN_R1, MAIN_R2, MAIN_R3, MAIN_R4, MAIN_R4),
    ),
    PageSpec(
        path=HERITAGE_PATH,
        section="Culture",
        published="2017-03-01T10:30:00+00:00",
        states=(HERITAGE_R1, HERITAGE_R1, HERITAGE_R3, HERITAGE_R4, HERITAGE_R5),
    ),
    PageSpec(
        path=LIVE_PATH,
        section="Middle East",
        published="2017-03-01T07:40:00+00:00",
        states=(LIVE_R1, LIVE_R2, LIVE_R3, LIVE_R4, LIVE_R4),
    ),
)

ROUND_SUMMARIES: tuple[str, ...] = (
    "first publication: three articles as the army closes in on Palmyra",
    "troops enter the city: main headline and lead rewritten, a paragraph dropped and two "
    "added; live page grows; heritage story unchanged",
    "city declared retaken: new headline, second reporter on the byline, paragraphs moved; "
    "heritage story rewritten around the first images",
    "CONFIRMED: correction note on the main story; heritage paragraphs reordered; live page closes",
    "main story and live page change only their chrome; heritage story updated",
)
