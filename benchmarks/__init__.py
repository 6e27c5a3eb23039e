"""Benchmarks for eventtia-tui: `python -m benchmarks` prints one table, each row against a baseline measured
in the same run (search, sync, start-up, memory, keystroke and action latency). Ratios, not timed tests."""
