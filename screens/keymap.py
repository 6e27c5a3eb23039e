"""The bindings a `[keymap]` section can rebind: every Binding with an id, on this app's screens and widgets."""

from __future__ import annotations

import importlib
import pkgutil

from textual.binding import Binding
from textual.dom import DOMNode


def known_bindings() -> dict[str, tuple[str, str]]:
    """Binding id -> (keys as shipped, "Screen: what it does"), for the app's own classes."""
    import screens
    from eventtia_tui.app import EventtiaApp

    for module in pkgutil.iter_modules(screens.__path__):
        importlib.import_module(f"screens.{module.name}")
    found: dict[str, tuple[str, str]] = {}
    for cls in [EventtiaApp, *subclasses(DOMNode)]:
        if not cls.__module__.startswith(("screens.", "eventtia_tui.")):
            continue
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding) and binding.id:
                found.setdefault(binding.id, (binding.key, f"{cls.__name__}: {binding.description or binding.action}"))
    return found


def subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *subclasses(sub)]
    return found


def unknown_ids(keymap: dict[str, str]) -> list[str]:
    known = known_bindings()
    return [binding_id for binding_id in keymap if binding_id not in known]


def key_label(app, binding_id: str, shipped: str) -> str:
    """The first key a binding has now, after the config file's [keymap], as a tab title writes it ('F4')."""
    settings = getattr(getattr(app, "session", None), "settings", None)
    keys = (getattr(settings, "keymap", None) or {}).get(binding_id, shipped)
    key = keys.split(",")[0].strip()
    return key.upper() if len(key) <= 3 else app.get_key_display(Binding(key, ""))
