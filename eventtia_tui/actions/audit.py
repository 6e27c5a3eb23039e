"""The audit log: one JSON line per action and outcome, in the state directory (eventtia_tui/store/state.py). Never a token."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..store.state import private_dir

log = logging.getLogger(__name__)


class AuditLog:
    def __init__(self, directory: str | Path, account: str, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(directory) / "audit.jsonl"
        self.account = account
        self.clock = clock

    def write(self, event: str, action: str, summary: str, outcome: str, message: str = "",
              **extra: Any) -> None:
        entry = {
            "at": datetime.fromtimestamp(self.clock(), UTC).isoformat(timespec="seconds"),
            "who": self.account, "event": event, "action": action, "what": summary, "outcome": outcome,
            "message": message, **extra,
        }
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
        try:
            private_dir(self.path.parent)
            descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(descriptor, line)  # one write per line: concurrent sessions never interleave a line
            finally:
                os.close(descriptor)
        except OSError as error:  # a full or read-only disk must not stop the desk; the outcome was shown
            log.warning("audit line not written (%s): %s", error.strerror or error, summary)

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
