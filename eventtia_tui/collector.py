"""The garbage collector kept off a keystroke's path.

CPython starts a full collection on its own, in the middle of whatever frame allocated the object that
tipped it, and a full collection walks every object the process holds (Textual's widgets, styles and
caches): 70–90 ms on a 50,000-attendee event, measured in a pty, several times a minute of typing; still
7–13 ms with the start-up's objects frozen. So once the event's screens are up, everything alive is moved
out of the collector's sight (`gc.freeze`) and CPython no longer starts full collections: the young ones
(a frame's garbage) go on as usual, and a full one runs when the desk has been quiet for a while, or
every `AT_MOST` whatever happens — then everything is frozen again, so nothing that died stays in memory.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
BIG_BLOCK = 64 * 1024  # bytes: a block this big or bigger gets a mapping of its own

QUIET = 5.0  # seconds without a key before a full collection may run
EVERY = 300.0  # seconds between full collections at most
AT_MOST = 1800.0  # seconds between full collections, keys or not
YOUNG = 2_000  # a young collection after this many new objects (CPython: 700)
NEVER = 1 << 30  # an older generation collected only after this many younger collections: never, in practice


class Collector:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.frozen_at: float | None = None
        self.started = False

    def start(self) -> None:
        """From the start: young collections as usual, no automatic full one (the start-up's own took 60–70 ms
        in the middle of the first screen's frames). For the process's one app, not a test's."""
        gc.set_threshold(YOUNG, 10, NEVER)
        self.started = True

    def freeze(self, *, collect: bool = False) -> None:
        """Every object alive now out of the collections' way; with `collect`, what is garbage now is freed
        first (a full collection: tens of milliseconds, so not while the first screen is drawn — the start-up's
        garbage waits for the first quiet moment)."""
        gc.unfreeze()
        if collect:
            gc.collect()
        gc.freeze()
        self.frozen_at = self.clock()

    def screen_closed(self) -> None:
        """A card or a dialog closed: its widgets, which outlived the young collections, are garbage now (and
        there is no automatic full collection to find them). Collected at once: what the freeze holds is not
        walked, so it takes a few milliseconds, after the frame that took the screen away."""
        if self.started:
            gc.collect()

    def when_quiet(self, last_key_at: float) -> bool:
        """Collect and freeze again if the last one was long ago and nobody has typed for a while."""
        now = self.clock()
        if self.frozen_at is None or now - self.frozen_at < EVERY:
            return False
        if now - last_key_at < QUIET and now - self.frozen_at < AT_MOST:
            return False
        self.freeze(collect=True)
        return True


def return_big_blocks() -> None:
    """Blocks of 64 KB or more (a sync page's bytes, its text) each in a mapping of their own, handed back to
    the system when freed. glibc raises that threshold as big blocks are freed, after which they come from
    the heap and leave it fragmented: 5 MB more at the peak of a 50,000-attendee first sync. (The page
    writer's process gets the same through MALLOC_MMAP_THRESHOLD_.) Nothing where there is no glibc."""
    import ctypes

    try:
        ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, BIG_BLOCK)
    except (OSError, AttributeError, TypeError):
        pass
