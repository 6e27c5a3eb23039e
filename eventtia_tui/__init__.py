"""eventtia-tui: run an event on site against the Eventtia API v3."""

__version__ = "0.1.0"
