"""A held cancellation is sent when its window ends, whatever happens on screen meanwhile: the card closed
(Esc), another badge scanned, the outbox opened, the app quit — at any moment from the Y that confirmed it.
It is sent exactly once, and the outbox never says every change reached Eventtia while it is held or sent.

The runner's clock is the test's: a held write's window ends when the test opens its gate (no sleeps, no
wall clock). Hypothesis draws the moments, counted in event-loop turns after the Y was taken.
"""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from eventtia_tui.screens.attendee_card import AttendeeCardScreen
from eventtia_tui.screens.confirm import ConfirmScreen
from eventtia_tui.screens.event_screen import EventScreen
from eventtia_tui.screens.outbox import OutboxScreen
from tests.screens.pilot import SIZE, answer, is_active, open_card_while_held, open_demo_expo, post_keys, settle

WINDOW = 60.0  # shown on the card; the window really ends when the test's gate opens
ALL_SENT = "every change has reached Eventtia"


class Gate:
    """The runner's sleep: a held write waits until the test opens the gate."""

    def __init__(self) -> None:
        self.opened = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        await self.opened.wait()


def collect(strategy, count: int) -> list:
    examples: list = []

    @settings(max_examples=count, database=None, deadline=None, derandomize=True)
    @given(strategy)
    def draw(example):
        examples.append(example)

    draw()
    return examples


def people(app) -> list:
    index = app.gateway.index_if_loaded("demo-expo")
    return [r for r in index.records.values() if r.status == "confirmed" and r.email and r.qr_code
            and not r.checked_in]


def life_of(app, person) -> list[str]:
    """The audit log's steps of this person's cancellation, in order."""
    return [e["outcome"] for e in app.runner.audit.entries() if e["what"] == f"Cancel {person.full_name}"]


def outbox_claims_all_sent(app) -> bool:
    screen = next((s for s in app.screen_stack if isinstance(s, OutboxScreen)), None)
    return screen is not None and ALL_SENT in str(screen.query_one("#outbox-status").render())


async def cancel_and_wait(pilot, person, turns: int) -> None:
    """Scan the person's badge, C, then Y; `turns` event-loop turns after the Y was taken (the question gone)."""
    post_keys(pilot.app, [*person.qr_code, "enter"], [0.3] + [0.003] * len(person.qr_code))
    for _ in range(400):
        screen = pilot.app.screen
        if isinstance(screen, AttendeeCardScreen) and screen.record.id == person.id:
            break
        await pilot.pause()
    else:
        raise AssertionError(f"no card for {person.full_name}")
    await pilot.app.scan_gate.wait_idle()
    await answer(pilot, "c")
    question = pilot.app.screen
    assert isinstance(question, ConfirmScreen)
    post_keys(pilot.app, ["y"], [0.2])
    while question.is_current:
        await asyncio.sleep(0)
    for _ in range(turns):
        await asyncio.sleep(0)


async def until_held_or_gone(pilot) -> None:
    """Until the write is held (the gate is shut, so it stays held), without waiting out its window."""
    for _ in range(400):
        if pilot.app.runner.held:
            return
        await pilot.pause()
    raise AssertionError("the cancellation was never held")


