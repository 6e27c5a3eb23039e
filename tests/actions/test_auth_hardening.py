"""Tokens while writes wait in the outbox: an expired or revoked token never turns a queued write into a
refused one, and no token ever lands in the cache directory, the audit log or the logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from eventtia_tui.actions import State
from tests.demo_expo import DEMO_EMAIL, EXPO, server_total, walk_in

pytestmark = pytest.mark.hardening

PASSWORD = "demo"


async def test_a_replay_with_an_expired_token_keeps_the_write_queued_until_sign_in(runner, synced, api, sandbox_app,
                                                                                 client, clock):
    sandbox_app.state.faults.fail_rate = 1.0
    assert (await runner.run(walk_in())).state is State.QUEUED
    sandbox_app.state.faults.fail_rate = 0.0
    total = await server_total(api)
    clock.advance(31 * 86400)  # the token expired while the venue was offline

    report = await runner.replay()
    assert report.failed == [] and "expired" in report.sign_in
    assert [(item.state, item.action.email) for item in runner.outbox.items()] == [("queued", "zoe.nunez@walkin.test")]
    shown = synced.index(EXPO).exact("zoe.nunez@walkin.test")
    assert shown is not None and shown.status == "queued (offline)"  # not rolled back

    await client.login(DEMO_EMAIL, PASSWORD)  # the re-login modal
    again = await runner.replay()
    assert (again.sent, again.failed, again.sign_in, again.remaining) == (1, [], "", 0)
    assert (await api.get(f"/events/{EXPO}/attendees", params={"page[size]": 1})).status_code == 401  # old token
    everyone = await client.get_page(f"events/{EXPO}/attendees", size=1)
    same = await client.get_page(f"events/{EXPO}/attendees", {"email": "zoe.nunez@walkin.test", "include_archived": True})
    assert everyone.meta["total_attendees"] == total + 1 and same.meta["total_attendees"] == 1


async def test_a_revoked_token_mid_replay_stops_it_and_loses_nothing(runner, synced, sandbox_app, client):
    sandbox_app.state.faults.fail_rate = 1.0
    for email in ("one@walkin.test", "two@walkin.test"):
        assert (await runner.run(walk_in(email=email))).state is State.QUEUED
    sandbox_app.state.faults.fail_rate = 0.0
    client.token = client.token[:-4] + "AAAA"  # revoked / tampered: the signature no longer matches
    report = await runner.replay()
    assert report.sign_in and report.failed == [] and runner.outbox.count() == 2
    await client.login(DEMO_EMAIL, PASSWORD)
    assert (await runner.replay()).sent == 2


async def test_no_token_in_the_cache_directory_the_audit_log_or_the_logs(runner, synced, sandbox_app, client, clock,
                                                                         cache_dir, caplog):
    caplog.set_level(logging.DEBUG)
    token = client.token
    assert (await runner.run(walk_in())).state is State.DONE
    sandbox_app.state.faults.fail_rate = 1.0
    assert (await runner.run(walk_in(email="later@walkin.test"))).state is State.QUEUED
    sandbox_app.state.faults.fail_rate = 0.0
    clock.advance(31 * 86400)
    assert (await runner.run(walk_in(email="expired@walkin.test"))).state is State.SIGN_IN
    assert (await runner.replay()).sign_in
    await client.login(DEMO_EMAIL, PASSWORD)
    assert (await runner.replay()).sent == 2  # the one refused for the token was kept queued too
    secrets = [token.encode(), client.token.encode(), token.split(".")[2].encode()]
    files = [path for path in Path(cache_dir).rglob("*") if path.is_file()]
    assert any(path.name == "audit.jsonl" for path in files)
    for path in files:
        content = path.read_bytes()
        assert not any(secret in content for secret in secrets), path
    assert not any(secret.decode() in caplog.text for secret in secrets)


async def test_the_sandbox_judges_tokens_by_its_own_clock(anon, clock):
    clock.advance(40 * 86400)  # the demo clock moved on (tests, a training day replayed)
    fresh = (await anon.post("/auth", json={"email": DEMO_EMAIL, "password": PASSWORD})).json()["auth_token"]
    assert (await anon.get("/events", headers={"Authorization": f"Bearer {fresh}"})).status_code == 200
    clock.advance(31 * 86400)
    answer = await anon.get("/events", headers={"Authorization": f"Bearer {fresh}"})
    assert answer.status_code == 401 and "expired" in answer.json()["message"]
