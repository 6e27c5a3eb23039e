import json
import re

import pytest

from eventtia_tui.cli import main


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
