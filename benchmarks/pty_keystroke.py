"""Keystroke → result rows on screen, measured the way a person meets it: the real app in a pseudo-terminal.

`eventtia-tui` (the installed command) is spawned on a pty of 120×36 with TERM=xterm-256color, signed in
with a stored token, on a synced event. Keys are written one at a time at a person's pace (120 ms apart;
the scanner gate, screens/scan_gate.py, takes keys closer than 30 ms for a badge burst). Every byte the
app writes is read back and fed through a terminal emulator (pyte). A keystroke's time runs from the
write of the key to the read of the bytes after which the emulated screen shows the answer to the text
typed so far: the text in the search box, the status line's count, and the first result rows — the
names the index gives for that text, in that order (computed beforehand in this process from the same
synced copy). The stamp is taken when those bytes were read, before pyte parses them. When a key's
answer is not on screen 120 ms after it, the next key waits for it (so each key is timed on its own).

During a first sync (the second row) the copy is still filling, so there is no fixed expected answer:
there the key's text in the box, a status line about a query, and a first row that holds the first word
typed (or the "no attendee matches" line) make the answer.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import termios
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyte

from eventtia_tui.gateway import AttendeeIndex

from .report import Row, ms, p50, p95

SIZE = (120, 36)
KEY_INTERVAL = 0.12  # a person's pace: well over the scanner gate's 30 ms burst gap
ANSWER_TIMEOUT = 10.0
START_TIMEOUT = 120.0
ROWS_CHECKED = 3  # first result rows compared name by name
PLACEHOLDER = "Name, email, company"
BOX_TOP = "▔▔▔▔"  # the search box's top border (the first box on the event's screens)
BOX_EDGE = "▎"  # the search box's right border, on the line of its text
MAX_MISSED = 3  # keys whose answer never showed before the run gives up (and shows the screen)
GOAL = {50_000: 0.0167, 200_000: 0.033}
FRAME = 0.0167


@dataclass(frozen=True)
class Answer:
    """What the screen must show once `text` is in the search box."""

    text: str
    count: int  # results listed (at most the app's RESULT_LIMIT)
    names: tuple[str, ...]  # the first rows' name cells, in order


def expected_answers(index: AttendeeIndex, words: list[str]) -> dict[str, Answer]:
    """The index's answer to every prefix of every word, as the search pane lists it."""
    from screens.attendee_search import RESULT_LIMIT
    from screens.results_list import shown_cell

    answers: dict[str, Answer] = {}
    for word in words:
        for end in range(1, len(word) + 1):
            text = word[:end]
            if text in answers or not text.strip():
                continue
            records = [m.record for m in index.search(text, limit=RESULT_LIMIT)]
            names = tuple(str(shown_cell(r.full_name or "—")) for r in records[:ROWS_CHECKED])
            answers[text] = Answer(text, len(records), names)
    return answers