async def test_a_held_cancel_is_sent_once_whatever_happens_in_its_window(make_app, api):
    examples = collect(st.tuples(st.sampled_from(["escape", "scan", "outbox", "nothing"]), st.integers(0, 120)), 10)
    app = make_app(undo_window=WINDOW)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        event_screen = app.screen
        assert isinstance(event_screen, EventScreen)
        everyone = people(app)
        for n, (what, turns) in enumerate(examples):
            person, other = everyone[n], everyone[-1 - n]
            gate = Gate()
            app.runner.sleep = gate.sleep
            await cancel_and_wait(pilot, person, turns)
            if what == "escape":
                post_keys(app, ["escape"], [0.2])
            elif what == "scan":
                post_keys(app, [*other.qr_code, "enter"], [0.2] + [0.003] * len(other.qr_code))
            elif what == "outbox":
                post_keys(app, ["escape", "ctrl+o"], [0.2, 0.2])  # the card closed, the outbox opened (F-keys' screen)
            await until_held_or_gone(pilot)
            where = f"{what} {turns} turns after Y"
            assert not outbox_claims_all_sent(app), where
            if what == "outbox":
                for _ in range(100):
                    if isinstance(app.screen, OutboxScreen):
                        break
                    await pilot.pause()
                screen = app.screen
                assert isinstance(screen, OutboxScreen), where
                screen.reload()
                await pilot.pause()
                await app.workers.wait_for_complete()
                rows = [screen.query_one("#outbox-items").get_row_at(i) for i in
                        range(screen.query_one("#outbox-items").row_count)]
                assert any(str(row[1]) == f"Cancel {person.full_name}" and str(row[2]).startswith("held: sent in")
                           for row in rows), where
                assert not outbox_claims_all_sent(app), where
            assert life_of(app, person) == ["held"], where
            gate.opened.set()
            await settle(pilot)
            assert life_of(app, person) == ["held", "sending", "done"], where  # sent once, when the window ended
            assert not await is_active(api, person), where
            assert app.runner.writes == {} and list(app.runner.outbox.items()) == [], where
            if what == "outbox":
                assert outbox_claims_all_sent(app), where  # now, and only now, it is true
            while app.screen is not event_screen:
                app.pop_screen()
                await settle(pilot)


async def test_quitting_at_any_moment_of_the_window_sends_the_held_cancel(make_app, api):
    for turns in collect(st.integers(0, 120), 3):
        app = make_app(undo_window=WINDOW)
        async with app.run_test(size=SIZE) as pilot:
            await open_demo_expo(pilot)
            person = people(app)[0]
            app.runner.sleep = Gate().sleep  # the window never ends by itself here
            await cancel_and_wait(pilot, person, turns)
            await answer(pilot, "ctrl+q")
            question = app.screen
            assert isinstance(question, ConfirmScreen), f"quit {turns} turns after Y"
            assert "1 change waiting out the undo window" in str(question.query_one("#confirm-question").render())
            await answer(pilot, "y")
            await settle(pilot)
        assert life_of(app, person) == ["held", "sending", "done"], f"quit {turns} turns after Y"
        assert not await is_active(api, person)



async def test_a_card_taken_down_as_its_cancel_is_held_does_not_strand_the_cancel(make_app, api):
    """The 2-in-25 case: Esc a moment after Y, so the card is half taken down when the write is held and the
    card starts its countdown. The countdown failed (no such widget) and the write stayed held for ever,
    "Cancellation in 0 s", until the app quit. Pinned here: the card is dismissed as `hold` returns."""
    app = make_app(undo_window=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        person = people(app)[0]
        await open_card_while_held(pilot, person)
        card = app.screen
        hold = app.runner.hold

        async def hold_then_close_the_card(action, seconds):
            outcome = await hold(action, seconds)
            card.dismiss()
            while len(card.query("#card-pending")):  # its widgets going, the card not yet
                await asyncio.sleep(0)
            return outcome

        app.runner.hold = hold_then_close_the_card
        await answer(pilot, "c")
        await answer(pilot, "y")
        await settle(pilot)
        assert app.runner.held == {}
        assert not await is_active(api, person)
        assert life_of(app, person)[-1] == "done"


async def test_the_next_start_names_a_cancel_held_when_the_app_stopped(make_app, api):
    """The app stops inside the window (its process gone: nobody holds the write any more); the next start
    sends it and says which write it was and what it did with it."""
    app = make_app(undo_window=WINDOW)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo_expo(pilot)
        person = people(app)[0]
        app.runner.sleep = Gate().sleep  # the window does not end before the app does
        await cancel_and_wait(pilot, person, 0)
        await until_held_or_gone(pilot)
        (action_id,) = app.runner.held
        deadline = app.runner.deadlines.pop(action_id)
        deadline.cancel()  # the process ends: its tasks with it
        app.runner.outbox.unclaim(action_id)
        app.exit()
    assert await is_active(api, person)
    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        said = [str(n.message) for n in again._notifications]
        assert f"Sent to Eventtia — Cancel {person.full_name}: held when the app stopped, sent now." in said, said
        assert not any("saved while offline" in text for text in said)
    assert not await is_active(api, person)
