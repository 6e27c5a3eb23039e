import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.cells import cell_len

from eventtia_tui.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_find_before_sync_says_what_to_do(dirs, capsys):
    assert main(["--demo", "find", "demo-expo", "ana"]) == 2  # could not look: 2, as grep
    assert "run `eventtia-tui --demo sync demo-expo` first" in capsys.readouterr().err


def test_sync_then_find_json(dirs, capsys):
    assert main(["--demo", "sync", "demo-expo"]) == 0
    out = capsys.readouterr().out
    # The default listing (1,200 registrations less the deleted and rejected ones), all active.
    assert "Synced demo-expo (full)" in out and re.search(r"1,1\d\d attendees \(1,1\d\d active, 0 cancelled\)", out)
    assert main(["sync", "demo-expo", "--demo"]) == 0
    assert "(incremental)" in capsys.readouterr().out
    assert main(["--demo", "find", "demo-expo", "Muller", "--json", "--limit", "3"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert len(found) == 3
    assert {"id", "uuid", "first_name", "last_name", "email", "company", "attendee_type", "status"} <= set(found[0])
    assert found[0]["last_name"] == "Müller"
    assert main(["--demo", "find", "demo-expo", found[0]["email"].upper(), "--json"]) == 0
    assert [a["id"] for a in json.loads(capsys.readouterr().out)] == [found[0]["id"]]

    # As grep: 1 when nothing matches (stdout holds only matches), 0 when something does.
    assert main(["--demo", "find", "demo-expo", "zzqxj-nobody"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "No attendee matches 'zzqxj-nobody'" in err
    assert main(["--demo", "find", "demo-expo", "zzqxj-nobody", "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == []
    assert main(["--demo", "find", "demo-expo", "Muller"]) == 0
    assert "Müller" in capsys.readouterr().out


WIDE = [("山田", "太郎", "株式会社サンプル"), ("Zoë", "🎉 Party", "Café 🍕 Ltd"), ("Ana", "Gómez", "Acme")]


def rename(db: sqlite3.Connection, first: str, last: str, company: str, row: int) -> None:
    """The sandbox's attendee at `row` (by id) gets these names, in its columns and its custom fields."""
    ident, type_id, fields = db.execute("SELECT id, type_id, fields FROM attendees ORDER BY id LIMIT 1 OFFSET ?",
                                        (row,)).fetchone()
    values, fields = {"first_name": first, "last_name": last, "company": company}, json.loads(fields)
    for field_id, name in db.execute("SELECT id, name FROM custom_fields WHERE attendee_type_id = ?", (type_id,)):
        if name in values:
            fields[str(field_id)] = values[name]
    db.execute("UPDATE attendees SET first_name = ?, last_name = ?, company = ?, fields = ?, updated_ms = ? "
               "WHERE id = ?", (first, last, company, json.dumps(fields), int(time.time() * 1000), ident))


def test_find_lines_up_columns_by_cell_width_after_cjk_and_emoji(dirs, capsys):
    assert main(["--demo", "sync", "demo-expo"]) == 0
    with sqlite3.connect(dirs / "data" / "demo.sqlite3") as db:
        for row, (first, last, company) in enumerate(WIDE):
            rename(db, first, f"{last} Widecheck", company, row)
    assert main(["--demo", "sync", "demo-expo"]) == 0  # incremental: the names come in through the API
    capsys.readouterr()
    assert main(["--demo", "find", "demo-expo", "Widecheck"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(WIDE)
    for line in lines:
        company = next(company for _, _, company in WIDE if company in line)
        email = re.search(r"\S+@\S+", line).group()
        # Name 30 cells, company 24, then the email: a space between columns, whatever the characters' widths.
        assert cell_len(line[:line.index(company)]) == 31
        assert cell_len(line[:line.index(email)]) == 31 + 25


def test_sync_without_credentials_explains(dirs, capsys):
    assert main(["sync", "demo-expo", "--api-url", "http://127.0.0.1:9/api/v3"]) == 2
    assert "EVENTTIA_EMAIL" in capsys.readouterr().err


def test_sync_against_an_unreachable_api(dirs, capsys, monkeypatch):
    monkeypatch.setenv("EVENTTIA_EMAIL", "demo@eventtia.test")
    monkeypatch.setenv("EVENTTIA_PASSWORD", "demo")
    assert main(["sync", "demo-expo", "--api-url", "http://127.0.0.1:9/api/v3"]) == 1
    err = capsys.readouterr().err
    assert "Cannot reach" in err and "demo" not in err.replace("demo-expo", "")


def test_sandbox_refuses_a_public_address(capsys):
    assert main(["sandbox", "--host", "0.0.0.0"]) == 2
    assert "loopback" in capsys.readouterr().err


def test_kiosk_needs_an_event(capsys):
    assert main(["--kiosk"]) == 2
    assert "--kiosk needs --event" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and "eventtia-tui 0.1.0" in capsys.readouterr().out


def run_module(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          stdin=subprocess.DEVNULL, env={**os.environ, **env})


def test_python_dash_m_runs_the_cli():
    result = run_module("-m", "eventtia_tui", "--version")
    assert result.returncode == 0 and result.stdout.strip() == "eventtia-tui 0.1.0"
    result = run_module("-m", "eventtia_tui", "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: eventtia-tui")
    assert "EVENTTIA_CACHE_DIR" in result.stdout and "export" in result.stdout


@pytest.mark.parametrize("flag", ["--version", "--help", "export --help"])
def test_version_and_help_read_the_arguments_before_the_heavy_imports(flag):
    """What keeps --version and --help quick (a few hundredths of a second; benchmarked, not asserted here):
    they import none of Textual, httpx, pydantic, the API or the sandbox."""
    probe = ("import sys\nfrom eventtia_tui.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n"
             "    pass\nheavy = ('textual', 'httpx', 'pydantic', 'pydantic_settings', 'diskcache', 'fastapi', "
             "'eventtia_tui.config', 'eventtia_tui.api')\n"
             "print(sorted(name for name in sys.modules if name.split('.')[0] in heavy or name in heavy))")
    result = run_module("-c", probe, *flag.split())
    assert result.returncode == 0 and result.stdout.strip().splitlines()[-1] == "[]", result.stdout[-2000:]


def without_demo(*argv: str) -> str:
    """`main(argv)` in a Python where the [demo] extra's modules cannot be imported (a kiosk install)."""
    return ("import sys\nfor name in ('fastapi', 'uvicorn', 'faker'):\n    sys.modules[name] = None\n"
            f"from eventtia_tui.cli import main\nsys.exit(main({list(argv)!r}))")


@pytest.mark.parametrize("argv", [["--demo"], ["--demo", "sync", "demo-expo"], ["find", "demo-expo", "x", "--demo"],
                                  ["sandbox"]])
def test_without_the_demo_extra_the_sandbox_says_what_to_install(argv, dirs):
    result = run_module("-c", without_demo(*argv))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and "pip install 'eventtia-tui[demo]'" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


def test_without_the_demo_extra_the_commands_still_run(dirs):
    result = run_module("-c", without_demo("find", "demo-expo", "x"))
    assert result.returncode == 2 and "No account known on this machine" in result.stderr  # find ran, and said why
    result = run_module("-c", without_demo("config"))
    assert result.returncode == 0 and "[demo]" not in result.stderr


def test_the_tuis_start_leaves_out_what_only_a_saved_theme_needs():
    """Issue 30's start-up: tomlkit (the config file edited in place) loads when a theme is saved, not at start."""
    probe = ("import sys\nimport eventtia_tui.cli, eventtia_tui.session, eventtia_tui.app\n"
             "import eventtia_tui.screens.event_screen\n"
             "print(sorted(name for name in sys.modules if name.split('.')[0] == 'tomlkit'))")
    result = run_module("-c", probe)
    assert result.returncode == 0 and result.stdout.strip().splitlines()[-1] == "[]", result.stdout[-2000:]
