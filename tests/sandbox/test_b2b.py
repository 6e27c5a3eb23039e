from collections import Counter
from datetime import UTC, datetime

import pytest

EXPO = "/events/demo-expo"


async def conference(api) -> dict:
    document = (await api.get(f"{EXPO}/business_conferences")).json()
    return document


async def test_conference_with_buyers_and_sellers_and_25_minute_slots(api):
    document = await conference(api)
    assert len(document["data"]) == 1
    types = {t["attributes"]["name"]: t for t in document["included"]}
    assert set(types) == {"Buyers", "Sellers"}
    agenda = types["Buyers"]["attributes"]["agenda"]
    assert len(agenda) == 32
    key, (start, end, slot_id) = next(iter(agenda.items()))
    assert start == "2026-11-24 09:00:00" and end == "2026-11-24 09:25:00" and isinstance(slot_id, int)
    assert int(key) == datetime(2026, 11, 24, 14, 0, tzinfo=UTC).timestamp()  # 09:00 in Bogotá


async def test_participant_types_include_attendee_types_and_fields(api):
    bc = (await conference(api))["data"][0]["id"]
    document = (await api.get(f"{EXPO}/business_conferences/{bc}/business_conference_participant_types")).json()
    assert {t["attributes"]["name"] for t in document["data"]} == {"Buyers", "Sellers"}
    kinds = Counter(i["type"] for i in document["included"])
    assert kinds["attendee_types"] == 2 and kinds["attendee_type_custom_fields"] > 10
    assert (await api.get(f"{EXPO}/business_conferences/1/business_conference_participant_types")).status_code == 404


async def ids(api):
    document = await conference(api)
    bc = document["data"][0]["id"]
    types = {t["attributes"]["name"]: t["id"] for t in document["included"]}
    return bc, types


async def test_participants_filter_by_type_and_include_attendees(api):
    bc, types = await ids(api)
    everyone = (await api.get(f"{EXPO}/business_conferences/{bc}/business_conference_participants", params={"page[size]": 100})).json()
    assert len(everyone["data"]) >= 40
    buyers = (await api.get(f"{EXPO}/business_conferences/{bc}/business_conference_participants",
                            params={"participant_type_id": types["Buyers"], "page[size]": 100})).json()
    assert buyers["data"] and all(p["attributes"]["participant_type_name"] == "Buyers" for p in buyers["data"])
    attendee_ids = {str(p["attributes"]["attendee_id"]) for p in buyers["data"]}
    assert attendee_ids == {i["id"] for i in buyers["included"] if i["type"] == "attendees"}


async def test_meetings_cover_every_status(api):
    bc, _ = await ids(api)
    document = (await api.get(f"{EXPO}/business_conferences/{bc}/business_conference_meetings", params={"page[size]": 100})).json()
    assert len(document["data"]) >= 50
    assert {m["attributes"]["status"] for m in document["data"]} == {1, 2, 3, 4}
    included = {p["id"] for p in document["included"]}
    for meeting in document["data"]:
        assert meeting["relationships"]["host"]["data"]["id"] in included


async def test_participant_agenda_meta(api):
    bc, types = await ids(api)
    buyers = (await api.get(f"{EXPO}/business_conferences/{bc}/business_conference_participants",
                            params={"participant_type_id": types["Buyers"], "page[size]": 100})).json()["data"]
    person = buyers[0]
    agenda = (await api.get(f"{EXPO}/business_conferences/{bc}/business_conference_participants/{person['id']}/agenda")).json()
    assert agenda["meta"]["meeting_statuses"] == {"requested": 1, "accepted": 2, "rejected": 3, "expired": 4}
    assert len(agenda["meta"]["agenda"]) == 32
    # Buyers are unavailable 12:30–13:30 each day: two slots a day are blocked for every buyer.
    noon = [k for k, v in agenda["meta"]["agenda"].items() if v[0][11:16] in ("12:30", "13:00")]
    assert set(noon) <= set(agenda["meta"]["blocked_slots"])
    assert set(person["attributes"]["blocked_slots"]) <= set(agenda["meta"]["blocked_slots"])


async def test_unavailable_hours_crud(api):
    bc, types = await ids(api)
    base = f"{EXPO}/business_conferences/{bc}/business_conference_participant_types/{types['Sellers']}/unavailable_hours"
    before = (await api.get(base)).json()["data"]
    created = await api.post(base, params={"start_date": "24/11/2026 - 10:00", "end_date": "24/11/2026 - 11:00"})
    assert created.status_code == 200
    hour = created.json()["data"]
    assert hour["attributes"] == {"start_date": "2026-11-24T10:00:00.000-05:00", "end_date": "2026-11-24T11:00:00.000-05:00"}
    # The reference lists start_date and end_date as query parameters: a body is not read.
    in_body = await api.post(base, json={"start_date": "25/11/2026 - 09:00", "end_date": "25/11/2026 - 09:30"})
    assert in_body.status_code == 422 and "can't be blank" in in_body.json()["message"]
    updated = await api.put(f"{base}/{hour['id']}", params={"end_date": "24/11/2026 - 11:30"})
    assert updated.json()["data"]["attributes"]["end_date"] == "2026-11-24T11:30:00.000-05:00"
    deleted = await api.delete(f"{base}/{hour['id']}")
    assert deleted.json()["data"]["id"] == hour["id"]
    after = (await api.get(base)).json()["data"]
    assert len(after) == len(before)
    assert (await api.delete(f"{base}/{hour['id']}")).status_code == 404


@pytest.mark.parametrize(("body", "message"), [
    ({"start_date": "24/11/2026 - 11:00", "end_date": "24/11/2026 - 10:00"}, "after"),
    ({"start_date": "2026-11-24 10:00", "end_date": "24/11/2026 - 11:00"}, "expected a date like"),
    ({"start_date": "31/02/2026 - 10:00", "end_date": "24/11/2026 - 11:00"}, "not a real date"),
    ({"start_date": "24/11/2030 - 10:00", "end_date": "24/11/2030 - 11:00"}, "within the business conference"),
    ({"end_date": "24/11/2026 - 11:00"}, "can't be blank"),
])
async def test_unavailable_hour_validation(api, body, message):
    bc, types = await ids(api)
    base = f"{EXPO}/business_conferences/{bc}/business_conference_participant_types/{types['Buyers']}/unavailable_hours"
    response = await api.post(base, params=body)
    assert response.status_code == 422
    assert message in response.json()["message"]


async def test_participants_come_without_links_or_meta_as_in_the_reference(api):
    bc, _ = await ids(api)
    path = f"{EXPO}/business_conferences/{bc}/business_conference_participants"
    document = (await api.get(path, params={"page[size]": 10})).json()
    assert set(document) == {"data", "included"} and len(document["data"]) == 10
    past = (await api.get(path, params={"page[size]": 10, "page[number]": 1000})).json()
    assert past["data"] == []


async def test_every_participant_is_read_without_links_or_meta(client):
    """The client keeps asking until a short page when a listing says nothing of its pages."""
    document = (await client.get_page("events/demo-expo/business_conferences", size=1))
    participants = await client.participants("demo-expo", document.data[0].id, size=7)
    assert len(participants.items) >= 40
