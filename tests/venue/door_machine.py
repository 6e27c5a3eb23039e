"""A desk machine for the venue ledger tests: its own process and state dir, on the venue's real Redis.

It is wired as the app wires venue mode: a `Link` with the venue key (EVENTTIA_VENUE_KEY), `VenueAdmissions`
following the event, and the desk's own `Ledger` on the same file (the app's `ledger`), whose verdict comes
from `verdict_for` with the ledger's first admission, and which admits on an ok verdict (`admits_on_scan`).
One JSON command a line on stdin, one JSON answer a line on stdout (`DoorMachine.ask`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.venue import Conversation
from eventtia_tui.store.ledger import EXITED, Ledger
from eventtia_tui.store.records import AttendeeRecord
from eventtia_tui.venue.admissions import VenueAdmissions
from eventtia_tui.venue.link import Link
from eventtia_tui.verdict import admits_on_scan, verdict_for

ROOT = Path(__file__).resolve().parents[2]
EVENT = "demo-expo"
VENUE_KEY = "door-ledger-test-venue-key-0123456789"


def person(attendee: str) -> AttendeeRecord:
    return AttendeeRecord(id=attendee, uuid=f"u{attendee}", first_name="Ada", last_name=f"Door{attendee}",
                          email=f"ada{attendee}@example.org", company="", job_title="", telephone="", type_id="1",
                          status="confirmed", checked_in=False, paid=True, qr_code=f"Q{attendee}|Ada", updated_at="")


def serve(state: Path, shared: str, place: str) -> None:
    link = Link(shared, os.environ["EVENTTIA_VENUE_KEY"])
    link.connect()
    venue = VenueAdmissions(link, state, "https://api.example/api/v3|desk@example.org")
    venue.follow(EVENT)
    desk = Ledger(state)  # the app's ledger: another reader of the same file

    def say(answer: dict[str, Any]) -> None:
        print(json.dumps(answer), flush=True)

    say({"ready": True, "up": link.up})
    for line in sys.stdin:
        command = json.loads(line)
        op, attendee = command["op"], str(command.get("attendee", ""))
        if op == "scan":
            verdict = verdict_for(person(attendee), price=None, admitted=desk.first_admission(EVENT, attendee))
            admitted = None
            if admits_on_scan(verdict, "confirmed"):
                admitted = desk.admit(event=EVENT, attendee=attendee, place=place, at=time.time(),
                                      verdict=verdict.words, badge=f"Q{attendee}|Ada").id
            say({"verdict": verdict.words, "level": verdict.level, "admitted": admitted, "at": time.monotonic()})
        elif op == "wait_admitted":  # until the ledger holds `count` admissions of this badge
            deadline = time.monotonic() + float(command.get("timeout", 10.0))
            while len([a for a in desk.of_event(EVENT) if a.attendee == attendee]) < int(command.get("count", 1)) \
                    and time.monotonic() < deadline:
                time.sleep(0.01)
            say({"seen_at": time.monotonic()})
        elif op == "door":  # a scan at an activity's door, as the roster does: in unless inside; out if inside
            door, inside = command["door"], attendee in desk.inside(EVENT, command["door"])
            if command.get("out") and inside:
                desk.admit(event=EVENT, attendee=attendee, place=f"door {door}", at=time.time(), verdict="EXIT",
                           kind=EXITED, door=door)
            elif not command.get("out") and not inside:
                desk.admit(event=EVENT, attendee=attendee, place=f"door {door}", at=time.time(),
                           verdict="ON THE LIST", door=door)
            say({"moved": command.get("out", False) == inside})
        elif op == "wait_lines":  # until the ledger holds this many lines whose attendee starts with `prefix`
            deadline = time.monotonic() + float(command.get("timeout", 20.0))
            while len([a for a in desk.of_event(EVENT) if a.attendee.startswith(command["prefix"])]) < \
                    int(command["count"]) and time.monotonic() < deadline:
                time.sleep(0.01)
            say({})
        elif op == "doors":  # per door: who is inside, the admissions and the exits (of attendees with `prefix`)
            answer = {}
            for door in command["doors"]:
                moved = [a for a in desk.of_event(EVENT) if a.door == door and a.attendee.startswith(command["prefix"])]
                answer[door] = {"inside": sorted(a for a in desk.inside(EVENT, door) if a.startswith(command["prefix"])),
                                "admissions": sum(not a.exit for a in moved), "exits": sum(a.exit for a in moved)}
            say(answer)
        elif op == "wait_refused":  # until this many venue entries were set aside
            deadline = time.monotonic() + float(command.get("timeout", 10.0))
            while link.refusals.count < int(command["count"]) and time.monotonic() < deadline:
                time.sleep(0.01)
            say({"refused": link.refusals.count})
        elif op == "holds":
            first = desk.first_admission(EVENT, attendee)
            say({"ids": sorted(a.id for a in desk.of_event(EVENT) if a.attendee == attendee),
                 "lines": len(desk.admissions), "first": first.id if first else None,
                 "first_place": first.place if first else None, "up": link.up, "refused": link.refusals.count})
    venue.stop()
    link.close()


class DoorMachine(Conversation):
    def __init__(self, directory: Path, shared: str, place: str, venue_key: str = VENUE_KEY) -> None:
        self.place, self.name = place, f"the machine at {place}"
        self.state = Path(directory) / place.replace(" ", "-")
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "EVENTTIA_VENUE_KEY": venue_key}
        self.process = subprocess.Popen([sys.executable, "-m", "tests.venue.door_machine", str(self.state), shared, place],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
                                        cwd=str(ROOT), env=env)
        self.ready = self.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), sys.argv[2], sys.argv[3])
