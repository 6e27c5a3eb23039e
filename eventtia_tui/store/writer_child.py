"""The page writer's own process (started by page_writer.PageWriter): a page's bytes in on stdin, what it
said of the listing out on stdout, the attendees written into the cache's database in between.

It imports only what that takes (no asyncio, no API client, no fuzzy matching): 20-odd MB, where importing
the app's modules took 58.
"""

from __future__ import annotations

import json
import os
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

HEADER = 8  # bytes of a length, before each part of a message on the pipes (JSON, then a page's own bytes)
NICENESS = 10  # the screen's process comes first when both want the CPU


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
        """One page decoded and kept, with the sync's state, in one transaction. `state` is the app's copy;
        pages written here that the app has not heard of yet are added, so a sync resumed from the saved
        state never skips one."""
        raw = listing(body)
        records = records_from_page(raw, names_by_type)
        done = self.written.setdefault((state.list, state.pull), {})
        done[number] = len(records)
        state.done.update(done)
        self.db.keep_pages(state, [(number, records)])
        return Written(page_shape(raw), len(records), newest_change(records))


def serve(path: str) -> None:
    """The child's loop: a page in, its answer out, until the app closes the pipe."""
    try:
        os.nice(NICENESS)
    except OSError:
        pass
    pages = Pages(path)
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while header := source.read(HEADER):
        head = json.loads(source.read(int.from_bytes(header, "big")))
        body = source.read(int.from_bytes(source.read(HEADER), "big"))
        try:
            state = sync_state_from_json(head["state"])
            if state is None:
                raise ValueError("not a sync's state")
            written = pages.write(state, head["number"], body, head["names"])
            reply: tuple[str, Any] = ("written", (written.shape, written.attendees, written.newest))
        except NotAListing as error:
            reply = ("not a listing", str(error))
        except Exception as error:  # reported to the app, which writes the rest itself
            reply = ("failed", f"{type(error).__name__}: {error}")
        sink.write(message(reply))
        sink.flush()
