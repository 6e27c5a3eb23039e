"""Runs actions: validate → apply → send → confirm or roll back; queues them when the API is away."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..api.errors import ApiError, AuthError, Invalid, Malformed, Unavailable
from ..gateway import Gateway
from ..gateway.store import CACHE_ERRORS, describe_cache_error
from .audit import AuditLog
from .base import Action, Conflict, Outcome, State
from .outbox import CONFLICT, FAILED, SETTLED, Item, Outbox

QUEUED_MESSAGE = "No connection: saved, and it will be sent when Eventtia answers again."
UNCONFIRMED_MESSAGE = ("Eventtia's answer did not confirm it (a proxy in the way?): saved, and checked with Eventtia "
                       "before it is sent again.")


class LocalCopy:
    """This machine's cached copy of what a write changes. A disk that is full or read-only must not stop a
    write the outbox holds: the change still shows (in memory) and goes out; the outcome says so."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.problem = ""

    async def run(self, step: Callable[..., None], *args) -> None:
        try:
            await asyncio.to_thread(step, *args)
            reason = self.gateway.take_cache_problem()
        except CACHE_ERRORS as error:
            reason = describe_cache_error(error)
        if reason:
            self.problem = (f"This machine's copy could not be saved ({reason}); "
                            "it is refreshed from Eventtia at the next sync.")


@dataclass
class ReplayReport:
    sent: int = 0
    already_there: int = 0
    failed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # kept in the outbox for a person to decide
    remaining: int = 0
    sign_in: str = ""  # the token was refused: nothing more was sent, sign in again and replay


@dataclass
class Held:
    """A write shown on screen and waiting out its undo window before it is sent."""

    action: Action
    due: float  # time.monotonic() when it goes out

    @property
    def seconds_left(self) -> float:
        return max(0.0, self.due - time.monotonic())


