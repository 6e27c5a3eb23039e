import jwt
import pytest

from eventtia_tui.sandbox import DEMO_EMAIL


async def test_login_returns_a_30_day_jwt(anon, clock):
    response = await anon.post("/auth", json={"email": DEMO_EMAIL, "password": "demo"})
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "Demo Organizer"
    claims = jwt.decode(body["auth_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 30 * 86400


async def test_wrong_password_is_401_with_the_reference_message(anon):
    response = await anon.post("/auth", json={"email": DEMO_EMAIL, "password": "nope"})
    assert response.status_code == 401
    assert response.json() == {"message": "Wrong username or password."}


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'{"email": 3}'])
async def test_malformed_auth_body_is_400(anon, body):
    response = await anon.post("/auth", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "message" in response.json()


@pytest.mark.parametrize("header", [None, "Bearer", "Token abc", "Bearer not.a.jwt"])
async def test_protected_endpoints_need_a_valid_token(anon, header):
    headers = {"Authorization": header} if header else {}
    response = await anon.get("/events", headers=headers)
    assert response.status_code == 401
    assert response.json()["message"]


async def test_forged_token_is_refused(anon, token):
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = jwt.encode(claims, "not-the-sandbox-secret-but-long-enough-for-hs256", algorithm="HS256")
    response = await anon.get("/events", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


async def test_expired_token_is_refused(anon, token, clock):
    clock.advance(31 * 86400)
    response = await anon.get("/events", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


async def test_events_lists_only_the_users_events(api):
    response = await api.get("/events")
    assert response.status_code == 200
    uris = [e["attributes"]["event_uri"] for e in response.json()["data"]]
    assert "demo-expo" in uris and len(uris) >= 3
    assert "private-gala" not in uris
    assert response.json()["meta"]["total_pages"] == 1


async def test_events_slim_and_show(api):
    slim = (await api.get("/events/slim")).json()["data"]
    assert {"timezone", "city_id", "start_date"} <= set(slim[0]["attributes"])
    event = (await api.get("/events/demo-expo")).json()["data"]
    assert event["attributes"]["name"] == "Demo Expo"
    assert event["attributes"]["start_date"] == "2026-11-24T08:00:00.000-05:00"
    assert len(event["relationships"]["attendee_types"]["data"]) == 5


async def test_unknown_event_is_404_and_someone_elses_is_403(api):
    missing = await api.get("/events/no-such-event")
    assert missing.status_code == 404
    assert missing.json() == {"message": "ActiveRecord::RecordNotFound"}
    assert (await api.get("/events/private-gala/attendees")).status_code == 403


async def test_ticket_stats_count_attendees_and_mark_unlimited(api):
    stats = (await api.get("/events/demo-expo/tickets-stats")).json()
    assert [s["name"] for s in stats] == ["General Admission", "VIP", "Speaker", "Buyer", "Seller"]
    assert stats[0]["seats_limit"] == "∞"
    assert all(isinstance(s["seats_limit"], int) for s in stats[1:])
    total = (await api.get("/events/demo-expo/attendees", params={"page[size]": 1})).json()["meta"]
    pending_and_confirmed = sum(s["used_seats"] for s in stats)
    assert pending_and_confirmed == total["total_attendees"]


async def test_attendee_types_include_their_custom_fields(api):
    document = (await api.get("/events/demo-expo/attendee_types")).json()
    assert len(document["data"]) == 5
    names = {f["attributes"]["name"] for f in document["included"]}
    assert {"first_name", "last_name", "email", "company", "telephone", "city_id", "job_title"} <= names
    unlimited = [t for t in document["data"] if t["attributes"]["capacity"] is None]
    assert [t["attributes"]["name"] for t in unlimited] == ["General Admission"]
    field_ids = {f["id"] for f in document["included"]}
    for atype in document["data"]:
        assert {r["id"] for r in atype["relationships"]["attendee_type_custom_fields"]["data"]} <= field_ids
