"""Command line: the TUI (default), the sandbox server, and the sync / find / config / export commands.

Only what reading the arguments needs is imported before they are read: `--help` and `--version` answer
without loading pydantic, httpx or Textual (most of a second on a kiosk), each command imports its own. The
imports inside `main` and `run_sandbox` are that start-up work (-X importtime: the config 0.24 s, the session
0.55 s, the app and Textual more; this module 16 ms).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sqlite3
import stat
import sys
import time
from datetime import date
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .environment import APP_NAME, ENVIRONMENT

if TYPE_CHECKING:  # pydantic and the rest load after the arguments are read
    from .session import Settings


def environment_help() -> str:
    width = max(map(len, ENVIRONMENT))
    lines = [f"  {name:<{width}}  {meaning}" for name, meaning in ENVIRONMENT.items()]
    return ("Settings come from the config file (`eventtia-tui config` shows where it is and what is in force),\n"
            "then these environment variables, then the flags:\n" + "\n".join(lines))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=APP_NAME, description="Run an event on site against the Eventtia API v3.",
                                     epilog=environment_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_connection_options(parser)
    parser.add_argument("--demo", action="store_true", help="open the app on the embedded demo sandbox")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--kiosk", action="store_true", help="attendee search and card only (needs --event)")
    parser.add_argument("--event", metavar="URI", help="open this event directly")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    sandbox = commands.add_parser("sandbox", help="serve a local Eventtia API v3 with the Demo Expo event")
    sandbox.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    sandbox.add_argument("--port", type=int, default=8765)
    sandbox.add_argument("--db", type=Path, help="SQLite file; seeded when new or empty, reused otherwise")
    sandbox.add_argument("--attendees", type=positive_int, default=1200, help="Demo Expo attendees (default 1200)")
    sandbox.add_argument("--seed", type=int, default=42)
    sandbox.add_argument("--latency-ms", type=non_negative_int, default=0, help="delay every response")
    sandbox.add_argument("--fail-rate", type=fraction, default=0.0, help="answer this fraction with 503")
    sandbox.add_argument("--rate-limit", type=non_negative_int, default=0, metavar="N",
                         help="answer 429 past N requests a minute per token, as Eventtia does (default 0: off)")
    sandbox.add_argument("--max-page-size", type=positive_int, default=100, metavar="N",
                         help="serve at most N records a page (default 100; 24 is what Eventtia serves)")
    sandbox.add_argument("--start-date", type=date.fromisoformat, help="Demo Expo's first day (default today)")

    sync = commands.add_parser("sync", help="pull an event's attendees, activities and B2B data into the cache")
    sync.add_argument("event_uri", metavar="EVENT_URI")
    sync.add_argument("--full", action="store_true", help="re-pull everything instead of what changed")
    sync.add_argument("--concurrency", type=positive_int, default=6, help="pages in flight (default 6)")
    add_connection_options(sync, suppress=True)

    find = commands.add_parser("find", help="search a synced event's attendees (works offline)")
    find.add_argument("event_uri", metavar="EVENT_URI")
    find.add_argument("query", metavar="QUERY", help="name, email, company, uuid or a scanned QR code")
    find.add_argument("--json", action="store_true", help="print a JSON list of attendees")
    find.add_argument("--limit", type=positive_int, default=10)
    add_connection_options(find, suppress=True)

    show = commands.add_parser("config", help="show the config file's path and the settings in force, with their origin")
    show.add_argument("--keys", action="store_true", help="list every key binding's id (for the [keymap] section)")
    add_connection_options(show, suppress=True)

    commands.add_parser("scanner-test", help="scan a badge: see the keys, gaps and suffix the app receives and "
                                             "how it reads them (tunes [scanner])")
    export = commands.add_parser("export", help="write attendees, a roster, ticket stats or the B2B agenda as CSV/JSON")
    export.add_argument("event_uri", metavar="EVENT_URI")
    export.add_argument("what", choices=EXPORTS, metavar="{attendees,roster ACTIVITY,tickets,agenda}")
    export.add_argument("activity", nargs="?", metavar="ACTIVITY", help="for roster: the activity's id or name")
    add_output_options(export)
    add_connection_options(export, suppress=True)

    ledger = commands.add_parser("ledger", help="write this machine's ledger of admissions of an event as CSV/JSON")
    ledger.add_argument("event_uri", metavar="EVENT_URI")
    ledger.add_argument("--place", metavar="PLACE", help="only the admissions at this place (default: every place)")
    add_output_options(ledger)
    add_connection_options(ledger, suppress=True)

    venue = commands.add_parser("venue", help="venue mode: what the machines on the venue's Redis share")
    venue_commands = venue.add_subparsers(dest="venue_command", metavar="VENUE_COMMAND", required=True)
    status = venue_commands.add_parser("status", help="the machines, the lease holders, the budget used, the outbox "
                                                      "and the entries refused (no Eventtia request)")
    add_connection_options(status, suppress=True)
    return parser


EXPORTS = ("attendees", "roster", "tickets", "agenda")


def add_output_options(command: argparse.ArgumentParser) -> None:
    """--csv/--json, --excel and --output: how a table command writes (export_command.deliver)."""
    kind = command.add_mutually_exclusive_group()
    kind.add_argument("--csv", dest="format", action="store_const", const="csv", help="CSV (the default)")
    kind.add_argument("--json", dest="format", action="store_const", const="json", help="a JSON list of objects")
    command.add_argument("--excel", action="store_true",
                         help="CSV for Excel: UTF-8 with a byte order mark, so Excel reads “Bogotá” as written")
    command.add_argument("--output", "-o", type=Path, metavar="FILE",
                         help="write to FILE instead of stdout (in your home or the export folder; a new file, or an "
                              "earlier export)")


def add_connection_options(parser: argparse.ArgumentParser, suppress: bool = False) -> None:
    """--api-url/--cache-dir/--log/--demo; subcommands take them too (suppressed defaults keep the top level's)."""
    def default(value: None) -> str | None:
        return argparse.SUPPRESS if suppress else value

    parser.add_argument("--api-url", default=default(None),
                        help="API base URL (env EVENTTIA_API_URL, config api_url)")
    parser.add_argument("--cache-dir", type=Path, default=default(None),
                        help="cache directory (env EVENTTIA_CACHE_DIR, config cache_dir)")
    parser.add_argument("--log", type=Path, metavar="FILE", default=default(None),
                        help="append errors and request lines to FILE (env EVENTTIA_LOG, config log)")
    parser.add_argument("--shared", metavar="URL", default=default(None),
                        help="venue mode: the machines naming this Redis share budget, sync, outbox and live "
                             "changes, e.g. redis://venue-redis.lan:6379/0 (env EVENTTIA_SHARED_URL, config shared_url)")
    if suppress:
        parser.add_argument("--demo", action="store_true", default=argparse.SUPPRESS,
                            help="use the embedded demo sandbox")


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def fraction(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_sandbox(args: argparse.Namespace) -> int:
    import uvicorn
    from platformdirs import user_data_dir

    from .sandbox import API_PREFIX, DEMO_EMAIL, create_app
    from .text import shown

    if not is_loopback(args.host):
        print(f"error: the sandbox only binds to loopback addresses (127.0.0.1, ::1), not {shown(args.host, 200)}",
              file=sys.stderr)
        return 2
    db_path = args.db or Path(user_data_dir(APP_NAME)) / f"sandbox-{args.attendees}-{args.seed}.sqlite3"
    started = time.perf_counter()
    try:
        app = create_app(db_path, attendees=args.attendees, seed=args.seed, latency_ms=args.latency_ms,
                         fail_rate=args.fail_rate, start_date=args.start_date, rate_limit=args.rate_limit,
                         max_page_size=args.max_page_size)
    except (OSError, sqlite3.Error) as error:
        print(f"error: cannot use {shown(db_path, 400)} as the sandbox's database: "
              f"{shown(getattr(error, 'strerror', None) or error, 400)}", file=sys.stderr)
        return 1
    print(f"Sandbox ready in {time.perf_counter() - started:.2f} s — database {shown(db_path, 400)}")
    print(f"API at http://{args.host}:{args.port}{API_PREFIX} — sign in as {DEMO_EMAIL} (password in the README)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


DEMO_MODULES = ("fastapi", "uvicorn", "faker")  # the [demo] extra: the sandbox; a kiosk install goes without


def missing_demo_modules() -> list[str]:
    return [name for name in DEMO_MODULES if find_spec(name) is None]


PRIVATE_UMASK = 0o077  # cache, outbox, audit, token and crash files hold attendees' data: 0600 in 0700 dirs


def keep_private(directory: Path) -> None:
    """Take group and other access off one of the app's directories made before it set its umask.

    Only a directory of this user's and not a shared one like /tmp (sticky), and not what is inside:
    without access to the directory, nobody else reaches the files in it."""
    try:
        info = directory.stat()
        if info.st_uid == os.getuid() and not info.st_mode & stat.S_ISVTX and info.st_mode & 0o077:
            os.chmod(directory, stat.S_IMODE(info.st_mode) & 0o700)
    except OSError:  # not there yet (it is made private when created), or not ours to change
        pass


def app_directories(settings: Settings) -> list[Path]:
    from .config import config_dir

    return [settings.cache_dir, settings.data_dir, config_dir()]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .config import ConfigError, start_log, stop_log
    from .text import shown

    if args.kiosk:
        from .kiosk import KioskPolicy, refused_command

        if not KioskPolicy().allows_command(args.command):
            print(f"error: {refused_command(args.command)}", file=sys.stderr)
            return 2
    if args.demo or args.command == "sandbox":
        missing = missing_demo_modules()
        if missing:
            print(f"error: {'`sandbox`' if args.command == 'sandbox' else '--demo'} runs the embedded sandbox, which "
                  f"this install does not have ({', '.join(missing)} missing): pip install 'eventtia-tui[demo]'",
                  file=sys.stderr)
            return 2
    previous_umask = os.umask(PRIVATE_UMASK)
    log = None
    try:
        if args.command == "sandbox":
            return run_sandbox(args)
        from .session import Settings

        settings = Settings.from_env(args.api_url, args.cache_dir, demo=args.demo, log=args.log, shared_url=args.shared)
        if args.command == "config":
            from .show_config import show_config

            return show_config(settings, keys=args.keys)
        if args.command == "scanner-test":
            from .scanner_test import run_scanner_test
            from .textual_private import use_escape_key_parser

            use_escape_key_parser()
            return run_scanner_test(settings.scanner)
        for directory in app_directories(settings):
            keep_private(directory)
        if settings.log is not None:
            log = start_log(settings.log)
        if args.command in ("sync", "find"):
            from .commands import run_command

            return run_command(args, settings)
        if args.command == "export":
            from .export_command import run_export

            return run_export(args, settings)
        if args.command == "venue":
            from .commands import run_venue_status

            return run_venue_status(args, settings)
        if args.command == "ledger":
            from .export_command import run_ledger

            return run_ledger(args, settings)
        from .app import run_tui

        return run_tui(args, settings)
    except ConfigError as error:
        print(f"error: {shown(error, 2000)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        os.umask(previous_umask)  # for callers in the same process (the tests)
        if log is not None:
            stop_log(log)


if __name__ == "__main__":
    sys.exit(main())