def folded(text: str) -> str:
    """Casefolded without accents: the index matches "sanchez" to "Sánchez"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def status_for(count: int) -> str:
    from screens.attendee_search import RESULT_LIMIT

    if count == 0:
        return "No attendee matches"
    if count == RESULT_LIMIT:
        return f"Top {RESULT_LIMIT} matches"
    return f"{count} match{'es' if count != 1 else ''}."


class Terminal:
    """A child process on a pseudo-terminal, its output parsed by a terminal emulator."""

    def __init__(self, command: list[str], env: dict[str, str], size: tuple[int, int] = SIZE) -> None:
        columns, lines = size
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env,
                                        start_new_session=True, close_fds=True)
        os.close(slave)
        self.fd = master
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)
        self.received = 0

    @property
    def lines(self) -> list[str]:
        return self.screen.display

    def write(self, data: bytes) -> float:
        written = time.perf_counter()
        os.write(self.fd, data)
        return written

    def wait_for(self, shows: Callable[[list[str]], bool], timeout: float) -> float | None:
        """Read and parse until `shows(lines)` holds after a read; the moment of that read (None: timed out)."""
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], left)
            if not ready:
                return None
            # Everything there is to read first, then parse: pyte takes milliseconds over a frame's bytes, and
            # parsing a frame's first part before reading the rest would put that time on the app's clock.
            data = b""
            while ready:
                try:
                    chunk = os.read(self.fd, 1 << 16)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                if not chunk:
                    if data:
                        break
                    raise RuntimeError(f"the app left the terminal (exit {self.process.poll()}):\n" + self.dump())
                data += chunk
                read_at = time.perf_counter()
                ready, _, _ = select.select([self.fd], [], [], 0)
            self.received += len(data)
            self.stream.feed(data)
            if shows(self.lines):
                return read_at

    def drain(self, seconds: float) -> None:
        self.wait_for(lambda lines: False, seconds)

    def dump(self) -> str:
        return "\n".join(line.rstrip() for line in self.lines)

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        os.close(self.fd)


@dataclass
class Layout:
    """Where the search box's text starts on the emulated screen. The pane's lines are found afresh on every
    look: a banner above it (offline, a sync's progress) moves them down."""

    box_x: int
    screen: pyte.Screen | None = None  # for the cursor's cell (a trailing space shows only by where it is)

    @classmethod
    def find(cls, lines: list[str]) -> Layout | None:
        y = cls.box_y(lines)
        return cls(lines[y].index(PLACEHOLDER)) if y is not None and PLACEHOLDER in lines[y] else None

    @staticmethod
    def box_y(lines: list[str]) -> int | None:
        return next((y + 1 for y, line in enumerate(lines[:-1]) if BOX_TOP in line), None)

    def box_shows(self, lines: list[str], text: str) -> bool:
        y = self.box_y(lines)
        if y is None:
            return False
        shown = lines[y][self.box_x:]
        if not text:
            return shown.startswith(PLACEHOLDER)
        if not shown.startswith(text) or shown[len(text):].strip(" " + BOX_EDGE):
            return False
        return not text[-1].isspace() or self.cursor_at(y, self.box_x + len(text))

    def cursor_at(self, y: int, x: int) -> bool:
        """The box's cursor (drawn as a cell in other colours, not the terminal's) is at x."""
        if self.screen is None:
            return True
        line = self.screen.buffer[y]
        return (line[x].fg, line[x].bg) != (line[x + 1].fg, line[x + 1].bg)

    @staticmethod
    def header(lines: list[str]) -> tuple[int, int] | None:
        for y, line in enumerate(lines):
            if " Name " in line and " Company " in line and " Status " in line:  # Email may be off to the right
                return y, line.index(" Name ")
        return None

    def status(self, lines: list[str], header_y: int) -> str:
        top = self.box_y(lines)
        return " ".join(line.strip() for line in lines[(top or 0) + 2:header_y]).strip()

    def shows(self, lines: list[str], answer: Answer) -> bool:
        if not self.box_shows(lines, answer.text):
            return False
        header = self.header(lines)
        if header is None:
            return False
        header_y, x = header
        if status_for(answer.count) not in self.status(lines, header_y):
            return False
        rows = lines[header_y + 1:header_y + 1 + len(answer.names)]
        return len(rows) == len(answer.names) and all(
            row[x + 1:].startswith(name) for row, name in zip(rows, answer.names))

    def shows_some_answer(self, lines: list[str], text: str) -> bool:
        """During a sync: the text in the box, a status about a query, and a first row holding the first word typed."""
        if not self.box_shows(lines, text):
            return False
        header = self.header(lines)
        if header is None:
            return False
        header_y, _ = header
        status = self.status(lines, header_y)
        if "No attendee matches" in status:
            return True
        if not re.search(r"(\d+ match|Top \d+ matches)", status) or header_y + 1 >= len(lines):
            return False
        # The first word only: what else matches (an email's other parts, a later word's prefix) is the
        # index's business, and the copy is partial.
        first_word = re.findall(r"\w+", folded(text))[:1]
        return all(word in folded(lines[header_y + 1]) for word in first_word)

    def cleared(self, lines: list[str]) -> bool:
        header = self.header(lines)
        return (self.box_shows(lines, "") and header is not None
                and "attendees" in self.status(lines, header[0]))


def app_command() -> list[str]:
    installed = Path(sys.executable).with_name("eventtia-tui")
    if installed.exists():
        return [str(installed)]
    found = shutil.which("eventtia-tui")
    return [found] if found else [sys.executable, "-m", "eventtia_tui.cli"]


def app_env(config_dir: Path, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("EVENTTIA_", "TEXTUAL"))}
    env.update(TERM="xterm-256color", COLUMNS=str(SIZE[0]), LINES=str(SIZE[1]), LANG="C.UTF-8",
               EVENTTIA_CONFIG_DIR=str(config_dir), EVENTTIA_DATA_DIR=str(data_dir), **extra)
    return env


