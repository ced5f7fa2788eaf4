"""Moves with edits: a paragraph is called moved only when it is recognisably the same one.

Each shape comes with its twin: the real move is found, and the look-alike is not a move.
"""

from __future__ import annotations

from archive.diff.align import Pairing, align
from archive.enums import EditKind

INTRO = (
    "The port authority published a series of short recorded sessions for traders who ship "
    "goods across the Channel now that the new border checks have started."
)
OUTRO = (
    "Traders with questions that the sessions do not answer can write to the helpdesk, which "
    "replies within five working days."
)


def heading(goods: str) -> str:
    return f"Shipping {goods} across the Channel"


def session(goods: str, example: str) -> str:
    return (
        f"Watch the recorded session on shipping {goods} across the Channel to learn which "
        f"forms you need, how the border checks work and what fees apply, using {example} "
        "as the worked example throughout."
    )


def items(*products: tuple[str, str]) -> list[str]:
    """A patterned list: a heading and a session for each (goods, worked example)."""
    return [
        text for goods, example in products for text in (heading(goods), session(goods, example))
    ]


FISH = ("frozen fish", "a crate of cod")
FLOWERS = ("cut flowers", "a box of tulips")
CAR_PARTS = ("car parts", "a set of brake pads")
SOFT_TOYS = ("soft toys", "a bag of teddy bears")


def kinds(pairings: list[Pairing]) -> dict[str, int]:
    found: dict[str, int] = {}
    for pairing in pairings:
        if pairing.kind is not None:
            found[pairing.kind.value] = found.get(pairing.kind.value, 0) + 1
    return found


