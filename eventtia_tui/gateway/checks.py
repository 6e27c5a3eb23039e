"""When this machine's copy was last checked against Eventtia (gateway/reconcile.py does the checking): kept
apart from the checks themselves, which need the gateway that holds this."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import ReconcileSettings
from ..store.cache import CacheStore
from ..store.records import AttendeeRecord
from .freshness import checked_against

CHECKED_LATELY = "checked lately"  # a scan's verdict from the copy with nothing to add


@dataclass
class Checks:
    """When this machine's copy was last checked against Eventtia: a whole event (a full sync or a whole-list
    check: when it began; kept with the cache) and single registrations (a scan's confirmation: in memory)."""

    store: CacheStore
    clock: Callable[[], float]
    settings: ReconcileSettings = field(default_factory=ReconcileSettings)
    events: dict[str, float] = field(default_factory=dict)
    registrations: dict[tuple[str, str], float] = field(default_factory=dict)

    def _key(self, uri: str) -> str:
        return self.store.key("checked", uri)

    def load(self, uri: str) -> float | None:
        """Blocking: the event's check time as kept on disk (another process may have checked it)."""
        kept = self.store.get_value(self._key(uri))
        if isinstance(kept, (int, float)) and not isinstance(kept, bool):
            self.events[uri] = max(self.events.get(uri, 0.0), float(kept))
        return self.events.get(uri)

    def event_checked(self, uri: str, at: float) -> None:
        """Blocking: every registration of the event was checked at `at` (a check or a full sync began then)."""
        at = max(self.events.get(uri, 0.0), at)
        self.events[uri] = at
        try:
            self.store.cache.set(self._key(uri), at)
        except Exception:  # a full or read-only disk: the time stays in memory
            pass

    def registration_checked(self, uri: str, attendee_id: str, at: float) -> None:
        self.registrations[(uri, attendee_id)] = at

    def checked_at(self, uri: str, attendee_id: str = "") -> float | None:
        """The last time the event (or, with `attendee_id`, this registration) was checked; never blocks."""
        times = [t for t in (self.events.get(uri), self.registrations.get((uri, attendee_id))) if t is not None]
        return max(times) if times else None

    def age(self, uri: str, attendee_id: str = "") -> str:
        """'checked against Eventtia 4 min ago', or "" when never: the one wording, wherever it is shown."""
        at = self.checked_at(uri, attendee_id)
        return checked_against(self.clock() - at) if at is not None else ""

    def from_copy(self, uri: str, record: AttendeeRecord, why: str) -> str:
        """What a verdict from the copy says of it (verdict.with_source): the copy's age and why Eventtia was not
        asked; "" when it was checked lately."""
        if not why or why == CHECKED_LATELY:
            return ""
        age = self.age(uri, record.id) or "never checked against Eventtia"
        return f"From this machine's copy ({age}): {why}."