@dataclass
class Typed:
    samples: list[float] = field(default_factory=list)  # key written → answer's bytes read
    changed: list[float] = field(default_factory=list)  # the same, for keys that changed the rows listed
    missed: int = 0  # keys whose answer never showed (within ANSWER_TIMEOUT)
    missed_texts: list[str] = field(default_factory=list)
    words: int = 0
    start_s: float = 0.0  # spawn → search pane drawn
    complete_after: int = 0  # words typed before the status said the sync was done (sync run)

    @property
    def worst(self) -> float:
        return max(self.samples, default=0.0)


def spawned(url: str, cache_dir: Path, config_dir: Path, data_dir: Path, uri: str, **env: str) -> Terminal:
    command = [*app_command(), "--api-url", url, "--cache-dir", str(cache_dir), "--event", uri]
    return Terminal(command, app_env(config_dir, data_dir, **env))


def ready_layout(terminal: Terminal, idle: bool) -> Layout:
    """Wait for the search pane; with `idle`, until it says it has the whole copy (the index is loaded)."""
    def ready(lines: list[str]) -> bool:
        layout = Layout.find(lines)
        header = Layout.header(lines)
        if layout is None or header is None:
            return False
        return not idle or "attendees. Type a name" in layout.status(lines, header[0])

    if terminal.wait_for(ready, START_TIMEOUT) is None:
        raise RuntimeError("the search pane did not come up in the pty:\n" + terminal.dump())
    layout = Layout.find(terminal.lines)
    assert layout is not None
    layout.screen = terminal.screen
    return layout


def keys(text: str) -> Iterator[tuple[str, bytes]]:
    for end in range(1, len(text) + 1):
        yield text[:end], text[end - 1].encode()


def type_word(terminal: Terminal, layout: Layout, word: str, typed: Typed,
              shows: Callable[[list[str], str], bool], previous: dict[str, tuple[str, ...]]) -> None:
    cleared = terminal.write(b"\x0c")  # Ctrl+L: empty the box
    terminal.wait_for(layout.cleared, ANSWER_TIMEOUT)
    time.sleep(max(0.0, cleared + KEY_INTERVAL - time.perf_counter()))
    before: tuple[str, ...] = ()
    for text, key in keys(word):
        written = terminal.write(key)
        shown_at = terminal.wait_for(lambda lines, t=text: shows(lines, t), ANSWER_TIMEOUT)
        if shown_at is None:
            typed.missed += 1
            typed.missed_texts.append(text)
            if typed.missed > MAX_MISSED:
                raise RuntimeError(f"the answer to {text!r} did not show in the pty (expected rows: "
                                   f"{previous.get(text)}):\n" + terminal.dump())
        else:
            typed.samples.append(shown_at - written)
            now_rows = previous.get(text, ())
            if now_rows != before or not now_rows:
                typed.changed.append(shown_at - written)
            before = now_rows
        time.sleep(max(0.0, written + KEY_INTERVAL - time.perf_counter()))
    typed.words += 1


def type_idle(url: str, cache_dir: Path, config_dir: Path, data_dir: Path, uri: str, words: list[str],
              answers: dict[str, Answer]) -> Typed:
    """The words typed into the app on a synced event; each key's answer checked against the index's."""
    typed = Typed()
    started = time.perf_counter()
    terminal = spawned(url, cache_dir, config_dir, data_dir, uri)
    try:
        layout = ready_layout(terminal, idle=True)
        typed.start_s = time.perf_counter() - started
        terminal.drain(0.5)  # let the on-open incremental sync answer
        names = {text: answer.names for text, answer in answers.items()}
        for word in words:
            type_word(terminal, layout, word, typed, lambda lines, text: layout.shows(lines, answers[text]), names)
    finally:
        terminal.close()
    return typed


