"""The page writer's own process (started by page_writer.PageWriter): a page's bytes in on stdin, what it
said of the listing out on stdout, the attendees written into the cache's database in between.

It imports only what that takes (no asyncio, no API client, no fuzzy matching): 20-odd MB, where importing
the app's modules took 58.
"""

from __future__ import annotations

import json
import os
import select
import sys
from dataclasses import dataclass
from typing import Any

from ..text import decode_json
from .attendee_db import AttendeeDB
from .pages import (
    FullSyncState,
    PageShape,
    newest_change,
    page_shape,
    records_from_page,
    sync_state_from_json,
    sync_state_json,
)
from .records import AttendeeRecord

HEADER = 8  # bytes of a length, before each part of a message on the pipes (JSON, then a page's own bytes)
NICENESS = 10  # the screen's process comes first when both want the CPU
BATCH_PAGES = 20  # pages written in one transaction at most (those waiting on the pipe)


class NotAListing(ValueError):
    """The page is not JSON, or not a listing (a proxy's page, a body cut short)."""


@dataclass(frozen=True)
class Written:
    shape: PageShape
    attendees: int
    newest: str | None


def message(head: Any, body: bytes = b"") -> bytes:
    """One message on a pipe: its JSON, then raw bytes (a page as it came: not decoded in the app's process)."""
    data = json.dumps(head, separators=(",", ":")).encode("utf-8")
    return len(data).to_bytes(HEADER, "big") + data + len(body).to_bytes(HEADER, "big") + body


def request(state: FullSyncState, number: int, body: bytes, names_by_type: dict[str, dict[str, str]]) -> bytes:
    return message({"state": sync_state_json(state), "number": number, "names": names_by_type}, body)


def answer(head: Any) -> Written | tuple[str, str]:
    """The page's Written, or (what went wrong, a sentence), from an answer's JSON."""
    kind, value = head
    if kind == "written":
        (meta, links, served), attendees, newest_seen = value
        return Written((meta, links, served), attendees, newest_seen)
    return str(kind), str(value)


def listing(body: bytes) -> dict[str, Any]:
    """A page's bytes as the listing's JSON (control characters neutralised, as every API answer is);
    NotAListing for what is not JSON or holds no list of items."""
    try:
        raw = decode_json(body)
    except ValueError:
        raise NotAListing("not JSON") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), list):
        raise NotAListing("not a listing")
    return raw


class Pages:
    """In the child: the cache's database, and the pages written to each list by this process."""

    def __init__(self, path: str) -> None:
        self.db = AttendeeDB(path)
        self.written: dict[tuple[int, int], dict[int, int]] = {}  # (list, pull) → page → attendees

    def write(self, state: FullSyncState, number: int, body: bytes, names_by_type: dict[str, dict[str, str]]) -> Written:
        """One page decoded and kept, with the sync's state, in one transaction."""
        outcome = self.write_many([(state, number, body, names_by_type)])[0]
        if isinstance(outcome, NotAListing):
            raise outcome
        return outcome

    def write_many(self, requests: list[tuple[FullSyncState, int, bytes, dict[str, dict[str, str]]]]
                   ) -> list[Written | NotAListing]:
        """The pages that were waiting, decoded and kept in one transaction (one write of the index pages they
        touch: a first sync's pages cost ~40% less written 5–20 together than one by one), with the state of
        the last request. `state` is the app's copy; pages written here that the app has not heard of yet are
        added, so a sync resumed from the saved state never skips one. A page that is not a listing is answered
        so and written not."""
        outcomes: list[Written | NotAListing] = []
        kept: list[tuple[int, list[AttendeeRecord]]] = []
        state = requests[-1][0]
        done = self.written.setdefault((state.list, state.pull), {})
        for _, number, body, names_by_type in requests:
            try:
                raw = listing(body)
            except NotAListing as error:
                outcomes.append(error)
                continue
            records = records_from_page(raw, names_by_type)
            done[number] = len(records)
            kept.append((number, records))
            outcomes.append(Written(page_shape(raw), len(records), newest_change(records)))
        if kept:
            state.done.update(done)
            self.db.keep_pages(state, kept)
        return outcomes


class Requests:
    """The pipe from the app, read whole messages at a time: those already there are taken together."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        self.ended = False

    def _fill(self, wait: bool) -> None:
        if self.ended or (not wait and not select.select([self.fd], [], [], 0)[0]):
            return
        chunk = os.read(self.fd, 1 << 20)
        if chunk:
            self.buffer += chunk
        else:
            self.ended = True

    def _message(self) -> tuple[Any, bytes] | None:
        """The first whole message in the buffer (taken out of it), or None."""
        buffer = self.buffer
        if len(buffer) < HEADER:
            return None
        size = int.from_bytes(buffer[:HEADER], "big")
        if len(buffer) < HEADER + size + HEADER:
            return None
        body_size = int.from_bytes(buffer[HEADER + size:HEADER + size + HEADER], "big")
        end = HEADER + size + HEADER + body_size
        if len(buffer) < end:
            return None
        head = json.loads(bytes(buffer[HEADER:HEADER + size]))
        body = bytes(buffer[HEADER + size + HEADER:end])
        del buffer[:end]
        return head, body

    def batch(self, most: int) -> list[tuple[Any, bytes]]:
        """At least one message (waiting for it), and the others already sent, up to `most`; [] at the end."""
        taken: list[tuple[Any, bytes]] = []
        while not taken:
            while len(taken) < most and (message := self._message()) is not None:
                taken.append(message)
            if taken or self.ended:
                break
            self._fill(wait=True)
        while len(taken) < most and not self.ended:
            self._fill(wait=False)
            before = len(taken)
            while len(taken) < most and (message := self._message()) is not None:
                taken.append(message)
            if len(taken) == before:
                break
        return taken


def serve(path: str) -> None:
    """The child's loop: the pages waiting in, written together, an answer out for each (in order), until the
    app closes the pipe. The app sends a page without waiting for the answer to the one before (page_writer.py)."""
    try:
        os.nice(NICENESS)
    except OSError:
        pass
    pages = Pages(path)
    source, sink = Requests(sys.stdin.fileno()), sys.stdout.buffer
    while taken := source.batch(BATCH_PAGES):
        replies: list[tuple[str, Any]] = []
        good: list[tuple[FullSyncState, int, bytes, dict[str, dict[str, str]]]] = []
        slots: list[int] = []
        for head, body in taken:
            state = sync_state_from_json(head["state"]) if isinstance(head, dict) else None
            if state is None:
                replies.append(("failed", "ValueError: not a sync's state"))
                continue
            slots.append(len(replies))
            replies.append(("", None))
            good.append((state, head["number"], body, head["names"]))
        if good:
            try:
                outcomes = pages.write_many(good)
                for slot, outcome in zip(slots, outcomes):
                    replies[slot] = (("not a listing", str(outcome)) if isinstance(outcome, NotAListing) else
                                     ("written", (outcome.shape, outcome.attendees, outcome.newest)))
            except Exception as error:  # reported to the app, which writes the rest itself
                for slot in slots:
                    replies[slot] = ("failed", f"{type(error).__name__}: {error}")
        for reply in replies:
            sink.write(message(reply))
        sink.flush()
