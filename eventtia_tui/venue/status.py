"""`eventtia-tui venue status`: what the venue's Redis holds for this account, read once, no Eventtia request.

The machines seen lately, who holds each lease (the sync of each event, the outbox's replay), the requests the
account used this minute, the outbox (queued, claimed) and the entries refused while reading it. Every key
and check is the one the machines use (Link, SharedBudget, SharedOutbox, Lease): nothing is named twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from ..api.budget import RequestBudget
from .lease import FENCE
from .link import MACHINE_SEEN, LinkDown
from .mode import Venue
from .seal import Refused


@dataclass
class VenueStatus:
    where: str
    up: bool
    why: str
    keys: str  # the prefix and hash every key of this account starts with
    machines: list[str] = field(default_factory=list)
    used: int = 0
    limit: int = 0
    paused: float = 0.0  # seconds left of a 429's pause
    sync_leases: dict[str, str] = field(default_factory=dict)  # event (URI, or its key's hash) → holder
    queued: int = 0
    claimed: list[str] = field(default_factory=list)  # holders of the writes being sent now
    replay_holder: str = ""
    refused: str = ""


def short(machine: str) -> str:
    """`host:pid` of a machine's name (`host:pid:random`, or a lease holder's `host:pid:random:random`)."""
    return ":".join(machine.split(":")[:2])


def read_status(venue: Venue, scope: str, state_dir: Path, per_minute: int, budget_scope: str,
                events: tuple[str, ...] = ()) -> VenueStatus:
    """Blocking (a CLI's one look). `scope`: CacheStore.scope_for(API URL, account); `budget_scope`: the
    budget's (the API URL); `events`: URIs to name the sync leases by (others are shown by their key)."""
    link = venue.link
    link.use_scope(scope)
    link.listed = False  # a look, not a machine: it takes no share of the budget
    status = VenueStatus(venue.where, False, "", link.key())
    if not link.connect():
        status.why = venue.down_because
        return status
    budget = venue.budget(RequestBudget(per_minute, scope=budget_scope))
    outbox = venue.outbox(state_dir, scope)
    try:
        link._check()  # one look: the roll of machines and the budget's window, unsigned entries set aside
        status.up, status.why = link.up, venue.down_because
        if not link.up:
            return status
        status.limit, status.used = per_minute, per_minute - budget.remaining()
        status.paused = max(0.0, budget.seen[1] - budget.clock.now()) if budget.seen[1] else 0.0
        machines = cast(list[str], link.run(lambda r: r.zrangebyscore(link.key("machines"),
                                                                      time.time() - MACHINE_SEEN, "+inf")))
        status.machines = sorted(short(member.rpartition("|")[0]) for member in machines
                                 if link.signed_member(link.key("machines"), member))
        status.queued = sum(1 for item in outbox.items() if item.state == "queued")
        status.replay_holder = _holder(venue, outbox.lease.key)
        claims = cast(list[str], link.run(lambda r: list(r.scan_iter(match=outbox.claim_prefix + "*", count=500))))
        status.claimed = [holder for holder in (_holder(venue, key, outbox.lease.key) for key in claims) if holder]
        # The sync lease's key as Feed._key names it (kind, the account's hash, the event's hash).
        named = {link.key("sync", link.scope_hash(scope), link.scope_hash(uri)): uri for uri in events}
        leases = cast(list[str], link.run(lambda r: list(r.scan_iter(match=link.key("sync", "*"), count=500))))
        for key in sorted(leases):
            if key.endswith(FENCE):  # the lease's fencing token beside it, not a lease
                continue
            holder = _holder(venue, key)
            if holder:
                status.sync_leases[named.get(key, key.rpartition(":")[2])] = holder
    except LinkDown:
        status.up, status.why = False, venue.down_because
    if link.refusals.count:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(link.refusals.by_kind.items()))
        status.refused = f"{link.refusals.describe()} ({kinds})"
    return status


def _holder(venue: Venue, key: str, sealed_for: str | None = None) -> str:
    """Who holds a lease (or a write's claim, sealed for the replay lease): `host:pid`; '' when free; a value
    nobody of the venue sealed is counted as refused and shown as such."""
    link = venue.link
    value: Any = link.run(lambda r: r.get(key) if r.type(key) == "string" else None)
    if value is None:
        return ""
    try:
        return short(link.venue_key.open(sealed_for or key, value, limit=512))
    except Refused as refused:
        link.refusals.add("lease", refused.reason)
        return "(refused: not signed by the venue)"


def status_lines(status: VenueStatus) -> list[tuple[str, str]]:
    """The rows `eventtia-tui venue status` prints (label, value), the values still to be made safe to show."""
    state = "up" if status.up else f"down: {status.why or 'not connected'}"
    rows = [("Redis", f"{status.where} · {state} · keys {status.keys.rstrip(':')}")]
    if not status.up:
        return rows
    seen = f"{len(status.machines)} seen in the last {MACHINE_SEEN:.0f} s"
    rows.append(("Machines", f"{seen}: {', '.join(status.machines)}" if status.machines else seen))
    paused = f"paused for {status.paused:.0f} s more (a 429)" if status.paused else "not paused"
    rows.append(("Budget", f"{status.used} of {status.limit} requests used this minute · {paused}"))
    rows.append(("Sync leases", ", ".join(f"{event}: {holder}" for event, holder in status.sync_leases.items())
                 or "none held"))
    claimed = f", {len(status.claimed)} claimed by {', '.join(sorted(set(status.claimed)))}" if status.claimed else ""
    replaying = f" (replay lease: {status.replay_holder})" if status.replay_holder else ""
    rows.append(("Outbox", f"{status.queued} queued{claimed}{replaying}"))
    rows.append(("Refused entries", status.refused or "none"))
    return rows
