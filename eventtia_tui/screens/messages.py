"""Messages several screens share."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from eventtia_tui.gateway import Connection


@dataclass
class ConnectionChanged(Message):
    """The API went from reachable to unreachable or back."""

    connection: Connection


@dataclass
class AdmissionsArrived(Message):
    """Admissions made at the venue's other machines were added to this machine's ledger (venue mode)."""

    uri: str


@dataclass
class DataChanged(Message):
    """An event's cached data changed on this machine (a write was applied, confirmed or rolled back)."""

    uri: str


class AttendeesShown(Message):
    """The attendee search has drawn its first answer from this machine's copy, or said there is none yet: what
    the event screen puts off until then (the other tabs, the on-open sync and checks) may start."""
