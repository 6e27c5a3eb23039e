"""Fixtures for the hostile-input and terminal tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    """The app's data, cache and config directories in tmp_path, and no account from the environment."""
    for name in ("DATA", "CACHE", "CONFIG"):
        monkeypatch.setenv(f"EVENTTIA_{name}_DIR", str(tmp_path / name.lower()))
    monkeypatch.delenv("EVENTTIA_EMAIL", raising=False)
    monkeypatch.delenv("EVENTTIA_PASSWORD", raising=False)
    return tmp_path
