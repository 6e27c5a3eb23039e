"""Badge scanners: how a keyboard-wedge scanner's input is told apart from a person typing.

A scanner types the badge's QR string about 2–5 ms a key, then Enter. Over SSH on venue Wi-Fi those keys
arrive in clumps (several keys in one read, a pause, the next clump); a person's keys arrive one at a
time, 50 ms or more apart, and even a laggy link rarely lumps more than two or three of them together.
"""

from __future__ import annotations

CLUMP_GAP = 0.030  # keys closer than this arrived together: a scanner's burst, or a network clump
PHRASE_GAP = 0.5  # clumps closer than this are one input (a scan the network cut into pieces)
MIN_SCAN = 6  # printable characters before Enter for a burst to count as a scan
KEY_ISOLATION = 0.25  # longer than a round trip on venue Wi-Fi: a scan's first key sent alone is not alone


def clumps(times: list[float], gap: float = CLUMP_GAP) -> list[int]:
    """The sizes of the runs of key times that are each within `gap` (CLUMP_GAP) of the one before."""
    sizes: list[int] = []
    for position, moment in enumerate(times):
        if position and moment - times[position - 1] <= gap:
            sizes[-1] += 1
        else:
            sizes.append(1)
    return sizes


def scanned_suffix(times: list[float], gap: float = CLUMP_GAP, min_scan: int = MIN_SCAN) -> int:
    """How many of the last keys (typed before an Enter) came from a scanner: 0 when a person typed them.

    Walking back from the Enter, clumps of two or more keys are the scanner's; the first single key
    (a person's) ends the scan. Fewer than `min_scan` keys is not a scan.
    """
    count = 0
    for size in reversed(clumps(times, gap)):
        if size < 2:
            break
        count += size
    return count if count >= min_scan else 0
