"""The benchmarks cannot rot: the whole suite, on a tiny sandbox with the fewest samples, yields every row
of the table with positive figures. (It checks that they run and measure, not how fast anything is.)"""

from __future__ import annotations

import math

import pyte

from benchmarks.pty_keystroke import display
from benchmarks.report import render
from benchmarks.suite import ORDER, SECTIONS, Config, run

# The figure each row must have measured (a time, a size or a ratio): positive and finite.
MEASURED = {
    "search": ("index_p50", "index_p95", "api_p50", "api_p95", "ratio_p95"),
    "sync-loopback": ("concurrent_s", "sequential_s", "ratio"),
    "sync-throughput": ("rate", "serve_rate", "store_rate"),
    "sync-latency": ("concurrent_s", "sequential_s", "ratio"),
    "incremental-loopback": ("incremental_s", "full_s", "ratio", "changed"),
    "incremental-latency": ("incremental_s", "full_s", "ratio", "changed"),
    "startup": ("startup_s", "imports_s"),
    "rss-index": ("index_rss_kb", "imports_rss_kb"),
    "rss-app": ("app_rss_kb", "imports_rss_kb"),
    "floor-pty": ("p50", "p95", "max", "keystrokes", "start_s"),
    "keystroke-pty": ("p50", "p95", "max", "keystrokes", "floor_p95", "ratio_p95", "limit"),
    "keystroke-pty-changed": ("p50", "p95", "keystrokes", "floor_p95", "ratio_p95"),
    "keystroke-pty-sync": ("p50", "p95", "keystrokes", "start_s", "floor_p95", "ratio_p95"),
    "keystroke-pty-desks": ("p50", "p95", "keystrokes", "floor_p95", "ratio_p95"),
    "stall-pty-sync": ("max", "keystrokes"),
    "keystroke-pty-defaults": ("p50", "p95", "keystrokes", "floor_p95"),
    "startup-pty": ("startup_s", "runs", "floor_s"),
    "version": ("version_s", "python_s"),
    "rss-cached": ("rss_kb", "pss_kb", "processes", "samples"),
    "rss-syncing": ("rss_kb", "pss_kb", "processes", "samples"),
    "keystroke": ("p50", "p95", "api_p50", "keystrokes", "correct"),
    "keystroke-sync": ("p50", "p95", "keystrokes"),
    "action": ("applied_s", "on_screen_s", "answer_s", "done"),
    "limits-sync": ("page_requests", "floor", "simulated_minutes"),
    "limits-lookup": ("wall_s",),
    "limits-incremental": ("page_requests", "changed"),
}


def test_quick_benchmark_yields_every_row_with_positive_figures():
    config = Config.quick_run(attendees=300)
    config.per_kind, config.passes, config.startup_runs, config.words = 2, 1, 1, 1
    config.changes, config.sync_latency_ms, config.action_latency_ms = 10, 10, 300

    rows = run(config)

    assert [row.key for row in rows] == [key for key in ORDER if key != "sessions"]  # explicit runs only
    for row in rows:
        assert row.attendees >= 290, row  # a sync pulls the default listing: 300 less the deleted and rejected
        for name in MEASURED[row.key]:
            value = row.figures[name]
            assert math.isfinite(value) and value > 0, (row.key, name, value)
        assert row.result and row.baseline and row.ratio and row.goal
    action = next(row for row in rows if row.key == "action")
    assert action.figures["answer_s"] >= 0.3  # the injected latency was there to wait for
    table = render(rows, SECTIONS)
    assert all(row.measure in table for row in rows)
    assert table.count("\n| ") == len(rows) + len(SECTIONS)  # per section its header line, then its rows
    assert table.count("\n### ") == len(SECTIONS) - 1  # the first title opens the text


def test_the_pty_emulator_reads_a_screen_where_a_wide_character_was_half_overwritten():
    """Textual repaints a changed region, which can start on a wide character's second half (a CJK name
    in the rows): pyte's own `display` then fails, and a benchmark run with it ended in a traceback."""
    screen = pyte.Screen(8, 1)
    stream = pyte.ByteStream(screen)
    stream.feed("漢字ab".encode())
    stream.feed(b"\x1b[1;1Hx")
    assert display(screen) == ["x 字ab  "]
