"""The whole run: which rows, at which sizes, in which order, on which sandbox."""

from __future__ import annotations

import asyncio
import compileall
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from eventtia_tui.api.tokens import TokenStore
from eventtia_tui.sandbox import DEMO_EMAIL

from . import keystroke, limits, pty_keystroke, search, startup
from . import sync as syncing
from .report import Row
from .sandbox import SandboxProcess

DEFAULT_ATTENDEES = 50_000
QUICK_ATTENDEES = 2_000
SCALE = (10_000, 50_000, 100_000)
LIMITS_ATTENDEES = 5_000  # the rate-limit rows always run here (and at N in a full run)
# Issue 30's goals, each measured the way a user (or the host) meets it: real processes, a real pty, every
# keystroke row beside the floor (a minimal Textual app) typed into in the same run.
GOALS = ("floor-pty", "keystroke-pty", "keystroke-pty-changed", "keystroke-pty-sync", "stall-pty-sync",
         "keystroke-pty-defaults", "keystroke-pty-desks", "search", "rss-cached", "rss-syncing", "sessions",
         "startup-pty", "version")
SYNCING = ("sync-loopback", "sync-throughput", "sync-latency", "incremental-loopback", "incremental-latency", "limits-sync",
           "limits-lookup", "limits-incremental", "action")
# The app's own work measured from inside one process: where the time and memory go, not what a user sees.
BREAKDOWN = ("keystroke", "keystroke-sync", "startup", "rss-index", "rss-app")
ORDER = GOALS + SYNCING + BREAKDOWN
SECTIONS = (("Goals (issues 17, 30), measured from outside the app, against the floor of the same run", GOALS),
            ("Sync, Eventtia's limits and actions", SYNCING),
            ("Breakdown: the app's own work, stamped inside one process (headless)", BREAKDOWN))
SESSIONS = 20  # sessions on one cached event (explicit runs only)


