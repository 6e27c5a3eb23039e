"""Terminal hygiene (issue 14): the TUI needs a terminal, stops within a second of losing it, and every file
it keeps is 0600 in a 0700 directory. The TUI runs as a real child process on a real pty."""

from __future__ import annotations

import os
import select
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eventtia_tui.cli import main

ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 60.0
HANG = 30.0  # seconds: a process still running by then never exits (how fast it exits is no test's business on a loaded machine)


def environment(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("EVENTTIA_")}
    env.update(HOME=str(home), TERM="xterm-256color", COLUMNS="100", LINES="30",
               EVENTTIA_DATA_DIR=str(home / "data"), EVENTTIA_CACHE_DIR=str(home / "cache"),
               EVENTTIA_CONFIG_DIR=str(home / "config"))
    return env


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "eventtia_tui.cli", *args]


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


class RunningTui:
    """The TUI on the slave side of a pty; the test holds the master (the operator's terminal)."""

    def __init__(self, home: Path) -> None:
        self.master, slave = os.openpty()
        os.set_blocking(self.master, False)
        self.process = subprocess.Popen(command("--demo"), stdin=slave, stdout=slave, stderr=slave, cwd=ROOT,
                                        env=environment(home), close_fds=True)
        os.close(slave)
        self.screen = b""

    def read(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while self.master is not None and (left := end - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], min(left, 0.1))
            if ready:
                try:
                    self.screen += os.read(self.master, 65536)
                except OSError:  # the child closed its side
                    return

    def wait_until_drawn(self) -> None:
        end = time.monotonic() + STARTUP_TIMEOUT
        while b"Demo Expo" not in self.screen and time.monotonic() < end and self.process.poll() is None:
            self.read(0.2)
        assert b"Demo Expo" in self.screen, self.screen[-2000:]

    def seconds_to_exit(self) -> float:
        started = time.monotonic()
        while self.process.poll() is None and time.monotonic() - started < HANG:
            self.read(0.02)
            if self.master is None:
                time.sleep(0.02)
        return time.monotonic() - started

    def close_terminal(self) -> None:
        os.close(self.master)
        self.master = None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.master is not None:
            os.close(self.master)


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
    from eventtia_tui.app import EventtiaApp
    from eventtia_tui.session import Settings, open_session

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
