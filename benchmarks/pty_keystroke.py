"""Keystroke → result rows on screen, measured the way a person meets it: the real app in a pseudo-terminal.

`eventtia-tui` (the installed command) is spawned on a pty of 120×36 with TERM=xterm-256color, signed in
with a stored token, on a synced event. Keys are written one at a time at a person's pace (120 ms apart;
the scanner gate, eventtia_tui/screens/scan_gate.py, takes keys closer than 30 ms for a badge burst). Every byte the
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
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pyte
from wcwidth import wcwidth

from eventtia_tui.store.index import AttendeeIndex

from .floor_app import SHOWN as FLOOR_ROWS
from .keystroke import latin
from .processes import Footprint, MemoryWatch, footprint
from .report import Row, ms, p50, p95, secs

SIZE = (120, 36)
KEY_INTERVAL = 0.12  # a person's pace: well over the scanner gate's 30 ms burst gap
SYNC_KEY_INTERVAL = 0.06  # during a sync: keys closer together, so a stall cannot hide between two of them
SYNC_CAP = 420.0  # seconds typed into a first sync at most (it is then reported as not seen done)
AFTER_DONE = 3.0  # seconds typed after a sync says it is done (its last save, index swap…)
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
    from eventtia_tui.screens.attendee_search import RESULT_LIMIT
    from eventtia_tui.screens.results_list import shown_cell

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
    from eventtia_tui.screens.attendee_search import RESULT_LIMIT

    if count == 0:
        return "No attendee matches"
    if count == RESULT_LIMIT:
        return f"Top {RESULT_LIMIT} matches"
    return f"{count} match{'es' if count != 1 else ''}."


def display(screen: pyte.Screen) -> list[str]:
    """The screen's lines, as pyte's `display` but with a blank for a wide character's orphaned second half
    (left when a narrow character overwrites the first half: pyte's own `display` fails on it)."""
    lines = []
    for y in range(screen.lines):
        row, cells, stub = screen.buffer[y], [], False
        for x in range(screen.columns):
            if stub:
                stub = False
                continue
            data = row[x].data
            cells.append(data or " ")
            stub = bool(data) and wcwidth(data[0]) == 2
        lines.append("".join(cells))
    return lines


class Terminal:
    """A child process on a pseudo-terminal, its output parsed by a terminal emulator."""

    def __init__(self, command: list[str], env: dict[str, str], size: tuple[int, int] = SIZE,
                 cwd: Path | None = None) -> None:
        columns, lines = size
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                                        start_new_session=True, close_fds=True)
        os.close(slave)
        self.fd = master
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)
        self.received = 0

    @property
    def lines(self) -> list[str]:
        return display(self.screen)

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
            if " Name " in line and " Company " in line and " Verdict " in line:  # Email may be off to the right
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
        # A name in another script (Devanagari's combining signs…) is checked by its place only: the terminal
        # emulator and Textual may not agree on its width, which shifts the rest of its line.
        return len(rows) == len(answer.names) and all(
            row[x + 1:].startswith(name) or (not latin(name) and row.strip())
            for row, name in zip(rows, answer.names))

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
        # The rows are not checked against an answer: the copy is partial, and its best matches may be fuzzy
        # ones. The pane updates the box, the status and the rows in one call, so they reach the screen together.
        return bool(re.search(r"(\d+ match|Top \d+ matches)", status)) and header_y + 1 < len(lines)

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
    written: list[int] = field(default_factory=list)  # bytes the app wrote to the terminal for each key's answer
    missed: int = 0  # keys whose answer never showed (within ANSWER_TIMEOUT)
    missed_texts: list[str] = field(default_factory=list)
    missed_screens: list[str] = field(default_factory=list)  # what the screen showed instead (for --json)
    words: int = 0
    start_s: float = 0.0  # spawn → search pane drawn (idle: → it says it holds the whole copy)
    complete_after: int = 0  # words typed before the status said the sync was done (sync run)
    after_done_s: float = 0.0  # typing went on this long after the sync was seen done
    sync_s: float = 0.0  # spawn → the pane said the copy was complete (sync run)
    memory: MemoryWatch | None = None
    pid: int = 0  # the app's process (its helpers are the others the memory watch saw)

    @property
    def worst(self) -> float:
        return max(self.samples, default=0.0)


