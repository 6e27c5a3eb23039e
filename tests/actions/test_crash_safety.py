"""kill -9 the app in the middle of a write, a sync and a replay; start it again on the same cache.

The app is a real process (kiosk_worker.py) killed with SIGKILL at a known point (the sandbox has
seen its request); the restart is new objects on the same cache directory, as the next start of the app
would build. Afterwards: the cache and the outbox load, the write the user was making is on the server
exactly once, and the cache holds no half-done registration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from eventtia_tui.actions import ActionRunner, AuditLog, Outbox
from eventtia_tui.api import EventtiaClient, RetryPolicy
from eventtia_tui.gateway import Gateway, sync_event
from eventtia_tui.sandbox import DEMO_EMAIL, create_app
from eventtia_tui.store.cache import CacheStore
from tests.actions.kiosk import EXPO, Kiosk, Server, sign_in, wait_until
from tests.demo_expo import DEMO_START
from tests.live import LiveSandbox
from tests.wire import Wire

pytestmark = pytest.mark.crash

REGISTER = f"POST /api/v3/events/{EXPO}/attendees/register"


async def no_sleep(_: float) -> None:
    return None


@dataclass
class Site:
    app: object
    wire: Wire
    live: LiveSandbox
    token: str
    server: Server
    cache: Path

    def kiosk(self, command: str, *args: str) -> Kiosk:
        return Kiosk(command, self.live.url, self.cache, *args, token=self.token)

    def calm(self) -> None:
        self.app.state.faults.latency_ms, self.app.state.faults.fail_rate = 0, 0.0
        self.wire.late_work = self.wire.late_answer = 0.0

    def settled(self) -> None:
        """Every request the sandbox took has been handled (a killed client's write may land late)."""
        wait_until(lambda: len(self.wire.finished) >= len(self.wire.seen), what="the sandbox to finish its requests")


@pytest.fixture
def site(tmp_path):
    app = create_app(tmp_path / "sandbox.sqlite3", attendees=300, seed=11, start_date=DEMO_START)
    wire = Wire(app)
    live = LiveSandbox(wire).start()
    token = sign_in(live.url)
    server = Server(live.url, token)
    yield Site(app, wire, live, token, server, tmp_path / "cache")
    server.close()
    live.stop()


class Restarted:
    """The app started again: new client, cache store, gateway, outbox and runner on the same directory."""

    def __init__(self, site: Site) -> None:
        self.site = site

    async def __aenter__(self) -> ActionRunner:
        self.client = EventtiaClient(self.site.live.url, self.site.token,
                                     retry=RetryPolicy(attempts=2, base_delay=0, sleep=no_sleep), timeout=10)
        self.store = CacheStore(self.site.cache, self.site.live.url, DEMO_EMAIL)
        gateway = Gateway(self.client, self.store)
        return ActionRunner(gateway, Outbox(self.site.cache, self.store.scope), AuditLog(self.site.cache, DEMO_EMAIL))

    async def __aexit__(self, *_: object) -> None:
        self.store.close()
        await self.client.aclose()


def half_done(runner: ActionRunner) -> list[str]:
    index = runner.gateway.index(EXPO)
    return sorted(r.email for r in index.records.values() if r.id.startswith("pending-")) if index else []


@pytest.mark.parametrize("fate", ["lands after the crash", "never lands"])
async def test_killed_in_the_middle_of_a_registration_it_is_applied_once_after_restart(site, fate):
    site.kiosk("sync").finish()
    email = "crash.mid.write@kiosk.test"
    if fate == "lands after the crash":
        site.wire.late_work = 0.4  # the server has the whole request and handles it after the app died
    else:
        site.app.state.faults.latency_ms = 600  # the server waits before reading the body; the app dies first
    kiosk = site.kiosk("register", email)
    kiosk.wait_for("applied")  # the desk sees "registering…"
    wait_until(lambda: REGISTER in site.wire.seen, what="the register request")
    kiosk.kill()
    assert kiosk.steps("outcome") == []
    site.calm()

    async with Restarted(site) as runner:
        assert half_done(runner) == [email]  # the cache loads, the person is shown as on the way
        assert [item.action.email for item in runner.outbox.items()] == [email]  # and the write was kept
        report = await runner.replay()
        assert report.failed == [] and report.remaining == 0 and report.sent + report.already_there == 1
        site.settled()
        assert site.server.count_email(email) == 1
        assert half_done(runner) == []
        record = runner.gateway.index(EXPO).exact(email)
        assert record is not None and record.id.isdigit() and record.status == "confirmed"
        assert list(runner.outbox.items()) == []
        await sync_event(runner.gateway, EXPO)
        assert len(runner.gateway.index(EXPO)) == site.server.listed()
        runner.audit.entries()  # every line of the audit log still parses
    assert site.server.count_email(email) == 1


async def test_killed_in_the_middle_of_a_first_sync_what_it_had_loads_and_the_sync_resumes(site):
    site.app.state.faults.latency_ms = 150
    kiosk = site.kiosk("sync")
    kiosk.wait_for("progress", stage="attendees", done=100)  # page 1 kept, the other pages in flight
    kiosk.kill()
    site.calm()
    async with Restarted(site) as runner:
        index = runner.gateway.index(EXPO)
        kept = len(index)
        assert 100 <= kept < site.server.listed()  # the pages it had kept, searchable, and marked as a part
        assert not runner.gateway.is_complete(EXPO)
        assert list(runner.outbox.items()) == []
        report = await sync_event(runner.gateway, EXPO)
        pages = -(-site.server.listed() // 100)
        assert report.resumed_pages == kept // 100
        assert report.requests == pages - report.resumed_pages  # nothing it had is asked for again
        assert report.attendees == site.server.listed() == len(runner.gateway.index(EXPO))
        assert runner.gateway.is_complete(EXPO)


async def test_killed_in_the_middle_of_a_resync_the_old_copy_and_the_queued_write_survive(site):
    site.kiosk("sync").finish()
    before = site.server.listed()
    site.app.state.faults.fail_rate = 1.0  # offline: the walk-in is queued
    queued = site.kiosk("register", "queued.before.crash@kiosk.test")
    queued.finish()
    assert queued.steps("outcome")[0]["state"] == "queued"
    site.calm()
    site.app.state.faults.latency_ms = 150
    kiosk = site.kiosk("sync")
    kiosk.wait_for("progress", stage="changes", done=1)
    kiosk.kill()
    site.calm()
    async with Restarted(site) as runner:
        index = runner.gateway.index(EXPO)
        assert len(index) == before + 1  # the last complete copy, plus the queued walk-in on screen
        assert half_done(runner) == ["queued.before.crash@kiosk.test"]
        assert runner.outbox.count() == 1
        report = await runner.replay()
        assert (report.sent, report.failed, report.remaining) == (1, [], 0)
        await sync_event(runner.gateway, EXPO)
        assert half_done(runner) == [] and len(runner.gateway.index(EXPO)) == before + 1
    assert site.server.count_email("queued.before.crash@kiosk.test") == 1


async def test_killed_in_the_middle_of_a_replay_the_next_start_finishes_it_once(site):
    site.kiosk("sync").finish()
    emails = ["replay.one@kiosk.test", "replay.two@kiosk.test", "replay.three@kiosk.test"]
    site.app.state.faults.fail_rate = 1.0
    site.kiosk("register", *emails).finish()
    site.calm()
    site.wire.late_work = 0.3  # the first resend reaches the server, the app dies before the answer
    earlier = site.wire.seen.count(REGISTER)
    kiosk = site.kiosk("replay")
    wait_until(lambda: site.wire.seen.count(REGISTER) > earlier, what="the first resend")
    kiosk.kill()
    site.calm()
    async with Restarted(site) as runner:
        assert runner.outbox.count() == 3
        report = await runner.replay()  # at once: the dead process's replay lock must not stop it
        assert report.failed == [] and report.remaining == 0 and report.sent + report.already_there == 3
        assert report.already_there <= 1  # only the one the killed process was sending can be there
        site.settled()
        assert half_done(runner) == []
    assert [site.server.count_email(email) for email in emails] == [1, 1, 1]


async def test_killed_inside_an_undo_window_the_next_start_names_the_write_and_sends_it_once(site):
    """A held cancellation and a walk-in queued offline, then the app killed inside the cancellation's window:
    the next start says which write was which ("held when the app stopped" / "queued offline"), not "Sent 2
    changes saved while offline", and each lands once."""
    site.kiosk("sync").finish()
    site.app.state.faults.fail_rate = 1.0
    site.kiosk("register", "queued.offline@kiosk.test").finish()
    site.calm()
    kiosk = site.kiosk("hold-cancel", "600")
    held = kiosk.wait_for("held", state="held")
    kiosk.kill()
    async with Restarted(site) as runner:
        items = list(runner.outbox.items())
        assert sorted(item.interrupted for item in items) == ["", "held"]
        report = await runner.replay()
        assert report.sent == 2 and report.failed == [] and report.remaining == 0
        assert report.landed == ["Register Kiosk Queued.Offline (General Admission): queued offline, sent",
                                 f"Cancel {held['name']}: held when the app stopped, sent now"]
        said = report.said()
        assert "Sent to Eventtia — " in said and held["name"] in said and "held when the app stopped" in said
        steps = [(e["before"], e["outcome"]) for e in runner.audit.entries() if e.get("replay")]
        assert steps == [("queued", "sending"), ("sending", "done"), ("held", "sending"), ("sending", "done")]
    site.settled()
    assert site.server.count_email("queued.offline@kiosk.test") == 1
    listed = site.server.listed()
    async with Restarted(site) as runner:
        assert list(runner.outbox.items()) == [] and (await runner.replay()).landed == []
    assert site.server.listed() == listed  # the cancel was sent once: nothing more left the listing
