"""`eventtia-tui config`: where the config file is, the settings in force and where each came from. No secret."""

from __future__ import annotations

import os
from pathlib import Path

import httpx

from . import config
from .session import Settings
from .text import clean_text

EXAMPLE = """\
# {path}
api_url = "https://connect.eventtia.com/api/v3"
theme = "nord"            # the command palette's "Change theme" writes this line
undo_window = {undo_window:<12g}# seconds

[keymap]                  # binding id = keys (eventtia-tui config --keys lists the ids)
sync = "f9"

[scanner]
key_isolation = 0.25
"""


def show_config(settings: Settings, flags: dict, *, keys: bool = False) -> int:
    """`flags`: the command line's --api-url/--cache-dir/--log, to name them as the origin."""
    if keys:
        return show_keys(settings)
    loaded = config.load(flags)
    path = loaded.path
    print(f"Config file: {clean_text(str(path))} ({'found' if path.is_file() else 'not there: defaults in force'})")
    print()
    rows = [
        ("api_url", hide_password(settings.api_url), "--demo" if settings.demo else None),
        ("cache_dir", settings.cache_dir, None),
        ("data_dir", settings.data_dir, None),
        ("rate_limit", settings.rate_limit, None),
        ("theme", settings.theme, None),
        ("undo_window", f"{settings.undo_window:g}", None),
        ("scan_bell", "on" if settings.scan_bell else "off", None),
        ("log", settings.log or "off", None),
        ("shared_url", hide_password(settings.shared_url) if settings.shared_url else "off (no venue mode)", None),
    ]
    rows += [(f"scanner.{name}", value, None) for name, value in settings.scanner.model_dump().items()]
    rows += [(f"keymap.{binding}", keys_, None) for binding, keys_ in sorted(settings.keymap.items())]
    origins = dict(loaded.origins, api_url=loaded.origins.get("api_url", "default"))
    for key, value, origin in rows:
        where = origin or origins.get(key, "default")
        print(f"  {key:<22} {clean_text(str(value)):<50} {where.replace('flag', 'command line')}")
    if not settings.keymap:
        print(f"  {'keymap':<22} {'(none: every key as shipped)':<50} default")
    else:
        from screens.keymap import unknown_ids

        for binding in unknown_ids(settings.keymap):
            print(f"  warning: [keymap] {clean_text(binding)}: no binding has this id (`eventtia-tui config --keys`)")
    print()
    token_file = Path(settings.config_dir or config.config_dir()) / "token.json"
    print("Sign-in:")
    print(f"  {'EVENTTIA_EMAIL':<22} {clean_text(os.environ.get('EVENTTIA_EMAIL', '')) or 'not set'}")
    for name in config.SECRET_ENVIRONMENT:
        print(f"  {name:<22} {'set' if os.environ.get(name) else 'not set'}")
    print(f"  {'saved login (token)':<22} {'set' if token_file.is_file() else 'not set'} ({clean_text(str(token_file))})")
    if not path.is_file():
        print()
        print("An example config file:")
        print(EXAMPLE.format(path=clean_text(str(path)), undo_window=config.DEFAULT_UNDO_WINDOW), end="")
    return 0


def hide_password(url: str) -> str:
    parsed = httpx.URL(url)
    return str(parsed.copy_with(password="set")) if parsed.password else url


def show_keys(settings: Settings) -> int:
    from screens.keymap import known_bindings

    print(f"{'binding id':<28} {'keys':<16} {'as shipped':<16} screen / action")
    for binding_id, (keys, where) in sorted(known_bindings().items()):
        effective = settings.keymap.get(binding_id, keys)
        print(f"{binding_id:<28} {clean_text(effective):<16} {keys:<16} {where}")
    return 0
