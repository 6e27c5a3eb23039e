"""A time range keeps its end date when it spans days (the reference's unavailable hour does)."""

from datetime import datetime
from zoneinfo import ZoneInfo

from eventtia_tui.screens.formatting import time_range
from tests.replay.reference import example

BOGOTA = ZoneInfo("America/Bogota")
HOURS = ("GET", "/events/:event_uri/business_conferences/:business_conference_id/business_conference_participant_types"
                "/:business_conference_participant_type_id/unavailable_hours")


def test_the_reference_unavailable_hour_shows_both_days():
    hour = example(*HOURS)["data"][0]["attributes"]  # 2023-02-10 09:00 → 2023-02-13 12:25, -05:00
    start, end = datetime.fromisoformat(hour["start_date"]), datetime.fromisoformat(hour["end_date"])
    assert time_range(start, end, BOGOTA) == "Fri 10 09:00 – Mon 13 12:25"


def test_same_day_and_across_a_month():
    start = datetime(2023, 2, 13, 10, 5, tzinfo=BOGOTA)
    assert time_range(start, start.replace(hour=11, minute=0), BOGOTA) == "Mon 13 10:05–11:00"
    assert time_range(start, datetime(2023, 3, 16, 11, 0, tzinfo=BOGOTA), BOGOTA) == "Mon 13 10:05 – Thu 16 Mar 11:00"
    assert time_range(start, None, BOGOTA) == "Mon 13 10:05"
