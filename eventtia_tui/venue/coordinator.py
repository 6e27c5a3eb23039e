"""One sync per event for the whole venue: the machine holding the event's lease syncs (its pages and changes
go out on the feed); the others apply the feed and wait. A holder that dies is replaced within the lease.
A sync that any machine finished lately serves everyone: the others do not ask Eventtia again.

Through faults: a machine whose link to Redis is down does not start a sync of its own at once (eight machines
doing so is eight syncs at Eventtia's limit): it waits, reading its own copy (lookups and writes go on
through its share of the budget), and follows again when the link is back. Only when the link has been down
for `link_wait` seconds does it sync alone, and it stops as soon as the link is back and another machine holds
the lease. The lease carries a fencing token (lease.py): a holder that lost it stops asking for pages the
moment it notices, and the pages it wrote after that are set aside by every machine (feed.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from ..api.errors import ApiError
from ..gateway import Gateway, SyncProgress, SyncReport
from ..gateway.sync import SYNC_GUARD, SyncStopped
from .feed import Feed
from .lease import Fence, Lease
from .link import Link, LinkDown

log = logging.getLogger(__name__)
LEASE_SECONDS = 10.0
FRESH_SECONDS = 45.0  # the event screen resyncs every 60 s: one machine's sync serves that round for all
LOOK_EVERY = 0.25
LINK_WAIT = 90.0  # seconds a machine whose link is down waits for it before it syncs on its own
# Back from waiting, a follower lets the lease's holder (whose watcher may see Redis a second later) take it
# again first: the holder carries on its sync instead of a follower starting over what it had fetched.
RETURN_GRACE = 2.0


class LeaseLost(Exception):
    """This machine's sync stopped: another machine holds the lease now (this one follows it)."""


