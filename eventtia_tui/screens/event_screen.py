"""One event: tabs for attendees (F1), activities (F2), the B2B agenda (F3) and tickets (F4).

Opening it starts (or refreshes) the event's sync in a worker; the header line shows the connection,
the sync progress and how old the cached data is.
"""

from __future__ import annotations

import asyncio
import logging
import time
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.widget import Widget
from textual.widgets import Input, ProgressBar, Static, TabbedContent, TabPane, Tabs
from textual.worker import Worker

from eventtia_tui.api.errors import ApiError, AuthError
from eventtia_tui.api.models import Event
from eventtia_tui.badge import Badge, looks_like_badge
from eventtia_tui.gateway import CheckReport, SyncProgress, describe_age, describe_duration, reconcile_event, sync_event

from .activities import ActivitiesPane
from .agenda import AgendaPane
from .attendee_search import AttendeeSearch
from .base import AppModal, EventPane, EventPlace
from .event_picker import EventPickerScreen
from .footer import AppFooter
from .formatting import clock_time, one_line, zone
from .keymap import key_label
from .messages import AttendeesShown, ConnectionChanged, DataChanged
from .outbox import OutboxScreen, waiting_to_send
from .palette import later
from .roster import RosterScreen
from .scan_log import ScanLogScreen
from .tickets import TicketsPane

log = logging.getLogger(__name__)
TABS = {"attendees": "f1", "activities": "f2", "b2b": "f3", "tickets": "f4"}
RESYNC_SECONDS = 60
PROGRESS_EVERY = 0.25  # seconds between two drawings of a sync's progress (a new stage is drawn at once)
LOW_BUDGET = 0.2  # show the requests left this minute below this share of the limit
START_AT_LATEST = 1.0  # seconds after the screen opened: what waits for the search's first answer starts anyway


def checks_ended(task: asyncio.Task[None]) -> None:
    """The whole-list checks stopped: cancelled with the screen, or (logged) by a fault of their own."""
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("the whole-list checks stopped", exc_info=error)


def fitted(parts: list[tuple[str, str]], width: int) -> Text:
    """The header's parts, most important first, each whole or not at all: at 80 columns "synced 11" is not
    shown for "synced 11 s ago"; a "…" says there is more (0 width: not laid out yet, all of them)."""
    header = Text()
    for position, (words, style) in enumerate(parts):
        part = Text.assemble("  ·  " if position else "", (words, style))
        if width and header.cell_len + part.cell_len > width:
            if header.cell_len + 4 <= width:
                header.append("  …", "dim")
            break
        header.append_text(part)
    return header


class PutOff(Widget):
    """A hidden tab's pane, mounted when the event screen says (`mount_pane`): its widgets, their styles and
    the reads they start are not in the way of the attendee search's first answer."""

    DEFAULT_CSS = "PutOff { display: none; }"

    def __init__(self, pane: Widget) -> None:
        super().__init__()
        self.pane = pane

    def mount_pane(self) -> None:
        if isinstance(self.parent, Widget):
            self.parent.mount(self.pane, after=self)
            self.remove()