def spawned(url: str, cache_dir: Path, config_dir: Path, data_dir: Path, uri: str, **env: str) -> Terminal:
    command = [*app_command(), "--api-url", url, "--cache-dir", str(cache_dir), "--event", uri]
    return Terminal(command, app_env(config_dir, data_dir, **env))


def searchable(lines: list[str]) -> bool:
    """The search pane is up and says it holds the event's whole copy (its index is loaded)."""
    layout = Layout.find(lines)
    header = Layout.header(lines)
    return layout is not None and header is not None and "attendees. Type a name" in layout.status(lines, header[0])


def ready_layout(terminal: Terminal, idle: bool) -> Layout:
    """Wait for the search pane; with `idle`, until it says it has the whole copy (the index is loaded)."""
    def ready(lines: list[str]) -> bool:
        return searchable(lines) if idle else Layout.find(lines) is not None and Layout.header(lines) is not None

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
              shows: Callable[[list[str], str], bool], previous: dict[str, tuple[str, ...]],
              interval: float = KEY_INTERVAL) -> None:
    if not layout.cleared(terminal.lines):
        # Ctrl+L empties the box, and the first key waits until the screen shows it did: a letter that overtook
        # the binding (a busy app handles Ctrl+L where it bubbles to, after the box took the letter) is erased.
        cleared = terminal.write(b"\x0c")
        terminal.wait_for(layout.cleared, ANSWER_TIMEOUT)
        time.sleep(max(0.0, cleared + interval - time.perf_counter()))
    before: tuple[str, ...] = ()
    for text, key in keys(word):
        received = terminal.received
        written = terminal.write(key)
        shown_at = terminal.wait_for(lambda lines, t=text: shows(lines, t), ANSWER_TIMEOUT)
        if shown_at is None:
            typed.missed += 1
            typed.missed_texts.append(text)
            if typed.missed > MAX_MISSED and previous:  # idle: the answers are known, so the run is wrong
                raise RuntimeError(f"the answer to {text!r} did not show in the pty (expected rows: "
                                   f"{previous.get(text)}):\n" + terminal.dump())
            typed.missed_screens.append(terminal.dump())
            break  # the rest of this word would be measured against a box that does not hold what was typed
        else:
            typed.samples.append(shown_at - written)
            typed.written.append(terminal.received - received)
            now_rows = previous.get(text, ())
            if now_rows != before or not now_rows:
                typed.changed.append(shown_at - written)
            before = now_rows
        time.sleep(max(0.0, written + interval - time.perf_counter()))
    else:
        typed.words += 1


def type_idle(url: str, cache_dir: Path, config_dir: Path, data_dir: Path, uri: str, words: list[str],
              answers: dict[str, Answer]) -> Typed:
    """The words typed into the app on a synced event; each key's answer checked against the index's."""
    return type_alternately([lambda: spawned(url, cache_dir, config_dir, data_dir, uri)], words, answers)[0]


def type_alternately(spawns: list[Callable[[], Terminal]], words: list[str], answers: dict[str, Answer]) -> list[Typed]:
    """The words typed into each of what `spawns` start (the floor and the app), a word into one, then the same
    word into the next, so each meets the host as the other does (a busy host's load moves by the minute);
    each key's answer checked against the index's. They are started one after the other, each once its pane
    says it holds the whole copy."""
    typeds = [Typed() for _ in spawns]
    with ExitStack() as stack:
        layouts: list[tuple[Terminal, Layout]] = []
        for spawn, typed in zip(spawns, typeds):
            started = time.perf_counter()
            terminal = spawn()
            stack.callback(terminal.close)
            typed.memory = stack.enter_context(MemoryWatch(terminal.process.pid))
            typed.pid = terminal.process.pid
            layouts.append((terminal, ready_layout(terminal, idle=True)))
            typed.start_s = time.perf_counter() - started
        for terminal, _ in layouts:
            terminal.drain(0.5)  # let the on-open incremental sync answer
        names = {text: answer.names for text, answer in answers.items()}
        for word in words:
            for (terminal, layout), typed in zip(layouts, typeds):
                type_word(terminal, layout, word, typed,
                          lambda lines, text, layout=layout: layout.shows(lines, answers[text]), names)
    return typeds


