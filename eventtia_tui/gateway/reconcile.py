"""Checking this machine's copy against Eventtia: what an incremental sync cannot see.

An incremental sync asks for what changed since its watermark (`updated_date_time`); a cancellation made
elsewhere that does not move `updated_at` (the reference does not say that it does) is never in it. So:

- **A whole-list check** (`reconcile_event`, started by the event screen): the default listing — the active
  registrations, as the reference says — read again page by page in the background lane, at a pace that is a
  share of the request budget (`ReconcileSettings.share`; at 100 requests a minute and 0.2, one page every 3 s:
  50,000 attendees in 25 min, never more than 20 requests a minute). A registration this copy holds as active
  that no page served is asked about by its email (`confirm`): gone from the default listing but in
  `include_archived`'s, it is cancelled here. A registration this copy holds as cancelled that a page serves
  is active again. A check that began at T has seen every cancellation made before T: T is what the header
  shows ("checked against Eventtia 4 min ago", `checked_against`), and a full sync counts as one (it reads
  the whole default listing).
- **A scan's confirmation** (`may_confirm`, then `confirm` in the interactive lane): a badge whose
  registration was not checked within `confirm_after` asks Eventtia once, when the budget allows (online,
  not held back by a 429, more than the desk's reserve left this minute); the verdict then comes from that
  answer. Otherwise it comes from the copy, and says so and why (`Checks.from_copy`).

In venue mode one machine checks for the venue, by turn (`Gateway.check_turn`, venue/checks.py); the others take
the time of its last check, and what it finds reaches them through the feed.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..api.budget import RequestBudget, background_lane
from ..api.client import MAX_PAGE_SIZE
from ..api.errors import ApiError, AuthError
from ..api.models import field_names_by_type
from ..config import DEFAULT_RATE_LIMIT
from ..store.pages import page_shape, records_from_page
from ..store.records import AttendeeRecord, record_from_attendee, unlisted
from ..text import shown
from .checks import CHECKED_LATELY

if TYPE_CHECKING:
    from .gateway import Gateway

LOOKUP_PAGE = 24
RETRY_AFTER_FAILURE = 60.0  # seconds before a check that failed (offline, refused) begins again
MOST_CONFIRMS = 200  # registrations asked about one by one in one check (more: the rest in the next one)


@dataclass(frozen=True)
class Schedule:
    """The whole-list check's pace: `per_minute` requests a minute at most, one every `gap` seconds."""

    per_minute: float

    @property
    def gap(self) -> float:
        return 60.0 / self.per_minute

    def pages(self, attendees: int, page_size: int = MAX_PAGE_SIZE) -> int:
        return max(1, math.ceil(attendees / max(1, page_size)))

    def period(self, attendees: int, page_size: int = MAX_PAGE_SIZE, every: float = 0.0) -> float:
        """Seconds from one check's start to the next's: its pages at this pace (plus the one after the last,
        which may be empty), or `every` when that is longer."""
        return max(every, (self.pages(attendees, page_size) + 1) * self.gap)


def schedule(budget: RequestBudget, share: float) -> Schedule | None:
    """The pace a share of the budget allows (None: no whole-list check). Never more than the background lane
    leaves: the desk's reserve is not touched."""
    if share <= 0:
        return None
    per_minute = budget.per_minute if budget.enabled else DEFAULT_RATE_LIMIT
    background = max(1, per_minute - (budget.reserve if budget.enabled else 0))
    return Schedule(max(1.0, min(background, per_minute * share)))


