"""The venue's ledger of admissions (issue 28, item 3): every machine's admissions go to a Redis stream per event,
and every machine adds the others' to its own ledger (eventtia_tui/store/ledger.py), so a badge let in at
Entrance 1 scans ALREADY ADMITTED at Entrance 2 a moment later.

Each stream entry is one admission as the ledger writes it (its own fields and checksum), signed with the venue
key over the stream's key name like every venue entry (venue/seal.py): an entry that is unsigned, forged,
copied from another event's stream, too large or not an admission is set aside and counted, never applied.

The ledger file stays the one record: this module only copies between it and the stream, in two threads that
never touch the UI — the sender notices new lines in the file (whoever wrote them: the app, a door's process,
what it took in from the stream) and adds those the stream lacks; the reader blocks on the stream and takes the
others' in (`Ledger.take_in`: union by admission id). With Redis down each machine goes on with its own file;
when the link is back (the same Redis, or one restarted empty) the sender adds every admission of the file the
stream lacks (the reader goes on: what another machine sends again gets entry ids after the last it read) — nothing is lost and nothing counted twice,
and as the earliest admission decides the verdict (`Ledger.first_admission`), every machine agrees on it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import redis

from ..store.ledger import Admission, Ledger, LedgerError, decode, encode
from .link import Entries, Link, LinkDown, open_clients
from .seal import Refused, checked

log = logging.getLogger(__name__)
READ_BLOCK_MS = 400  # an entry wakes the read at once; this bounds how long closing waits
READ_COUNT = 500
SEND_EVERY = 0.05  # seconds between looks at the ledger file's size (a stat) while nothing is new
ENTRY_LIMIT = 64_000  # characters of one entry's body: an admission's fields are cut at 4,096 each
RANGE_COUNT = 1_000
CHECK_EVERY = 2.0  # seconds between checks that the streams still hold what was sent


class VenueAdmissions:
    """This machine's ledger ⇄ the venue's admission streams, for the events it follows."""

    def __init__(self, link: Link, state_dir: Path, scope: str) -> None:
        self.link = link
        self.scope = link.scope_hash(scope)  # the account and API (as the feed's keys)
        self.ledger = Ledger(state_dir)  # its own reader of the file: thread-safe by the file's lock
        self.events: list[str] = []  # followed: their streams are read and written
        self.in_stream: dict[str, set[str]] = {}  # per event: the admission ids known to be in its stream
        self.last_id: dict[str, str] = {}  # per event: the last stream entry read
        self.applied = 0  # admissions from other machines taken into this ledger
        self._cursor = 0  # how many of the ledger's admissions the sender has looked at
        self.listeners: list[Callable[[list[Admission]], None]] = []  # told (from a thread) of what was taken in
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # Its own client for the blocking read: the link's answers within 0.5 s or marks the link down.
        self._reader, _ = open_clients(link.url, {"socket_timeout": READ_BLOCK_MS / 1000 + 2.0,
                                                  "socket_connect_timeout": 1.0, "decode_responses": True}, 1.0)
        link.listeners.append(self._link_changed)

    def key(self, uri: str) -> str:
        return self.link.key("admissions", self.scope, self.link.scope_hash(uri))

    def follow(self, uri: str) -> None:
        """Send and receive this event's admissions from now on (any thread)."""
        with self._lock:
            if uri not in self.events:
                self.events.append(uri)
        self.start()
        self._wake.set()

    def start(self) -> None:
        if self._threads or self._stop.is_set():
            return
        self._threads = [threading.Thread(target=self._send_loop, name="venue-admissions-send", daemon=True),
                         threading.Thread(target=self._read_loop, name="venue-admissions-read", daemon=True)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=READ_BLOCK_MS / 1000 + 3.0)
        self._reader.close()

    def _link_changed(self, up: bool) -> None:
        if up:  # back, maybe to a Redis restarted empty: each stream is compared with the file again
            self.compare_again()

    def compare_again(self) -> None:
        """The sender asks each stream which admissions it holds and sends the rest. The reader goes on from
        where it was: what the others send again gets new entry ids, after the last it read."""
        with self._lock:
            self.in_stream.clear()
        self._wake.set()

    # Sending -------------------------------------------------------------------------------------------------

    def _send_loop(self) -> None:
        size, checked_at = -1, time.monotonic()
        while not self._stop.is_set():
            self._wake.wait(SEND_EVERY)
            woken = self._wake.is_set()
            self._wake.clear()
            try:
                now = self.ledger.path.stat().st_size
            except OSError:
                now = -1
            if not self.link.up:
                continue
            if now == size and not woken:
                if time.monotonic() - checked_at < CHECK_EVERY:
                    continue
                checked_at = time.monotonic()
                try:
                    if not self.stream_whole():
                        self.compare_again()
                except LinkDown:
                    continue
                continue
            try:
                self.send()
            except LinkDown:
                continue  # sent once the link is back (its listener wakes this loop)
            except Exception:  # never stop sending for one failure: logged, tried again at the next change
                log.exception("venue admissions: sending failed")
                continue
            size = now

    def send(self) -> int:
        """Add to each followed event's stream the admissions of this ledger it lacks (LinkDown when Redis is
        away); how many were added."""
        self.ledger.refresh()
        every = self.ledger.admissions  # in the order written: only those since the last look are new
        cursor = self._cursor if self._cursor <= len(every) else 0  # (a file replaced: all of it again)
        fresh, sent = every[cursor:], 0
        try:
            for uri in list(self.events):
                if uri not in self.in_stream:  # followed just now, or the link is back: what does it lack?
                    self.in_stream[uri] = self._ids_in_stream(uri)
                    candidates = every
                else:
                    candidates = fresh
                known = self.in_stream[uri]
                missing = [a for a in candidates if a.event == uri and a.id not in known]
                if not missing:
                    continue
                self.link.run(self._adder(self.key(uri), missing))
                known.update(a.id for a in missing)
                sent += len(missing)
        except BaseException:
            self.in_stream.clear()  # not all sent: the next try compares the whole file with the streams
            raise
        self._cursor = len(every)
        return sent

    def _adder(self, key: str, admissions: list[Admission]) -> Callable[[redis.Redis], None]:
        """One round trip adding these admissions to the stream at `key`, each signed for it."""
        origin = self.link.machine

        def add(client: redis.Redis) -> None:
            pipe = client.pipeline(transaction=False)
            for admission in admissions:
                body = encode(admission).decode().rstrip("\n")
                pipe.xadd(key, {"id": admission.id, "origin": origin, "body": body,
                                "sig": self.link.venue_key.sign(key, admission.id, origin, body)})
            pipe.execute()

        return add

    def stream_whole(self) -> bool:
        """False when a stream holds fewer entries than this machine knows are in it (a Redis restarted empty
        between two of the link's pings)."""
        for uri in list(self.events):
            known = self.in_stream.get(uri)
            key = self.key(uri)
            if known is not None and self._length(key) < len(known):
                return False
        return True

    def _length(self, key: str) -> int:
        def length(client: redis.Redis) -> int:
            return client.xlen(key)

        return self.link.run(length)

    def _ids_in_stream(self, uri: str) -> set[str]:
        """The admission ids the event's stream holds now (what it lacks is sent)."""
        key, ids, start = self.key(uri), set[str](), "-"
        while True:
            def page(client: redis.Redis, first: str = start) -> Entries:
                return cast(Entries, client.xrange(key, first, "+", count=RANGE_COUNT))

            entries = self.link.run(page)
            ids.update(entry.get("id", "") for _, entry in entries)
            if len(entries) < RANGE_COUNT:
                return ids
            start = "(" + entries[-1][0]

    # Receiving -----------------------------------------------------------------------------------------------

    def _read_loop(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                streams = {self.key(uri): self.last_id.get(uri, "0-0") for uri in self.events}
            if not streams or not self.link.up:
                self._stop.wait(0.1)
                continue
            try:
                answer = cast(list[tuple[str, Entries]] | None,
                              self._reader.xread(cast(Any, streams), count=READ_COUNT, block=READ_BLOCK_MS))
            except (redis.RedisError, OSError):
                self.compare_again()  # Redis may come back empty: send what it lacks
                self._stop.wait(0.25)  # the link's watcher marks it down, and back up
                continue
            for key, entries in answer or ():
                uri = next((u for u in list(self.events) if self.key(u) == key), None)
                if uri is None or not entries:
                    continue
                try:
                    self.receive(uri, entries)
                except LedgerError as error:
                    log.error("venue admissions: %s", error)
                    self._stop.wait(1.0)
                    continue
                with self._lock:
                    self.last_id[uri] = entries[-1][0]

    def receive(self, uri: str, entries: Entries) -> list[Admission]:
        """Take the stream's admissions into this ledger (each once); an entry that fails its checks is set
        aside and counted. The ones new here."""
        key, taken = self.key(uri), []
        known = self.in_stream.get(uri)
        for _, entry in entries:
            try:
                admission = self.opened(key, uri, entry)
            except Refused as refused:
                self.link.refusals.add("admission", refused.reason)
                continue
            if known is not None:
                known.add(admission.id)
            if admission.id not in self.ledger.ids:
                taken.append(admission)
        new = self.ledger.take_in(taken) if taken else []
        if new:
            self.applied += len(new)
            for listener in list(self.listeners):
                listener(new)
        return new

    def opened(self, key: str, uri: str, entry: dict[str, str]) -> Admission:
        """The admission an entry carries once its signature, size and fields are checked (else Refused)."""
        ident, origin = checked(entry.get("id"), 64), checked(entry.get("origin"), 256)
        body = checked(entry.get("body"), ENTRY_LIMIT)
        self.link.venue_key.verify(entry.get("sig"), key, ident, origin, body)
        admission = decode(body.encode("utf-8", "surrogatepass"))
        if admission is None:
            raise Refused("not an admission")
        if admission.id != ident or admission.event != uri:
            raise Refused("another event's")
        return admission
