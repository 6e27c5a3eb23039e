"""The TUI as a real child process on a real pty, the test holding the master side (the operator's terminal)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

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
