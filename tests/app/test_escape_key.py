"""The terminal's Esc key with a badge scan right behind it (eventtia_tui.textual_private), as the driver reads it."""

from __future__ import annotations

from textual._xterm_parser import XTermParser

from eventtia_tui.textual_private import EscapeKeyParser

BADGE = "ca0ac6|Ingrid Haddad|ingrid.haddad@mail.test|Tierra Firme - CTO|+573035386158"


def keys(parser, *reads: str) -> list[str]:
    """What the driver hands the app for these reads, each a separate read() of the terminal (no wait between)."""
    return [event.key for data in reads for event in parser.feed(data) if hasattr(event, "key")]


def test_esc_then_a_scan_in_the_next_read_is_esc_and_the_whole_scan():
    read = keys(EscapeKeyParser(), "\x1b", BADGE + "\r")
    assert read[0] == "escape" and len(read) == 1 + len(BADGE) + 1 and read[1] == "c" and read[-1] == "enter"
    assert keys(XTermParser(), "\x1b", BADGE + "\r")[0] != "escape"  # Textual's own: the Esc lost, "^" or alt+c


def test_a_sequence_split_between_reads_is_still_one_key():
    assert keys(EscapeKeyParser(), "\x1b", "[A") == ["up"]
    assert keys(EscapeKeyParser(), "\x1bO", "P") == ["f1"]
    assert keys(EscapeKeyParser(), "\x1b[A", "x") == ["up", "x"]
    assert keys(EscapeKeyParser(), "\x1b[200~pasted\x1b", "[201~", "y") == ["y"]  # a paste is no key
