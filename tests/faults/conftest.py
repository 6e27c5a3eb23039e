"""The long randomized fault run is opt-in: `pytest -m slow` or `pytest tests/faults --slow`."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    # Only seen when tests/faults is named on the command line (pytest reads sub-directory conftests'
    # options only then); `-m slow` works from anywhere.
    parser.addoption("--slow", action="store_true", default=False, help="also run the tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = "slow" in (config.getoption("markexpr", default="") or "") or config.getoption("--slow", default=False)
    if wanted:
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow (or --slow)")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)
