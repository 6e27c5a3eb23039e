"""The action layer: every write, optimistic apply / confirm / roll back, the outbox and the audit log."""

from .activities import SetActivities, add_activity, move_activity, remove_activity
from .activity_edit import UpdateActivity
from .attendees import CancelAttendee, RegisterAttendee, undo_cancel
from .audit import AuditLog
from .base import Action, Outcome, State
from .lifecycle import IllegalStep, Write, WriteState
from .outbox import Outbox
from .runner import ActionRunner, ReplayReport
from .unavailable_hours import UnavailableHourAction

__all__ = [
    "Action", "ActionRunner", "AuditLog", "CancelAttendee", "IllegalStep", "Outbox", "Outcome", "RegisterAttendee",
    "ReplayReport", "SetActivities", "State", "UnavailableHourAction", "UpdateActivity", "Write", "WriteState",
    "add_activity", "move_activity", "remove_activity", "undo_cancel",
]
