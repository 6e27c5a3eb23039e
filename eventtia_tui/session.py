"""Wiring: who is signed in where, the client, the cache and the gateway — for the app and the CLI."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from platformdirs import user_cache_dir, user_data_dir

from . import config
from .actions.outbox import Outbox
from .api.budget import RequestBudget
from .api.client import EventtiaClient
from .api.errors import AuthError, Unavailable
from .api.tokens import TokenStore, seconds_left
from .config import DEFAULT_RATE_LIMIT, DEFAULT_THEME, DEFAULT_UNDO_WINDOW, ReconcileSettings, ScannerSettings
from .gateway import Gateway
from .store.cache import CACHE_SIZE_LIMIT, CacheStore, CacheUnusable, open_cache
from .store.ledger import machine_name
from .store.state import move_old_state, private_dir, state_dir

if TYPE_CHECKING:
    from .venue.mode import Venue

APP_NAME = config.APP_NAME
log = logging.getLogger(__name__)
DEMO_API_URL = "http://demo.sandbox/api/v3"
DEMO_PAGE_SIZE = 24  # what Eventtia serves at most per page: the demo behaves like the real thing
# A sync started with a token ending sooner than this renews it first: 50,000 attendees at 100 requests a minute
# take over 20 minutes to pull, and a token that ends mid-sync stops it (the app asks to sign in again; the CLI
# signs in afresh from EVENTTIA_EMAIL/EVENTTIA_PASSWORD, and says so when it cannot).
RENEW_BEFORE_SYNC = 3600.0


class NotSignedIn(Exception):
    """No usable credentials: the message says what to do."""


@dataclass
class Settings:
    api_url: str
    cache_dir: Path
    data_dir: Path
    config_dir: Path | None = None
    demo: bool = False
    rate_limit: int = DEFAULT_RATE_LIMIT  # 0: no client-side budget
    theme: str = DEFAULT_THEME
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> keys
    scanner: ScannerSettings = field(default_factory=ScannerSettings)
    reconcile: ReconcileSettings = field(default_factory=ReconcileSettings)  # checking the copy against Eventtia
    undo_window: float = DEFAULT_UNDO_WINDOW  # seconds a cancellation or removal can be undone
    scan_bell: bool = True
    log: Path | None = None
    config_file: Path | None = None  # where the palette's theme is saved (None: not saved)
    export_dir: Path | None = None  # where exports go (None: the downloads folder)
    shared_url: str = ""  # venue mode: the Redis every machine of the venue shares ("" is off)
    venue_key: str = field(default="", repr=False)  # venue mode: signs every venue entry (never shown)
    venue_prefix: str = "eventtia"  # venue mode: the Redis keys' first part (then the API URL's and account's hash)
    venue_machines: int = 8  # venue mode: the fleet assumed before Redis was seen (each takes 1/N of the budget)
    origins: dict[str, str] = field(default_factory=dict)  # "api_url" -> "flag", "env NAME", "file" (config.Loaded)
    place: str = ""  # where this machine admits people ("" : the host name; see `admission_place`)
    admit_on: str = "confirmed"  # "confirmed": a CONFIRMED scan admits; "key": only the desk's Admit key
    door_exits: bool = False  # an activity's door counts both ways (F6 on the roster: scanning out records exits)

    @property
    def state_dir(self) -> Path:
        """The outbox, the audit log, the crash log: what must survive a deleted cache (eventtia_tui/store/state.py)."""
        return state_dir(self.data_dir)

    @property
    def admission_place(self) -> str:
        """The ledger's place for this machine's desk: the configured place, else the host name."""
        return self.place or machine_name()

    @classmethod
    def from_env(cls, api_url: str | None = None, cache_dir: Path | None = None, demo: bool = False,
                 log: Path | None = None, shared_url: str | None = None) -> Settings:
        """Defaults < config file < EVENTTIA_* < these arguments (the flags); config.ConfigError when unusable."""
        loaded = config.load({"api_url": api_url, "cache_dir": cache_dir, "log": log, "shared_url": shared_url})
        file = loaded.settings
        return cls(
            api_url=DEMO_API_URL if demo else file.api_url,
            cache_dir=Path(file.cache_dir or user_cache_dir(APP_NAME)),
            data_dir=Path(file.data_dir or user_data_dir(APP_NAME)),
            config_dir=Path(os.environ["EVENTTIA_CONFIG_DIR"]) if os.environ.get("EVENTTIA_CONFIG_DIR") else None,
            demo=demo,
            rate_limit=file.rate_limit,
            theme=file.theme,
            keymap=dict(file.keymap),
            scanner=file.scanner,
            reconcile=file.reconcile,
            undo_window=file.undo_window,
            scan_bell=file.scan_bell,
            log=file.log,
            config_file=loaded.path,
            export_dir=file.export_dir,
            shared_url=file.shared_url,
            venue_key=file.venue_key,
            venue_prefix=file.venue_prefix,
            venue_machines=file.venue_machines,
            origins=loaded.origins,
            place=file.place,
            admit_on=file.admit_on,
            door_exits=file.door_exits,
        )


@dataclass
class Session:
    settings: Settings
    client: EventtiaClient
    tokens: TokenStore
    account: str = ""
    gateway: Gateway | None = None
    clock: Callable[[], float] = field(default=time.time)
    venue: Venue | None = None  # venue mode (settings.shared_url)

    def open_gateway(self, account: str) -> Gateway:
        self.account = account
        if self.gateway is None or self.gateway.store.scope != CacheStore.scope_for(self.settings.api_url, account):
            if self.gateway is not None:
                self.gateway.cancel_watch()  # another account: the old gateway's header is gone
            store = CacheStore(self.settings.cache_dir, self.settings.api_url, account, clock=self.clock)
            self.gateway = Gateway(self.client, store, clock=self.clock)
            self.gateway.checks.settings = self.settings.reconcile
            if self.venue is not None:
                self.venue.attach(self.gateway, self.settings.state_dir)
        return self.gateway

    def outbox(self, scope: str) -> Outbox:
        """The writes waiting to be sent (`scope`: the gateway's): this machine's, in venue mode the venue's."""
        if self.venue is not None:
            return self.venue.outbox(self.settings.state_dir, scope)
        return Outbox(self.settings.state_dir, scope)

    async def login(self, email: str, password: str) -> Gateway:
        """Sign in; the token is kept (0600), the password never is."""
        token = await self.client.login(email.strip(), password)
        if not self.settings.demo:
            self.tokens.save(token, email.strip(), self.settings.api_url)
        return self.open_gateway(email.strip())

    def resume(self) -> Gateway | None:
        """The stored, unexpired token for this API, if any (TokenFileError if its file is unsafe)."""
        stored = self.tokens.load(self.settings.api_url)
        if stored is None or stored.is_expired:
            return None
        self.client.token = stored.token
        return self.open_gateway(stored.email)

    def token_left(self) -> float | None:
        """Seconds until the token in use ends (by this session's clock), None without a token or an end."""
        token = self.client.token
        return seconds_left(token, self.clock()) if token else None

    def ending_before_sync(self) -> str:
        """For the CLI's sync: a warning when the token ends within RENEW_BEFORE_SYNC ("" otherwise)."""
        left = self.token_left()
        if left is None or left > RENEW_BEFORE_SYNC:
            return ""
        return (f"the saved sign-in ends in {max(1, round(left / 60))} min, maybe before this sync finishes: set "
                "EVENTTIA_EMAIL and EVENTTIA_PASSWORD (a new sign-in each run) or sign in again in the app.")

    def known_account(self) -> str | None:
        """The account whose cache to read when we cannot (or need not) sign in: the demo's, EVENTTIA_EMAIL, or
        the stored token's."""
        if self.settings.demo:
            from .sandbox import DEMO_EMAIL  # the [demo] extra (FastAPI): a kiosk install has no sandbox

            return DEMO_EMAIL
        stored = self.tokens.load(self.settings.api_url)
        return os.environ.get("EVENTTIA_EMAIL") or (stored.email if stored else None)

    async def sign_in_from_env_or_token(self) -> Gateway:
        """For the CLI: EVENTTIA_EMAIL/EVENTTIA_PASSWORD, else the stored token."""
        if self.settings.demo:
            return await demo_login(self)
        email, password = os.environ.get("EVENTTIA_EMAIL"), os.environ.get("EVENTTIA_PASSWORD")
        if email and password:
            try:
                return await self.login(email, password)
            except Unavailable:
                resumed = self.resume()
                if resumed is not None:
                    return resumed
                raise
        resumed = self.resume()
        if resumed is None:
            raise NotSignedIn("Not signed in: set EVENTTIA_EMAIL and EVENTTIA_PASSWORD, or sign in once in the app.")
        return resumed

    async def close(self) -> None:
        if self.venue is not None:
            await self.venue.close()
        await self.client.aclose()
        if self.client.budget.cache is not None:
            self.client.budget.cache.close()
        if self.gateway is not None:
            await self.gateway.stop_watching()
            self.gateway.store.close()


def open_session(settings: Settings) -> Session:
    """CacheUnusable (an OSError) when the cache directory cannot be written; a damaged cache is set aside
    here, before anything reads it, and filled again from Eventtia. An older version's outbox and logs move
    from the cache directory to the state directory here too."""
    open_cache(settings.cache_dir, size_limit=CACHE_SIZE_LIMIT).close()
    private_dir(settings.state_dir)
    if moved := move_old_state(settings.cache_dir, settings.data_dir):
        log.info("moved %s from %s to %s", ", ".join(moved), settings.cache_dir, settings.state_dir)
    transport = None
    if settings.demo:
        from .sandbox import create_app

        transport = httpx.ASGITransport(app=create_app(settings.data_dir / "demo.sqlite3",
                                                       rate_limit=settings.rate_limit, max_page_size=DEMO_PAGE_SIZE))
    budget, venue = open_budget(settings), None
    if settings.shared_url:
        from .venue.mode import Venue  # only here: without venue mode, no Redis client is imported

        venue = Venue(settings.shared_url, settings.venue_key, settings.venue_machines, prefix=settings.venue_prefix,
                      scope=settings.api_url)
        venue.connect()  # down: this machine works on its own, and joins the venue once Redis answers
        budget = venue.budget(budget) if budget is not None else None
    client = EventtiaClient(settings.api_url, transport=transport, budget=budget)
    return Session(settings, client, TokenStore(settings.config_dir), venue=venue)


def open_budget(settings: Settings) -> RequestBudget | None:
    """One budget for every process using this cache directory (kiosks sharing a machine share the limit)."""
    if settings.rate_limit <= 0:
        return None
    try:
        shared = open_cache(settings.cache_dir / "budget")
    except CacheUnusable:
        shared = None  # this process keeps its own count; the cache's problem is reported where it is used
    return RequestBudget(settings.rate_limit, cache=shared, scope=settings.api_url)


async def demo_login(session: Session) -> Gateway:
    from .sandbox import DEMO_EMAIL, DEMO_PASSWORD

    try:
        return await session.login(DEMO_EMAIL, DEMO_PASSWORD)
    except AuthError as error:  # a demo database from another version: say so rather than fail obscurely
        raise NotSignedIn(f"The demo database refused the demo login ({error.message}). "
                          f"Delete {session.settings.data_dir / 'demo.sqlite3'} to reseed it.") from None