class EventScreen(EventPlace):
    BINDINGS = [
        Binding("f1", "show_tab('attendees')", "Attendees", id="tab-attendees", show=False),
        Binding("f2", "show_tab('activities')", "Activities", id="tab-activities", show=False),
        Binding("f3", "show_tab('b2b')", "B2B agenda", id="tab-b2b", show=False),
        Binding("f4", "show_tab('tickets')", "Tickets", id="tab-tickets", show=False),
        Binding("ctrl+r", "sync", "Sync now", id="sync"),
        Binding("ctrl+o", "outbox", "Outbox", id="outbox"),
        Binding("f5", "scan_log", "Scans", id="scan-log"),
        Binding("escape", "leave", "Events", id="leave-event"),
    ]
    LEAVE_GRACE = 1.0  # an Esc this soon after a card closed was meant for the card, not for leaving

    def __init__(self, uri: str, name: str) -> None:
        super().__init__()
        self.uri = uri
        self.event_name = name
        self.event: Event | None = None
        self.tz: ZoneInfo | None = None
        self.sync_text = ""
        self.synced_at: float | None = None
        self.sync_worker: Worker | None = None
        self.resumed_at = 0.0
        self.covered = False
        self.reconciling: asyncio.Task[None] | None = None  # the whole-list checks (gateway/reconcile.py)
        self.started_the_rest = False  # start_the_rest has run
        self.scan_return: tuple[str, Widget | None] | None = None  # the tab and focus a scan's card goes back to

    def compose(self) -> ComposeResult:
        yield Static(id="event-header")
        yield Static(id="offline-banner")
        yield ProgressBar(id="sync-progress", show_eta=False)
        keymap = self.desk.settings.keymap
        with TabbedContent(initial="attendees", id="event-tabs"):
            with TabPane(f"{key_label(self.app, keymap, 'tab-attendees', 'f1')} Attendees", id="attendees"):
                yield AttendeeSearch(self.uri)
            # A tab a kiosk may not open is not built at all (nor its data loaded).
            if self.desk.allows(self, "show_tab", ("activities",)):
                with TabPane(f"{key_label(self.app, keymap, 'tab-activities', 'f2')} Activities", id="activities"):
                    yield PutOff(ActivitiesPane(self.uri))
            if self.desk.allows(self, "show_tab", ("b2b",)):
                with TabPane(f"{key_label(self.app, keymap, 'tab-b2b', 'f3')} B2B agenda", id="b2b"):
                    yield PutOff(AgendaPane(self.uri))
            if self.desk.allows(self, "show_tab", ("tickets",)):
                with TabPane(f"{key_label(self.app, keymap, 'tab-tickets', 'f4')} Tickets", id="tickets"):
                    yield PutOff(TicketsPane(self.uri))
        yield AppFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#sync-progress", ProgressBar).display = False
        self.refresh_header()
        self.set_interval(1.0, self.refresh_header)
        self.set_interval(RESYNC_SECONDS, self.action_sync)  # other desks' changes arrive without a key press
        self.load_event()
        # Start-up → searchable is what a desk waits for: the other tabs, the sync and the checks start once the
        # search has drawn its first answer (AttendeesShown), or START_AT_LATEST after the screen opened.
        self.set_timer(START_AT_LATEST, self.start_the_rest)

    def on_attendees_shown(self, message: AttendeesShown) -> None:
        message.stop()
        self.start_the_rest()

    def start_the_rest(self) -> None:
        """Once: the hidden tabs' panes, the on-open sync and the whole-list checks."""
        if self.started_the_rest:
            return
        self.started_the_rest = True
        for put_off in list(self.query(PutOff)):
            put_off.mount_pane()
        self.action_sync()
        # Cancellations made elsewhere that no sync sees: the whole list checked at a share of the budget, for as
        # long as the event is open (a task, not a worker: nothing waits for it to end).
        self.reconciling = asyncio.get_running_loop().create_task(
            reconcile_event(self.desk.reads, self.uri, self.checked))
        self.reconciling.add_done_callback(checks_ended)

    def on_unmount(self) -> None:
        if self.reconciling is not None:
            self.reconciling.cancel()

    def checked(self, report: CheckReport) -> None:
        """A whole-list check ended: what it found changed is shown, and the header's age starts again."""
        if report.cancelled or report.listed_again:
            found = [f"{n} cancelled" for n in (report.cancelled,) if n] + \
                    [f"{n} active again" for n in (report.listed_again,) if n]
            self.notify(f"Checked against Eventtia: {', '.join(found)} (changed elsewhere, unseen by the syncs).")
            for pane in self.query(".event-pane"):
                if isinstance(pane, EventPane):
                    pane.data_changed()
        self.refresh_header()

    def palette_commands(self):
        def show(tab: str):
            # After the palette has closed and focus is back, or the restored focus would switch tabs again.
            return later(self, self, f"show_tab({tab!r})")

        commands = [("Attendees", "Search attendees (F1)", show("attendees")),
                    ("Sync now", "Pull what changed on Eventtia", self.action_sync),
                    ("Activities", "Activity rooms and rosters (F2)", show("activities")),
                    ("B2B agenda", "Matchmaking slots and meetings (F3)", show("b2b")),
                    ("Tickets", "Ticket stats per attendee type (F4)", show("tickets")),
                    ("Back to events", "Leave this event (Esc)", self.action_leave)]
        commands.append(("Outbox", "Changes saved while offline (Ctrl+O)", self.action_outbox))
        commands.append(("Recent scans", "The badges scanned here and their verdicts (F5)", self.action_scan_log))
        pane = self.active_pane()
        return commands + (pane.palette_commands() if isinstance(pane, EventPane) else [])

    def active_pane(self):
        """The pane of the tab in front; None while the screen is still being built (an app-wide key's check
        can ask then: another screen's footer computes its keys as this one is pushed)."""
        tabs = next(iter(self.query(TabbedContent)), None)
        pane = tabs.get_pane(tabs.active) if tabs is not None and tabs.active else None
        return pane.children[0] if pane is not None and pane.children else None

    @work(exclusive=True, group="event", exit_on_error=False)
    async def load_event(self) -> None:
        try:
            result = await self.desk.reads.event(self.uri)
        except AuthError:  # the sign-in screen is up: loaded once signed in
            self.desk.when_signed_in(self.load_event)
            return
        except ApiError as error:
            self.notify(f"Could not load the event: {error.message}", severity="error")
            return
        self.event = result.value
        self.event_name = self.event.name or self.uri
        self.tz = zone(self.event.timezone)
        self.refresh_header()

    def action_sync(self) -> None:
        # A sync of a big event can outlast the resync interval: let it finish rather than restart it.
        if self.sync_worker is not None and self.sync_worker.is_running:
            return
        self.desk.renew_before_sync()  # a token ending soon: sign in again before a sync it would cut off
        self.sync_worker = self.run_sync()

    @work(exclusive=True, group="sync", exit_on_error=False)
    async def run_sync(self) -> None:
        progress_bar = self.query_one("#sync-progress", ProgressBar)
        progress_bar.display = True
        self.sync_text = "syncing…"
        self.refresh_header()

        search = self.query_one(AttendeeSearch)
        shown_at = drawn_at = 0.0
        last_stage = ""

        def on_progress(progress: SyncProgress) -> None:
            nonlocal shown_at, drawn_at, last_stage
            # A page can land every few milliseconds: the header and the bar are drawn a few times a second.
            if progress.stage == last_stage and time.monotonic() - drawn_at < PROGRESS_EVERY:
                return
            drawn_at, last_stage = time.monotonic(), progress.stage
            now = self.desk.clock()
            text = f"syncing {progress.stage}"
            if progress.stage == "attendees":
                text += f" {progress.done:,} of {progress.total:,}"
                if progress.seconds_left is not None and progress.done < progress.total:
                    text += f", {describe_duration(progress.seconds_left)} left"
                # A first sync fills the search as it goes: show what arrived, twice a second at most.
                if progress.done and now - shown_at >= 0.5:
                    shown_at = now
                    search.data_changed()
            self.sync_text = text
            progress_bar.update(total=max(progress.total, 1), progress=progress.done)
            self.refresh_header()

        try:
            report = await sync_event(self.desk.reads, self.uri, on_progress=on_progress)
        except AuthError:  # the sign-in screen is up: synced again once signed in
            self.sync_text = "sync waits for sign-in"
            self.desk.when_signed_in(self.action_sync)
        except ApiError as error:
            self.sync_text = "sync failed"
            severity: SeverityLevel = "warning" if self.desk.reads.connection.online is False else "error"
            self.notify(f"Sync failed: {error.message} Showing the cached copy.", severity=severity)
        else:
            self.sync_text = ""
            if report.changed and report.mode == "incremental":
                self.notify(f"{report.changed} attendee{'s' if report.changed != 1 else ''} changed on Eventtia.")
        finally:
            progress_bar.display = False
        self.synced_at = await asyncio.to_thread(self.desk.reads.synced_at, self.uri)
        self.refresh_header()
        for pane in self.query(".event-pane"):
            if isinstance(pane, EventPane):
                pane.data_changed()

    def refresh_header(self) -> None:
        gateway = self.desk.gateway
        online = gateway.connection.online if gateway is not None else None
        state = {True: ("● online", "green"), False: ("● offline", "bold red"), None: ("● connecting", "dim")}[online]
        parts: list[tuple[str, str]] = [(one_line(self.event_name, 60), "bold"), state]
        if self.desk.kiosk is not None:
            parts.append((" KIOSK ", "reverse"))
        venue = self.desk.venue
        if venue is not None and not venue.up:  # venue mode: working on this machine's own copy meanwhile
            parts.append((f"venue link down: {venue.down_because}", "bold red"))
        if venue is not None and (refused := venue.refused):  # forged or broken entries, set aside
            parts.append((f"⚠ {refused}", "bold yellow"))
        # Before the rest: at 80 columns the header is cut, and what the desk has not sent matters most.
        if self.desk.runner is not None and (waiting := waiting_to_send(self.desk.runner.not_on_eventtia())):
            parts.append((waiting, "bold yellow"))
        if gateway is not None and (held_back := gateway.held_back()):
            parts.append((held_back, "bold yellow"))
        if self.sync_text:  # one part: shown whole or not at all, so the wait is never dropped from its sync
            waiting = self.budget_wait()
            parts.append((f"{self.sync_text}; API limit: next request in {waiting}" if waiting else self.sync_text,
                          "yellow"))
        budget = self.desk.budget
        if budget.enabled and (left := budget.remaining()) < (allowance := budget.allowance) * LOW_BUDGET:
            whose = "" if allowance == budget.per_minute else " (this machine's share)"
            parts.append((f"⚠ {left} of {allowance} requests left this minute{whose}", "bold yellow"))
        if self.synced_at is not None:
            parts.append((f"synced {describe_age(self.desk.clock() - self.synced_at)}", ""))
        # The whole list's last check (gateway/reconcile.py), once it says more than the sync's age does.
        checks = gateway.checks if gateway is not None else None
        checked = checks.checked_at(self.uri) if checks is not None else None
        if checks is not None and checked is not None and (self.synced_at is None or checked < self.synced_at - 60):
            parts.append((checks.age(self.uri), ""))
        line = self.query_one("#event-header", Static)
        header = fitted(parts, line.content_size.width)
        # One line high (app.tcss): new text needs a repaint of that line, not a layout of the whole screen
        # (this runs every second and on every sync page, and a layout costs a keystroke's frame).
        line.update(header, layout=False)
        banner = self.query_one("#offline-banner", Static)
        banner.display = online is False
        if online is False:
            since = f" from {clock_time(self.synced_at, self.tz)}" if self.synced_at else ""
            banner.update(f"Offline — showing data{since}. Searching still works; "
                          "press Ctrl+R to retry when the network is back.")

    def budget_wait(self) -> str:
        """'23 s' while the sync waits on the request budget (so a pause does not look like a hang)."""
        budget = self.desk.budget
        if not budget.waiting["background"] or budget.next_slot_at is None:
            return ""
        seconds = budget.next_slot_at - budget.clock.now()
        return f"{seconds:.0f} s" if seconds >= 1.5 else ""

    def on_data_changed(self, message: DataChanged) -> None:
        if message.uri == self.uri:
            self.refresh_header()
            self.refresh_bindings()
            for pane in self.query(".event-pane"):
                if isinstance(pane, EventPane):
                    pane.data_changed()

    def action_outbox(self) -> None:
        self.app.push_screen(OutboxScreen())

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        self.refresh_header()
        if message.connection.online:
            self.action_sync()

    def action_show_tab(self, tab: str) -> None:
        if tab not in TABS or not self.query(f"TabPane#{tab}"):
            return
        if tab != "attendees" and not self.started_the_rest:  # asked for before the search's first answer
            self.start_the_rest()
            self.call_after_refresh(self.action_show_tab, tab)  # once its pane is mounted
            return
        tabs = self.query_one(TabbedContent)
        tabs.active = tab
        # Focus follows the tab: TabbedContent would otherwise switch back to the focused widget's pane.
        focusable = [w for w in tabs.get_pane(tab).query("*") if w.focusable]
        (focusable[0] if focusable else tabs.query_one("Tabs")).focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """A click on a tab took the focus to the tab bar: it goes into the pane (the search box on Attendees),
        so the next letters are typed there, never dropped nor run as commands."""
        if isinstance(self.focused, Tabs) and event.pane.id in TABS:
            self.action_show_tab(event.pane.id)

    def on_screen_suspend(self) -> None:
        self.covered = True

    def on_screen_resume(self) -> None:
        if self.covered:  # a card or a dialog over it just closed (not the first showing)
            self.resumed_at = time.monotonic()
        if self.scan_return is not None and self.app.screen is self:  # a scan's card closed: back where it was
            (tab, focused), self.scan_return = self.scan_return, None
            self.action_show_tab(tab)
            if focused is not None and focused.is_attached and focused.screen is self:
                focused.focus()
        # Back from a card: the next name typed replaces the last search instead of joining it.
        self.call_after_refresh(self.query_one(AttendeeSearch).ready_for_typing)

    def esc_meant_for_a_card(self) -> bool:
        """An Esc this soon after a card or dialog closed was meant for it (Esc Esc never leaves the event)."""
        closed_at = max(self.resumed_at, self.desk.modal_closed_at)
        return time.monotonic() - closed_at < self.LEAVE_GRACE

    def action_leave(self) -> None:
        """Esc: first empties the search box; leaves the event only when pressed on purpose."""
        if self.esc_meant_for_a_card():
            return
        search = self.query_one(AttendeeSearch)
        if self.query_one(TabbedContent).active == "attendees" and search.query_text():
            search.action_clear()
            return
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
            return
        self.app.switch_screen(EventPickerScreen(select=self.uri))  # opened with --event: the picker, not a blank screen

    def action_scan_log(self) -> None:
        self.app.push_screen(ScanLogScreen())

    def is_scan(self, text: str, box: Input | None = None, scanner: bool = False) -> bool:
        """Whether a burst typed into `box` and ended by Enter was a badge scan, not a person typing fast.

        A badge-shaped string, or keys only a scanner types that fast, always are. Otherwise, in the search
        box an exact match or an email counts; in other boxes (a form, a filter) only an exact badge match
        does, so a walk-in's email typed fast over a laggy link stays typed.
        """
        if scanner or looks_like_badge(text):
            return True
        if box is not None and box.id != "attendee-query" and "@" in text:
            return False
        index = self.desk.gateway.index_if_loaded(self.uri) if self.desk.gateway else None
        return (index is not None and index.exact(text) is not None) or (
            box is not None and box.id == "attendee-query" and bool(Badge.parse(text).email))

    def names_badge(self, text: str) -> bool:
        """Whether this machine's copy has the registration a scan names by its QR or its code (not only by email)."""
        index = self.desk.gateway.index_if_loaded(self.uri) if self.desk.gateway else None
        return index is not None and index.find(Badge.parse(text)).by_the_badge

    def take_scan(self, text: str, scanner: bool = False) -> None:
        """A badge scan from anywhere on this event's screens: the roster's door check, or the lookup.
        `scanner`: the keys came as only a scanner types them, so text that names nobody is NOT FOUND
        (not a search)."""
        top = self.close_overlays()
        if isinstance(top, RosterScreen):
            top.door_check(text)
            return
        tab = self.query_one(TabbedContent).active
        if top is self and tab != "attendees" and self.scan_return is None:
            self.scan_return = (tab, self.app.focused)
        self.action_show_tab("attendees")
        self.query_one(AttendeeSearch).scan(text, scanner)

    def close_overlays(self):
        """Close what is open over this screen, down to a roster (door mode) or a form holding typed work."""
        stack = self.app.screen_stack
        while stack[-1] is not self:
            top = stack[-1]
            if isinstance(top, RosterScreen) or (isinstance(top, AppModal) and top.holds_work()):
                return top
            self.app.pop_screen()
            stack = self.app.screen_stack
        return self
