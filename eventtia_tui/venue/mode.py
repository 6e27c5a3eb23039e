"""Venue mode for one app process: the link, the shared budget, the feed and the sync coordinator, wired
onto the client and the gateway that the app uses anyway."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from ..api.budget import RequestBudget
from ..gateway import Gateway
from ..store.ledger import Admission
from .admissions import VenueAdmissions
from .budget import SharedBudget
from .checks import VenueChecks
from .coordinator import LINK_WAIT, SyncCoordinator
from .feed import Feed
from .link import FLEET, Link, redacted
from .outbox import SharedOutbox
from .reads import VenueReads

LINK_DOWN = "venue link down"


class Venue:
    def __init__(self, url: str, venue_key: str = "", machines: int = FLEET, *, prefix: str = "",
                 scope: str = "", link_wait: float = LINK_WAIT) -> None:
        self.link = Link(url, venue_key, machines=machines, prefix=prefix, scope=scope)
        self.link_wait = link_wait  # seconds a sync waits for a link that is down before it runs alone
        self.feed: Feed | None = None
        self.coordinator: SyncCoordinator | None = None
        self._outbox: SharedOutbox | None = None
        self.admissions: VenueAdmissions | None = None  # the ledger's venue half (attach, with the state dir)

    @property
    def where(self) -> str:
        return redacted(self.link.url)

    @property
    def up(self) -> bool:
        return self.link.up

    @property
    def down_because(self) -> str:
        """Why the link is down, in a word or two for the header ('' while up): no venue key, refused,
        auth failed, wrong type, timeout."""
        return "" if self.link.up else self.link.why

    @property
    def refused(self) -> str:
        """'2 venue entries refused': entries that were unsigned, forged, of the wrong type or too large."""
        return self.link.refusals.describe()

    def connect(self) -> bool:
        """Blocking: one PING (the app starts either way; down, it works on its own until the link is up)."""
        return self.link.connect()

    def budget(self, local: RequestBudget) -> SharedBudget:
        return SharedBudget(self.link, local)

    def attach(self, gateway: Gateway, state_dir: Path | None = None) -> None:
        """This gateway's attendee changes go out to the venue, the others' come in, and its syncs are shared;
        with `state_dir`, so do the admissions of the ledger there (venue/admissions.py)."""
        if state_dir is not None and (self.admissions is None or self.admissions.scope != self.link.scope_hash(
                gateway.store.scope)):
            if self.admissions is not None:
                self.admissions.stop()
                self.link.listeners.remove(self.admissions._link_changed)
            self.admissions = VenueAdmissions(self.link, state_dir, gateway.store.scope)
        if self.feed is not None and self.feed.gateway is gateway:
            return
        self.link.use_scope(gateway.store.scope)  # the keys from here on are this account's
        gateway.probe_turn = self.link.probe_turn  # idle, one machine of the venue probes Eventtia
        if self.feed is not None:
            self.feed.gateway.record_listeners.remove(self.feed.publish)
            self.link.listeners.remove(self.feed._link_changed)
            self.feed.gateway.shared_reads = None
            self.feed.gateway.check_turn = None
        self.feed = Feed(self.link, gateway)
        self.coordinator = SyncCoordinator(self.link, self.feed, gateway, link_wait=self.link_wait)
        gateway.sync_coordinator = self.coordinator
        gateway.shared_reads = VenueReads(self.link, gateway.store.scope)
        gateway.check_turn = VenueChecks(self.link, gateway.store.scope)

    def outbox(self, directory: Path, scope: str) -> SharedOutbox:
        if self._outbox is None or self._outbox.scope != scope:
            if self._outbox is not None:
                self._outbox.detach()
            self._outbox = SharedOutbox(self.link, directory, scope)
        return self._outbox

    def follow(self, uri: str, arrived: Callable[[list[Admission]], None] | None = None) -> None:
        """The event opened here: its admissions at every machine of the venue reach this machine's ledger;
        `arrived` is told (from a thread) of those added."""
        if self.admissions is not None:
            if arrived is not None and arrived not in self.admissions.listeners:
                self.admissions.listeners.append(arrived)
            self.admissions.follow(uri)

    async def close(self) -> None:
        if self.admissions is not None:
            await asyncio.to_thread(self.admissions.stop)  # its threads end within a read's block (0.4 s)
        if self.feed is not None:
            await self.feed.stop()
        self.link.close()
        await self.link.aio.aclose()
