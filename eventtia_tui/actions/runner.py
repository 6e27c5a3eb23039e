"""Runs actions: validate → apply → send → confirm or roll back; queues them when the API is away. It owns
each write's life (actions/lifecycle.py): every step is written ahead in the outbox and logged in the audit."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ..api.errors import ApiError, AuthError, Invalid, Malformed, Unavailable, says_already
from ..gateway import Gateway
from ..store.cache import CACHE_ERRORS, describe_cache_error
from .audit import AuditLog
from .base import Action, Conflict, Outcome, State
from .lifecycle import Write, WriteState
from .outbox import REPLAY_EVERY, SETTLED, Item, Outbox

log = logging.getLogger(__name__)

QUEUED_MESSAGE = "No connection: saved, and it will be sent when Eventtia answers again."
WAITING_FOR_SIGN_IN = "Waiting for a sign-in:"  # a queued write's note when its token was refused (then its reason)
READ_BACK_MESSAGE = "Eventtia's answer did not show it, so it was read back from Eventtia: it is there."
ALREADY_MESSAGE = "Eventtia had it already."
UNCONFIRMED_MESSAGE = ("Eventtia's answer did not confirm it (a proxy in the way?): saved, and checked with Eventtia "
                       "before it is sent again.")


def answered(error: Unavailable) -> bool:
    """A 2xx whose body does not prove the write (`200 {}`, `true`, an empty body): Eventtia (or something in the
    way) answered yes without showing what it did. Settled by reading the resource, not by the answer's shape."""
    return isinstance(error, Malformed) and error.status is not None and 200 <= error.status < 300


