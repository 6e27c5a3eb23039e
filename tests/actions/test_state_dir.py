"""State outlives the cache: the outbox, the audit log and the crash log live in the state directory; an older
version's are moved there without losing an entry; the cache holds JSON only, never a pickle."""

import json
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import diskcache
import pytest

from eventtia_tui.actions import ActionRunner, AuditLog, State
from eventtia_tui.actions.outbox import Outbox
from eventtia_tui.api.tokens import TokenStore
from eventtia_tui.gateway import Gateway, sync_event
from eventtia_tui.session import Session, Settings, open_session
from eventtia_tui.store.attendee_db import AttendeeDB
from eventtia_tui.store.cache import TEXT_FORMAT, CacheStore, Entry
from eventtia_tui.store.json_disk import JSON_FORMAT, holds_no_pickle
from eventtia_tui.store.page_writer import PageWriter
from eventtia_tui.store.pages import FullSyncState
from eventtia_tui.store.writer_child import Written
from tests.demo_expo import BASE_URL, DEMO_EMAIL, EXPO, walk_in

pytestmark = pytest.mark.hardening


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(api_url=BASE_URL, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                    config_dir=tmp_path / "config")


def desk(session: Session) -> ActionRunner:
    """What the app wires at sign-in (app.use_gateway): the session's outbox and the audit log in the state dir."""
    gateway = session.open_gateway(DEMO_EMAIL)
    return ActionRunner(gateway, session.outbox(gateway.store.scope),
                        AuditLog(session.settings.state_dir, DEMO_EMAIL, session.clock))


async def test_deleting_the_cache_with_a_walk_in_queued_loses_nothing(settings, client, sandbox_app, api, clock):
    session = Session(settings, client, TokenStore(settings.config_dir), clock=clock)
    runner = desk(session)
    await sync_event(session.gateway, EXPO)
    sandbox_app.state.faults.fail_rate = 1.0  # the venue Wi-Fi is down
    assert (await runner.run(walk_in())).state is State.QUEUED
    assert runner.outbox.count() == 1
    session.gateway.store.close()
    runner.outbox.index.cache.close()

    shutil.rmtree(settings.cache_dir)  # "the cache is safe to delete"
    session.gateway = None
    later = desk(session)  # the app started again, on an empty cache
    assert later.outbox.count() == 1
    sandbox_app.state.faults.fail_rate = 0.0
    report = await later.replay()
    assert (report.sent, report.failed, report.remaining) == (1, [], 0)
    found = (await api.get(f"/events/{EXPO}/attendees", params={"email": "zoe.nunez@walkin.test"})).json()
    assert found["meta"]["total_attendees"] == 1
    outcomes = [entry["outcome"] for entry in later.audit.entries()]
    assert "queued" in outcomes and outcomes[-1] == "done"  # queued, then sent: one log across the deletion
    assert not (settings.cache_dir / "outbox").exists() and not (settings.cache_dir / "audit.jsonl").exists()
    state = settings.state_dir
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    assert stat.S_IMODE((state / "audit.jsonl").stat().st_mode) == 0o600
    later.gateway.store.close()


def old_outbox(cache_dir: Path, scope: str, entries: list[tuple[str, dict]], extra: dict | None = None) -> None:
    """An outbox as versions before the state directory wrote it: diskcache's default (pickling) Disk."""
    cache = diskcache.Cache(str(cache_dir / "outbox"), eviction_policy="none")
    index = diskcache.Index.fromcache(cache)
    for action_id, value in entries:
        index[f"{scope}|{action_id}"] = value
    cache.set(f"outbox-replay-lock|{scope}", "1234:abc", expire=120)
    for key, value in (extra or {}).items():
        index[key] = value
    cache.close()


def queued(action, at: float) -> dict:
    return {"action": action.to_json(), "state": "queued", "queued_at": at, "attempts": 0, "message": ""}


def test_an_older_installs_outbox_and_logs_move_to_the_state_dir_merged(settings):
    scope = CacheStore.scope_for(BASE_URL, DEMO_EMAIL)
    first, second, third = walk_in(email="a@old.test"), walk_in(email="b@old.test"), walk_in(email="c@new.test")
    old_outbox(settings.cache_dir, scope, [(first.action_id, queued(first, 100.0)),
                                           (second.action_id, queued(second, 300.0))])
    (settings.cache_dir / "audit.jsonl").write_text('{"what": "old one"}\n{"what": "old two"}')  # no final newline
    (settings.cache_dir / "crash.log").write_text("--- old crash\n")
    # A newer version already ran here once (the outbox and the log exist in both places): merged, not overwritten.

    newer = Outbox(settings.state_dir, scope)
    newer.add(third)
    newer.index[f"{scope}|{third.action_id}"] = queued(third, 200.0)
    newer.index.cache.close()
    (settings.state_dir / "audit.jsonl").write_text('{"what": "new one"}\n')

    session = open_session(settings)
    try:
        items = list(session.outbox(scope).items())
        assert [item.action.values["email"] for item in items] == ["a@old.test", "c@new.test", "b@old.test"]
        assert all(item.state == "queued" for item in items)
        lines = (settings.state_dir / "audit.jsonl").read_text().splitlines()
        assert [json.loads(line)["what"] for line in lines] == ["old one", "old two", "new one"]
        assert (settings.state_dir / "crash.log").read_text() == "--- old crash\n"
        assert not any((settings.cache_dir / name).exists() for name in ("outbox", "audit.jsonl", "crash.log"))
        with sqlite3.connect(settings.state_dir / "outbox" / "cache.db") as db:
            assert holds_no_pickle(db)
    finally:
        session.gateway = None
    # A second start finds nothing more to move and keeps what is there.
    open_session(settings)
    assert len(list(Outbox(settings.state_dir, scope).items())) == 3


