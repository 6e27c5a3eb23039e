"""A big first sync's pages decoded and written in a process of their own.

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
from typing import Any

from ..collector import BIG_BLOCK
from .writer_child import HEADER, NotAListing, Written, answer, request

FROM_ATTENDEES = 5_000  # a sync of at least this many attendees writes from a process
CHILD = "eventtia_tui.store.writer_child"


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
            sys.executable, "-c", f"from {CHILD} import serve; serve({path!r})", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            env={**os.environ, "MALLOC_MMAP_THRESHOLD_": str(BIG_BLOCK)})  # see collector.return_big_blocks
        return cls(process)

    async def write(self, state: Any, number: int, body: bytes, names_by_type: dict[str, dict[str, str]]) -> Written:
        async with self.lock:
            try:
                self.process.stdin.write(request(state, number, body, names_by_type))
                await self.process.stdin.drain()
                size = int.from_bytes(await self.process.stdout.readexactly(HEADER), "big")
                head = json.loads(await self.process.stdout.readexactly(size))
                await self.process.stdout.readexactly(  # an answer carries no bytes after its JSON
                    int.from_bytes(await self.process.stdout.readexactly(HEADER), "big"))
                kind, value = answer(head)
            except (OSError, EOFError, asyncio.IncompleteReadError, ValueError, TypeError) as error:
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
