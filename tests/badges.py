"""Registrations that share an email or changed it since their badge was printed, made on the sandbox.

The API refuses a second active registration with an email (422, as Eventtia's register does), but the
reference promises no unique or permanent email: a family shares one, and an organiser edits a registration
in Eventtia's web admin, which the reference documents no call for. Those edits are made here in the sandbox's
own database, as the web admin would, with `updated_at` moved on so a sync sees them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from eventtia_tui.sandbox.serializers import badge_code

EXPO = "demo-expo"
WALK_IN = {"attendee_type_id": 5001, "company": "Casa Común", "telephone": "+573001112233",
           "birthdate": "01/02/1985"}


@dataclass(frozen=True)
class Printed:
    """A registration and the QR text printed on its badge when it was made."""

    id: str
    qr: str
    cancelled: bool = False


async def register(api, first: str, last: str, email: str) -> Printed:
    body = {"attendee": {**WALK_IN, "first_name": first, "last_name": last, "email": email}}
    response = await api.post(f"/events/{EXPO}/attendees/register", json=body)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    return Printed(data["id"], data["attributes"]["qr_code"])


async def cancel(api, printed: Printed) -> Printed:
    response = await api.put(f"/events/{EXPO}/attendees/{printed.id}/cancel")
    assert response.status_code == 204, response.text
    return Printed(printed.id, printed.qr, cancelled=True)


async def reprinted(api, printed: Printed) -> Printed:
    """The badge printed again from the registration as Eventtia has it now."""
    response = await api.get(f"/events/{EXPO}/attendees/{printed.id}")
    assert response.status_code == 200, response.text
    return Printed(printed.id, response.json()["data"]["attributes"]["qr_code"], printed.cancelled)


def edit_email(sandbox_app, printed: Printed, email: str) -> None:
    """Change a registration's email as Eventtia's web admin would (its badge stays as printed)."""
    sandbox = sandbox_app.state.sandbox
    row = sandbox.db.one("SELECT type_id, fields FROM attendees WHERE id = ?", (int(printed.id),))
    field_id = sandbox.db.scalar("SELECT id FROM custom_fields WHERE attendee_type_id = ? AND name = 'email'",
                                 (row["type_id"],))
    fields = json.loads(row["fields"])
    fields[str(field_id)] = email
    with sandbox.db.transaction() as conn:
        conn.execute("UPDATE attendees SET email = ?, fields = ?, updated_ms = ? WHERE id = ?",
                     (email, json.dumps(fields), sandbox.now_ms(), int(printed.id)))


async def shared_emails(api, sandbox_app) -> dict[str, Printed]:
    """Each case of the issue: two active registrations with one email (a family), an active and a cancelled
    one, a registration cancelled and made again (the app's own undo after a sent cancel), and a badge printed
    before its email changed."""
    made: dict[str, Printed] = {}
    made["parent"] = await register(api, "Lucía", "Ortega", "familia.ortega@casa.test")
    made["child"] = await register(api, "Mateo", "Ortega", "mateo.ortega@casa.test")
    edit_email(sandbox_app, made["child"], "familia.ortega@casa.test")
    made["child"] = await reprinted(api, made["child"])
    made["kept"] = await register(api, "Inés", "Vidal", "vidal@casa.test")
    made["dropped"] = await register(api, "Pablo", "Vidal", "pablo.vidal@casa.test")
    edit_email(sandbox_app, made["dropped"], "vidal@casa.test")
    made["dropped"] = await cancel(api, await reprinted(api, made["dropped"]))
    made["old"] = await cancel(api, await register(api, "Rosa", "Blanco", "rosa.blanco@casa.test"))
    made["again"] = await register(api, "Rosa", "Blanco", "rosa.blanco@casa.test")
    made["moved"] = await register(api, "Elena", "Sanz", "elena.sanz@viejo.test")
    edit_email(sandbox_app, made["moved"], "elena.sanz@nuevo.test")
    return made


def code_only_badges(sandbox_app, count: int = 3) -> list[tuple[str, str, str]]:
    """(attendee id, badge code, uuid) of active Demo Expo attendees whose badge code is not their uuid."""
    rows = sandbox_app.state.sandbox.db.all(
        "SELECT a.* FROM attendees a JOIN events e ON e.id = a.event_id WHERE e.uri = ? AND a.archived = 0 "
        "AND a.status = 'confirmed' ORDER BY a.id", (EXPO,))
    found = [(str(row["id"]), badge_code(row), row["uuid"]) for row in rows if badge_code(row) != row["uuid"]]
    return found[:count]