def may_confirm(gateway: Gateway, uri: str, record: AttendeeRecord) -> str:
    """"" when a scan of this registration should ask Eventtia now; else why its verdict comes from the copy:
    CHECKED_LATELY (nothing to say), or a reason for the desk ("Eventtia can't be reached", …)."""
    at = gateway.checks.checked_at(uri, record.id)
    if at is not None and gateway.checks.clock() - at < gateway.checks.settings.confirm_after:
        return CHECKED_LATELY
    if record.id.startswith("pending-") or record.being_cancelled:
        return CHECKED_LATELY  # a change made here, not on Eventtia yet: the copy is what counts
    if not record.email:
        return "it has no email to ask Eventtia by"
    if gateway.connection.online is False:
        return "Eventtia can't be reached"
    if held := gateway.held_back():
        return held
    budget = gateway.client.budget
    if budget.enabled and (budget.paused_for() > 0 or budget.remaining() <= budget.reserve
                           or budget.backing_off_until["interactive"] > budget.clock.now()):
        return "the request budget is spent for this minute"
    return ""


async def confirm(gateway: Gateway, uri: str, record: AttendeeRecord,
                  pause: Callable[[], Awaitable[Any]] | None = None) -> AttendeeRecord | None:
    """Eventtia's current answer for one registration, kept here: the default listing by its email (one request;
    listed there, it is active, with its fields as they are now), else the same with `include_archived` (there:
    cancelled or rejected). None when neither holds it (its email changed since?): nothing is decided.
    The lane is the caller's: a scan's confirmation is interactive, a whole-list check's is background (its
    `pause` keeps the pace between the two requests)."""
    client = gateway.client
    names_by_type = field_names_by_type((await gateway.attendee_types(uri)).value)
    for archived in (False, True):
        if archived and pause is not None:
            await pause()
        filters: dict[str, Any] = {"email": record.email, **({"include_archived": True} if archived else {})}
        page = await gateway.call(client.list_attendees(uri, page=1, size=LOOKUP_PAGE, **filters))
        found = next((a for a in page.items if a.id == record.id), None)
        if found is None:
            continue
        fresh = record_from_attendee(found, names_by_type)
        if fresh is None:
            return None
        fresh = unlisted(fresh) if archived else fresh
        await asyncio.to_thread(keep, gateway, uri, record, fresh)
        return fresh
    return None


async def confirm_scan(gateway: Gateway, uri: str, record: AttendeeRecord) -> tuple[AttendeeRecord | None, str]:
    """A scan's confirmation (after `may_confirm` said ask), wherever the badge was scanned (the card, an
    activity's door): (Eventtia's record now, "") — or (None, why the verdict comes from the copy) when there was
    no answer within `confirm_wait`, a sign-in is needed, or Eventtia refused or does not hold it."""
    wait = gateway.checks.settings.confirm_wait
    try:
        fresh = await asyncio.wait_for(confirm(gateway, uri, record), wait)
    except TimeoutError:
        return None, f"Eventtia did not answer within {wait:g} s"
    except AuthError:  # the app opens the sign-in screen: the copy meanwhile
        return None, "Eventtia asks to sign in again"
    except ApiError as error:
        return None, f"Eventtia could not be asked ({shown(error.message, 80)})"
    if fresh is None or fresh.id != record.id:
        return None, "Eventtia has no registration with this id under its email"
    return fresh, ""


def keep(gateway: Gateway, uri: str, old: AttendeeRecord, fresh: AttendeeRecord) -> None:
    """Blocking: what Eventtia said of one registration, into the copy (unless a change made here since waits
    to be sent: the runner's mark stays), and when it was checked."""
    index = gateway.index(uri)
    now = index.get(old.id) if index is not None else None
    if now is None or not now.being_cancelled:
        if now != fresh:
            gateway.save_changes(uri, {fresh.id: fresh})
    gateway.checks.registration_checked(uri, fresh.id, gateway.clock())


@dataclass
class CheckReport:
    pages: int = 0
    asked: int = 0  # registrations asked about one by one
    cancelled: int = 0  # found cancelled elsewhere
    listed_again: int = 0  # held as cancelled here, listed as active by Eventtia


