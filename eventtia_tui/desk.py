"""The Desk: the one interface through which the screens reach the core.

Reads and index lookups (the gateway), writes (perform, and hold/undo through the undo desk), the runner's
outbox, the connection and request-budget status, the clock, the settings, this session's scans and the kiosk
policy. The app is the Desk (eventtia_tui/app.py builds its parts from the Session, eventtia_tui/session.py);
a screen or widget reaches it as `self.desk` (eventtia_tui/screens/base.py), typed as this and nothing more, and
uses `self.app` only for Textual's own App (screens, focus, notifications).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from .actions import Action, ActionRunner, Outcome
from .api.budget import RequestBudget
from .collector import Collector
from .gateway import Gateway
from .kiosk import KioskPolicy
from .session import Settings
from .store.ledger import ADMITTED, Admission, Ledger
from .undo import UndoDesk
from .verdict import ScanEntry, Verdict

if TYPE_CHECKING:
    from .venue.mode import Venue  # only for typing: without venue mode no Redis client is imported


class Desk(Protocol):
    gateway: Gateway | None  # None until signed in
    runner: ActionRunner | None  # the writes: None until signed in
    undo: UndoDesk  # held writes and Ctrl+Z
    clock: Callable[[], float]
    kiosk: KioskPolicy | None  # what a kiosk may do; None: everything
    cursor_blink: bool  # tests turn it off so snapshots are stable
    scan_log: deque[ScanEntry]  # this session's scans, newest last
    ledger: Ledger  # every admission on this machine (eventtia_tui/store/ledger.py)
    modal_closed_at: float  # time.monotonic() when a card or dialog last closed
    collector: Collector

    @property
    def reads(self) -> Gateway:
        """The gateway every read and index lookup goes through: a screen past the login is only shown once
        signed in (NotSignedIn otherwise)."""
        ...

    @property
    def settings(self) -> Settings: ...

    @property
    def venue(self) -> Venue | None: ...

    @property
    def budget(self) -> RequestBudget: ...

    def perform(self, action: Action, *, on_applied: Callable[[], None] | None = None,
                on_refused: Callable[[Outcome], None] | None = None) -> None: ...

    def allows(self, node: object, action: str, parameters: tuple[object, ...] = ()) -> bool: ...

    def allows_callback(self, callback: Callable[[], object]) -> bool: ...

    def scan_recorded(self, scanned: str, verdict: Verdict, name: str = "", where: str = "desk",
                      attendee_id: str = "") -> ScanEntry: ...

    def scan_settled(self, entry: ScanEntry, verdict: Verdict) -> ScanEntry: ...

    def admit(self, event: str, attendee_id: str, verdict: Verdict, *, badge: str = "", place: str = "",
              kind: str = ADMITTED, by: str = "", door: str = "") -> Admission | None: ...

    def screens_settled(self) -> None: ...

    def replay_outbox(self) -> object: ...

    def open_start_screen(self) -> None: ...

    def open_event(self, uri: str, name: str = "") -> None: ...

    async def sign_in(self, email: str, password: str) -> None: ...

    def when_signed_in(self, retry: Callable[[], object], ask: str = "") -> None:
        """Ask again once signed in again (a read that met a 401); `ask`: a person's own request met it (its
        message), which opens the sign-in screen even just after an Esc there."""
        ...

    def renew_before_sync(self) -> None:
        """Before a sync: a token ending soon asks to sign in again now."""
        ...
