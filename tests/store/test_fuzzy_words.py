"""The fuzzy pass remembers its answer per word until a word is added: the same answer as a fresh pass of
rapidfuzz over the whole vocabulary (the way every key read it before), on realistic names."""

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from eventtia_tui.sandbox.people import VariedPeople
from eventtia_tui.store.attendee_db import FUZZY_WORDS
from eventtia_tui.store.index import AttendeeIndex, fold
from eventtia_tui.store.words import FUZZY_CUTOFF, FUZZY_FACTOR
from tests.store.test_index import person


def whole_vocabulary(word: str, vocabulary: list[str]) -> list[tuple[str, float]]:
    """The fuzzy words as every key found them before: a pass of rapidfuzz over every name word."""
    found = process.extract(word, vocabulary, scorer=fuzz.ratio, limit=FUZZY_WORDS, score_cutoff=FUZZY_CUTOFF)
    return [(candidate, score * FUZZY_FACTOR) for candidate, score, _ in found
            if candidate != word and not candidate.startswith(word)]


def varied_index(count: int, seed: int = 11) -> tuple[AttendeeIndex, list[str]]:
    varied = VariedPeople(seed)
    people = [varied.next() for _ in range(count)]
    records = [person(str(n + 1), p.first, p.last, f"{p.first_ascii}.{p.last_ascii}@{p.domain}".replace(" ", ""),
                      p.company) for n, p in enumerate(people)]
    return AttendeeIndex(records), [f"{p.first} {p.last}" for p in people]


def fuzzy(index: AttendeeIndex, word: str) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """(the index's fuzzy words, rapidfuzz's over its whole vocabulary)."""
    with index.db.reading() as connection:
        row = index._row(connection)
        assert row is not None
        found = index.db.fuzzy_words(connection, row, word)
        return found, whole_vocabulary(word, index.db.vocabulary(connection, row).words)


INDEX, NAMES = varied_index(3000)


def test_every_prefix_of_realistic_names_and_their_typos_finds_what_the_whole_vocabulary_gives():
    rng = random.Random(5)
    typed: list[str] = []
    for name in rng.sample(NAMES, 150):
        for word in fold(name).split():
            typed += [word[:end] for end in range(3, len(word) + 1)]
            if len(word) > 3:
                at = rng.randrange(len(word))
                typed.append(word[:at] + word[at + 1:])  # a letter left out
                typed.append(word[:at] + rng.choice("aeiouns") + word[at:])  # one too many
    compared = 0
    for word in typed * 2:  # twice: the second answer is the remembered one
        found, expected = fuzzy(INDEX, word)
        assert found == expected, word
        compared += bool(expected)
    assert compared > len(typed)  # most of them have fuzzy words: the comparison is not of empty lists


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aeinorstlmcdgu\u00e9\u00f1\u4f1f\u674e", min_size=3, max_size=14))
def test_any_word_finds_what_the_whole_vocabulary_gives(word):
    found, expected = fuzzy(INDEX, word)
    assert found == expected


def test_a_remembered_answer_is_not_given_once_a_new_name_word_arrives():
    index = AttendeeIndex([person("1", "Ana", "Garcia", "ana@example.com"),
                           person("2", "Bea", "Gorcia", "bea@example.com")])  # 67 for "garsia": not found
    before, _ = fuzzy(index, "garsia")
    assert [word for word, _ in before] == ["garcia"]
    assert {m.record.id for m in index.search("garsia")} == {"1"}
    index.upsert(person("3", "Cai", "Garsiaz", "cai@example.com"))  # not a completion of "garsia": fuzzy only
    index.upsert(person("4", "Dan", "Garsea", "dan@example.com"))
    after, expected = fuzzy(index, "garsia")
    assert after == expected
    assert "garsea" in [word for word, _ in after]
    assert {m.record.id for m in index.search("garsia")} == {"1", "3", "4"}


def test_names_typed_key_by_key_find_the_same_attendees_as_with_nothing_remembered():
    rng = random.Random(8)
    with INDEX.db.reading() as connection:
        row = INDEX._row(connection)
        assert row is not None
        vocabulary = INDEX.db.vocabulary(connection, row)
    compared = 0
    for name in rng.sample(NAMES, 40):
        for end in range(1, len(name) + 1):
            typed = name[:end]
            remembered = [(m.record.id, m.score) for m in INDEX.search(typed)]
            vocabulary.answers.clear()
            fresh = [(m.record.id, m.score) for m in INDEX.search(typed)]
            assert remembered == fresh, typed
            compared += bool(fresh)
    assert compared > 300


def test_a_name_typed_after_a_first_name_is_one_fuzzy_pass_for_the_first_name(monkeypatch):
    index = AttendeeIndex([person(str(n), first, last, f"{n}@example.com") for n, (first, last) in
                           enumerate([("Griselda", "Taliercio"), ("Grizelda", "Tal"), ("Ana", "Taliercio")])])
    passes: list[str] = []
    extract = process.extract

    def counted(word, *args, **kwargs):
        passes.append(word)
        return extract(word, *args, **kwargs)

    monkeypatch.setattr(process, "extract", counted)
    for end in range(len("griselda ") + 1, len("griselda taliercio") + 1):
        assert index.search("griselda taliercio"[:end])[0].record.id == "0"
    assert passes.count("griselda") == 1