ROOT = Path(__file__).resolve().parent.parent


def floor_table(index: AttendeeIndex, words: list[str]) -> dict[str, object]:
    """The floor app's in-memory table: for every prefix of every word, the match count and the first rows
    (name, company, type, verdict, email) — what the app lists for it, without the app's work to find them."""
    from eventtia_tui.screens.attendee_search import RESULT_LIMIT
    from eventtia_tui.screens.results_list import shown_cell

    
    table: dict[str, list[object]] = {}
    for word in words:
        for end in range(1, len(word) + 1):
            text = word[:end]
            if text in table or not text.strip():
                continue
            records = [m.record for m in index.search(text, limit=RESULT_LIMIT)]
            rows = [[str(shown_cell(r.full_name or "—")), str(shown_cell(r.company or "")), "Attendee",
                     "✖ CANCELLED" if r.cancelled else "✔ CONFIRMED", str(shown_cell(r.email or ""))]
                    for r in records[:FLOOR_ROWS]]
            table[text] = [len(records), rows]  # the raw text, as the app searches it
    return {"total": index.active, "answers": table}


def floor_spawned(table: Path) -> Terminal:
    """The floor (benchmarks/floor_app.py) on a pty of the same size and terminal as the app's."""
    return Terminal([sys.executable, "-m", "benchmarks.floor_app", str(table)],
                    app_env(table.parent, table.parent), cwd=ROOT)


class Neighbours:
    """`count` other desks on the same host, each the app on the cached event typed into at a person's pace
    by a thread of its own (its output read and dropped, as a terminal would take it), while a row is measured.
    Each starts at another word, so they do not type in step."""

    def __init__(self, spawn: Callable[[], Terminal], count: int, words: list[str]) -> None:
        self.spawn, self.count, self.words = spawn, count, words
        self.terminals: list[Terminal] = []
        self.threads: list[threading.Thread] = []
        self.stop = threading.Event()
        self.keys = 0

    def __enter__(self) -> Neighbours:
        try:
            self.terminals = [self.spawn() for _ in range(self.count)]
            for terminal in self.terminals:
                if terminal.wait_for(searchable, START_TIMEOUT) is None:
                    raise RuntimeError("a neighbour desk's search pane did not come up:\n" + terminal.dump())
        except BaseException:
            self.close()
            raise
        self.threads = [threading.Thread(target=self.type, args=(terminal, number), daemon=True)
                        for number, terminal in enumerate(self.terminals)]
        for thread in self.threads:
            thread.start()
        return self

    def type(self, terminal: Terminal, offset: int) -> None:
        number = offset * 3
        while not self.stop.is_set():
            word = self.words[number % len(self.words)]
            number += 1
            for key in [b"\x0c", *(char.encode() for char in word)]:
                os.write(terminal.fd, key)
                self.keys += 1
                deadline = time.perf_counter() + KEY_INTERVAL
                while (left := deadline - time.perf_counter()) > 0:
                    ready, _, _ = select.select([terminal.fd], [], [], left)
                    if ready:
                        try:
                            os.read(terminal.fd, 1 << 16)
                        except OSError:
                            return
                if self.stop.is_set():
                    return

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=5)
        for terminal in self.terminals:
            terminal.close()

    def __exit__(self, *exc: object) -> None:
        self.close()


