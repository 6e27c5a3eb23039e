"""Messages several screens share."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from eventtia_tui.gateway import Connection


@dataclass
class ConnectionChanged(Message):
    """The API went from reachable to unreachable or back."""

    connection: Connection
