"""The ledger of admissions (eventtia_tui/store/ledger.py): durable, append-only, checked when opened."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventtia_tui.store.ledger import EXITED, LEDGER, READMITTED, Ledger, LedgerError, decode, encode

WRITER = """
import sys
from pathlib import Path
from eventtia_tui.store.ledger import Ledger
ledger = Ledger(Path(sys.argv[1]))
for n in range(100000):
    ledger.admit(event="demo-expo", attendee=str(n), place="Entrance 2", at=1000.0 + n, verdict="CONFIRMED",
                 badge="Q" * 3000)
    print(n, flush=True)
"""


def admit(ledger: Ledger, attendee: str, at: float, place: str = "Entrance 2", event: str = "demo-expo"):
    return ledger.admit(event=event, attendee=attendee, place=place, at=at, verdict="CONFIRMED", badge=f"QR-{attendee}",
                        machine="desk-1")


def test_an_admission_is_on_disk_in_a_private_file_and_read_back_by_a_new_process(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    first = admit(ledger, "7", 100.0)
    admit(ledger, "7", 50.0, place="Entrance 1")  # written later, but earlier: the earliest wins
    admit(ledger, "8", 200.0, event="other-event")
    assert stat.S_IMODE((tmp_path / LEDGER).stat().st_mode) == 0o600
    again = Ledger(tmp_path)
    assert [a.id for a in again.admissions] == [a.id for a in ledger.admissions]
    assert again.first_admission("demo-expo", "7").place == "Entrance 1"
    assert again.first_admission("demo-expo", "8") is None
    assert [a.place for a in again.of_event("demo-expo")] == ["Entrance 1", "Entrance 2"]
    assert [a.id for a in again.of_event("demo-expo", "Entrance 2")] == [first.id]
    assert again.skipped == 0


def test_two_processes_sharing_the_ledger_see_each_others_admissions(tmp_path: Path) -> None:
    desk, door = Ledger(tmp_path), Ledger(tmp_path)
    admit(desk, "7", 100.0)
    assert door.first_admission("demo-expo", "7") is not None
    readmitted = door.admit(event="demo-expo", attendee="7", place="Entrance 2", at=130.0, verdict="ALREADY ADMITTED",
                            kind=READMITTED, by="supervisor")
    assert [a.kind for a in desk.of_event("demo-expo")] == ["admitted", "re-admitted"]
    assert desk.of_event("demo-expo")[1] == readmitted


@pytest.mark.hostile
def test_an_altered_line_is_skipped_and_counted_never_taken(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path)
    admit(ledger, "7", 100.0)
    admit(ledger, "8", 110.0)
    path = tmp_path / LEDGER
    lines = path.read_bytes().splitlines(keepends=True)
    forged = json.loads(lines[0])
    forged["place"] = "Back door"  # the checksum no longer matches
    path.write_bytes(json.dumps(forged).encode() + b"\n" + lines[1] + b"not json\n")
    again = Ledger(tmp_path)
    assert [a.attendee for a in again.admissions] == ["8"]
    assert again.skipped == 2


@pytest.mark.crash
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(cut=st.integers(min_value=1, max_value=10_000))
def test_a_line_cut_short_by_a_crash_is_sealed_and_the_next_admission_is_whole(tmp_path: Path, cut: int) -> None:
    folder = tmp_path / str(cut)
    ledger = Ledger(folder)
    admit(ledger, "1", 100.0)
    admit(ledger, "2", 110.0)
    path = folder / LEDGER
    data = path.read_bytes()
    whole = len(encode(ledger.admissions[0]))
    cut_at = whole + cut % (len(data) - whole)  # somewhere inside the second line
    path.write_bytes(data[:cut_at])
    again = Ledger(folder)
    whole_but_its_newline = cut_at == len(data) - 1  # written whole: an admission, sealed with its newline
    kept = ["1", "2"] if whole_but_its_newline else ["1"]
    assert [a.attendee for a in again.admissions] == kept
    assert again.skipped == (1 if whole < cut_at < len(data) - 1 else 0)
    admit(again, "3", 120.0)
    last = Ledger(folder)
    assert [a.attendee for a in last.admissions] == [*kept, "3"]
    assert decode(path.read_bytes().splitlines()[-1]) == last.admissions[-1]


@pytest.mark.crash
def test_the_ledger_survives_kill_9_in_the_middle_of_writing(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    reported = [child.stdout.readline() for _ in range(200)]  # each one said only once on the disk
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    ledger = Ledger(tmp_path)
    attendees = [a.attendee for a in ledger.admissions]
    assert attendees[:200] == [line.strip() for line in reported]
    assert attendees == [str(n) for n in range(len(attendees))]  # none lost between, none twice
    assert ledger.skipped <= 1
    admit(ledger, "after", 1e9)
    assert Ledger(tmp_path).admissions[-1].attendee == "after"


SCANS = st.lists(st.tuples(st.integers(0, 1), st.sampled_from(["w1", "w2", "w3"]), st.integers(0, 6)), max_size=40)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(scans=SCANS)
def test_each_door_counts_each_person_once_whichever_machine_process_scanned(tmp_path: Path, scans) -> None:
    """Scans at three doors by two processes on one machine, interleaved: a door admits a badge not yet inside
    it (as the roster does), so each door's count is the people scanned there, each once."""
    folder = tmp_path / str(abs(hash(tuple(scans))))
    processes = [Ledger(folder), Ledger(folder)]
    for n, (process, door, person) in enumerate(scans):
        ledger = processes[process]
        if ledger.first_admission("demo-expo", str(person), door=door) is None:
            ledger.admit(event="demo-expo", attendee=str(person), place=f"door {door}", at=float(n), verdict="ON THE LIST",
                         door=door)
    for ledger in [*processes, Ledger(folder)]:
        for door in ("w1", "w2", "w3"):
            expected = {str(person) for _, at, person in scans if at == door}
            assert set(ledger.firsts("demo-expo", door=door)) == expected
            assert len(ledger.of_event("demo-expo", f"door {door}")) == len(expected)
        assert ledger.firsts("demo-expo") == {}  # none of them is a desk's admission