def moves(pairings: list[Pairing]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    return [(p.old, p.new) for p in pairings if p.kind is EditKind.PARAGRAPH_MOVED]


# ---- paragraphs written to one pattern --------------------------------------------------------


def test_a_list_of_look_alike_items_replaced_by_others_has_no_move():
    # Every item of a patterned list is swapped for another product and the order changes:
    # each old item is as much like several new ones as like any one of them, so no item is
    # recognisably the same paragraph elsewhere.
    old = [INTRO, *items(FISH, FLOWERS, ("fresh fruit", "a pallet of pears")), OUTRO]
    new = [
        INTRO,
        *items(CAR_PARTS, SOFT_TOYS),
        heading("fresh fruit juice"),
        session("wine", "a case of red wine"),
        *items(("face creams", "a jar of moisturiser")),
        OUTRO,
    ]
    result = align(old, new)
    assert moves(result) == [], result


def test_twin_a_distinct_paragraph_moved_and_edited_among_look_alikes_is_a_move():
    # The same patterned list, but one paragraph unlike the others moves from the top to the
    # bottom and gains a few words on the way: it resembles nothing else, so it is a move,
    # even though the items around it changed too.
    note = (
        "Sessions recorded before March used the old customs declaration, which was replaced "
        "by a single online form for all consignments."
    )
    old = [INTRO, note, *items(FISH, FLOWERS), OUTRO]
    new = [
        INTRO,
        *items(CAR_PARTS, SOFT_TOYS),
        note.replace("a single online form", "a single short online form"),
        OUTRO,
    ]
    result = align(old, new)
    assert moves(result) == [((1,), (5,))], result


def test_a_short_heading_with_its_one_telling_word_changed_elsewhere_is_no_move():
    # "Shipping fish ..." far down the old page and "Shipping toys ..." near the top of the new
    # one share most of their words, but so does every other heading of the list.
    old = [INTRO, heading("wine"), heading("toys"), OUTRO, heading("fish")]
    new = [INTRO, heading("cheese"), heading("wine"), OUTRO, heading("bread")]
    result = align(old, new)
    assert moves(result) == [], result


# ---- table rows ---------------------------------------------------------------------------------

SHORTAGES = [
    "| Product | Expected back in stock |",
    "|---|---|",
    "| Calmoxin 250 mg oral suspension for dogs (1234/5678) | Spring 2022 |",
    "| Dermasol cream for horses, 40 g tube (2345/6789) | Autumn 2022 |",
]
SUPPLIERS = [
    "| Product | Who to contact |",
    "|---|---|",
    "| Ovicare pour-on solution for sheep (3456/7890) | Northfield Animal Health 01632 960123 |",
    "| Bovitab bolus for cattle, 20 tablets (4567/8901) | Westmoor Vets Ltd 01632 960456 |",
    "| Felimix tablets for cats (5678/9012) | Westmoor Vets Ltd 01632 960456 |",
]
BETWEEN = (
    "The products below are available again and can be ordered from the companies named in "
    "the table, which hold stock for veterinary practices."
)


TABLES = [*SHORTAGES, BETWEEN, *SUPPLIERS]


def bovitab_gone_and(row: str) -> list[str]:
    """The tables with the Bovitab row gone from the suppliers and ``row`` among the shortages."""
    return [*SHORTAGES[:3], row, SHORTAGES[3], BETWEEN, *SUPPLIERS[:3], SUPPLIERS[4]]


def test_a_table_row_moved_to_another_table_under_the_same_name_is_a_move():
    # A product goes from the list of suppliers to the list of shortages: its name, the row's
    # first cell, stays; the other cell is rewritten to fit its new table.
    moved = "| Bovitab bolus for cattle, 20 tablets (4567/8901) | First half of 2022 |"
    result = align(TABLES, bovitab_gone_and(moved))
    assert moves(result) == [((8,), (3,))], result
    assert kinds(result) == {"paragraph_moved": 1}


def test_twin_a_row_of_another_product_in_its_place_is_added_and_removed():
    # The same shape, but the new row names another product: nothing moved.
    other = "| Equiflex gel for horses, 100 ml (6789/0123) | First half of 2022 |"
    result = align(TABLES, bovitab_gone_and(other))
    assert moves(result) == [], result
    assert kinds(result) == {"paragraph_added": 1, "paragraph_removed": 1}


def test_twin_a_row_rewritten_in_its_own_place_is_changed_not_moved():
    # The row keeps its name and its place; its other cell is rewritten beyond recognition.
    rewritten = (
        "| Calmoxin 250 mg oral suspension for dogs (1234/5678) | Withdrawn by the maker, "
        "no replacement planned, ask your practice for an alternative treatment |"
    )
    new = [*SHORTAGES[:2], rewritten, *SHORTAGES[3:], BETWEEN, *SUPPLIERS]
    result = align(TABLES, new)
    assert moves(result) == [], result
    assert kinds(result) == {"paragraph_changed": 1}


def test_twin_rows_named_by_a_word_or_by_a_shared_name_are_not_paired():
    # A one-word name ("Leeds") says too little, and a name two rows share cannot tell which
    # of them went where.
    old = [
        "| Leeds | 4 May | Fully booked |",
        "| Felimix tablets for cats (5678/9012) | Westmoor Vets Ltd |",
        "| Felimix tablets for cats (5678/9012) | Northfield Animal Health |",
        BETWEEN,
        OUTRO,
    ]
    # the rows go from before the paragraph to after it
    new = [
        BETWEEN,
        "| Leeds | May 2022 |",
        "| Felimix tablets for cats (5678/9012) | Summer 2022 |",
        OUTRO,
    ]
    result = align(old, new)
    assert moves(result) == [], result


def test_a_row_moved_to_another_table_with_a_note_dropped_from_its_name_is_a_move():
    # In the shortages table the product's name cell also holds a "Further information" link;
    # moved to the suppliers table, the cell is the name alone and the other cell is new.
    noted = "| Bovitab bolus for cattle, 20 tablets (4567/8901) Further information | Spring 2022 |"
    old = [*SHORTAGES[:3], noted, SHORTAGES[3], BETWEEN, *SUPPLIERS[:3], SUPPLIERS[4]]
    moved = "| Bovitab bolus for cattle, 20 tablets (4567/8901) | Westmoor Vets Ltd 01632 960456 |"
    new = [*SHORTAGES, BETWEEN, *SUPPLIERS[:3], moved, SUPPLIERS[4]]
    result = align(old, new)
    assert moves(result) == [((3,), (8,))], result
    assert kinds(result) == {"paragraph_moved": 1}


def test_twin_a_name_that_begins_two_rows_names_neither():
    # The shorter name begins the names of two rows of the new version: which one the old row
    # became is a guess, so it is removed and both are added.
    old = [*SHORTAGES, BETWEEN, *SUPPLIERS[:2]]
    new = [
        *SHORTAGES[:2],
        SHORTAGES[3],
        BETWEEN,
        *SUPPLIERS[:2],
        "| Calmoxin 250 mg oral suspension for dogs (1234/5678) 50 ml | Westmoor Vets Ltd |",
        "| Calmoxin 250 mg oral suspension for dogs (1234/5678) 100 ml | Westmoor Vets Ltd |",
    ]
    result = align(old, new)
    assert moves(result) == [], result
    assert kinds(result) == {"paragraph_added": 2, "paragraph_removed": 1}


def test_twin_a_name_that_only_shares_its_first_words_is_another_row():
    # "Ovicare pour-on solution for sheep" is not "Ovicare pour-on solution for lambs": a name
    # is matched whole, with words added only at its end.
    old = [*SHORTAGES, BETWEEN, *SUPPLIERS]
    other = "| Ovicare pour-on solution for lambs (3456/7891) | Summer 2022 |"
    new = [*SHORTAGES, other, BETWEEN, *SUPPLIERS[:2], *SUPPLIERS[3:]]
    result = align(old, new)
    assert moves(result) == [], result
    assert kinds(result) == {"paragraph_added": 1, "paragraph_removed": 1}


# ---- which pairs of a gap are changes -------------------------------------------------------


def test_a_paragraph_moved_and_edited_across_its_edited_neighbours_is_the_move():
    # Two paragraphs are edited in place and the one before them goes after them with a
    # small edit: the two are the changes, the paragraph that crosses them the move.
    old = [
        INTRO,
        "Fishing crews have complained for months that the works blocked the western slipway "
        "during the busiest weeks of the season.",
        "The harbour master said the new quay would open in June after two years of work.",
        "The mayor thanked the engineers who finished the sea wall ahead of the winter storms.",
        OUTRO,
    ]
    new = [
        INTRO,
        "The harbour master said the new quay would now open in July after two years of work.",
        "The mayor thanked the engineers who finished the sea wall before the winter storms.",
        "Fishing crews have complained for months that the works blocked the western slipway "
        "during the very busiest weeks of the season.",
        OUTRO,
    ]
    result = align(old, new)
    assert moves(result) == [((1,), (3,))], result
    assert kinds(result) == {"paragraph_changed": 2, "paragraph_moved": 1}


def test_twin_one_clearly_same_paragraph_outweighs_two_barely_alike_pairs():
    # In one gap, the first old paragraph reappears second with a few words changed, and each
    # of the others is only a little like a paragraph it crosses: the clear pair is the change;
    # the loose look-alikes are an addition and a removal, not two changes.
    clear_old = (
        "Volunteers planted four hundred oak saplings along the river path on Saturday morning"
    )
    clear_new = "Volunteers planted four hundred oak saplings along the canal towpath on Saturday"
    loose_new = "On Saturday morning the river path was closed while pupils planted the benches"
    loose_old = "Four hundred boats moored along the canal towpath, the lock keeper said"
    old = [INTRO, clear_old, loose_old, OUTRO]
    new = [INTRO, loose_new, clear_new, OUTRO]
    result = align(old, new)
    changed = [(p.old, p.new) for p in result if p.kind is EditKind.PARAGRAPH_CHANGED]
    assert changed == [((1,), (2,))], result
    assert kinds(result) == {
        "paragraph_changed": 1,
        "paragraph_added": 1,
        "paragraph_removed": 1,
    }


# ---- a move that also gained or lost a sentence ----------------------------------------------

HARBOUR = [
    "The harbour master said the new quay would open in June after two years of work.",
    "The mayor thanked the engineers who finished the sea wall ahead of the winter storms.",
    "Ferries to the islands will keep sailing from the old pier until the quay is ready.",
    "Residents living near the works were offered double glazing to muffle the noise.",
    "A small exhibition about the old harbour opens at the library next week.",
]
RISK = (
    "The restored lighthouse was first lit again on 2 May and remains closed to visitors for "
    "now, the heritage trust says."
)
RISK_GROWN = (
    "The restored lighthouse was first lit again on 2 May and remains shut to visitors for the "
    "time being, the county heritage trust says. Guided tours of the old keeper's cottage "
    "begin in the summer, with tickets sold at the harbour office."
)


def test_a_paragraph_moved_up_with_a_sentence_added_and_reworded_is_a_move():
    # The paragraph goes from the end to the top, gains a sentence and has a few words
    # reworded: under MOVE_SIMILARITY as a whole, but its text reads as the new paragraph's
    # first sentence.
    old = [INTRO, *HARBOUR, RISK, OUTRO]
    new = [INTRO, RISK_GROWN, *HARBOUR, OUTRO]
    result = align(old, new)
    assert moves(result) == [((6,), (1,))], result
    assert kinds(result) == {"paragraph_moved": 1}


def test_twin_the_same_growth_in_its_own_place_is_no_move():
    old = [INTRO, *HARBOUR, RISK, OUTRO]
    new = [INTRO, *HARBOUR, RISK_GROWN, OUTRO]
    assert "paragraph_moved" not in kinds(align(old, new))


def test_twin_a_new_paragraph_holding_the_words_of_two_look_alikes_is_no_move():
    # Two old paragraphs written to one pattern are both held by the new one: which of them
    # it grew from is a guess, so neither moved.
    fish = "Watch the recorded webinar on frozen fish to learn which border forms you need."
    flowers = "Watch the recorded webinar on cut flowers to learn which border forms you need."
    grown = (
        "Watch the recorded webinar on frozen fish and cut flowers to learn which border "
        "forms you need. It lasts an hour."
    )
    old = [INTRO, fish, *HARBOUR, flowers, OUTRO]
    new = [INTRO, *HARBOUR[:2], grown, *HARBOUR[2:], OUTRO]
    assert kinds(align(old, new)) == {"paragraph_removed": 2, "paragraph_added": 1}
    # ... while one of them alone is that paragraph, moved
    assert moves(align([INTRO, fish, *HARBOUR, OUTRO], new)) == [((1,), (3,))]


def test_twin_a_short_line_inside_a_new_paragraph_elsewhere_is_no_move():
    # A line of a few words (a name, "Read more") is in anything: it is removed, not moved.
    line = "Contact the harbour office."
    grown = (
        "Contact the harbour office. It opens at eight every morning and closes at noon on "
        "Saturdays."
    )
    old = [INTRO, line, *HARBOUR, OUTRO]
    new = [INTRO, *HARBOUR, grown, OUTRO]
    assert "paragraph_moved" not in kinds(align(old, new))


# ---- a move reworded in passing ---------------------------------------------------------------

DEAL = (
    "The council unanimously approved a budget to repair the rest of the seafront promenade "
    "weeks ago, but county officials rejected the cross-party plan, delaying the works because "
    "it did not include contentious funding for the lifeboat station."
)
DEAL_REWORDED = (
    "The council had unanimously approved a budget repairing the rest of the seafront promenade "
    "weeks ago, but county officials rejected that cross-party plan, delaying the work, as it "
    "didn't include contentious funds for lifeboat stations."
)


def test_a_paragraph_moved_and_reworded_in_passing_is_a_move():
    # Under MOVE_SIMILARITY by shared words (each swapped word counts twice), over it by
    # characters: the same sentence to a reader.
    old = [INTRO, *HARBOUR[:2], DEAL, *HARBOUR[2:], OUTRO]
    new = [INTRO, DEAL_REWORDED, *HARBOUR, OUTRO]
    result = align(old, new)
    assert moves(result) == [((3,), (1,))], result
    assert kinds(result) == {"paragraph_moved": 1}


def test_twin_a_reworded_paragraph_with_a_look_alike_left_behind_is_no_move():
    # Another old paragraph is nearly as like the reworded one: which one moved is a guess.
    other = DEAL.replace("seafront promenade", "harbour wall").replace("lifeboat", "ferry")
    old = [INTRO, *HARBOUR[:2], DEAL, *HARBOUR[2:], other, OUTRO]
    new = [INTRO, DEAL_REWORDED, *HARBOUR, OUTRO]
    assert "paragraph_moved" not in kinds(align(old, new))


# ---- rows that went to another table laid out differently -----------------------------------

UPCOMING_HEAD = "Upcoming events"
PAST_HEAD = "Previous events"
UPCOMING = [
    "| 8 October | Copenhagen | Fully booked |",
    "| 10 October | Aalborg | Register here |",
    "| 16 October | Kolding | Register here |",
]
HELD = ["| Copenhagen | October 2019 |", "| Aalborg | October 2019 |", "| Kolding | October 2019 |"]
PAST = ["| Odense | September 2019 |", "| Copenhagen | September 2019 |"]


def test_a_run_of_rows_moved_to_another_table_laid_out_differently_is_moved_row_by_row():
    old = [INTRO, UPCOMING_HEAD, *UPCOMING, PAST_HEAD, *PAST, OUTRO]
    new = [INTRO, UPCOMING_HEAD, "| To be decided | |", PAST_HEAD, *HELD, *PAST, OUTRO]
    result = align(old, new)
    assert moves(result) == [((2,), (4,)), ((3,), (5,)), ((4,), (6,))], result
    assert kinds(result) == {"paragraph_moved": 3, "paragraph_added": 1}


def test_twin_rows_of_other_places_or_in_another_order_are_added_and_removed():
    old = [INTRO, UPCOMING_HEAD, *UPCOMING, PAST_HEAD, *PAST, OUTRO]
    for held in (
        ["| Odense | October 2019 |", "| Aarhus | October 2019 |", "| Esbjerg | October 2019 |"],
        [HELD[1], HELD[0], HELD[2]],  # not in their order: no run went there
    ):
        new = [INTRO, UPCOMING_HEAD, PAST_HEAD, *held, *PAST, OUTRO]
        result = align(old, new)
        assert moves(result) == [], result


def test_twin_a_run_sharing_one_cell_with_each_row_is_not_that_run():
    # Every row shares only "October 2019" with the new rows: the same cell, no names.
    old = [
        INTRO,
        "| Lunch talk | October 2019 |",
        "| Open day | October 2019 |",
        "| Workshop | October 2019 |",
        OUTRO,
    ]
    new = [INTRO, OUTRO, *HELD]
    assert moves(align(old, new)) == []
