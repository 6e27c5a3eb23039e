"""Property: whatever strings Eventtia sends in an attendee's fields (markup, C0, C1, DEL, lone surrogates, huge,
RTL, emoji with joiners), `eventtia-tui sync` keeps them and `eventtia-tui find` (text and --json) prints no
byte a terminal would act on, and --json stays valid JSON.

The answers come from a stand-in Eventtia (httpx.MockTransport) so that what the sandbox could never store
(a lone surrogate) can be sent too; the sync and the cache are the real ones, `find` is the real command.
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventtia_tui.api.client import NO_RETRY, EventtiaClient
from eventtia_tui.cli import main
from eventtia_tui.gateway import Gateway, sync_event
from eventtia_tui.store.cache import CacheStore
from tests.terminal_text import FORMAT, problem

pytestmark = pytest.mark.hostile

API_URL = "http://eventtia.test/api/v3"
ACCOUNT = "desk@eventtia.test"
NEEDLE = "needle@find.test"
TERMINAL_ACTS_ON = re.compile(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xed[\xa0-\xbf]")  # C0 but \n, DEL, C1, surrogates

hostile = st.one_of(
    st.text(st.characters(codec=None), max_size=40),  # any code point, lone surrogates included
    st.sampled_from(["\x1b]0;pwned\x07", "\x1b]52;c;aGk=\x07", "\x1b[2J", "\x9b2J", "\x9d0;t\x9c", "[/]",
                     "[@click=app.quit]x[/]", "עברית\u202eabc", "👩\u200d👩\u200d👧", "a\r\nb\tc", "\x00", "\x7f"]),
    st.text(max_size=3).map(lambda s: s * 4000),  # huge
    st.sampled_from(["Zed" + "\u200b" * 20_000, "e" + "\u0301" * 20_000, "Acme \u202eevil", "\u2067x\ufeff"]),
)


def document(data, **meta):
    return {"data": data, "meta": {"total_pages": 1, **meta}, "links": {}}


def answers(first: str, last: str, company: str):
    attendee = {"id": "7", "type": "attendees", "attributes": {
        "uuid": "u7", "status": "confirmed", "updated_at": "2026-11-24T10:00:00Z",
        "fields": {"first_name": first, "last_name": last, "company": company, "email": NEEDLE},
        "qr_code": f"u7|{first} {last}|{NEEDLE}|{company}|"}}

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/tickets-stats"):
            body = []
        elif path.endswith("/attendees"):
            body = document([attendee], total_attendees=1)
        else:  # attendee types, activities, B2B: none
            body = document([])
        ascii_only = request.url.params.get("page[number]") == "1"  # both ways JSON can carry a character
        return httpx.Response(200, content=json.dumps(body, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass"),
                              headers={"content-type": "application/json"})

    return answer


async def synced(cache_dir: Path, first: str, last: str, company: str) -> None:
    async with EventtiaClient(API_URL, "token", transport=httpx.MockTransport(answers(first, last, company)),
                              retry=NO_RETRY) as client:
        store = CacheStore(cache_dir, API_URL, ACCOUNT)
        try:
            await sync_event(Gateway(client, store), "expo")
        finally:
            store.close()


@settings(deadline=None, derandomize=True, database=None, max_examples=40,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(first=hostile, last=hostile, company=hostile)  # 40 × 3 strings, 80 outputs checked
def test_find_prints_nothing_a_terminal_acts_on_whatever_eventtia_sends(first, last, company, capfdbinary,
                                                                        monkeypatch, tmp_path):
    monkeypatch.setenv("EVENTTIA_EMAIL", ACCOUNT)
    monkeypatch.setenv("EVENTTIA_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("EVENTTIA_RATE_LIMIT", "0")
    with tempfile.TemporaryDirectory(dir=tmp_path) as cache_dir:
        asyncio.run(synced(Path(cache_dir), first, last, company))
        capfdbinary.readouterr()
        where = ["--api-url", API_URL, "--cache-dir", cache_dir]
        assert main(["find", "expo", NEEDLE, *where]) == 0
        text = capfdbinary.readouterr().out
        assert main(["find", "expo", NEEDLE, "--json", *where]) == 0
        out = capfdbinary.readouterr().out
    assert not TERMINAL_ACTS_ON.search(text), text[:300]
    assert not TERMINAL_ACTS_ON.search(out), out[:300]
    assert problem(text, line_bytes=2000) is None, text[:300]  # no format character, no flood: a row is bounded
    assert not FORMAT & set(out.decode("utf-8", "surrogateescape"))  # JSON keeps them, escaped
    [found] = json.loads(out)
    assert found["email"] == NEEDLE
    for name in ("first_name", "last_name", "company", "qr_code"):
        assert not re.search("[\x00-\x1f\x7f-\x9f\ud800-\udfff]", found[name])
