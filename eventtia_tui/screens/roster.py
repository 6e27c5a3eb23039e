"""One activity's roster: who signed up, filtered locally as you type (accent-insensitive)."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from eventtia_tui.actions import add_activity
from eventtia_tui.api.errors import ApiError
from eventtia_tui.api.models import Attendee, Workshop, field_names_by_type
from eventtia_tui.badge import BY_EMAIL, Badge, BadgeMatch
from eventtia_tui.gateway import Result, confirm_scan, describe_age, may_confirm
from eventtia_tui.store.index import fold
from eventtia_tui.store.ledger import EXITED, Admission
from eventtia_tui.store.records import AttendeeRecord
from eventtia_tui.verdict import (
    CONFIRMING,
    FETCHING,
    NOT_FOUND_HERE,
    UNAVAILABLE,
    PersonFacts,
    Unknown,
    Verdict,
    admits_on_scan,
    already_inside,
    by_email_only,
    left_the_room,
    listed_person,
    not_inside,
    room_full,
    type_prices,
    with_source,
)

from .activity_form import ActivityFormScreen
from .attendee_picker import AttendeePickerScreen
from .attendee_search import AttendeeSearch
from .base import AppScreen, event_place, highlighted_key
from .confirm import ConfirmScreen
from .footer import AppFooter
from .formatting import bar, one_line, plain, time_range
from .messages import AdmissionsArrived, DataChanged
from .tables import PlainTable
from .verdict_banner import VerdictBanner, verdict_cell


class RosterScreen(AppScreen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="roster-back"),
        Binding("ctrl+l", "clear", "Clear filter", id="roster-clear"),
        Binding("ctrl+r", "reload", "Reload", id="roster-reload"),
        Binding("down", "focus_results", "Results", show=False, id="roster-to-results"),
        Binding("ctrl+n", "add_attendee", "Add someone", id="roster-add", priority=True),
        Binding("d", "remove_attendee", "Remove", id="roster-remove"),
        Binding("e", "edit_activity", "Change activity", id="roster-edit-activity"),
        Binding("ctrl+a", "add_scanned", "Add scanned", id="roster-add-scanned", priority=True),
        # The same key lets the last scan in at a supervised door (admit_on = "key"); never both at once.
        Binding("ctrl+a", "admit_scanned", "Admit", id="roster-admit", priority=True),
        # A door that counts both ways (door_exits): scanning in or out. An F key: no text box takes it.
        Binding("f6", "toggle_direction", "In/Out", id="door-direction", priority=True),
    ]

    def __init__(self, uri: str, workshop: Workshop, tz: ZoneInfo | None = None) -> None:
        super().__init__()
        self.uri = uri
        self.workshop = workshop
        self.tz = tz
        self.roster: list[tuple[Attendee, str]] = []  # each attendee with its folded search text
        self.loaded = False
        self.note = ""  # "offline copy…" when the roster came from the cache without the network
        self.scanned_outside: AttendeeRecord | None = None  # the last scan: someone not on the list
        self.to_admit: tuple[str, Verdict, str] | None = None  # the last scan, ON THE LIST with admit_on = "key":
        # (registration id, verdict, badge) until Ctrl+A lets them in
        self.prices: Mapping[str, float | None] | Unknown = FETCHING  # the attendee types' prices, for each person's verdict
        self.names: dict[str, dict[str, str]] = {}  # attendee type id → custom-field id → name
        self.scanning_out = False  # at a door that counts both ways (settings.door_exits): a scan records an exit

    def compose(self) -> ComposeResult:
        yield Static(self.title_text(), id="roster-title", classes="title")
        yield VerdictBanner(id="verdict")
        yield Input(placeholder="Filter by name, email or company…", id="roster-filter")
        yield Static("Loading the roster…", id="roster-status", classes="status", markup=False)
        yield PlainTable(id="roster-table", cursor_type="row", zebra_stripes=True)
        yield AppFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).add_columns("Name", "Verdict", "Company", "Email", "Checked in")  # the verdict fits at 80 columns
        self.query_one(Input).focus()
        self.load()

    def taken(self) -> int:
        return len(self.roster) if self.loaded else (self.workshop.used_seats or 0)

    def title_text(self) -> Text:
        workshop = self.workshop
        when = time_range(workshop.start_date, workshop.end_date, self.tz)
        title = Text.assemble(plain(workshop.name or "Activity", 60, "bold"), "  ·  ", when, "  ·  ",
                              plain(workshop.location or "room tbc", 30), "  ·  ", bar(self.taken(), workshop.capacity, width=10))
        if workshop.capacity is not None and self.taken() >= workshop.capacity:
            title.append("  FULL", style="bold red")
        return title

    @work(exclusive=True, group="roster", exit_on_error=False)
    async def load(self, force: bool = False) -> None:
        gateway = self.desk.reads
        try:
            result = await gateway.roster(self.uri, self.workshop.id or "", on_update=self.update_later, force=force)
        except ApiError as error:
            self.show_error(error.message)
            return
        names = await self.field_names()
        await self.refresh_activity()
        self.show(result, names)

    async def refresh_activity(self) -> None:
        """The activity itself as cached now (changed here with E, or by a sync)."""
        try:
            workshops = (await self.desk.reads.workshops(self.uri)).value
        except ApiError:
            return
        self.workshop = next((w for w in workshops if w.id == self.workshop.id), self.workshop)

    async def field_names(self) -> dict[str, dict[str, str]]:
        """Attendee type id → custom-field id → name, so the roster reads fields by name (cached read)."""
        try:
            types = (await self.desk.reads.attendee_types(self.uri)).value
        except ApiError:
            self.prices = UNAVAILABLE if self.prices is FETCHING else self.prices
            return {}  # the names also come from each attendee's QR text
        self.prices = type_prices(types)
        return field_names_by_type(types)

    def update_later(self, result: Result[list[Attendee]]) -> None:
        self.run_worker(self.refreshed(result), exclusive=True, group="roster-update", exit_on_error=False)

    async def refreshed(self, result: Result[list[Attendee]]) -> None:
        self.show(result, await self.field_names())

    def show_error(self, message: str) -> None:
        status = self.query_one("#roster-status", Static)
        if self.loaded:
            status.update(f"Could not refresh the roster: {message} Showing the last copy.")
        else:
            status.update(f"Could not load the roster: {message} Press Ctrl+R to try again.")

    def show(self, result: Result[list[Attendee]], names: dict[str, dict[str, str]]) -> None:
        if not self.is_attached:
            return
        roster = []
        self.names = names
        for attendee in result.value:
            if attendee.attendee_type_id in names:
                attendee.bind_names(names[attendee.attendee_type_id])
            roster.append((attendee, fold(f"{attendee.full_name} {attendee.email} {attendee.company}")))
        self.roster = sorted(roster, key=lambda item: fold(item[0].full_name))
        self.loaded = True
        self.note = f"offline copy, fetched {describe_age(result.age(self.desk.clock()))}" if result.offline else ""
        self.query_one("#roster-title", Static).update(self.title_text())
        self.refill()

    def matches(self, query: str) -> list[Attendee]:
        needles = fold(query).split()
        return [attendee for attendee, text in self.roster if all(needle in text for needle in needles)]

    def refill(self) -> None:
        table = self.query_one(DataTable)
        query = self.query_one(Input).value
        shown = self.matches(query)
        table.clear()
        facts = self.facts()
        for attendee in shown:
            record = self.person(attendee)
            table.add_row(plain(attendee.full_name or "—", 40),
                          verdict_cell(facts.verdict(record)) if record is not None else Text("—"),
                          plain(attendee.company or "—", 30), plain(attendee.email or "—", 40),
                          Text("✓", style="bold green") if attendee.checked_in else Text(""),
                          key=attendee.id)
        self.query_one("#roster-status", Static).update(self.status_text(query, len(shown)))

    def facts(self) -> PersonFacts:
        return PersonFacts(self.prices, self.tz)

    def person(self, attendee: Attendee) -> AttendeeRecord | None:
        return listed_person(attendee, self.desk.reads.index_if_loaded(self.uri), self.names)

    def status_text(self, query: str, shown: int) -> str:
        capacity = self.workshop.capacity
        if not self.roster:
            text = "Nobody has signed up for this activity yet."
        else:
            taken = len(self.roster)
            of = f"{taken:,} of {capacity:,} seats taken" if capacity is not None else f"{taken:,} signed up (no limit)"
            text = f"{of} · {shown:,} shown"
            if (inside := len(self.inside())) or self.desk.settings.door_exits:  # the ledger's live count at this door
                text += f" · {inside:,} inside" + (f" of {capacity:,}" if capacity is not None else "")
            if query.strip() and not shown:
                text += f" — nobody matches “{one_line(query.strip(), 40)}”. Ctrl+L clears the filter."
        if self.desk.settings.door_exits:
            text = ("SCANNING OUT (F6: in) · " if self.scanning_out else "Scanning in (F6: out) · ") + text
        return f"{text}  ({self.note})" if self.note else text

    @on(Input.Changed, "#roster-filter")
    def filter_changed(self) -> None:
        if self.loaded:
            self.refill()

    @on(Input.Submitted, "#roster-filter")
    def filter_submitted(self) -> None:
        self.action_focus_results()

    @on(DataTable.RowSelected, "#roster-table")
    def row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row: that attendee's card."""
        self.open_card(event.row_key.value)

    def open_card(self, attendee_id: str | None) -> None:
        index = self.desk.reads.index_if_loaded(self.uri)
        record = index.get(attendee_id) if index is not None and attendee_id else None
        if record is None:
            self.notify("This attendee is not in this machine's copy yet; try again after the sync.", severity="warning")
            return
        place = event_place(self.app)
        if place is not None:
            place.query_one(AttendeeSearch).open_record(record)

    def door_check(self, scanned: str, source: str | None = None) -> None:
        """A badge scanned at the activity's door: on the list or not, and whether there is room. A registration
        not checked lately is first confirmed with Eventtia, as on the card (CHECKING…, nobody admitted
        meanwhile); `source` is then where the verdict comes from (None: not asked yet)."""
        badge = Badge.parse(scanned)
        banner = self.query_one(VerdictBanner)
        index = self.desk.reads.index_if_loaded(self.uri)
        named: BadgeMatch[AttendeeRecord] = index.find(badge) if index is not None else BadgeMatch("")
        listed = self.on_list(badge, named)
        self.scanned_outside = self.to_admit = None
        on_list = listed.found[0] if listed else None
        record = named.found[0] if named else None
        person = self.person(on_list) if on_list is not None else record
        own = self.facts().verdict(person) if person is not None else None
        if self.scanning_out:
            self.scan_out(badge, person)
            return
        if source is None and person is not None:
            why = may_confirm(self.desk.reads, self.uri, person)
            if not why:
                banner.show(Verdict(f"{CONFIRMING.words} — {one_line(person.full_name, 40)}", CONFIRMING.level,
                                    CONFIRMING.detail))
                self.confirm_at_door(scanned, person)
                return
            source = self.desk.reads.checks.from_copy(self.uri, person, why)
        if on_list is not None and own is not None and (own.problem or not own.final):
            # the person's own verdict (cancelled, being cancelled, not paid…) comes before the list
            verdict = Verdict(f"{own.words} — {one_line(on_list.full_name, 40)}", own.level, own.detail)
            name = on_list.full_name
        elif on_list is not None:
            name = on_list.full_name
            inside, capacity = len(self.inside()), self.workshop.capacity
            if (admitted := self.inside().get(on_list.id or "")) is not None:
                verdict = already_inside(admitted, name, self.tz)
            elif capacity is not None and inside >= capacity:
                verdict = room_full(name, inside, capacity)
            else:
                verdict = Verdict(f"ON THE LIST — {one_line(name, 40)}", "ok",
                                  f"Registered for {one_line(self.workshop.name or 'this activity', 50)}.")
            if listed.by == BY_EMAIL:
                verdict = by_email_only(verdict, len(listed.found))
        elif record is not None and own is not None:
            capacity = self.workshop.capacity
            left = None if capacity is None else capacity - self.taken()
            if own.problem or not own.final:
                room = f"{own.words}: {own.detail}"
            elif left is not None and left <= 0:
                room = "The activity is full."
            else:
                self.scanned_outside = record if named.by != BY_EMAIL else None
                room = (f"Room: {'no limit' if left is None else f'{left} seat' + ('s' if left != 1 else '') + ' left'}"
                        " — Ctrl+A adds them.")
            verdict = Verdict(f"NOT ON THE LIST — {one_line(record.full_name, 40)}", "problem", room)
            if named.by == BY_EMAIL:
                verdict = by_email_only(verdict, len(named.found))
            name = record.full_name
        else:
            verdict = NOT_FOUND_HERE
            name = ""
        verdict = with_source(verdict, source or "")
        banner.show(verdict)
        self.refresh_bindings()
        self.desk.scan_recorded(badge.text, verdict, name, where=self.place,
                               attendee_id=person.id if person is not None else "")
        if on_list is not None and admits_on_scan(verdict, self.desk.settings.admit_on):
            self.desk.admit(self.uri, on_list.id or "", verdict, badge=badge.text, place=self.place, door=self.door)
            self.show_inside()
        elif on_list is not None and verdict.level == "ok" and self.desk.settings.admit_on == "key":
            self.to_admit = (on_list.id or "", verdict, badge.text)  # a supervised door: Ctrl+A lets them in
            self.refresh_bindings()

    @work(exclusive=True, group="door-confirm", exit_on_error=False)
    async def confirm_at_door(self, scanned: str, person: AttendeeRecord) -> None:
        """One question to Eventtia (the interactive lane), then the door's verdict from its answer (the copy keeps
        it) or from the copy, saying why."""
        fresh, why = await confirm_scan(self.desk.reads, self.uri, person)
        self.door_check(scanned, "Checked with Eventtia just now." if fresh is not None
                        else self.desk.reads.checks.from_copy(self.uri, person, why))

    def action_admit_scanned(self) -> None:
        """A supervised door (admit_on = "key"): the last scan, ON THE LIST, is let in."""
        scanned, self.to_admit = self.to_admit, None
        if scanned is None:
            return
        attendee, verdict, badge = scanned
        if self.desk.admit(self.uri, attendee, verdict, badge=badge, place=self.place, door=self.door) is not None:
            self.notify(f"Admitted at {one_line(self.place, 40)}: {len(self.inside()):,} inside.")
        self.refresh_bindings()
        self.show_inside()

    @property
    def door(self) -> str:
        """The ledger's key of this activity's door (its id)."""
        return self.workshop.id or self.workshop.name or "activity"

    @property
    def place(self) -> str:
        """An activity's door is its own place: the activity, by name."""
        return one_line(self.workshop.name or "activity", 60)

    def inside(self) -> Mapping[str, Admission]:
        """The registrations inside now (the ledger's count at this door: its admissions minus its exits)."""
        return self.desk.ledger.inside(self.uri, self.door)

    def scan_out(self, badge: Badge, person: AttendeeRecord | None) -> None:
        """Scanning out at a door that counts both ways: an exit of someone inside is recorded; else NOT INSIDE."""
        name = person.full_name if person is not None else ""
        if person is None:
            verdict = NOT_FOUND_HERE
        elif person.id not in self.inside():
            verdict = not_inside(name)
        else:
            left = self.desk.admit(self.uri, person.id, Verdict("EXIT", "ok"), badge=badge.text, place=self.place,
                                   kind=EXITED, door=self.door)
            verdict = left_the_room(left, name, len(self.inside()), self.workshop.capacity, self.tz) \
                if left is not None else Verdict(f"EXIT NOT RECORDED — {one_line(name, 40)}", "problem",
                                                 "The ledger can't be written: count them out by hand.")
        self.query_one(VerdictBanner).show(verdict)
        self.refresh_bindings()
        self.desk.scan_recorded(badge.text, verdict, name, where=self.place, attendee_id=person.id if person else "")
        self.show_inside()

    def action_toggle_direction(self) -> None:
        self.scanning_out = not self.scanning_out
        self.to_admit = None
        self.query_one(VerdictBanner).show(None)
        self.show_inside()
        self.notify("Scanning OUT: each scan records an exit." if self.scanning_out else "Scanning in.")

    def show_inside(self) -> None:
        if self.loaded:
            self.query_one("#roster-status", Static).update(self.status_text(self.query_one(Input).value,
                                                                             self.query_one(DataTable).row_count))

    def on_list(self, badge: Badge, named: BadgeMatch[AttendeeRecord]) -> BadgeMatch[Attendee]:
        """The roster entries a badge names: the registrations its QR or code names here, else the roster's own
        judged by the badge (by email only, the verdict says so)."""
        entries = [attendee for attendee, _ in self.roster]
        if named.by_the_badge:
            ids = {record.id for record in named.found}
            return BadgeMatch(named.by, tuple(attendee for attendee in entries if attendee.id in ids))
        return badge.resolve(entries)

    def action_add_scanned(self) -> None:
        record, self.scanned_outside = self.scanned_outside, None
        if record is None:
            return
        self.query_one(VerdictBanner).show(None)
        self.refresh_bindings()
        self.desk.perform(add_activity(self.uri, record.id, record.full_name, self.workshop.id or ""))

    def action_focus_results(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.focus()

    def action_clear(self) -> None:
        field = self.query_one(Input)
        field.value = ""
        field.focus()

    def action_reload(self) -> None:
        self.load(force=True)

    def action_back(self) -> None:
        self.app.pop_screen()

    def on_admissions_arrived(self, message: AdmissionsArrived) -> None:
        if message.uri == self.uri:
            self.show_inside()  # let in (or out) at this door by another machine of the venue

    def on_data_changed(self, message: DataChanged) -> None:
        if message.uri == self.uri:
            self.load()  # the cached roster changed here (an add or remove): show it

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "add_scanned":
            return self.scanned_outside is not None
        if action == "toggle_direction":
            return self.desk.settings.door_exits
        if action == "admit_scanned":
            return self.to_admit is not None
        if action == "remove_attendee":
            return isinstance(self.focused, DataTable) and self.query_one(DataTable).row_count > 0
        return True

    def action_add_attendee(self) -> None:
        index = self.desk.reads.index_if_loaded(self.uri)
        if index is None:
            self.notify("The attendee list is still syncing; try again in a moment.", severity="warning")
            return

        def picked(attendee_id: str | None) -> None:
            record = index.get(attendee_id) if attendee_id else None
            if record is not None and record.cancelled:
                self.notify(f"{one_line(record.full_name, 60)}: {self.facts().verdict(record).words} — they cannot "
                            "take a seat.", severity="error")
            elif record is not None:
                self.desk.perform(add_activity(self.uri, record.id, record.full_name, self.workshop.id or ""))

        self.app.push_screen(AttendeePickerScreen(f"Add someone to {self.workshop.name}", index, self.facts()),
                             picked)

    def action_remove_attendee(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return
        attendee_id = highlighted_key(table)
        if attendee_id is None:
            return
        attendee = next((a for a, _ in self.roster if a.id == attendee_id), None)
        name = attendee.full_name if attendee else attendee_id

        def answered(yes: bool | None) -> None:
            if yes:
                self.desk.undo.hold_removal(self.uri, attendee_id, name, self.workshop.id or "",
                                           self.workshop.name or "")

        question = (f"Remove {one_line(name, 60)} from {one_line(self.workshop.name, 60)}?\n"
                    f"Their seat is freed for someone else. {self.desk.undo.grace()}")
        self.app.push_screen(ConfirmScreen(question, "Remove"), answered)

    def action_edit_activity(self) -> None:
        self.app.push_screen(ActivityFormScreen(self.uri, self.workshop, self.tz))

    def palette_commands(self):
        return [("Add someone", "Add an attendee to this activity (Ctrl+N)", self.action_add_attendee),
                ("Change this activity", "Room, times, seats, name or registration (E)", self.action_edit_activity),
                ("Clear filter", "Show the whole roster (Ctrl+L)", self.action_clear),
                ("Reload roster", "Ask Eventtia for the roster again (Ctrl+R)", self.action_reload),
                ("Back to activities", "Close the roster (Esc)", self.action_back)]