@dataclass
class Config:
    attendees: int = DEFAULT_ATTENDEES
    quick: bool = False
    scale: tuple[int, ...] = ()
    per_kind: int = 40  # search queries of each kind
    passes: int = 5  # timed passes of the index over the query mix
    startup_runs: int = 5
    words: int = 12  # names and emails typed in the keystroke test
    sync_latency_ms: int = 50  # a venue round trip
    action_latency_ms: int = 2000
    changes: int = 100
    sessions: int = SESSIONS
    desks: int = 4  # other desks typing on the host in the desks row
    default_window: float = 20.0  # seconds typed into a first sync at Eventtia's limits
    parts: tuple[str, ...] = ("search", "sync", "incremental", "startup", "pty", "keystroke", "limits")

    @classmethod
    def quick_run(cls, attendees: int = QUICK_ATTENDEES) -> Config:
        return cls(attendees=attendees, quick=True, per_kind=10, passes=3, startup_runs=2, words=4, sessions=0,
                   default_window=4.0, desks=1)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    memory = ""
    if Path("/proc/meminfo").exists():
        total = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        memory = f", {int(total.split()[1]) / 1024 / 1024:.0f} GB RAM"
    return (f"{cpu or platform.machine()}, {os.cpu_count()} CPUs{memory}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def core_rows(config: Config, attendees: int, workdir: Path, *, everything: bool) -> list[Row]:
    """Search and sync at `attendees`; with `everything`, the incremental, start-up, memory, keystroke and
    action rows too (on the same sandbox and cache)."""
    rows: list[Row] = []
    db = workdir / f"sandbox-{attendees}.sqlite3"
    log(f"seeding and starting the sandbox with {attendees:,} attendees")
    with SandboxProcess(db, attendees) as server:
        log(f"sandbox ready on {server.url} (seeded in {server.seed_seconds:.1f} s)")
        client = await syncing.signed_in(server.url)
        six = one = None
        try:
            # The sync rows' client has no request budget and the sandbox serves 100 a page (Eventtia: 100
            # requests a minute, 24 a page — the limits rows run with those).
            unlimited = "no request budget, 100 per page"
            label = f"{config.sync_latency_ms} ms latency, {unlimited}"
            log("full syncs on the loopback sandbox (6 in flight, then 1)")
            if "sync" in config.parts:
                six, one = await syncing.measure_concurrency(server, client, workdir / str(attendees), "loopback", 0,
                                                             keep=True)
            else:  # the synced copy only, without the one-page-at-a-time baseline
                six = await syncing.full_sync(client, workdir / str(attendees) / "cache-loopback-c6", 6)
            gateway = six.gateway
            if "sync" in config.parts:
                rows.append(syncing.concurrency_row("sync-loopback", f"loopback, 0 ms, {unlimited}", attendees, six,
                                                    one))
                log("sync throughput: the sandbox serving alone, the store writing alone")
                rows.append(await syncing.throughput_row(client, attendees, six, workdir / str(attendees) / "store"))
                log(f"full syncs at {config.sync_latency_ms} ms latency")
                six_slow, one_slow = await syncing.measure_concurrency(
                    server, client, workdir / str(attendees), f"latency{config.sync_latency_ms}",
                    config.sync_latency_ms)
                rows.append(syncing.concurrency_row("sync-latency", label, attendees, six_slow, one_slow))
            index = gateway.index(syncing.URI)
            if "search" in config.parts:
                log("search: index vs API filter")
                rows.append(await search.measure(index, client, syncing.URI, per_kind=config.per_kind,
                                                 passes=config.passes))
            if not everything:
                del index, gateway
                return rows
            if "incremental" in config.parts:
                log(f"{config.changes} changes through the API, then an incremental sync")
                changes = await syncing.make_changes(client, index, config.changes, "a")
                incremental = await syncing.timed_sync(gateway, full=False)
                rows.append(syncing.incremental_row("incremental-loopback", f"loopback, 0 ms, {unlimited}", attendees,
                                                    incremental, six, changes))
                if "sync" in config.parts:
                    changes = await syncing.make_changes(client, gateway.index(syncing.URI), config.changes, "b",
                                                         seed=12)
                    server.set_latency(config.sync_latency_ms)
                    try:
                        incremental_slow = await syncing.timed_sync(gateway, full=False)
                    finally:
                        server.set_latency(0)
                    rows.append(syncing.incremental_row("incremental-latency", label, attendees,
                                                        incremental_slow, six_slow, changes))
            cache_dir = workdir / str(attendees) / "cache-loopback-c6"
            config_dir, data_dir = workdir / "config", workdir / "data"
            TokenStore(config_dir).save(client.token or "", DEMO_EMAIL, server.url)
            words = keystroke.typed_words(gateway.index(syncing.URI), config.words)
            answers = pty_keystroke.expected_answers(gateway.index(syncing.URI), words)
            floor_table = workdir / "floor" / "answers.json"
            floor_table.parent.mkdir(exist_ok=True)
            floor_table.write_text(json.dumps(pty_keystroke.floor_table(gateway.index(syncing.URI), words)))
            del index, gateway
            syncing.release(six)  # from here on the app under test holds the only copy in this process
            if "startup" in config.parts:
                log("breakdown: start-up and memory of headless child processes")
                rows += startup.measure(server.url, cache_dir, config_dir, data_dir, attendees, config.startup_runs)
            if "pty" in config.parts:  # before the headless app's walk-in changes the answers
                log("the real app on a pty: keystrokes on the synced copy, during first full syncs (no budget; "
                    "Eventtia's limits), the floor beside them, start-up, memory"
                    + (f", {config.desks} other desks" if config.desks else "")
                    + (f", {config.sessions} sessions" if config.sessions and attendees <= 50_000 else ""))
                limited_config = workdir / "config-limited"
                with SandboxProcess(db, attendees, rate_limit=limits.PER_MINUTE, max_page_size=limits.PAGE) as limited:
                    TokenStore(limited_config).save(client.token or "", DEMO_EMAIL, limited.url)
                    runs = pty_keystroke.PtyRuns(
                        server.url, cache_dir, config_dir, data_dir, workdir / str(attendees) / "cache-pty-first-sync",
                        syncing.URI, floor_table, limited.url, limited_config,
                        workdir / str(attendees) / "cache-pty-limited",
                        startup_runs=config.startup_runs, default_window=config.default_window, desks=config.desks,
                        sessions=config.sessions if attendees <= 50_000 else 0)  # the goal is at 50,000
                    rows += pty_keystroke.measure(runs, attendees, words, answers)
            if "keystroke" in config.parts:
                log("keystrokes and an action in the headless app")
                rows += await keystroke.measure(server, client, words, cache_dir, workdir / "app",
                                                action_latency_ms=config.action_latency_ms)
        finally:
            await client.aclose()
            for timed in (six, one):
                if timed is not None:
                    syncing.release(timed)
    return rows


def sort_rows(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda row: (ORDER.index(row.key) if row.key in ORDER else len(ORDER), row.attendees))


async def run_async(config: Config, workdir: Path) -> list[Row]:
    rows = await core_rows(config, config.attendees, workdir, everything=True)
    if "limits" in config.parts:
        for attendees in sorted({LIMITS_ATTENDEES} | (set() if config.quick else {config.attendees})):
            log(f"Eventtia's limits (100/min, 24/page) on a simulated clock, {attendees:,} attendees")
            rows += await limits.measure(attendees, workdir / f"limits-{attendees}")
    for attendees in config.scale:
        if attendees != config.attendees:
            rows += await core_rows(config, attendees, workdir / f"scale-{attendees}", everything=False)
    return sort_rows(rows)


def compile_bytecode() -> None:
    """The app's (and the floor's) bytecode written before any process is timed, as `pip install` writes an
    installed package's: a source checkout run with PYTHONDONTWRITEBYTECODE (or from a read-only tree) would
    otherwise compile ~100 modules at every start — 70 ms of each start-up here, which no kiosk pays."""
    root = Path(__file__).resolve().parent.parent
    for package in ("eventtia_tui", "benchmarks"):
        compileall.compile_dir(root / package, quiet=1)


def run(config: Config) -> list[Row]:
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="eventtia-bench-") as directory:
        workdir = Path(directory)
        workdir.mkdir(exist_ok=True)
        return asyncio.run(run_async(config, workdir))


