"""`eventtia-tui scanner-test`: a desk scans a badge and reads what arrived and how the gate takes it."""

from __future__ import annotations

from textual.widgets import RichLog

from eventtia_tui.config import ScannerSettings
from eventtia_tui.scanner_test import ScannerTestApp, describe
from tests.screens.pilot import key_event

BADGE = "5c6f2a|Ana Ruiz|ana@example.test|ACME - CTO|"


def burst(keys: list[str], gaps: list[float]) -> list[tuple[str, str | None, float]]:
    at, out = 100.0, []
    for key, gap in zip(keys, gaps):
        at += gap
        event = key_event(key, at)
        out.append((event.key, event.character, at))
    return out


def test_a_tab_scanner_is_read_as_a_scan_with_its_suffix():
    lines = describe(burst([*BADGE, "tab"], [0.0] + [0.004] * len(BADGE)), ScannerSettings())
    assert "suffix Tab" in lines[0] and lines[1] == f"Text: {BADGE}"
    assert f"a scan of {len(BADGE)} keys" in lines[-1] and "badge-shaped" in lines[-1]


def test_no_suffix_suggests_the_setting():
    lines = describe(burst(list(BADGE), [0.0] + [0.004] * (len(BADGE) - 1)), ScannerSettings())
    assert "suffix none" in lines[0] and 'suffix = "none"' in lines[-1]
    assert not any("suffix =" in line for line in describe(burst(list(BADGE), [0.0] + [0.004] * (len(BADGE) - 1)),
                                                           ScannerSettings(suffix="none")))


def test_a_person_typing_is_not_a_scan():
    lines = describe(burst([*"garcia", "enter"], [0.0] + [0.15] * 6), ScannerSettings())
    assert "NOT a scan" in lines[-1] and "150" in lines[2]


async def test_the_app_records_keys_without_acting_on_them():
    app = ScannerTestApp(ScannerSettings())
    async with app.run_test() as pilot:
        for position, key in enumerate([*BADGE, "enter", "ctrl+j"]):
            app.post_message(key_event(key, 100 + position * 0.003))
        await pilot.pause()
        assert len(app.keys) == len(BADGE) + 2
        app.report(len(app.keys))
        await pilot.pause()
        shown = "\n".join(str(line.text) for line in app.query_one(RichLog).lines)
        assert "suffix CR+LF" in shown and f"a scan of {len(BADGE)} keys" in shown and app.is_running
