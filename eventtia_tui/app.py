"""The Textual app: wires the session (client + gateway) into the screens."""

from __future__ import annotations

import argparse
import inspect
import logging
import os
import sys
import time
import traceback
from collections import deque
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.actions import parse as parse_action
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.dom import DOMNode
from textual.markup import MarkupError

from . import export
from .actions import Action, ActionRunner, AuditLog, Outcome, ReplayReport, State
from .api.budget import RequestBudget
from .api.errors import ApiError
from .api.tokens import TokenFileError
from .collector import Collector, return_big_blocks
from .config import ConfigError, save_theme
from .desk import Desk
from .export import ExportError, default_name
from .gateway import Connection, Gateway
from .kiosk import KioskPolicy
from .screens.attendee_card import AttendeeCardScreen
from .screens.confirm import ConfirmScreen
from .screens.event_picker import EventPickerScreen
from .screens.event_screen import EventScreen
from .screens.export_dialog import ExportDialog
from .screens.exporting import export_table, shared_attendee
from .screens.formatting import one_line
from .screens.help import HelpScreen, keys_of, screen_title
from .screens.keymap import keymap_conflicts, unknown_ids
from .screens.login import LoginScreen
from .screens.messages import AdmissionsArrived, ConnectionChanged, DataChanged
from .screens.palette import Later, ScreenCommands
from .screens.scan_gate import ScanGate
from .session import RENEW_BEFORE_SYNC, NotSignedIn, Session, Settings, demo_login, open_session
from .store.ledger import ADMITTED, Admission, Ledger, LedgerError
from .terminal import HANGUP_EXIT, NO_TERMINAL, exit_on_hang_up, has_terminal, textual_drives_a_terminal
from .text import clean_text, shown
from .textual_private import GuardedApp, use_escape_key_parser
from .undo import Severity, UndoDesk, quit_question
from .verdict import ScanEntry, Verdict

if TYPE_CHECKING:
    from .venue.mode import Venue  # only for typing: without venue mode no Redis client is imported

SCAN_LOG_SIZE = 500
SIGN_IN_QUIET = 300.0  # after Esc on the sign-in screen, only a person's own request asks again for this long
logger = logging.getLogger(__name__)
logger.addHandler(logging.NullHandler())  # written only with --log, never to the terminal


def assets_dir() -> Path:
    """assets/ ships inside the package in a wheel; in a source checkout it sits beside it."""
    packaged = Path(__file__).parent / "assets"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "assets"


