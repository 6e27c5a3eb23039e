"""What text bound for a terminal must not hold: the one check the hostile-text tests of the CLI and the TUI share."""

from __future__ import annotations

import unicodedata

from rich.cells import get_character_cell_size

from eventtia_tui.text import JOINERS, MARKS_PER_CHARACTER

FORMAT = {chr(code) for code in range(0x110000) if unicodedata.category(chr(code)) == "Cf"} - JOINERS


def problem(output: str | bytes, line_bytes: int | None = None) -> str | None:
    """What is wrong with text bound for a terminal, or None."""
    text = output.decode("utf-8", errors="surrogateescape") if isinstance(output, bytes) else output
    for character in text:
        code = ord(character)
        if (code < 0x20 and character != "\n") or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF:
            return f"control U+{code:04X}"
        if character in FORMAT:
            return f"format character U+{code:04X}"
    run = 0
    for character in text:
        run = run + 1 if character != "\n" and get_character_cell_size(character) == 0 else 0
        if run > MARKS_PER_CHARACTER:
            return "a run of zero-width characters"
    if line_bytes is not None:
        longest = max((len(line.encode("utf-8", "surrogatepass")) for line in text.split("\n")), default=0)
        if longest > line_bytes:
            return f"a line of {longest} bytes"
    return None
