"""The link's URLs with real parts: a real Redis found through a real Sentinel (`redis+sentinel://`, the same
redis-server binary in sentinel mode), a password never shown, a malformed sentinel URL refused with a clear
message by the config; and keys per account: two accounts on one Redis share nothing."""

from __future__ import annotations

import subprocess
import time

import pytest

from benchmarks.redis_server import free_port, redis_server_binary
from benchmarks.venue import VENUE_KEY
from eventtia_tui import config
from eventtia_tui.store.cache import CacheStore
from eventtia_tui.venue.link import Link, redacted, sentinel_parts


@pytest.fixture
def sentinel(tmp_path, redis_server):
    port = free_port()
    conf = tmp_path / "sentinel.conf"
    conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {tmp_path}\n"
                    f"sentinel monitor venue 127.0.0.1 {redis_server.port} 1\n")
    process = subprocess.Popen([redis_server_binary(), str(conf), "--sentinel"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        yield port
    finally:
        process.kill()
        process.wait(5)


def test_a_link_through_sentinel_finds_the_primary_and_works(sentinel, redis_server):
    link = Link(f"redis+sentinel://127.0.0.1:{sentinel}/venue/0", VENUE_KEY)
    try:
        deadline = time.monotonic() + 20  # the Sentinel answers once it has started (not a time limit)
        while not link.connect() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert link.up, link.reason
        link.run(lambda r: r.set(link.key("hello"), "world"))
        assert link.run(lambda r: r.get(link.key("hello"))) == "world"
    finally:
        link.close()


def test_sentinel_urls_are_read_shown_without_passwords_and_refused_when_malformed(tmp_path, monkeypatch):
    url = "redis+sentinel://kiosk:s3cret@10.0.0.5:26379,10.0.0.6/venue/2?sentinel_password=other"
    assert sentinel_parts(url) == ([("10.0.0.5", 26379), ("10.0.0.6", 26379)], "venue",
                                   {"db": 2, "password": "s3cret", "username": "kiosk", "ssl": False,
                                    "sentinel_password": "other"})
    assert "s3cret" not in redacted(url) and "other" not in redacted(url) and "10.0.0.6" in redacted(url)
    monkeypatch.setenv("EVENTTIA_CONFIG_DIR", str(tmp_path))
    for bad in ("redis+sentinel://10.0.0.5:26379", "redis+sentinel:///venue"):
        with pytest.raises(config.ConfigError, match="sentinel URL names its sentinels and the service"):
            config.load({"shared_url": bad})


def test_two_accounts_on_one_redis_have_their_own_keys(redis_server):
    links = [Link(redis_server.url, VENUE_KEY) for _ in range(2)]
    try:
        for link, account in zip(links, ("desk@venue.test", "lounge@venue.test")):
            link.use_scope(CacheStore.scope_for("https://connect.eventtia.com/api/v3", account))
            assert link.connect()
        one, two = (link.key("budget") for link in links)
        assert one != two and one.startswith("eventtia:") and "venue.test" not in one + two
        assert Link(redis_server.url, VENUE_KEY, prefix="hall-b").key("x").startswith("hall-b:")
    finally:
        for link in links:
            link.close()
