"""Memory of real processes, the way a kiosk host pays for it: RSS and PSS of a TUI session's processes.

A session is the `eventtia-tui` process and every process under it (a sync helper, if the app starts one).
RSS counts every page a process has mapped, so pages several processes share (the interpreter's libraries,
one on-disk index mapped by all) count once per process; PSS (`/proc/PID/smaps_rollup`) splits each shared
page between the processes that map it, so PSS summed over processes is what they cost the host together.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (from /proc/*/stat's parent ids), alive at this moment."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, queue = [], [pid]
    while queue:
        current = queue.pop()
        tree.append(current)
        queue.extend(parents.get(current, ()))
    return tree


def rollup_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in KB of one process now; (0, 0) when it has gone."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        return 0, 0
    return rss, pss


def high_water_kb(pid: int) -> int:
    """The process's peak RSS so far (VmHWM), in KB; 0 when it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return int(status.split("VmHWM:")[1].split()[0]) if "VmHWM:" in status else 0


@dataclass
class Footprint:
    rss_kb: int = 0  # summed over the session's processes
    pss_kb: int = 0
    processes: int = 0

    def __add__(self, other: Footprint) -> Footprint:
        return Footprint(self.rss_kb + other.rss_kb, self.pss_kb + other.pss_kb, self.processes + other.processes)


def footprint(pid: int) -> Footprint:
    total = Footprint()
    for member in descendants(pid):
        rss, pss = rollup_kb(member)
        if rss:
            total += Footprint(rss, pss, 1)
    return total


class MemoryWatch:
    """Samples a session's RSS and PSS every `period` seconds in a thread; keeps the peaks, and each
    process's own high-water mark (VmHWM, which catches a peak between two samples)."""

    def __init__(self, pid: int, period: float = 0.25) -> None:
        self.pid = pid
        self.period = period
        self.peak = Footprint()
        self.high_water: dict[int, int] = {}
        self.samples = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def __enter__(self) -> MemoryWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.sample()  # the last look, while the session is still there
        self.stopped.set()
        self.thread.join(timeout=5)

    def sample(self) -> None:
        now = footprint(self.pid)
        self.samples += 1
        self.peak = Footprint(max(self.peak.rss_kb, now.rss_kb), max(self.peak.pss_kb, now.pss_kb),
                              max(self.peak.processes, now.processes))
        for member in descendants(self.pid):
            self.high_water[member] = max(self.high_water.get(member, 0), high_water_kb(member))

    def run(self) -> None:
        while not self.stopped.wait(self.period):
            self.sample()

    @property
    def peak_rss_kb(self) -> int:
        """The session's peak RSS: its processes' high-water marks summed (never below a sampled peak)."""
        return max(self.peak.rss_kb, sum(self.high_water.values()))
