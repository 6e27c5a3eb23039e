"""`eventtia-tui ledger EVENT [--csv|--json] [--place P]`: this machine's admissions, written as every export is."""

from __future__ import annotations

import csv
import io
import json

import pytest

from eventtia_tui.cli import main
from eventtia_tui.export import LEDGER_COLUMNS, ledger_table, render
from eventtia_tui.store.ledger import READMITTED, Ledger

HOSTILE_BADGE = "=HYPERLINK(\"http://x\")\x1b[2J\u202e|Ana"


@pytest.fixture
def ledger(dirs) -> Ledger:
    ledger = Ledger(dirs / "data" / "state")
    ledger.admit(event="demo-expo", attendee="7", place="Entrance 2", at=1_800_000_000.0, verdict="CONFIRMED",
                 badge=HOSTILE_BADGE, machine="desk-1")
    ledger.admit(event="demo-expo", attendee="7", place="Entrance 2", at=1_800_000_060.0, verdict="ALREADY ADMITTED",
                 badge=HOSTILE_BADGE, machine="desk-1", kind=READMITTED, by="supervisor at Entrance 2")
    ledger.admit(event="demo-expo", attendee="8", place="Hall B door", at=1_800_000_030.0, verdict="CONFIRMED",
                 machine="door-1")
    ledger.admit(event="other-event", attendee="9", place="Entrance 2", at=1_800_000_000.0, verdict="CONFIRMED")
    return ledger


def test_the_ledger_command_writes_the_event_s_admissions_as_f5_does(ledger, capsys):
    assert main(["ledger", "demo-expo"]) == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == LEDGER_COLUMNS
    assert [(r["registration_id"], r["place"], r["kind"]) for r in rows] == [
        ("7", "Entrance 2", "admitted"), ("8", "Hall B door", "admitted"), ("7", "Entrance 2", "re-admitted")]
    assert rows[0]["admitted_at"] == "2027-01-15T08:00:00+00:00"
    assert "\x1b" not in out and "\u202e" not in out and rows[0]["badge"].startswith("'=")  # defused, as every CSV
    same = ledger_table(ledger.of_event("demo-expo"), title="demo-expo — admissions at every place")
    assert out == render(same, "csv")  # one table, one writer: F5's Ctrl+T writes the same

    assert main(["ledger", "demo-expo", "--json", "--place", "Hall B door"]) == 0
    written = json.loads(capsys.readouterr().out)
    assert [(r["registration_id"], r["machine"]) for r in written] == [("8", "door-1")]


def test_the_ledger_command_refuses_clearly_and_writes_nothing(ledger, dirs, capsys, monkeypatch):
    assert main(["ledger", "demo-expo", "--place", "Back door"]) == 1
    err = capsys.readouterr().err
    assert "no admission" in err and "Entrance 2, Hall B door" in err
    assert main(["ledger", "no-such-event"]) == 1
    assert "no admission of 'no-such-event'" in capsys.readouterr().err
    monkeypatch.setenv("HOME", str(dirs))
    monkeypatch.chdir(dirs)
    assert main(["ledger", "demo-expo", "--output", "../ledger.csv"]) == 1
    assert "“..” is not allowed" in capsys.readouterr().err and not (dirs.parent / "ledger.csv").exists()
    assert main(["ledger", "demo-expo", "--json", "--excel"]) == 2
    assert main(["ledger", "demo-expo", "--output", "ledger.csv"]) == 0
    assert (dirs / "ledger.csv").stat().st_mode & 0o777 == 0o600
    assert len(list(csv.DictReader(io.StringIO((dirs / "ledger.csv").read_text())))) == 3
