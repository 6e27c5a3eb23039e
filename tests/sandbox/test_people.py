"""Large sandboxes carry names with real variety (Faker, many locales); the demo keeps its hand-picked names."""

from eventtia_tui.sandbox import create_app
from eventtia_tui.sandbox.people import HAND_PICKED, VariedPeople
from eventtia_tui.sandbox.words import FIRST_NAMES, LAST_NAMES
from eventtia_tui.store.index import words
from tests.demo_expo import DEMO_START


def test_fifty_thousand_people_carry_twenty_thousand_distinct_name_and_company_words():
    varied = VariedPeople(42)
    distinct: set[str] = set()
    for _ in range(50_000):
        person = varied.next()
        distinct.update(words(f"{person.first} {person.last} {person.company}"))
    assert len(distinct) >= 20_000, len(distinct)
    assert any(not word.isascii() for word in distinct)  # other scripts and accents, not only ASCII


def test_the_same_seed_gives_the_same_people_and_another_seed_others():
    def first(seed: int) -> list[tuple[str, str, str, str]]:
        varied = VariedPeople(seed)
        return [(p.first, p.last, p.company, p.domain) for p in (varied.next() for _ in range(300))]

    assert first(3) == first(3)
    assert first(3) != first(4)


def test_the_demo_keeps_its_hand_picked_names_and_attendees_past_them_get_varied_ones():
    db = create_app(None, attendees=HAND_PICKED + 100, seed=5, start_date=DEMO_START).state.sandbox.db
    rows = db.all("SELECT first_name, last_name, email FROM attendees WHERE event_id = 1001 ORDER BY id")
    hand_first, hand_last = {name for name, _ in FIRST_NAMES}, {name for name, _ in LAST_NAMES}
    assert all(r["first_name"] in hand_first and r["last_name"] in hand_last for r in rows[:HAND_PICKED])
    past = rows[HAND_PICKED:]
    assert len(past) == 100
    assert sum(r["first_name"] not in hand_first for r in past) > 80
    assert all(r["email"].isascii() and r["email"].count("@") == 1 for r in past)
