"""The Esc key, with a badge scan right behind it.

A terminal sends Esc as a lone ESC byte, and escape sequences (arrows, function keys, the terminal's answers)
begin with one too, so Textual's parser waits up to 100 ms after an ESC for the rest of a sequence. A scan
begun in that window was read as part of one: the Esc was lost and the scan began with "^" (or alt+ its first
key), so the card stayed and the lookup missed. An ESC that ends one read from the terminal, followed by a
read that does not go on with a sequence, is the Esc key: a terminal writes a whole sequence at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual._parser import ParseTimeout
from textual._xterm_parser import XTermParser

SEQUENCE_GOES_ON = "[O]P_\\\x1b"  # what follows the ESC of a sequence: CSI, SS3, OSC, DCS, APC, ST, another ESC


class EscapeKeyParser(XTermParser):
    escape_ended_read = False  # the last read ended on an ESC the parser is waiting to complete

    def feed(self, data: str) -> Iterable:
        if self.escape_ended_read and data and data[0] not in SEQUENCE_GOES_ON and self._timeout_time is not None:
            self._timeout_time = None
            self._awaiting = self._gen.throw(ParseTimeout())  # as if the wait had run out: the Esc key
        self.escape_ended_read = data.endswith("\x1b")
        yield from super().feed(data)


def use_escape_key_parser() -> None:
    """The terminal driver reads keys with EscapeKeyParser (Textual's driver names its parser class itself)."""
    from textual.drivers import linux_driver

    linux_driver.XTermParser = EscapeKeyParser
