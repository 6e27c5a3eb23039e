"""The `sync` and `find` commands: plain output for scripts and for the desk's terminal."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from typing import TextIO

from rich.cells import cell_len

from .api.errors import ApiError, NotFound
from .api.tokens import TokenFileError
from .gateway import SyncProgress, describe_duration, sync_event
from .session import NotSignedIn, Settings, open_session
from .store.cache import CacheStore
from .text import dumps_for_terminal, shown
from .verdict import UNAVAILABLE, PersonFacts, type_prices

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())  # written only with --log, never to the terminal


FIND_ERROR = 2  # `find` answers as grep does: 0 when something matched, 1 when nothing did, 2 when it could not look


def run_command(args: argparse.Namespace, settings: Settings) -> int:
    error_status = FIND_ERROR if args.command == "find" else 1
    try:
        return asyncio.run(sync(args, settings) if args.command == "sync" else find(args, settings))
    except (NotSignedIn, TokenFileError) as error:
        return fail(str(error), 2)
    except NotFound as error:  # the event's first request: no such event, or not this account's
        return fail(f"no event {args.event_uri!r} at {settings.api_url} ({error.message})", error_status)
    except ApiError as error:
        return fail(f"{args.command} {args.event_uri!r} at {settings.api_url}: {error.message}", error_status)
    except OSError as error:  # the cache directory is not writable, the disk is full…
        return fail(f"{error.strerror or error} ({error.filename or settings.cache_dir})", error_status)


def pad(text: str, width: int) -> str:
    """`text` (at most `width` cells) padded with spaces to `width` cells: columns line up with wide characters."""
    return text + " " * (width - cell_len(text))


def fail(message: str, code: int = 1) -> int:
    """One line on stderr, and the same in the opt-in log."""
    log.error(message)
    print(f"error: {shown(message, 2000)}", file=sys.stderr)
    return code


class ProgressBar:
    """One line on stderr, redrawn in place: 'attendees  ████████░░░░  8/12'."""

    WIDTH = 30

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.last_stage = ""

    def __call__(self, progress: SyncProgress) -> None:
        if not self.live and (progress.done < progress.total or progress.stage == self.last_stage):
            return  # a log, not a terminal: one line per finished stage
        self.last_stage = progress.stage
        filled = int(self.WIDTH * progress.done / progress.total) if progress.total else 0
        bar = "█" * filled + "░" * (self.WIDTH - filled)
        line = f"{progress.stage:<15} {bar} {progress.done:,}/{progress.total:,}"
        if progress.seconds_left is not None and progress.done < progress.total:
            line += f", {describe_duration(progress.seconds_left)} left"
        self.stream.write(("\r" + line + "\033[K") if self.live else line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()


async def sync(args: argparse.Namespace, settings: Settings) -> int:
    session = open_session(settings)
    try:
        gateway = await session.sign_in_from_env_or_token()
        if ending := session.ending_before_sync():  # with EVENTTIA_PASSWORD it was renewed just now
            print(f"warning: {ending}", file=sys.stderr)
        bar = ProgressBar()
        started = time.perf_counter()
        try:
            report = await sync_event(gateway, args.event_uri, concurrency=args.concurrency, full=args.full,
                                      on_progress=bar)
        finally:
            bar.close()
        cancelled = report.attendees - report.active
        print(f"Synced {shown(args.event_uri, 200)} ({report.mode}) in {time.perf_counter() - started:.1f} s: "
              f"{report.attendees:,} attendees ({report.active:,} active, {cancelled:,} cancelled), "
              f"{report.changed:,} new or changed, {report.workshops} activities, "
              f"{report.conferences} B2B conference{'s' if report.conferences != 1 else ''}.")
        for warning in report.warnings or []:
            print(f"warning: {shown(warning, 2000)}", file=sys.stderr)
        if report.short:  # a partial copy must not pass for a whole one (a script checks the exit status)
            print(f"error: {shown(report.short, 2000)}", file=sys.stderr)
            return 1
        return 0
    finally:
        await session.close()


async def find(args: argparse.Namespace, settings: Settings) -> int:
    session = open_session(settings)
    try:
        account = session.known_account()
        if account is None:
            raise NotSignedIn("No account known on this machine: set EVENTTIA_EMAIL (or sign in once) to read its cache.")
        gateway = session.open_gateway(account)
        index, snapshot = gateway.index(args.event_uri), gateway.load_snapshot(args.event_uri)
        if index is None or snapshot is None:
            demo = " --demo" if settings.demo else ""
            uri = shown(args.event_uri, 200)
            print(f"{uri} has not been synced on this machine yet: run `eventtia-tui{demo} sync {uri}` first.",
                  file=sys.stderr)
            return FIND_ERROR
        matches = index.search(args.query, limit=args.limit)
        types = gateway.cached("attendee_types", args.event_uri)  # as the app last read them
        facts = PersonFacts(type_prices(types.value) if types is not None else UNAVAILABLE)
        if args.json:
            print(dumps_for_terminal([m.record.to_json(snapshot.type_names) | facts.verdict(m.record).as_columns()
                                      for m in matches], indent=2))
            return 0 if matches else 1
        if not matches:
            print(f"No attendee matches {shown(args.query, 200)!r}.", file=sys.stderr)  # stdout: only matches
            return 1
        for match in matches:
            record = match.record
            print("{} {} {} {} {}".format(*(pad(shown(value, width), width) for value, width in (
                (record.full_name, 30), (record.company, 24), (record.email, 34),
                (snapshot.type_names.get(record.type_id, ""), 18), (facts.verdict(record).words, 30)))).rstrip())
        return 0
    finally:
        await session.close()


def run_venue_status(args: argparse.Namespace, settings: Settings) -> int:
    """`eventtia-tui venue status`: the venue's Redis as the machines share it (no Eventtia request). 0 when the
    link is up, 1 when it is down (why on the first row), 2 when venue mode is off or no account is known."""
    if not settings.shared_url:
        return fail("venue mode is off: set shared_url in config.toml, EVENTTIA_SHARED_URL or --shared URL", 2)
    session = open_session(settings)
    try:
        account = session.known_account()
        if account is None or session.venue is None:
            return fail("no account known: set EVENTTIA_EMAIL, or sign in once in the app", 2)
        from .venue.status import read_status, status_lines  # only here: without venue mode no Redis client

        status = read_status(session.venue, CacheStore.scope_for(settings.api_url, account), settings.state_dir,
                             settings.rate_limit, settings.api_url, tuple(filter(None, [args.event])))
        rows = status_lines(status)
        width = max(cell_len(label) for label, _ in rows) + 2
        for label, value in rows:
            print(pad(label, width) + shown(value, 2000))
        return 0 if status.up else 1
    finally:
        asyncio.run(session.close())