def type_during_sync(url: str, cache_dir: Path, config_dir: Path, data_dir: Path, uri: str, words: list[str], *,
                     budget_off: bool = True, window: float | None = None, max_words: int = 400) -> Typed:
    """The words typed (round and round) from the first moment the pane shows, while the app's first full
    sync fills an empty cache: until AFTER_DONE seconds after the pane says the copy is complete (whatever the
    sync does when it ends falls inside), or for `window` seconds (a sync at Eventtia's limits takes minutes
    a thousand). `budget_off`: EVENTTIA_RATE_LIMIT=0; otherwise the app's default budget."""
    typed = Typed()
    started = time.perf_counter()
    terminal = spawned(url, cache_dir, config_dir, data_dir, uri, **({"EVENTTIA_RATE_LIMIT": "0"} if budget_off else {}))
    typed.pid = terminal.process.pid
    try:
        with MemoryWatch(terminal.process.pid) as typed.memory:
            layout = ready_layout(terminal, idle=False)
            typed.start_s = time.perf_counter() - started
            done_at = None
            for number in range(max_words):
                word = words[number % len(words)]
                type_word(terminal, layout, word, typed, layout.shows_some_answer, {}, SYNC_KEY_INTERVAL)
                terminal.write(b"\x0c")
                terminal.wait_for(layout.cleared, ANSWER_TIMEOUT)  # the status then says whether the sync is done
                now = time.perf_counter()
                if now - started - typed.start_s >= (window or SYNC_CAP):
                    break
                if done_at is None and searchable(terminal.lines):
                    done_at, typed.complete_after = now, number + 1
                    typed.sync_s = now - started
                elif done_at is not None and now - done_at >= AFTER_DONE:
                    typed.after_done_s = now - done_at
                    break
                time.sleep(SYNC_KEY_INTERVAL)
    finally:
        terminal.close()
    return typed


def startups(url: str, cache_dir: Path, config_dir: Path, data_dir: Path, uri: str, runs: int) -> list[float]:
    """Spawn → the pane says it holds the whole copy (searches answer), `runs` times on the cached event."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        terminal = spawned(url, cache_dir, config_dir, data_dir, uri)
        try:
            ready = terminal.wait_for(searchable, START_TIMEOUT)
            if ready is None:
                raise RuntimeError("the search pane did not come up in the pty:\n" + terminal.dump())
            seconds.append(ready - started)
        finally:
            terminal.close()
    return seconds


@dataclass
class Sessions:
    count: int
    total: Footprint  # every session's processes, summed
    ready_s: float  # the first spawn → the last session searchable
    largest_rss_kb: int


def sessions(url: str, cache_dir: Path, config_dir: Path, data_dir: Path, uri: str, count: int,
             spare_kb: int = 2 * 1024 * 1024) -> Sessions:
    """`count` sessions on the cached event at once (as SSH desks on one kiosk host), each until its pane is
    searchable; then their memory, summed. Spawning stops early if the host has under `spare_kb` left."""
    terminals: list[Terminal] = []
    started = time.perf_counter()
    try:
        for _ in range(count):
            if available_kb() < spare_kb:
                break
            terminals.append(spawned(url, cache_dir, config_dir, data_dir, uri))
        for terminal in terminals:
            if terminal.wait_for(searchable, START_TIMEOUT) is None and not searchable(terminal.lines):
                raise RuntimeError("a session's search pane did not come up:\n" + terminal.dump())
        ready = time.perf_counter() - started
        for terminal in terminals:  # what each has written meanwhile (a full pty would block it)
            terminal.drain(0.05)
        prints = [footprint(terminal.process.pid) for terminal in terminals]
        total = Footprint()
        for one in prints:
            total += one
        return Sessions(len(terminals), total, ready, max(one.rss_kb for one in prints))
    finally:
        for terminal in terminals:
            terminal.close()


def available_kb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1])
    return 0


def big(attendees: int) -> bool:
    return attendees > 50_000


# Issue 30's goals: each keystroke row held to the floor measured beside it in the same run.
FAST_FLOOR = 0.010  # a floor under this: the row must also answer within one 60 Hz frame (at 50,000)


def floor_ratio(attendees: int) -> float:
    return 1.5 if big(attendees) else 1.3


def keystroke_limit(attendees: int, floor_p95: float) -> float:
    """The p95 a keystroke row may reach: its ratio to the floor's p95, and one frame when the floor is fast."""
    limit = floor_ratio(attendees) * floor_p95
    return min(limit, FRAME) if floor_p95 < FAST_FLOOR and not big(attendees) else limit


