"""Settings: defaults, then the TOML config file, then EVENTTIA_* environment variables, then command-line flags.

The file is `config.toml` in the platform config dir (EVENTTIA_CONFIG_DIR moves it, with the saved login).
Never a secret in it: the password is only ever typed or in EVENTTIA_PASSWORD, the token has its own 0600 file.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

import httpx
from platformdirs import user_config_dir
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

# Read from here too (re-exported).
from .environment import APP_NAME as APP_NAME
from .environment import ENVIRONMENT as ENVIRONMENT
from .environment import SECRET_ENVIRONMENT as SECRET_ENVIRONMENT
from .scanner import CLUMP_GAP, END_PAUSE, KEY_ISOLATION, MIN_SCAN, PHRASE_GAP, quiet_end
from .text import acts_or_hides, shown

CONFIG_FILE = "config.toml"
ENV_PREFIX = "EVENTTIA_"
DEFAULT_API_URL = "https://connect.eventtia.com/api/v3"
DEFAULT_RATE_LIMIT = 100  # requests a minute per token, as Eventtia allows
DEFAULT_THEME = "textual-dark"
DEFAULT_UNDO_WINDOW = 8.0



# A key as Textual names it (f9, ctrl+shift+r, question_mark) or one printable character: never markup or a control.
_KEY_NAME = re.compile(r"[a-z0-9_]+(?:\+[a-z0-9_]+)*|[^\s\x00-\x1f\x7f-\x9f]", re.IGNORECASE)
_HOST = re.compile(r"[\w.~-]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f:]+")  # a name, an IPv4 or an IPv6 address

PLACE_WIDTH = 40  # a place name is shown in the verdict, on one line
SENTINEL_URL = re.compile(r"^rediss?\+sentinel://([^@/]*@)?[^/@?#]+/[^/?#]+(/\d+)?/?(\?[^#]*)?$")


class ConfigError(Exception):
    """A setting that cannot be used: the message names the file or variable and what is wrong."""


def config_dir() -> Path:
    return Path(os.environ.get("EVENTTIA_CONFIG_DIR") or user_config_dir(APP_NAME))


def config_file() -> Path:
    return config_dir() / CONFIG_FILE


class ScannerSettings(BaseModel):
    """The badge scanner: its suffix and the gate's timings (eventtia_tui.scanner, eventtia_tui/screens/scan_gate.py), in seconds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # What the scanner sends after the badge: auto, enter (CR or CR+LF too), tab, or none. Enter, CR+LF and Tab
    # end a scan whatever this says; "none" makes a burst followed by end_pause of quiet a whole scan.
    suffix: Literal["auto", "enter", "tab", "none"] = "auto"
    end_pause: float = Field(END_PAUSE, gt=0, le=5)  # with suffix "none": the quiet that ends a scan
    clump_gap: float = Field(CLUMP_GAP, gt=0, le=1)  # keys closer than this arrived together
    phrase_gap: float = Field(PHRASE_GAP, gt=0, le=5)  # bursts closer than this are one input
    min_scan: int = Field(MIN_SCAN, ge=2, le=256)  # characters for a burst to be a scan
    key_isolation: float = Field(KEY_ISOLATION, ge=0, le=5)  # how long a command letter waits alone

    @property
    def quiet_end(self) -> float:
        return quiet_end(self.suffix, self.end_pause, self.phrase_gap)