class EventtiaApp(GuardedApp):
    TITLE = "eventtia"
    COMMANDS = App.COMMANDS | {ScreenCommands}
    CSS_PATH = [str(path) for path in sorted(assets_dir().glob("*.tcss"))]
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
        Binding("ctrl+z", "undo", "Undo", id="undo", show=False, priority=True),
        # Priority, or a modal screen (the card) would never see them; a text box still gets `?`, `@` and `#`
        # typed, as Textual leaves out the bindings of keys the focused box takes. F12 is the help key every
        # footer names: no text box takes it (F1-F5 are the event's tabs), so it works while typing too.
        Binding("f12", "help", "Help", id="help", priority=True),
        Binding("question_mark", "help", "Help", id="help-question", show=False, priority=True),
        Binding("ctrl+t", "export", "Export", id="export", show=False, priority=True),
        Binding("at", "copy('email')", "Copy email", id="copy-email", show=False, priority=True),
        Binding("number_sign", "copy('qr')", "Copy QR text", id="copy-qr", show=False, priority=True),
    ]

    def __init__(self, session: Session, *, kiosk: bool = False, event_uri: str | None = None,
                 cursor_blink: bool = True) -> None:
        super().__init__()
        self.session = session
        self.kiosk = KioskPolicy() if kiosk else None  # what a kiosk may do (eventtia_tui/kiosk.py); None: all
        self.start_event = event_uri
        self.clock = session.clock
        self.cursor_blink = cursor_blink
        self.crash_message = ""
        self.gateway: Gateway | None = None
        self.runner: ActionRunner | None = None
        self.undo = UndoDesk(self)  # Ctrl+Z: the last cancellation or activity removal
        self.scan_log: deque[ScanEntry] = deque(maxlen=SCAN_LOG_SIZE)  # this session's scans, newest last
        self.ledger = Ledger(session.settings.state_dir)  # every admission at this event, kept on disk
        self.modal_closed_at = 0.0  # when a card or dialog last closed (EventScreen.esc_meant_for_a_card)
        self.scan_bell = session.settings.scan_bell
        self.scan_gate = ScanGate(self, session.settings.scanner)
        self.collector = Collector()  # started by run_tui: a test process runs hundreds of apps
        self.after_sign_in: list[Callable[[], object]] = []  # asked again once signed in again (a 401 met them)
        self.renewal_asked = ""  # the token a sync last asked to renew (asked once per token)
        self.sign_in_put_off_at: float | None = None  # when Esc last put off signing in again

    async def on_event(self, event: events.Event) -> None:
        # Every key on an event's screens goes through the scanner gate first (eventtia_tui/screens/scan_gate.py).
        if isinstance(event, events.Key) and not event.is_forwarded and self.scan_gate.active():
            await self.scan_gate.key(event)
            return
        if isinstance(event, events.Paste):  # a paste can carry control characters: shown as harmless stand-ins
            event.text = clean_text(event.text)
        await super().on_event(event)

    def scan_recorded(self, scanned: str, verdict: Verdict, name: str = "", where: str = "desk",
                      attendee_id: str = "") -> ScanEntry:
        """A scan's verdict is on screen: keep it for the recent-scans list; ring for a problem."""
        entry = ScanEntry(self.clock(), scanned, verdict, name, where, attendee_id)
        self.scan_log.append(entry)
        if verdict.problem and self.scan_bell:
            self.bell()
        return entry

    def scan_settled(self, entry: ScanEntry, verdict: Verdict) -> ScanEntry:
        """A scan recorded while its verdict was CHECKING… has its final verdict (or a supervisor re-admitted it):
        the list shows that one. The entry as it is now kept."""
        settled = replace(entry, verdict=verdict)
        for position, logged in enumerate(self.scan_log):
            if logged is entry:
                self.scan_log[position] = settled
        if verdict.problem and self.scan_bell:
            self.bell()
        return settled

    def admit(self, event: str, attendee_id: str, verdict: Verdict, *, badge: str = "", place: str = "",
              kind: str = ADMITTED, by: str = "", door: str = "") -> Admission | None:
        """Record an admission in the ledger (at `place`, else this machine's; `door`: the activity's id at its
        door); None, said, when it can't be."""
        try:
            return self.ledger.admit(event=event, attendee=attendee_id, place=place or self.settings.admission_place,
                                     at=self.clock(), verdict=verdict.words, badge=badge, kind=kind, by=by,
                                     door=door)
        except LedgerError as error:
            self.notify(f"This admission could not be recorded: {error}.", severity="error", timeout=15)
            return None

    def action_help(self) -> None:
        self.push_screen(HelpScreen(screen_title(self.screen), keys_of(self.screen)))

    @work(exclusive=True, group="export", exit_on_error=False)
    async def action_export(self) -> None:
        table = await export_table(self.screen) if self.gateway is not None else "Sign in first."
        if isinstance(table, str):
            self.notify(table, severity="warning")
            return
        event_screen = self.scan_gate.event_screen()
        uri = (event_screen.uri if event_screen is not None else "") or "eventtia"
        stamp = self.clock()

        def written(path: Path | None) -> None:
            if path is not None:
                self.notify(f"Exported {len(table):,} rows ({table.title}) to {path}.", timeout=10)

        settings = self.session.settings
        place = export.export_place(settings.export_dir, settings.data_dir)
        self.push_screen(ExportDialog(table, place, lambda fmt: default_name(uri, table, fmt, stamp)), written)

    def allows(self, node, action: str, parameters: tuple[object, ...] = ()) -> bool:
        """Whether `action` may run on `node` here: everything, except on a kiosk what its policy allows."""
        return self.kiosk is None or self.kiosk.allows(node, action, parameters)

    def allows_callback(self, callback: Callable) -> bool:
        """For a palette command: a kiosk runs only one that names its action (a node's `action_…` method, or
        screens.palette.later) and that action is allowed; anything else is not offered there."""
        if self.kiosk is None:
            return True
        if isinstance(callback, Later):
            namespace, name, parameters = parse_action(callback.action)
            return not namespace and self.allows(callback.node, name, parameters)
        if not inspect.ismethod(callback):
            return False
        name = callback.__name__
        return name.startswith("action_") and self.allows(callback.__self__, name.removeprefix("action_"))

    async def run_action(self, action, default_namespace=None, namespaces=None) -> bool:
        # Every key, click and `run_action` passes here; a refused action does nothing (the key goes on as if
        # unbound, so `@` is still typed in a box) and is not shown (action_shown).
        target, name, parameters = self.parse_action(action, self if default_namespace is None else default_namespace,
                                                     namespaces)
        if not self.allows(target, name, parameters):
            return False
        return await super().run_action(action, default_namespace, namespaces)

    def action_shown(self, target: DOMNode, name: str, parameters: tuple[object, ...]) -> bool:
        """What the footer, the help screen and the palette's key list ask: a refused action is not shown."""
        return self.allows(target, name, parameters)

    def get_system_commands(self, screen) -> Iterable[SystemCommand]:
        """Textual's own palette commands (Theme, Screenshot…), as the kiosk policy allows. Not its "Keys" (a
        generic key panel): the palette's "Keys and help" is the app's help (screens/palette.py)."""
        generic_keys = (self.action_show_help_panel, self.action_hide_help_panel)
        return [command for command in super().get_system_commands(screen)
                if command.callback not in generic_keys and self.allows_callback(command.callback)]

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """The palette's Screenshot: an SVG in the export folder (made when missing), written as an export is."""
        settings = self.session.settings
        place = export.export_place(settings.export_dir, settings.data_dir)
        name = filename or f"eventtia-screenshot-{time.strftime('%Y%m%d-%H%M%S')}.svg"
        try:
            written = place.write(place.folder / name, self.export_screenshot())
        except ExportError as error:
            self.notify(str(error), title="Screenshot", severity="error")
            return None
        self.notify(f"Screenshot saved to {written}.", title="Screenshot")
        return str(written)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy":
            return shared_attendee(self.screen) is not None
        if action in ("help", "export"):  # on help itself `?` closes it; a dialog is no screen to export
            return type(self.screen).__name__ not in ("HelpScreen", "ExportDialog")
        return True

    def action_copy(self, what: str) -> None:
        """The highlighted attendee's email or QR text to the clipboard (OSC 52: the terminal must allow it)."""
        person = shared_attendee(self.screen)
        value = (person.email if what == "email" else person.qr_code) if person else ""
        if person is None or not value:
            self.notify("Nothing to copy: this attendee has no " + ("email." if what == "email" else "QR text."),
                        severity="warning")
            return
        self.copy_to_clipboard(value)
        label = "email" if what == "email" else "QR text"
        self.notify(f"Copied {one_line(person.name, 40)}'s {label} to the clipboard: {one_line(value, 80)} "
                    "(if your terminal allows programs to set it)")

    def on_mount(self) -> None:
        self.apply_preferences()
        if said := self.ledger.said_at_start():
            self.notify(said, severity="error" if self.ledger.problem else "warning", timeout=15)
        self.run_worker(self.start(), exclusive=True, group="start")
        self.set_interval(30, lambda: self.collector.when_quiet(self.scan_gate.last_time))

    def screens_settled(self) -> None:
        """The event's screens and its attendees are up: what is alive now lives long (eventtia_tui/collector.py).
        Once the frame that shows them has been written."""
        if self.collector.started and self.collector.frozen_at is None:
            self.collector.frozen_at = 0.0
            self.call_after_refresh(self.collector.freeze)

    def apply_preferences(self) -> None:
        """The config file's keymap and theme; a theme picked in the palette is written back to the file."""
        settings = self.session.settings
        if settings.keymap:
            self.set_keymap(settings.keymap)
            if unknown := unknown_ids(settings.keymap, type(self)):
                self.notify(f"[keymap] has no binding called {', '.join(unknown)} (eventtia-tui config --keys lists "
                            "them).", severity="warning", timeout=10)
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        else:
            self.notify(f"No theme called {settings.theme!r}: using {self.theme}.", severity="warning", timeout=10)
            settings.theme = self.theme

        def remember(theme) -> None:
            if settings.config_file is not None and theme.name != settings.theme:
                settings.theme = theme.name
                try:
                    save_theme(settings.config_file, theme.name)
                except OSError as error:
                    self.notify(f"The theme could not be saved in {settings.config_file}: {error.strerror}",
                                severity="warning")
                except ConfigError as error:
                    self.notify(f"{error}", severity="warning")

        self.theme_changed_signal.subscribe(self, remember)

    async def start(self) -> None:
        """Sign in (demo, stored token, or the login screen), then open the picker or the given event."""
        try:
            if self.session.settings.demo:
                self.use_gateway(await demo_login(self.session))
            else:
                gateway = self.session.resume()
                if gateway is None:
                    self.show_login()
                    return
                self.use_gateway(gateway)
        except (NotSignedIn, TokenFileError) as error:
            self.show_login(str(error))
            return
        except ApiError as error:
            self.show_login(error.message)
            return
        self.open_start_screen()

    def sign_in_needed(self, message: str, quiet: bool = False) -> None:
        """A 401 anywhere (a scan's lookup, a sync, the connection's probe, a write): the sign-in screen over the
        current one, once. What was typed stays where it is, and the writes waiting stay in the outbox; signed
        in again, the outbox is sent and what met the 401 is asked again (`when_signed_in`). `quiet`: any call's
        401 (the gateway's), which does not ask again within SIGN_IN_QUIET of an Esc there (the connection's
        probe, a sync, a pane's refresh would every few seconds); a scan, a lookup or a write does."""
        if any(isinstance(screen, LoginScreen) for screen in self.screen_stack):
            return  # asking already (or not signed in at all yet)
        put_off = self.sign_in_put_off_at
        if quiet and put_off is not None and self.clock() - put_off < SIGN_IN_QUIET:
            return
        self.show_login(f"{message} Sign in again to go on: what you typed and the changes waiting are kept.",
                        resume=self.signed_in_again)

    def show_login(self, message: str = "", resume: Callable[[], object] | None = None) -> None:
        """The login screen; with `resume`, it signs in again over the current screen and then calls it (Esc
        there puts it off: see sign_in_needed)."""
        if resume is None:
            self.push_screen(LoginScreen(message))
            return
        token = self.session.client.token

        def closed(_: object) -> None:
            if self.session.client.token == token:  # not signed in again: put off
                self.sign_in_put_off_at = self.clock()

        self.push_screen(LoginScreen(message, resume=resume), closed)

    def when_signed_in(self, retry: Callable[[], object], ask: str = "") -> None:
        """Ask again once signed in again: a read that met a 401 (a scan's lookup, a sync). `ask`: a person's own
        request met it (its message): the sign-in screen opens even just after an Esc there."""
        self.after_sign_in.append(retry)
        if ask:
            self.sign_in_needed(ask)

    def signed_in_again(self) -> None:
        retries, self.after_sign_in = self.after_sign_in, []
        self.replay_outbox()
        for retry in retries:
            retry()

    def renew_before_sync(self) -> None:
        """Before a sync: a token ending within RENEW_BEFORE_SYNC asks to sign in again now (once per token), over
        the current screen; the sync goes on meanwhile, and its later pages go with the new token."""
        token, left = self.session.client.token, self.session.token_left()
        if left is None or left > RENEW_BEFORE_SYNC or token == self.renewal_asked:
            return
        self.renewal_asked = token or ""
        if left <= 0 or any(isinstance(screen, LoginScreen) for screen in self.screen_stack):
            return  # ended already: its first 401 asks
        self.show_login(f"Your sign-in ends in {max(1, round(left / 60))} min: sign in again now to renew it, so "
                        "the sync is not cut off (Esc goes on without).", resume=self.signed_in_again)

    def use_gateway(self, gateway: Gateway) -> None:
        if gateway is self.gateway and self.runner is not None:
            return  # signed in again to the same account: the same writes in flight, the same outbox
        if self.runner is not None:  # another account: the old runner stops sending (a replay under way ends)
            self.run_worker(self.runner.stop_sending(), group="replay", exit_on_error=False)
        self.gateway = gateway
        gateway.on_sign_in = lambda message: self.sign_in_needed(message, quiet=True)
        gateway.on_connection = self.connection_changed
        gateway.on_change = self.data_changed
        gateway.watch_connection()  # the header shows "offline" within seconds, not at the next sync
        # The outbox: this machine's, or in venue mode the venue's (Session.outbox).
        self.runner = ActionRunner(gateway, self.session.outbox(gateway.store.scope),
                                   AuditLog(self.session.settings.state_dir, self.session.account, self.clock),
                                   on_sent=self.undo.sent)
        self.replay_outbox()
        self.runner.start_sending(self.replayed)  # by itself: when the (venue's) outbox changes, on a short timer

    def connection_changed(self, connection: Connection) -> None:
        for screen in self.screen_stack:
            screen.post_message(ConnectionChanged(connection))
        if connection.online:
            self.replay_outbox()

    def data_changed(self, uri: str) -> None:
        for screen in self.screen_stack:
            screen.post_message(DataChanged(uri))

    @work(group="replay", exit_on_error=False)  # never exclusive: a replay cut off mid-send strands its write
    async def replay_outbox(self) -> None:
        if self.runner is None:
            return
        if not await self.runner.count_queued():
            return
        self.replayed(await self.runner.replay())

    def replayed(self, report: ReplayReport) -> None:
        """What a replay did, said once: landed writes named, refusals and conflicts pointed at the outbox."""
        if report.sign_in:
            self.sign_in_needed(report.sign_in, quiet=True)
        if report.landed:  # each named, with what the app had been doing with it (held, sending, queued)
            self.notify(report.said(), timeout=15)
        for failure in report.failed:
            self.notify(f"Eventtia refused a saved change — {failure}. See the outbox (Ctrl+O).",
                        severity="error", timeout=15)
        for conflict in report.conflicts:
            self.notify(f"A saved change needs you — {conflict} See the outbox (Ctrl+O).",
                        severity="warning", timeout=15)

    @property
    def reads(self) -> Gateway:
        if self.gateway is None:
            raise NotSignedIn("Not signed in yet.")
        return self.gateway

    @property
    def settings(self) -> Settings:
        return self.session.settings

    @property
    def venue(self) -> Venue | None:
        return self.session.venue

    @property
    def budget(self) -> RequestBudget:
        return self.session.client.budget

    def run_in_background(self, work: Coroutine[Any, Any, None], group: str) -> None:
        """A write's worker: never exclusive (a newer key press must not cancel it), its error reported."""
        self.run_worker(work, group=group, exit_on_error=False)

    def ask(self, question: str, yes: str, no: str, answered: Callable[[bool | None], None]) -> None:
        self.push_screen(ConfirmScreen(question, yes, no=no), answered)

    def perform(self, action: Action, *, on_applied: Callable[[], None] | None = None,
                on_refused: Callable[[Outcome], None] | None = None) -> None:
        """Run a write in its own worker: a newer key press never cancels a write in flight."""
        self.run_worker(self._perform(action, on_applied, on_refused), group="actions", exit_on_error=False)

    async def _perform(self, action: Action, on_applied: Callable[[], None] | None,
                       on_refused: Callable[[Outcome], None] | None) -> None:
        if self.runner is None:
            raise NotSignedIn("Not signed in yet.")
        self.report(action, await self.runner.run(action, on_applied), on_applied, on_refused)

    def report(self, action: Action, outcome: Outcome, on_applied: Callable[[], None] | None = None,
               on_refused: Callable[[Outcome], None] | None = None) -> None:
        """Say how a write ended: done, queued, refused (to the form that sent it), or sign in again."""
        if outcome.state is State.DONE:
            if outcome.message:  # done on Eventtia, but this machine's copy could not be saved
                self.notify(f"{action.summary()} — done. {outcome.message}", severity="warning", timeout=10)
            else:
                self.notify(f"{action.summary()} — done.")
        elif outcome.state is State.QUEUED:
            self.notify(f"{action.summary()} — {outcome.message}", severity="warning", timeout=8)
        elif outcome.state is State.SIGN_IN:  # kept in the outbox, shown as waiting: sent once signed in again
            self.notify(f"{action.summary()} — saved, and sent once you sign in again.", severity="warning")
            self.sign_in_needed(outcome.message)  # a person's write: asks even after an Esc
        else:
            if outcome.state is State.FAILED or on_refused is None:  # a form shows its own field errors
                self.notify(outcome.message, title=action.summary(), severity="error", timeout=10)
            if on_refused is not None:
                on_refused(outcome)

    async def action_undo(self) -> None:
        """Ctrl+Z on a card takes back that person's write; anywhere else, the newest."""
        card = self.screen if isinstance(self.screen, AttendeeCardScreen) else None
        await self.undo.undo(card.record.id if card else None)
        if card is not None:
            card.show_held()

    async def action_quit(self) -> None:
        """Quitting with writes not on Eventtia yet asks first and says how many."""
        queued = await self.runner.count_queued() if self.runner else 0
        held = self.runner.held_count() if self.runner else 0  # after that wait: a hold just begun is counted
        if not held and not queued:
            self.exit()
            return
        if isinstance(self.screen, ConfirmScreen) and self.screen.quitting:
            return  # already asking

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(self.quit_after_held(), group="quit", exit_on_error=False)

        question = ConfirmScreen(quit_question(held, queued), "Quit")
        question.quitting = True
        self.push_screen(question, answered)

    async def quit_after_held(self) -> None:
        await self.undo.send_all_held()
        self.exit()

    def notify(self, message: str, *, title: str = "", severity: Severity = "information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Toasts carry names and Eventtia's own messages: always plain text, never markup (`[/]` in a name
        would raise, `attendee[email]` would lose its brackets). Widget.notify passes markup=True by default,
        so the flag is not honoured — except for Textual's own toasts (Ctrl+C's `Press [b]ctrl+q[/b]…`, a
        screenshot's path), whose markup is read into plain text rather than shown raw. Then cleaned by the
        one rule (eventtia_tui.text.shown) and clipped for the toast."""
        if severity == "error":  # the opt-in log (--log) keeps what the desk was told went wrong
            logger.error("%s%s", f"{title}: " if title else "", message)
        if from_textual(sys._getframe(1)):
            try:
                message = Content.from_markup(message).plain
            except MarkupError:  # not markup after all (a path with brackets): shown as it is
                pass
        super().notify(shown(message, 300, multiline=True), title=shown(title, 120), severity=severity,
                       timeout=timeout, markup=False)

    def open_start_screen(self) -> None:
        if self.kiosk or self.start_event:
            screen: EventScreen | EventPickerScreen = EventScreen(self.start_event or "", self.start_event or "")
            self.follow_admissions(self.start_event or "")
        else:
            screen = EventPickerScreen(select="demo-expo" if self.session.settings.demo else None)
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)  # the login screen gives way
        else:
            self.push_screen(screen)

    def open_event(self, uri: str, name: str = "") -> None:
        self.follow_admissions(uri)
        self.push_screen(EventScreen(uri, name or uri))

    def follow_admissions(self, uri: str) -> None:
        """In venue mode, the event's admissions at every machine reach this ledger (venue/admissions.py)."""
        if self.venue is not None and uri:
            self.venue.follow(uri, self.admissions_taken_in)

    def admissions_taken_in(self, admissions: list[Admission]) -> None:
        """From the venue's reader thread: the screens showing these events count and list them again."""
        try:
            self.call_from_thread(self.admissions_arrived, sorted({a.event for a in admissions}))
        except RuntimeError:  # the app is not running (closing): nothing is shown any more
            pass

    def admissions_arrived(self, uris: list[str]) -> None:
        for screen in self.screen_stack:
            for uri in uris:
                screen.post_message(AdmissionsArrived(uri))

    async def sign_in(self, email: str, password: str) -> None:
        """Called by the login screen's worker; raises ApiError with a message to show."""
        self.use_gateway(await self.session.login(email, password))

    async def on_unmount(self) -> None:
        if self.runner is not None:
            await self.runner.stop_sending()
        await self.session.close()

    def unexpected_error(self, error: Exception) -> None:
        """An unexpected error: the traceback goes to a file, the terminal gets one plain sentence."""
        if self.is_headless:  # tests: let the test framework see it
            super().unexpected_error(error)
            return
        logger.error("unexpected error", exc_info=error)
        path = self.session.settings.state_dir / "crash.log"
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # It quotes attendees' data: readable by this user only, whatever the umask.
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a", encoding="utf-8") as log:
                log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
                log.write("".join(traceback.format_exception(error)))
        except OSError:
            written = False
        else:
            written = True
        self.crash_message = (f"eventtia-tui stopped after an unexpected error ({type(error).__name__}). "
                              f"{'Details are in ' + str(path) + '. ' if written else ''}Nothing typed was sent twice; "
                              "queued changes are kept in the outbox. Start it again to go on.")
        self.exit(return_code=1)


