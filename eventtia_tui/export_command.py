"""`eventtia-tui export EVENT {attendees,roster ACTIVITY,tickets,agenda} [--csv|--json] [--excel] [--output FILE]`
and `eventtia-tui ledger EVENT [--csv|--json] [--place P] [--excel] [--output FILE]` (their arguments are read in
eventtia_tui.cli).

The ledger of admissions is this machine's (eventtia_tui/store/ledger.py): no sign-in, no request; the names
come from this machine's synced copy when there is one. It is written as F5's Ctrl+T writes it (export.ledger_table).

Attendees come from this machine's synced copy, brought up to date first (an incremental sync; when
Eventtia cannot be reached the copy is exported as it is, with a warning). The roster, the ticket stats
and the B2B agenda are read through the cache like the app does.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Mapping
from datetime import tzinfo
from pathlib import Path

from .api.errors import ApiError, Forbidden, NotFound
from .api.models import Meeting, field_names_by_type
from .api.tokens import TokenFileError
from .arrivals import count_arrivals
from .commands import fail
from .export import (
    ExportError,
    ExportPlace,
    ExportTable,
    agenda_table,
    attendee_table,
    export_place,
    ledger_table,
    render,
    roster_table,
    tickets_table,
)
from .gateway import Gateway, describe_age, sync_event
from .session import NotSignedIn, Settings, open_session
from .store.index import fold
from .store.ledger import Ledger
from .text import shown
from .verdict import UNAVAILABLE, PersonFacts, Unknown, listed_person, type_prices
from .zones import zone


class ExportFailed(Exception):
    """A clear sentence for stderr (exit status 1)."""


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    if (args.what == "roster") != bool(args.activity):
        return fail("`roster` needs the activity (its id or name)" if args.what == "roster"
                    else f"`{args.what}` takes no activity", 2)
    if args.excel and args.format == "json":
        return fail("--excel is for CSV (a byte order mark for Excel), not JSON", 2)
    try:
        # The same rule as the dialog's, a relative path in the current folder: never a dotfile, a link, `..`,
        # a place outside the home and the export folder, nor over a file that is not an earlier export.
        # Checked before the sync, so a refused path costs no requests.
        place = export_place(settings.export_dir, settings.data_dir)
        path = None if args.output is None else place.target(args.output, base=Path.cwd())
        return deliver(asyncio.run(build(args, settings)), args, place, path)
    except (NotSignedIn, TokenFileError) as error:
        return fail(str(error), 2)
    except NotFound as error:  # the event's first request: no such event, or not this account's
        return fail(f"no event {args.event_uri!r} at {settings.api_url} ({error.message})")
    except ApiError as error:
        return fail(f"export {args.what} of {args.event_uri!r} at {settings.api_url}: {error.message}")
    except (ExportFailed, ExportError) as error:
        return fail(str(error))
    except OSError as error:
        return fail(f"{error.strerror or error} ({error.filename or settings.cache_dir})")


def deliver(table: ExportTable, args: argparse.Namespace, place: ExportPlace, path: Path | None) -> int:
    """The table in its format, to stdout or to the file named (checked by `place`), and a line saying where."""
    text = render(table, args.format or "csv", excel=args.excel)
    if path is None:
        sys.stdout.write(text)
        return 0
    written = place.write(path, text)
    print(f"Wrote {len(table):,} rows ({shown(table.title, 200)}) to {shown(written, 400)}.", file=sys.stderr)
    return 0


def run_ledger(args: argparse.Namespace, settings: Settings) -> int:
    if args.excel and args.format == "json":
        return fail("--excel is for CSV (a byte order mark for Excel), not JSON", 2)
    try:
        place = export_place(settings.export_dir, settings.data_dir)
        path = None if args.output is None else place.target(args.output, base=Path.cwd())
        ledger = Ledger(settings.state_dir)
        if ledger.problem:
            return fail(f"{ledger.problem}")
        if ledger.skipped:
            print(f"warning: {ledger.said_at_start()}", file=sys.stderr)
        admissions = ledger.of_event(args.event_uri, args.place)
        if not admissions:
            where = f" at {shown(args.place, 60)!r}" if args.place is not None else ""
            known = ", ".join(shown(p, 60) for p in ledger.places(args.event_uri))
            return fail(f"no admission of {args.event_uri!r}{where} in the ledger on this machine ({ledger.path})"
                        + (f"; its places: {known}" if known and args.place is not None else ""))
        name, names = event_names(settings, args.event_uri)
        here = "every place" if args.place is None else args.place
        return deliver(ledger_table(admissions, title=f"{name} — admissions at {here}", names=names), args, place, path)
    except ExportError as error:
        return fail(str(error))
    except OSError as error:
        return fail(f"{error.strerror or error} ({error.filename or settings.state_dir})")


def event_names(settings: Settings, uri: str) -> tuple[str, dict[str, str]]:
    """The event's name and its attendees' (registration id → name) from this machine's synced copy, when the
    account is known and the event synced; else the URI and none."""
    session = open_session(settings)
    try:
        account = session.known_account()
        if account is None:
            return uri, {}
        gateway = session.open_gateway(account)
        index = gateway.index(uri)
        event = gateway.cached("event", uri)
        name = getattr(event.value, "name", "") if event is not None else ""
        names = {record.id: record.full_name for record in index.records.values()} if index is not None else {}
        return name or uri, names
    except (TokenFileError, OSError):
        return uri, {}
    finally:
        asyncio.run(session.close())


async def build(args: argparse.Namespace, settings: Settings) -> ExportTable:
    session = open_session(settings)
    try:
        gateway = await session.sign_in_from_env_or_token()
        event = (await gateway.event(args.event_uri)).value
        name = event.name or args.event_uri
        tz = zone(event.timezone)
        if args.what == "attendees":
            return await attendees(gateway, args.event_uri, name, tz)
        if args.what == "roster":
            return await roster(gateway, args.event_uri, name, args.activity, tz)
        if args.what == "tickets":
            return await tickets(gateway, args.event_uri, name)
        return await agenda(gateway, args.event_uri, name, tz)
    finally:
        await session.close()


async def attendees(gateway: Gateway, uri: str, name: str, tz: tzinfo | None) -> ExportTable:
    try:
        await sync_event(gateway, uri)
    except ApiError as error:
        synced = await asyncio.to_thread(gateway.synced_at, uri)
        if synced is None:
            raise
        print(f"warning: could not bring the copy up to date ({shown(error.message, 300)}); exporting the copy synced "
              f"{describe_age(gateway.clock() - synced)}.", file=sys.stderr)
    snapshot = await asyncio.to_thread(gateway.load_snapshot, uri)
    if snapshot is None:
        raise ExportFailed(f"{uri} has no synced attendees on this machine.")
    records = sorted(snapshot.records.values(), key=lambda r: (fold(r.last_name), fold(r.first_name), r.id))
    prices: Mapping[str, float | None] | Unknown
    try:
        prices = type_prices((await gateway.attendee_types(uri)).value)
    except ApiError:
        prices = UNAVAILABLE
    return attendee_table(records, snapshot.type_names, title=f"{name} — attendees", tz=tz,
                          facts=PersonFacts(prices, tz))


async def roster(gateway: Gateway, uri: str, name: str, wanted: str, tz: tzinfo | None = None) -> ExportTable:
    workshops = [w for w in (await gateway.workshops(uri)).value if w.id]
    exact = [w for w in workshops if w.id == wanted or fold(w.name or "") == fold(wanted)]
    matches = exact or [w for w in workshops if fold(wanted) in fold(w.name or "")]
    if len(matches) != 1:
        listed = "; ".join(f"{w.id} {w.name}" for w in (matches or workshops)[:12])
        why = "matches several activities" if matches else "names no activity"
        raise ExportFailed(f"“{wanted}” {why} of {uri}: {listed}")
    workshop = matches[0]
    assert workshop.id is not None  # those without an id were left out above
    people = (await gateway.roster(uri, workshop.id)).value
    names: dict[str, dict[str, str]]
    prices: Mapping[str, float | None] | Unknown
    try:
        types = (await gateway.attendee_types(uri)).value
        names, prices = field_names_by_type(types), type_prices(types)
    except ApiError:
        names, prices = {}, UNAVAILABLE  # the names also come from each attendee's QR text
    for attendee in people:
        if attendee.attendee_type_id in names:
            attendee.bind_names(names[attendee.attendee_type_id])
    people.sort(key=lambda a: (fold(a.last_name), fold(a.first_name), a.id or ""))
    index, facts = await gateway.attendee_index(uri), PersonFacts(prices, tz)
    persons = [listed_person(attendee, index, names) for attendee in people]
    return roster_table(people, title=f"{name} — roster of {workshop.name}",
                        verdicts=[facts.verdict(person) if person is not None else None for person in persons])


async def tickets(gateway: Gateway, uri: str, name: str) -> ExportTable:
    stats = (await gateway.tickets_stats(uri)).value
    snapshot = await asyncio.to_thread(gateway.load_snapshot, uri)
    checked_in = count_arrivals(snapshot.records.values(), snapshot.type_names).checked_in_by_name() \
        if snapshot is not None else None
    return tickets_table(stats, checked_in, title=f"{name} — tickets")


async def agenda(gateway: Gateway, uri: str, name: str, tz: tzinfo | None) -> ExportTable:
    try:
        conference_ids = [c.id for c in (await gateway.conferences(uri)).value if c.id]
    except (NotFound, Forbidden):
        conference_ids = []
    if not conference_ids:
        raise ExportFailed(f"{uri} has no B2B matchmaking.")
    meetings: list[Meeting] = []
    names: dict[str, str] = {}
    for conference_id in conference_ids:
        meetings += (await gateway.meetings(uri, conference_id)).value
        for participant in (await gateway.participants(uri, conference_id)).value:
            if participant.id is not None:
                names[participant.id] = participant.profile_display_name or participant.profile_contact_name or ""
    return agenda_table(meetings, names, title=f"{name} — B2B agenda", tz=tz)
