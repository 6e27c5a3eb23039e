"""The bindings a `[keymap]` section can rebind: every Binding with an id, on this app's screens and widgets."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import _normalize_key_list
from textual.markup import escape

from eventtia_tui.text import shown

# Keys Textual itself answers on every screen: a binding moved onto one would never run, or would stop them.
TEXTUAL_KEYS = {"ctrl+c": "Ctrl+C (copy, and the hint that Ctrl+Q quits)"}


def app_classes(app_class: type[App]) -> list[type]:
    """The app and every screen and widget class of its own. Every module of eventtia_tui/screens/ is loaded by
    name, so a screen no other module imports yet still has its bindings checked."""
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        importlib.import_module(f"{__package__}.{module.name}")
    return [cls for cls in [app_class, *subclasses(DOMNode)] if cls.__module__.startswith("eventtia_tui.")]


def known_bindings(app_class: type[App]) -> dict[str, tuple[str, str]]:
    """Binding id -> (keys as shipped, "Screen: what it does"), for the app's own classes."""
    found: dict[str, tuple[str, str]] = {}
    for cls in app_classes(app_class):
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                found.setdefault(binding.id, (binding.key, f"{cls.__name__}: {binding.description or binding.action}"))
    return found


def subclasses(cls: type) -> list[type]:
    found: list[type] = []
    sub: type
    for sub in cls.__subclasses__():
        found += [sub, *subclasses(sub)]
    return found


def unknown_ids(keymap: dict[str, str], app_class: type[App]) -> list[str]:
    known = known_bindings(app_class)
    return [binding_id for binding_id in keymap if binding_id not in known]


def keymap_conflicts(keymap: dict[str, str], app_class: type[App]) -> list[str]:
    """What a [keymap] would make a key do twice, one sentence each: a key moved onto another binding of the same
    screen or dialog (`confirm-yes = "n"` shadows the dialog's No), onto one of the app's keys that work on every
    screen (`sync = "ctrl+q"` would hide Sync or Quit), or onto Ctrl+C. Conflicts the app ships with (Help's `?`
    closing help) are not the keymap's doing and are not reported."""
    if not keymap:
        return []

    def split(keys: str) -> list[str]:
        return [key.lower() for key in _normalize_key_list(keys).split(",") if key]

    moved: set[tuple[str, str]] = set()  # (key, binding id): a key the keymap gave a binding

    def keyed(cls: type) -> list[tuple[str, str, str]]:
        """(key, binding id, its keys as written) for each key of each binding `cls` declares."""
        found = []
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding):
                name = binding.id or binding.action
                keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
                found += [(key, name, keys) for key in split(keys)]
                moved.update((key, name) for key in set(split(keys)) - set(split(binding.key)))
        return found

    textual = [(key, key, key) for key in TEXTUAL_KEYS]
    everywhere = keyed(app_class) + textual
    problems: dict[str, None] = {}
    for cls in app_classes(app_class):
        bound = keyed(cls) + (textual if cls is app_class else everywhere)
        by_key: dict[str, dict[tuple[str, str], None]] = {}
        for key, name, written in bound:
            by_key.setdefault(key, {})[name, written] = None
        for key, names in by_key.items():
            rebound = next(((name, written) for name, written in names if (key, name) in moved), None)
            if rebound is None or len({name for name, _ in names}) < 2:
                continue
            other = next((name, written) for name, written in names if name != rebound[0])
            where = TEXTUAL_KEYS.get(key) or f"{other[0]} = {shown(other[1], 40)!r}"
            problems[f"[keymap] {shown(rebound[0], 60)} = {shown(rebound[1], 40)!r} clashes with {where} on "
                     f"{cls.__name__}: {key} would do only one of them"] = None
    return list(problems)


def key_label(app: App[Any], keymap: dict[str, str], binding_id: str, shipped: str) -> str:
    """The first key a binding has now, after the config file's [keymap], as a title or a button writes it
    ('F4', 'Y'); markup-safe."""
    keys = keymap.get(binding_id, shipped)
    key = keys.split(",")[0].strip()
    return escape(shown(key.upper() if len(key) <= 3 else app.get_key_display(Binding(key, "")), 20))
