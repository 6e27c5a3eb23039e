"""The real app in a pseudo-terminal: a NOT PAID badge scanned into a fresh start never puts CONFIRMED on the
terminal, not in one frame — every byte the app writes after the scan is read and searched.

The badge is scanned as the event screen appears, while the first sync is still running: the card then
opens before the attendee types (and their prices) are known, which is when a green CONFIRMED used to show.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pyte
import pytest

PRICED = {"VIP", "Buyer", "Seller"}  # the demo's types with a price (eventtia_tui/sandbox/seed.py)
GUARD = 300.0  # seconds: only so a hung app cannot hang the suite; the machine may be slow


def command() -> list[str]:
    found = shutil.which("eventtia-tui", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "eventtia_tui.cli"]


def unpaid_badge(env: dict[str, str]) -> str:
    """A NOT PAID badge of the demo, found through its own CLI (a synced copy in another cache dir)."""
    subprocess.run([*command(), "--demo", "sync", "demo-expo"], env=env, check=True, capture_output=True)
    found = subprocess.run([*command(), "--demo", "find", "demo-expo", "a", "--json", "--limit", "500"], env=env,
                           check=True, capture_output=True, text=True)
    people = json.loads(found.stdout)
    person = next(p for p in people if not p["paid"] and p["attendee_type"] in PRICED and p["qr_code"]
                  and p["verdict"] == "NOT PAID")
    return person["qr_code"]


def read_until(fd: int, sink: bytearray, screen: pyte.Screen, done) -> bool:
    """Read the app's bytes into `sink` (and the emulated `screen`) until `done(screen text)`."""
    stream = pyte.ByteStream(screen)
    deadline = time.monotonic() + GUARD
    while time.monotonic() < deadline:
        if not select.select([fd], [], [], 0.5)[0]:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        sink += chunk
        stream.feed(chunk)
        if done("\n".join(screen.display)):
            return True
    return False


def card_settled(text: str) -> bool:
    """The card's verdict is up and its own load is over (the activities line no longer says loading)."""
    return "NOT PAID" in text and "Activities" in text and "Activities: loading" not in text


def test_a_not_paid_badge_never_shows_confirmed_on_the_terminal(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTTIA_")} | {
        "EVENTTIA_CONFIG_DIR": str(tmp_path / "config"), "EVENTTIA_DATA_DIR": str(tmp_path / "data"),
        "EVENTTIA_CACHE_DIR": str(tmp_path / "cache-cli"), "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "36"}
    badge = unpaid_badge(env)
    env["EVENTTIA_CACHE_DIR"] = str(tmp_path / "cache-app")  # a fresh start: nothing synced, no types cached

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    app = subprocess.Popen([*command(), "--demo", "--event", "demo-expo"], stdin=slave, stdout=slave, stderr=slave,
                           env=env, start_new_session=True)
    os.close(slave)
    try:
        screen = pyte.Screen(120, 36)
        before, after = bytearray(), bytearray()
        assert read_until(master, before, screen, lambda text: "F1 Attendees" in text), before[-2000:]
        os.write(master, badge.encode() + b"\r")  # one burst, as a keyboard-wedge scanner types it
        settled = read_until(master, after, screen, card_settled)
        shown = "\n".join(screen.display)
        assert settled, shown
        assert b"CONFIRMED" not in after, shown  # not in any frame written after the scan
        assert "NOT PAID" in shown and "CONFIRMED" not in shown
    finally:
        os.write(master, b"\x11")  # Ctrl+Q
        try:
            app.wait(timeout=30)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
        os.close(master)


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal")
