"""Export tables (CSV/JSON written safe for spreadsheets and terminals), arrivals counts, and the `export` command
against the demo sandbox."""

import csv
import io
import json
import os
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventtia_tui.arrivals import bar_rows, count_arrivals, histogram
from eventtia_tui.cli import main
from eventtia_tui.export import (
    ATTENDEE_COLUMNS,
    Existing,
    ExportError,
    ExportPlace,
    ExportTable,
    attendee_table,
    export_place,
    render,
    to_csv,
    to_json,
)
from eventtia_tui.store.records import AttendeeRecord
from eventtia_tui.text import JOINERS, clean_text, shown

FORMAT_CHARACTERS = {chr(code) for code in range(0x110000)
                     if unicodedata.category(chr(code)) == "Cf" and chr(code) not in JOINERS}
PROPERTY = settings(deadline=None, derandomize=True, database=None, max_examples=80)


def record(ident: str, first: str = "Ana", last: str = "Gómez", company: str = "Acme", status: str = "confirmed",
           checked_in_at: str = "", type_id: str = "t1") -> AttendeeRecord:
    return AttendeeRecord(ident, f"u{ident}", first, last, f"{ident}@example.com", company, "Chef", "+573001234567",
                          type_id, status, bool(checked_in_at), True, f"u{ident}|{first} {last}", "",
                          checked_in_at=checked_in_at)


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


# CSV and JSON -----------------------------------------------------------------------------------------------


def test_csv_parses_back_with_every_column():
    records = [record("1"), record("2", "Zoë", "Ñúñez", company="Acme, Inc. \"quoted\"")]
    table = attendee_table(records, {"t1": "VIP"}, title="Demo — attendees")
    rows = parse(to_csv(table))
    assert rows[0] == ATTENDEE_COLUMNS
    assert rows[2][2:6] == ["Zoë", "Ñúñez", "2@example.com", "Acme, Inc. \"quoted\""]
    assert rows[1][ATTENDEE_COLUMNS.index("attendee_type")] == "VIP"
    assert rows[1][ATTENDEE_COLUMNS.index("telephone")] == "+573001234567"  # a phone, not a formula: as it is


@pytest.mark.parametrize("hostile", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_cells_are_defused(hostile):
    cell = parse(to_csv(ExportTable("t", "t", ["name"], [[hostile]])))[1][0]
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))  # a tab or CR shows as ␉ ␍, the rest gets '
    assert cell.startswith(("'", "␉", "␍"))


def test_numbers_stay_numbers_and_booleans_read_as_words():
    rows = parse(to_csv(ExportTable("t", "t", ["n", "m", "b", "none"], [[-3, 2.5, True, None]])))
    assert rows[1] == ["-3", "2.5", "yes", ""]


def test_hostile_names_stay_plain_text():
    name = "Eve\x1b]0;owned\x07\x1b[2J\u009b31m"
    table = attendee_table([record("1", first=name)], {}, title="t")
    cell = parse(to_csv(table))[1][2]
    assert cell == clean_text(name) and not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in cell)
    dumped = to_json(table)
    assert "\x1b" not in dumped and "\x9b" not in dumped
    assert json.loads(dumped)[0]["first_name"] == clean_text(name)


@PROPERTY
@given(st.lists(st.text(max_size=30), min_size=1, max_size=6))
def test_any_text_round_trips_safely(cells):
    rows = parse(to_csv(ExportTable("t", "t", [f"c{i}" for i in range(len(cells))], [cells])))
    assert len(rows) == 2 and len(rows[1]) == len(cells)
    for original, written in zip(cells, rows[1]):
        display = shown(clean_text(original))  # the terminal's rule: a bidi override is a mark, not an override
        assert written in (display, "'" + display)
        assert not FORMAT_CHARACTERS & set(written)
        assert not written.startswith(FORMULA_STARTS) or is_phone(written)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PHONE_CHARACTERS = "0123456789 ().-"


def is_phone(text: str) -> bool:
    return text.startswith("+") and set(text[1:]) <= set(PHONE_CHARACTERS) and any(c.isdigit() for c in text)


def csv_cell_of(value: str) -> str:
    return parse(to_csv(ExportTable("t", "t", ["c"], [[value]])))[1][0]


