"""Seeded, randomized kiosk sessions against a real sandbox on a loopback port that fails in every way it can.

Each session is the app started again on the same machine: a new client, gateway and action runner over
one shared cache directory. It reads (cached and forced reads, incremental syncs, searches), writes
(walk-in registrations, activity adds, cancellations, unavailable hours) and replays the outbox, while
the sandbox is stopped and started at random points (also in the middle of a request), answers 503 at a
random rate, adds latency, or answers only after the client has given up (the write may have landed).

Afterwards the sandbox's own API is asked: every write the user saw DONE or QUEUED is there exactly once,
nothing refused or invalid is there at all, nothing queued was wrongly reported as refused, the cache
loads and holds no half-done registration, and no exception escaped the gateway or the action layer.
The figures are printed: `pytest tests/actions/test_fault_sessions.py -s -n 0` (and `--slow` for the 100-session run).
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
import pytest

from eventtia_tui.actions import (
    ActionRunner,
    AuditLog,
    CancelAttendee,
    Outbox,
    RegisterAttendee,
    State,
    UnavailableHourAction,
    add_activity,
    views,
)
from eventtia_tui.api import ApiError, EventtiaClient, RetryPolicy
from eventtia_tui.gateway import Gateway, sync_event
from eventtia_tui.sandbox import DEMO_EMAIL, DEMO_PASSWORD, create_app
from eventtia_tui.store.cache import CacheStore
from tests.demo_expo import DEMO_START
from tests.live import LiveSandbox
from tests.wire import Wire

pytestmark = pytest.mark.fault

EXPO = "demo-expo"
SEED = 20261124
TIMEOUT = 0.25  # the client's timeout; the "answers too late" fault answers after it
FIRST_NAMES = ["Zoë", "Ñandú", "Jürgen", "李", "Amélie", "Óscar", "Ana", "Björk"]
LAST_NAMES = ["Núñez", "Müller", "Wei", "Gómez", "Ødegaard", "O'Brien", "Pérez"]


async def no_sleep(_: float) -> None:
    return None


def email_of(person: dict) -> str:
    return person["attributes"]["qr_code"].split("|")[2]


@dataclass
class Write:
    kind: str  # register | activity | cancel | hour
    key: tuple
    state: State
    session: int
    message: str = ""


@dataclass
class Figures:
    sessions: int = 0
    operations: int = 0
    reads: int = 0
    offline_reads: int = 0  # a read that raised a typed error (nothing cached and no connection)
    syncs: int = 0
    failed_syncs: int = 0
    searches: int = 0
    replays: int = 0
    faults: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    writes: list[Write] = field(default_factory=list)
    escaped: list[str] = field(default_factory=list)
    applied: int = 0
    duplicated: int = 0
    lost: int = 0
    leaked: int = 0  # refused or invalid, yet on the server
    refused_on_replay: int = 0  # queued, then refused when replayed (none of these writes can be refused)

    def report(self, label: str) -> str:
        accepted = sum(1 for w in self.writes if w.state in (State.DONE, State.QUEUED))
        return (f"\n[{label}] sessions={self.sessions} operations={self.operations} "
                f"faults={sum(self.faults.values())} {dict(sorted(self.faults.items()))}\n"
                f"[{label}] reads={self.reads} (typed offline errors {self.offline_reads}) searches={self.searches} "
                f"syncs={self.syncs} (failed {self.failed_syncs}) replays={self.replays}\n"
                f"[{label}] writes attempted={len(self.writes)} accepted-or-queued={accepted} "
                f"outcomes={dict(sorted((k.value, v) for k, v in self.outcomes.items()))}\n"
                f"[{label}] applied={self.applied} duplicated={self.duplicated} lost={self.lost} "
                f"leaked={self.leaked} refused_on_replay={self.refused_on_replay} escaped={len(self.escaped)}")


class Chaos:
    """The faults: stop/start the server, 503 rate, latency, work or answers after the client gave up."""

    def __init__(self, live: LiveSandbox, rng: random.Random, figures: Figures) -> None:
        self.live, self.rng, self.figures = live, rng, figures
        self.wire: Wire = live.app
        self.faults = self.wire.app.state.faults
        self.up = True

    async def stop(self) -> None:
        if self.up:
            self.up = False
            self.figures.faults["stop"] += 1
            await asyncio.to_thread(self.live.stop)

    async def start(self) -> None:
        if not self.up:
            self.figures.faults["restart"] += 1
            await asyncio.to_thread(self.live.start)
            self.up = True

    async def strike(self) -> None:
        kind = self.rng.choices(["toggle", "fail_rate", "latency", "calm"], weights=[4, 4, 2, 1])[0]
        if kind == "toggle":
            await (self.stop() if self.up else self.start())
        elif kind == "fail_rate":
            self.faults.fail_rate = self.rng.choice([0.0, 0.1, 0.3, 0.6, 1.0])
            self.figures.faults["fail_rate"] += 1
        elif kind == "latency":
            self.faults.latency_ms = self.rng.choice([0, 2, 10, 30])
            self.figures.faults["latency"] += 1
        else:
            self.faults.fail_rate, self.faults.latency_ms = 0.0, 0

    async def too_late(self, operation) -> None:
        """One operation during which the server works, or answers, only after the client has given up."""
        late = TIMEOUT + self.rng.uniform(0.01, 0.1)
        if self.rng.random() < 0.5:
            self.figures.faults["late_work"] += 1
            self.wire.late_work = late
        else:
            self.figures.faults["late_answer"] += 1
            self.wire.late_answer = late
        try:
            await operation()
        finally:
            self.wire.late_work = self.wire.late_answer = 0.0

    async def during(self, operation) -> None:
        """Stop the server at a random point while the operation runs (in flight, or between its requests)."""
        if not self.up:
            await operation()
            return
        self.figures.faults["stop_mid_operation"] += 1
        task = asyncio.ensure_future(operation())
        await asyncio.sleep(self.rng.uniform(0, 0.02))  # where the fault lands, not a wait for anything
        await self.stop()
        self.figures.faults["stop"] -= 1  # counted once, as stop_mid_operation
        await task


class Fleet:
    """What stays between sessions: the server, the cache directory, the targets not used yet."""

    def __init__(self, live: LiveSandbox, token: str, cache_dir, rng: random.Random, figures: Figures,
                 activity_pool: list[tuple[str, str, str]], cancel_pool: list[tuple[str, str, str]],
                 conference: tuple[str, str, datetime]) -> None:
        self.live, self.token, self.cache_dir, self.rng, self.figures = live, token, cache_dir, rng, figures
        self.activity_pool, self.cancel_pool = activity_pool, cancel_pool
        self.conference = conference
        self.chaos = Chaos(live, rng, figures)
        self.hours = 0
        self.remaining: list[tuple[str, str, str]] = []  # the outbox after the last session

    def runner(self, client: EventtiaClient) -> tuple[ActionRunner, CacheStore]:
        store = CacheStore(self.cache_dir, self.live.url, DEMO_EMAIL)
        gateway = Gateway(client, store)
        return ActionRunner(gateway, Outbox(self.cache_dir, store.scope), AuditLog(self.cache_dir, DEMO_EMAIL)), store

    async def session(self, number: int) -> None:
        figures, rng = self.figures, self.rng
        figures.sessions += 1
        retry = RetryPolicy(attempts=2, base_delay=0, sleep=no_sleep)
        async with EventtiaClient(self.live.url, self.token, retry=retry, timeout=TIMEOUT) as client:
            runner, store = self.runner(client)
            try:
                await self.guard("replay", lambda: self.replay(runner))  # the app replays on start
                for step in range(rng.randint(3, 8)):
                    if rng.random() < 0.35:
                        await self.chaos.strike()
                    operation = self.pick(runner, number, step)
                    figures.operations += 1
                    roll = rng.random()
                    if roll < 0.08:
                        await self.chaos.during(operation)
                    elif roll < 0.2 and self.chaos.up:
                        await self.chaos.too_late(operation)
                    else:
                        await operation()
                await runner.gateway.wait_for_background()
            finally:
                await asyncio.to_thread(store.close)

    async def guard(self, what: str, operation, typed_ok: bool = False) -> None:
        """No exception may escape; reads may raise the typed ApiError the screens turn into a sentence."""
        try:
            await operation()
        except ApiError:
            if not typed_ok:
                self.figures.escaped.append(f"{what}: ApiError escaped")
                return
            if what == "sync":
                self.figures.failed_syncs += 1
            else:
                self.figures.offline_reads += 1
        except Exception as error:  # noqa: BLE001 — this is what the test counts
            self.figures.escaped.append(f"{what}: {error!r}")

    def pick(self, runner: ActionRunner, session: int, step: int):
        kind = self.rng.choices(["read", "search", "sync", "replay", "register", "activity", "cancel", "hour",
                                 "read+write"], weights=[5, 3, 2, 2, 5, 3, 2, 2, 2])[0]
        if kind == "read":
            return lambda: self.guard("read", lambda: self.read(runner.gateway), typed_ok=True)
        if kind == "search":
            return lambda: self.guard("search", lambda: self.search(runner.gateway))
        if kind == "sync":
            return lambda: self.guard("sync", lambda: self.sync(runner.gateway), typed_ok=True)
        if kind == "replay":
            return lambda: self.guard("replay", lambda: self.replay(runner))
        if kind == "read+write":  # the UI reads in one worker while a write is in flight in another
            write = self.pick_write(runner, session, step)

            async def both() -> None:
                await asyncio.gather(self.guard("read", lambda: self.read(runner.gateway), typed_ok=True),
                                     self.guard("write", write))
            return both
        write = self.pick_write(runner, session, step, kind)
        return lambda: self.guard(kind, write)

    def pick_write(self, runner: ActionRunner, session: int, step: int, kind: str | None = None):
        kind = kind or self.rng.choice(["register", "activity", "cancel", "hour"])
        if kind == "activity" and self.activity_pool:
            attendee_id, name, workshop_id = self.activity_pool.pop()
            action = add_activity(EXPO, attendee_id, name, workshop_id)
            key = (attendee_id, workshop_id)
        elif kind == "cancel" and self.cancel_pool:
            attendee_id, name, type_name = self.cancel_pool.pop()
            action = CancelAttendee(EXPO, attendee_id=attendee_id, name=name, type_name=type_name)
            key = (attendee_id,)
        elif kind == "hour":
            conference_id, type_id, first = self.conference
            start = first + timedelta(minutes=2 * self.hours)
            self.hours += 1
            action = UnavailableHourAction(EXPO, conference_id=conference_id, participant_type_id=type_id,
                                           start=start.strftime("%d/%m/%Y - %H:%M"),
                                           end=(start + timedelta(minutes=1)).strftime("%d/%m/%Y - %H:%M"),
                                           type_name="Buyers")
            key = (conference_id, type_id, action.start, action.end)
        else:
            kind = "register"
            email = f"fault-{session:04d}-{step:02d}@faults.test"
            values = {"first_name": self.rng.choice(FIRST_NAMES), "last_name": self.rng.choice(LAST_NAMES),
                      "email": email, "company": "Señal Telecom"}
            action = RegisterAttendee(EXPO, attendee_type_id="5001", values=values, type_name="General Admission")
            key = (email,)

        async def write() -> None:
            outcome = await runner.run(action)
            self.figures.outcomes[outcome.state] += 1
            self.figures.writes.append(Write(kind, key, outcome.state, session, outcome.message))
        return write

    async def read(self, gateway: Gateway) -> None:
        self.figures.reads += 1
        force = self.rng.random() < 0.5
        choice = self.rng.randrange(5)
        if choice == 0:
            await gateway.workshops(EXPO, force=force)
        elif choice == 1:
            await gateway.tickets_stats(EXPO, force=force)
        elif choice == 2:
            await gateway.events(force=force)
        elif choice == 3:
            await gateway.attendee_types(EXPO, force=force)
        else:
            await gateway.conferences(EXPO, force=force)

    async def search(self, gateway: Gateway) -> None:
        self.figures.searches += 1
        index = await gateway.attendee_index(EXPO)
        if index is not None:
            index.search(self.rng.choice(["mar", "gómez", "li", "fault", "zoë", "señal", "xyz"]))

    async def sync(self, gateway: Gateway) -> None:
        self.figures.syncs += 1
        await sync_event(gateway, EXPO)

    async def replay(self, runner: ActionRunner) -> None:
        self.figures.replays += 1
        await runner.replay()

    async def settle(self) -> ActionRunner:
        """The network is back for good: a last session replays until the outbox is empty."""
        await self.chaos.start()
        self.chaos.faults.fail_rate, self.chaos.faults.latency_ms = 0.0, 0
        async with EventtiaClient(self.live.url, self.token, retry=RetryPolicy(attempts=2, base_delay=0,
                                                                             sleep=no_sleep)) as client:
            runner, store = self.runner(client)
            try:
                for _ in range(3):
                    await self.guard("replay", lambda: self.replay(runner))
                    if await runner.count_queued() == 0:
                        break
                await sync_event(runner.gateway, EXPO)
                self.check_cache(runner)
            finally:
                await asyncio.to_thread(store.close)
        return runner

    def check_cache(self, runner: ActionRunner) -> None:
        index = runner.gateway.index(EXPO)
        assert index is not None
        half_done = [r for r in index.records.values() if r.id.startswith("pending-")]
        assert half_done == [], [(r.email, r.status) for r in half_done]
        self.remaining = [(i.state, i.action.summary(), i.message) for i in runner.outbox.items()]


async def setup_targets(api: httpx.AsyncClient) -> tuple[list, list, tuple]:
    """Attendees to add to a roomy activity (not in it yet) and to cancel, and a B2B type for hours."""
    workshops = (await api.get(f"/events/{EXPO}/workshops", params={"page[size]": 100})).json()["data"]
    roomy = [w["id"] for w in workshops if (w["attributes"]["availability"] or 0) - w["attributes"]["used_seats"] >= 150]
    people = []
    for page in range(1, 5):
        people += (await api.get(f"/events/{EXPO}/attendees", params={"page[size]": 100, "page[number]": page,
                                                                     "include": "attendee_type"})).json()["data"]
    types = {5001: "General Admission", 5002: "VIP", 5003: "Speaker", 5004: "Buyer", 5005: "Seller"}
    activity_pool, cancel_pool = [], []
    for number, person in enumerate(people):
        type_id = int(person["relationships"]["attendee_type"]["data"]["id"])
        name = person["attributes"]["qr_code"].split("|")[1]
        if number % 2:
            cancel_pool.append((person["id"], name, types.get(type_id, "")))
            continue
        joined = {w["id"] for w in (await api.get(f"/events/{EXPO}/attendees/{person['id']}/workshops")).json()["data"]}
        free = [w for w in roomy if w not in joined]
        if free:
            activity_pool.append((person["id"], name, free[number % len(free)]))
    conferences = (await api.get(f"/events/{EXPO}/business_conferences")).json()["data"]
    conference = conferences[0]
    ptypes = (await api.get(f"/events/{EXPO}/business_conferences/{conference['id']}/"
                            "business_conference_participant_types")).json()["data"]
    start = datetime.fromisoformat(conference["attributes"]["start_date"])
    first = start.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    return activity_pool, cancel_pool, (conference["id"], ptypes[0]["id"], first)


async def verify(api: httpx.AsyncClient, figures: Figures, remaining: list) -> None:
    for write in figures.writes:
        accepted = write.state in (State.DONE, State.QUEUED)
        if write.kind == "register":
            (email,) = write.key
            found = (await api.get(f"/events/{EXPO}/attendees",
                                   params={"email": email, "include_archived": "true", "page[size]": 5})).json()
            count = found["meta"]["total_attendees"]
        elif write.kind == "activity":
            attendee_id, workshop_id = write.key
            joined = (await api.get(f"/events/{EXPO}/attendees/{attendee_id}/workshops")).json()["data"]
            count = [w["id"] for w in joined].count(workshop_id)
        elif write.kind == "cancel":
            (attendee_id,) = write.key
            person = (await api.get(f"/events/{EXPO}/attendees/{attendee_id}")).json()["data"]
            everyone = (await api.get(f"/events/{EXPO}/attendees", params={"page[size]": 100, "email": email_of(person)}))
            count = int(attendee_id not in {found["id"] for found in everyone.json()["data"]})  # archived: not listed
        else:
            conference_id, type_id, start, end = write.key
            hours = (await api.get(f"/events/{EXPO}/business_conferences/{conference_id}/"
                                   f"business_conference_participant_types/{type_id}/unavailable_hours",
                                   params={"page[size]": 100})).json()
            assert hours["meta"]["total_pages"] <= 1
            wanted = (datetime.strptime(start, "%d/%m/%Y - %H:%M"), datetime.strptime(end, "%d/%m/%Y - %H:%M"))
            count = sum(1 for h in hours["data"]
                        if (datetime.fromisoformat(h["attributes"]["start_date"]).replace(tzinfo=None),
                            datetime.fromisoformat(h["attributes"]["end_date"]).replace(tzinfo=None)) == wanted)
        if not accepted:
            figures.leaked += count > 0
        elif count == 0:
            figures.lost += 1
        else:
            figures.applied += 1
            figures.duplicated += count > 1
    figures.refused_on_replay = sum(1 for state, _, _ in remaining if state == "failed")


async def run_sessions(tmp_path, sessions: int, seed: int, label: str) -> Figures:
    app = create_app(tmp_path / "sandbox.sqlite3", attendees=400, seed=7, start_date=DEMO_START)
    live = LiveSandbox(Wire(app)).start()
    figures = Figures()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox/api/v3") as anon:
            token = (await anon.post("/auth", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD})).json()["auth_token"]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox/api/v3",
                                     headers={"Authorization": f"Bearer {token}"}) as api:
            activity_pool, cancel_pool, conference = await setup_targets(api)
            rng = random.Random(seed)
            fleet = Fleet(live, token, tmp_path / "cache", rng, figures, activity_pool, cancel_pool, conference)
            async with EventtiaClient(live.url, token) as client:  # the first start: a clean sync
                runner, store = fleet.runner(client)
                await sync_event(runner.gateway, EXPO)
                assert views.cached(runner.gateway, "workshops", EXPO)
                store.close()
            for number in range(sessions):
                await fleet.session(number)
            await fleet.settle()
            await verify(api, figures, fleet.remaining)
    finally:
        live.stop()
    print(figures.report(label))
    if fleet.remaining:
        print(f"[{label}] left in the outbox: {fleet.remaining}")
    return figures


def check(figures: Figures, sessions: int) -> None:
    assert figures.sessions == sessions
    assert figures.escaped == []
    assert figures.lost == 0 and figures.duplicated == 0
    assert figures.leaked == 0 and figures.refused_on_replay == 0
    # The run really was hostile and really wrote: otherwise the figures above prove nothing.
    assert figures.faults["stop"] + figures.faults["stop_mid_operation"] >= 2 and figures.faults["restart"] >= 1
    assert figures.outcomes[State.QUEUED] >= 1 and figures.outcomes[State.DONE] >= 1
    assert figures.applied == sum(1 for w in figures.writes if w.state in (State.DONE, State.QUEUED))


async def test_fault_sessions_short(tmp_path):
    check(await run_sessions(tmp_path, 15, SEED, "faults, 15 sessions"), 15)


@pytest.mark.slow
async def test_fault_sessions_long(tmp_path):
    check(await run_sessions(tmp_path, 100, SEED + 1, "faults, 100 sessions"), 100)
