import sqlite3

from eventtia_tui.sandbox.db import Database

EXPO = "/events/demo-expo"


async def workshops(api) -> list[dict]:
    return (await api.get(f"{EXPO}/workshops", params={"page[size]": 100})).json()["data"]


async def first_attendee_without(api, workshop_id: str) -> str:
    roster = {a["id"] for a in (await api.get(f"{EXPO}/workshops/{workshop_id}/attendees", params={"page[size]": 100})).json()["data"]}
    for attendee in (await api.get(f"{EXPO}/attendees", params={"page[size]": 100, "only_confirmed": "true"})).json()["data"]:
        if attendee["id"] not in roster:
            return attendee["id"]
    raise AssertionError("everyone is on the roster")


async def test_activities_have_capacities_one_full_one_nearly_full(api):
    items = await workshops(api)
    assert len(items) >= 8
    left = [w["attributes"]["availability"] - w["attributes"]["used_seats"] for w in items]
    assert 0 in left and 2 in left


async def test_used_seats_equals_the_roster_count(api):
    for workshop in await workshops(api):
        roster = (await api.get(f"{EXPO}/workshops/{workshop['id']}/attendees", params={"page[size]": 1})).json()
        assert roster["meta"]["total_attendees"] == workshop["attributes"]["used_seats"]


async def test_filters_and_show(api):
    items = await workshops(api)
    named = (await api.get(f"{EXPO}/workshops", params={"name": "keynote"})).json()["data"]
    assert named and all("Keynote" in w["attributes"]["name"] for w in named)
    day_two = (await api.get(f"{EXPO}/workshops", params={"date": "2026-11-25"})).json()["data"]
    assert day_two and len(day_two) < len(items)
    assert all(w["attributes"]["start_date"].startswith("2026-11-25") for w in day_two)
    future = (await api.get(f"{EXPO}/workshops", params={"in_the_future": "true", "page[size]": 100})).json()["data"]
    assert 0 < len(future) < len(items)
    shown = (await api.get(f"{EXPO}/workshops/{items[0]['id']}")).json()["data"]
    assert shown["attributes"]["name"] == items[0]["attributes"]["name"]
    assert (await api.get(f"{EXPO}/workshops/1")).status_code == 404


async def test_full_activity_refuses_and_counts_stay_true(api):
    full = next(w for w in await workshops(api) if w["attributes"]["used_seats"] == w["attributes"]["availability"])
    attendee = await first_attendee_without(api, full["id"])
    response = await api.post(f"{EXPO}/attendee_workshops", json={"workshop_id": int(full["id"]), "attendee_id": int(attendee)})
    assert response.status_code == 422
    assert "is full" in response.json()["message"]
    again = (await api.get(f"{EXPO}/workshops/{full['id']}")).json()["data"]["attributes"]
    assert again["used_seats"] == again["availability"]


async def test_add_remove_and_update_activities(api):
    items = await workshops(api)
    open_ones = [w for w in items if w["attributes"]["availability"] - w["attributes"]["used_seats"] > 5]
    first, second = open_ones[0], open_ones[1]
    attendee = await first_attendee_without(api, first["id"])
    added = await api.post(f"{EXPO}/attendee_workshops", json={"workshop_id": first["id"], "attendee_id": attendee})
    assert added.status_code == 200
    assert int(first["id"]) in added.json()["meta"]["current_attendee_workshops"]
    seats = (await api.get(f"{EXPO}/workshops/{first['id']}")).json()["data"]["attributes"]["used_seats"]
    assert seats == first["attributes"]["used_seats"] + 1
    duplicate = await api.post(f"{EXPO}/attendee_workshops", json={"workshop_id": first["id"], "attendee_id": attendee})
    assert duplicate.status_code == 422
    removed = await api.request("DELETE", f"{EXPO}/attendee_workshops", json={"workshop_id": first["id"], "attendee_id": attendee})
    assert removed.status_code == 200
    assert int(first["id"]) not in removed.json()["meta"]["current_attendee_workshops"]
    assert (await api.request("DELETE", f"{EXPO}/attendee_workshops", json={"workshop_id": first["id"], "attendee_id": attendee})).status_code == 404
    updated = await api.put(f"{EXPO}/attendees/{attendee}/update_activities", json={"workshop_ids": f"{first['id']},{second['id']}"})
    assert updated.status_code == 200
    mine = (await api.get(f"{EXPO}/attendees/{attendee}/workshops")).json()["data"]
    assert {first["id"], second["id"]} <= {w["id"] for w in mine}
    cleared = await api.put(f"{EXPO}/attendees/{attendee}/update_activities", json={"workshop_ids": ""})
    assert cleared.json()["meta"]["current_attendee_workshops"] == []


async def test_update_activities_refuses_a_full_one_and_changes_nothing(api):
    items = await workshops(api)
    full = next(w for w in items if w["attributes"]["used_seats"] == w["attributes"]["availability"])
    attendee = await first_attendee_without(api, full["id"])
    before = (await api.get(f"{EXPO}/attendees/{attendee}/workshops")).json()["data"]
    response = await api.put(f"{EXPO}/attendees/{attendee}/update_activities", json={"workshop_ids": str(full["id"])})
    assert response.status_code == 422
    assert (await api.get(f"{EXPO}/attendees/{attendee}/workshops")).json()["data"] == before


