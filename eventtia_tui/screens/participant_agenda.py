"""One participant's B2B agenda: their meetings in time order, with whom, the status and the table."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from eventtia_tui.api.errors import ApiError, Unavailable
from eventtia_tui.api.models import MEETING_STATUSES, Meeting, Participant, Slot
from eventtia_tui.gateway import describe_age

from .agenda_grid import CELL_LOOK, participant_label, participant_name, slot_label
from .base import AppModal
from .footer import AppFooter
from .formatting import one_line, time_range
from .tables import PlainTable


def agenda_rows(participant_id: str, meetings: list[Meeting],
                slots: list[Slot]) -> list[tuple[datetime | None, datetime | None, Meeting]]:
    """The participant's meetings as (start, end, meeting), earliest first; times from the meeting or its slot."""
    by_slot_id = {slot.slot_id: slot for slot in slots if slot.slot_id is not None}
    rows = []
    for meeting in meetings:
        if participant_id not in meeting.participant_ids:
            continue
        slot = by_slot_id.get(meeting.slot_id) if meeting.slot_id is not None else None
        start = meeting.start_date or (slot.start if slot else None)
        end = meeting.end_date or (slot.end if slot else None)
        rows.append((start, end, meeting))
    rows.sort(key=lambda row: (row[0] is None, row[0].timestamp() if row[0] else 0, row[2].id or ""))
    return rows


TITLE_NAME_WIDTH = 60


class ParticipantAgendaScreen(AppModal):
    COMPONENT_CLASSES = {f"agenda--{kind}" for kind in (*CELL_LOOK, "free", "other")}
    BINDINGS = [Binding("escape", "dismiss", "Close", id="close-participant-agenda")]

    def __init__(self, uri: str, conference_id: str, participant: Participant, *, type_name: str = "",
                 names: Mapping[str, str] | None = None, unavailable: Mapping[int, str] | None = None,
                 tz: ZoneInfo | None = None) -> None:
        super().__init__()
        self.uri = uri
        self.conference_id = conference_id
        self.participant = participant
        self.type_name = type_name
        self.names = dict(names or {})  # participant id -> "Company (Contact)"
        self.unavailable = dict(unavailable or {})  # the type's unavailable hours: slot key -> "Tue 24 12:30–13:30"
        self.tz = tz

    def compose(self) -> ComposeResult:
        with Vertical(id="participant-agenda"):
            yield Static(id="participant-agenda-title")
            yield Static("Loading the agenda…", id="participant-agenda-status", classes="status", markup=False)
            yield PlainTable(id="participant-agenda-meetings", cursor_type="row", zebra_stripes=True)
            yield Static(id="participant-agenda-blocked")
        yield AppFooter()

    def on_mount(self) -> None:
        super().on_mount()
        person = self.participant
        title = Text.assemble((one_line(participant_name(person), TITLE_NAME_WIDTH), "bold"))
        if person.profile_contact_name and person.profile_contact_name != participant_name(person):
            title.append(f" · {one_line(person.profile_contact_name, TITLE_NAME_WIDTH)}")
        if self.type_name:
            title.append(f"  {one_line(self.type_name, TITLE_NAME_WIDTH)}", style="cyan")
        self.query_one("#participant-agenda-title", Static).update(title)
        table = self.query_one(DataTable)
        table.add_column("When", key="when")
        table.add_column("Status", key="status")
        table.add_column("With", key="with")
        table.add_column("Where", key="where")
        table.focus()
        self.load()

    def palette_commands(self):
        return [("Close agenda", "Back to the B2B grid (Esc)", self.dismiss)]

    @work(exclusive=True, group="participant-agenda", exit_on_error=False)
    async def load(self) -> None:
        gateway = self.desk.reads
        pid = self.participant.id or ""
        status = self.query_one("#participant-agenda-status", Static)
        note = ""
        try:
            result = await gateway.agenda(self.uri, self.conference_id, pid)
        except ApiError as error:
            # Not fetched before and no network: the synced meeting list still knows this participant's meetings.
            try:
                fallback = await gateway.meetings(self.uri, self.conference_id)
            except ApiError:
                status.update(f"Could not load this participant's agenda: {error.message}")
                return
            meetings, slots, blocked = fallback.value, [], list(self.participant.blocked_slots)
            statuses = MEETING_STATUSES
            note = ("Offline: built from the synced meeting list" if isinstance(error, Unavailable)
                    else f"Built from the synced meeting list ({error.message.rstrip('.')})")
        else:
            agenda = result.value
            meetings, slots, blocked = agenda.meetings, agenda.agenda, list(agenda.blocked_slots)
            statuses = agenda.meeting_statuses
            for other in agenda.participants:
                if other.id and other.id not in self.names:
                    self.names[other.id] = participant_label(other)
            if result.offline:
                note = f"Offline copy from {describe_age(self.desk.clock() - result.fetched_at)}"
        rows = agenda_rows(pid, meetings, slots)
        status_names = {value: name for name, value in statuses.items()}
        table = self.query_one(DataTable)
        table.clear()
        for start, end, meeting in rows:
            name = ((status_names.get(meeting.status) if meeting.status is not None else None) or meeting.status_name
                    or (f"status {meeting.status}" if meeting.status is not None else "—"))
            kind = name if name in CELL_LOOK else "other"
            others = [self.names.get(other, f"#{other}") for other in meeting.participant_ids if other != pid]
            table.add_row(time_range(start, end, self.tz), Text(f" {name} ", style=self.get_component_rich_style(
                f"agenda--{kind}", partial=True)), ", ".join(others) or "—", meeting.location or "—", key=meeting.id)
        count = len(rows)
        summary = f"{count} meeting{'s' if count != 1 else ''}" if count else "No meetings yet."
        status.update(summary + (f" — {note}." if note else ""))
        # The API's blocked slots include the type's unavailable hours: list the participant's own apart.
        by_key = {slot.key: slot for slot in slots}
        own = sorted(set(self.participant.blocked_slots) | (set(blocked) - set(self.unavailable)))
        labels = [slot_label(by_key[key], self.tz) if key in by_key
                  else datetime.fromtimestamp(key, self.tz).strftime("%a %d %H:%M") for key in own]
        hours = list(dict.fromkeys(value for _, value in sorted(self.unavailable.items())))
        text = Text.assemble(("Blocked by the participant: ", "bold"), ", ".join(labels) if labels else "none")
        if hours:
            type_name = one_line(self.type_name, TITLE_NAME_WIDTH) or "this type"
            text.append_text(Text.assemble("\n", (f"Unavailable for {type_name}: ", "bold"),
                                           ", ".join(hours)))
        self.query_one("#participant-agenda-blocked", Static).update(text)
