"""The cache's JSON serialisation (gateway/json_disk.py, attendee_db.encode): any value the app keeps comes back
equal, through a real diskcache directory; nothing is pickled."""

import sqlite3

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from eventtia_tui.api.models import Workshop
from eventtia_tui.store.attendee_db import decode, encode
from eventtia_tui.store.cache import Entry, open_cache
from eventtia_tui.store.json_disk import TAGS, holds_no_pickle
from eventtia_tui.store.records import AttendeeRecord

keys = st.one_of(st.text(max_size=8), st.sampled_from(sorted(TAGS)))  # data that looks like the codec's tags too
leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12))
values = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.tuples(inner, inner), st.dictionaries(keys, inner, max_size=4)), max_leaves=12)


@example(value=2**70, fetched_at=0.0, generation=0)  # past SQLite's integers: diskcache would pickle it
@example(value={"\x00tuple": [1]}, fetched_at=0.0, generation=0)
@example(value=["lone \udc80 surrogate", "Bogotá 東京 🎟"], fetched_at=0.0, generation=0)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=values, fetched_at=st.floats(0, 2e9), generation=st.integers(0, 10**6))
def test_any_value_kept_in_the_cache_comes_back_equal_and_is_never_pickled(tmp_path, value, fetched_at, generation):
    cache = open_cache(tmp_path / "cache")
    try:
        cache.set("plain", value)
        cache.set("entry", Entry(value, fetched_at, generation))
        assert cache.get("plain") == value and type(cache.get("plain")) is type(value)
        assert cache.get("entry") == Entry(value, fetched_at, generation)
        with sqlite3.connect(tmp_path / "cache" / "cache.db") as db:
            assert holds_no_pickle(db)
    finally:
        cache.close()


def test_api_models_come_back_as_the_same_models(tmp_path):
    workshop = Workshop.model_validate({"id": "7", "name": "Keynote ⚡", "capacity": 40, "start_date": "2026-12-08T09:00:00Z",
                                        "custom_extra": {"\x00tuple": [1]}})
    cache = open_cache(tmp_path / "cache")
    try:
        cache.set("workshops", Entry([workshop], 1.0, 0))
        found = cache.get("workshops").value
        assert type(found[0]) is Workshop and found == [workshop]
    finally:
        cache.close()


texts = st.one_of(st.text(max_size=20), st.just("lone \ud800 surrogate"))  # text.py drops them where data enters


@given(st.builds(AttendeeRecord, texts, texts, texts, texts, texts, texts, texts, texts, texts, texts, st.booleans(),
                 st.booleans(), texts, texts, st.dictionaries(texts, leaves, max_size=4), texts))
def test_any_attendee_record_comes_back_equal_from_its_json(record):
    stored = encode(record)
    assert isinstance(stored, str) and stored.startswith("[") and stored.isascii()  # SQLite binds any of it
    assert decode(stored) == record
