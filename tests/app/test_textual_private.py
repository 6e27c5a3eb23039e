"""Textual's private API is used in one module (eventtia_tui/textual_private.py), for the versions it was tested
with: a textual at or above the bound, or one missing a name that module uses, fails here first."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from textual import _parser, _xterm_parser
from textual.app import App
from textual.drivers import linux_driver
from textual.screen import Screen
from textual.widgets import Input, _footer

from eventtia_tui.textual_private import TEXTUAL_AT_LEAST, TEXTUAL_BELOW, textual_version

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_installed_textual_is_one_the_private_api_was_tested_with():
    assert TEXTUAL_AT_LEAST <= textual_version() < TEXTUAL_BELOW, (
        f"textual {textual_version()} is outside the tested {TEXTUAL_AT_LEAST}..<{TEXTUAL_BELOW}: check every name in "
        "eventtia_tui/textual_private.py against it, then raise TEXTUAL_BELOW and pyproject's bound together")


def test_pyproject_caps_textual_at_the_tested_bound():
    dependencies = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    [textual] = [Requirement(line) for line in dependencies if Requirement(line).name == "textual"]
    dotted = ".".join
    assert {(spec.operator, spec.version) for spec in textual.specifier} == {
        (">=", dotted(map(str, TEXTUAL_AT_LEAST))), ("<", dotted(map(str, TEXTUAL_BELOW)))}


async def test_every_private_name_the_module_uses_is_there():
    for owner, names in [(App, ["_parse_action", "_check_action_state", "_handle_exception"]),
                         (Screen, ["_on_idle", "_on_timer_update", "_modal_binding_chain", "_binding_chain"]),
                         (Input, ["_watch_value"]),
                         (_xterm_parser.XTermParser, ["feed"]),
                         (_parser, ["ParseTimeout"]),
                         (linux_driver, ["XTermParser"]),
                         (_footer, ["FooterKey"])]:
        assert all(hasattr(owner, name) for name in names), (owner, [n for n in names if not hasattr(owner, n)])
    app = App()
    async with app.run_test():
        screen = app.screen
        names = ["_layout_required", "_scroll_required", "_repaint_required", "_dirty_widgets", "_compositor",
                 "_recompose_required"]
        assert all(hasattr(screen, name) for name in names), [n for n in names if not hasattr(screen, n)]
        assert hasattr(screen._compositor, "visible_widgets")
        assert hasattr(app, "_batch_count") and hasattr(app._message_queue, "values")
    parser = _xterm_parser.XTermParser()
    assert all(hasattr(parser, name) for name in ("_timeout_time", "_awaiting", "_gen"))