class ReconcileSettings(BaseModel):
    """Checking this machine's copy against Eventtia (eventtia_tui/gateway/reconcile.py): the default listing read
    again on a schedule that fits the request budget, and a scanned badge not checked lately confirmed at once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    share: float = Field(0.2, ge=0, le=0.9)  # of the requests a minute the whole-list check may use (0: never)
    every: float = Field(300.0, ge=30, le=86400)  # seconds: a whole-list check at most this often
    confirm_after: float = Field(300.0, ge=0, le=86400)  # seconds: a scan of a registration checked longer ago asks
    confirm_wait: float = Field(2.0, gt=0, le=30)  # seconds a scan waits for that answer before using the copy


class FileSettings(BaseSettings):
    """What config.toml and EVENTTIA_* can set (flags arrive as init arguments)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", env_ignore_empty=True,
                                      extra="forbid")

    api_url: str = DEFAULT_API_URL
    cache_dir: Path | None = None  # None: the platform cache dir
    data_dir: Path | None = None  # None: the platform data dir
    rate_limit: int = Field(DEFAULT_RATE_LIMIT, ge=0)
    theme: str = DEFAULT_THEME
    keymap: dict[str, str] = Field(default_factory=dict)
    scanner: ScannerSettings = Field(default_factory=ScannerSettings)
    reconcile: ReconcileSettings = Field(default_factory=ReconcileSettings)
    undo_window: float = Field(DEFAULT_UNDO_WINDOW, ge=0, le=3600)
    scan_bell: bool = True
    log: Path | None = None
    export_dir: Path | None = None  # None: the platform's downloads folder (eventtia_tui.export.export_place)
    shared_url: str = ""  # venue mode (eventtia_tui.venue): "" is off
    venue_key: str = ""  # venue mode: the HMAC key every venue entry is signed with (not the Redis password)
    venue_prefix: str = Field("eventtia", pattern=r"^[A-Za-z0-9_.-]{1,40}$")  # venue mode: the Redis keys' first part
    venue_machines: int = Field(8, ge=1, le=1000)  # venue mode: machines assumed until Redis says (budget share)
    place: str = ""  # where this machine admits people ("Entrance 2"; "" is the host name), in the ledger
    admit_on: Literal["confirmed", "key"] = "confirmed"  # a CONFIRMED scan admits, or only the desk's Admit key
    door_exits: bool = False  # an activity's door counts both ways: F6 on its roster switches to scanning out

    @field_validator("place")
    @classmethod
    def place_name(cls, value: str) -> str:
        value = " ".join(value.split())
        if acts_or_hides(value):
            raise ValueError(f"the place {shown(value, 60)!r} holds a control or invisible character: "
                             "name it plainly, like \"Entrance 2\"")
        if len(value) > PLACE_WIDTH:
            raise ValueError(f"the place {shown(value, 60)!r} is longer than {PLACE_WIDTH} characters")
        return value

    @field_validator("shared_url")
    @classmethod
    def redis_url(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("redis://", "rediss://", "unix://", "redis+sentinel://",
                                           "rediss+sentinel://")):
            raise ValueError("the venue's shared URL must start with redis://, rediss://, unix:// or "
                             "redis+sentinel:// (like redis://venue-redis.lan:6379/0)")
        if "+sentinel://" in value and not SENTINEL_URL.match(value):
            raise ValueError("a sentinel URL names its sentinels and the service: "
                             "redis+sentinel://[:PASSWORD@]HOST:26379[,HOST:26379…]/SERVICE[/DB]")
        return value

    @field_validator("cache_dir", "data_dir", "log", "export_dir")
    @classmethod
    def home(cls, value: Path | None) -> Path | None:
        if value is not None and acts_or_hides(str(value)):
            raise ValueError(f"the path {shown(value, 200)!r} holds a control or invisible character")
        return value.expanduser() if value is not None else None

    @field_validator("api_url")
    @classmethod
    def well_formed_url(cls, value: str) -> str:
        if acts_or_hides(value):
            raise ValueError(f"the API URL {shown(value, 200)!r} holds a control or invisible character (shown as "
                             f"\ufffd or ␛): write it plainly, like {DEFAULT_API_URL}")
        try:
            url = httpx.URL(value.strip())
        except (httpx.InvalidURL, TypeError):
            url = None
        if url is None or url.scheme not in ("http", "https") or not _HOST.fullmatch(url.host):
            raise ValueError(f"the API URL {value!r} is malformed (expected http:// or https://, a host and a path, "
                             f"like {DEFAULT_API_URL})")
        return value.strip().rstrip("/")

    @field_validator("keymap")
    @classmethod
    def key_names(cls, keymap: dict[str, str]) -> dict[str, str]:
        for binding_id, keys in keymap.items():
            for key in keys.split(","):
                if acts_or_hides(key) or not _KEY_NAME.fullmatch(key.strip()):
                    raise ValueError(f"{shown(binding_id, 60)} = {shown(keys, 60)!r}: {shown(key.strip(), 40)!r} is not "
                                     "a key name (like f9, ctrl+r, question_mark or a single character)")
        return keymap

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=config_file())


@dataclass(frozen=True)
class Loaded:
    settings: FileSettings
    origins: dict[str, str]  # "api_url" / "scanner.min_scan" / "keymap.sync" -> "flag", "env NAME", "file" …
    path: Path


def load(flags: dict[str, Any] | None = None) -> Loaded:
    """The effective settings and where each came from; ConfigError names what is wrong and where."""
    flags = {name: value for name, value in (flags or {}).items() if value is not None}
    path = config_file()
    try:
        from_file = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        from_env = EnvSettingsSource(FileSettings)()
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"the config file {path} is not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"the config file {path} cannot be read: {getattr(error, 'strerror', None) or error}") from None
    except ValueError as error:  # a nested variable that is not JSON (EVENTTIA_KEYMAP)
        raise ConfigError(f"an EVENTTIA_ variable cannot be read: {error}") from None
    origins: dict[str, str] = {}
    for origin, values in (("flag", flags), ("env", from_env), ("file", from_file)):
        for key in leaf_keys(values):
            origins.setdefault(key, f"env {env_name(key)}" if origin == "env" else origin)
    try:
        settings = FileSettings(**flags)
    except ValidationError as error:
        raise ConfigError(describe(error, origins, path)) from None
    return Loaded(settings, origins, path)


