"""Issue 30's start-up: what the event screen puts off until the attendee search has drawn its first answer
(the hidden tabs' panes, the on-open sync, the whole-list checks), and that it all still starts."""

from textual.widgets import TabbedContent

from eventtia_tui.screens import event_screen
from eventtia_tui.screens.activities import ActivitiesPane
from eventtia_tui.screens.agenda import AgendaPane
from eventtia_tui.screens.attendee_search import AttendeeSearch
from eventtia_tui.screens.event_screen import EventScreen, PutOff
from eventtia_tui.screens.footer import AppFooter
from eventtia_tui.screens.tickets import TicketsPane
from tests.screens.pilot import SIZE, open_demo_expo, settle

PANES = {"activities": ActivitiesPane, "b2b": AgendaPane, "tickets": TicketsPane}


def record_the_start(monkeypatch) -> list[dict[str, object]]:
    """What the screen looked like each time the rest started (the first call does the starting)."""
    seen: list[dict[str, object]] = []
    start = EventScreen.start_the_rest

    def recording(screen: EventScreen) -> None:
        if not screen.started_the_rest:
            search = screen.query_one(AttendeeSearch)
            seen.append({"status": search.status, "index": search.index is not None,
                         "sync": screen.sync_worker, "checks": screen.reconciling,
                         "panes": [type(w) for name, kind in PANES.items() for w in screen.query(kind)],
                         "put_off": len(screen.query(PutOff))})
        start(screen)

    monkeypatch.setattr(EventScreen, "start_the_rest", recording)
    return seen


def assert_everything_started(screen: EventScreen) -> None:
    assert not screen.query(PutOff)
    for tab, kind in PANES.items():  # each pane in its own tab, as composed before
        assert len(screen.query_one(f"TabPane#{tab}").query(kind)) == 1
    assert screen.sync_worker is not None and screen.reconciling is not None


async def test_a_cached_event_is_searchable_before_its_other_tabs_sync_and_checks_start(make_app, monkeypatch):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)  # the first open syncs the event: a copy on this machine from here
        await pilot.press("escape")
        await settle(pilot)
        seen = record_the_start(monkeypatch)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EventScreen)
        assert len(seen) == 1
        first = seen[0]
        # The search had its copy and had said so; nothing put off had begun.
        assert first["index"] and "attendees. Type a name" in str(first["status"])
        assert first["sync"] is None and first["checks"] is None
        assert first["panes"] == [] and first["put_off"] == len(PANES)
        assert_everything_started(screen)
        await pilot.press("f2")  # the tab put off works as before
        assert screen.query_one("#event-tabs").active == "activities"
        assert screen.query_one(ActivitiesPane).query_one("#activities-table").row_count > 0


async def test_without_a_copy_the_first_sync_starts_once_the_search_says_so(make_app, monkeypatch):
    seen = record_the_start(monkeypatch)
    app = make_app(event_uri="demo-expo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(seen) == 1 and not seen[0]["index"]
        assert "being synced for the first time" in str(seen[0]["status"])
        assert app.screen.query_one(AttendeeSearch).index is not None  # the sync it started brought the copy
        assert_everything_started(app.screen)


async def test_when_the_search_never_answers_the_rest_starts_anyway(make_app, monkeypatch):
    monkeypatch.setattr(AttendeeSearch, "load_index", lambda search: None)  # a load that never ends (a stuck disk)
    monkeypatch.setattr(event_screen, "START_AT_LATEST", 0.05)
    seen = record_the_start(monkeypatch)
    app = make_app(event_uri="demo-expo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause(0.1)  # past START_AT_LATEST
        await settle(pilot)
        assert len(seen) == 1 and not seen[0]["index"] and seen[0]["status"] == ""
        assert_everything_started(app.screen)


async def test_a_tab_asked_for_before_the_search_answers_is_there(make_app, monkeypatch):
    monkeypatch.setattr(AttendeeSearch, "load_index", lambda search: None)  # the search has not answered yet
    monkeypatch.setattr(event_screen, "START_AT_LATEST", 600.0)
    app = make_app(event_uri="demo-expo")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EventScreen) and not screen.started_the_rest
        await pilot.press("f2")
        await settle(pilot)
        assert screen.query_one("#event-tabs").active == "activities"
        assert screen.query_one("TabPane#activities").query(ActivitiesPane)  # F2 had an empty tab before


def keys_drawn(screen) -> set[tuple[str, str]]:
    return {(key.key, key.description) for key in screen.query("FooterKey")}


def keys_to_show(screen) -> set[tuple[str, str]]:
    return {(binding.key, binding.description) for _, binding, _, _ in screen.active_bindings.values() if binding.show}


async def test_the_footer_is_drawn_again_only_when_its_keys_change(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        screen = app.screen
        assert screen.query_one(AppFooter).shown is not None
        drawn = list(screen.query("FooterKey"))
        assert keys_to_show(screen) <= keys_drawn(screen)
        screen.refresh_bindings()  # as Textual asks whenever the keys may have changed: the same keys
        await settle(pilot)
        assert list(screen.query("FooterKey")) == drawn  # the same widgets: not drawn again
        await pilot.press("f2")  # the activities' table in front: other keys
        await settle(pilot)
        assert keys_to_show(screen) <= keys_drawn(screen) and keys_drawn(screen) != {(k.key, k.description) for k in drawn}
        await pilot.press("f1")
        await settle(pilot)
        assert keys_drawn(screen) == {(k.key, k.description) for k in drawn}


async def test_the_keys_can_be_read_while_an_event_screen_is_being_built(make_app):
    """In a terminal (not under Pilot's timing), opening an event crashed the app: the picker's footer read its
    keys as the event screen was pushed, and the app-wide Copy key's check looked into that screen's tabs
    before they existed (NoMatches)."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        picker = app.screen
        footer = picker.query_one(AppFooter)
        app.push_screen(EventScreen("demo-expo", "Demo Expo"))  # not awaited: built on the next turns
        assert isinstance(app.screen, EventScreen) and not app.screen.query(TabbedContent)
        assert footer.keys_shown(picker)  # read then, as the signal may ask: no error
        assert app.check_action("copy", ()) is False  # nothing to copy from a screen not built yet
        await settle(pilot)
        assert app.screen.query(TabbedContent)