@PROPERTY
@given(st.one_of(st.text(max_size=30),
                 st.builds(str.__add__, st.sampled_from(FORMULA_STARTS), st.text(max_size=20)),
                 st.builds(str.__add__, st.just("+"), st.text(PHONE_CHARACTERS + "+=eE,;:/xA", max_size=16))))
def test_a_cell_starting_like_a_formula_is_guarded_unless_it_is_a_phone(value):
    cell = csv_cell_of(value)
    if cell.startswith(FORMULA_STARTS):
        assert is_phone(cell) and cell == value  # a phone, written as it is: nothing a spreadsheet can run
    elif value.startswith(FORMULA_STARTS[:4]) and not is_phone(value):
        assert cell.startswith("'")


@PROPERTY
@given(st.builds(lambda before, digit, after: f"+{before}{digit}{after}", st.text(PHONE_CHARACTERS, max_size=10),
                 st.sampled_from("0123456789"), st.text(PHONE_CHARACTERS, max_size=10)))
def test_a_phone_number_is_written_as_it_is(phone):
    assert csv_cell_of(phone) == phone


@pytest.mark.parametrize("phone", ["+57 300 123 4567", "+1 (555) 010-9999", "+44.20.7946.0958", "+573001234567"])
def test_real_phone_numbers_keep_their_plus(phone):
    assert csv_cell_of(phone) == phone


@pytest.mark.parametrize("formula", ["+", "+ ", "+1+1", "+SUM(A1)", "+57 300\t1", "+1e3", "-2", "-1 (555)"])
def test_what_is_not_a_phone_after_a_plus_or_minus_is_guarded(formula):
    assert csv_cell_of(formula).startswith(("'", "␉", "␍"))


def test_the_bom_is_there_exactly_with_the_excel_option():
    table = attendee_table([record("1", "José", "Bogotá")], {}, title="t")
    plain, excel = render(table, "csv"), render(table, "csv", excel=True)
    assert not plain.startswith("\ufeff") and "\ufeff" not in plain
    assert excel == "\ufeff" + plain and excel.count("\ufeff") == 1
    assert excel.encode("utf-8").decode("utf-8-sig") == plain  # what Excel (and Python's utf-8-sig) reads
    assert "\ufeff" not in render(table, "json")
    with pytest.raises(ValueError):
        render(table, "json", excel=True)


@pytest.fixture
def place(tmp_path, monkeypatch):
    """A home in tmp_path with the export folder inside it (not made yet), and the ledger of exports."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return ExportPlace(home / "Downloads", home, tmp_path / "data" / "exports.json")


def snapshot(root):
    """Every path under `root` with its kind and bytes (a link's target), to show that nothing changed."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            found[path] = ("link", os.readlink(path))
        elif path.is_file():
            found[path] = ("file", path.read_bytes(), path.stat().st_mode & 0o777)
        else:
            found[path] = ("dir",)
    return found


def test_a_normal_export_is_new_private_and_in_the_export_folder(place):
    path = place.write(place.target("tickets.csv"), "x\r\n")
    assert path == place.folder / "tickets.csv" and path.read_bytes() == b"x\r\n"
    assert path.stat().st_mode & 0o777 == 0o600 and place.folder.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in place.folder.iterdir()) == ["tickets.csv"]  # no temporary file left behind
    assert place.existing(path) is Existing.EARLIER_EXPORT
    place.write(path, "y\r\n")  # an earlier export is replaced (the dialog asked first)
    assert path.read_bytes() == b"y\r\n" and path.stat().st_mode & 0o777 == 0o600
    elsewhere = place.write(place.target(str(place.home / "reports" / "a.json")) if (place.home / "reports").mkdir()
                            is None else None, "[]")
    assert elsewhere.read_text() == "[]" and elsewhere.stat().st_mode & 0o777 == 0o600


def test_the_default_export_folder_is_the_downloads_folder_made_when_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    found = export_place(None, tmp_path / "data")
    assert found.folder.parent == tmp_path and found.home == tmp_path and not found.folder.exists()
    assert found.write(found.folder / "a.csv", "x").parent == found.folder