def leaf_keys(values: dict[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for name, value in values.items():
        if isinstance(value, dict) and value:
            keys += leaf_keys(value, f"{prefix}{name}.")
        else:
            keys.append(prefix + name)
    return keys


def env_name(key: str) -> str:
    field, _, sub = key.partition(".")
    if field == "keymap":
        return "EVENTTIA_KEYMAP"
    return ENV_PREFIX + field.upper() + (f"__{sub.upper()}" if sub else "")


def describe(error: ValidationError, origins: dict[str, str], path: Path) -> str:
    lines = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"])
        origin = origins.get(key) or next((o for k, o in origins.items() if k.startswith(key + ".")), "file")
        where = f"{path}" if origin == "file" else ("--" + key.replace("_", "-") if origin == "flag" else origin[4:])
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "not a setting this app knows"
        lines.append(f"{key} (from {where}): {message}")
    return shown("bad setting: " + "; ".join(lines), 2000)


# --- the theme picked in the palette, written back to the file --------------------------------------------

def save_theme(path: Path, theme: str) -> None:
    """Set the top-level `theme` in the config file, edited as TOML: every other key, comment, quoting and the
    order kept (`"theme" = …` is the same key). ConfigError, and nothing written, if the file is not valid TOML
    or the result would not read back as the same settings with this theme."""
    import tomlkit  # 6 ms of every start (and its regexes), for a theme picked in the palette only
    import tomlkit.exceptions
    import tomlkit.items

    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    try:
        document = tomlkit.parse(text)
        before = tomllib.loads(text)
    except (tomlkit.exceptions.ParseError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"the config file {path} is not valid TOML ({error}): the theme is not saved") from None
    old = document.item("theme") if "theme" in document else None
    if isinstance(old, tomlkit.items.String):
        new = tomlkit.string(theme, literal=old.type.is_literal() and "'" not in theme)
        new.trivia.indent, new.trivia.comment_ws = old.trivia.indent, old.trivia.comment_ws
        new.trivia.comment, new.trivia.trail = old.trivia.comment, old.trivia.trail
        document["theme"] = new
    else:
        if old is not None:
            del document["theme"]
        document.add("theme", theme)
    written = tomlkit.dumps(document)
    try:
        after = tomllib.loads(written)
    except tomllib.TOMLDecodeError:
        after = None
    if after != before | {"theme": theme}:
        raise ConfigError(f"the theme could not be written into {path} without changing its other settings")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(written, encoding="utf-8")
    os.replace(temporary, path)


# --- the opt-in log ------------------------------------------------------------------------------------------

# Where a secret sits in a line, by its structure — never by searching the line for the secret's text, which
# with a short password (`e`) would both show it and damage every word holding that letter.
_SECRETS = [
    (re.compile(r"eyJ[\w-]*\.[\w-]*\.[\w-]*"), "<token>"),  # a JWT anywhere
    (re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:bearer|basic|token)?\s*)[^\s'\",}]+"), r"\1<token>"),
    (re.compile(r"(?i)(bearer\s+)\S+"), r"\1<token>"),
    # a request body's or a mapping's value: password=…, "password": "…", auth_token: …
    (re.compile(r"""(?i)(['"]?(?:password|passwd|auth_token|token|secret|venue_key)['"]?\s*[:=]\s*)('[^']*'|"[^"]*"|[^\s,&}]+)"""),
     r"\1<hidden>"),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@]*@"), r"\1<hidden>@"),  # a URL's userinfo
]


def without_secrets(url: str) -> str:
    """A URL to show: its userinfo (`redis://:PASSWORD@host`) and any password or token in its query
    (`?password=…`) given as "set"; the rest as written."""
    url = _USERINFO.sub(lambda match: match.group(1) + ("set:set@" if ":" in match.group(2) else "set@"), url, count=1)
    return _SECRET_PARAMETER.sub(r"\1set", url)


_USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://)([^/?#]*)@", re.IGNORECASE)
_SECRET_PARAMETER = re.compile(r"([?&;](?:password|passwd|pass|token|auth_token|secret|key)=)[^&;#]*", re.IGNORECASE)


class Redact(logging.Filter):
    """Takes tokens and passwords out of every line before it is written, where they are (see _SECRETS)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = record.exc_text = None
        for pattern, replacement in _SECRETS:
            text = pattern.sub(replacement, text)
        record.msg, record.args = text, None
        return True


LOGGERS = ("eventtia_tui",)


class LogFile(logging.StreamHandler[TextIO]):
    """The log file's handler, with each logger's level before it was added (`levels`), for stop_log."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream)
        self.levels: dict[str, int] = {}


def start_log(path: Path) -> LogFile:
    """Append the app's errors and request lines (`GET events/x/attendees -> 200 in 12 ms`) to `path` (0600)."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        stream = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a", encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot write the log file {path}: {error.strerror or error}") from None
    handler = LogFile(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redact())
    for name in LOGGERS:
        logger = logging.getLogger(name)
        handler.levels[name] = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    return handler


def stop_log(handler: LogFile) -> None:
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.removeHandler(handler)
        logger.setLevel(handler.levels.get(name, logging.NOTSET))
    handler.close()
