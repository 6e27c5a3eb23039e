"""A big first sync's pages are decoded and written by a process of its own (gateway/page_writer.py).

The sandbox's 1,200 attendees are under the size that starts the process, so these tests lower it: the
sync then runs as a 50,000 one does, with a real child process writing into the cache's SQLite file.
"""

from __future__ import annotations

import asyncio
import json
import os

import pytest

from eventtia_tui.api.errors import Malformed
from eventtia_tui.gateway import sync as syncing
from eventtia_tui.gateway import sync_event
from eventtia_tui.store.attendee_db import AttendeeDB
from eventtia_tui.store.page_writer import PageWriter
from eventtia_tui.store.pages import FullSyncState
from eventtia_tui.store.writer_child import NotAListing, Pages, Requests, message

EXPO = "demo-expo"


@pytest.fixture
def started(monkeypatch):
    """Every sync writes from a process; the writers started are listed here."""
    monkeypatch.setattr(syncing, "FROM_ATTENDEES", 1)
    writers: list[PageWriter] = []
    original = PageWriter.start.__func__

    async def start(cls, path):
        writer = await original(cls, path)
        writers.append(writer)
        return writer

    monkeypatch.setattr(PageWriter, "start", classmethod(start))
    return writers


async def test_a_big_sync_writes_its_pages_from_a_process_and_the_index_holds_every_attendee(gateway, api, started):
    report = await sync_event(gateway, EXPO)
    total = (await api.get(f"/events/{EXPO}/attendees")).json()["meta"]["total_attendees"]
    assert len(started) == 1 and started[0].process.returncode == 0  # started, then closed when done
    index = await gateway.attendee_index(EXPO)
    assert report.mode == "full" and report.attendees == len(index) == total
    last = max(index.records.values(), key=lambda record: int(record.id))  # on the last page the process wrote
    found = index.search(last.email)
    assert found and found[0].record == last and found[0].exact
    assert gateway.is_complete(EXPO)


async def test_the_sync_still_finishes_when_the_writer_process_dies(gateway, api, started, monkeypatch):
    original = PageWriter.write
    calls = 0

    async def write(self, state, number, body, names_by_type):
        nonlocal calls
        calls += 1
        if calls == 3:
            self.process.kill()
            await self.process.wait()
        return await original(self, state, number, body, names_by_type)

    monkeypatch.setattr(PageWriter, "write", write)
    report = await sync_event(gateway, EXPO)
    total = (await api.get(f"/events/{EXPO}/attendees")).json()["meta"]["total_attendees"]
    assert calls >= 3 and started[0].process.returncode not in (0, None)
    assert report.attendees == len(await gateway.attendee_index(EXPO)) == total


async def test_a_page_that_is_not_a_listing_fails_the_sync_as_malformed(gateway, sandbox_app, started, monkeypatch):
    original = PageWriter.write

    async def write(self, state, number, body, names_by_type):
        return await original(self, state, number, b"<html>captive portal</html>", names_by_type)

    monkeypatch.setattr(PageWriter, "write", write)
    with pytest.raises(Malformed):
        await sync_event(gateway, EXPO)


@pytest.mark.parametrize("body", [b"<html>", b"{}", b'{"data": {"id": "1"}}', b"\xff\xfe"])
def test_the_child_refuses_what_is_not_a_listing_and_writes_nothing(tmp_path, body):
    pages = Pages(str(tmp_path / "cache.db"))
    with pages.db.writing() as db:
        list_id = pages.db.create_list(db, "scope", EXPO, "live", {})
    with pytest.raises(NotAListing):
        pages.write(FullSyncState("2026-11-24T10:00:00", {}, list=list_id, pull=1), 1, body, {})
    with pages.db.reading() as db:
        assert db.execute("select count(*) from attendee_docs").fetchone()[0] == 0
    pages.db.close()


def listing_page(first: int, count: int) -> bytes:
    """A listing's page of `count` attendees, ids from `first` (as Eventtia's JSON:API answer holds them)."""
    items = [{"id": str(n), "type": "attendees",
              "attributes": {"first_name": f"Ana{n}", "last_name": "Batch", "email": f"ana{n}@batch.example"}}
             for n in range(first, first + count)]
    return json.dumps({"data": items, "meta": {"total_pages": 3}}).encode()


async def test_pages_sent_together_are_answered_each_in_order_and_written_in_one_transaction(tmp_path):
    """The app sends a page without waiting for the answer to the one before; the child writes those waiting
    together (one commit) and answers each in turn: a page that is not a listing among them is refused alone."""
    path = tmp_path / "cache.db"
    db = AttendeeDB(path)
    with db.writing() as connection:
        list_id = db.create_list(connection, "scope", EXPO, "live", {})
    db.close()
    writer = await PageWriter.start(str(path))
    state = FullSyncState("2026-11-24T10:00:00", {}, list=list_id, pull=1)
    try:
        outcomes = await asyncio.gather(
            writer.write(state, 1, listing_page(1, 3), {}), writer.write(state, 2, b"<html>", {}),
            writer.write(state, 3, listing_page(4, 2), {}), return_exceptions=True)
    finally:
        await writer.close()
    assert [type(outcome).__name__ for outcome in outcomes] == ["Written", "NotAListing", "Written"]
    assert [outcome.attendees for outcome in outcomes if not isinstance(outcome, Exception)] == [3, 2]
    reopened = AttendeeDB(path)
    with reopened.reading() as connection:
        ids = sorted(int(ident) for (ident,) in connection.execute("select id from attendee_docs where list = ?",
                                                                   (list_id,)))
        saved = reopened.sync_state(connection, list_id)
    reopened.close()
    assert ids == [1, 2, 3, 4, 5]
    assert saved is not None and saved.done == {1: 3, 3: 2}  # both pages counted in the state kept with them


def test_the_child_reads_whole_messages_however_the_pipe_cuts_them():
    """What is on the pipe is taken together, a message cut by the pipe waits for its rest, and the end of
    the pipe ends the batches."""
    first, second, third = (message({"number": n}, f"page {n}".encode()) for n in (1, 2, 3))
    read, write = os.pipe()
    requests = Requests(read)
    try:
        os.write(write, first + second + third[:5])
        assert [(head["number"], body) for head, body in requests.batch(20)] == [(1, b"page 1"), (2, b"page 2")]
        os.write(write, third[5:])
        assert [head["number"] for head, _ in requests.batch(20)] == [3]
        os.write(write, first + second + third)
        assert [head["number"] for head, _ in requests.batch(2)] == [1, 2]  # at most `most`, the rest kept
        assert [head["number"] for head, _ in requests.batch(2)] == [3]
    finally:
        os.close(write)
    assert requests.batch(20) == []
    os.close(read)