class Boom:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return os.mkdir, (self.path,)


def test_an_old_outbox_entry_that_is_not_plain_data_is_never_loaded_and_nothing_is_lost(settings, tmp_path):
    scope = CacheStore.scope_for(BASE_URL, DEMO_EMAIL)
    action = walk_in()
    old_outbox(settings.cache_dir, scope, [(action.action_id, queued(action, 100.0))],
               extra={f"{scope}|planted": {"action": Boom(str(tmp_path / "pwned"))}})
    open_session(settings)
    assert not (tmp_path / "pwned").exists()  # the planted code never ran
    assert (settings.cache_dir / "outbox" / "cache.db").exists()  # left where it is, for a person to look at

    assert list(Outbox(settings.state_dir, scope).items()) == []  # nothing half-moved either


def pickled_rows(database: Path) -> list[str]:
    """Every value in every table of a SQLite file that is a pickle (protocol 2 and later start with 0x80)."""
    found = []
    with sqlite3.connect(database) as db:
        tables = [row[0] for row in db.execute("select name from sqlite_master where type = 'table'")]
        for table in tables:
            columns = [row[1] for row in db.execute(f"pragma table_info({table})")]
            for row in db.execute(f"select * from {table}"):
                found += [f"{table}.{column}" for column, value in zip(columns, row, strict=True)
                          if isinstance(value, bytes) and value[:1] == b"\x80"]
    return found


async def test_a_synced_cache_holds_no_pickle(synced, runner, sandbox_app, cache_dir):
    sandbox_app.state.faults.fail_rate = 1.0
    assert (await runner.run(walk_in())).state is State.QUEUED  # the outbox and the index's local change too
    await synced.workshops(EXPO)
    databases = [path for path in Path(cache_dir).rglob("*.db")]
    assert databases
    for database in databases:
        assert pickled_rows(database) == [], database
        with sqlite3.connect(database) as db:
            assert holds_no_pickle(db)
            if "attendee_docs" in {row[0] for row in db.execute("select name from sqlite_master")}:
                kinds = {row[0] for row in db.execute("select distinct typeof(record) from attendee_docs")}
                assert kinds == {"text"}
    for value_file in Path(cache_dir).rglob("*.val"):  # large values diskcache keeps in files
        assert value_file.read_bytes().startswith(JSON_FORMAT)


async def test_a_cache_an_older_version_pickled_reads_as_missing_and_is_fetched_again(client, cache_dir, clock,
                                                                                    tmp_path):
    store = CacheStore(cache_dir, BASE_URL, DEMO_EMAIL, clock=clock)
    key = store.key("events")
    store.close()
    older = diskcache.Cache(str(cache_dir))  # the default Disk: what older versions wrote
    older.set(key, Entry([], clock(), 0, TEXT_FORMAT))
    older.set(store.key("event", EXPO), Boom(str(tmp_path / "pwned")))
    older.close()

    assert len(pickled_rows(cache_dir / "cache.db")) == 2
    store = CacheStore(cache_dir, BASE_URL, DEMO_EMAIL, clock=clock)
    assert pickled_rows(cache_dir / "cache.db") == []  # removed at the first open, unread
    try:
        assert store.get(key) is None and store.get(store.key("event", EXPO)) is None
        assert not (tmp_path / "pwned").exists()
        events = await Gateway(client, store, clock=clock).events()
        assert events.value  # fetched from Eventtia, not the old empty list
        assert isinstance(store.get(key), Entry) and store.get(key).value == events.value  # and kept, as JSON
    finally:
        store.close()
    with sqlite3.connect(cache_dir / "cache.db") as db:
        blob = db.execute("select value from Cache where key = ?", (key,)).fetchone()[0]
    assert bytes(blob).startswith(JSON_FORMAT)


def test_the_state_dir_follows_the_data_dir_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTTIA_DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("EVENTTIA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("EVENTTIA_CONFIG_DIR", str(tmp_path / "config"))
    assert Settings.from_env().state_dir == tmp_path / "elsewhere" / "state"


async def test_the_page_writers_pipe_carries_json_and_the_child_writes_the_page(tmp_path):
    path = str(tmp_path / "cache.db")
    db = AttendeeDB(path)
    with db.writing() as connection:
        list_id = db.create_list(connection, "scope", EXPO, "live", {})
    page = {"data": [{"id": str(n), "type": "attendees", "attributes": {
        "first_name": f"Zoë{n}", "last_name": "Núñez", "email": f"z{n}@x.test", "status": "confirmed",
        "updated_at": f"2026-11-24T10:0{n}:00Z"}} for n in range(3)], "meta": {"total_pages": 1}, "links": {}}
    writer = await PageWriter.start(path)
    try:
        written = await writer.write(FullSyncState("2026-11-24T10:00:00", {}, list=list_id, pull=1), 1,
                                     json.dumps(page).encode(), {})
    finally:
        await writer.close()
    assert isinstance(written, Written) and written.attendees == 3 and written.newest == "2026-11-24T10:02:00Z"
    assert written.shape[0] == {"total_pages": 1} and written.shape[2] == 3
    with db.reading() as connection:
        state = db.sync_state(connection, list_id)
        assert connection.execute("select count(*) from attendee_docs").fetchone()[0] == 3
    assert state.done == {1: 3} and state.list == list_id  # kept as JSON, read back with its page numbers
    assert pickled_rows(Path(path)) == []
    db.close()