def type_during_sync(url: str, cache_dir: Path, config_dir: Path, data_dir: Path, uri: str,
                     words: list[str], max_words: int = 200) -> Typed:
    """The words typed (round and round) from the first moment the pane shows, while the app's first full
    sync fills an empty cache, until one word after the pane says the copy is complete."""
    typed = Typed()
    started = time.perf_counter()
    terminal = spawned(url, cache_dir, config_dir, data_dir, uri, EVENTTIA_RATE_LIMIT="0")
    try:
        layout = ready_layout(terminal, idle=False)
        typed.start_s = time.perf_counter() - started
        done_after = None
        for number in range(max_words):
            word = words[number % len(words)]
            type_word(terminal, layout, word, typed, layout.shows_some_answer, {})
            terminal.write(b"\x0c")
            terminal.wait_for(layout.cleared, ANSWER_TIMEOUT)
            header = Layout.header(terminal.lines)
            if done_after is None and header and "attendees. Type a name" in layout.status(terminal.lines, header[0]):
                done_after = number + 1
            elif done_after is not None:
                break
            time.sleep(KEY_INTERVAL)
        typed.complete_after = done_after or 0
    finally:
        terminal.close()
    return typed


def goal_for(attendees: int) -> float:
    return GOAL[50_000] if attendees <= 50_000 else GOAL[200_000]


def measure(url: str, cache_dir: Path, config_dir: Path, data_dir: Path, attendees: int, words: list[str],
            answers: dict[str, Answer], sync_cache_dir: Path, uri: str) -> list[Row]:
    idle = type_idle(url, cache_dir, config_dir, data_dir, uri, words, answers)
    during = type_during_sync(url, sync_cache_dir, config_dir, data_dir, uri, words)
    goal = goal_for(attendees)
    i50, i95 = p50(idle.samples), p95(idle.samples)
    d50, d95 = p50(during.samples), p95(during.samples)
    size = f"{SIZE[0]}×{SIZE[1]}"
    return [
        Row(key="keystroke-pty", measure="keystroke → result rows on screen, real app in a pty, p50 / p95 / max",
            attendees=attendees, result=f"{ms(i50)} / {ms(i95)} / {ms(idle.worst)}",
            baseline=f"one 60 Hz frame {ms(FRAME)}", ratio=f"{i95 / FRAME:.1f}× a frame (p95)",
            goal=f"p95 ≤ {ms(goal)}", passed=i95 <= goal and idle.missed == 0,
            figures={"p50": i50, "p95": i95, "max": idle.worst, "keystrokes": len(idle.samples),
                     "missed": idle.missed, "changed_p95": p95(idle.changed), "changed_keys": len(idle.changed),
                     "start_s": idle.start_s},
            note=f"{len(idle.samples)} keys over {idle.words} names and emails typed {KEY_INTERVAL * 1000:.0f} ms "
                 f"apart into `eventtia-tui` on a {size} pty (TERM=xterm-256color): key written → the bytes read "
                 f"after which the emulated screen (pyte) shows the text, the status count and the first "
                 f"{ROWS_CHECKED} rows the index gives; keys that changed the rows "
                 f"({len(idle.changed)}) p95 {ms(p95(idle.changed))}; {idle.missed} never showed it"
                 + (f" ({', '.join(map(repr, idle.missed_texts))})" if idle.missed else "")),
        Row(key="keystroke-pty-sync",
            measure="keystroke → rows on screen during a first full sync, pty (budget off, 100/page), "
                    "p50 / p95 / max",
            attendees=attendees, result=f"{ms(d50)} / {ms(d95)} / {ms(during.worst)}",
            baseline=f"idle {ms(i50)} / {ms(i95)}", ratio=f"{d95 / i95:.1f}× idle (p95)",
            goal="p95 ≤ 33 ms, max ≤ 100 ms",
            passed=d95 <= 0.033 and during.worst <= 0.1 and during.missed == 0,
            figures={"p50": d50, "p95": d95, "max": during.worst, "keystrokes": len(during.samples),
                     "missed": during.missed, "start_s": during.start_s},
            note=f"the app started on an empty cache (EVENTTIA_RATE_LIMIT=0: no request budget; the sandbox "
                 f"serves 100 a page) and typed into from its first frame: {len(during.samples)} keys over "
                 f"{during.words} words, the sync "
                 + (f"done after {during.complete_after} words" if during.complete_after else "not seen done")
                 + f"; answer = the text in the box, a match count and a first row holding the first word typed; "
                   f"{during.missed} never showed it"
                 + (f" ({', '.join(map(repr, during.missed_texts))})" if during.missed else "")),
    ]
