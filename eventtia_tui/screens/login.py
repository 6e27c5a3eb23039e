"""Login: email + masked password; Enter submits; a wrong password says so inline."""

from __future__ import annotations

import os
from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Input, Label, Static

from eventtia_tui.api.errors import ApiError
from eventtia_tui.config import without_secrets

from .base import AppScreen
from .footer import AppFooter
from .formatting import clip, one_line


class LoginScreen(AppScreen):
    COVERS_EVENT = True  # signing in again over the event: no scan reaches the event meanwhile
    BINDINGS = [Binding("escape", "back", "Back / quit", id="login-back")]

    def __init__(self, message: str = "", resume: Callable[[], object] | None = None) -> None:
        super().__init__()
        self.initial_message = message
        self.resume = resume  # signing in again mid-session: go back to where we were, then call this

    def compose(self) -> ComposeResult:
        with Vertical(id="login-box"):
            yield Static("eventtia", id="login-title")
            yield Label(f"Sign in to {one_line(without_secrets(self.desk.settings.api_url), 100)}",
                        id="login-api", markup=False)
            yield Input(value=one_line(os.environ.get("EVENTTIA_EMAIL", ""), 200), placeholder="email", id="email")
            yield Input(placeholder="password", password=True, id="password")
            yield Static(clip(self.initial_message, 300), id="login-error", classes="error", markup=False)
            yield Button("Sign in", variant="primary", id="sign-in")
        yield AppFooter()

    def on_mount(self) -> None:
        super().on_mount()
        email = self.query_one("#email", Input)
        (self.query_one("#password", Input) if email.value else email).focus()

    def action_back(self) -> None:
        if self.resume is not None:
            self.dismiss()  # the write it was for was rolled back; the user chose not to sign in
        else:
            self.app.exit()

    @on(Input.Submitted, "#email")
    def next_field(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#sign-in")
    def submit(self) -> None:
        email = self.query_one("#email", Input).value.strip()
        password = self.query_one("#password", Input).value
        error = self.query_one("#login-error", Static)
        if "@" not in email or not password:
            error.update("Enter your Eventtia email and password.")
            return
        error.update("Signing in…")
        self.query_one("#sign-in", Button).disabled = True
        self.sign_in(email, password)

    @work(exclusive=True, group="login", exit_on_error=False)
    async def sign_in(self, email: str, password: str) -> None:
        try:
            await self.desk.sign_in(email, password)
        except ApiError as failure:
            self.query_one("#login-error", Static).update(clip(failure.message, 300))
            self.query_one("#sign-in", Button).disabled = False
            password_input = self.query_one("#password", Input)
            password_input.value = ""
            password_input.focus()
            return
        if self.resume is not None:
            self.dismiss()
            self.resume()
        else:
            self.desk.open_start_screen()
