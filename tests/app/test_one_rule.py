"""One cleaning rule for every string the terminal sees (issue 25 item 3), whatever its source: the config file and
its keys, the environment, the command line, paths and API data, into `config`, `find`, exports, toasts and
screens. Nothing a terminal acts on (ESC, C0 but line feeds, DEL, C1), no invisible format character (Cf: bidi
overrides and isolates, zero-width spaces) but the joiners, and no row over its byte bound."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
import tomllib
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from eventtia_tui.api.client import EventtiaClient
from eventtia_tui.api.tokens import TokenStore
from eventtia_tui.app import EventtiaApp
from eventtia_tui.cli import main
from eventtia_tui.screens.keymap import keymap_conflicts
from eventtia_tui.session import Session, Settings
from eventtia_tui.text import _FORMAT, MARKS_PER_CHARACTER, shown
from tests.app.tui_process import ROOT, RunningTui, command, environment
from tests.demo_expo import BASE_URL
from tests.screens.pilot import SIZE, settle
from tests.terminal_text import FORMAT, problem

pytestmark = pytest.mark.hostile

ZERO_WIDTH = ["\u200b", "\u200d", "\u0301", "\u20dd", "\ufe0f", "\u034f"]

hostile = st.one_of(
    st.text(st.characters(codec=None), max_size=40),  # any code point, lone surrogates included
    st.sampled_from(["\x1b]0;pwned\x07", "\x1b]52;c;aGk=\x07", "\x1b[2J", "\x9b2J", "\x9d0;t\x9c", "[/]", "[b]x",
                     "עברית\u202eabc", "\u2066iso\u2069", "👩\u200d👩\u200d👧", "a\r\nb\tc", "\x00", "\x7f"]),
    st.tuples(st.sampled_from("ae日"), st.sampled_from(ZERO_WIDTH), st.integers(5, 20_000)).map(
        lambda t: t[0] + t[1] * t[2]),  # a letter and a flood of zero-width characters
    st.text(max_size=3).map(lambda s: s * 3000),  # huge
)
PROPERTY = settings(deadline=None, derandomize=True, database=None, max_examples=60,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


def test_the_format_characters_are_every_cf_but_the_joiners():
    assert {chr(code) for code in range(0x110000) if _FORMAT.fullmatch(chr(code))} >= FORMAT


@PROPERTY
@given(hostile, st.one_of(st.none(), st.integers(0, 120)), st.booleans())
def test_shown_is_clean_and_bounded(value, width, multiline):
    text = shown(value, width, multiline=multiline)
    assert problem(text.replace("\t", " ") if multiline else text) is None
    if not multiline:
        assert "\n" not in text and "\t" not in text
    if width is not None:  # at most 1 + MARKS_PER_CHARACTER characters a cell, 4 bytes each
        assert len(text.encode("utf-8")) <= max(width, 1) * (1 + MARKS_PER_CHARACTER) * 4 + 3


def test_a_flood_of_zero_width_characters_costs_a_cell_not_its_size():
    assert shown("a" + "\u200b" * 100_000, 40) == "a" + "\ufffd" * 38 + "…"  # zero-width spaces are Cf: a mark each
    assert shown("e" + "\u0301" * 100_000, 40) == "e" + "\u0301" * MARKS_PER_CHARACTER + "…"
    assert shown("x\u202eevil") == "x\ufffdevil" and shown("\u2066a\u2069") == "\ufffda\ufffd"


def write_config(directory: Path, text: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.toml").write_text(text, encoding="utf-8")


def toml_string(value: str) -> str:
    """`value` as a TOML basic string: every character TOML forbids raw written as an escape."""
    escaped = "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F or ord(c) == 0x5C or ord(c) == 0x22
                      else c for c in value if not 0xD800 <= ord(c) <= 0xDFFF)
    return f'"{escaped}"'


@PROPERTY
@given(key=hostile, keys=hostile, email=hostile, folder=st.text(st.characters(codec="utf-8", exclude_characters="/\x00"),
                                                                 min_size=1, max_size=30))
def test_config_prints_nothing_a_terminal_acts_on_whatever_the_file_env_and_paths_hold(key, keys, email, folder,
                                                                                       tmp_path, monkeypatch, capfdbinary):
    config_dir = tmp_path / f"c{folder}"
    try:
        write_config(config_dir, f"[keymap]\n{toml_string(key)} = {toml_string(keys)}\nsync = \"f9\"\n")
    except OSError:  # a name this file system refuses
        return
    monkeypatch.setenv("EVENTTIA_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("EVENTTIA_EMAIL", email.replace("\x00", "").encode("utf-8", "replace").decode("utf-8"))
    monkeypatch.setenv("EVENTTIA_CACHE_DIR", str(tmp_path / "cache"))
    capfdbinary.readouterr()
    main(["config"])
    main(["config", "--keys"])
    out, err = capfdbinary.readouterr()
    assert problem(out, 2000) is None, out[-400:]
    assert problem(err, 4000) is None, err[-400:]


@pytest.mark.parametrize("url", ["https://connect.eventtia.com/api/v3\x9b2J", "https://evil\x9d0;t\x9c.test/api/v3",
                                 "https://connect.eventtia.com/api/v3\u202e", "https://a.test/\u200bapi",
                                 "https://a.test/api\x1b]0;x\x07"])
def test_an_api_url_with_a_control_or_format_character_is_refused_in_one_line(url, dirs, monkeypatch, capfdbinary):
    monkeypatch.setenv("EVENTTIA_API_URL", url)
    assert main(["find", "demo-expo", "x"]) == 2
    out, err = capfdbinary.readouterr()
    assert out == b"" and err.count(b"\n") == 1 and b"api_url (from EVENTTIA_API_URL)" in err
    assert problem(err) is None


def test_a_cache_dir_with_an_escape_sequence_is_refused_naming_it(dirs, monkeypatch, capfdbinary):
    monkeypatch.setenv("EVENTTIA_CACHE_DIR", str(dirs / "c\x1b]0;PWNED\x07"))
    assert main(["--demo", "find", "demo-expo", "x"]) == 2
    err = capfdbinary.readouterr().err
    assert b"cache_dir (from EVENTTIA_CACHE_DIR)" in err and b"\xe2\x90\x9b]0;PWNED" in err and problem(err) is None


@pytest.mark.parametrize(("keymap", "names"), [
    ('confirm-yes = "n"', ("confirm-yes", "confirm-no", "ConfirmScreen")),
    ('sync = "ctrl+q"', ("sync", "quit", "EventScreen")),
    ('sync = "ctrl+c"', ("sync", "Ctrl+C")),
    ('help = "f1"', ("help", "tab-attendees")),
    ('drop-write = "ctrl+r"', ("drop-write", "send-outbox", "OutboxScreen")),
    ('confirm-no = "y"', ("confirm-no", "confirm-yes")),
])
def test_a_keymap_that_makes_a_key_do_two_things_is_refused_at_start_naming_both(keymap, names, tmp_path):
    write_config(tmp_path / "config", f"[keymap]\n{keymap}\n")

    [problem_line] = keymap_conflicts(tomllib.loads(f"[keymap]\n{keymap}\n")["keymap"], EventtiaApp)
    assert all(name in problem_line for name in names)
    master, slave = os.openpty()  # the TUI needs a terminal before it reads the keymap
    try:
        result = subprocess.run(command("--demo"), stdin=slave, stdout=slave, stderr=subprocess.PIPE, cwd=ROOT,
                                env=environment(tmp_path), timeout=120)
    finally:
        os.close(slave)
        os.close(master)
    lines = result.stderr.decode().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and all(name in lines[0] for name in names), lines


@pytest.mark.parametrize("keymap", ['sync = "f9"', 'confirm-yes = "j"\nconfirm-no = "k,escape"', 'quit = "ctrl+x"',
                                    'tab-tickets = "f9"\nsync = "ctrl+y"', 'close-help = "escape,question_mark,q"'])
def test_a_keymap_that_moves_keys_apart_is_accepted(keymap):
    assert keymap_conflicts(tomllib.loads(f"[keymap]\n{keymap}\n")["keymap"], EventtiaApp) == []


@pytest.mark.parametrize("value", ["[b]x[/b]", "f9\x1b]0;t\x07", "ctrl+\u202er", "", "a b"])
def test_a_keymap_value_that_is_no_key_name_is_refused(value, dirs, capfdbinary):
    write_config(dirs / "config", f"[keymap]\nsync = {toml_string(value)}\n")
    assert main(["config"]) == 2
    err = capfdbinary.readouterr().err
    assert b"keymap (from" in err and b"is not a key name" in err and problem(err) is None


# In the real TUI, on a pty --------------------------------------------------------------------------------

FLOOD_NAME = "Zed" + "\u200b" * 50_000 + "\u0301" * 50_000  # one short name, 100,000 invisible characters after it
BIDI_COMPANY = "Acme \u202eevil\u2066 Corp"


def make_flooded(database) -> None:
    with sqlite3.connect(database) as conn:
        attendee_id, type_id, fields = conn.execute(
            "SELECT id, type_id, fields FROM attendees WHERE archived = 0 AND status = 'confirmed' ORDER BY id "
            "LIMIT 1").fetchone()
        field_ids = dict(conn.execute("SELECT name, id FROM custom_fields WHERE attendee_type_id = ?", (type_id,)))
        fields = json.loads(fields) | {str(field_ids["first_name"]): "Quentin", str(field_ids["last_name"]): FLOOD_NAME,
                                       str(field_ids["company"]): BIDI_COMPANY}
        conn.execute("UPDATE attendees SET first_name = 'Quentin', last_name = ?, company = ?, fields = ? WHERE id = ?",
                     (FLOOD_NAME, BIDI_COMPANY, json.dumps(fields), attendee_id))


def test_the_tui_writes_no_sequence_no_format_character_and_a_bounded_frame_per_key(tmp_path):
    """A [keymap] id carrying OSC 0 and OSC 52 (its toast), an attendee whose name is followed by 100,000
    zero-width characters and whose company holds a bidi override, typed for on a real pty: the terminal
    reads the name and the id as text, and a keystroke with that row on screen costs a frame, not 260 KB."""
    first = RunningTui(tmp_path)  # seeds the demo database and syncs it once
    try:
        first.wait_until_drawn()
    finally:
        first.stop()
    make_flooded(tmp_path / "data" / "demo.sqlite3")

    shutil.rmtree(tmp_path / "cache")
    write_config(tmp_path / "config", '[keymap]\n"x\\u001b]0;PWNED\\u0007\\u001b]52;c;aGk=\\u0007" = "f9"\n')
    tui = RunningTui(tmp_path)
    try:
        tui.wait_until_drawn()
        tui.read(1.0)
        os.write(tui.master, b"\r")  # Demo Expo
        end = time.monotonic() + 60
        while b"attendees. Type a name" not in tui.screen and time.monotonic() < end:
            tui.read(0.2)
        start = len(tui.screen)
        for key in b"quenti":
            os.write(tui.master, bytes([key]))
            tui.read(0.3)
        tui.read(1.5)
        per_key = []
        for key in [b"\x7f"] * 4 + [b"\x1b[B", b"\x1b[A"]:  # shorter queries list more rows; the cursor moves
            before_key = len(tui.screen)
            os.write(tui.master, key)
            tui.read(1.5)
            per_key.append(len(tui.screen) - before_key)
        os.write(tui.master, b"\x7f" * 2 + b"quentin")
        tui.read(2.0)
        os.write(tui.master, b"\r")  # the card
        tui.read(2.0)
        shown_bytes = tui.screen[start:]
        everything = tui.screen
    finally:
        tui.stop()
    assert b"Quentin Zed" in shown_bytes and b"PWNED" in everything, shown_bytes[-2000:]
    assert b"\x1b]0;" not in everything and b"\x1b]52;" not in everything
    text = everything.decode("utf-8", errors="replace")
    assert not FORMAT & set(text), [hex(ord(c)) for c in FORMAT & set(text)]
    assert not re.search("[\u0080-\u009f]", text)
    assert max(per_key) < 64_000, per_key  # was 260 KB a key with the name on screen (14 KB now)


@settings(deadline=None, derandomize=True, database=None, max_examples=4, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(messages=st.lists(hostile, min_size=12, max_size=12), title=hostile)
def test_a_toast_shows_any_message_as_clean_bounded_text(messages, title, dirs, sandbox_app, clock, fast_retry):
    """Names, server messages, paths and exception text in toasts: what the toast draws is clean, never markup."""
    async def run() -> list[str]:
        settings = Settings(api_url=BASE_URL, cache_dir=dirs / "cache", data_dir=dirs / "data", demo=True)
        client = EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=sandbox_app), retry=fast_retry)
        app = EventtiaApp(Session(settings, client, TokenStore(dirs / "config"), clock=clock), cursor_blink=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            for message in messages:
                app.notify(message, title=title, timeout=60)
            await settle(pilot)
            notes = list(app._notifications)[-len(messages):]
            assert len(notes) == len(messages) and not any(note.markup for note in notes)  # drawn as plain text
            return [note.message + note.title for note in notes]  # what each toast draws

    for drawn in asyncio.run(run()):
        assert problem(drawn.replace("\t", " ")) is None, drawn[:200]
        assert len(drawn.encode("utf-8")) <= 300 * 5 * 4 + 120 * 5 * 4 + 200