def stall_goal(attendees: int) -> float:
    return 0.25 if big(attendees) else 0.1


def memory_goal_kb(attendees: int) -> int:
    return (200 if big(attendees) else 120) * 1024


def startup_goal(attendees: int) -> float:
    return 0.5


VERSION_GOAL = 0.15
SESSIONS_GOAL_KB = 2.5 * 1024 * 1024


def mib(kilobytes: float) -> str:
    return f"{kilobytes / 1024:,.0f} MB"


def typed_note(typed: Typed) -> str:
    return (f"{len(typed.samples)} keys over {typed.words} words; {typed.missed} never showed"
            + (f" ({', '.join(map(repr, typed.missed_texts))})" if typed.missed else ""))


def figures3(samples: list[float]) -> tuple[float, float, float]:
    return p50(samples), p95(samples), max(samples, default=float("nan"))


def three(samples: list[float]) -> str:
    return " / ".join(ms(value) for value in figures3(samples))


def miss_note(passed: bool, value: float, limit: float, why: str = "") -> str:
    """A MISS says by how much (and why, where the run knows)."""
    if passed:
        return ""
    return f" MISS by {ms(value - limit)} ({value / limit:.2f}× the goal's {ms(limit)}){'; ' + why if why else ''}."


def keystroke_row(key: str, measure: str, attendees: int, samples: list[float], floor: list[float], missed: int,
                  note: str, floor_label: str = "floor", stall: float | None = None,
                  written: tuple[list[int], list[int]] | None = None) -> Row:
    """A keystroke row: p50/p95/max, the floor's beside it (same run), p95 as a ratio to the floor's p95, and
    the goal that ratio gives (with `stall`, also no key's answer later than that)."""
    a50, a95, worst = figures3(samples)
    f50, f95, fmax = figures3(floor)
    limit = keystroke_limit(attendees, f95)
    passed = bool(samples) and a95 <= limit and missed == 0 and (stall is None or worst <= stall)
    goal = f"p95 ≤ {floor_ratio(attendees)}× the floor = {ms(limit)}" + (f", max ≤ {ms(stall)}" if stall else "")
    why = miss_note(a95 <= limit, a95, limit) + (miss_note(worst <= stall, worst, stall, "the longest wait")
                                                 if stall is not None else "")
    if missed:
        why += f" {missed} key(s) never answered."
    if written is not None and written[0] and written[1]:
        note += (f"; bytes written to the terminal per key, median: {p50(written[0]):,.0f} (the floor "
                 f"{p50(written[1]):,.0f})")
    return Row(key=key, measure=measure, attendees=attendees, result=three(samples),
               baseline=f"{floor_label} {three(floor)}", ratio=f"{a95 / f95:.2f}× the floor (p95)" if f95 else "—",
               goal=goal, passed=passed,
               figures={"p50": a50, "p95": a95, "max": worst, "keystrokes": len(samples), "missed": missed,
                        "floor_p50": f50, "floor_p95": f95, "floor_max": fmax, "ratio_p95": a95 / f95 if f95 else 0.0,
                        "limit": limit},
               note=note + why)


def version_times(runs: int) -> tuple[list[float], list[float]]:
    """`eventtia-tui --version` spawn → exit, `runs` times; and a bare `python -c pass` beside it (the floor)."""
    def timed(command: list[str]) -> float:
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        return time.perf_counter() - started

    app = [*app_command(), "--version"]
    bare = [sys.executable, "-c", "pass"]
    timed(app)  # the OS file cache warm for both
    versions, bares = [], []
    for _ in range(runs):
        versions.append(timed(app))
        bares.append(timed(bare))
    return versions, bares