class LocalCopy:
    """This machine's cached copy of what a write changes. A disk that is full or read-only must not stop a
    write the outbox holds: the change still shows (in memory) and goes out; the outcome says so."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.problem = ""

    async def run(self, step: Callable[..., None], *args: Any) -> None:
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
    landed: list[str] = field(default_factory=list)  # each write that reached Eventtia: what it was, what happened

    def said(self, most: int = 3) -> str:
        """The writes that landed, named, for one notification ("" when none did)."""
        if not self.landed:
            return ""
        more = len(self.landed) - most
        return "Sent to Eventtia — " + "; ".join(self.landed[:most]) + (f"; and {more} more (see the outbox's log)."
                                                                        if more > 0 else ".")


def landed_line(item: Item, already_there: bool) -> str:
    """A replayed write that reached Eventtia: who/what, and what the app had been doing with it."""
    done = "it had reached Eventtia already" if already_there else "sent now"
    if item.interrupted == WriteState.HELD:
        return f"{item.action.summary()}: held when the app stopped, {done}"
    if item.interrupted == WriteState.SENDING:
        return f"{item.action.summary()}: being sent when the app stopped, {done}"
    if item.message.startswith(WAITING_FOR_SIGN_IN):
        return f"{item.action.summary()}: waiting for a sign-in, {'sent' if not already_there else done}"
    return f"{item.action.summary()}: queued offline, {'sent' if not already_there else done}"


class ActionRunner:
    """Every write's life (actions/lifecycle.py) goes through here: each step persisted, then logged. A held
    write's deadline is this runner's own task, so nothing a screen does (closed, replaced, crashed) keeps it
    from being sent when its window ends."""

    def __init__(self, gateway: Gateway, outbox: Outbox, audit: AuditLog, *,
                 on_sent: Callable[[Action, Outcome], None] | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.gateway = gateway
        self.outbox = outbox
        self.audit = audit
        self.on_sent = on_sent  # told how a held write ended once its window was over
        self.sleep = sleep  # how a held write waits out its window (a test hands in its own clock)
        self.writes: dict[str, Write] = {}  # held or being sent by this process, by action id
        self.deadlines: dict[str, asyncio.Task[None]] = {}  # each held write's deadline, by action id
        self.queued = 0  # writes waiting in the outbox (kept current by run, replay and drop)
        self.stored: list[Item] = []  # the outbox as last counted
        self.replaying = self.replay_again = False
        self._sending: asyncio.Task[None] | None = None  # keep_sending, started by start_sending
        gateway.has_queued = lambda: self.queued > 0  # the connection watch probes more often then

    @property
    def held(self) -> dict[str, Write]:
        return {key: write for key, write in self.writes.items() if write.state is WriteState.HELD}

    @property
    def pending(self) -> dict[str, Action]:
        """In flight right now, by action id."""
        return {key: write.action for key, write in self.writes.items() if write.state is WriteState.SENDING}

    def pending_on(self, attendee_id: str) -> list[tuple[WriteState, Action]]:
        """The writes on this attendee not on Eventtia yet (held or sent here now, or in the outbox as last
        counted), oldest first: a held or queued cancellation means the person is being cancelled."""
        live = [(write.state, write.action) for write in self.writes.values()
                if getattr(write.action, "attendee_id", None) == attendee_id and write.state is not None]
        stored = [(WriteState(item.state), item.action) for item in self.stored
                  if getattr(item.action, "attendee_id", None) == attendee_id and item.action.action_id not in self.writes]
        return stored + live

    def not_on_eventtia(self, stored: list[Item] | None = None) -> Counter[WriteState | None]:
        """The writes Eventtia does not have yet, by state (None: being held), counted once for every screen that
        says how many: held or being sent by this app, and what the outbox holds (`stored`, or as last counted)."""
        counts: Counter[WriteState | None] = Counter(write.state for write in self.writes.values())
        counts.update(WriteState(item.state) for item in (self.stored if stored is None else stored)
                      if item.action.action_id not in self.writes)
        return counts

    async def count_queued(self) -> int:
        self.stored = await asyncio.to_thread(lambda: list(self.outbox.items()))
        self.queued = sum(1 for item in self.stored if item.state == WriteState.QUEUED)
        return self.queued

    def _log(self, action: Action, outcome: Outcome) -> None:
        """A write that never started its life (invalid, or not kept on disk)."""
        self.audit.write(action.uri, action.kind, action.summary(), outcome.state.value, outcome.message,
                         id=action.action_id)

    def _step(self, write: Write, to: WriteState, message: str = "", **extra: object) -> None:
        """One step of a write's life (IllegalStep if the lifecycle has no such step), in the audit log. Called
        once the step is on disk; `_step_in_memory` and `_logged` split it for a step that must be taken before."""
        self._logged(write, self._step_in_memory(write, to), message, **extra)

    @staticmethod
    def _step_in_memory(write: Write, to: WriteState) -> WriteState | None:
        """The step in memory only (before any await: a deadline or Ctrl+Z racing it sees it); the state before."""
        before = write.state
        write.step(to)
        return before

    def _logged(self, write: Write, before: WriteState | None, message: str = "", **extra: object) -> None:
        action = write.action
        state = write.state.value if write.state else "new"  # never new: logged after a step
        self.audit.write(action.uri, action.kind, action.summary(), state, message, id=action.action_id,
                         before=before.value if before else "new", **extra)

    async def _invalid(self, action: Action) -> Outcome | None:
        errors = await asyncio.to_thread(action.validate, self.gateway)
        if not errors:
            return None
        outcome = Outcome(State.INVALID, next(iter(errors.values())), errors)
        self._log(action, outcome)
        return outcome

    async def run(self, action: Action, on_applied: Callable[[], None] | None = None) -> Outcome:
        """`on_applied` is called once the change shows in the cached view, before the server answers."""
        return await self._invalid(action) or await self._go(Write(action), on_applied)

    async def hold(self, action: Action, seconds: float) -> Outcome:
        """Show the write at once but send it only after `seconds` (this runner's own deadline), unless
        `take_back` drops it first: an undo inside that window reaches nothing, because nothing was sent."""
        write = self.writes[action.action_id] = Write(action, due=time.monotonic() + seconds)  # counted at once
        try:
            # On disk first, as held by this process: if the app dies inside the window (a closed SSH session),
            # the next start finds it, says so, and sends it after checking it has not landed.
            outcome = await self._invalid(action) or await self._write_ahead(write, WriteState.HELD,
                                                                               due_at=time.time() + seconds)
            if outcome is None:
                local = LocalCopy(self.gateway)
                await local.run(action.apply, self.gateway)
                await local.run(action.mark_held, self.gateway)
        except BaseException:
            self.writes.pop(action.action_id, None)
            self.outbox.unclaim(action.action_id)  # if it was written ahead: listed as interrupted
            raise
        if outcome is not None:
            self.writes.pop(action.action_id, None)
            return outcome
        self._step(write, WriteState.HELD, f"sent in {seconds:g} s unless undone")
        self.deadlines[action.action_id] = asyncio.get_running_loop().create_task(
            self._deadline(action.action_id, seconds), name=f"deadline {action.action_id}")
        self.gateway.changed(action.uri)
        return Outcome(State.HELD, local.problem)

    async def _deadline(self, action_id: str, seconds: float) -> None:
        try:
            await self.sleep(seconds)
            await self.send_held(action_id)
        except Exception:  # a bug: the write stays on disk, listed as interrupted, and is replayed
            log.exception("a held write could not be sent at its deadline")
        finally:
            if self.deadlines.get(action_id) is asyncio.current_task():
                del self.deadlines[action_id]

    async def take_back(self, action_id: str) -> Action | None:
        """Undo inside the window: the held write is dropped and taken off the screen; nothing was sent."""
        write = self.writes.get(action_id)
        if write is None or write.state is not WriteState.HELD:
            return None
        before = self._step_in_memory(write, WriteState.UNDONE)  # before any await: the deadline sees it
        del self.writes[action_id]
        self._stop_deadline(action_id)
        await LocalCopy(self.gateway).run(write.action.rollback, self.gateway)
        await self._out_of_outbox(write.action)
        self._logged(write, before, "never sent")
        self.gateway.changed(write.action.uri)
        return write.action

    def _stop_deadline(self, action_id: str) -> None:
        """Called while the write is still held: its deadline task is asleep (or is the caller)."""
        timer = self.deadlines.get(action_id)
        if timer is not None and timer is not asyncio.current_task():
            del self.deadlines[action_id]
            timer.cancel()

    async def send_held(self, action_id: str) -> Outcome | None:
        """The window is over (or the app is quitting): send the held write, once. None when it was taken
        back or is on its way already."""
        write = self.writes.get(action_id)
        if write is None or write.state is not WriteState.HELD:
            return None
        self._stop_deadline(action_id)
        outcome = await self._go(write, None, applied=True)
        if self.on_sent is not None:
            try:
                self.on_sent(write.action, outcome)
            except Exception:  # saying so failed; the write itself is done
                log.exception("a held write's outcome could not be shown")
        return outcome

    async def wait_for_deadlines(self) -> None:
        """Until every held write's window has ended and it was sent (or taken back)."""
        while self.deadlines:
            await asyncio.gather(*self.deadlines.values(), return_exceptions=True)

    def held_count(self) -> int:
        """Writes waiting out their window, or being held right now (validated, written ahead)."""
        return sum(1 for write in self.writes.values() if write.state in (None, WriteState.HELD) and write.due)

    async def send_all_held(self) -> None:
        """Quitting: every held write goes out now (or into the outbox when offline), and the writes on their
        way are waited for."""
        while any(write.state is None and write.due for write in self.writes.values()):
            await asyncio.sleep(0.01)  # being validated and written ahead: held in a moment, then sent below
        for action_id in list(self.held):
            await self.send_held(action_id)
        await asyncio.gather(*self.deadlines.values(), return_exceptions=True)  # those sending at their deadline

    async def _write_ahead(self, write: Write, state: WriteState, due_at: float | None = None) -> Outcome | None:
        """The write on disk as this process's (held or being sent); an outcome when it cannot be kept there."""
        action = write.action
        self.outbox.claim(action.action_id)
        try:
            await asyncio.to_thread(self.outbox.begin, action, state.value, due_at)
        except CACHE_ERRORS as error:
            self.outbox.unclaim(action.action_id)
            outcome = Outcome(State.FAILED, f"Not saved: {describe_cache_error(error)} on this machine, so the change "
                                            "was neither sent nor kept. Free space (or fix the cache) and try again.")
            self._log(action, outcome)
            return outcome
        except BaseException:
            # Cancelled while it was being written (the thread goes on and keeps it): listed as interrupted,
            # not as this process's in flight for good (it was never replayed until the next start).
            self.outbox.unclaim(action.action_id)
            raise
        return None

    async def _go(self, write: Write, on_applied: Callable[[], None] | None, applied: bool = False) -> Outcome:
        action = write.action
        if applied:  # held: on disk already; now marked as being sent (claimed before any await)
            before = self._step_in_memory(write, WriteState.SENDING)
            try:
                await asyncio.to_thread(self.outbox.begin, action)
            except CACHE_ERRORS:
                pass  # still on disk as held by this process: replayed after a check if it dies
            self._logged(write, before)
        else:
            # On disk before anything shows or goes out: if the app dies before the answer, the next start
            # replays it; if it cannot be kept, nothing happens at all.
            not_kept = await self._write_ahead(write, WriteState.SENDING)
            if not_kept is not None:
                return not_kept
        local = LocalCopy(self.gateway)
        try:
            await local.run(action.mark_sending if applied else action.apply, self.gateway)
            if not applied:  # listed as in flight once it shows
                self.writes[action.action_id] = write
                self._step(write, WriteState.SENDING)
            self.gateway.changed(action.uri)
            if on_applied is not None:
                on_applied()
            outcome = await self._send(write, local)
        except BaseException:
            # Cancelled (or a bug) once it was on disk, maybe sent: the outbox keeps it, as interrupted.
            self.outbox.unclaim(action.action_id)
            raise
        finally:
            self.writes.pop(action.action_id, None)
        if local.problem and outcome.state in (State.DONE, State.QUEUED):
            outcome.message = " ".join(part for part in (outcome.message, local.problem) if part)
        self.gateway.changed(action.uri)
        return outcome

    async def _send(self, write: Write, local: LocalCopy) -> Outcome:
        action = write.action
        message = ""
        try:
            answer = await self.gateway.call(action.send(self.gateway.client))
        except Unavailable as error:
            landed, answer = await self._read_back(action) if answered(error) else (False, None)
            if not landed:
                return await self._queued(write, local, UNCONFIRMED_MESSAGE if isinstance(error, Malformed)
                                          else QUEUED_MESSAGE, error.message)
            message = READ_BACK_MESSAGE
        except AuthError as error:
            # Refused as sent by us, not for what it is: kept in the outbox (shown as waiting), and sent again
            # once the person at the desk has signed in again (the app opens the sign-in screen over theirs).
            await self._queued(write, local, error.message, f"{WAITING_FOR_SIGN_IN} {error.message}")
            return Outcome(State.SIGN_IN, error.message)
        except Invalid as error:
            landed, answer = await self._already_there(action, error)
            if not landed:
                return await self._refused(write, local, error)
            message = ALREADY_MESSAGE
        except ApiError as error:  # said at once to the person who made it: rolled back, not kept
            return await self._refused(write, local, error)
        try:
            await local.run(self._confirm, action, answer)
        finally:
            await self._out_of_outbox(action)  # it landed: never replay it
        self._step(write, WriteState.DONE, " ".join(part for part in (message, local.problem) if part))
        return Outcome(State.DONE, message, value=answer)

    async def _queued(self, write: Write, local: LocalCopy, message: str, why: str) -> Outcome:
        """Not known to be on Eventtia: kept in the outbox, shown as waiting, checked before it is sent again."""
        action = write.action
        await self._queue(action, why)
        await local.run(action.mark_queued, self.gateway)
        await self.count_queued()
        self._step(write, WriteState.QUEUED, message)
        return Outcome(State.QUEUED, message)

    async def _refused(self, write: Write, local: LocalCopy, error: ApiError) -> Outcome:
        action = write.action
        await self._out_of_outbox(action)
        await local.run(action.rollback, self.gateway)
        self._step(write, WriteState.REFUSED, error.message)
        return Outcome(State.FAILED, error.message)

    async def _read_back(self, action: Action) -> tuple[bool, Any]:
        """The write's settling read (`Action.already_applied`): is it on Eventtia? (False, None) when the read
        cannot say (away, refused, or someone else's registration there)."""
        try:
            return await self.gateway.call(action.already_applied(self.gateway.client))
        except (ApiError, Conflict):
            return False, None

    async def _already_there(self, action: Action, error: Invalid) -> tuple[bool, Any]:
        """A refusal saying "already …" ("already cancelled", "Email has already been taken", "already
        registered in this activity"): landed if the action takes the words as proof, or its read says so."""
        if not says_already(error):
            return False, None
        if action.already_is_landed:
            return True, None
        return await self._read_back(action)

    async def _queue(self, action: Action, message: str) -> None:
        """Queued: the outbox entry becomes "queued". If that cannot be written, the write-ahead entry
        stays on disk and is listed as interrupted (checked with Eventtia before it is sent again)."""
        try:
            await asyncio.to_thread(self.outbox.add, action, message)
        except CACHE_ERRORS:
            self.outbox.unclaim(action.action_id)

    async def _out_of_outbox(self, action: Action) -> None:
        """Answered: out of the outbox. If that cannot be written, a replay finds it already there."""
        try:
            await asyncio.to_thread(self.outbox.remove, action.action_id)
        except CACHE_ERRORS:
            self.outbox.unclaim(action.action_id)

    def _confirm(self, action: Action, answer: Any) -> None:
        action.confirm(self.gateway, answer)
        self.gateway.invalidate(action.uri, *action.groups)

    @staticmethod
    def _resume(item: Item) -> Write:
        """A write read back from the outbox: held when its app stopped, or queued (one the app stopped while
        sending is queued: its answer was never heard, so it is checked before it is sent again)."""
        return Write(item.action, WriteState.HELD if item.interrupted == WriteState.HELD else WriteState(item.state))

    async def replay(self) -> ReplayReport:
        """Send what the outbox holds, in order, each once; stop at the first sign the API is away. One replay
        at a time in this process, never cut off by another: a call while one runs makes it go round once more
        (a replay cut off mid-send would leave its write looking interrupted until the next start)."""
        report = ReplayReport()
        if self.replaying:
            self.replay_again = True
            report.remaining = self.queued
            return report
        self.replaying = True
        try:
            if not await asyncio.to_thread(self.outbox.try_lock):
                report.remaining = await self.count_queued()
                return report  # another session on this machine is replaying
            try:
                going = True
                while going:
                    self.replay_again = False
                    for item in await asyncio.to_thread(lambda: list(self.outbox.items())):
                        if item.state in SETTLED or item.action.action_id in self.writes:
                            continue
                        if not await self._replay_one(item, report):
                            going = False
                            break
                    going = going and self.replay_again
            finally:
                await asyncio.to_thread(self.outbox.unlock)
        finally:
            self.replaying = False
        report.remaining = await self.count_queued()
        return report

    async def keep_sending(self, on_report: Callable[[ReplayReport], None] | None = None, *,
                           every: float = REPLAY_EVERY, tick: float = 1.0) -> None:
        """Runs until cancelled: the outbox is sent without anyone asking — at once when it changed (another
        machine queued a write, or its sender died), else every `every` seconds while writes wait; never while
        Eventtia is known to be away (the connection's probe says when it is back, and the app replays then),
        nor with a token Eventtia refused (signed in again, the app replays).
        A replay under way is never cut off by a cancel."""
        changes, tried = self.outbox.changes, time.monotonic()
        refused_token: str | None = None  # the token Eventtia answered 401 to: nothing is tried with it again
        while True:
            await asyncio.sleep(tick)
            changed = self.outbox.changes != changes
            if not changed and time.monotonic() - tried < every:
                continue
            changes, tried = self.outbox.changes, time.monotonic()
            # Counted even while Eventtia is away: what another machine sent is no longer queued here (the
            # header's count, and the connection watch's faster probe while writes wait).
            if not await self.count_queued() or self.gateway.connection.online is False or \
                    self.gateway.client.token == refused_token:
                continue
            report = await asyncio.shield(self.replay())
            refused_token = self.gateway.client.token if report.sign_in else None
            if on_report is not None:
                on_report(report)

    def start_sending(self, on_report: Callable[[ReplayReport], None] | None = None) -> None:
        """`keep_sending` as this runner's own task (call with the event loop running; not a worker: a test
        that waits for the app's workers to finish must not wait for this one)."""
        if self._sending is None or self._sending.done():
            self._sending = asyncio.get_running_loop().create_task(self.keep_sending(on_report))

    async def stop_sending(self) -> None:
        sending, self._sending = self._sending, None
        if sending is not None:
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)

    async def _replay_one(self, item: Item, report: ReplayReport) -> bool:
        """Check and send one stored write; False when the replay should stop (the API is away, or sign in,
        or another machine is sending this write)."""
        action = item.action
        if not await asyncio.to_thread(self.outbox.take, action.action_id):
            return False  # claimed by another machine's replay: the next round sees what became of it
        try:
            return await self._replay_claimed(item, report)
        finally:
            await asyncio.to_thread(self.outbox.let_go, action.action_id)

    async def _replay_claimed(self, item: Item, report: ReplayReport) -> bool:
        action = item.action
        write = self._resume(item)
        self.writes[action.action_id] = write
        before = self._step_in_memory(write, WriteState.SENDING)
        try:
            await self._mark(item, WriteState.SENDING)
            self._logged(write, before, replay=True, **({"interrupted": item.interrupted} if item.interrupted else {}))
            try:
                applied, answer = await self.gateway.call(action.already_applied(self.gateway.client))
                if not applied and not await asyncio.to_thread(self.outbox.take, action.action_id):
                    # Still ours to send? (a process frozen since it claimed the write may have lost it: then
                    # another machine checks and sends it, and this one sends nothing more)
                    await self._mark(item, WriteState.QUEUED)
                    self._step(write, WriteState.QUEUED, "Another machine is sending it.", replay=True)
                    return False
                if not applied:
                    try:
                        answer = await self.gateway.call(action.send(self.gateway.client))
                        report.sent += 1
                    except Invalid as refusal:
                        # An earlier attempt whose answer was lost may have landed since the check
                        # ("Email has already been taken", "already cancelled"): never rolled back for that.
                        applied, answer = ((True, None) if action.already_is_landed and says_already(refusal)
                                           else await self.gateway.call(action.already_applied(self.gateway.client)))
                        if not applied:
                            raise
                        report.already_there += 1
                    except Unavailable as unproven:  # a 2xx that shows nothing: read back, not guessed
                        applied, answer = await self._read_back(action) if answered(unproven) else (False, None)
                        if not applied:
                            raise
                        report.sent += 1
                else:
                    report.already_there += 1
            except Unavailable as error:
                await self._mark(item, WriteState.QUEUED)  # a move whose add landed keeps what landed
                self._step(write, WriteState.QUEUED, error.message, replay=True)
                return False
            except AuthError as error:
                # Expired or revoked token: the write is not refused, we are. Keep it queued (shown as it
                # is), stop, and let the app ask for a sign-in; the replay after it sends it.
                report.sign_in = error.message
                item.message = f"{WAITING_FOR_SIGN_IN} {error.message}"
                await self._mark(item, WriteState.QUEUED)
                self._step(write, WriteState.QUEUED, error.message, replay=True)
                return False
            except Conflict as error:
                await self._settle(write, item, WriteState.CONFLICT, error.message, action.mark_conflict)
                report.conflicts.append(f"{action.summary()}: {error.message}")
                return True
            except ApiError as error:
                await self._settle(write, item, WriteState.REFUSED, error.message, action.rollback)
                report.failed.append(f"{action.summary()}: {error.message}")
                return True
            local = LocalCopy(self.gateway)
            await local.run(self._confirm, action, answer)
            try:
                await asyncio.to_thread(self.outbox.remove, action.action_id)
            except CACHE_ERRORS:
                self.outbox.unclaim(action.action_id)
                return False  # still listed: the next replay finds it already there
            self._step(write, WriteState.DONE, local.problem, replay=True)
            report.landed.append(landed_line(item, already_there=applied))
            await self.count_queued()  # before the screens re-read: their header shows this count
            self.gateway.changed(action.uri)
            return True
        except BaseException:
            self.outbox.unclaim(action.action_id)  # listed as interrupted: checked before it is sent again
            raise
        finally:
            self.writes.pop(action.action_id, None)

    async def _mark(self, item: Item, state: WriteState) -> None:
        """A replayed write's state on disk (sending: as this process's; queued: with what landed of it, so a
        move whose add landed is not sent whole again)."""
        item.state = state.value
        if state is WriteState.SENDING:
            self.outbox.claim(item.action.action_id)
        try:
            await asyncio.to_thread(self.outbox.update, item)
        except CACHE_ERRORS:
            pass  # the already-applied check finds the landed part again
        if state is not WriteState.SENDING:
            self.outbox.unclaim(item.action.action_id)

    async def _settle(self, write: Write, item: Item, state: WriteState, message: str,
                      show: Callable[[Gateway], None]) -> None:
        """Refused, or a conflict: kept in the outbox, not sent again by itself; a person decides."""
        action = item.action
        item.state, item.message, item.attempts = state.value, message, item.attempts + 1
        await LocalCopy(self.gateway).run(show, self.gateway)
        try:
            await asyncio.to_thread(self.outbox.update, item)
        except CACHE_ERRORS:
            pass  # still queued on disk: the next replay decides again
        self.outbox.unclaim(action.action_id)
        self._step(write, state, message, replay=True)
        self.gateway.changed(action.uri)

    async def drop(self, action_id: str) -> None:
        """The user gave up on a queued write: forget it and take it off the screen."""
        for item in await asyncio.to_thread(lambda: list(self.outbox.items())):
            if item.action.action_id == action_id:
                write = Write(item.action, WriteState(item.state))
                if item.state != WriteState.REFUSED:  # a refused one was rolled back when it was refused
                    await asyncio.to_thread(item.action.rollback, self.gateway)
                await asyncio.to_thread(self.outbox.remove, action_id)
                self._step(write, WriteState.DROPPED, "never sent")
                await self.count_queued()
                self.gateway.changed(item.action.uri)
                return
