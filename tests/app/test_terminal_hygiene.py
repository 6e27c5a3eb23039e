"""Terminal hygiene (issue 14): the TUI needs a terminal, stops within a second of losing it, and every file
it keeps is 0600 in a 0700 directory. The TUI runs as a real child process on a real pty."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
from pathlib import Path

import pytest

from eventtia_tui.app import EventtiaApp
from eventtia_tui.cli import main
from eventtia_tui.session import Settings, open_session
from tests.app.tui_process import HANG, ROOT, RunningTui, command, environment

pytestmark = pytest.mark.hostile


def test_without_a_terminal_the_tui_refuses_in_one_line(tmp_path):
    result = subprocess.run(command("--demo"), stdin=subprocess.DEVNULL, capture_output=True, cwd=ROOT,
                            env=environment(tmp_path), timeout=60)
    assert result.returncode == 2
    assert result.stdout == b""
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and "needs a terminal" in lines[0] and "ssh -t" in lines[0]


def test_a_terminal_for_output_only_is_not_enough(tmp_path):
    master, slave = os.openpty()
    try:
        result = subprocess.run(command("--demo"), stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE,
                                cwd=ROOT, env=environment(tmp_path), timeout=60)
    finally:
        os.close(slave)
        os.close(master)
    assert result.returncode == 2 and b"needs a terminal" in result.stderr


def test_the_commands_work_without_a_terminal(tmp_path):
    result = subprocess.run(command("--demo", "find", "demo-expo", "ana"), stdin=subprocess.DEVNULL,
                            capture_output=True, cwd=ROOT, env=environment(tmp_path), timeout=60)
    assert result.returncode == 2 and b"has not been synced on this machine yet" in result.stderr


@pytest.fixture
def tui(tmp_path):
    running = RunningTui(tmp_path)
    yield running
    running.stop()


def test_the_tui_exits_when_its_terminal_closes(tui):
    tui.wait_until_drawn()
    tui.close_terminal()
    assert tui.seconds_to_exit() < HANG and tui.process.poll() is not None
    assert tui.process.returncode == 129


def test_the_tui_exits_on_sighup(tui, tmp_path):
    tui.wait_until_drawn()
    for top in ("cache", "data"):  # the outbox, the cache and the demo database, as the TUI made them
        loose = {name: oct(mode) for name, mode in modes_under(tmp_path / top).items() if mode & 0o077}
        assert not loose, f"{top}: {loose}"
    assert (tmp_path / "data" / "state" / "outbox").is_dir()  # state, not cache: deleting the cache keeps it
    tui.process.send_signal(signal.SIGHUP)
    assert tui.seconds_to_exit() < HANG and tui.process.poll() is not None
    assert tui.process.returncode == 129


def modes_under(directory: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(directory.stat().st_mode)}
    for path in directory.rglob("*"):
        found[str(path.relative_to(directory))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def test_cache_outbox_and_audit_are_private(dirs):
    previous = os.umask(0o022)
    try:
        (dirs / "cache").mkdir(mode=0o755)  # made by an older version, before the umask
        os.chmod(dirs / "cache", 0o755)
        assert main(["--demo", "sync", "demo-expo"]) == 0
        assert os.umask(0o022) == 0o022  # the CLI gives the caller its umask back
    finally:
        os.umask(previous)
    for top in ("cache", "data"):
        modes = modes_under(dirs / top)
        assert len(modes) > 2
        loose = {name: oct(mode) for name, mode in modes.items() if mode & 0o077}
        assert not loose, f"{top}: {loose}"
    assert {"budget", "cache.db"} <= set(os.listdir(dirs / "cache"))


def test_the_crash_log_is_private(dirs):
    previous = os.umask(0o022)
    try:
        settings = Settings.from_env("http://eventtia.test/api/v3")
        app = EventtiaApp(open_session(settings))
        app._handle_exception(RuntimeError("Eve\x1b]0;boom\x07"))
    finally:
        os.umask(previous)
    log = dirs / "data" / "state" / "crash.log"
    assert "RuntimeError" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert "\x1b" not in app.crash_message
