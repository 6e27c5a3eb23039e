"""The attendee feed of one event: every change to this machine's copy goes to a Redis stream, and every other
machine applies it to its own cache and index through the gateway's public methods.

Entries, in order: `begin` (a full sync starts: what came before it is trimmed), `records` (a sync page,
a sync's changes, a write's record; None for one gone), `end` (the full sync is complete, with its
watermark). A machine that joins late reads the stream from the last `begin`: it gets the whole list
from Redis, not from Eventtia. Records travel as JSON (never pickles: nothing read from the network
is run), with the record format number; a machine on another format ignores them and syncs itself.

Live changes: each machine blocks on XREAD for the events it follows, so a walk-in registered at one
desk is in the others' search within milliseconds, with no API request. A stream rather than PUBLISH:
a machine whose link dropped for a minute reads what it missed instead of losing it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import uuid
from contextvars import ContextVar
from dataclasses import fields
from typing import Any, cast

import redis

from ..gateway import Gateway, RecordsChanged
from ..store.pages import FullSyncState
from ..store.records import RECORD_FORMAT, AttendeeRecord
from ..text import decode_json
from .lease import Fence
from .link import Entries, Link, LinkDown
from .seal import Refused, checked

log = logging.getLogger(__name__)
APPLYING: ContextVar[bool] = ContextVar("eventtia_venue_applying", default=False)  # a remote change: not re-sent
RECORD_FIELDS = [field.name for field in fields(AttendeeRecord)]
RECORD_TYPES = {"str": str, "bool": bool}  # by annotation; the rest (fields) are dicts
READ_BLOCK_MS = 500  # an entry wakes the read at once; this only bounds how long closing waits
READ_COUNT = 200

# ARGV: origin, body, the entry's signature, the sealed 'finished' marker ("0").
BEGIN = """
local id = redis.call('XADD', KEYS[1], '*', 'kind', 'begin', 'origin', ARGV[1], 'body', ARGV[2], 'sig', ARGV[3])
redis.call('XTRIM', KEYS[1], 'MINID', id)
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'begin', id, 'finished', ARGV[4])
return id
"""
# ARGV: origin, body, signature, the sealed 'finished' marker ("1"), the sealed synced-at (Redis's clock: the
# machines' clocks may differ; read just before).
END = """
local id = redis.call('XADD', KEYS[1], '*', 'kind', 'end', 'origin', ARGV[1], 'body', ARGV[2], 'sig', ARGV[3])
redis.call('HSET', KEYS[2], 'finished', ARGV[4])
redis.call('SET', KEYS[3], ARGV[5])
return id
"""
MARKER_AHEAD = 5.0  # seconds a synced marker may be ahead of Redis's clock (a far-future one would stop every sync)
KINDS = ("begin", "records", "end")
MAX_LISTING = 10_000_000  # a followed page's counts above this are not believed
OPTIONAL_TEXT = (str, type(None))
NUMBER = (int, float)
TOKEN = (int, type(None))  # the sync lease's fencing token (lease.py) on a full sync's entries
SHAPES: dict[str, list[tuple[str, tuple[type, ...]]]] = {  # each kind's fields and their types
    "begin": [("started_at", OPTIONAL_TEXT), ("fence", TOKEN)],
    "records": [("records", (dict, type(None))), ("page", (int, type(None))), ("listing", (list, type(None))),
                ("watermark", OPTIONAL_TEXT), ("synced_at", (*NUMBER, type(None))), ("fence", TOKEN)],
    "end": [("watermark", OPTIONAL_TEXT), ("synced_at", (*NUMBER, type(None))), ("type_names", (dict, type(None))),
            ("fence", TOKEN)],
}
DELETE_IF = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


def with_nonce(body: dict[str, Any]) -> dict[str, Any]:
    """Each entry unique (two equal changes are two entries), so a copy of one is known as a copy."""
    return {**body, "nonce": uuid.uuid4().hex}


def encode_records(records: dict[str, AttendeeRecord | None]) -> dict[str, Any]:
    return {ident: None if record is None else [getattr(record, name) for name in RECORD_FIELDS]
            for ident, record in records.items()}


def decode_records(raw: Any) -> dict[str, AttendeeRecord | None]:
    records: dict[str, AttendeeRecord | None] = {}
    for ident, values in (raw or {}).items():
        if values is None:
            records[str(ident)] = None
        elif isinstance(values, list) and len(values) == len(RECORD_FIELDS) and all(
                isinstance(value, RECORD_TYPES.get(str(field.type), dict))
                for field, value in zip(fields(AttendeeRecord), values)):
            records[str(ident)] = AttendeeRecord(*values)
    return records  # a record of another shape is left out: this machine's next own sync brings it


def learn_listing(state: FullSyncState, listing: list[Any] | None) -> None:
    """What a followed page says of the listing (pages, served per page, attendees), kept with the sync this
    machine would carry on: three whole numbers in range, or nothing is learnt."""
    if not (isinstance(listing, list) and len(listing) == 3 and all(
            type(value) is int and 0 <= value <= MAX_LISTING for value in listing)):
        return
    pages, size, attendees = listing
    state.total_pages = max(state.total_pages, pages)
    state.page_size = state.page_size or size
    state.total_attendees = attendees or state.total_attendees


def stream_order(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


class Feed:
    def __init__(self, link: Link, gateway: Gateway) -> None:
        self.link = link
        self.gateway = gateway
        self.scope = link.scope_hash(gateway.store.scope)
        self.last_id: dict[str, str] = {}  # per event: the last entry applied here
        self.following: dict[str, tuple[FullSyncState, dict[str, AttendeeRecord]]] = {}  # another's full sync
        # Made here while the link was down, with the fence of the sync lease they were written under (if any).
        self.unsent: list[tuple[str, dict[str, str], Fence | None]] = []
        self.fences: dict[str, Fence] = {}  # per event: the sync lease this machine holds (coordinator.py)
        self.fence_seen: dict[str, int] = {}  # per event: the highest fencing token seen on the feed
        self.stale = 0  # a full sync's entries set aside: written under a lease that had passed to another machine
        self.applied = 0  # entries from other machines applied here
        self.signatures: dict[str, set[str]] = {}  # per event: the entries applied here, by their signature
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._stopping = False
        self._lock = threading.Lock()
        self._begin, self._end = link.script(BEGIN), link.script(END)
        gateway.record_listeners.append(self.publish)
        link.listeners.append(self._link_changed)

    def _key(self, kind: str, uri: str) -> str:
        return self.link.key(kind, self.scope, self.link.scope_hash(uri))

    # Sending ---------------------------------------------------------------------------------------------

    def publish(self, change: RecordsChanged) -> None:
        """A gateway listener (any thread): a change made here goes to the other machines."""
        if APPLYING.get() or not change.records and change.watermark is None:
            return
        fence = self.fences.get(change.uri) if change.page is not None else None
        if fence is not None and not fence.confirm():
            return  # this machine lost the sync lease: its pages are no longer the venue's
        body = {"format": RECORD_FORMAT, "records": encode_records(change.records), "page": change.page,
                "listing": change.listing, "watermark": change.watermark, "synced_at": change.synced_at,
                "fence": fence.token if fence is not None else None}
        self._send(change.uri, "records", body, fence)

    def _sign(self, uri: str, kind: str, body: str) -> str:
        return self.link.venue_key.sign(self._key("feed", uri), kind, self.link.machine, body)

    def _send(self, uri: str, kind: str, body: dict[str, Any], fence: Fence | None = None) -> None:
        text = json.dumps(with_nonce(body), ensure_ascii=False)
        fields_ = {"kind": kind, "origin": self.link.machine, "body": text, "sig": self._sign(uri, kind, text)}
        with self._lock:
            self.unsent.append((uri, fields_, fence))
            self._flush()

    def _flush(self) -> None:
        """In order, what was kept while the link was down, then the rest (called holding the lock)."""
        while self.unsent:
            uri, entry, fence = self.unsent[0]
            if fence is None or fence.confirm():  # a page kept while the lease ran out and passed on: dropped
                try:
                    self._add(uri, entry)
                except LinkDown:
                    return
            self.unsent.pop(0)

    def _add(self, uri: str, entry: dict[str, str]) -> None:
        key = self._key("feed", uri)
        self.link.run(lambda r: r.xadd(key, dict(entry.items())))  # a new dict: typed as xadd's fields (dict is invariant)

    def _link_changed(self, up: bool) -> None:
        if up:
            for fence in list(self.fences.values()):
                fence.stale()  # the lease may have run out meanwhile: kept (or taken again) before anything goes
            with self._lock:
                self._flush()

    def _token(self, uri: str) -> int | None:
        fence = self.fences.get(uri)
        return fence.token if fence is not None else None

    def begin(self, uri: str) -> None:
        """A full sync starts here: late joiners read from this entry on."""
        started_at = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
        body = json.dumps(with_nonce({"started_at": started_at, "fence": self._token(uri)}))
        seal = self.link.venue_key.seal
        with self._lock:
            self._flush()
            self._begin([self._key("feed", uri), self._key("full", uri)],
                        [self.link.machine, body, self._sign(uri, "begin", body), seal(self._key("full", uri), "0")])

    def end(self, uri: str, watermark: str | None, synced_at: float, type_names: dict[str, str]) -> None:
        body = json.dumps(with_nonce({"watermark": watermark, "synced_at": synced_at, "type_names": type_names,
                                      "fence": self._token(uri)}))
        seal = self.link.venue_key.seal
        with self._lock:
            self._flush()
            now = self.link.run(lambda r: r.time()[0])
            self._end([self._key("feed", uri), self._key("full", uri), self._key("synced", uri)],
                      [self.link.machine, body, self._sign(uri, "end", body), seal(self._key("full", uri), "1"),
                       seal(self._key("synced", uri), str(now))])

    def mark_synced(self, uri: str) -> None:
        key = self._key("synced", uri)
        self.link.run(lambda r: r.set(key, self.link.venue_key.seal(key, str(r.time()[0]))))

    def synced_ago(self, uri: str) -> float | None:
        """Blocking: seconds since any machine finished a sync of the event (None: none known, or a marker refused)."""
        key = self._key("synced", uri)
        value = self.link.run(lambda r: r.get(key))
        if value is None:
            return None
        now = self.link.run(lambda r: r.time()[0])
        try:
            synced = self.link.venue_key.open_number(key, value)
            if synced > now + MARKER_AHEAD:
                raise Refused("in the future")
        except Refused as refused:
            self._set_aside(key, value, refused)
            return None
        return max(0.0, now - synced)

    def unfinished_full_sync(self, uri: str) -> bool:
        key = self._key("full", uri)
        value = self.link.run(lambda r: r.hget(key, "finished"))
        if value is None:
            return False
        try:
            return self.link.venue_key.open(key, value, limit=64) == "0"
        except Refused as refused:
            self.link.refusals.add("marker", refused.reason)  # a new full sync starts (and replaces it)
            return False

    def _set_aside(self, key: str, value: Any, refused: Refused) -> None:
        """A forged or broken marker: counted, and removed if it is still the same value (never applied)."""
        self.link.refusals.add("marker", refused.reason)
        try:
            self.link.run(lambda r: r.eval(DELETE_IF, 1, key, value))
        except LinkDown:
            pass

    # Receiving -------------------------------------------------------------------------------------------

    def follow(self, uri: str) -> None:
        """Apply the event's feed here from now on (call with the event loop running)."""
        reader = self._readers.get(uri)
        if reader is None or reader.done():
            self._readers[uri] = asyncio.get_running_loop().create_task(self._read(uri))

    async def stop(self) -> None:
        # redis-py can swallow the cancellation of a blocking XREAD: the flag ends the loop when it returns.
        self._stopping = True
        readers, self._readers = list(self._readers.values()), {}
        for reader in readers:
            reader.cancel()
        if readers:
            await asyncio.wait(readers, timeout=READ_BLOCK_MS / 1000 + 1.0)

    async def caught_up(self, uri: str, timeout: float = 60.0) -> None:
        """Wait until what the stream holds now is applied here (LinkDown when Redis is away)."""
        self.follow(uri)
        key = self._key("feed", uri)
        newest = cast(Entries, await asyncio.to_thread(self.link.run, lambda r: r.xrevrange(key, count=1)))
        if not newest:
            return
        target = stream_order(newest[0][0])
        deadline = time.monotonic() + timeout
        while stream_order(self.last_id.get(uri, "0-0")) < target and time.monotonic() < deadline:
            if not self.link.up:
                raise LinkDown(self.link.reason)
            await asyncio.sleep(0.02)

    async def _read(self, uri: str) -> None:
        key = self._key("feed", uri)
        while not self._stopping:
            if not self.link.up:
                await asyncio.sleep(0.25)
                continue
            try:
                answer = cast(list[tuple[str, Entries]] | None,
                              await self.link.aio.xread({key: self.last_id.get(uri, "0-0")}, count=READ_COUNT,
                                                        block=READ_BLOCK_MS))
            except (redis.RedisError, OSError):
                await asyncio.sleep(0.25)  # the link's watcher marks it down and tells the others
                continue
            for _, entries in answer or ():
                applied = await asyncio.to_thread(self._apply_entries, uri, entries)
                self.last_id[uri] = entries[-1][0]
                if applied:
                    self.gateway.changed(uri)  # the screens showing the event read it again

    def _apply_entries(self, uri: str, entries: list[tuple[str, dict[str, str]]]) -> int:
        APPLYING.set(True)  # this thread's copy of the context: what is applied here is not sent back
        applied = 0
        for _, entry in entries:
            if entry.get("origin") == self.link.machine:
                continue
            try:
                kind, body = self._opened(uri, entry)
                seen = self.signatures.setdefault(uri, set())
                if entry["sig"] in seen:  # each entry is in the stream once: a second copy is a replay
                    raise Refused("a copy of an earlier entry")
                seen.add(entry["sig"])
            except Refused as refused:  # unsigned, forged, copied, of the wrong type or too large: never applied
                self.link.refusals.add("feed", refused.reason)
                continue
            if self._fenced_off(uri, kind, body):
                continue
            applied += 1
            try:
                self._apply(uri, kind, body)
            except Exception:  # one bad entry must not stop the feed; this machine's next own sync mends it
                log.exception("venue feed: an entry for %s could not be applied", uri)
        self.applied += applied
        return applied

    def _opened(self, uri: str, entry: dict[str, str]) -> tuple[str, dict[str, Any]]:
        """The entry's kind and body once its signature, type and size are checked (else Refused)."""
        kind, origin, text = checked(entry.get("kind"), 16), checked(entry.get("origin"), 256), checked(entry.get("body"))
        self.link.venue_key.verify(entry.get("sig"), self._key("feed", uri), kind, origin, text)
        if kind not in KINDS:
            raise Refused("unknown kind")
        try:
            # Cleaned as the API's answers are (no control sequence reaches a terminal from Redis either).
            body = decode_json(text)
        except ValueError:
            raise Refused("not JSON") from None
        if not isinstance(body, dict) or not all(isinstance(body.get(name), types) for name, types in SHAPES[kind]):
            raise Refused("wrong type")
        return kind, body

    def _fenced_off(self, uri: str, kind: str, body: dict[str, Any]) -> bool:
        """A full sync's entry (begin, a page, end) written under an older lease than one seen already: its
        writer had lost the lease (frozen, cut off) and another machine syncs now. Set aside, never applied."""
        token = body.get("fence")
        if not isinstance(token, int) or kind == "records" and not isinstance(body.get("page"), int):
            return False
        if token < self.fence_seen.get(uri, 0):
            self.stale += 1
            if self.stale == 1:
                log.info("venue feed: a full sync's entries from a machine that had lost the sync lease set aside")
            return True
        self.fence_seen[uri] = token
        return False

    def _apply(self, uri: str, kind: str, body: dict[str, Any]) -> None:
        gateway = self.gateway
        if kind == "begin":
            if not gateway.is_complete(uri):
                self.following[uri] = gateway.begin_full_sync(uri, body.get("started_at") or "", {})
        elif kind == "records":
            if body.get("format") != RECORD_FORMAT:
                return
            records = decode_records(body.get("records"))
            followed = self.following.get(uri)
            if followed is not None and isinstance(body.get("page"), int):
                state, kept = followed
                learn_listing(state, body.get("listing"))
                page = [record for record in records.values() if record is not None]
                kept.update((record.id, record) for record in page)
                gateway.save_sync_page(uri, state, body["page"], page)
            else:
                gateway.save_changes(uri, records, body.get("watermark"), body.get("synced_at"))
        elif kind == "end":
            followed = self.following.pop(uri, None)
            synced_at = body.get("synced_at") or time.time()
            if followed is not None:
                state, kept = followed
                state.type_names = body.get("type_names") or {}
                gateway.finish_full_sync(uri, state, kept, body.get("watermark"), synced_at)
            else:
                gateway.save_changes(uri, {}, body.get("watermark"), synced_at)

    def received(self, uri: str) -> int:
        followed = self.following.get(uri)
        return followed[0].received if followed is not None else 0
