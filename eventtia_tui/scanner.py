"""Badge scanners: how a keyboard-wedge scanner's input is told apart from a person typing.

A scanner types the badge's QR string about 2–5 ms a key, then its suffix: Enter (CR), CR+LF, Tab, or
nothing at all. Over SSH on venue Wi-Fi those keys arrive in clumps (several keys in one read, a pause,
the next clump) and a slow link may send a burst's first key alone and hold the rest back for a few hundred
milliseconds; a person's keys arrive one at a time, 50 ms or more apart, and even a laggy link rarely lumps
more than two or three of them together.
"""

from __future__ import annotations

from dataclasses import dataclass

CLUMP_GAP = 0.030  # keys closer than this arrived together: a scanner's burst, or a network clump
PHRASE_GAP = 0.5  # clumps closer than this are one input (a scan the network cut into pieces)
MIN_SCAN = 6  # printable characters for a burst to count as a scan
# Longer than a slow link holds back the rest of a burst (300 ms seen on venue Wi-Fi): a scan's first key sent
# alone is not alone, and a command letter waits this long before it runs.
KEY_ISOLATION = 0.35
END_PAUSE = 0.08  # with a scanner that sends no suffix: a burst followed by this much quiet is a whole scan
SUFFIX_KEYS = {"enter": "Enter (CR)", "ctrl+j": "LF", "tab": "Tab"}  # keys that end a scan (CR+LF: Enter, LF)


def clumps(times: list[float], gap: float = CLUMP_GAP) -> list[int]:
    """The sizes of the runs of key times that are each within `gap` (CLUMP_GAP) of the one before."""
    sizes: list[int] = []
    for position, moment in enumerate(times):
        if position and moment - times[position - 1] <= gap:
            sizes[-1] += 1
        else:
            sizes.append(1)
    return sizes


def scan_length(times: list[float], end: float | None = None, *, gap: float = CLUMP_GAP,
                isolation: float = KEY_ISOLATION, min_scan: int = MIN_SCAN) -> int:
    """How many of the last keys came from a scanner, for a scan ended at `end` (the time of its suffix key;
    None: ended by a pause). 0 when a person typed them.

    Walking back from the end, clumps of two or more keys are the scanner's (a suffix that came with the last
    key is one of its clump); the first single key (a person's) ends the scan — unless a slow link sent it
    alone: the scan's first key, with no other key within `isolation` before it and the burst within
    `isolation` after, or (no suffix) its last one, within `isolation` after the burst. Fewer than
    `min_scan` keys is not a scan.
    """
    if not times:
        return 0
    sizes = clumps(times, gap)
    suffix_with_last = end is not None and end - times[-1] <= gap
    sizes[-1] += suffix_with_last
    lone_last = len(sizes) >= 2 and sizes[-1] == 1 and sizes[-2] >= 2 and times[-1] - times[-2] <= isolation
    count = 0
    for size in reversed(sizes[:-1] if lone_last else sizes):
        if size < 2:
            break
        count += size
    if not count:
        return 0
    count += lone_last - suffix_with_last
    first = len(times) - count
    if first >= 1 and times[first] - times[first - 1] <= isolation and (
            first == 1 or times[first - 1] - times[first - 2] > isolation):
        count += 1
    return count if count >= min_scan else 0


def quiet_end(suffix: str, end_pause: float, phrase_gap: float) -> float:
    """How long a burst with no suffix key stays quiet before it is a whole scan: `end_pause` for a scanner
    that sends none; otherwise the suffix may still be on its way (a slow link), so the phrase gap."""
    return end_pause if suffix == "none" else max(end_pause, phrase_gap)


@dataclass(frozen=True)
class Reading:
    """What `eventtia-tui scanner-test` says of one burst of keys."""

    text: str  # the printable keys, as received
    suffix: str  # "Enter (CR)", "CR+LF", "Tab", "LF" or "none"
    gaps_ms: list[int]  # between consecutive keys (the suffix keys included)
    scanned: int  # how many of the last printable keys the gate takes as a scan (0: a person typing)

    def verdict(self, min_scan: int) -> str:
        if not self.text:
            return "no printable keys: nothing to scan"
        if not self.scanned:
            return (f"NOT a scan: read as a person typing ({len(self.text)} keys; a scan is at least {min_scan} "
                    "keys arriving together)")
        if self.scanned < len(self.text):
            return f"a scan of the last {self.scanned} keys (the {len(self.text) - self.scanned} before were typed)"
        return f"a scan of {self.scanned} keys"


def read_keys(keys: list[tuple[str, str | None, float]], *, gap: float = CLUMP_GAP, isolation: float = KEY_ISOLATION,
              min_scan: int = MIN_SCAN) -> Reading:
    """One burst as the app received it — (key name, character, time) each — read the way the scan gate does."""
    printable = [(character, moment) for name, character, moment in keys
                 if name not in SUFFIX_KEYS and character and len(character) == 1 and character.isprintable()]
    ends = [(name, moment) for name, _, moment in keys if name in SUFFIX_KEYS]
    names = [name for name, _ in ends]
    suffix = "CR+LF" if names[:2] == ["enter", "ctrl+j"] else SUFFIX_KEYS[names[0]] if names else "none"
    times = [moment for _, moment in printable]
    moments = [moment for _, _, moment in keys]
    return Reading(text="".join(character for character, _ in printable), suffix=suffix,
                   gaps_ms=[round((b - a) * 1000) for a, b in zip(moments, moments[1:])],
                   scanned=scan_length(times, ends[0][1] if ends else None, gap=gap, isolation=isolation,
                                       min_scan=min_scan))
