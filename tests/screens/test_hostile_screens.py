"""Data is data on screen: hostile strings from Eventtia, the operator or a server error are shown as text.

A fixed corpus (markup, controls, C1, a lone surrogate, 10,000 characters, RTL, emoji with joiners, line
breaks) is written into the sandbox's SQLite and travels to the screens over real HTTP; a lone surrogate is
put in the JSON answers on the way (SQLite cannot hold one), as a server's `\\ud800` escape would bring it.
Every screen of the event is opened on it with Pilot. Below, hypothesis checks the display helpers the
screens use on arbitrary strings.
"""

from __future__ import annotations

import io
import json
import unicodedata

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import get_character_cell_size
from rich.console import Console
from rich.text import Text
from textual.content import Content
from textual.fuzzy import Matcher
from textual.widgets import DataTable
from textual.widgets._toast import Toast

from eventtia_tui.actions import UnavailableHourAction
from eventtia_tui.api.client import EventtiaClient
from eventtia_tui.api.tokens import TokenStore
from eventtia_tui.app import EventtiaApp
from eventtia_tui.screens.activity_picker import ActivityPickerScreen
from eventtia_tui.screens.attendee_picker import AttendeePickerScreen
from eventtia_tui.screens.formatting import CELL_WIDTH, LINE_BREAK, clip, one_line, plain, table_cell
from eventtia_tui.screens.login import LoginScreen
from eventtia_tui.screens.outbox import OutboxScreen
from eventtia_tui.screens.palette import ScreenCommands
from eventtia_tui.screens.results_list import ResultsList, shown_cell
from eventtia_tui.session import Session, Settings
from eventtia_tui.text import JOINERS, MARKS_PER_CHARACTER
from tests.demo_expo import BASE_URL
from tests.screens.pilot import SIZE, open_demo_expo, settle

pytestmark = pytest.mark.hostile

URI = "demo-expo"
EVENT_ID = 1001
SURROGATE_TOKEN = "SURROGATE-HERE"  # replaced by a JSON `\ud800` escape in the sandbox's answers

HOSTILE = {  # the first five reach every list (the demo event has five attendee types)
    "close": "Ana [/] Close",
    "open": "Bea [/ Open",
    "click": "[@click=app.quit]Quit Corp[/]",
    "huge": "W" * 10_000,
    "surrogate": f"Lone {SURROGATE_TOKEN} half",
    "bold": "[b]Bold[/b] Ltd",
    "field": "attendee[email] is invalid",
    "variable": "$accent [$x] {name}",
    "lines": "First line\nSecond\r\nThird\tTab",
    "controls": "Ctl\x07\x1b[2J\x9b31m\x85End",
    "rtl": "مرحبا \u202eevil\u202c شركة",
    "emoji": "👩‍👩‍👧‍👦 Family",
}
# What must be on screen, literally, for each (markup shown as typed; line breaks as ⏎).
VISIBLE = {
    "close": "Ana [/] Close",
    "open": "Bea [/ Open",
    "click": "[@click=app.quit]Quit",  # "Corp[/]" may wrap to the next line in a narrow panel
    "bold": "[b]Bold[/b] Ltd",
    "field": "attendee[email] is invalid",
    "variable": "$accent [$x] {name}",
    "lines": f"First line{LINE_BREAK}Second",
    "emoji": "Family",
    "huge": "W" * 20,
    "surrogate": "Lone",
}


class HostileTransport(httpx.AsyncBaseTransport):
    """The sandbox over ASGI, with a lone surrogate put into its JSON, and chosen requests refused with a
    chosen error body (a server error message to show)."""

    def __init__(self, app) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.refuse: dict[tuple[str, str], tuple[int, dict]] = {}  # (method, path part) -> (status, body)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for (method, part), (status, body) in self.refuse.items():
            if request.method == method and part in request.url.path:
                return httpx.Response(status, json=body, request=request)
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        content = content.replace(SURROGATE_TOKEN.encode(), b"\\ud800")
        headers = [(k, v) for k, v in response.headers.raw if k.lower() != b"content-length"]
        return httpx.Response(response.status_code, headers=headers, content=content, request=request)


