"""A damaged cache is set aside and filled again from Eventtia (the outbox is never touched); a cache that
cannot be written stops the TUI and `find` with one sentence, not a traceback."""

from __future__ import annotations

import sqlite3

import diskcache
import pytest

from eventtia_tui import cli
from eventtia_tui.actions import ActionRunner, AuditLog, Outbox, State
from eventtia_tui.gateway import Gateway, sync_event
from eventtia_tui.store.cache import CacheStore, CacheUnusable
from tests.demo_expo import BASE_URL, DEMO_EMAIL, EXPO, server_total, walk_in

pytestmark = pytest.mark.hardening


def damage(path) -> None:
    path.write_bytes(b"\x00garbage, not SQLite\xff" * 200)


async def test_a_damaged_cache_is_set_aside_and_rebuilt_and_the_outbox_survives(runner, synced, api, sandbox_app,
                                                                               client, cache_dir, clock):
    sandbox_app.state.faults.fail_rate = 1.0
    assert (await runner.run(walk_in())).state is State.QUEUED
    sandbox_app.state.faults.fail_rate = 0.0
    total = await server_total(api)
    synced.store.close()
    runner.outbox.index.cache.close()
    damage(cache_dir / "cache.db")

    store = CacheStore(cache_dir, BASE_URL, DEMO_EMAIL, clock=clock)  # the next start
    try:
        assert [p.name for p in cache_dir.glob("cache.db.damaged-*")]  # kept for a look, not deleted
        gateway = Gateway(client, store, clock=clock)
        assert gateway.index(EXPO) is None  # nothing of the damaged copy is read
        later = ActionRunner(gateway, Outbox(cache_dir, store.scope), AuditLog(cache_dir, DEMO_EMAIL))
        assert later.outbox.count() == 1
        await sync_event(gateway, EXPO)  # filled again from Eventtia
        assert len(gateway.index(EXPO)) > 1000
        report = await later.replay()
        assert (report.sent, report.remaining) == (1, 0) and await server_total(api) == total + 1
    finally:
        store.close()


def test_a_damaged_outbox_is_never_set_aside(cache_dir):
    Outbox(cache_dir, "scope").index.cache.close()
    damage(cache_dir / "outbox" / "cache.db")
    with pytest.raises(CacheUnusable, match="cannot be used"):
        Outbox(cache_dir, "scope")
    assert not list((cache_dir / "outbox").glob("*.damaged-*"))


@pytest.fixture
def read_only_disk(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(diskcache.Cache, "__init__", refuse)


@pytest.mark.parametrize("argv", [["find", "demo-expo", "garcia"], ["sync", "demo-expo"], []])
def test_a_read_only_cache_stops_the_tui_find_and_sync_with_one_sentence(argv, tmp_path, monkeypatch, capsys,
                                                                         read_only_disk):
    monkeypatch.setenv("EVENTTIA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("eventtia_tui.app.has_terminal", lambda: True)
    code = cli.main(["--demo", "--cache-dir", str(tmp_path / "cache"), *argv])
    err = capsys.readouterr().err
    assert code == (2 if argv[:1] == ["find"] else 1)  # find: 2 when it could not look, as grep
    assert err.startswith("error: The cache directory ") and "read-only" in err and "--cache-dir" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
