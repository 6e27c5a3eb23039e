"""Rows of the benchmark table, percentiles, and the one table the run prints (Markdown, README-ready)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), linear between closest ranks."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def p50(samples: Sequence[float]) -> float:
    return percentile(samples, 50)


def p95(samples: Sequence[float]) -> float:
    return percentile(samples, 95)


def ms(seconds: float) -> str:
    value = seconds * 1000
    if value >= 100:
        return f"{value:,.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"


def mb(kilobytes: float) -> str:
    return f"{kilobytes / 1024:,.0f} MB"


def times(ratio: float) -> str:
    if not math.isfinite(ratio):
        return "—"
    return f"{ratio:,.0f}×" if ratio >= 100 else f"{ratio:.1f}×"


@dataclass
class Row:
    """One line of the table: what was measured, against what, the ratio and the goal it is held to.

    `figures` keeps the raw numbers (seconds, KB, ratios) for tests and for anyone post-processing.
    """

    key: str  # stable id, e.g. "search", "sync-50ms"
    measure: str
    attendees: int
    result: str
    baseline: str
    ratio: str
    goal: str
    passed: bool | None  # None: no goal, reported for context
    figures: dict[str, float] = field(default_factory=dict)
    note: str = ""

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "MISS", None: "info"}[self.passed]


COLUMNS = ("Measure", "N", "Result", "Baseline (same run)", "Ratio", "Goal", "")


def render(rows: Sequence[Row], sections: Sequence[tuple[str, Sequence[str]]] = ()) -> str:
    """One Markdown table; with `sections` (title, row keys), one per section that has rows, under its title."""
    if sections:
        parts = []
        for title, keys in sections:
            chosen = [row for row in rows if row.key in keys]
            if chosen:
                parts.append(f"### {title}\n\n" + render(chosen))
        rest = [row for row in rows if not any(row.key in keys for _, keys in sections)]
        return "\n\n".join(parts + ([render(rest)] if rest else []))
    cells = [COLUMNS] + [
        (row.measure, f"{row.attendees:,}", row.result, row.baseline, row.ratio, row.goal, row.verdict)
        for row in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths)) + " |"

    out = [line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(values) for values in cells[1:]]
    notes = [f"- {row.measure} ({row.attendees:,}): {row.note}" for row in rows if row.note]
    return "\n".join(out) + ("\n\n" + "\n".join(notes) if notes else "")
