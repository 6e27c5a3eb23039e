"""Attendee records: what they keep from an attendee resource, and how they live in the cache."""

import copyreg
import pickle
from dataclasses import fields, replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventtia_tui.gateway import Gateway, sync_event
from eventtia_tui.store.attendee_db import decode, encode
from eventtia_tui.store.cache import CacheStore
from eventtia_tui.store.records import RECORD_FORMAT, AttendeeRecord, display_value, record_from_resource, unlisted
from tests.api.reference_examples import ATTENDEE, WORKSHOP_ATTENDEES
from tests.demo_expo import BASE_URL, DEMO_EMAIL

EXPO = "demo-expo"


def test_checked_in_date_is_kept_as_the_reference_writes_it():
    record = record_from_resource(ATTENDEE["data"], {})
    assert record.checked_in and record.checked_in_at == "2023-02-13T09:06:41.000-05:00"
    not_in = {**ATTENDEE["data"], "attributes": {**ATTENDEE["data"]["attributes"], "checked_in": False,
                                                 "checked_in_date": None}}
    assert record_from_resource(not_in, {}).checked_in_at == ""
    assert record.to_json()["checked_in_date"] == "2023-02-13T09:06:41.000-05:00"


def test_a_record_survives_the_cache_with_every_field():
    record = record_from_resource(WORKSHOP_ATTENDEES["data"][0], {})
    again = pickle.loads(pickle.dumps(record, pickle.HIGHEST_PROTOCOL))
    assert again == record and again.checked_in_at == "2023-02-07T11:52:02.000-05:00"


class OldRecord:
    """Pickles the way AttendeeRecord did before it had a format: slot by slot, without checked_in_at."""

    def __init__(self, record: AttendeeRecord) -> None:
        self.slots = {f.name: getattr(record, f.name) for f in fields(record) if f.name != "checked_in_at"}

    def __reduce__(self):
        return copyreg._reconstructor, (AttendeeRecord, object, None), (None, self.slots)


async def test_a_cache_written_before_checked_in_at_reads_as_missing(gateway, client, cache_dir, clock):
    await sync_event(gateway, EXPO)
    index = gateway.index(EXPO)
    checked_in = next(r for r in index.records.values() if r.checked_in)
    assert checked_in.checked_in_at  # a fresh sync keeps the date
    with gateway.attendees.writing() as db:  # one record as a version without the field pickled it
        db.execute("update attendee_docs set record = ? where id = ?", (pickle.dumps(OldRecord(checked_in)),
                                                                         checked_in.id))
    assert index.get(checked_in.id) is None
    assert checked_in.id not in {r.id for r in index.records.values()}
    with gateway.attendees.writing() as db:  # the whole list as another record format wrote it
        db.execute("update attendee_meta set value = 'older' where key = 'schema'")
    gateway.store.close()
    store = CacheStore(cache_dir, BASE_URL, DEMO_EMAIL, clock=clock)
    try:
        again = Gateway(client, store, clock=clock)
        assert again.load_snapshot(EXPO) is None  # so the next sync is a full one, not records without the field
        report = await sync_event(again, EXPO)
        assert report.mode == "full"
        assert again.index(EXPO).get(checked_in.id).checked_in_at == checked_in.checked_in_at
    finally:
        store.close()


# Custom-field values of every JSON type, shown as one line --------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                    max_leaves=8)


@pytest.mark.parametrize(("value", "shown"), [
    (None, ""), ({}, ""), ([], ""), ("Eventtia", "Eventtia"), (12, "12"), (3.5, "3.5"), (5.0, "5"),
    (True, "yes"), (False, "no"), ("two\nlines", "two lines"), (["a", None, "b"], "a, b"),
    # the reference's file field (List of Attendees example, field 1466271)
    ({"filename": "filename.jpg", "thumb": "", "small": "", "medium": "", "large": "", "original": ""}, "filename.jpg"),
    ({"filename": None, "thumb": "/logos/thumb/missing.png"}, "/logos/thumb/missing.png"),
])
def test_display_value(value, shown):
    assert display_value(value) == shown


@settings(max_examples=60)
@given(JSON)
def test_display_value_is_one_line_of_text_never_a_python_repr(value):
    shown = display_value(value)
    assert isinstance(shown, str) and "\n" not in shown
    if isinstance(value, (dict, list)) and value:
        assert shown not in (repr(value), str(value))


def test_a_record_the_default_listing_leaves_out_is_not_active():
    record = record_from_resource(ATTENDEE["data"], {})
    assert not record.cancelled and record.status == "confirmed"
    assert unlisted(record).cancelled and unlisted(record).status == "cancelled"
    rejected = replace(record, status="rejected")
    assert rejected.cancelled and unlisted(rejected).status == "rejected"  # never counted as active


def test_the_qr_code_is_kept_verbatim_and_its_first_part_is_never_taken_for_the_uuid():
    attributes = {**ATTENDEE["data"]["attributes"], "qr_code": " a1592c|Test Attendee Test|lastest@exampleevent.com|"
                                                              "Hospital - Paramedic| ", "uuid": None}
    record = record_from_resource({**ATTENDEE["data"], "attributes": attributes}, {})
    assert record.qr_code == attributes["qr_code"] and record.uuid == ""
    assert (record.first_name, record.last_name, record.company, record.job_title) == (
        "Test Attendee", "Test", "Hospital", "Paramedic")  # field ids unresolved: the QR's parts


def test_a_record_of_another_format_reads_as_missing():
    record = record_from_resource(ATTENDEE["data"], {})
    assert decode(encode(record)) == record
    older = encode(record).replace(f"[{RECORD_FORMAT},", f"[{RECORD_FORMAT - 1},", 1)
    assert decode(older) is None  # e.g. one synced before cancellations came from the listings
    assert decode(pickle.dumps(record)) is None  # an older version's pickle is never loaded


@pytest.mark.parametrize("first", ["   ", "", "\t"])
def test_a_first_name_of_spaces_is_empty_not_the_last_name_again(first):
    """Eventtia sent the first name, blank: the QR's name ('Smith') is not a fallback for it, or the desk reads
    'Smith Smith'."""
    resource = {"id": "7", "attributes": {"qr_code": "u-7|Smith|s@x.test|Acme|", "fields": {
        "1": first, "2": "Smith"}}, "relationships": {"attendee_type": {"data": {"id": "t"}}}}
    record = record_from_resource(resource, {"t": {"1": "first_name", "2": "last_name"}})
    assert (record.first_name, record.last_name, record.full_name) == ("", "Smith", "Smith")
