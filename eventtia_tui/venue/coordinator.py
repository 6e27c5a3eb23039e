"""One sync per event for the whole venue: the machine holding the event's lease syncs (its pages and changes
go out on the feed); the others apply the feed and wait. A holder that dies is replaced within the lease.
A sync that any machine finished lately serves everyone: the others do not ask Eventtia again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ..api.errors import ApiError
from ..gateway import Gateway, SyncProgress, SyncReport
from .feed import Feed
from .lease import Lease
from .link import Link, LinkDown

log = logging.getLogger(__name__)
LEASE_SECONDS = 10.0
FRESH_SECONDS = 45.0  # the event screen resyncs every 60 s: one machine's sync serves that round for all
LOOK_EVERY = 0.25


class SyncCoordinator:
    def __init__(self, link: Link, feed: Feed, gateway: Gateway, lease_seconds: float = LEASE_SECONDS,
                 fresh_seconds: float = FRESH_SECONDS) -> None:
        self.link = link
        self.feed = feed
        self.gateway = gateway
        self.lease_seconds = lease_seconds
        self.fresh_seconds = fresh_seconds
        self.led = 0  # syncs this machine ran for the venue
        self.followed = 0  # syncs another machine ran while this one waited

    async def __call__(self, uri: str, run: Callable[[], Awaitable[SyncReport]], full: bool,
                       progress: Callable[[SyncProgress], None]) -> SyncReport:
        if not self.link.up:
            return await run()  # venue link down: this machine syncs on its own, as without venue mode
        lease = Lease(self.link, self.feed._key("sync", uri), self.lease_seconds)
        waited = False
        while True:
            try:
                await self.feed.caught_up(uri)
                if await asyncio.to_thread(lease.acquire):
                    try:
                        return await self._lead(uri, run, full and not waited, lease)
                    finally:
                        await asyncio.to_thread(self._release, lease)
            except LinkDown:
                return await run()
            waited = True
            received = self.feed.received(uri)
            stage = f"from another machine, {received:,} attendees so far" if received else "another machine's sync"
            progress(SyncProgress(stage, received, received + 1))
            await asyncio.sleep(LOOK_EVERY)

    @staticmethod
    def _release(lease: Lease) -> None:
        try:
            lease.release()
        except LinkDown:
            pass  # it runs out by itself

    async def _lead(self, uri: str, run: Callable[[], Awaitable[SyncReport]], full: bool, lease: Lease) -> SyncReport:
        gateway = self.gateway
        snapshot = await asyncio.to_thread(gateway.load_snapshot, uri)
        complete = snapshot is not None and await asyncio.to_thread(gateway.is_complete, uri)
        ago = self.feed.synced_ago(uri)
        if snapshot is not None and complete and not full and ago is not None and ago < self.fresh_seconds:
            self.followed += 1
            try:  # the walk-in form needs them here, also when this machine's network is down later
                await gateway.attendee_types(uri)
            except ApiError:
                pass
            return SyncReport(uri, "incremental", attendees=len(snapshot.records),
                              active=sum(1 for record in snapshot.records.values() if not record.cancelled))
        whole = full or not complete or snapshot is None or snapshot.watermark is None
        self.feed.following.pop(uri, None)  # this machine carries on from the pages it has (by their numbers)
        if whole and not await asyncio.to_thread(self.feed.unfinished_full_sync, uri):
            await asyncio.to_thread(self.feed.begin, uri)
        renewing = asyncio.ensure_future(self._renew(lease))
        try:
            report = await run()
        finally:
            renewing.cancel()
        self.led += 1
        try:
            if whole:
                snapshot = await asyncio.to_thread(gateway.load_snapshot, uri)
                if snapshot is not None:  # None: the event's list was dropped meanwhile, nothing to announce
                    await asyncio.to_thread(self.feed.end, uri, snapshot.watermark, snapshot.synced_at,
                                            dict(snapshot.type_names))
            else:
                await asyncio.to_thread(self.feed.mark_synced, uri)
        except LinkDown:
            pass  # the others sync for themselves meanwhile; this machine's changes go out when it is back
        return report

    async def _renew(self, lease: Lease) -> None:
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            try:
                if not await asyncio.to_thread(lease.renew):
                    log.warning("venue: the sync lease ran out while this machine synced; another one took over")
                    return
            except LinkDown:
                continue