def from_textual(frame) -> bool:
    """Whether a notify call comes from Textual's own code (Widget.notify only passes a screen's call on)."""
    while frame is not None and frame.f_code.co_name == "notify":
        frame = frame.f_back
    return frame is not None and frame.f_globals.get("__name__", "").startswith("textual.")


def run_tui(args: argparse.Namespace, settings: Settings) -> int:
    if args.kiosk and not args.event:
        print("error: --kiosk needs --event EVENT_URI (the event the kiosk serves)", file=sys.stderr)
        return 2
    # The check applies to a terminal driver only: under `textual serve` the app talks to the page over pipes.
    if textual_drives_a_terminal() and not has_terminal():
        print(NO_TERMINAL, file=sys.stderr)
        return 2
    # A key that would lie is refused before the app starts.
    if conflicts := keymap_conflicts(settings.keymap, EventtiaApp):
        raise ConfigError("; ".join(conflicts))
    try:
        session = open_session(settings)
    except OSError as error:  # the cache directory cannot be written (gateway.store.CacheUnusable)
        print(f"error: {shown(error, 2000)}", file=sys.stderr)
        return 1
    app = EventtiaApp(session, kiosk=args.kiosk, event_uri=args.event)
    app.collector.start()
    return_big_blocks()
    use_escape_key_parser()  # a scan right after Esc keeps its first key, and the Esc
    with exit_on_hang_up(app) as hang_up:
        app.run()
    if hang_up.hung_up.is_set():
        return HANGUP_EXIT  # nobody is left to read a message
    if app.crash_message:
        print(shown(app.crash_message, 2000), file=sys.stderr)
    return app.return_code or 0


DESK_CLASS: type[Desk] = EventtiaApp  # what the screens get as `self.desk`: mypy checks here that the app is a Desk