async def test_bad_workshop_bodies(api):
    assert (await api.post(f"{EXPO}/attendee_workshops", json={"workshop_id": 1})).status_code == 400
    assert (await api.post(f"{EXPO}/attendee_workshops", json={"workshop_id": "x", "attendee_id": 1})).status_code == 400
    assert (await api.post(f"{EXPO}/attendee_workshops", json={"workshop_id": 1, "attendee_id": 1})).status_code == 404
    assert (await api.put(f"{EXPO}/attendees/12000001/update_activities", json={"workshop_ids": "a,b"})).status_code == 400


async def test_register_add_cancel_keeps_every_count_consistent(api):
    stats_before = {s["name"]: s["used_seats"] for s in (await api.get(f"{EXPO}/tickets-stats")).json()}
    open_one = next(w for w in await workshops(api) if w["attributes"]["availability"] - w["attributes"]["used_seats"] > 1)
    body = {"attendee": {"attendee_type_id": 5001, "first_name": "Ana", "last_name": "Müller", "email": "ana@seq.test"}}
    new = (await api.post(f"{EXPO}/attendees/register", json=body)).json()["data"]
    assert (await api.get(f"{EXPO}/tickets-stats")).json()[0]["used_seats"] == stats_before["General Admission"] + 1
    await api.post(f"{EXPO}/attendee_workshops", json={"workshop_id": open_one["id"], "attendee_id": new["id"]})
    seats = (await api.get(f"{EXPO}/workshops/{open_one['id']}")).json()["data"]["attributes"]["used_seats"]
    assert seats == open_one["attributes"]["used_seats"] + 1
    await api.put(f"{EXPO}/attendees/{new['id']}/cancel")
    stats_after = {s["name"]: s["used_seats"] for s in (await api.get(f"{EXPO}/tickets-stats")).json()}
    assert stats_after == stats_before
    workshop = (await api.get(f"{EXPO}/workshops/{open_one['id']}")).json()["data"]["attributes"]
    roster = (await api.get(f"{EXPO}/workshops/{open_one['id']}/attendees", params={"page[size]": 1})).json()
    assert workshop["used_seats"] == open_one["attributes"]["used_seats"] == roster["meta"]["total_attendees"]


async def test_update_activity_changes_only_what_is_sent(api):
    before = (await workshops(api))[0]
    answer = await api.put(f"{EXPO}/workshops/{before['id']}",
                           json={"location": "Hall B", "availability": before["attributes"]["availability"] + 5,
                                 "show_on_register": False})
    assert answer.status_code == 200
    after = answer.json()["data"]["attributes"]
    assert after["location"] == "Hall B"
    assert after["availability"] == before["attributes"]["availability"] + 5
    assert after["show_on_register"] is False
    assert after["name"] == before["attributes"]["name"] and after["start_date"] == before["attributes"]["start_date"]
    assert after["updated_at"] > before["attributes"]["updated_at"]
    listed = next(w for w in await workshops(api) if w["id"] == before["id"])
    assert listed["attributes"]["location"] == "Hall B"


async def test_update_activity_reads_times_in_the_reference_format_and_event_zone(api):
    before = (await workshops(api))[0]
    answer = await api.put(f"{EXPO}/workshops/{before['id']}",
                           json={"start_date": "24/11/2026 - 09:15:00", "end_date": "24/11/2026 - 10:45:00"})
    assert answer.status_code == 200, answer.text
    attributes = answer.json()["data"]["attributes"]
    event = (await api.get(EXPO)).json()["data"]["attributes"]
    offset = event["start_date"][-6:]
    assert attributes["start_date"].startswith("2026-11-24T09:15:00") and attributes["start_date"].endswith(offset)
    assert attributes["end_date"].startswith("2026-11-24T10:45:00")


async def test_update_activity_refuses_bad_values_and_changes_nothing(api):
    before = (await workshops(api))[0]
    path = f"{EXPO}/workshops/{before['id']}"
    for body, words in [({"start_date": "2026-11-24 09:15"}, "14/08/2020 - 23:00:00"),
                        ({"start_date": "24/11/2026 - 11:00:00", "end_date": "24/11/2026 - 10:00:00"}, "after"),
                        ({"availability": -1}, "seats"), ({"availability": "ten"}, "seats"),
                        ({"name": "  "}, "blank"), ({"location": "Hall\x1b[2J"}, "control"),
                        ({"show_on_register": "maybe"}, "true or false")]:
        answer = await api.put(path, json=body)
        assert answer.status_code == 422, body
        assert words in answer.text
    again = (await api.get(path)).json()["data"]["attributes"]
    assert again == before["attributes"]
    assert (await api.put(f"{EXPO}/workshops/1", json={"name": "x"})).status_code == 404


def test_a_demo_database_made_before_show_on_register_gets_the_column(tmp_path):
    path = tmp_path / "demo.sqlite3"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE workshops (id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, name TEXT NOT NULL, "
                "location TEXT, description TEXT, capacity INTEGER, start_ts INTEGER, end_ts INTEGER, guid TEXT, "
                "created_ms INTEGER, updated_ms INTEGER)")
    old.execute("INSERT INTO workshops (id, event_id, name) VALUES (1, 1, 'Keynote')")
    old.commit()
    old.close()
    database = Database(path)
    assert database.one("SELECT show_on_register FROM workshops WHERE id = 1")["show_on_register"] == 1
    database.close()