class ActionRunner:
    def __init__(self, gateway: Gateway, outbox: Outbox, audit: AuditLog) -> None:
        self.gateway = gateway
        self.outbox = outbox
        self.audit = audit
        self.pending: dict[str, Action] = {}  # in flight right now, by action id
        self.held: dict[str, Held] = {}  # shown, waiting out their undo window, by action id
        self.queued = 0  # writes waiting in the outbox (kept current by run, replay and drop)
        gateway.has_queued = lambda: self.queued > 0  # the connection watch probes more often then

    async def count_queued(self) -> int:
        self.queued = await asyncio.to_thread(self.outbox.count)
        return self.queued

    def _log(self, action: Action, outcome: Outcome) -> None:
        self.audit.write(action.uri, action.kind, action.summary(), outcome.state.value, outcome.message)

    async def _invalid(self, action: Action) -> Outcome | None:
        errors = await asyncio.to_thread(action.validate, self.gateway)
        if not errors:
            return None
        outcome = Outcome(State.INVALID, next(iter(errors.values())), errors)
        self._log(action, outcome)
        return outcome

    async def run(self, action: Action, on_applied: Callable[[], None] | None = None) -> Outcome:
        """`on_applied` is called once the change shows in the cached view, before the server answers."""
        return await self._invalid(action) or await self._go(action, on_applied)

    async def hold(self, action: Action, seconds: float) -> Outcome:
        """Show the write at once but send it only after `seconds` (`release`), unless `keep` drops it first:
        an undo inside that window reaches nothing, because nothing was sent."""
        invalid = await self._invalid(action)
        if invalid is not None:
            return invalid
        # On disk first, as being sent by this process: if the app dies inside the window (a closed SSH
        # session), the next start finds it interrupted and sends it, after checking it has not landed.
        not_kept = await self._write_ahead(action)
        if not_kept is not None:
            return not_kept
        local = LocalCopy(self.gateway)
        await local.run(action.apply, self.gateway)
        await local.run(action.mark_held, self.gateway)
        self.held[action.action_id] = Held(action, time.monotonic() + seconds)
        self.gateway.changed(action.uri)
        self.audit.write(action.uri, action.kind, action.summary(), "held", f"sent in {seconds:g} s unless undone")
        return Outcome(State.HELD, local.problem)

    async def keep(self, action_id: str) -> Action | None:
        """Undo inside the window: the held write is dropped and taken off the screen; nothing was sent."""
        held = self.held.pop(action_id, None)
        if held is None:
            return None
        await LocalCopy(self.gateway).run(held.action.rollback, self.gateway)
        await self._forget(held.action)
        self.gateway.changed(held.action.uri)
        self.audit.write(held.action.uri, held.action.kind, held.action.summary(), "undone", "never sent")
        return held.action

    async def release(self, action_id: str) -> Outcome | None:
        """The window is over (or the app is quitting): send the held write. None when it was kept."""
        held = self.held.pop(action_id, None)
        if held is None:
            return None
        return await self._go(held.action, None, applied=True)

    async def _write_ahead(self, action: Action) -> Outcome | None:
        """The write on disk as being sent by this process; an outcome when it cannot be kept there."""
        self.outbox.hold(action.action_id)
        try:
            await asyncio.to_thread(self.outbox.begin, action)
        except CACHE_ERRORS as error:
            self.outbox.release(action.action_id)
            outcome = Outcome(State.FAILED, f"Not saved: {describe_cache_error(error)} on this machine, so the change "
                                            "was neither sent nor kept. Free space (or fix the cache) and try again.")
            self._log(action, outcome)
            return outcome
        return None

    async def _go(self, action: Action, on_applied: Callable[[], None] | None, applied: bool = False) -> Outcome:
        # On disk before anything shows or goes out: if the app dies before the answer, the next start
        # replays it; if it cannot be kept, nothing happens at all. (A held write is on disk already.)
        if not applied:
            not_kept = await self._write_ahead(action)
            if not_kept is not None:
                return not_kept
        local = LocalCopy(self.gateway)
        try:
            await local.run(action.mark_sending if applied else action.apply, self.gateway)
            self.pending[action.action_id] = action
            self.gateway.changed(action.uri)
            if on_applied is not None:
                on_applied()
            outcome = await self._send(action, local)
        except BaseException:
            # Cancelled (or a bug) once it was on disk, maybe sent: the outbox keeps it, as interrupted.
            self.outbox.release(action.action_id)
            raise
        finally:
            self.pending.pop(action.action_id, None)
        if local.problem and outcome.state in (State.DONE, State.QUEUED):
            outcome.message = " ".join(part for part in (outcome.message, local.problem) if part)
        self.gateway.changed(action.uri)
        self._log(action, outcome)
        return outcome

    async def _send(self, action: Action, local: LocalCopy) -> Outcome:
        try:
            answer = await self.gateway.call(action.send(self.gateway.client))
        except Unavailable as error:
            await self._keep(action, error.message)
            await local.run(action.mark_queued, self.gateway)
            await self.count_queued()
            return Outcome(State.QUEUED, QUEUED_MESSAGE if not isinstance(error, Malformed) else UNCONFIRMED_MESSAGE)
        except AuthError as error:
            await self._forget(action)
            await local.run(action.rollback, self.gateway)
            return Outcome(State.SIGN_IN, error.message)
        except ApiError as error:
            await self._forget(action)
            await local.run(action.rollback, self.gateway)
            return Outcome(State.FAILED, error.message)
        try:
            await local.run(self._confirm, action, answer)
        finally:
            await self._forget(action)  # it landed: never replay it
        return Outcome(State.DONE, value=answer)

    async def _keep(self, action: Action, message: str) -> None:
        """Queued: the outbox entry becomes "queued". If that cannot be written, the write-ahead entry
        stays on disk and is listed as interrupted (checked with Eventtia before it is sent again)."""
        try:
            await asyncio.to_thread(self.outbox.add, action, message)
        except CACHE_ERRORS:
            self.outbox.release(action.action_id)

    async def _forget(self, action: Action) -> None:
        """Answered: out of the outbox. If that cannot be written, a replay finds it already there."""
        try:
            await asyncio.to_thread(self.outbox.remove, action.action_id)
        except CACHE_ERRORS:
            self.outbox.release(action.action_id)

    def _confirm(self, action: Action, answer) -> None:
        action.confirm(self.gateway, answer)
        self.gateway.invalidate(action.uri, *action.groups)

    async def replay(self) -> ReplayReport:
        """Send what the outbox holds, in order, each once; stop at the first sign the API is away."""
        report = ReplayReport()
        if not await asyncio.to_thread(self.outbox.try_lock):
            report.remaining = await self.count_queued()
            return report  # another session on this machine is replaying
        try:
            for item in await asyncio.to_thread(lambda: list(self.outbox.items())):
                if item.state in SETTLED:
                    continue
                action = item.action
                try:
                    applied, answer = await self.gateway.call(action.already_applied(self.gateway.client))
                    if not applied:
                        try:
                            answer = await self.gateway.call(action.send(self.gateway.client))
                            report.sent += 1
                        except Invalid:
                            # An earlier attempt whose answer was lost may have landed since the check
                            # ("Email has already been taken"): ask again before calling it refused.
                            applied, answer = await self.gateway.call(action.already_applied(self.gateway.client))
                            if not applied:
                                raise
                            report.already_there += 1
                    else:
                        report.already_there += 1
                except Unavailable:
                    await self._keep_progress(item)
                    break
                except AuthError as error:
                    # Expired or revoked token: the write is not refused, we are. Keep it queued (shown as it
                    # is), stop, and let the app ask for a sign-in; the replay after it sends it.
                    report.sign_in = error.message
                    await self._keep_progress(item)
                    break
                except Conflict as error:
                    await self._settle(item, CONFLICT, error.message, action.mark_conflict)
                    report.conflicts.append(f"{action.summary()}: {error.message}")
                    continue
                except ApiError as error:
                    await self._settle(item, FAILED, error.message, action.rollback)
                    report.failed.append(f"{action.summary()}: {error.message}")
                    continue
                local = LocalCopy(self.gateway)
                await local.run(self._confirm, action, answer)
                try:
                    await asyncio.to_thread(self.outbox.remove, action.action_id)
                except CACHE_ERRORS:
                    break  # still listed: the next replay finds it already there
                self.audit.write(action.uri, action.kind, action.summary(), "done", local.problem, replay=True)
                await self.count_queued()  # before the screens re-read: their header shows this count
                self.gateway.changed(action.uri)
        finally:
            await asyncio.to_thread(self.outbox.unlock)
        report.remaining = await self.count_queued()
        return report

    async def _keep_progress(self, item: Item) -> None:
        """A write stopped half-way (a move whose add landed) keeps what landed, so it is not resent."""
        try:
            await asyncio.to_thread(self.outbox.update, item)
        except CACHE_ERRORS:
            pass  # the already-applied check finds the landed part again

    async def _settle(self, item: Item, state: str, message: str, show: Callable[[Gateway], None]) -> None:
        action = item.action
        item.state, item.message, item.attempts = state, message, item.attempts + 1
        await LocalCopy(self.gateway).run(show, self.gateway)
        try:
            await asyncio.to_thread(self.outbox.update, item)
        except CACHE_ERRORS:
            pass  # still queued on disk: the next replay decides again
        self.audit.write(action.uri, action.kind, action.summary(), state, message, replay=True)
        self.gateway.changed(action.uri)

    async def drop(self, action_id: str) -> None:
        """The user gave up on a queued write: forget it and take it off the screen."""
        for item in await asyncio.to_thread(lambda: list(self.outbox.items())):
            if item.action.action_id == action_id:
                if item.state != FAILED:
                    await asyncio.to_thread(item.action.rollback, self.gateway)
                await asyncio.to_thread(self.outbox.remove, action_id)
                self.audit.write(item.action.uri, item.action.kind, item.action.summary(), "dropped")
                await self.count_queued()
                self.gateway.changed(item.action.uri)
                return
