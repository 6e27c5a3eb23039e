"""`eventtia-tui config`: where the config file is, the settings in force and where each came from. No secret.

Every value, key, path and origin is printed through eventtia_tui.text.shown (the one rule for the terminal):
a `[keymap]` id or a path holding `ESC ] 0 ;` shows as `␛]0;`, never as a title change."""

from __future__ import annotations

import os
from pathlib import Path

from . import config
from .app import EventtiaApp
from .export import export_place
from .screens.keymap import keymap_conflicts, known_bindings, unknown_ids
from .session import Settings
from .text import shown

VALUE_WIDTH = 200  # cells of one value at most: a row of `config` is a few hundred bytes whatever the file holds

EXAMPLE = """\
# {path}
api_url = "https://connect.eventtia.com/api/v3"
theme = "nord"            # the command palette's "Change theme" writes this line
undo_window = {undo_window:<12g}# seconds

[keymap]                  # binding id = keys (eventtia-tui config --keys lists the ids)
sync = "f9"

[scanner]
suffix = "{scanner.suffix}"           # enter, tab or none: `eventtia-tui scanner-test` shows what yours sends
key_isolation = {scanner.key_isolation:g}
"""


def show_config(settings: Settings, *, keys: bool = False) -> int:
    if keys:
        return show_keys(settings)
    path = settings.config_file or config.config_file()
    print(f"Config file: {shown(path, VALUE_WIDTH)} ({'found' if path.is_file() else 'not there: defaults in force'})")
    print()
    rows = [
        ("api_url", config.without_secrets(settings.api_url), "--demo" if settings.demo else None),
        ("cache_dir", settings.cache_dir, None),
        ("data_dir", settings.data_dir, None),
        ("state (outbox, logs)", settings.state_dir, "data_dir/state"),
        ("rate_limit", settings.rate_limit, None),
        ("theme", settings.theme, None),
        ("undo_window", f"{settings.undo_window:g}", None),
        ("scan_bell", "on" if settings.scan_bell else "off", None),
        ("log", settings.log or "off", None),
        ("place", settings.admission_place, None if settings.place else "the host name"),
        ("admit_on", settings.admit_on, None),
        ("door_exits", "on (F6 on a roster scans out)" if settings.door_exits else "off", None),
        ("shared_url", config.without_secrets(settings.shared_url) if settings.shared_url else "off (no venue mode)",
         None),
        ("venue_key", ("set" if settings.venue_key else "not set") if settings.shared_url else "-", None),
    ]
    rows.append(("export_dir", export_place(settings.export_dir, settings.data_dir).folder, None))
    rows += [(f"scanner.{name}", value, None) for name, value in settings.scanner.model_dump().items()]
    rows += [(f"reconcile.{name}", value, None) for name, value in settings.reconcile.model_dump().items()]
    rows += [(f"keymap.{binding}", keys_, None) for binding, keys_ in sorted(settings.keymap.items())]
    origins = dict(settings.origins, api_url=settings.origins.get("api_url", "default"))
    for key, value, origin in rows:
        where = origin or origins.get(key, "default")
        print(f"  {shown(key, 60):<22} {shown(value, VALUE_WIDTH):<50} {shown(where.replace('flag', 'command line'), 60)}")
    if not settings.keymap:
        print(f"  {'keymap':<22} {'(none: every key as shipped)':<50} default")
    else:
        for binding in unknown_ids(settings.keymap, EventtiaApp):
            print(f"  warning: [keymap] {shown(binding, 60)}: no binding has this id (`eventtia-tui config --keys`)")
        for conflict in keymap_conflicts(settings.keymap, EventtiaApp):
            print(f"  error: {conflict} (the app refuses to start)")
    print()
    token_file = Path(settings.config_dir or config.config_dir()) / "token.json"
    print("Sign-in:")
    print(f"  {'EVENTTIA_EMAIL':<22} {shown(os.environ.get('EVENTTIA_EMAIL', ''), VALUE_WIDTH) or 'not set'}")
    for name in config.SECRET_ENVIRONMENT:
        print(f"  {name:<22} {'set' if os.environ.get(name) else 'not set'}")
    print(f"  {'saved login (token)':<22} {'set' if token_file.is_file() else 'not set'} ({shown(token_file, VALUE_WIDTH)})")
    if not path.is_file():
        print()
        print("An example config file:")
        print(EXAMPLE.format(path=shown(path, VALUE_WIDTH), undo_window=config.DEFAULT_UNDO_WINDOW,
                             scanner=config.ScannerSettings()), end="")
    return 0


def show_keys(settings: Settings) -> int:
    print(f"{'binding id':<28} {'keys':<16} {'as shipped':<16} screen / action")
    for binding_id, (keys, where) in sorted(known_bindings(EventtiaApp).items()):
        effective = settings.keymap.get(binding_id, keys)
        print(f"{binding_id:<28} {shown(effective, 60):<16} {keys:<16} {shown(where, 120)}")
    return 0