MOVES = st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["w1", "w2", "w3"]), st.integers(0, 5), st.booleans()),
                max_size=60)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None,
          derandomize=True)
@given(moves=MOVES)
def test_a_door_that_counts_both_ways_counts_admissions_minus_exits(tmp_path: Path, moves) -> None:
    """Scans in and out at three doors, interleaved, by three door processes on one machine (each its own Ledger
    on one file), each door as the roster scans: in — admitted unless inside; out — an exit if inside. Each
    door's count is its admissions minus its exits, and who is inside is who went in last without leaving."""
    folder = tmp_path / str(abs(hash(tuple(moves))))
    doors = [Ledger(folder) for _ in range(3)]
    expected: dict[str, set[str]] = {"w1": set(), "w2": set(), "w3": set()}
    for n, (process, door, person, going_out) in enumerate(moves):
        ledger, who = doors[process], str(person)
        inside = who in ledger.inside("demo-expo", door)
        if going_out and inside:
            ledger.admit(event="demo-expo", attendee=who, place=f"door {door}", at=float(n), verdict="EXIT",
                         kind=EXITED, door=door)
            expected[door].discard(who)
        elif not going_out and not inside:
            ledger.admit(event="demo-expo", attendee=who, place=f"door {door}", at=float(n), verdict="ON THE LIST",
                         door=door)
            expected[door].add(who)
    for ledger in [*doors, Ledger(folder)]:
        for door, people in expected.items():
            moved = [a for a in ledger.of_event("demo-expo") if a.door == door]
            admissions = sum(1 for a in moved if not a.exit)
            exits = sum(1 for a in moved if a.exit)
            assert len(ledger.inside("demo-expo", door)) == admissions - exits == len(people)
            assert set(ledger.inside("demo-expo", door)) == people
        assert ledger.firsts("demo-expo") == {}  # an exit is no desk's admission either


def test_admissions_taken_in_from_another_machine_are_a_union_by_id_whatever_their_order(tmp_path: Path) -> None:
    one, two = Ledger(tmp_path / "one"), Ledger(tmp_path / "two")
    a = admit(one, "7", 100.0, place="Entrance 1")
    b = admit(two, "7", 90.0, place="Entrance 2")  # earlier, made while the machines could not talk
    inside = two.admit(event="demo-expo", attendee="8", place="Room", at=95.0, verdict="ON THE LIST", door="r")
    out = one.admit(event="demo-expo", attendee="8", place="Room", at=99.0, verdict="EXIT", kind=EXITED, door="r")
    assert [x.id for x in one.take_in([b, inside, b])] == [b.id, inside.id]  # a copy in the batch: once
    assert [x.id for x in two.take_in([out, a])] == [out.id, a.id]
    assert one.take_in([a, b]) == [] and two.take_in(list(two.admissions)) == []  # held already: nothing written
    for ledger in (one, two, Ledger(tmp_path / "one"), Ledger(tmp_path / "two")):
        assert {x.id for x in ledger.of_event("demo-expo")} == {a.id, b.id, inside.id, out.id}
        assert ledger.first_admission("demo-expo", "7") == b  # the earliest decides, at both
        assert ledger.inside("demo-expo", "r") == {}  # went in at 95, out at 99: the exit came first to one
    assert len((tmp_path / "one" / LEDGER).read_bytes().splitlines()) == 4


@pytest.mark.fault
def test_a_ledger_that_cannot_be_opened_is_said_at_start_and_an_admission_fails_clearly(tmp_path: Path) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the state folder should be")
    ledger = Ledger(blocker)
    assert "can't be opened" in ledger.said_at_start() and str(blocker / LEDGER) in ledger.said_at_start()
    assert ledger.first_admission("demo-expo", "7") is None
    with pytest.raises(LedgerError, match="can't be opened"):
        admit(ledger, "7", 100.0)
    assert blocker.read_text() == "a file where the state folder should be"


@pytest.mark.crash
def test_a_line_whole_but_its_newline_is_an_admission(tmp_path: Path) -> None:
    """A crash between a line and its newline: the line is an admission, at this open and every later one (it
    was counted as cut, then read whole once sealed: two answers for one file)."""
    ledger = Ledger(tmp_path)
    admit(ledger, "1", 100.0)
    admit(ledger, "2", 110.0)
    path = tmp_path / LEDGER
    path.write_bytes(path.read_bytes()[:-1])
    again = Ledger(tmp_path)
    assert [a.attendee for a in again.admissions] == ["1", "2"] and again.skipped == 0
    admit(again, "3", 120.0)
    assert [a.attendee for a in Ledger(tmp_path).admissions] == ["1", "2", "3"]
