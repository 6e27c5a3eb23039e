"""One app process on a kiosk machine, for the shared-cache and crash tests: run as a subprocess.

    python tests/actions/kiosk_worker.py COMMAND URL CACHE_DIR [ARGS...]

The sandbox token comes in EVENTTIA_TEST_TOKEN (the real app keeps it in its token file). Every step
prints one JSON line on stdout, flushed, so the test can follow along (and kill the process at a known
point). Commands:

    sync                    sync Demo Expo (incremental when the cache already holds it)
    register EMAIL...       register each walk-in (type General Admission); `applied` is printed once the
                            change shows in the cache, before the server answers
    replay                  replay the outbox until it is empty (others may hold the replay lock), then read
    hold-cancel SECONDS     cancel the first confirmed attendee with an undo window of SECONDS; `held` is
                            printed once it is held (then it waits out the window, unless killed first)
    session TAG COUNT       sync, search, read, register COUNT walk-ins TAG-n@..., sync again
    read                    open the cache and report what it holds (index, outbox, audit lines, activities)

A GO_FILE environment variable makes the command wait (bounded) for that file first, so several
processes start their work at the same moment.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from eventtia_tui.actions import ActionRunner, AuditLog, CancelAttendee, Outbox, RegisterAttendee  # noqa: E402
from eventtia_tui.api import ApiError, EventtiaClient, RetryPolicy  # noqa: E402
from eventtia_tui.gateway import Gateway, sync_event  # noqa: E402
from eventtia_tui.store.cache import CacheStore  # noqa: E402

EXPO = "demo-expo"
ACCOUNT = "demo@eventtia.test"


def say(**fields) -> None:
    print(json.dumps({"pid": os.getpid(), **fields}), flush=True)


async def no_sleep(_: float) -> None:
    return None


def walk_in(email: str) -> RegisterAttendee:
    local = email.split("@")[0]
    values = {"first_name": "Kiosk", "last_name": local.replace("-", " ").title(), "email": email,
              "company": "Señal Telecom"}
    return RegisterAttendee(EXPO, attendee_type_id="5001", values=values, type_name="General Admission")


def wait_for_go() -> None:
    go = os.environ.get("GO_FILE")
    if not go:
        return
    say(step="ready")
    deadline = time.monotonic() + 30
    while not Path(go).exists():
        if time.monotonic() > deadline:
            raise SystemExit("no go")
        time.sleep(0.005)


def report_cache(gateway: Gateway, runner: ActionRunner) -> None:
    """Read everything this process can from the shared cache directory."""
    index = gateway.index(EXPO)
    say(step="read", size=len(index) if index else None,
        ids=sorted(index.records) if index else [],
        outbox=[(i.state, i.action.email) for i in runner.outbox.items()],
        audit=len(runner.audit.entries()), workshops=len(gateway.cached("workshops", EXPO).value))


async def replay_all(runner: ActionRunner) -> None:
    deadline = time.monotonic() + 30
    sent = already = 0
    while True:
        report = await runner.replay()
        sent, already = sent + report.sent, already + report.already_there
        if report.failed:
            say(step="replay-failed", failed=report.failed)
        if await runner.count_queued() == 0:
            break
        if time.monotonic() > deadline:
            raise SystemExit("the outbox did not empty")
        await asyncio.sleep(0.02)  # another process holds the replay lock: try again shortly
    say(step="replayed", sent=sent, already_there=already)


async def main(command: str, url: str, cache_dir: str, args: list[str]) -> None:
    retry = RetryPolicy(attempts=2, base_delay=0, sleep=no_sleep)
    async with EventtiaClient(url, os.environ["EVENTTIA_TEST_TOKEN"], retry=retry, timeout=10) as client:
        store = CacheStore(cache_dir, url, ACCOUNT)
        gateway = Gateway(client, store)
        runner = ActionRunner(gateway, Outbox(cache_dir, store.scope), AuditLog(cache_dir, ACCOUNT))
        wait_for_go()
        if command == "sync":
            report = await sync_event(gateway, EXPO, on_progress=lambda p: say(step="progress", stage=p.stage,
                                                                               done=p.done, total=p.total))
            say(step="synced", attendees=report.attendees)
        elif command == "register":
            for email in args:
                action = walk_in(email)
                outcome = await runner.run(action, on_applied=lambda a=action: say(step="applied", id=a.action_id))
                say(step="outcome", email=email, state=outcome.state.value, message=outcome.message)
        elif command == "hold-cancel":
            index = await gateway.attendee_index(EXPO)
            record = next(r for _, r in sorted(index.records.items()) if r.status == "confirmed" and r.email)
            action = CancelAttendee(EXPO, attendee_id=record.id, name=record.full_name, type_name="General Admission")
            outcome = await runner.hold(action, float(args[0]))
            say(step="held", state=outcome.state.value, id=record.id, name=record.full_name, email=record.email)
            await runner.wait_for_deadlines()
        elif command == "replay":
            await replay_all(runner)
            report_cache(gateway, runner)
        elif command == "session":
            tag, count = args[0], int(args[1])
            try:
                await sync_event(gateway, EXPO)
            except ApiError as error:
                say(step="sync-failed", message=error.message)
            index = await gateway.attendee_index(EXPO)
            say(step="index", size=len(index) if index else None,
                found=len(index.search("kiosk")) if index else 0)
            for number in range(count):
                email = f"{tag}-{number:02d}@kiosk.test"
                outcome = await runner.run(walk_in(email))
                say(step="outcome", email=email, state=outcome.state.value, message=outcome.message)
                try:
                    await gateway.workshops(EXPO, force=True)
                except ApiError as error:
                    say(step="read-failed", message=error.message)
            try:
                await sync_event(gateway, EXPO)
            except ApiError as error:
                say(step="sync-failed", message=error.message)
        elif command == "read":
            report_cache(gateway, runner)
        await gateway.wait_for_background()
        store.close()
    say(step="done")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