ATTACKS = {
    "a dotfile in the home": ("~/.bashrc", "hidden files and folders"),
    "a hidden folder": ("~/.ssh/authorized_keys", "hidden files and folders"),
    "a dotfile named alone": (".profile", "hidden files and folders"),
    "..": ("../../etc/cron.d/x.csv", "“..” is not allowed"),
    ".. inside": ("~/Downloads/../.bashrc", "“..” is not allowed"),
    "outside the home": ("/etc/eventtia.csv", "outside your home folder"),
    "a symlink to a file": ("~/Downloads/link.csv", "is a symbolic link"),
    "through a symlinked folder": ("~/linked/x.csv", "is a symbolic link"),
    "a folder": ("~/Downloads/folder", "is a folder"),
    "the export folder itself": ("~/Downloads", "is a folder"),
    "the home itself": ("~", "is a folder"),
    "a missing folder": ("~/nowhere/x.csv", "There is no folder"),
}


@pytest.mark.parametrize("typed, why", ATTACKS.values(), ids=ATTACKS.keys())
def test_export_path_attacks_are_refused_and_nothing_changes(place, tmp_path, typed, why):
    home = place.home
    (home / ".bashrc").write_text("original")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim.csv").write_text("victim")
    place.folder.mkdir()
    (place.folder / "folder").mkdir()
    (place.folder / "link.csv").symlink_to(home / ".bashrc")
    (home / "linked").symlink_to(outside)
    before = snapshot(tmp_path)
    with pytest.raises(ExportError, match=why):
        place.write(place.target(typed), "=cmd|' /C calc'!A0\r\n")
    assert snapshot(tmp_path) == before


PATH_PARTS = st.sampled_from(["~", "..", ".", ".bashrc", "Downloads", "a.csv", "", "/", "/etc", "x", " ", "\x00",
                               "linked", ".ssh"])


@PROPERTY
@given(st.lists(PATH_PARTS, max_size=6))
def test_any_typed_path_is_refused_or_lands_in_the_home_or_the_export_folder(parts):
    home = Path("/nonexistent-home")
    place = ExportPlace(home / "Downloads", home)
    typed = "/".join(parts)
    try:
        path = place.target(typed)
    except ExportError:
        return
    root = place.folder if path.is_relative_to(place.folder) else home
    assert path.is_relative_to(root) and ".." not in path.parts
    assert not any(part.startswith(".") for part in path.relative_to(root).parts)


def test_a_file_that_is_no_export_is_replaced_only_when_confirmed(place):
    notes = place.home / "notes.csv"
    notes.write_text("mine")
    assert place.existing(place.target(str(notes))) is Existing.OTHER_FILE
    with pytest.raises(ExportError, match="not an export of eventtia-tui"):
        place.write(notes, "x")
    assert notes.read_text() == "mine"
    place.folder.mkdir()
    earlier = place.write(place.folder / "a.csv", "x")
    earlier.unlink()
    earlier.write_text("x")  # the same name and size, another file (maybe the same inode): not the export
    assert place.existing(earlier) is Existing.OTHER_FILE
    place.write(notes, "x", replace_other=True)
    assert notes.read_text() == "x" and notes.stat().st_mode & 0o777 == 0o600


def test_the_cli_export_follows_the_same_rule(dirs, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(dirs))
    (dirs / ".bashrc").write_text("original")
    assert main(["--demo", "export", "demo-expo", "tickets", "--output", str(dirs / ".bashrc")]) == 1
    assert "hidden files and folders" in capsys.readouterr().err and (dirs / ".bashrc").read_text() == "original"
    monkeypatch.chdir(dirs)
    assert main(["--demo", "export", "demo-expo", "tickets", "--output", "../tickets.csv"]) == 1
    assert "“..” is not allowed" in capsys.readouterr().err


def test_bidi_controls_show_in_a_csv_and_stay_data_in_json():
    """An unclosed RIGHT-TO-LEFT OVERRIDE would reverse the rest of a row in a terminal or a spreadsheet: the CSV
    gets the display text (a visible mark); the JSON keeps the character, escaped, so `json.loads` gives it back."""
    name = "Ann\u202eevil\u2066x\u200b"
    table = attendee_table([record("1", first=name)], {}, title="t")
    csv_text = to_csv(table)
    assert "Ann\ufffdevil\ufffdx\ufffd" in csv_text and not FORMAT_CHARACTERS & set(csv_text)
    dumped = to_json(table)
    assert "\\u202e" in dumped and not FORMAT_CHARACTERS & set(dumped)
    assert json.loads(dumped)[0]["first_name"] == name


# Arrivals -------------------------------------------------------------------------------------------------