def seed_hostile(db) -> None:
    """The corpus into every name the screens show: events, attendees, activities, types, B2B."""
    values = list(HOSTILE.values())
    with db.transaction() as conn:
        conn.execute("UPDATE events SET address = ? WHERE id = ?", (HOSTILE["bold"], EVENT_ID))
        for offset, value in enumerate(values):
            conn.execute(
                "INSERT INTO events (id, owner_id, uri, name, start_ts, end_ts, timezone, address, created_ms, "
                "updated_ms) SELECT ?, owner_id, ?, ?, start_ts + ?, end_ts + ?, timezone, ?, created_ms, updated_ms "
                "FROM events WHERE id = ?",
                (9000 + offset, f"hostile-{offset}", value, 86400 * 400 + offset, 86400 * 400 + offset,
                 values[-1 - offset], EVENT_ID))
        field_ids = {(row[0], row[1]): str(row[2]) for row in conn.execute(
            "SELECT attendee_type_id, name, id FROM custom_fields")}
        attendees = conn.execute(
            "SELECT id, type_id, fields FROM attendees WHERE event_id = ? AND archived = 0 AND status = 'confirmed' "
            "ORDER BY id LIMIT ?", (EVENT_ID, len(values))).fetchall()
        for (attendee_id, type_id, fields), value in zip(attendees, values):
            named = {"first_name": "Hostile", "last_name": value, "company": value}
            fields = json.loads(fields) | {field_ids[(type_id, name)]: text for name, text in named.items()}
            conn.execute("UPDATE attendees SET first_name = ?, last_name = ?, company = ?, fields = ? WHERE id = ?",
                         (*named.values(), json.dumps(fields), attendee_id))
        for table, column, where in (("workshops", "name", "event_id = ?"), ("workshops", "location", "event_id = ?"),
                                     ("attendee_types", "name", "event_id = ?")):
            ids = [row[0] for row in conn.execute(f"SELECT id FROM {table} WHERE {where} ORDER BY id", (EVENT_ID,))]
            for row_id, value in zip(ids, values):
                conn.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (value, row_id))
        conn.execute("UPDATE participant_types SET name = ? WHERE id = 12345", (HOSTILE["close"],))
        conn.execute("UPDATE participant_types SET name = ? WHERE id = 12346", (HOSTILE["lines"],))
        participants = [row[0] for row in conn.execute(
            "SELECT id FROM participants WHERE participant_type_id = 12345 ORDER BY id")]
        for participant_id, value in zip(participants, values):
            conn.execute("UPDATE participants SET display_name = ?, contact_name = ? WHERE id = ?",
                         (value, values[-1], participant_id))
        conn.execute("UPDATE meetings SET location = ?", (HOSTILE["click"],))


@pytest.fixture
def hostile(sandbox_app):
    seed_hostile(sandbox_app.state.sandbox.db)
    return HostileTransport(sandbox_app)


@pytest.fixture
def hostile_app(hostile, tmp_path, clock, fast_retry):
    settings_ = Settings(api_url=BASE_URL, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data",
                         config_dir=tmp_path / "config", demo=True)
    client = EventtiaClient(BASE_URL, transport=hostile, retry=fast_retry)
    session = Session(settings_, client, TokenStore(tmp_path / "config"), clock=clock)
    return EventtiaApp(session, cursor_blink=False)


