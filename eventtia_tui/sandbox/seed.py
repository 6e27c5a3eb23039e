"""Deterministic demo data: Demo Expo (scalable attendee count) plus a few smaller events."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import unicodedata
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from sqlite3 import Connection
from typing import Any
from zoneinfo import ZoneInfo

from .db import Database
from .people import HAND_PICKED, VariedPeople
from .words import (
    ACTIVITIES,
    CITY_IDS,
    COMPANIES,
    COMPANY_DOMAINS,
    FIRST_NAMES,
    JOB_TITLES,
    LAST_NAMES,
)

DEMO_EMAIL = "demo@eventtia.test"
DEMO_PASSWORD = "demo"
OTHER_EMAIL = "other@eventtia.test"
OTHER_PASSWORD = "other"

# input_type codes used by the sandbox's custom fields
TEXT, SELECT, DATE, CITY = 1, 3, 5, 7
DEFAULT_FIELDS = [
    ("first_name", TEXT, True),
    ("last_name", TEXT, True),
    ("email", TEXT, True),
    ("company", TEXT, False),
    ("telephone", TEXT, False),
    ("city_id", CITY, False),
]

MEETING_STATUSES = {"requested": 1, "accepted": 2, "rejected": 3, "expired": 4}


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 20_000)
    return f"{salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    salt_hex, _, _ = stored.partition("$")
    return hash_password(password, bytes.fromhex(salt_hex)) == stored


def email_local(text: str) -> str:
    text = text.lower().replace("ß", "ss").replace("ø", "o")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text) or "guest"


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass
class TypeSpec:
    name: str
    weight: float
    capacity: str | int | None  # None unlimited, "tight" = seeded count + 3, "roomy" = 2 × seeded count
    extras: list[tuple[str, int, list[str] | None]] = field(default_factory=list)
    confirmation_required: bool = False
    price: float = 0.0


@dataclass
class EventSpec:
    uri: str
    name: str
    day_offset: int
    days: int
    attendees: int
    types: list[TypeSpec]
    activities: list[tuple[str, str, int]]
    address: str
    city_id: int
    b2b: bool = False
    owner_email: str = DEMO_EMAIL


DIET = ["None", "Vegetarian", "Vegan", "Gluten-free", "Halal", "Kosher"]
INDUSTRY = ["Agro", "Fintech", "Health", "Logistics", "Media", "Mining", "Retail", "Software", "Tourism"]


def demo_expo_types() -> list[TypeSpec]:
    return [
        TypeSpec("General Admission", 0.70, None, [("how_did_you_hear", SELECT, ["Email", "Social", "Friend", "Press"])]),
        TypeSpec("VIP", 0.08, "tight", [("dietary_restrictions", SELECT, DIET)], confirmation_required=True, price=250.0),
        TypeSpec("Speaker", 0.02, "roomy", [("talk_title", TEXT, None)]),
        TypeSpec("Buyer", 0.10, "roomy", [("industry", SELECT, INDUSTRY)], price=80.0),
        TypeSpec("Seller", 0.10, "roomy", [("industry", SELECT, INDUSTRY)], price=120.0),
    ]


def event_specs(attendees: int) -> list[EventSpec]:
    return [
        EventSpec("demo-expo", "Demo Expo", 0, 2, attendees, demo_expo_types(), ACTIVITIES,
                  "Plaza Mayor, Calle 41 #55-80, Medellín", 106297, b2b=True),
        EventSpec("andean-tech-summit", "Andean Tech Summit", 45, 2, 80,
                  [TypeSpec("Attendee", 0.8, None), TypeSpec("Startup", 0.2, "roomy", [("stage", SELECT, ["Idea", "Seed", "Series A"])])],
                  [("Founders Breakfast", "Terraza", 40), ("Cloud Costs Clinic", "Sala 2", 25), ("Demo Day", "Auditorio", 300)],
                  "Ágora Bogotá, Bogotá", 106298),
        EventSpec("lima-food-fair", "Lima Food Fair", -90, 1, 40,
                  [TypeSpec("Visitor", 1.0, None)],
                  [("Ceviche Masterclass", "Cocina 1", 20)],
                  "Costa Verde, Lima", 106299),
        EventSpec("private-gala", "Private Gala", 10, 1, 20,
                  [TypeSpec("Guest", 1.0, "roomy")], [], "Hotel Intercontinental, Cartagena", 106300,
                  owner_email=OTHER_EMAIL),
    ]


class Seeder:
    def __init__(self, db: Database, *, seed: int, start_date: date, now: datetime, tz: ZoneInfo) -> None:
        self.db = db
        self.seed = seed
        self.rng = random.Random(seed)
        self.start_date = start_date
        self.now = now
        self.now_ms = epoch_ms(now)
        self.tz = tz
        self.next_ids: dict[str, int] = {}

    def ids(self, table: str, base: int, count: int = 1) -> int:
        """Reserve `count` consecutive ids in `table`; ids start at a realistic-looking base."""
        first = self.next_ids.get(table, base)
        self.next_ids[table] = first + count
        return first

    def local(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def run(self, attendees: int) -> None:
        users = {DEMO_EMAIL: (1, DEMO_PASSWORD, "Demo Organizer"), OTHER_EMAIL: (2, OTHER_PASSWORD, "Other Organizer")}
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO meta VALUES ('secret', ?)", (os.urandom(32).hex(),))
            for email, (uid, password, name) in users.items():
                conn.execute("INSERT INTO users VALUES (?, ?, ?, ?)", (uid, email, hash_password(password), name))
            for spec in event_specs(attendees):
                self.seed_event(conn, spec, users[spec.owner_email][0])
            conn.execute("INSERT INTO meta VALUES ('seeded', '1')")

    def seed_event(self, conn: Connection, spec: EventSpec, owner_id: int) -> None:
        first_day = self.start_date + timedelta(days=spec.day_offset)
        last_day = first_day + timedelta(days=spec.days - 1)
        event_id = self.ids("events", 1001)
        created = self.now_ms - 90 * 86_400_000
        conn.execute(
            "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (event_id, owner_id, spec.uri, spec.name, self.local(first_day, 8).timestamp(),
             self.local(last_day, 18).timestamp(), self.tz.key, spec.address, spec.city_id,
             6.2442 + self.rng.random() / 100, -75.5812 + self.rng.random() / 100,
             f"{spec.name}: talks, workshops and business meetings.", created, created),
        )
        types = self.seed_types(conn, event_id, spec)
        attendee_rows = self.seed_attendees(conn, event_id, spec, types)
        self.fix_capacities(conn, spec, types, attendee_rows)
        eligible = [row for row in attendee_rows if row["status"] == "confirmed"]
        self.seed_workshops(conn, event_id, spec, first_day, last_day, eligible)
        if spec.b2b:
            self.seed_b2b(conn, event_id, spec, first_day, last_day, types, eligible)

    def seed_types(self, conn: Connection, event_id: int, spec: EventSpec) -> list[dict[str, Any]]:
        types = []
        for position, tspec in enumerate(spec.types, start=1):
            type_id = self.ids("attendee_types", 5001)
            conn.execute(
                "INSERT INTO attendee_types VALUES (?,?,?,?,?,?,?,?)",
                (type_id, event_id, tspec.name, None, tspec.price, position, int(tspec.confirmation_required), self.now_ms),
            )
            fields = DEFAULT_FIELDS + [("job_title", TEXT, False), ("birthdate", DATE, False)] + tspec.extras
            field_ids = {}
            for order, (name, input_type, *rest) in enumerate(fields, start=1):
                required = rest[0] if rest and isinstance(rest[0], bool) else False
                options = rest[0] if rest and isinstance(rest[0], list) else None
                field_id = self.ids("custom_fields", 1466264)
                field_ids[name] = field_id
                conn.execute(
                    "INSERT INTO custom_fields VALUES (?,?,?,?,?,?,?,?,?)",
                    (field_id, type_id, name, input_type, int(required), int(order <= len(DEFAULT_FIELDS)), order,
                     json.dumps(options) if options else None, self.now_ms),
                )
            types.append({"id": type_id, "spec": tspec, "fields": field_ids})
        return types

    def seed_attendees(self, conn: Connection, event_id: int, spec: EventSpec, types: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rng = self.rng
        first_id = self.ids("attendees", 12_000_001, spec.attendees)
        weights = [t["spec"].weight for t in types]
        chosen_types = rng.choices(types, weights=weights, k=spec.attendees)
        used_uuids: set[str] = set()
        used_emails: set[str] = set()
        varied = VariedPeople(self.seed) if spec.attendees > HAND_PICKED else None
        check_in_at = self.check_in_times(spec)
        rows, inserts = [], []
        for index, atype in enumerate(chosen_types):
            if varied is None or index < HAND_PICKED:
                first, first_ascii = rng.choice(FIRST_NAMES)
                last, last_ascii = rng.choice(LAST_NAMES)
                company = rng.choice(COMPANIES)
                domain = None
            else:
                person = varied.next()
                first, last, company = person.first, person.last, person.company
                first_ascii, last_ascii, domain = person.first_ascii, person.last_ascii, person.domain
            job = rng.choice(JOB_TITLES)
            uuid = f"{rng.getrandbits(24):06x}"
            while uuid in used_uuids:
                uuid = f"{rng.getrandbits(24):06x}"
            used_uuids.add(uuid)
            base = f"{email_local(first_ascii)}.{email_local(last_ascii)}"
            email = f"{base}@{domain or rng.choice(COMPANY_DOMAINS)}"
            suffix = 1
            while email in used_emails:
                suffix += 1
                email = f"{base}{suffix}@{email.split('@')[1]}"
            used_emails.add(email)
            telephone = f"+57{rng.randrange(300_000_0000, 350_000_0000)}"
            birthdate = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 20_000))
            created = self.now_ms - rng.randrange(60, 60 * 86_400) * 1000
            roll = rng.random()
            if roll < 0.01:
                status, archived = "rejected", 0
            elif roll < 0.02:
                status, archived = "cancelled", 1
            elif atype["spec"].confirmation_required and roll < 0.08:
                status, archived = "pending", 0
            else:
                status, archived = "confirmed", 0
            checked_in = status == "confirmed" and rng.random() < 0.35
            values = {
                "first_name": first, "last_name": last, "email": email, "company": company,
                "telephone": telephone, "city_id": rng.choice(CITY_IDS), "job_title": job,
                "birthdate": birthdate.isoformat(),
            }
            for name, _input_type, options in atype["spec"].extras:
                values[name] = rng.choice(options) if options else f"{rng.choice(JOB_TITLES)} in practice"
            fields = {str(fid): values.get(name) for name, fid in atype["fields"].items()}
            attendee_id = first_id + index
            inserts.append((
                attendee_id, event_id, atype["id"], uuid, first, last, email, company, job, telephone,
                # A cancellation archives the registration and leaves its status as it was (the reference
                # documents no attribute that marks it): only the listings tell.
                json.dumps(fields, ensure_ascii=False), "confirmed" if archived else status,
                int(rng.random() < 0.9), int(checked_in),
                max(check_in_at(), created + 60_000) if checked_in else None, archived, created, created,
            ))
            rows.append({"id": attendee_id, "type_id": atype["id"], "status": status,
                         "name": f"{first} {last}", "email": email, "company": company, "job": job,
                         "telephone": telephone})
        conn.executemany("INSERT INTO attendees VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", inserts)
        return rows

    def check_in_times(self, spec: EventSpec) -> Callable[[], int]:
        """A check-in's moment (epoch ms) on the event's days, as a door sees them: from 08:00, most in the
        first hours, up to the day's end or now, whichever is first (an event not begun: its first morning).
        Drawn from an rng of its own, so who is checked in stays as the main rng made it."""
        rng = random.Random(f"{self.seed}-check-ins-{spec.uri}")
        first_day = self.start_date + timedelta(days=spec.day_offset)
        windows = []
        for offset in range(spec.days):
            day = first_day + timedelta(days=offset)
            opens, closes = epoch_ms(self.local(day, 8)), min(epoch_ms(self.local(day, 18)), self.now_ms)
            if closes > opens:
                windows.append((opens, closes))
        if not windows:
            opens = epoch_ms(self.local(first_day, 8))
            windows = [(opens, opens + 4 * 3_600_000)]

        def moment() -> int:
            opens, closes = rng.choice(windows)
            return opens + int((closes - opens) * rng.betavariate(1.3, 3.0))  # a morning rush, then a trickle

        return moment

    def fix_capacities(self, conn: Connection, spec: EventSpec, types: list[dict[str, Any]], rows: list[dict[str, Any]]) -> None:
        for atype in types:
            used = sum(1 for r in rows if r["type_id"] == atype["id"] and r["status"] in ("confirmed", "pending"))
            capacity = {"tight": used + 3, "roomy": max(10, used * 2)}.get(atype["spec"].capacity)
            conn.execute("UPDATE attendee_types SET capacity = ? WHERE id = ?", (capacity, atype["id"]))

    def seed_workshops(self, conn: Connection, event_id: int, spec: EventSpec, first_day: date, last_day: date, eligible: list[dict[str, Any]]) -> None:
        days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
        for index, (name, location, capacity) in enumerate(spec.activities):
            day = days[index * len(days) // max(1, len(spec.activities))]
            start = self.local(day, 9 + (index * 2) % 8, 30 * (index % 2))
            workshop_id = self.ids("workshops", 115_421)
            conn.execute(
                "INSERT INTO workshops (id, event_id, name, location, description, capacity, start_ts, end_ts, guid, "
                "created_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (workshop_id, event_id, name, location, f"{name} at {location}.", capacity,
                 start.timestamp(), (start + timedelta(minutes=90)).timestamp(),
                 str(uuidlib.UUID(int=self.rng.getrandbits(128))), self.now_ms - 86_400_000, self.now_ms - 86_400_000),
            )
            # One activity full, one nearly full, the rest part-booked.
            if index == 1:
                booked = capacity
            elif index == 2:
                booked = capacity - 2
            else:
                booked = int(capacity * self.rng.uniform(0.2, 0.7))
            members = self.rng.sample(eligible, min(booked, len(eligible)))
            conn.executemany(
                "INSERT INTO attendee_workshops (attendee_id, workshop_id, checked_in) VALUES (?,?,?)",
                [(m["id"], workshop_id, int(self.rng.random() < 0.3)) for m in members],
            )

    def seed_b2b(self, conn: Connection, event_id: int, spec: EventSpec, first_day: date, last_day: date, types: list[dict[str, Any]], eligible: list[dict[str, Any]]) -> None:
        rng = self.rng
        conference_id = self.ids("business_conferences", 16_758)
        start, end = self.local(first_day, 9), self.local(last_day, 17)
        conn.execute(
            "INSERT INTO business_conferences VALUES (?,?,?,?,?,?,?,?,?)",
            (conference_id, event_id, f"{spec.name} Matchmaking", "Business Lounge, Hall B",
             start.timestamp(), end.timestamp(), 25, self.now_ms, self.now_ms),
        )
        slot_ids = []
        day = first_day
        while day <= last_day:
            moment = self.local(day, 9)
            while moment < self.local(day, 17):
                slot_id = self.ids("slots", 232_039)
                conn.execute("INSERT INTO slots VALUES (?,?,?,?)",
                             (slot_id, conference_id, moment.timestamp(), (moment + timedelta(minutes=25)).timestamp()))
                slot_ids.append((slot_id, int(moment.timestamp())))
                moment += timedelta(minutes=30)
            day += timedelta(days=1)
        by_name = {t["spec"].name: t for t in types}
        sides: dict[str, list[int]] = {}
        for ptype_name, atype_name, can_block in (("Buyers", "Buyer", 1), ("Sellers", "Seller", 0)):
            ptype_id = self.ids("participant_types", 12_345)
            conn.execute("INSERT INTO participant_types VALUES (?,?,?,?,?,?)",
                         (ptype_id, conference_id, by_name[atype_name]["id"], ptype_name, can_block, self.now_ms))
            members = [r for r in eligible if r["type_id"] == by_name[atype_name]["id"]][:24]
            sides[ptype_name] = []
            for member in members:
                participant_id = self.ids("participants", 1_234_567)
                blocked = sorted(rng.sample([key for _, key in slot_ids], rng.choice([0, 0, 1, 2, 3])))
                conn.execute(
                    "INSERT INTO participants VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (participant_id, conference_id, ptype_id, member["id"], member["company"], member["name"],
                     member["email"], member["job"], member["telephone"], json.dumps([str(b) for b in blocked]),
                     self.now_ms),
                )
                sides[ptype_name].append(participant_id)
            lunch = [(12, 30, 13, 30)] if ptype_name == "Buyers" else [(16, 0, 17, 0)]
            for d in range((last_day - first_day).days + 1):
                day = first_day + timedelta(days=d)
                for h1, m1, h2, m2 in lunch if ptype_name == "Buyers" or d == 1 else []:
                    conn.execute("INSERT INTO unavailable_hours VALUES (?,?,?,?)",
                                 (self.ids("unavailable_hours", 1234), ptype_id,
                                  self.local(day, h1, m1).timestamp(), self.local(day, h2, m2).timestamp()))
        busy: set[tuple[int, int]] = set()
        statuses = list(MEETING_STATUSES.values())
        made = 0
        for _ in range(400):
            if made >= 80 or not sides["Buyers"] or not sides["Sellers"]:
                break
            buyer, seller = rng.choice(sides["Buyers"]), rng.choice(sides["Sellers"])
            slot_id, _ = rng.choice(slot_ids)
            if (buyer, slot_id) in busy or (seller, slot_id) in busy:
                continue
            busy.update({(buyer, slot_id), (seller, slot_id)})
            host, guest = (buyer, seller) if rng.random() < 0.5 else (seller, buyer)
            status = rng.choices(statuses, weights=[3, 4, 1.5, 1.5])[0]
            conn.execute(
                "INSERT INTO meetings VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (self.ids("meetings", 7_000_001), conference_id, host, guest, slot_id, status,
                 f"Table {rng.randrange(1, 31)}", "Would love to meet at the expo.",
                 "I have another meeting" if status == 3 else None,
                 str(uuidlib.UUID(int=rng.getrandbits(128))), self.now_ms, self.now_ms),
            )
            made += 1


def seed_demo(db: Database, *, attendees: int = 1200, seed: int = 42, start_date: date | None = None,
         now: datetime | None = None, tz: str = "America/Bogota") -> None:
    zone = ZoneInfo(tz)
    moment = now or datetime.now(zone)
    Seeder(db, seed=seed, start_date=start_date or moment.date(), now=moment, tz=zone).run(attendees)
