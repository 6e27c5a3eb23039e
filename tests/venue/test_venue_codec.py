"""Records travel between machines as JSON: any record comes back equal, and nothing read from Redis can
put a control sequence on a terminal or a wrongly shaped record in the index."""

from __future__ import annotations

import json
from dataclasses import astuple

from hypothesis import given, settings
from hypothesis import strategies as st

from eventtia_tui.store.records import AttendeeRecord
from eventtia_tui.text import decode_json, is_clean
from eventtia_tui.venue.feed import RECORD_FIELDS, decode_records, encode_records

text = st.text(max_size=40)
records = st.builds(AttendeeRecord, id=st.text(min_size=1, max_size=12), uuid=text, first_name=text, last_name=text,
                    email=text, company=text, job_title=text, telephone=text, type_id=text, status=text,
                    checked_in=st.booleans(), paid=st.booleans(), qr_code=text, updated_at=text,
                    fields=st.dictionaries(text, text | st.integers() | st.none(), max_size=3), checked_in_at=text)


def travel(record: AttendeeRecord | None, ident: str = "1") -> dict:
    """Out of one machine into Redis (JSON) and into another, decoded as the feed decodes it."""
    return decode_records(decode_json(json.dumps({"records": encode_records({ident: record})}))["records"])


@settings(max_examples=60, deadline=None)
@given(records)
def test_a_record_arrives_whole_and_clean(record):
    arrived = travel(record, record.id)
    assert list(arrived) == [record.id] or not is_clean(record.id)
    (copy,) = arrived.values()
    for sent, got in zip(astuple(record), astuple(copy)):
        if isinstance(sent, str):
            assert is_clean(got) and (got == sent or not is_clean(sent))
        elif not isinstance(sent, dict):
            assert got == sent


def test_a_gone_record_travels_as_none_and_a_misshapen_one_is_left_out():
    assert travel(None) == {"1": None}
    values = ["x"] * len(RECORD_FIELDS)  # checked_in and paid are not booleans, fields not a dict
    assert decode_records({"1": values, "2": ["too", "short"], "3": "not a list"}) == {}
