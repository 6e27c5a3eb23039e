"""An 80×24 kiosk terminal (issue 29 item 7): every screen's footer shows the help key (a modal's too); the picker's "Offline
copy", F2's seat numbers, F3's participant columns and legend, F5's ledger line and the search's verdict are
seen whole, not cut at the right edge."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from eventtia_tui.screens.agenda import ROW_LABEL_WIDTH
from eventtia_tui.screens.agenda_grid import COLUMN_WIDTH
from eventtia_tui.screens.event_picker import EventPickerScreen
from eventtia_tui.screens.event_screen import fitted
from eventtia_tui.screens.scan_log import ScanLogScreen
from tests.screens.pilot import badges, open_demo_expo, scan_badge, settle, shows_card_of, type_like_a_person

NARROW = (80, 24)

PARTS = st.lists(st.tuples(st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1,
                                   max_size=30), st.sampled_from(["", "bold", "yellow"])), min_size=1, max_size=8)


@given(PARTS, st.integers(min_value=0, max_value=200))
def test_the_header_shows_its_parts_in_order_each_whole_or_not_at_all(parts, width):
    header = fitted(parts, width).plain
    if width:
        assert cell_len(header) <= width
    shown = header.removesuffix("  …").split("  ·  ") if header else []
    words = [words for words, _ in parts]
    assert shown == words[:len(shown)] or "  ·  " in "".join(words)  # a prefix of the parts, each whole
    if not width:
        assert len(shown) == len(parts) and not header.endswith("  …")


def help_key_shown(app) -> bool:
    """The footer's help key is drawn inside the screen (Textual's footer scrolls the keys that do not fit)."""
    footer = app.screen.query_one("AppFooter")
    keys = [key for key in footer.children if getattr(key, "action", None) == "help"]
    return bool(keys) and keys[0].region.right <= footer.region.right - 12  # left of the docked palette key


def fits(table) -> bool:
    return table.virtual_size.width <= table.scrollable_content_region.width


async def test_at_80_by_24_the_help_key_and_every_pane_fit(make_app):
    app = make_app()
    app.settings.place = "Entrance 2"
    async with app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, EventPickerScreen) and fits(app.screen.query_one("#events"))
        await open_demo_expo(pilot)
        assert help_key_shown(app)  # the attendees' footer was cut at "f12"
        header = app.screen.query_one("#event-header")
        shown = str(header.render()).rstrip()
        assert cell_len(shown) <= header.content_size.width and shown.startswith("Demo Expo  ·  ● ")
        assert shown.split("  ·  ")[-1] in ("…", "synced just now") or shown.endswith(" ago"), shown  # whole parts

        person = next(p for p in badges(app) if not p.checked_in and p.paid)
        await scan_badge(pilot, person.qr_code)
        await type_like_a_person(pilot, "escape")
        await scan_badge(pilot, person.qr_code)
        assert shows_card_of(app, person) and app.screen.verdict().words.endswith(", Entrance 2")
        assert help_key_shown(app)  # a modal's footer: Textual leaves the app's keys out of it
        await type_like_a_person(pilot, "ctrl+a", "escape")  # re-admitted: F5's ledger line grows longer
        search = app.screen.query_one("AttendeeSearch")
        search.run_query(person.email)
        await settle(pilot)
        cells = search.query_one("ResultsList").cells[[key for key, _ in search.shown].index(person.id)]
        verdict = str(cells[1])
        assert verdict.endswith(", Entrance 2"), verdict  # whole, and right after the name
        assert cell_len(str(cells[0])) + cell_len(verdict) + 4 <= 80

        await type_like_a_person(pilot, "f2")
        await settle(pilot)
        activities = app.screen.query_one("#activities-table")
        assert fits(activities) and all("/" in str(activities.get_row_at(row)[3])
                                        for row in range(activities.row_count))
        assert help_key_shown(app)

        await type_like_a_person(pilot, "f3")
        await settle(pilot)
        grid = app.screen.query_one("#agenda-grid")
        shown = grid.scrollable_content_region.width - ROW_LABEL_WIDTH  # whole columns, no half one at the edge
        assert shown // (COLUMN_WIDTH + 2) >= 4 and shown % (COLUMN_WIDTH + 2) == 0, shown
        summary = app.screen.query_one("#agenda-summary")
        assert str(summary.render()).rstrip().endswith("expired)") and summary.size.height == 2  # wrapped, whole
        legend = app.screen.query_one("#agenda-legend")
        assert str(legend.render()).endswith("clash") and cell_len(str(legend.render())) <= legend.size.width
        assert help_key_shown(app)

        await type_like_a_person(pilot, "f5")
        await settle(pilot)
        assert isinstance(app.screen, ScanLogScreen)
        status = app.screen.query_one("#ledger-status")
        text = str(status.render())
        assert help_key_shown(app)
        assert "re-admitted" in text and "Ctrl+T: export" in text and status.size.height * status.size.width >= cell_len(text)
