"""Terminal control sequences in Eventtia's data never reach the operator's terminal (issue 14).

An attendee whose name carries an OSC 0 (window title), an OSC 52 (clipboard), a CSI 2J (clear screen)
and C1 controls is served by the real sandbox; what the client, the cache and `eventtia-tui find` (text
and --json) give back holds none of it.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time

import diskcache
import httpx
import pytest

from eventtia_tui.actions.validation import check_text
from eventtia_tui.api.client import NO_RETRY, EventtiaClient
from eventtia_tui.api.errors import Invalid
from eventtia_tui.cli import main
from eventtia_tui.store.cache import TEXT_FORMAT, CacheStore, Entry
from eventtia_tui.store.index import AttendeeIndex

pytestmark = pytest.mark.hostile

HOSTILE_FIRST = "Eve\x1b]0;pwned\x07\x1b]52;c;ZWNobyBvd25lZA==\x07"
HOSTILE_LAST = "Mallory\x1b[2J\x9b2J\x9d0;t\x9c\x7f"
HOSTILE_COMPANY = "Evil\x85Corp"  # NEL, a C1 control
# What must not reach a terminal: ESC, BEL, any other C0 but the line feed, DEL, C1, a lone surrogate.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def make_hostile(db: sqlite3.Connection) -> int:
    """The first attendee of the sandbox gets the hostile name and company (columns and custom fields)."""
    ident, type_id, fields = db.execute("SELECT id, type_id, fields FROM attendees ORDER BY id LIMIT 1").fetchone()
    values = {"first_name": HOSTILE_FIRST, "last_name": HOSTILE_LAST, "company": HOSTILE_COMPANY}
    fields = json.loads(fields)
    for field_id, name in db.execute("SELECT id, name FROM custom_fields WHERE attendee_type_id = ?", (type_id,)):
        if name in values:
            fields[str(field_id)] = values[name]
    db.execute("UPDATE attendees SET first_name = ?, last_name = ?, company = ?, fields = ?, "
               "updated_ms = ? WHERE id = ?",
               (HOSTILE_FIRST, HOSTILE_LAST, HOSTILE_COMPANY, json.dumps(fields), int(time.time() * 1000), ident))
    db.commit()
    return ident


async def test_the_client_hands_over_no_control_character(sandbox_app, client):
    ident = make_hostile(sandbox_app.state.sandbox.db.conn)
    attendee = await client.get_attendee("demo-expo", str(ident))
    shown = " ".join(str(value) for value in attendee.fields.values())
    assert "Eve␛]0;pwned␇␛]52;c;ZWNobyBvd25lZA==␇" in shown
    assert "Mallory␛[2J\ufffd2J\ufffd0;t\ufffd␡" in shown
    assert "Evil\ufffdCorp" in shown
    assert not RAW.search(shown)


async def test_a_hand_made_answer_with_escapes_and_surrogates_is_cleaned_by_the_client():
    body = (b'{"data": {"id": "7", "type": "attendees", "attributes": {"fields": {"first_name": '
            b'"\\u001b]0;x\\u0007", "last_name": "\\ud800\\u009b2J"}, "qr_code": "a|\\u001b[2J|e|c|t"}}}')

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    async with EventtiaClient("http://eventtia.test/api/v3", "t", transport=httpx.MockTransport(answer),
                              retry=NO_RETRY) as api_client:
        attendee = await api_client.get_attendee("demo-expo", "7")
    assert attendee.fields["first_name"] == "␛]0;x␇"
    assert attendee.fields["last_name"] == "\ufffd\ufffd2J"
    assert attendee.qr_code == "a|␛[2J|e|c|t"


async def test_an_error_message_from_the_server_is_cleaned_too():
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(422, json={"message": "attendee[email] \x1b]0;t\x07 is invalid\x9b"})

    async with EventtiaClient("http://eventtia.test/api/v3", "t", transport=httpx.MockTransport(answer),
                              retry=NO_RETRY) as api_client:
        with pytest.raises(Invalid) as raised:
            await api_client.register_attendee("demo-expo", {"email": "x"})
    assert raised.value.message == "attendee[email] ␛]0;t␇ is invalid\ufffd"


def test_find_prints_no_control_character_in_text_or_json(dirs, capfdbinary):
    assert main(["--demo", "sync", "demo-expo"]) == 0
    with sqlite3.connect(dirs / "data" / "demo.sqlite3") as db:
        make_hostile(db)
    assert main(["--demo", "sync", "demo-expo"]) == 0  # incremental: the change comes in through the API
    capfdbinary.readouterr()

    assert main(["--demo", "find", "demo-expo", "Mallory"]) == 0
    text = capfdbinary.readouterr().out
    assert "Eve␛]0;pwned␇".encode() in text
    assert not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", text)

    assert main(["--demo", "find", "demo-expo", "Mallory", "--json"]) == 0
    out = capfdbinary.readouterr().out
    assert not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", out)
    [found] = json.loads(out)
    assert found["first_name"] == "Eve␛]0;pwned␇␛]52;c;ZWNobyBvd25lZA==␇"
    assert found["last_name"] == "Mallory␛[2J\ufffd2J\ufffd0;t\ufffd␡"
    assert not RAW.search(found["company"])


def test_find_json_escapes_c1_and_surrogates_already_in_a_cache(dirs, capfdbinary, monkeypatch):
    """If a record with raw controls were in the cache (it cannot be, after the boundary), --json still
    writes them as \\u escapes: the JSON stays exact and the terminal sees only ASCII for them."""
    assert main(["--demo", "sync", "demo-expo"]) == 0
    capfdbinary.readouterr()
    real = AttendeeIndex.search

    def poisoned(self, query, limit=10):
        matches = real(self, query, limit)
        for match in matches:
            match.record.company = "C1\x9b2J\x85 \ud800 ESC\x1b]0;t\x07"
        return matches

    monkeypatch.setattr(AttendeeIndex, "search", poisoned)
    assert main(["--demo", "find", "demo-expo", "Muller", "--json", "--limit", "2"]) == 0
    out = capfdbinary.readouterr().out
    assert not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xed[\xa0-\xbf]", out)
    assert json.loads(out)[0]["company"] == "C1\x9b2J\x85 \ud800 ESC\x1b]0;t\x07"
    assert main(["--demo", "find", "demo-expo", "Muller", "--limit", "2"]) == 0
    text = capfdbinary.readouterr().out
    assert b"C1\xef\xbf\xbd2J" in text and not re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", text)


def test_a_cached_read_written_before_the_fix_reads_as_missing(tmp_path):
    """An entry cached before text was cleaned where it enters the app (an older text format, or a row an older
    version pickled) reads as missing, so no control character it holds reaches the terminal."""
    store = CacheStore(tmp_path, "http://eventtia.test/api/v3", "me@x.test")
    key = store.key("events")
    store.cache.set(key, Entry(["Expo\x1b]0;pwned\x07"], 1.0, 0, text_format=TEXT_FORMAT - 1))
    assert store.get(key) is None
    store.put(key, ["Expo"], "events")
    assert store.get(key).value == ["Expo"]
    store.close()
    with diskcache.Cache(str(tmp_path)) as older:  # diskcache's own disk: what an older version wrote (a pickle)
        older.set(key, ["Expo\x1b]0;pwned\x07"])
    store = CacheStore(tmp_path, "http://eventtia.test/api/v3", "me@x.test")
    assert store.get(key) is None
    store.close()


@pytest.mark.parametrize("typed", ["Eve\x9b2J", "Eve\x1b]0;t\x07", "Eve\ud800", "Eve\x7f", "Eve\nMallory"])
def test_typed_text_with_a_control_character_is_refused_before_anything_is_sent(typed):
    assert check_text("first_name", typed, True) == "First name can't contain control characters or line breaks."
    assert check_text("first_name", "Inés 李 עברית 👩‍👩‍👧", True) is None
