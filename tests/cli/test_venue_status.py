"""`eventtia-tui venue status` against real parts: a real Redis, two machine processes that synced on a
rate-limited sandbox, one write queued in the venue's outbox and entries forged in Redis; then Redis gone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import redis

from benchmarks.redis_server import RedisServer
from benchmarks.venue import URI, VENUE_KEY, Machine, VenueSandbox
from eventtia_tui.sandbox import DEMO_EMAIL

ROOT = Path(__file__).resolve().parents[2]


def venue_status(tmp_path: Path, api: str, shared: str, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "EVENTTIA_API_URL": api, "EVENTTIA_SHARED_URL": shared, "EVENTTIA_VENUE_KEY": VENUE_KEY,
           "EVENTTIA_EMAIL": DEMO_EMAIL, "EVENTTIA_CONFIG_DIR": str(tmp_path / "status-config"),
           "EVENTTIA_CACHE_DIR": str(tmp_path / "status-cache"), "EVENTTIA_DATA_DIR": str(tmp_path / "status-data")}
    env.pop("EVENTTIA_PASSWORD", None)
    return subprocess.run([sys.executable, "-m", "eventtia_tui", *extra, "venue", "status"], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, stdin=subprocess.DEVNULL, env=env)


def test_venue_status_shows_machines_lease_budget_outbox_and_refused_entries_then_why_redis_is_down(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    sandbox = VenueSandbox(tmp_path, 48).start()
    machines: list[Machine] = []
    try:
        machines = Machine.fleet(2, sandbox.url, server.url, tmp_path, lease=60.0)
        one, two = machines
        assert "error" not in one.ask("sync") and "error" not in two.ask("sync")
        one.ask("cut")
        assert one.ask("register", values={"first_name": "Sam", "last_name": "Status",
                                           "email": "sam.status@example.org"})["state"] == "queued"
        keys = two.ask("keys")
        r = redis.Redis.from_url(server.url, decode_responses=True)
        r.xadd(keys["outbox"], {"action_id": "forged-1", "item": "{}"})  # unsigned: not counted, refused
        deadline = time.monotonic() + 30  # both machines on the account's roll (each says so every second)
        while r.zcard(keys["machines"]) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        on_roll = r.zrange(keys["machines"], 0, -1, withscores=True)
        r.close()
        served = sandbox.stats()["served"]
        shown = venue_status(tmp_path, sandbox.url, server.url, "--event", URI)
        asked = sandbox.stats()["served"] - served
        Machine.stop_all(machines)
        server.stop()
        down = venue_status(tmp_path, sandbox.url, server.url)
    finally:
        Machine.stop_all(machines)
        sandbox.stop()
        server.stop()
    lines = {line.split("  ", 1)[0]: line.split("  ", 1)[1].strip() for line in shown.stdout.splitlines()}
    assert shown.returncode == 0, shown.stderr
    assert asked == 0  # Redis only: no Eventtia request
    assert "up" in lines["Redis"] and ":***@" not in lines["Redis"] and keys["outbox"].startswith(
        lines["Redis"].rpartition("keys ")[2])
    assert len(on_roll) == 2, on_roll
    assert lines["Machines"].startswith("2 seen in the last 30 s") 
    assert lines["Budget"].split(" of ")[1].startswith("100 requests used this minute")
    assert 0 < int(lines["Budget"].split(" of ")[0]) <= 100
    assert lines["Sync leases"] == "none held"  # both syncs finished (a lease is held only while one runs)
    assert lines["Outbox"].startswith("1 queued")
    assert lines["Refused entries"] == "1 venue entry refused (outbox 1)"
    assert down.returncode == 1 and "down: refused" in down.stdout.splitlines()[0]
    assert "Traceback" not in shown.stderr + down.stderr
