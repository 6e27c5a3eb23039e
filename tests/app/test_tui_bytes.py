"""What reaches the operator's terminal (issue 14): an attendee whose name carries OSC 0 (window title),
OSC 52 (clipboard), CSI 2J (clear screen) and a C1 CSI, found by a search and opened on a card in the real TUI
on a real pty. The bytes the terminal reads hold the name, but none of those sequences."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time

import pytest

from tests.app.tui_process import RunningTui

pytestmark = pytest.mark.hostile

HOSTILE_LAST_NAME = "Pwn\x1b]0;PWNED\x07\x1b]52;c;cHduZWQ=\x07\x1b[2J\x9b31mEnd"
C1_IN_UTF8 = [bytes([0xC2, code]) for code in range(0x80, 0xA0)]


def make_hostile(database) -> None:
    """One confirmed Demo Expo attendee gets the hostile last name (column and custom field alike)."""
    with sqlite3.connect(database) as conn:
        attendee_id, type_id, fields = conn.execute(
            "SELECT id, type_id, fields FROM attendees WHERE archived = 0 AND status = 'confirmed' ORDER BY id "
            "LIMIT 1").fetchone()
        field_ids = dict(conn.execute("SELECT name, id FROM custom_fields WHERE attendee_type_id = ?", (type_id,)))
        fields = json.loads(fields) | {str(field_ids["first_name"]): "Xenia", str(field_ids["last_name"]): HOSTILE_LAST_NAME}
        conn.execute("UPDATE attendees SET first_name = 'Xenia', last_name = ?, fields = ? WHERE id = ?",
                     (HOSTILE_LAST_NAME, json.dumps(fields), attendee_id))


def type_like_a_person(tui: RunningTui, keys: list[bytes]) -> None:
    for key in keys:
        os_write(tui, key)
        tui.read(0.2)


def os_write(tui: RunningTui, data: bytes) -> None:
    os.write(tui.master, data)


def test_a_hostile_name_reaches_the_terminal_as_text_not_as_sequences(tmp_path):
    first = RunningTui(tmp_path)  # seeds the demo database and syncs it once
    try:
        first.wait_until_drawn()
    finally:
        first.stop()
    make_hostile(tmp_path / "data" / "demo.sqlite3")
    shutil.rmtree(tmp_path / "cache")  # the next start syncs the changed attendee from the sandbox

    tui = RunningTui(tmp_path)
    try:
        tui.wait_until_drawn()
        tui.read(1.0)
        os_write(tui, b"\r")  # Demo Expo, selected in the picker
        end = time.monotonic() + 60
        while b"attendees. Type a name" not in tui.screen and time.monotonic() < end:
            tui.read(0.2)
        start = len(tui.screen)
        type_like_a_person(tui, [bytes([c]) for c in b"xenia"])
        tui.read(1.5)
        os_write(tui, b"\r")  # open the card
        tui.read(2.0)
        shown = tui.screen[start:]
    finally:
        tui.stop()
    assert b"Xenia" in shown and b"PWNED" in shown, shown[-3000:]  # the name is on screen, as text
    assert b"\x1b]0;" not in shown  # no window title set
    assert b"\x1b]52;" not in shown  # no clipboard written
    assert b"\x1b[2J" not in shown  # the screen never cleared by data
    assert not [c1 for c1 in C1_IN_UTF8 if c1 in shown]
    assert b"\x9b" not in shown.replace(b"\xe2\x90\x9b", b"")  # a raw C1 CSI only inside ␛'s own UTF-8
