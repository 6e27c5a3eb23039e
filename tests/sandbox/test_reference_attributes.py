"""The sandbox serves exactly the attributes the reference's examples show, resource by resource.

Both ways: a documented attribute the sandbox leaves out, or one the sandbox adds (something the client
could come to lean on and real Eventtia never sends), fails. The expected sets are read from the reference
at test time (tests/replay/reference.py).
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from tests.replay.reference import example

EXPO = "/events/demo-expo"

# Where the reference shows each resource in full. The events list example shows a subset of the single
# event's attributes; the sandbox serves the single event's set in both.
DEFINED_BY: dict[str, tuple[str, str]] = {
    "events": ("GET", "/events/:event_uri"),
    "attendee_types": ("GET", "/events/:event_uri/attendee_types"),
    "attendee_type_custom_fields": ("GET", "/events/:event_uri/attendee_types"),
    "attendees": ("GET", "/events/:event_uri/attendees"),
    "workshops": ("GET", "/events/:event_uri/workshops"),
    "attendee_workshops": ("POST", "/events/:event_uri/attendee_workshops"),
    "business_conferences": ("GET", "/events/:event_uri/business_conferences"),
    "business_conference_participant_types": ("GET", "/events/:event_uri/business_conferences"),
    "business_conference_participant_type_unavailable_hours": (
        "GET", "/events/:event_uri/business_conferences/:business_conference_id/business_conference_participant_types"
               "/:business_conference_participant_type_id/unavailable_hours"),
    "business_conference_participants": (
        "GET", "/events/:event_uri/business_conferences/:business_conference_id/business_conference_participants"),
    "business_conference_meetings": (
        "GET", "/events/:event_uri/business_conferences/:business_conference_id/business_conference_meetings"),
}


def resources(document) -> list[dict]:
    data = document.get("data") if isinstance(document, dict) else None
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    return [item for item in [*items, *document.get("included", [])] if isinstance(item, dict)]


def documented(kind: str, method: str, path: str) -> tuple[set[str], set[str]]:
    """(attributes every example of `kind` shows, attributes some example shows) at that endpoint."""
    sets = [set(item["attributes"]) for item in resources(example(method, path))
            if item.get("type") == kind and item.get("attributes")]
    return set.intersection(*sets), set.union(*sets)


def served_sets(documents: list[dict]) -> dict[str, list[set[str]]]:
    found: dict[str, list[set[str]]] = defaultdict(list)
    for document in documents:
        for item in resources(document):
            found[item["type"]].append(set(item.get("attributes", {})))
    return found


async def sandbox_documents(api) -> list[dict]:
    async def get(path: str, **params) -> dict:
        response = await api.get(path, params=params)
        assert response.status_code == 200, path
        return response.json()

    conference = await get(f"{EXPO}/business_conferences")
    bc = conference["data"][0]["id"]
    ptype = conference["included"][0]["id"]
    attendees = await get(f"{EXPO}/attendees", **{"include": "attendee_type,attendee_type_custom_fields"})
    attendee = attendees["data"][0]["id"]
    workshops = await get(f"{EXPO}/workshops")
    documents = [
        await get("/events"), await get(f"{EXPO}"), await get(f"{EXPO}/attendee_types"), attendees,
        await get(f"{EXPO}/attendees/{attendee}"), workshops, await get(f"{EXPO}/attendees/{attendee}/workshops"),
        await get(f"{EXPO}/workshops/{workshops['data'][0]['id']}"), conference,
        await get(f"{EXPO}/business_conferences/{bc}/business_conference_participant_types"),
        await get(f"{EXPO}/business_conferences/{bc}/business_conference_participant_types/{ptype}/unavailable_hours"),
        await get(f"{EXPO}/business_conferences/{bc}/business_conference_participants"),
        await get(f"{EXPO}/business_conferences/{bc}/business_conference_meetings"),
    ]
    added = await api.post(f"{EXPO}/attendee_workshops", json={
        "workshop_id": int(workshops["data"][-1]["id"]), "attendee_id": int(attendee)})
    if added.status_code == 200:
        documents.append(added.json())
    return documents


@pytest.mark.parametrize("kind", sorted(DEFINED_BY))
async def test_attributes_match_the_reference_both_ways(api, kind):
    always, sometimes = documented(kind, *DEFINED_BY[kind])
    served = served_sets(await sandbox_documents(api))[kind]
    assert served, f"the sandbox served no {kind}"
    for attributes in served:
        assert not always - attributes, f"{kind}: documented but not served: {sorted(always - attributes)}"
        assert not attributes - sometimes, f"{kind}: served but not documented: {sorted(attributes - sometimes)}"


async def test_slim_events_match_the_slim_example(api):
    always, sometimes = documented("events", "GET", "/events/slim")
    for item in (await api.get("/events/slim")).json()["data"]:
        assert always <= set(item["attributes"]) <= sometimes
