"""A big first sync's pages decoded and written in a process of their own.

In the app's process, a page's JSON (thousands of objects) and its writing (ranked words, pickles, index
rows) competed with the screen for the interpreter: each SQLite call of a search gives the interpreter up
and waited to get it back from the writer thread, and the pages' objects lengthened the screen's garbage
collections — during a first sync of 50,000, keys were answered in 50–107 ms (p95) and up to 340 ms,
measured in a pty. Here the app's process only receives each page's bytes and hands them over; a child
process (one per big sync, at a lower CPU priority than the screen) decodes them, writes them into the
cache's database and answers what the page said of the listing. The screen reads the same database (WAL:
readers never wait for the writer). Smaller syncs stay in a thread: starting a process costs 0.2–0.4 s.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import sys
from dataclasses import dataclass
from typing import Any

from .pages import PageShape, newest, page_shape, records_from_page

FROM_ATTENDEES = 5_000  # a sync of at least this many attendees writes from a process
NICENESS = 10  # the screen's process comes first when both want the CPU

HEADER = 8  # bytes of a message's length, before the message (a pickle) on the pipes


class NotAListing(ValueError):
    """The page is not JSON, or not a listing (a proxy's page, a body cut short)."""


@dataclass(frozen=True)
class Written:
    shape: PageShape
    attendees: int
    newest: str | None


class WriterGone(RuntimeError):
    """The child process ended (killed, out of memory): the sync writes the rest itself."""


class PageWriter:
    """The child process, from the app's side: one page at a time, in order (asyncio pipes)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lock = asyncio.Lock()

    @classmethod
    async def start(cls, path: str) -> PageWriter:
        # Its output goes nowhere: nothing it could say may reach the operator's terminal.
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", f"from {__name__} import serve; serve({path!r})", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        return cls(process)

    async def write(self, state: Any, number: int, body: bytes, names_by_type: dict[str, dict[str, str]]) -> Written:
        message = pickle.dumps((state, number, body, names_by_type), pickle.HIGHEST_PROTOCOL)
        async with self.lock:
            try:
                self.process.stdin.write(len(message).to_bytes(HEADER, "big") + message)
                await self.process.stdin.drain()
                size = int.from_bytes(await self.process.stdout.readexactly(HEADER), "big")
                kind, value = pickle.loads(await self.process.stdout.readexactly(size))
            except (OSError, EOFError, asyncio.IncompleteReadError, pickle.UnpicklingError) as error:
                raise WriterGone(str(error)) from None
        if kind == "not a listing":
            raise NotAListing(value)
        if kind != "written":
            raise WriterGone(value)
        return value

    async def close(self) -> None:
        if self.process.returncode is None:
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


class Pages:
    """In the child: the cache's database, and the pages written to each list by this process."""

    def __init__(self, path: str) -> None:
        from .attendee_db import AttendeeDB

        self.db = AttendeeDB(path)
        self.written: dict[tuple[int, int], dict[int, int]] = {}  # (list, pull) → page → attendees

    def write(self, state: Any, number: int, body: bytes, names_by_type: dict[str, dict[str, str]]) -> Written:
        """One page decoded and kept, with the sync's state, in one transaction. `state` is the app's copy;
        pages written here that the app has not heard of yet are added, so a sync resumed from the saved
        state never skips one."""
        from eventtia_tui.text import decode_json

        try:
            raw = decode_json(body)
        except ValueError:
            raise NotAListing("not JSON") from None
        if not isinstance(raw, dict) or not isinstance(raw.get("data"), list):
            raise NotAListing("not a listing")
        records = records_from_page(raw, names_by_type)
        seen = None
        for record in records:
            seen = newest(seen, record.updated_at)
        done = self.written.setdefault((state.list, state.pull), {})
        done[number] = len(records)
        state.done.update(done)
        state.newest = newest(state.newest, seen)
        with self.db.writing() as db:
            self.db.put(db, state.list, records, pull=state.pull)
            self.db.update_list(db, state.list, sync_state=state)
        return Written(page_shape(raw), len(records), seen)


def serve(path: str) -> None:
    """The child's loop: a page in, its answer out, until the app closes the pipe."""
    try:
        os.nice(NICENESS)
    except OSError:
        pass
    pages = Pages(path)
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while header := source.read(HEADER):
        request = pickle.loads(source.read(int.from_bytes(header, "big")))
        try:
            answer: tuple[str, Any] = ("written", pages.write(*request))
        except NotAListing as error:
            answer = ("not a listing", str(error))
        except Exception as error:  # reported to the app, which writes the rest itself
            answer = ("failed", f"{type(error).__name__}: {error}")
        message = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        sink.write(len(message).to_bytes(HEADER, "big") + message)
        sink.flush()

