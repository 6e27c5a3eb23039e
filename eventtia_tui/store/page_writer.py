"""Where a full sync's pages are decoded and written: one thread of the app's process (`ThreadPageWriter`), or,
for a big first sync, a process of their own (`PageWriter`). Each answers what a page said of the listing.

In the app's process, a page's JSON (thousands of objects) and its writing (ranked words, records, index
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
import json
import os
import sys
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..collector import BIG_BLOCK
from .pages import FullSyncState, newest_change, page_shape, records_from_page
from .records import AttendeeRecord
from .writer_child import HEADER, NotAListing, Written, answer, listing, request

Page = bytes | dict[str, Any]  # a listing's page as it came, or its JSON decoded
KeepPages = Callable[[FullSyncState, list[tuple[int, list[AttendeeRecord]]]], None]

FROM_ATTENDEES = 5_000  # a sync of at least this many attendees writes from a process
CHILD = "eventtia_tui.store.writer_child"


class WriterGone(RuntimeError):
    """The child process ended (killed, out of memory): the sync writes the rest itself."""


class PageWriter:
    """The child process, from the app's side. A page is sent without waiting for the answer to the one
    before (the answers come in the order the pages went), so the pages that land while the child writes are
    waiting on its pipe when it is done, and it writes them together, in one transaction."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        if process.stdin is None or process.stdout is None:
            raise WriterGone("the writer process has no pipes")
        self.process = process
        self.stdin, self.stdout = process.stdin, process.stdout
        self.waiting: deque[asyncio.Future[Any]] = deque()  # one per page sent and not answered, in order
        self.reader: asyncio.Task[None] | None = None
        self.gone: str | None = None

    @classmethod
    async def start(cls, path: str) -> PageWriter:
        # Its output goes nowhere: nothing it could say may reach the operator's terminal.
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", f"from {CHILD} import serve; serve({path!r})", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            env={**os.environ, "MALLOC_MMAP_THRESHOLD_": str(BIG_BLOCK)})  # see collector.return_big_blocks
        return cls(process)

    async def write(self, state: FullSyncState, number: int, body: bytes,
                    names_by_type: dict[str, dict[str, str]]) -> Written:
        if self.gone is not None:
            raise WriterGone(self.gone)
        answered: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        try:
            self.stdin.write(request(state, number, body, names_by_type))  # no await between the write and its
            self.waiting.append(answered)  # place in line: the answers come in the order the pages went
            if self.reader is None:
                self.reader = asyncio.create_task(self._read_answers())
            await self.stdin.drain()
        except (OSError, RuntimeError) as error:
            self._fail(str(error) or type(error).__name__)
        outcome = answer(await answered)
        if isinstance(outcome, Written):
            return outcome
        kind, sentence = outcome
        if kind == "not a listing":
            raise NotAListing(sentence)
        raise WriterGone(sentence)

    async def _read_answers(self) -> None:
        """Each answer to the page first in line, while pages wait for one."""
        try:
            while self.waiting:
                size = int.from_bytes(await self.stdout.readexactly(HEADER), "big")
                head = json.loads(await self.stdout.readexactly(size))
                await self.stdout.readexactly(  # an answer carries no bytes after its JSON
                    int.from_bytes(await self.stdout.readexactly(HEADER), "big"))
                answered = self.waiting.popleft()
                if not answered.done():
                    answered.set_result(head)
        except (OSError, EOFError, asyncio.IncompleteReadError, ValueError, TypeError) as error:
            self._fail(str(error) or type(error).__name__)
        finally:
            self.reader = None

    def _fail(self, reason: str) -> None:
        """The child is gone: every page waiting for an answer is told so (the sync writes them itself)."""
        self.gone = reason
        while self.waiting:
            answered = self.waiting.popleft()
            if not answered.done():
                answered.set_exception(WriterGone(reason))

    async def close(self) -> None:
        if self.process.returncode is None:
            self.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


class ThreadPageWriter:
    """Pages parsed and written in one thread of their own: the event loop (the screen) goes on meanwhile, and only
    that one thread competes with it for the interpreter. The pages that land while one is written are written
    after it, together, in one transaction (`keep`: the state and the pages, in that thread)."""

    def __init__(self, keep: KeepPages) -> None:
        self.keep = keep
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="eventtia-sync-writer")
        self.waiting: list[tuple[int, Page]] = []
        self.outcomes: dict[int, Written | NotAListing] = {}  # page number → what writing it gave

    async def write(self, state: FullSyncState, number: int, page: Page,
                    names_by_type: dict[str, dict[str, str]]) -> Written:
        self.waiting.append((number, page))
        await asyncio.get_running_loop().run_in_executor(self.thread, self._write_waiting, state, names_by_type)
        outcome = self.outcomes.pop(number)
        if isinstance(outcome, NotAListing):
            raise outcome
        return outcome

    def _write_waiting(self, state: FullSyncState, names_by_type: dict[str, dict[str, str]]) -> None:
        """In the thread: every page that has landed meanwhile (none when an earlier call took them)."""
        taken = self.waiting[:]
        del self.waiting[:len(taken)]
        pages: list[tuple[int, list[AttendeeRecord]]] = []
        for number, page in taken:
            try:
                raw = listing(page) if isinstance(page, bytes) else page
            except NotAListing as error:
                self.outcomes[number] = error
                continue
            records = records_from_page(raw, names_by_type)
            pages.append((number, records))
            self.outcomes[number] = Written(page_shape(raw), len(records), newest_change(records))
        if pages:
            self.keep(state, pages)

    async def close(self) -> None:
        self.thread.shutdown(wait=False)  # every write was awaited: nothing is left to run
