"""The sandbox in its own process on 127.0.0.1, so the client under test and the server do not share a GIL.

`python -m benchmarks.sandbox --db PATH --attendees N --port P` seeds (when the database is new), serves
the API with uvicorn and prints `READY <seconds to seed>` on stdout. It then reads commands on stdin —
`latency <ms>` sets the latency knob (`app.state.faults.latency_ms`) while the server runs — and
answers each with `OK`. The parent talks to it through `SandboxProcess`.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from eventtia_tui.sandbox import API_PREFIX

HOST = "127.0.0.1"
SERVER_NICENESS = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class SandboxProcess:
    """A seeded sandbox server in a child process, with its latency knob reachable from here."""

    def __init__(self, db_path: Path, attendees: int, *, seed: int = 42, port: int | None = None,
                 rate_limit: int = 0, max_page_size: int = 100) -> None:
        self.db_path = Path(db_path)
        self.attendees = attendees
        self.seed = seed
        self.rate_limit = rate_limit  # requests a minute per token, 0: none (Eventtia: 100)
        self.max_page_size = max_page_size  # Eventtia: 24
        self.port = port or free_port()  # the cache is keyed by the API URL: reuse a port to reuse a cache
        self.process: subprocess.Popen[str] | None = None
        self.seed_seconds = 0.0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}{API_PREFIX}"

    def start(self, timeout: float = 300.0) -> SandboxProcess:
        command = [sys.executable, "-m", "benchmarks.sandbox", "--db", str(self.db_path),
                   "--attendees", str(self.attendees), "--seed", str(self.seed), "--port", str(self.port),
                   "--rate-limit", str(self.rate_limit), "--max-page-size", str(self.max_page_size)]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        bufsize=1, cwd=str(Path(__file__).resolve().parent.parent))
        deadline = time.monotonic() + timeout
        line = self.process.stdout.readline()
        if not line.startswith("READY") or time.monotonic() > deadline:
            self.stop()
            raise RuntimeError(f"the sandbox did not start (it said {line!r})")
        self.seed_seconds = float(line.split()[1])
        return self

    def set_latency(self, milliseconds: int) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(f"latency {int(milliseconds)}\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer.startswith("OK"):
            raise RuntimeError(f"the sandbox refused the latency change ({answer!r})")

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            if self.process.stdin:
                self.process.stdin.close()  # end of input: the child shuts uvicorn down
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve(db: Path, attendees: int, seed: int, port: int, rate_limit: int = 0, max_page_size: int = 100) -> None:
    import uvicorn

    from eventtia_tui.sandbox import create_app

    started = time.perf_counter()
    app = create_app(db, attendees=attendees, seed=seed, rate_limit=rate_limit, max_page_size=max_page_size)
    seeded = time.perf_counter() - started
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, log_level="error", lifespan="off",
                                           access_log=False))

    def commands() -> None:
        for line in sys.stdin:
            parts = line.split()
            if len(parts) == 2 and parts[0] == "latency" and parts[1].isdigit():
                app.state.faults.latency_ms = int(parts[1])
                print("OK", flush=True)
            else:
                print(f"ERR {line.strip()}", flush=True)
        server.should_exit = True  # stdin closed: the parent is done (or gone)

    def announce() -> None:
        while not server.started:
            time.sleep(0.01)
        print(f"READY {seeded:.3f}", flush=True)
        commands()

    threading.Thread(target=announce, daemon=True).start()
    server.run()


def main() -> None:
    parser = argparse.ArgumentParser(description="benchmark sandbox server (loopback only)")
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--attendees", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rate-limit", type=int, default=0)
    parser.add_argument("--max-page-size", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    # Eventtia's servers are not on the desk's machine: here the sandbox takes the CPU the app under test
    # leaves, instead of a core of the two the app has (its own niceness is the app's, 0).
    os.nice(SERVER_NICENESS)
    serve(args.db, args.attendees, args.seed, args.port, args.rate_limit, args.max_page_size)


if __name__ == "__main__":
    main()
