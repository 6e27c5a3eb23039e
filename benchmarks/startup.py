"""Start-up and memory, each in a fresh child process.

- `app`: the TUI, headless, signed in with a stored token, opening a synced event. It prints the
  moment (CLOCK_MONOTONIC, shared by every process on Linux) the search pane has its index and has
  drawn; the parent subtracts the moment it spawned the process.
- `index`: a process that only loads the synced attendees and builds the search index.
- `imports`: the baseline — the interpreter importing the same modules and doing nothing else.

Peak RSS is the child's own high-water mark (`VmHWM` in /proc/self/status), printed as it ends. Not
`ru_maxrss` from `wait4`/`RUSAGE_CHILDREN`: Linux carries the parent's RSS at fork over the exec, so a
child of a 300 MB benchmark process would report at least 300 MB whatever it did.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .report import Row, mb, p50, secs

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120.0


@dataclass
class ChildRun:
    seconds: float  # spawn to the child's READY mark (or to its exit when it prints none)
    exit_seconds: float
    max_rss_kb: int
    output: str
    screen_seconds: float = 0.0  # spawn to the event screen's first paint (the app child)


def run_child(args: list[str], env: dict[str, str] | None = None) -> ChildRun:
    command = [sys.executable, "-m", "benchmarks.startup", *args]
    full_env = {**os.environ, **(env or {})}
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(ROOT),
                               env=full_env, stdin=subprocess.DEVNULL)
    # Read the pipes to the end first (a full pipe would block the child), then reap it with its rusage.
    chunks: dict[str, bytes] = {}

    def drain(name: str, stream) -> None:
        chunks[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(n, s), daemon=True)
               for n, s in (("out", process.stdout), ("err", process.stderr))]
    for reader in readers:
        reader.start()
    deadline = started + TIMEOUT
    status = rusage = None
    while True:
        pid, status, rusage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            process.kill()
            _, status, rusage = os.wait4(process.pid, 0)
            break
        time.sleep(0.002)
    exited = time.monotonic()
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(timeout=5)
    out = chunks.get("out", b"").decode(errors="replace")
    err = chunks.get("err", b"").decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"benchmark child {args[0]} failed ({process.returncode}):\n{err[-3000:]}")
    ready = next((float(line.split()[1]) for line in out.splitlines() if line.startswith("READY ")), None)
    peak = next((int(line.split()[1]) for line in out.splitlines() if line.startswith("HWM ")), rusage.ru_maxrss)
    screen = next((float(line.split()[1]) for line in out.splitlines() if line.startswith("SCREEN ")), None)
    return ChildRun((ready if ready is not None else exited) - started, exited - started, peak, out,
                    (screen - started) if screen is not None else 0.0)


def high_water_kb() -> int:
    """This process's peak resident set, in KB (Linux); 0 where /proc is not there."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    return int(status.split("VmHWM:")[1].split()[0]) if "VmHWM:" in status else 0


def report_high_water() -> None:
    os.write(1, f"HWM {high_water_kb()}\n".encode())


# Parent side ------------------------------------------------------------------------------------------