async def check_event(gateway: Gateway, uri: str, pace: Schedule,
                      sleep: Callable[[float], Any] | None = None) -> CheckReport | None:
    """One whole-list check (see the module's text), paced at `pace`; None when there is no whole copy to check
    yet. `sleep`: the wait between requests (the budget clock's)."""
    wait = sleep or gateway.client.budget.clock.sleep
    report = CheckReport()
    if not await asyncio.to_thread(gateway.is_complete, uri):
        return None
    began = gateway.clock()
    index = await gateway.attendee_index(uri)
    if index is None:
        return None
    names_by_type = field_names_by_type((await gateway.attendee_types(uri)).value)
    client = gateway.client
    path = f"events/{uri}/attendees"
    asked = client.paging.ask(MAX_PAGE_SIZE)
    served: list[int] = []
    seen: set[str] = set()
    again: dict[str, AttendeeRecord | None] = {}
    while True:
        if served:
            await wait(pace.gap)
        raw = await gateway.call(client.page(path, {}, len(served) + 1, asked))
        report.pages += 1
        served.append(page_shape(raw)[2])
        for fresh in records_from_page(raw, names_by_type):
            seen.add(fresh.id)
            old = index.get(fresh.id)
            if old is not None and old.cancelled and not old.being_cancelled:
                again[fresh.id] = fresh
        if not client.paging.goes_on(asked, served):
            break
    if again:
        report.listed_again = len(again)
        await asyncio.to_thread(gateway.save_changes, uri, again)

    def missing() -> list[AttendeeRecord]:
        return [r for r in index.records.values()
                if not r.cancelled and r.id not in seen and not r.id.startswith("pending-")][:MOST_CONFIRMS + 1]

    unseen = await asyncio.to_thread(missing)
    whole = len(unseen) <= MOST_CONFIRMS  # more: the rest at the next check, which begins at once
    for record in unseen[:MOST_CONFIRMS]:
        await wait(pace.gap)
        report.asked += 1
        if not record.email:
            continue
        answer = await confirm(gateway, uri, record, lambda: wait(pace.gap))
        if answer is None:
            whole = False  # not found by its email: asked again at the next check
        elif answer.cancelled:
            report.cancelled += 1
    if whole:
        await asyncio.to_thread(gateway.checks.event_checked, uri, began)
    return report


async def reconcile_event(gateway: Gateway, uri: str, on_checked: Callable[[CheckReport], None] | None = None) -> None:
    """Keep checking the event's copy against Eventtia while it is open (the event screen's worker): a check when
    the last one is `every` old (or its pages at the budget's pace take longer than that: then back to back)."""
    with background_lane():
        while True:
            settings = gateway.checks.settings
            pace = schedule(gateway.client.budget, settings.share)
            turn = gateway.check_turn  # venue mode: one machine checks for the venue
            if pace is None or (gateway.sync_coordinator is not None and turn is None):
                return
            if turn is not None and (venue_checked := await asyncio.to_thread(turn.checked, uri)) is not None:
                await asyncio.to_thread(gateway.checks.event_checked, uri, venue_checked)
            last = await asyncio.to_thread(gateway.checks.load, uri)
            due = 0.0 if last is None else last + settings.every - gateway.clock()
            if due > 0:
                await asyncio.sleep(min(due, settings.every))
                continue
            if turn is not None:
                # Held for two of the check's periods: it is taken again before each check, and a machine that
                # died mid-check is replaced by then.
                index = await gateway.attendee_index(uri)
                attendees = await asyncio.to_thread(len, index) if index is not None else 0
                hold = 2 * pace.period(attendees, every=settings.every)
                if not await asyncio.to_thread(turn.take, uri, hold):
                    await asyncio.sleep(min(settings.every, RETRY_AFTER_FAILURE))
                    continue
            try:
                report = await check_event(gateway, uri, pace)
            except ApiError:
                await asyncio.sleep(RETRY_AFTER_FAILURE)
                continue
            if report is None:  # no whole copy yet (the first sync is pulling)
                await asyncio.sleep(RETRY_AFTER_FAILURE)
                continue
            if turn is not None and (at := gateway.checks.events.get(uri)) is not None:
                await asyncio.to_thread(turn.done, uri, at)
            if on_checked is not None:
                on_checked(report)
            await asyncio.sleep(pace.gap)  # a check that could not vouch for every registration starts again, paced