def test_arrivals_count_active_registrations_per_type():
    at = datetime(2026, 11, 24, 9, 7, tzinfo=timezone(timedelta(hours=-5)))
    records = [record("1", checked_in_at=at.isoformat()), record("2"),
               record("3", status="rejected", checked_in_at=at.isoformat()),
               record("4", type_id="t2", checked_in_at=(at + timedelta(minutes=20)).isoformat())]
    found = count_arrivals(records, {"t1": "General", "t2": "VIP"})
    assert {t.name: (t.checked_in, t.registered) for t in found.per_type.values()} == {"General": (1, 2), "VIP": (1, 1)}
    assert found.times == [at.timestamp(), at.timestamp() + 1200] and found.statuses["rejected"] == 1


def test_histogram_buckets_on_the_events_clock():
    offset = -5 * 3600
    start = datetime(2026, 11, 24, 9, 0, tzinfo=timezone(timedelta(hours=-5))).timestamp()
    times = [start + 60, start + 14 * 60, start + 15 * 60, start + 50 * 60]
    found = histogram(times, 900, columns=10, now=start + 55 * 60, utc_offset=offset)
    assert found.start == start and found.counts == [2, 1, 0, 1] and found.before == 0
    narrow = histogram(times, 900, columns=2, now=start + 55 * 60, utc_offset=offset)
    assert narrow.counts == [0, 1] and narrow.before == 3  # only the last two bars fit: the rest is counted


def test_bar_rows_scale_to_the_busiest_bar():
    rows = bar_rows([0, 1, 4], height=2)
    assert rows == ["  █", " ▄█"]  # 1 of 4 is a quarter of the height: half the lower line


# The export command -----------------------------------------------------------------------------------------


def test_cli_exports_attendees_tickets_roster_and_agenda(dirs, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(dirs))
    assert main(["--demo", "export", "demo-expo", "attendees"]) == 0
    attendees = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(attendees) > 1000 and list(attendees[0]) == ATTENDEE_COLUMNS
    assert main(["--demo", "find", "demo-expo", attendees[0]["email"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == attendees[0]["id"]

    target = dirs / "tickets.json"
    assert main(["--demo", "export", "demo-expo", "tickets", "--json", "--output", str(target)]) == 0
    assert "to " + str(target) in capsys.readouterr().err
    tickets = json.loads(target.read_text())
    assert sum(t["checked_in"] for t in tickets) == sum(a["checked_in"] == "yes" for a in attendees
                                                        if a["status"] not in ("cancelled", "rejected"))

    assert main(["--demo", "export", "demo-expo", "roster", "data pipelines"]) == 0
    roster = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(roster) == 30  # the full activity

    assert main(["--demo", "export", "demo-expo", "agenda", "--json"]) == 0
    meetings = json.loads(capsys.readouterr().out)
    assert len(meetings) >= 50 and {m["status"] for m in meetings} >= {"accepted", "requested"}


def test_cli_excel_option_writes_a_bom_to_a_file_and_stdout(dirs, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(dirs))
    for flags, bom in (([], False), (["--csv"], False), (["--excel"], True), (["--csv", "--excel"], True)):
        target = dirs / f"tickets{len(flags)}{bom}.csv"
        assert main(["--demo", "export", "demo-expo", "tickets", *flags, "-o", str(target)]) == 0
        data = target.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf") is bom and data.count(b"\xef\xbb\xbf") == int(bom)
        assert data.decode("utf-8-sig").startswith("attendee_type,")
    capsys.readouterr()
    assert main(["--demo", "export", "demo-expo", "tickets", "--excel"]) == 0
    assert capsys.readouterr().out.startswith("\ufeffattendee_type,")
    assert main(["--demo", "export", "demo-expo", "tickets", "--excel", "--json"]) == 2
    assert "--excel is for CSV" in capsys.readouterr().err


def test_cli_export_errors_name_what_failed(dirs, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(dirs))
    assert main(["--demo", "export", "demo-expo", "roster"]) == 2
    assert "needs the activity" in capsys.readouterr().err
    assert main(["--demo", "export", "demo-expo", "roster", "no such thing"]) == 1
    assert "names no activity of demo-expo" in capsys.readouterr().err
    assert main(["--demo", "export", "demo-expo", "tickets", "-o", str(dirs / "nowhere" / "t.csv")]) == 1
    assert f"There is no folder {dirs / 'nowhere'}" in capsys.readouterr().err