class SyncCoordinator:
    def __init__(self, link: Link, feed: Feed, gateway: Gateway, lease_seconds: float = LEASE_SECONDS,
                 fresh_seconds: float = FRESH_SECONDS, link_wait: float = LINK_WAIT) -> None:
        self.link = link
        self.feed = feed
        self.gateway = gateway
        self.lease_seconds = lease_seconds
        self.fresh_seconds = fresh_seconds
        self.link_wait = link_wait
        self.led = 0  # syncs this machine ran for the venue
        self.followed = 0  # syncs another machine ran while this one waited
        self.alone = 0  # syncs this machine started on its own (the link down past `link_wait`)
        self.stopped = 0  # syncs of this machine stopped because another machine held the lease

    async def __call__(self, uri: str, run: Callable[[], Awaitable[SyncReport]], full: bool,
                       progress: Callable[[SyncProgress], None]) -> SyncReport:
        waited = False
        while True:
            if not self.link.up:
                if not await self._wait_for_link(progress):
                    report = await self._alone(uri, run)
                    if report is not None:
                        return report
                else:
                    await asyncio.sleep(RETURN_GRACE)
                waited = True
                continue
            lease = Lease(self.link, self.feed._key("sync", uri), self.lease_seconds)
            try:
                await self.feed.caught_up(uri)
                if await asyncio.to_thread(lease.acquire):
                    try:
                        return await self._lead(uri, run, full and not waited, lease)
                    finally:
                        await asyncio.to_thread(self._release, lease)
            except LinkDown:
                continue  # waits for the link (above), within the bound
            except LeaseLost:
                log.warning("venue: this machine lost the sync lease while it synced; it follows the new holder")
            waited = True
            received = self.feed.received(uri)
            stage = f"from another machine, {received:,} attendees so far" if received else "another machine's sync"
            progress(SyncProgress(stage, received, received + 1))
            await asyncio.sleep(LOOK_EVERY)

    def _waiting_left(self) -> float:
        if self.link.problem is not None:
            return 0.0  # no (usable) venue key: this machine never joins, nothing to wait for
        return self.link_wait - (time.monotonic() - self.link.down_since)

    async def _wait_for_link(self, progress: Callable[[SyncProgress], None]) -> bool:
        """True when the link is back within the bound (counted from when it went down)."""
        while not self.link.up:
            left = self._waiting_left()
            if left <= 0:
                return False
            # The header says why the link is down; this, what the sync does meanwhile ("syncing on hold …").
            progress(SyncProgress(f"on hold for the venue link ({left:.0f} s, then alone)", 0, 1, left))
            await asyncio.sleep(LOOK_EVERY)
        return True

    async def _alone(self, uri: str, run: Callable[[], Awaitable[SyncReport]]) -> SyncReport | None:
        """This machine's own sync, stopped (None) as soon as the link is back and another machine holds the
        lease: it follows that one then, from the pages it has."""
        self.alone += 1
        log.warning("venue: the link has been down for %.0f s (%s): this machine syncs on its own",
                    self.link_wait, self.link.why)
        lease = Lease(self.link, self.feed._key("sync", uri), self.lease_seconds)
        task = asyncio.ensure_future(run())
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=LOOK_EVERY)
                if done:
                    return task.result()
                if self.link.up and await asyncio.to_thread(lease.held_elsewhere):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, SyncStopped):
                        await task
                    self.stopped += 1
                    log.info("venue: the link is back and another machine syncs: this machine's own sync stopped")
                    await self._follow_from_here(uri)
                    return None
        finally:
            task.cancel()

    async def _follow_from_here(self, uri: str) -> None:
        """The holder's pages go into this machine's unfinished full sync (kept by their numbers)."""
        if uri not in self.feed.following and not await asyncio.to_thread(self.gateway.is_complete, uri):
            self.feed.following[uri] = await asyncio.to_thread(self.gateway.begin_full_sync, uri, "", {})

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
        ago = await asyncio.to_thread(self.feed.synced_ago, uri)
        if snapshot is not None and complete and not full and ago is not None and ago < self.fresh_seconds:
            self.followed += 1
            try:  # the walk-in form needs them here, also when this machine's network is down later
                await gateway.attendee_types(uri)
            except ApiError:
                pass
            return SyncReport(uri, "incremental", attendees=len(snapshot.records),
                              active=sum(1 for record in snapshot.records.values() if not record.cancelled))
        whole = full or not complete or snapshot is None or snapshot.watermark is None
        fence = Fence(lease)
        self.feed.fences[uri] = fence
        self.feed.following.pop(uri, None)  # this machine carries on from the pages it has (by their numbers)
        try:
            if whole and not await asyncio.to_thread(self.feed.unfinished_full_sync, uri):
                await asyncio.to_thread(self.feed.begin, uri)
            report = await self._run_fenced(run, fence)
        except LeaseLost:
            await self._follow_from_here(uri)
            raise
        finally:
            self.feed.fences.pop(uri, None)
        self.led += 1
        try:
            if whole:
                snapshot = await asyncio.to_thread(gateway.load_snapshot, uri)
                if snapshot is not None and await asyncio.to_thread(fence.confirm):
                    # None: the event's list was dropped meanwhile; lease lost: the new holder announces its own
                    await asyncio.to_thread(self._end, uri, fence, snapshot.watermark, snapshot.synced_at,
                                            dict(snapshot.type_names))
            else:
                await asyncio.to_thread(self.feed.mark_synced, uri)
        except LinkDown:
            pass  # the others sync for themselves meanwhile; this machine's changes go out when it is back
        return report

    def _end(self, uri: str, fence: Fence, watermark: str | None, synced_at: float, type_names: dict[str, str]) -> None:
        self.feed.fences[uri] = fence  # the end carries the lease's token too
        try:
            self.feed.end(uri, watermark, synced_at, type_names)
        finally:
            self.feed.fences.pop(uri, None)

    async def _run_fenced(self, run: Callable[[], Awaitable[SyncReport]], fence: Fence) -> SyncReport:
        """The sync, asking for no page once the lease is known lost (checked with Redis before a page when
        the last confirmation is older than a third of the lease), and stopped when a renewal finds it lost."""
        async def guard() -> None:
            if not fence.fresh() and not await asyncio.to_thread(fence.confirm):
                raise SyncStopped("another machine holds the sync lease")

        marked = SYNC_GUARD.set(guard)
        try:
            task = asyncio.ensure_future(run())  # the guard travels in the task's context
        finally:
            SYNC_GUARD.reset(marked)
        renewing = asyncio.ensure_future(self._renew(fence, task))
        try:
            return await task
        except (SyncStopped, asyncio.CancelledError):
            if fence.lost:
                raise LeaseLost() from None
            raise
        finally:
            renewing.cancel()

    async def _renew(self, fence: Fence, task: asyncio.Future[SyncReport]) -> None:
        while True:
            await asyncio.sleep(fence.window)
            if not await asyncio.to_thread(fence.renew):
                task.cancel()
                return
