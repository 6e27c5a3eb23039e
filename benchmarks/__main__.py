"""`python -m benchmarks [--attendees N] [--quick] [--scale]` — one table, every row against its baseline.

Starts its own sandbox (a seeded SQLite file in a temporary directory, served on 127.0.0.1 by a child
process), syncs it, and measures search, sync, start-up, memory, keystroke and action latency. Progress
goes to stderr; the table (Markdown, ready for the README) to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from .report import render
from .suite import DEFAULT_ATTENDEES, QUICK_ATTENDEES, SCALE, SECTIONS, Config, machine, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--attendees", type=int, help=f"attendees in the sandbox (default {DEFAULT_ATTENDEES:,}; "
                                                       f"{QUICK_ATTENDEES:,} with --quick)")
    parser.add_argument("--quick", action="store_true", help="small N and fewer samples: well under a minute")
    parser.add_argument("--scale", action="store_true", help="also the search and sync rows at 10k, 50k, 100k")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every row's raw figures here")
    parser.add_argument("--sync-latency-ms", type=int, default=50, help="the venue round trip for the sync rows")
    parser.add_argument("--parts", metavar="A,B", help="only these parts (of " + ", ".join(Config.parts) + ")")
    parser.add_argument("--venue", type=int, metavar="N", help="only venue mode: N machines on one Redis and a "
                        "rate-limited sandbox (benchmarks/venue.py; --attendees, default 5,000)")
    args = parser.parse_args(argv)
    if args.venue:
        from .venue import VENUE_ATTENDEES, measure

        started = time.perf_counter()
        from .venue_faults import fault_rows

        attendees = args.attendees or VENUE_ATTENDEES
        rows = measure(args.venue, attendees)
        fault_free = next((row.figures["seconds"] for row in rows if row.key == "venue-everyone"), 0.0)
        with tempfile.TemporaryDirectory(prefix="venue-faults-") as scratch:
            rows += fault_rows(args.venue, attendees, Path(scratch), fault_free)
        print(render(rows))
        print(f"\nMachine: {machine()}. Run took {time.perf_counter() - started:.0f} s "
              f"(`python -m benchmarks --venue {args.venue} --attendees {args.attendees or VENUE_ATTENDEES}`).")
        return 0
    if args.quick:
        config = Config.quick_run(args.attendees or QUICK_ATTENDEES)
    else:
        config = Config(attendees=args.attendees or DEFAULT_ATTENDEES)
    config.sync_latency_ms = args.sync_latency_ms
    if args.parts:
        config.parts = tuple(part.strip() for part in args.parts.split(",") if part.strip())
    if args.scale:
        config.scale = SCALE
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    rows = run(config)
    print(render(rows, SECTIONS))
    print(f"\nMachine: {machine()}; load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at "
          f"the end. Run took {time.perf_counter() - started:.0f} s "
          f"(`python -m benchmarks{' --quick' if config.quick else ''}"
          f"{' --scale' if config.scale else ''} --attendees {config.attendees}"
          f"{' --parts ' + ','.join(config.parts) if args.parts else ''}`).")
    if args.json:
        args.json.write_text(json.dumps([asdict(row) for row in rows], indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
