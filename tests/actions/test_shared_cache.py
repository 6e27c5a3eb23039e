"""Two and four app processes on one cache directory, as several SSH sessions on one kiosk machine.

All against one live sandbox on a loopback port, each phase started at the same moment in every process:
  1. online: every process syncs, searches, registers its own walk-ins and syncs again, at once;
  2. offline (the sandbox stopped): every process registers walk-ins, all queued in the one outbox;
  3. back online: every process replays at once (one holds the replay lock, the others wait for it).
Then: no process failed or printed a traceback, every process reads the whole cache, no outbox entry was
lost, every walk-in is on the server exactly once, and a fresh process's sync matches the server.
"""

from __future__ import annotations

import asyncio

import pytest

from eventtia_tui.actions import ActionRunner, AuditLog, Outbox, State
from eventtia_tui.api import EventtiaClient
from eventtia_tui.gateway import Gateway, sync_event
from eventtia_tui.sandbox import DEMO_EMAIL, create_app
from eventtia_tui.store.cache import CacheStore
from tests.actions.kiosk import EXPO, Kiosk, Server, sign_in
from tests.demo_expo import BASE_URL, DEMO_START, walk_in
from tests.live import LiveSandbox

pytestmark = pytest.mark.hardening

PER_PROCESS = 3


def together(count: int, command: str, url: str, cache, token: str, go_file, args_for) -> list[Kiosk]:
    """Start `count` processes, let them get ready (imports, opening the cache), then release them at once."""
    kiosks = [Kiosk(command, url, cache, *args_for(n), token=token, go_file=go_file) for n in range(count)]
    for kiosk in kiosks:
        kiosk.wait_for("ready")
    go_file.touch()
    for kiosk in kiosks:
        kiosk.finish()
    go_file.unlink()
    return kiosks


@pytest.mark.parametrize("processes", [2, 4])
def test_processes_sharing_one_cache_lose_nothing_and_write_once(tmp_path, processes):
    app = create_app(tmp_path / "sandbox.sqlite3", attendees=300, seed=5, start_date=DEMO_START)
    live = LiveSandbox(app).start()
    cache, go = tmp_path / "cache", tmp_path / "go"
    token = sign_in(live.url)
    server = Server(live.url, token)
    try:
        before, listed = server.total(), server.listed()

        # 1. Online, all at once: sync, search, register, read, sync.
        online = together(processes, "session", live.url, cache, token, go, lambda n: (f"online-{n}", str(PER_PROCESS)))
        for kiosk in online:
            assert [o["state"] for o in kiosk.steps("outcome")] == ["done"] * PER_PROCESS, kiosk.log
            assert kiosk.steps("sync-failed") == [] and kiosk.steps("read-failed") == []
        online_emails = [o["email"] for kiosk in online for o in kiosk.steps("outcome")]

        # 2. Offline, all at once: every walk-in goes to the one outbox.
        live.stop()
        offline = together(processes, "session", live.url, cache, token, go,
                           lambda n: (f"offline-{n}", str(PER_PROCESS)))
        for kiosk in offline:
            assert [o["state"] for o in kiosk.steps("outcome")] == ["queued"] * PER_PROCESS, kiosk.log
            assert kiosk.steps("index")[0]["size"] >= listed  # the synced copy answers while offline
        queued_emails = [o["email"] for kiosk in offline for o in kiosk.steps("outcome")]
        outbox = Outbox(cache, CacheStore.scope_for(live.url, DEMO_EMAIL))
        assert sorted(item.action.email for item in outbox.items()) == sorted(queued_emails)  # none lost
        assert {item.state for item in outbox.items()} == {"queued"}
        (shown,) = together(1, "read", live.url, cache, token, go, lambda n: ())[0].steps("read")
        visible = sum(1 for ident in shown["ids"] if ident.startswith("pending-"))
        print(f"\n[shared cache, {processes} processes] queued walk-ins {len(queued_emails)}, in the outbox "
              f"{len(list(outbox.items()))}, shown as queued in the cache afterwards {visible}")

        # 3. Back online, all replay at once.
        live.start()
        replayers = together(processes, "replay", live.url, cache, token, go, lambda n: ())
        replayed = [kiosk.steps("replayed")[0] for kiosk in replayers]
        assert sum(r["sent"] for r in replayed) == len(queued_emails)
        assert sum(r["already_there"] for r in replayed) == 0
        assert all(kiosk.steps("replay-failed") == [] for kiosk in replayers)
        assert list(outbox.items()) == []

        # Each walk-in on the server exactly once; nothing else appeared.
        everyone = online_emails + queued_emails
        assert len(set(everyone)) == processes * PER_PROCESS * 2
        assert {email: server.count_email(email) for email in everyone} == dict.fromkeys(everyone, 1)
        assert server.total() == before + len(everyone)

        # Every process could read the whole cache after the replay.
        for kiosk in replayers:
            (read,) = kiosk.steps("read")
            assert read["size"] is not None and read["size"] >= listed + len(online_emails)
            assert read["outbox"] == [] and read["workshops"] > 0 and read["audit"] > 0

        # A fresh start on that cache: it loads, and its incremental sync matches the server exactly.
        asyncio.run(fresh_start_matches_server(live.url, token, cache, server))
    finally:
        server.close()
        live.stop()


async def fresh_start_matches_server(url: str, token: str, cache, server: Server) -> None:
    async with EventtiaClient(url, token) as client:
        store = CacheStore(cache, url, DEMO_EMAIL)
        try:
            gateway = Gateway(client, store)
            assert gateway.index(EXPO) is not None
            report = await sync_event(gateway, EXPO)
            assert report.mode == "incremental"
            index = gateway.index(EXPO)
            on_server = await client.collect(f"events/{EXPO}/attendees")  # the active ones
            active = [record.id for record in index.records.values() if not record.cancelled]
            assert sorted(active) == sorted(resource.id for resource in on_server.data)
            assert len(index) == server.listed()
        finally:
            store.close()


async def test_walk_ins_queued_by_two_sessions_are_both_shown_after_a_restart(runner, sandbox_app, client, cache_dir,
                                                                            clock):
    def session() -> ActionRunner:
        store = CacheStore(cache_dir, BASE_URL, DEMO_EMAIL, clock=clock)
        return ActionRunner(Gateway(client, store, clock=clock), Outbox(cache_dir, store.scope),
                            AuditLog(cache_dir, DEMO_EMAIL))

    other = session()
    assert other.gateway.index(EXPO) is not None  # both sessions have the event open
    sandbox_app.state.faults.fail_rate = 1.0
    assert (await runner.run(walk_in(email="first.desk@walkin.test"))).state is State.QUEUED
    assert (await other.run(walk_in(email="second.desk@walkin.test"))).state is State.QUEUED
    later = session()
    assert later.outbox.count() == 2  # nothing lost where it matters
    shown = {r.email for r in later.gateway.index(EXPO).records.values() if r.id.startswith("pending-")}
    assert shown == {"first.desk@walkin.test", "second.desk@walkin.test"}
