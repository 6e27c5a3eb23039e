"""The attendee card: every custom field by name, type, status, payment, check-in, QR text, activities.

Keys: C cancels the registration (after a confirmation), A adds an activity, M moves the highlighted
activity to another, D removes it. Kiosk mode shows the card only.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Mapping

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from eventtia_tui.actions import add_activity, move_activity
from eventtia_tui.api.errors import ApiError
from eventtia_tui.api.models import Workshop
from eventtia_tui.badge import BY_CODE, BY_EMAIL, Badge, BadgeMatch
from eventtia_tui.gateway import confirm_scan, may_confirm
from eventtia_tui.store.ledger import READMITTED, Admission
from eventtia_tui.store.records import AttendeeRecord, display_value
from eventtia_tui.verdict import (
    CONFIRMING,
    FETCHING,
    UNAVAILABLE,
    PersonFacts,
    ScanEntry,
    Unknown,
    Verdict,
    admits_on_scan,
    checked_in_time,
    type_prices,
    with_source,
)

from .activity_picker import ActivityPickerScreen
from .base import AppModal, event_zone, highlighted_key
from .confirm import ConfirmScreen
from .footer import AppFooter
from .formatting import one_line, plain, time_range
from .messages import DataChanged
from .tables import PlainTable
from .verdict_banner import VerdictBanner

HIDDEN = {"first_name", "last_name"}
FIELD_WIDTH = 300  # a field's value is shown on at most a few lines, however long it is (never cut in storage)
WRITE_ACTIONS = {"cancel_registration", "add_activity", "move_activity", "remove_activity"}


def overlaps(one: Workshop, other: Workshop) -> bool:
    """Both have times and they share a moment (back-to-back is not a clash)."""
    starts, ends = one.start_date, one.end_date
    other_starts, other_ends = other.start_date, other.end_date
    if starts is None or ends is None or other_starts is None or other_ends is None:
        return False
    return starts < other_ends and other_starts < ends


def newer_registration(index, record: AttendeeRecord) -> AttendeeRecord | None:
    """For a cancelled record: an active registration with the same email (registered again since), if any."""
    email = (record.email or "").strip().casefold()
    if not record.cancelled or not email:
        return None
    for match in index.search(email, limit=20):
        other = match.record
        if other.id != record.id and not other.cancelled and (other.email or "").strip().casefold() == email:
            return other
    return None


class AttendeeCardScreen(AppModal):
    BINDINGS = [
        Binding("escape", "dismiss", "Close", id="close-card"),
        Binding("c", "cancel_registration", "Cancel registration", id="cancel-registration"),
        Binding("a", "add_activity", "Add activity", id="add-activity"),
        Binding("m", "move_activity", "Move", id="move-activity"),
        Binding("d", "remove_activity", "Remove", id="remove-activity"),
        Binding("o", "open_newer", "Open newer registration", id="open-newer-registration"),
        Binding("n", "next_registration", "Next registration", id="next-named-registration"),
        Binding("ctrl+a", "admit", "Admit", id="admit"),
        # One key lets a badge in: Admit (admit_on = "key") on CONFIRMED, a supervisor's re-admission on ALREADY
        # ADMITTED (never both: each action checks its verdict). Ctrl+R stays "fetch again" everywhere (sync, reload).
        Binding("ctrl+a", "readmit", "Re-admit (supervisor)", id="readmit"),
    ]

    def __init__(self, uri: str, record: AttendeeRecord, type_name: str, *, scanned: str | None = None,
                 named: BadgeMatch[AttendeeRecord] | None = None,
                 prices: Mapping[str, float | None] | Unknown = FETCHING) -> None:
        super().__init__()
        self.uri = uri
        self.record = record
        self.type_name = type_name
        self.scanned = scanned  # the badge text, when a scan opened the card
        self.named = named  # the registrations the scanned or typed text named, and how (N steps through them)
        self.prices = prices  # the event's attendee types' prices (what the search had; fetched again here)
        self.scan_entry: ScanEntry | None = None  # this card's scan in the recent scans, until its verdict is final
        self.admitted: dict[str, Admission] = {}  # the ledger's admissions at this event before this card opened
        self.admission: Admission | None = None  # this card's own admission (by the rule, or Ctrl+A)
        self.held_lines: list[Callable[[], None]] = []  # each held write's countdown line, redrawn now by show_held
        self.logged: ScanEntry | None = None  # this card's scan in the recent scans
        self.labels: dict[str, str] = {}
        self.activities: list[Workshop] = []
        self.newer: AttendeeRecord | None = None  # registered again since this (cancelled) record
        self.confirming = False  # a scan's registration being confirmed with Eventtia (gateway/reconcile.py)
        self.source = ""  # where a scan's verdict comes from, when the desk should know (verdict.with_source)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="card"):
            yield VerdictBanner(id="verdict")
            pending = Static("", id="card-pending", markup=False)
            pending.display = False  # shown while a write of this card waits out its undo window
            yield pending
            newer = Static("", id="card-newer", markup=False)
            newer.display = False
            yield newer
            named = Static("", id="card-named", markup=False)
            named.display = False
            yield named
            yield Static(id="card-title")
            yield Static(id="card-fields")
            yield Static("Activities: loading…", id="card-activities-title", markup=False)
            yield PlainTable(id="card-activities", cursor_type="row", show_header=False, cell_width=50)
        yield AppFooter()

    def writable(self) -> bool:
        """A cancelled or not yet confirmed registration can't change (a kiosk's policy refuses the keys)."""
        return not (self.record.cancelled or self.record.id.startswith("pending-"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_newer":
            return self.newer is not None
        if action == "admit":  # the desk's explicit key, with admit_on = "key"
            return self.scanned is not None and self.desk.settings.admit_on == "key" and self.admission is None \
                and self.verdict().words == "CONFIRMED"
        if action == "readmit":
            return self.scanned is not None and self.admission is None and self.record.id in self.admitted
        if action == "next_registration":
            return self.named is not None and len(self.named.found) > 1
        if action in WRITE_ACTIONS:
            if not self.writable():
                return False
            if action in ("move_activity", "remove_activity") and not self.activities:
                return None  # shown, greyed out
        return True

    def on_mount(self) -> None:
        super().on_mount()
        self.admitted = dict(self.desk.ledger.firsts(self.uri))  # as before this scan: its own admission is not
        if self.scanned is not None:  # not checked lately: one question to Eventtia when the budget allows
            checks = self.desk.reads.checks
            why = may_confirm(self.desk.reads, self.uri, self.record)
            self.confirming = not why
            self.source = checks.from_copy(self.uri, self.record, why)
            if self.confirming:
                self.confirm_scan()
        self.render_card()
        if self.scanned is not None:
            verdict = self.verdict()
            entry = self.desk.scan_recorded(self.scanned, verdict, self.record.full_name, attendee_id=self.record.id)
            self.scan_entry = None if verdict.final else entry
            self.logged = entry
            if verdict.final:
                self.admit_by_rule(verdict)
        held = self.desk.undo.held_for(self.record.id)  # opened again (a scan) while its write waits
        if held is not None:
            self.watch_held(held.action_id, "cancellation" if held.kind == "cancel" else "removal")
        self.load_details()

    def verdict(self) -> Verdict:
        """The card's verdict: CHECKING… while a scan's registration is confirmed with Eventtia, then the record's,
        saying where it comes from when the desk should know."""
        if self.confirming:
            return CONFIRMING
        return with_source(self.record_verdict(), self.source)

    def record_verdict(self) -> Verdict:
        named = self.named
        by_email = self.scanned is not None and named is not None and named.by == BY_EMAIL
        admitted = self.admitted
        if self.admission is not None and self.admission.readmitted:  # re-admitted here: that is its state now
            admitted = {**admitted, self.record.id: self.admission}
        return PersonFacts(self.prices, self.tz, admitted).verdict(
            self.record, named_by_email=len(named.found) if by_email and named is not None else 0)

    @work(exclusive=True, group="confirm", exit_on_error=False)
    async def confirm_scan(self) -> None:
        """The scanned registration as Eventtia has it now (one request, the interactive lane): the verdict comes
        from its answer; with no answer within `confirm_wait`, from the copy, saying so."""
        gateway = self.desk.reads
        record = self.record
        fresh, why = await confirm_scan(gateway, self.uri, record)
        if fresh is not None and self.record.id == fresh.id:
            self.record = fresh
            self.source = "Checked with Eventtia just now."
        else:
            self.source = gateway.checks.from_copy(self.uri, record, why)
        self.confirming = False
        self.render_card()
        self.refresh_bindings()

    def admit_by_rule(self, verdict: Verdict) -> None:
        """A scan's final verdict: the admission rule (verdict.admits_on_scan) says whether it lets them in."""
        if self.scanned is not None and admits_on_scan(verdict, self.desk.settings.admit_on):
            self.admission = self.desk.admit(self.uri, self.record.id, verdict, badge=self.scanned)
            self.refresh_bindings()

    def action_admit(self) -> None:
        verdict = self.verdict()
        if self.scanned is None or self.admission is not None or verdict.words != "CONFIRMED":
            return
        self.admission = self.desk.admit(self.uri, self.record.id, verdict, badge=self.scanned)
        if self.admission is not None:
            self.notify(f"Admitted {one_line(self.record.full_name, 40)} at {one_line(self.admission.place, 40)}.")
        self.refresh_bindings()

    def action_readmit(self) -> None:
        """A supervisor lets an already admitted badge in again: recorded as a re-admission, with who and where."""
        first = self.admitted.get(self.record.id)
        if self.scanned is None or self.admission is not None or first is None:
            return
        self.admission = self.desk.admit(self.uri, self.record.id, self.verdict(), badge=self.scanned,
                                         kind=READMITTED, by=f"supervisor at {self.desk.settings.admission_place}")
        if self.admission is not None:
            self.notify(f"Re-admitted {one_line(self.record.full_name, 40)} (recorded as a supervisor's "
                        f"re-admission at {one_line(self.admission.place, 40)}).")
            self.render_card()  # the banner: RE-ADMITTED, no longer ALREADY ADMITTED
            if self.logged is not None:  # and the recent scans (F5) say how it ended
                self.logged = self.desk.scan_settled(self.logged, self.verdict())
        self.refresh_bindings()

    @property
    def tz(self):
        return event_zone(self)  # the event screen's (a card may open over another card)

    def render_card(self) -> None:
        if not self.is_attached or not self.query(VerdictBanner):
            return  # closed before it was drawn (the next scan came 10 ms after this one)
        record = self.record
        verdict = self.verdict()
        self.query_one(VerdictBanner).show(verdict)
        self.show_named()
        if self.scan_entry is not None and verdict.final:  # the scan was recorded while CHECKING…
            self.logged = self.desk.scan_settled(self.scan_entry, verdict)
            self.scan_entry = None
            self.admit_by_rule(verdict)
        title = Text.assemble(plain(record.full_name or "—", 80, "bold"), "  ", plain(self.type_name, 40, "cyan"), "  ",
                              plain(record.status, 20, "dim"))  # Eventtia's word: the banner above is the verdict
        self.query_one("#card-title", Static).update(title)
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim", justify="right")
        table.add_column()
        table.add_row("Paid", PersonFacts(self.prices).payment(record))
        checked_in = checked_in_time(record, self.tz)
        table.add_row("Checked in", "no" if not record.checked_in else
                      f"yes, {checked_in:%a %d %b %H:%M}" if checked_in is not None else "yes")
        for name in list(self.labels) or list(record.fields):
            if name in HIDDEN or name not in record.fields:
                continue
            value = record.fields.get(name)
            table.add_row(plain(self.labels.get(name, name.replace("_", " ").capitalize()), 30),
                          Text(one_line(display_value(value), FIELD_WIDTH) or "—", overflow="fold"))
        table.add_row("UUID", plain(record.uuid or "—", 60))
        table.add_row("QR", Text(one_line(record.qr_code or "—", 2000), overflow="fold"))
        self.query_one("#card-fields", Static).update(table)

    @work(exclusive=True, group="card", exit_on_error=False)
    async def load_details(self) -> None:
        gateway = self.desk.reads
        index = await gateway.attendee_index(self.uri)
        latest = index.get(self.record.id) if index is not None else None
        if latest is not None:
            self.record = latest
        self.newer = await asyncio.to_thread(newer_registration, index, self.record) if index is not None else None
        self.show_newer()
        try:
            types = (await gateway.attendee_types(self.uri)).value
        except ApiError:
            types = None
        for attendee_type in types or []:
            if attendee_type.id == self.record.type_id:
                self.labels = {f.name: f.label for f in attendee_type.custom_fields if f.name}
                self.type_name = attendee_type.name or self.type_name  # N may have stepped to another type
        self.prices = type_prices(types) if types is not None else UNAVAILABLE if self.prices is FETCHING else self.prices
        self.render_card()
        title = self.query_one("#card-activities-title", Static)
        if self.record.id.startswith("pending-"):
            title.update("Activities: available once the registration reaches Eventtia.")
            return
        try:
            result = await gateway.attendee_workshops(self.uri, self.record.id)
        except ApiError as error:
            title.update(f"Activities: not available offline ({error.message})")
            return
        self.activities = await self.as_listed(result.value)
        table = self.query_one("#card-activities", DataTable)
        table.clear(columns=not table.columns)
        if not table.columns:
            table.add_columns("When", "Activity", "Room")
        for workshop in self.activities:
            table.add_row(time_range(workshop.start_date, workshop.end_date, self.tz), plain(workshop.name or "—", 50),
                          plain(workshop.location or "—", 30), key=workshop.id)
        changes = self.desk.allows(self, "add_activity") and not self.record.cancelled
        keys = "  (A add · M move · D remove)" if changes else ""
        suffix = " — offline copy" if result.offline else ""
        title.update(f"Activities{suffix}: {len(self.activities) or 'none'}{keys}")
        self.refresh_bindings()

    def show_newer(self) -> None:
        line = self.query_one("#card-newer", Static)
        newer = self.newer
        if newer is not None:
            code = Badge.parse(newer.qr_code).code or newer.uuid  # the code printed on the badge, not always the uuid
            line.update(f"Registered again since: {one_line(newer.full_name, 50)}, "
                        f"{PersonFacts(self.prices, self.tz).verdict(newer).words}, badge "
                        f"{one_line(code or 'not printed yet', 20)} — O opens it. This badge stays cancelled.")
        line.display = newer is not None
        self.refresh_bindings()

    def show_named(self) -> None:
        """How the scanned or typed text found this registration, when the desk must know: by email only, by
        the badge's code while its printed details differ, or several registrations (N steps through them)."""
        line = self.query_one("#card-named", Static)
        named, scanned = self.named, Badge.parse(self.scanned) if self.scanned else None
        count = len(named.found) if named is not None else 0
        text = ""
        if named is not None and named.by == BY_EMAIL and scanned is not None:
            text = f"Matched by email, not by badge: {count} registration{'s' if count != 1 else ''} with this email"
        elif named is not None and named.by == BY_EMAIL and count > 1:
            text = f"{count} registrations with this email"
        elif named is not None and count > 1:
            text = f"{count} registrations carry this badge"
        elif named is not None and named.by == BY_CODE and scanned is not None and scanned.is_qr:
            text = ("Found by the badge's code: what is printed on it differs from this registration "
                    "(changed since the badge was printed).")
        if named is not None and count > 1:
            rows = [f"{'▶' if r.id == self.record.id else ' '} {one_line(r.full_name or '—', 40)} · "
                    f"{PersonFacts(self.prices, self.tz).verdict(r).words} · {one_line(r.email or '—', 40)} · badge "
                    f"{one_line(Badge.parse(r.qr_code).code or r.uuid or '—', 20)}" for r in named.found]
            text = "\n".join([f"{text} — N shows the next:", *rows])
        line.update(text)
        line.display = bool(text)

    def action_next_registration(self) -> None:
        """The next registration the scanned or typed text named (by email: a family, a re-registration)."""
        if self.named is None or len(self.named.found) < 2:
            return
        ids = [r.id for r in self.named.found]
        position = ids.index(self.record.id) if self.record.id in ids else -1
        self.record = self.named.found[(position + 1) % len(ids)]
        self.source = ""  # what was said of the scanned registration's source is not this one's
        self.newer, self.activities = None, []
        self.query_one("#card-activities", DataTable).clear()
        self.render_card()
        self.refresh_bindings()
        self.load_details()

    def action_open_newer(self) -> None:
        if self.newer is not None:
            self.app.push_screen(AttendeeCardScreen(self.uri, self.newer, self.type_name, prices=self.prices))

    async def as_listed(self, activities: list[Workshop]) -> list[Workshop]:
        """Each activity as the event's activity list has it: a room or time changed here shows at once."""
        try:
            listed = {w.id: w for w in (await self.desk.reads.workshops(self.uri)).value}
        except ApiError:
            return activities
        return [listed.get(w.id, w) for w in activities]

    def on_data_changed(self, message: DataChanged) -> None:
        if message.uri == self.uri:
            self.load_details()

    def current_ids(self) -> list[str]:
        return [w.id for w in self.activities if w.id]

    def highlighted(self) -> str | None:
        return highlighted_key(self.query_one("#card-activities", DataTable))

    def action_cancel_registration(self) -> None:
        if not self.writable():
            return
        question = (f"Cancel the registration of {one_line(self.record.full_name, 60)} ({one_line(self.type_name, 30)})?\n"
                    f"Their seats in activities are freed. {self.desk.undo.grace()}")

        def answered(yes: bool | None) -> None:
            if yes:
                self.cancel_registration()

        self.app.push_screen(ConfirmScreen(question, "Cancel registration"), answered)

    def cancel_registration(self) -> None:
        action = self.desk.undo.hold_cancel(self.uri, self.record, self.type_name,
                                           on_held=lambda: self.watch_held(action.action_id, "cancellation"))

    def watch_held(self, action_id: str, what: str) -> None:
        """While the write waits out its undo window, the card counts down; then says it is being sent.
        (The runner sends it when the window ends, whatever becomes of this card.)"""
        found = self.query("#card-pending").results(Static)
        pending = next(found, None)
        if pending is None:
            return  # closed, being taken down

        def tick() -> None:
            left = self.desk.undo.seconds_left(action_id)
            text = ""
            if left is not None:
                text = f"{what.capitalize()} in {math.ceil(left)} s — Ctrl+Z to keep"
            elif self.desk.runner and action_id in self.desk.runner.pending:
                text = f"Sending the {what} to Eventtia…"
            else:
                timer.stop()
            pending.update(text)
            pending.display = bool(text)

        timer = self.set_interval(0.5, tick)
        self.held_lines.append(tick)
        tick()

    def show_held(self) -> None:
        """The countdown lines as they stand now (after Ctrl+Z: not at their next tick)."""
        for tick in self.held_lines:
            tick()

    def pick_activity_then(self, verb: str, make_action, leaving: str | None = None) -> None:
        """Open the activity picker; the picked activity goes into the action `make_action` builds."""
        def picked(workshop_id: str | None) -> None:
            if workshop_id:
                self.unless_it_clashes(workshop_id, make_action(workshop_id), leaving)

        self.app.push_screen(ActivityPickerScreen(self.uri, f"{verb} {self.record.full_name} to…",
                                                  set(self.current_ids()), self.tz), picked)

    @work(group="card-clash", exit_on_error=False)
    async def unless_it_clashes(self, workshop_id: str, action, leaving: str | None) -> None:
        """Perform the add or move, but first ask when the new activity overlaps another of the person's."""
        try:
            workshops = {w.id: w for w in (await self.desk.reads.workshops(self.uri)).value}
        except ApiError:
            workshops = {}
        new = workshops.get(workshop_id)
        clashes = [w for w in self.activities if new is not None and w.id not in (workshop_id, leaving)
                   and overlaps(w, new)]
        if new is None or not clashes:
            self.desk.perform(action)
            return
        names = "; ".join(f"{one_line(w.name, 40)} ({time_range(w.start_date, w.end_date, self.tz)})" for w in clashes)
        question = (f"{one_line(new.name, 40)} ({time_range(new.start_date, new.end_date, self.tz)}) overlaps "
                    f"{names}, which {one_line(self.record.full_name, 40)} already has.\nBook it anyway?")

        def answered(yes: bool | None) -> None:
            if yes:
                self.desk.perform(action)

        self.app.push_screen(ConfirmScreen(question, "Book anyway"), answered)

    def action_add_activity(self) -> None:
        if not self.writable():
            return
        self.pick_activity_then("Add", lambda workshop_id: add_activity(
            self.uri, self.record.id, self.record.full_name, workshop_id, self.current_ids()))

    def action_move_activity(self) -> None:
        old = self.highlighted()
        if not self.writable() or old is None:
            return
        self.pick_activity_then("Move", lambda workshop_id: move_activity(
            self.uri, self.record.id, self.record.full_name, old, workshop_id, self.current_ids()), leaving=old)

    def action_remove_activity(self) -> None:
        workshop_id = self.highlighted()
        if not self.writable() or not workshop_id:
            return
        workshop = next((w for w in self.activities if w.id == workshop_id), None)
        question = (f"Remove {one_line(self.record.full_name, 60)} from "
                    f"{one_line(workshop.name if workshop else workshop_id, 60)}?\n"
                    f"Their seat is freed for someone else. {self.desk.undo.grace()}")

        def answered(yes: bool | None) -> None:
            if yes:
                action = self.desk.undo.hold_removal(
                    self.uri, self.record.id, self.record.full_name, workshop_id,
                    (workshop.name or "") if workshop else workshop_id, self.current_ids(),
                    on_held=lambda: self.watch_held(action.action_id, "removal"))

        self.app.push_screen(ConfirmScreen(question, "Remove"), answered)