@dataclass
class PtyRuns:
    """What the parent of the pty rows hands over: where the app finds its sandbox, token and cache."""

    url: str
    cache_dir: Path  # the synced copy
    config_dir: Path
    data_dir: Path
    sync_cache_dir: Path  # empty: the first full sync fills it
    uri: str
    floor_table: Path  # the floor app's in-memory table (floor_table, as JSON)
    limited_url: str | None = None  # a sandbox at Eventtia's limits (100 a minute, 24 a page)
    limited_config_dir: Path | None = None
    limited_cache_dir: Path | None = None
    startup_runs: int = 3
    default_window: float = 20.0  # seconds typed into a sync at the defaults
    sessions: int = 0  # 0: no many-sessions row
    desks: int = 4  # other desks typing on the host in the desks row


def measure(runs: PtyRuns, attendees: int, words: list[str], answers: dict[str, Answer]) -> list[Row]:
    def app() -> Terminal:
        return spawned(runs.url, runs.cache_dir, runs.config_dir, runs.data_dir, runs.uri)

    def floor_app() -> Terminal:
        return floor_spawned(runs.floor_table)

    floor, idle = type_alternately([floor_app, app], words, answers)
    during = type_during_sync(runs.url, runs.sync_cache_dir, runs.config_dir, runs.data_dir, runs.uri, words)
    stall = stall_goal(attendees)
    size = f"{SIZE[0]}×{SIZE[1]}"
    unlimited = "no request budget (EVENTTIA_RATE_LIMIT=0), 100 per page"
    done = (f"the sync seen done {during.sync_s:.0f} s after the spawn ({during.complete_after} words), typing went "
            f"on {during.after_done_s:.1f} s after" if during.complete_after else "the sync not seen done")
    floor_note = (f"the floor (benchmarks/floor_app.py: an Input and {FLOOR_ROWS} rows of text replaced on each key "
                  "from an in-memory table, no index or store) typed into in the same run, word for word "
                  "alternately with the app; ")
    rows = [
        Row(key="floor-pty", measure="the floor: a minimal Textual app, keystroke → rows on screen, pty, p50 / p95 / max",
            attendees=attendees, result=three(floor.samples), baseline=f"one 60 Hz frame {ms(FRAME)}",
            ratio=f"{p95(floor.samples) / FRAME:.1f}× a frame (p95)", goal="— (what Textual costs here, now)",
            passed=None,
            figures={"p50": p50(floor.samples), "p95": p95(floor.samples), "max": floor.worst,
                     "keystrokes": len(floor.samples), "missed": floor.missed, "start_s": floor.start_s},
            note=floor_note + f"its start → searchable {secs(floor.start_s)}; " + typed_note(floor)),
        keystroke_row(
            "keystroke-pty", "keystroke → result rows on screen, real app in a pty, p50 / p95 / max", attendees,
            idle.samples, floor.samples, idle.missed,
            f"names and emails typed {KEY_INTERVAL * 1000:.0f} ms apart into `eventtia-tui` on a {size} pty "
            f"(TERM=xterm-256color): key written → the bytes read after which the emulated screen (pyte) shows the "
            f"text, the status count and the first {ROWS_CHECKED} rows the index gives; {floor_note}"
            + typed_note(idle), written=(idle.written, floor.written)),
        keystroke_row(
            "keystroke-pty-changed", "keystroke → rows, the keys that changed the rows listed (the desk waits for "
            "these), pty, p50 / p95 / max", attendees, idle.changed, floor.changed, 0,
            f"the run above, only the keys after which the first rows differ ({len(idle.changed)} of "
            f"{len(idle.samples)}); the floor's own such keys beside them"),
        keystroke_row(
            "keystroke-pty-sync",
            "keystroke → rows on screen during a first full sync, pty (no budget, 100/page), p50 / p95 / max",
            attendees, during.samples, floor.samples, during.missed,
            f"the app started on an empty cache, {unlimited}, typed into from its first frame, keys "
            f"{SYNC_KEY_INTERVAL * 1000:.0f} ms apart; {done}; answer = the text in the box, a match count and "
            f"a first row holding the first word typed; the floor is the idle run's; " + typed_note(during)),
    ]
    rows[-1].figures.update(start_s=during.start_s, sync_s=during.sync_s)
    rows[-1].figures["missed_screens"] = during.missed_screens  # type: ignore[assignment]
    rows.append(Row(
        key="stall-pty-sync", measure="longest wait for a key's answer during a first full sync and its end, pty",
        attendees=attendees, result=ms(during.worst), baseline=f"floor worst {ms(floor.worst)}",
        ratio=f"{during.worst / max(floor.worst, 1e-9):.1f}× the floor's worst", goal=f"≤ {ms(stall)}",
        passed=during.worst <= stall and bool(during.complete_after),
        figures={"max": during.worst, "keystrokes": len(during.samples), "after_done_s": during.after_done_s},
        note=f"the run above ({unlimited}); a key is written every {SYNC_KEY_INTERVAL * 1000:.0f} ms, so a "
             f"stall of S shows as a key answered at least S − {SYNC_KEY_INTERVAL * 1000:.0f} ms late"
             + miss_note(during.worst <= stall, during.worst, stall)
             + ("" if during.complete_after else " The sync was not seen done.")))
    if runs.limited_url:
        limited = type_during_sync(runs.limited_url, runs.limited_cache_dir, runs.limited_config_dir, runs.data_dir,
                                   runs.uri, words, budget_off=False, window=runs.default_window)
        rows.append(keystroke_row(
            "keystroke-pty-defaults",
            "keystroke → rows on screen during a first sync at the defaults (100/min, 24/page), pty, p50 / p95 / max",
            attendees, limited.samples, floor.samples, limited.missed,
            f"the app's default request budget (100 a minute) against a sandbox that allows 100 a minute and "
            f"serves 24 a page, as Eventtia does; the first {runs.default_window:.0f} s of the sync (the whole of "
            f"it takes ⌈N/24⌉ requests at 100 a minute: the limits rows); the floor is the idle run's; "
            + typed_note(limited), stall=stall))
        rows[-1].figures["missed_screens"] = limited.missed_screens  # type: ignore[assignment]
    if runs.desks:
        with Neighbours(app, runs.desks, words) as neighbours:
            crowded_floor, crowded = type_alternately([floor_app, app], words, answers)
        rows.append(keystroke_row(
            "keystroke-pty-desks", f"keystroke → rows with {runs.desks} other desks typing on the host, pty, "
            "p50 / p95 / max", attendees, crowded.samples, crowded_floor.samples, crowded.missed,
            f"{runs.desks} more `eventtia-tui` sessions on the cached event, each typed into a key every "
            f"{KEY_INTERVAL * 1000:.0f} ms by a thread of the harness ({neighbours.keys} keys in all), while the floor "
            f"and the app were typed into as in the idle row; the floor beside it is the one typed among the same "
            f"desks; " + typed_note(crowded), floor_label=f"floor among {runs.desks} desks"))
    starts = startups(runs.url, runs.cache_dir, runs.config_dir, runs.data_dir, runs.uri, runs.startup_runs)
    start, goal = p50(starts), startup_goal(attendees)
    rows.append(Row(
        key="startup-pty", measure="start-up → searchable screen (cached event), pty, median / worst",
        attendees=attendees, result=f"{secs(start)} / {secs(max(starts))}",
        baseline=f"the floor's start {secs(floor.start_s)}",
        ratio=f"{start / max(floor.start_s, 1e-9):.1f}× the floor's", goal=f"≤ {secs(goal)}", passed=start <= goal,
        figures={"startup_s": start, "startup_max_s": max(starts), "runs": len(starts), "floor_s": floor.start_s},
        note=f"{len(starts)} spawns of `eventtia-tui` on a {size} pty: spawn → the pane says “N attendees. Type a "
             f"name…” (the index is loaded: a key is answered from here); the floor's spawn → its first such "
             f"screen beside it" + miss_note(start <= goal, start, goal)))
    versions, bares = version_times(max(3, runs.startup_runs))
    version, bare = p50(versions), p50(bares)
    rows.append(Row(
        key="version", measure="`eventtia-tui --version`: spawn → exit, median / worst", attendees=attendees,
        result=f"{secs(version)} / {secs(max(versions))}", baseline=f"`python -c pass` {secs(bare)}",
        ratio=f"{version / bare:.1f}× a bare interpreter", goal=f"≤ {secs(VERSION_GOAL)}",
        passed=version <= VERSION_GOAL,
        figures={"version_s": version, "version_max_s": max(versions), "python_s": bare, "runs": len(versions)},
        note=f"{len(versions)} runs each, alternately" + miss_note(version <= VERSION_GOAL, version, VERSION_GOAL)))
    limit = memory_goal_kb(attendees)
    floor_watch = floor.memory
    assert floor_watch is not None
    for key, label, typed in (("rss-cached", "cached event, typing", idle), ("rss-syncing", "first full sync", during)):
        watch = typed.memory
        assert watch is not None
        over = watch.peak_rss_kb - limit
        high_waters = [watch.high_water[pid] for pid in sorted(watch.high_water, key=lambda pid: pid != typed.pid)]
        rows.append(Row(
            key=key, measure=f"memory of one TUI session ({label}): peak RSS / peak PSS",
            attendees=attendees, result=f"{mib(watch.peak_rss_kb)} / {mib(watch.peak.pss_kb)}",
            baseline=f"floor {mib(floor_watch.peak_rss_kb)}; {watch.peak.processes} process"
                     f"{'es' if watch.peak.processes != 1 else ''}",
            ratio=f"{watch.peak_rss_kb / limit:.2f}× the goal", goal=f"RSS ≤ {mib(limit)}",
            passed=over <= 0,
            figures={"rss_kb": watch.peak_rss_kb, "pss_kb": watch.peak.pss_kb, "processes": watch.peak.processes,
                     "samples": watch.samples, "floor_rss_kb": floor_watch.peak_rss_kb,
                     "app_rss_kb": high_waters[0] if high_waters else 0,
                     "helper_rss_kb": sum(high_waters[1:])},
            note=f"the pty run above: `eventtia-tui` and any process under it (a sync's helper), RSS as each one's "
                 f"high-water mark (VmHWM) summed (the app {mib(high_waters[0] if high_waters else 0)}"
                 + (f", its helper {mib(sum(high_waters[1:]))}" if high_waters[1:] else "")
                 + f"), PSS (smaps_rollup) sampled every {watch.period * 1000:.0f} ms"
                 + (f" MISS by {mib(over)}." if over > 0 else "")))
    if runs.sessions:
        many = sessions(runs.url, runs.cache_dir, runs.config_dir, runs.data_dir, runs.uri, runs.sessions)
        rows.append(Row(
            key="sessions", measure=f"{runs.sessions} sessions on one cached event, one host: PSS summed (RSS summed)",
            attendees=attendees, result=f"{mib(many.total.pss_kb)} ({mib(many.total.rss_kb)})",
            baseline=f"one session {mib(many.largest_rss_kb)} RSS", ratio=f"{many.total.pss_kb / SESSIONS_GOAL_KB:.2f}× the goal",
            goal=f"≤ {mib(SESSIONS_GOAL_KB)}", passed=many.count == runs.sessions and many.total.pss_kb <= SESSIONS_GOAL_KB,
            figures={"pss_kb": many.total.pss_kb, "rss_kb": many.total.rss_kb, "sessions": many.count,
                     "processes": many.total.processes, "ready_s": many.ready_s},
            note=f"{many.count} `eventtia-tui` processes spawned at once on ptys (as SSH desks), each until its pane was "
                 f"searchable ({many.ready_s:.1f} s for all), then PSS and RSS of every process summed: PSS splits "
                 f"the pages they share, so its sum is what the host pays"))
    return rows