def measure(url: str, cache_dir: Path, config_dir: Path, data_dir: Path, attendees: int, runs: int) -> list[Row]:
    common = ["--url", url, "--cache-dir", str(cache_dir), "--config-dir", str(config_dir),
              "--data-dir", str(data_dir)]
    run_child(["imports"])  # warm the OS file cache for both sides
    baseline = [run_child(["imports"]) for _ in range(runs)]
    apps = [run_child(["app", *common]) for _ in range(runs)]
    index_runs = [run_child(["index", *common]) for _ in range(max(1, runs // 2))]
    start = p50([r.seconds for r in apps])
    screen = p50([r.screen_seconds for r in apps])
    base = p50([r.seconds for r in baseline])
    base_rss = max(r.max_rss_kb for r in baseline)
    app_rss = max(r.max_rss_kb for r in apps)
    index_rss = max(r.max_rss_kb for r in index_runs)
    index_load = p50([r.seconds for r in index_runs])
    loaded = next((line for line in index_runs[0].output.splitlines() if line.startswith("LOADED")), "")
    return [
        Row(key="startup", measure="breakdown, headless: process start → search pane ready (cached event)", attendees=attendees,
            result=f"{secs(start)} (screen up {secs(screen)})", baseline=f"python + imports only {secs(base)}",
            ratio=f"{start / base:.1f}× the imports", goal="— (the pty row)", passed=None,
            figures={"startup_s": start, "screen_s": screen, "imports_s": base, "runs": runs,
                     "startup_max_s": max(r.seconds for r in apps)},
            note=f"median of {runs} headless runs: spawn → the event screen's first paint, and → the search "
                 f"pane has its index (searches answer: the goal); "
                 f"a process that only loads the index takes {secs(index_load)} to exit"),
        Row(key="rss-index", measure="breakdown: peak RSS, a process that only loads the synced index", attendees=attendees,
            result=mb(index_rss), baseline=f"python + imports only {mb(base_rss)}",
            ratio=f"{index_rss / base_rss:.1f}× the imports", goal="—", passed=None,
            figures={"index_rss_kb": index_rss, "imports_rss_kb": base_rss}, note=loaded.removeprefix("LOADED ")),
        Row(key="rss-app", measure="breakdown, headless: peak RSS, the TUI on the synced event", attendees=attendees,
            result=mb(app_rss), baseline=f"python + imports only {mb(base_rss)}",
            ratio=f"{app_rss / base_rss:.1f}× the imports", goal="— (the pty rows)", passed=None,
            figures={"app_rss_kb": app_rss, "imports_rss_kb": base_rss},
            note="the start-up runs: index loaded while the on-open incremental sync runs"),
    ]


# Child side -------------------------------------------------------------------------------------------

def child_imports() -> None:
    import eventtia_tui.app  # noqa: F401
    import eventtia_tui.screens.event_screen  # noqa: F401


def settings(args: argparse.Namespace):
    from eventtia_tui.session import Settings

    return Settings(api_url=args.url, cache_dir=Path(args.cache_dir), data_dir=Path(args.data_dir),
                    config_dir=Path(args.config_dir))


def child_index(args: argparse.Namespace) -> None:
    from eventtia_tui.api.client import EventtiaClient
    from eventtia_tui.gateway import Gateway
    from eventtia_tui.sandbox import DEMO_EMAIL
    from eventtia_tui.store.cache import CacheStore

    started = time.perf_counter()
    store = CacheStore(args.cache_dir, args.url, DEMO_EMAIL)
    index = Gateway(EventtiaClient(args.url), store).index(args.uri)
    if index is None:
        raise SystemExit("nothing synced in this cache")
    print(f"LOADED {len(index):,} records, opened in {time.perf_counter() - started:.2f} s", flush=True)


def child_app(args: argparse.Namespace) -> None:
    from eventtia_tui.api.client import EventtiaClient
    from eventtia_tui.api.tokens import TokenStore
    from eventtia_tui.app import EventtiaApp
    from eventtia_tui.screens.attendee_search import AttendeeSearch
    from eventtia_tui.session import Session

    class TimedApp(EventtiaApp):
        def on_mount(self) -> None:
            super().on_mount()
            self.set_interval(0.002, self.check_ready)
            self.set_timer(TIMEOUT / 2, lambda: self.exit(return_code=3))

        def check_ready(self) -> None:
            found = self.screen.query(AttendeeSearch)
            if found and not getattr(self, "_screen_seen", False):
                self._screen_seen = True
                self.call_after_refresh(lambda: os.write(1, f"SCREEN {time.monotonic():.6f}\n".encode()))
            if found and found.first().index is not None:
                self.call_after_refresh(self.ready)

        def ready(self) -> None:
            if getattr(self, "_reported", False):
                return
            self._reported = True
            os.write(1, f"READY {time.monotonic():.6f}\n".encode())  # Textual captures print() while it runs
            self.exit()

    config = settings(args)
    session = Session(config, EventtiaClient(args.url), TokenStore(config.config_dir))
    app = TimedApp(session, event_uri=args.uri, cursor_blink=False)
    app.run(headless=True, size=(120, 36))
    report_high_water()
    os._exit(app.return_code or 0)  # do not wait for the on-open sync still in flight


def main() -> None:
    parser = argparse.ArgumentParser(description="benchmark child process")
    parser.add_argument("mode", choices=("imports", "index", "app"))
    parser.add_argument("--url")
    parser.add_argument("--uri", default="demo-expo")
    parser.add_argument("--cache-dir")
    parser.add_argument("--config-dir")
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    if args.mode == "imports":
        child_imports()
    elif args.mode == "index":
        child_index(args)
    else:
        child_app(args)  # reports its own high-water mark before it leaves
    report_high_water()


if __name__ == "__main__":
    main()
