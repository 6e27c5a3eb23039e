"""The TUI's terminal: it needs one to start, and it stops within a second of losing it.

Without this, a TUI started with no terminal (`ssh host eventtia-tui` without -t, stdin from /dev/null)
draws into a pipe, and one whose terminal went away (the SSH connection dropped, the terminal window
closed) reads end-of-file from stdin forever and spins at 80-90 % CPU. No Textual here.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

HANGUP_EXIT = 129  # 128 + SIGHUP, as a shell reports a process ended by a hang-up
CHECK_EVERY = 0.25  # seconds between looks at the terminal
GRACE = 0.6  # seconds a hung-up app gets to close cleanly before the process ends anyway
# Linux reports a hung-up terminal as POLLHUP; macOS's poll() does not work on terminals (POLLNVAL at once),
# so there only the SIGHUP the terminal sends its session is watched.
POLL_TERMINAL = sys.platform.startswith("linux")

NO_TERMINAL = ("error: eventtia-tui needs a terminal (stdin and stdout are not one here; over ssh, use "
               "`ssh -t`). The sync, find and sandbox commands work without one.")


def textual_drives_a_terminal() -> bool:
    """Whether Textual will draw on a terminal: it does unless TEXTUAL_DRIVER names another driver, as
    textual-serve does (its WebDriver speaks to the browser's page over pipes, so no terminal is there)."""
    return not os.environ.get("TEXTUAL_DRIVER")


def has_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdout is not None and sys.stdin.isatty() and sys.stdout.isatty()
    except (AttributeError, ValueError, OSError):  # a closed or replaced stream
        return False


class HangUpWatch:
    """Watches for SIGHUP and for the terminal hanging up (POLLHUP on stdin), then asks the app to exit."""

    def __init__(self, app: Any, fd: int) -> None:
        self.app = app
        self.fd = fd
        self.hung_up = threading.Event()
        self.finished = threading.Event()
        self.thread = threading.Thread(target=self.watch, name="eventtia-hangup", daemon=True)

    def on_signal(self, signum: int, frame: Any) -> None:
        self.hung_up.set()

    def terminal_gone(self, poller: select.poll | None) -> bool:
        if poller is None:
            self.finished.wait(CHECK_EVERY)
            return False
        # Registered for no event: poll() reports only POLLHUP/POLLERR/POLLNVAL, never pending input.
        return any(mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL)
                   for _, mask in poller.poll(CHECK_EVERY * 1000))

    def watch(self) -> None:
        poller = None
        if POLL_TERMINAL:
            poller = select.poll()
            poller.register(self.fd, 0)
        while not self.finished.is_set():
            if self.hung_up.is_set() or self.terminal_gone(poller):
                self.hung_up.set()
                self.leave()
                return

    def leave(self) -> None:
        # Asked from a thread of its own: call_from_thread waits for the app, which may never answer.
        threading.Thread(target=self.ask_app_to_exit, name="eventtia-hangup-exit", daemon=True).start()
        if not self.finished.wait(GRACE):
            os._exit(HANGUP_EXIT)  # writes are in the outbox on disk already: nothing is lost by this

    def ask_app_to_exit(self) -> None:
        try:
            self.app.call_from_thread(self.app.exit, None, HANGUP_EXIT)
        except Exception:  # the app is not running yet, or is already closing
            pass


@contextmanager
def exit_on_hang_up(app: Any) -> Iterator[HangUpWatch]:
    """While the app runs: a SIGHUP or a hung-up terminal makes it exit (code 129) within a second."""
    watch = HangUpWatch(app, sys.stdin.fileno())
    hangup = getattr(signal, "SIGHUP", None)  # none on Windows
    previous = signal.signal(hangup, watch.on_signal) if hangup is not None else None
    watch.thread.start()
    try:
        yield watch
    finally:
        watch.finished.set()
        if hangup is not None:
            signal.signal(hangup, previous)
