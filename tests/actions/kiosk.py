"""Helpers for the multi-process tests: app processes (kiosk_worker.py) to start, follow and kill,
and plain questions to the sandbox's own API (faults off) to check what really landed."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from eventtia_tui.sandbox import DEMO_EMAIL, DEMO_PASSWORD

WORKER = Path(__file__).with_name("kiosk_worker.py")
ROOT = Path(__file__).resolve().parents[2]
EXPO = "demo-expo"


def sign_in(url: str) -> str:
    response = httpx.post(f"{url}/auth", json={"email": DEMO_EMAIL, "password": DEMO_PASSWORD}, timeout=10)
    return response.json()["auth_token"]


class Server:
    """The sandbox's own API over the loopback port: the ground truth for what landed."""

    def __init__(self, url: str, token: str) -> None:
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=10)

    def close(self) -> None:
        self.http.close()

    def count_email(self, email: str) -> int:
        """Attendees (cancelled ones included) with exactly this email."""
        found = self.http.get(f"/events/{EXPO}/attendees",
                              params={"email": email, "include_archived": "true", "page[size]": 100}).json()
        return sum(1 for a in found["data"] if a["attributes"]["qr_code"].split("|")[2].lower() == email.lower())

    def total(self) -> int:
        found = self.http.get(f"/events/{EXPO}/attendees", params={"include_archived": "true", "page[size]": 1})
        return found.json()["meta"]["total_attendees"]

    def listed(self) -> int:
        """What a full sync pulls: the default listing (no cancelled, deleted or rejected registrations)."""
        found = self.http.get(f"/events/{EXPO}/attendees", params={"page[size]": 1})
        return found.json()["meta"]["total_attendees"]


class Kiosk:
    """One app process: `python kiosk_worker.py COMMAND URL CACHE ARGS...`, its JSON lines followed."""

    def __init__(self, command: str, url: str, cache_dir: Path, *args: str, token: str,
                 go_file: Path | None = None) -> None:
        env = {**os.environ, "EVENTTIA_TEST_TOKEN": token, "PYTHONPATH": str(ROOT)}
        if go_file is not None:
            env["GO_FILE"] = str(go_file)
        self.proc = subprocess.Popen([sys.executable, str(WORKER), command, url, str(cache_dir), *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        self.lines: queue.Queue[dict | None] = queue.Queue()
        self.log: list[dict] = []
        self.errors: list[str] = []
        self._readers = [threading.Thread(target=self._read_out, daemon=True),
                         threading.Thread(target=self._read_err, daemon=True)]
        for reader in self._readers:
            reader.start()

    def _read_out(self) -> None:
        for line in self.proc.stdout:
            try:
                entry = json.loads(line)
            except ValueError:
                entry = {"step": "text", "text": line.rstrip()}
            self.log.append(entry)
            self.lines.put(entry)
        self.lines.put(None)

    def _read_err(self) -> None:
        self.errors.extend(self.proc.stderr)

    def wait_for(self, step: str, seconds: float = 30, **match) -> dict:
        """The next line with this step (and these fields); fails if the process ends or time runs out."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {step!r} from the worker in {seconds}s: {self.log} {''.join(self.errors)}")
            try:
                entry = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            if entry is None:
                self.proc.wait(timeout=10)
                raise AssertionError(f"the worker ended before {step!r}: {self.log} {''.join(self.errors)}")
            if entry.get("step") == step and all(entry.get(k) == v for k, v in match.items()):
                return entry

    def finish(self, seconds: float = 60) -> list[dict]:
        """Wait for a clean exit; its lines."""
        code = self.proc.wait(timeout=seconds)
        for reader in self._readers:
            reader.join(timeout=10)
        assert code == 0, f"worker exited {code}: {''.join(self.errors)[-3000:]}"
        assert not any("Traceback" in line for line in self.errors), "".join(self.errors)
        return self.log

    def kill(self) -> None:
        """kill -9: no finally, no atexit, no flush."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)  # reaped: its pid is gone, as after a real crash
        for reader in self._readers:
            reader.join(timeout=10)

    def steps(self, step: str) -> list[dict]:
        return [entry for entry in self.log if entry.get("step") == step]


def wait_until(condition, seconds: float = 20, what: str = "condition") -> None:
    """A bounded wait for something that happens in another thread or process."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)
