"""What sync sends and how it reads pages, in the reference's formats."""

from eventtia_tui.api.models import has_next_page
from eventtia_tui.gateway.sync import page_count, since

CHANGED = "2023-03-13T20:04:56.000Z"  # an attendee's updated_at, as the reference writes it


def test_updated_date_time_is_the_earlier_wall_clock_reading_without_an_offset():
    # 20:04:56 UTC less the two-minute overlap; Bogotá (UTC-5) reads it earlier than UTC does
    assert since(CHANGED, "America/Bogota") == "2023-03-13T15:02:56"
    assert since(CHANGED, "Europe/Amsterdam") == "2023-03-13T20:02:56"  # UTC is the earlier reading there
    assert since(CHANGED, None) == since(CHANGED, "Not/AZone") == "2023-03-13T08:02:56"  # zone unknown: 12 h west


def test_a_listing_without_links_goes_on_until_a_short_or_empty_page():
    assert has_next_page({}, 24, 24) and not has_next_page({}, 10, 24) and not has_next_page({}, 0, 24)
    assert has_next_page({"next": "…?page[number]=2"}, 24, 24) and not has_next_page({"next": None}, 24, 24)
    participants = {"data": [{"id": str(n)} for n in range(24)], "included": []}  # no links, no meta
    assert page_count(participants, 24).has_next and page_count(participants).pages is None
    assert not page_count({"data": [], "included": []}, 24).has_next
