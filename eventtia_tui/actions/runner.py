"""Runs actions: validate → apply → send → confirm or roll back; queues them when the API is away."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from ..api.errors import ApiError, AuthError, Invalid, Unavailable
from ..gateway import Gateway
from .audit import AuditLog
from .base import Action, Outcome, State
from .outbox import FAILED, Outbox


@dataclass
class ReplayReport:
    sent: int = 0
    already_there: int = 0
    failed: list[str] = field(default_factory=list)
    remaining: int = 0
    sign_in: str = ""  # the token was refused: nothing more was sent, sign in again and replay


class ActionRunner:
    def __init__(self, gateway: Gateway, outbox: Outbox, audit: AuditLog) -> None:
        self.gateway = gateway
        self.outbox = outbox
        self.audit = audit
        self.pending: dict[str, Action] = {}  # in flight right now, by action id
        self.queued = 0  # writes waiting in the outbox (kept current by run, replay and drop)

    async def count_queued(self) -> int:
        self.queued = await asyncio.to_thread(self.outbox.count)
        return self.queued

    def _log(self, action: Action, outcome: Outcome) -> None:
        self.audit.write(action.uri, action.kind, action.summary(), outcome.state.value, outcome.message)

    async def run(self, action: Action, on_applied: Callable[[], None] | None = None) -> Outcome:
        """`on_applied` is called once the change shows in the cached view, before the server answers."""
        errors = await asyncio.to_thread(action.validate, self.gateway)
        if errors:
            outcome = Outcome(State.INVALID, next(iter(errors.values())), errors)
            self._log(action, outcome)
            return outcome
        await asyncio.to_thread(action.apply, self.gateway)
        self.gateway.changed(action.uri)
        if on_applied is not None:
            on_applied()
        self.pending[action.action_id] = action
        try:
            outcome = await self._send(action)
        finally:
            self.pending.pop(action.action_id, None)
        self.gateway.changed(action.uri)
        self._log(action, outcome)
        return outcome

    async def _send(self, action: Action) -> Outcome:
        # On disk before it goes out: if the app dies before the answer, the next start replays it.
        self.outbox.hold(action.action_id)
        try:
            await asyncio.to_thread(self.outbox.begin, action)
            answer = await self.gateway.call(action.send(self.gateway.client))
        except Unavailable as error:
            await asyncio.to_thread(self.outbox.add, action, error.message)
            await asyncio.to_thread(action.mark_queued, self.gateway)
            await self.count_queued()
            return Outcome(State.QUEUED, "No connection: saved, and it will be sent when Eventtia answers again.")
        except AuthError as error:
            await asyncio.to_thread(self.outbox.remove, action.action_id)
            await asyncio.to_thread(action.rollback, self.gateway)
            return Outcome(State.SIGN_IN, error.message)
        except ApiError as error:
            await asyncio.to_thread(self.outbox.remove, action.action_id)
            await asyncio.to_thread(action.rollback, self.gateway)
            return Outcome(State.FAILED, error.message)
        except BaseException:
            # Cancelled (or a bug) with the request maybe sent: the outbox keeps it, as interrupted.
            self.outbox.release(action.action_id)
            raise
        try:
            await asyncio.to_thread(self._confirm, action, answer)
        finally:
            await asyncio.to_thread(self.outbox.remove, action.action_id)  # it landed: never replay it
        return Outcome(State.DONE, value=answer)

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
                if item.state == FAILED:
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
                    break
                except AuthError as error:
                    # Expired or revoked token: the write is not refused, we are. Keep it queued (shown as it
                    # is), stop, and let the app ask for a sign-in; the replay after it sends it.
                    report.sign_in = error.message
                    break
                except ApiError as error:
                    item.state, item.message, item.attempts = FAILED, error.message, item.attempts + 1
                    await asyncio.to_thread(action.rollback, self.gateway)
                    await asyncio.to_thread(self.outbox.update, item)
                    self.audit.write(action.uri, action.kind, action.summary(), "failed", error.message, replay=True)
                    report.failed.append(f"{action.summary()}: {error.message}")
                    self.gateway.changed(action.uri)
                    continue
                await asyncio.to_thread(self._confirm, action, answer)
                await asyncio.to_thread(self.outbox.remove, action.action_id)
                self.audit.write(action.uri, action.kind, action.summary(), "done", replay=True)
                await self.count_queued()  # before the screens re-read: their header shows this count
                self.gateway.changed(action.uri)
        finally:
            await asyncio.to_thread(self.outbox.unlock)
        report.remaining = await self.count_queued()
        return report

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