def screen_text(app) -> str:
    """The screen as the terminal gets it, as text (what export_screenshot draws, without the SVG)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, color_system="truecolor",
                      record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text(styles=False)


def click_actions(app) -> list[str]:
    """Every @click action a segment on screen carries (data must never carry one)."""
    strips = app.screen._compositor.render_strips()
    return [str(segment.style.meta["@click"]) for strip in strips for segment in strip
            if segment.style is not None and segment.style.meta and "@click" in segment.style.meta]


class Seen:
    """Checks each screen the corpus is on, and counts them."""

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.app = pilot.app
        self.screens: list[str] = []

    async def check(self, name: str, *keys: str) -> str:
        await settle(self.pilot)
        for _ in range(10):  # a table re-measures its columns when idle: wait for that frame
            if not any(table._require_update_dimensions for table in self.app.screen.query(DataTable)):
                break
            await self.pilot.pause()
        text = screen_text(self.app)
        for key in keys:
            assert VISIBLE[key] in text, f"{name}: {VISIBLE[key]!r} is not on screen:\n{text}"
        assert not click_actions(self.app), name  # nothing shown carries an action
        self.screens.append(name)
        return text


def row_of(text: str, needle: str) -> str:
    """The screen line that shows `needle`."""
    return next(line for line in text.splitlines() if needle in line)


async def test_hostile_data_through_every_screen(hostile_app, sandbox_app):
    app = hostile_app
    names = ("close", "open", "click", "bold", "field", "variable", "huge", "surrogate")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        seen = Seen(pilot)
        await settle(pilot)
        await seen.check("event picker", *names)
        await pilot.press(*"[/")  # typed markup in the filter
        await settle(pilot)
        text = await seen.check("event picker filtered by '[/'", "close", "open", "click", "bold")
        assert "Lima Food Fair" not in text
        await pilot.press("escape", *"demo-expo", "enter")
        await settle(pilot)
        screen = app.screen
        assert screen.uri == URI

        await pilot.press(*"hostile")  # the attendees the corpus was written into
        await settle(pilot)
        text = await seen.check("attendee search results", *names)
        assert "First line" in (line := row_of(text, "First line")) and "Tab" in line  # the row is not cut
        results = screen.query_one(ResultsList)
        assert results.row_count == len(HOSTILE)
        assert max(results.widths) <= CELL_WIDTH  # 10,000 characters do not widen the name column
        for key in ("click", "close", "huge"):  # their cards (also the lead's screens: shown as data there too)
            results.focus()
            results.cursor_row = next(row for row in range(results.row_count)
                                      if HOSTILE[key][:20] in str(results.get_row_at(row)[0]))
            await pilot.press("enter")
            await seen.check(f"attendee card of {VISIBLE[key][:12]}…", key)
            await pilot.press("escape")

        await pilot.press("f2")
        await settle(pilot)
        text = await seen.check("activities", *names)
        assert "First line" in (line := row_of(text, "First line")) and "Tab" in line
        activities = screen.query_one("#activities-table", DataTable)
        activities.move_cursor(row=next(row for row in range(activities.row_count)
                                        if str(activities.get_row_at(row)[1]) == HOSTILE["click"]))
        await pilot.press("enter")
        await seen.check("roster of an activity named with [@click=…]", "click")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"[/")  # typed markup in the palette, matched against data
        await settle(pilot)
        await seen.check("command palette searched for '[/'", "close", "open", "click")
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("f3")
        await settle(pilot)
        text = await seen.check("B2B agenda")
        assert "Ana [/]…" in text and "[@click…" in text and "Ana [/] Close" in row_of(text, " · 32 slots")
        await pilot.press("t")
        await settle(pilot)
        await seen.check("B2B agenda, second type")
        await pilot.press("t")
        await settle(pilot)
        grid = screen.query_one("#agenda-grid", DataTable)
        meeting = next((row, column) for row in range(grid.row_count) for column in range(len(grid.columns))
                       if "acc" in str(grid.get_cell_at((row, column))))
        grid.move_cursor(row=meeting[0], column=meeting[1])
        await settle(pilot)
        await seen.check("B2B agenda, a meeting's panel", "click")
        await pilot.press("a")
        await settle(pilot)
        await seen.check("participant agenda", "click")
        await pilot.press("escape")
        await pilot.press("u")
        await settle(pilot)
        await seen.check("unavailable hours", "close")
        app.screen.query_one("#field-start").value = "[/"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await seen.check("unavailable hours, refused '[/'", "close")
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("f4")
        await settle(pilot)
        await seen.check("tickets", "close", "open", "click", "huge", "surrogate")
        tickets = screen.query_one("#tickets-table", DataTable)
        row = next(i for i in range(tickets.row_count) if str(tickets.get_row_at(i)[0]) == HOSTILE["click"])
        await pilot.click(tickets, offset=(4, row + 1))  # on the name that carries [@click=app.quit]
        await settle(pilot)
        assert app.return_code is None and app.screen is screen

        app.push_screen(ActivityPickerScreen(URI, HOSTILE["click"]))
        await settle(pilot)
        await seen.check("activity picker", *names)
        await pilot.press("escape")
        app.push_screen(AttendeePickerScreen(HOSTILE["close"], app.gateway.index_if_loaded(URI)))
        await settle(pilot)
        await pilot.press(*"hostile")
        await settle(pilot)
        await seen.check("attendee picker", *names)
        await pilot.press("escape")

        sandbox_app.state.faults.fail_rate = 1.0  # offline: the change waits in the outbox
        app.perform(hour_action(app, HOSTILE["click"]))
        await settle(pilot)
        await seen.check("queued toast", "click")
        app.push_screen(OutboxScreen())
        await settle(pilot)
        await seen.check("outbox", "click")
        await pilot.press("escape")
        sandbox_app.state.faults.fail_rate = 0.0

        app.clear_notifications()
        for number, key in enumerate(("close", "open", "click", "bold", "lines", "huge")):
            notify = app.notify if number % 2 else screen.notify  # a screen's notify asks for markup
            notify(HOSTILE[key], title=HOSTILE[key], timeout=60)
        await seen.check("toasts", "close", "open", "click", "bold", "lines", "huge")
        app.clear_notifications()

        app.push_screen(LoginScreen(HOSTILE["field"] + " " + HOSTILE["close"]))
        await seen.check("login", "field", "close")
        assert app.return_code is None
    print(f"\n{len(HOSTILE)} hostile strings, {len(seen.screens)} screens and states checked: "
          f"{', '.join(seen.screens)}")


def hour_action(app, type_name: str):
    agenda = app.screen.query_one("AgendaPane")
    return UnavailableHourAction(URI, conference_id=agenda.conference_id, participant_type_id=agenda.type_id,
                                 start="24/11/2026 - 15:00", end="24/11/2026 - 15:30", type_name=type_name)


async def test_a_server_message_with_brackets_reaches_the_toast_and_the_login_screen_intact(hostile_app, hostile):
    """The server's own words, `attendee[email] is invalid`, lost their brackets (parsed as markup) or, with
    `[/]`, crashed the toast; on the login screen they left it hanging on 'Signing in…'."""
    message = "attendee[email] is invalid; note [/] and [@click=app.quit]here[/]"
    app = hostile_app
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        seen = Seen(pilot)
        await open_demo_expo(pilot)
        await pilot.press("f3")
        await settle(pilot)
        hostile.refuse[("POST", "/unavailable_hours")] = (422, {"message": message})
        app.perform(hour_action(app, HOSTILE["bold"]))  # no form to show it: a toast says it
        text = await seen.check("refused write's toast", "bold")
        assert "attendee[email] is invalid; note [/] and" in text and "[@click=app.quit]here[/]" in text
        assert any(message in str(toast.render()) for toast in app.screen.query(Toast))  # word for word
        assert app.return_code is None

        hostile.refuse[("POST", "/auth")] = (401, {"message": message})
        app.push_screen(LoginScreen())
        await settle(pilot)
        await pilot.press(*"desk@example.test", "enter", *"secret", "enter")
        text = await seen.check("login refused")
        assert "attendee[email] is invalid" in text and "Signing in" not in text
        assert not app.screen.query_one("#sign-in").disabled  # it can be tried again


# The display helpers on arbitrary strings ---------------------------------------------------------------

BREAKS_AND_SURROGATES = set("\n\r\v\f\x85\u2028\u2029\t") | {chr(code) for code in range(0xD800, 0xE000)}
C0_CONTROLS = {chr(code) for code in range(32)} | {"\x7f"}
C1_CONTROLS = {chr(code) for code in range(0x80, 0xA0)}


def left_as_it_is(value: str) -> bool:
    """What the one rule (eventtia_tui.text.shown) leaves alone: no break, control or format character, and no
    run of more than MARKS_PER_CHARACTER zero-width characters."""
    if (BREAKS_AND_SURROGATES | C0_CONTROLS | C1_CONTROLS) & set(value):
        return False
    run = 0
    for character in value:
        if unicodedata.category(character) == "Cf" and character not in JOINERS:
            return False
        run = run + 1 if get_character_cell_size(character) == 0 else 0
        if run > MARKS_PER_CHARACTER:
            return False
    return True
MARKUP_PIECES = ["[", "]", "[/]", "[/", "[b]", "[@click=app.quit]", "[link=https://x]", "$accent", "[$x]", "\\",
                 "{name}", ":smile:", "attendee[email]", "x"]
anything = st.text(st.characters(exclude_categories=()), max_size=80)  # every category, lone surrogates too
markup_like = st.lists(st.sampled_from(MARKUP_PIECES), max_size=12).map("".join)
values = st.one_of(anything, markup_like, st.sampled_from(list(HOSTILE.values())))


@settings(max_examples=300, deadline=None)
@given(values, st.integers(min_value=1, max_value=60))
def test_one_line_is_one_line_within_its_width(value, width):
    full = one_line(value)
    shown = one_line(value, width)
    assert not BREAKS_AND_SURROGATES & set(shown)
    assert Text(shown).cell_len <= width
    if Text(full).cell_len <= width:
        assert shown == full
    else:
        assert shown.endswith("…") and full.startswith(shown[:-1])
    if left_as_it_is(value):
        assert full == value  # only what the rule changes is changed


@settings(max_examples=300, deadline=None)
@given(values)
def test_plain_text_is_never_markup(value):
    shown = plain(value)
    assert shown.plain == Text(one_line(value)).plain and not shown.spans  # no style, no @click from the data
    assert Content.from_rich_text(shown).plain == shown.plain  # as Textual draws it
    drawn = "".join(segment.text for segment in Console(width=200).render(shown)).replace("\n", "")
    assert drawn == shown.plain  # (wrapped at 200 cells: the line breaks are Rich's)
    if left_as_it_is(value):
        assert shown.plain == value  # `[/]`, `[b]`, `attendee[email]` exactly as they came


@settings(max_examples=200, deadline=None)
@given(values, st.sampled_from(["", "bold", "red on white"]))
def test_a_table_cell_is_one_line_and_at_most_cell_width(value, style):
    for cell in (table_cell(value), table_cell(Text(value, style=style)), shown_cell(value)):
        text = cell.plain if isinstance(cell, Text) else cell
        assert not BREAKS_AND_SURROGATES & set(text)
        assert Text(text).cell_len <= CELL_WIDTH
        if isinstance(cell, Text):
            assert not cell.spans or cell.spans[0].style == style
    assert table_cell(Text(value, style=style)).style == style  # a Text keeps its look


@settings(max_examples=200, deadline=None)
@given(values, st.integers(min_value=1, max_value=400))
def test_clip_keeps_a_prefix_and_no_surrogate(value, length):
    shown = clip(value, length)
    assert Text(shown).cell_len <= length and not {c for c in shown if 0xD800 <= ord(c) < 0xE000}
    assert shown == clip(value, 2 * len(value) + 1) or shown.endswith("…")  # 2 cells a character at most


@settings(max_examples=200, deadline=None)
@given(values, st.text(min_size=1, max_size=4) | st.sampled_from(["[/", "[", "b]", "@"]))
def test_a_palette_entry_shows_its_title_as_typed(title, query):
    title = "".join(c for c in one_line(title, 80) if c not in C0_CONTROLS)  # (Content drops C0 controls itself)
    matcher = Matcher(query)
    if matcher.match(title) > 0:  # the palette highlights only what matched
        assert ScreenCommands.highlight(matcher, title).plain == title
