"""Attendee records: what they keep from an attendee resource, and how they live in the cache."""

import copyreg
import pickle
from dataclasses import fields

from eventtia_tui.gateway import sync_event
from eventtia_tui.gateway.records import AttendeeRecord, record_from_resource
from tests.api.reference_examples import ATTENDEE, WORKSHOP_ATTENDEES

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


async def test_a_cache_written_before_checked_in_at_reads_as_missing(gateway):
    await sync_event(gateway, EXPO)
    key = gateway.store.key("attendees", EXPO)
    snapshot = gateway.store.get_value(key)
    checked_in = next(r for r in snapshot.records.values() if r.checked_in)
    assert checked_in.checked_in_at  # a fresh sync keeps the date
    snapshot.records = {ident: OldRecord(record) for ident, record in snapshot.records.items()}
    gateway.store.set_value(key, snapshot)
    assert gateway.store.get_value(key, "missing") == "missing"
    gateway._snapshots.clear()
    gateway._indexes.clear()
    assert gateway.load_snapshot(EXPO) is None  # so the next sync is a full one, not records without the field
    report = await sync_event(gateway, EXPO)
    assert report.mode == "full"
    assert gateway.index(EXPO).get(checked_in.id).checked_in_at == checked_in.checked_in_at
