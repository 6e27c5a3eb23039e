"""The config file, its overrides, `eventtia-tui config`, --help's variables, the opt-in log and the CLI's errors."""

from __future__ import annotations

import asyncio
import logging
import re
import tomllib
from pathlib import Path

import httpx
import pytest

from eventtia_tui.api.client import EventtiaClient
from eventtia_tui.api.errors import AuthError
from eventtia_tui.cli import build_parser, main
from eventtia_tui.config import ENVIRONMENT, ConfigError, load, save_theme, start_log, stop_log
from eventtia_tui.sandbox import DEMO_EMAIL, DEMO_PASSWORD
from eventtia_tui.session import Settings
from tests.demo_expo import BASE_URL

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """\
# the desk's settings
api_url = "https://eventtia.example/api/v3"
cache_dir = "{cache}"
rate_limit = 40
undo_window = 12.5
scan_bell = false

[keymap]
tab-tickets = "f9"

[scanner]
key_isolation = 0.4
min_scan = 8
"""


def write_config(dirs: Path, text: str = CONFIG) -> Path:
    path = dirs / "config" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.format(cache=dirs / "file-cache"), encoding="utf-8")
    return path


def test_the_file_sets_every_value_env_overrides_it_and_a_flag_overrides_env(dirs, monkeypatch):
    write_config(dirs)
    monkeypatch.delenv("EVENTTIA_CACHE_DIR")  # the dirs fixture's: the file's cache_dir is in force
    settings = Settings.from_env()
    assert settings.api_url == "https://eventtia.example/api/v3"
    assert settings.cache_dir == dirs / "file-cache"
    assert (settings.rate_limit, settings.undo_window, settings.scan_bell) == (40, 12.5, False)
    assert settings.keymap == {"tab-tickets": "f9"}
    assert (settings.scanner.key_isolation, settings.scanner.min_scan, settings.scanner.phrase_gap) == (0.4, 8, 0.5)
    assert settings.config_file == dirs / "config" / "config.toml"
    assert load().origins["api_url"] == "file" and "rate_limit" in load().origins

    monkeypatch.setenv("EVENTTIA_API_URL", "http://env.example/api/v3/")
    monkeypatch.setenv("EVENTTIA_SCANNER__MIN_SCAN", "10")
    monkeypatch.setenv("EVENTTIA_SCAN_BELL", "1")
    settings = Settings.from_env()
    assert (settings.api_url, settings.scanner.min_scan, settings.scan_bell) == ("http://env.example/api/v3", 10, True)
    assert settings.scanner.key_isolation == 0.4  # the file's, beside the variable's min_scan
    assert load().origins["scanner.min_scan"] == "env EVENTTIA_SCANNER__MIN_SCAN"

    settings = Settings.from_env("http://flag.example/api/v3", dirs / "flag-cache")
    assert (settings.api_url, settings.cache_dir) == ("http://flag.example/api/v3", dirs / "flag-cache")
    assert load({"api_url": "http://flag.example/api/v3"}).origins["api_url"] == "flag"


def test_no_file_means_the_defaults(dirs):
    settings = Settings.from_env()
    assert settings.api_url == "https://connect.eventtia.com/api/v3"
    assert (settings.rate_limit, settings.undo_window, settings.scan_bell, settings.keymap) == (100, 8.0, True, {})
    assert settings.theme == "textual-dark"


def test_config_command_shows_path_values_and_origins_but_no_secret(dirs, monkeypatch, capsys):
    path = write_config(dirs)
    token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJleHAiOjQxMDI0NDQ4MDB9.c2lnbmF0dXJl"
    (dirs / "config" / "token.json").write_text(f'{{"token": "{token}", "email": "desk@x.test", "api_url": "x"}}')
    monkeypatch.setenv("EVENTTIA_PASSWORD", "hunter2-very-secret")
    monkeypatch.setenv("EVENTTIA_EMAIL", "desk@x.test")
    monkeypatch.setenv("EVENTTIA_RATE_LIMIT", "0")
    assert main(["config", "--api-url", "http://flag.example/api/v3"]) == 0
    out = capsys.readouterr().out
    assert f"Config file: {path} (found)" in out
    assert re.search(r"api_url +http://flag\.example/api/v3 +command line", out)
    assert re.search(r"rate_limit +0 +env EVENTTIA_RATE_LIMIT", out)
    assert re.search(r"undo_window +12\.5 +file", out) and re.search(r"theme +textual-dark +default", out)
    assert re.search(r"keymap\.tab-tickets +f9 +file", out) and re.search(r"scanner\.min_scan +8 +file", out)
    assert re.search(r"EVENTTIA_PASSWORD +set\n", out) and re.search(r"saved login \(token\) +set ", out)
    assert "hunter2" not in out and token not in out and "eyJ" not in out


def test_config_names_a_keymap_id_no_binding_has(dirs, capsys):
    write_config(dirs, '[keymap]\nsync = "f9"\ntab-tikets = "f8"\n')
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "warning: [keymap] tab-tikets: no binding has this id" in out and "[keymap] sync:" not in out


def test_config_keys_lists_binding_ids_with_the_keymap_applied(dirs, capsys):
    write_config(dirs)
    assert main(["config", "--keys"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^tab-tickets +f9 +f4 +EventScreen", out, re.MULTILINE)
    assert re.search(r"^quit +ctrl\+q +ctrl\+q", out, re.MULTILINE)


def environment_variables_in_source() -> set[str]:
    names = set()
    for source in (ROOT / "eventtia_tui").rglob("*.py"):
        names |= set(re.findall(r"EVENTTIA_[A-Z][A-Z0-9_]*[A-Z0-9](?![A-Z0-9_<])", source.read_text(encoding="utf-8")))
    return names


def test_help_and_readme_list_every_environment_variable_the_code_reads(capsys):
    used = environment_variables_in_source()
    assert {"EVENTTIA_API_URL", "EVENTTIA_SCAN_BELL", "EVENTTIA_CONFIG_DIR", "EVENTTIA_PASSWORD"} <= used
    help_text = build_parser().format_help()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(ENVIRONMENT) | {"EVENTTIA_SCANNER__KEY_ISOLATION"}  # the example of EVENTTIA_SCANNER__<NAME>
    assert used <= documented, f"add {sorted(used - documented)} to config.ENVIRONMENT"
    for name in ENVIRONMENT:
        assert name in help_text and f"`{name}`" in readme, name


@pytest.mark.parametrize(("args", "env", "file", "expected"), [
    (["--api-url", "localhost:8765/api/v3"], {}, None,
     "api_url (from --api-url): the API URL 'localhost:8765/api/v3' is malformed"),
    ([], {"EVENTTIA_API_URL": "http://exa mple.test/api/v3"}, None,
     "api_url (from EVENTTIA_API_URL): the API URL 'http://exa mple.test/api/v3' is malformed"),
    ([], {}, 'api_url = "htp//x"\n', "api_url (from {path}): the API URL 'htp//x' is malformed"),
    ([], {}, 'api_url = "https://x.test/api/v3\n', "the config file {path} is not valid TOML: "),
    ([], {}, "rate_limt = 5\n", "rate_limt (from {path}): not a setting this app knows"),
    ([], {}, "[scanner]\nmin_scan = -1\n", "scanner.min_scan (from {path}): Input should be greater than or equal"),
    ([], {"EVENTTIA_RATE_LIMIT": "lots"}, None, "rate_limit (from EVENTTIA_RATE_LIMIT): Input should be a valid int"),
    ([], {"EVENTTIA_PLACE": "Entrance\x1b[2J 2"}, None, "place (from EVENTTIA_PLACE): the place 'Entrance␛[2J 2' holds "
                                                        "a control or invisible character"),
    ([], {}, 'place = "' + "Entrance " * 6 + '"\n', "place (from {path}): the place 'Entrance Entrance"),
    ([], {}, 'admit_on = "always"\n', "admit_on (from {path}): Input should be 'confirmed' or 'key'"),
])
def test_a_bad_setting_is_refused_naming_where_it_came_from(dirs, monkeypatch, capsys, args, env, file, expected):
    path = write_config(dirs, file) if file else dirs / "config" / "config.toml"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["sync", "demo-expo", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and expected.format(path=path) in err
    assert "Traceback" not in err and not (dirs / "cache").exists()  # nothing was started


def test_an_unknown_event_is_named(dirs, capsys):
    assert main(["--demo", "sync", "no-such-event"]) == 1
    err = capsys.readouterr().err
    assert "error: no event 'no-such-event' at http://demo.sandbox/api/v3" in err


def test_a_log_file_that_cannot_be_written_is_named(dirs, capsys):
    blocker = dirs / "a-file"
    blocker.write_text("")
    assert main(["--demo", "sync", "demo-expo", "--log", str(blocker / "x.log")]) == 2
    assert f"error: cannot write the log file {blocker / 'x.log'}:" in capsys.readouterr().err


def test_a_sandbox_database_path_that_cannot_be_used_is_named(dirs, capsys):
    blocker = dirs / "a-file"
    blocker.write_text("")
    assert main(["sandbox", "--db", str(blocker / "demo.sqlite3")]) == 1
    err = capsys.readouterr().err
    assert f"error: cannot use {blocker / 'demo.sqlite3'} as the sandbox's database" in err and "Traceback" not in err


def test_the_log_has_request_lines_and_errors_but_no_token_or_password(dirs, sandbox_app, fast_retry):
    path = dirs / "logs" / "eventtia.log"
    handler = start_log(path)

    async def session() -> str:
        async with EventtiaClient(BASE_URL, transport=httpx.ASGITransport(app=sandbox_app),
                                  retry=fast_retry) as client:
            with pytest.raises(AuthError):
                await client.login(DEMO_EMAIL, DEMO_PASSWORD + "-wrong")
            token = await client.login(DEMO_EMAIL, DEMO_PASSWORD)
            await client.get_event("demo-expo")
            # Whatever a future line might carry, the log file never does.
            logging.getLogger("eventtia_tui.test").error("sent Authorization: Bearer %s with %s", token,
                                                         {"password": DEMO_PASSWORD, "auth_token": token})
            return token

    try:
        token = asyncio.run(session())
    finally:
        stop_log(handler)
    text = path.read_text(encoding="utf-8")
    assert "POST auth -> 401" in text and "POST auth -> 200" in text and "GET events/demo-expo -> 200" in text
    assert "ERROR eventtia_tui.test: sent Authorization: Bearer <token>" in text
    assert token not in text and token.split(".")[1] not in text and f"'{DEMO_PASSWORD}'" not in text
    assert path.stat().st_mode & 0o777 == 0o600


def test_the_cli_log_records_the_failure_it_printed(dirs, capsys):
    log = dirs / "cli.log"
    assert main(["--demo", "sync", "no-such-event", "--log", str(log)]) == 1
    text = log.read_text(encoding="utf-8")
    assert "GET events/no-such-event/attendee_types -> 404" in text
    assert "ERROR eventtia_tui.commands: no event 'no-such-event'" in text
    assert capsys.readouterr().err.count("no event") == 1  # on the terminal once, not echoed by logging


def test_saving_the_theme_keeps_every_other_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('# mine\napi_url = "http://x.test/api/v3"  # the venue\n\n[keymap]\ntheme = "not-this-one"\n')
    save_theme(path, "nord")
    assert path.read_text() == ('# mine\napi_url = "http://x.test/api/v3"  # the venue\ntheme = "nord"\n\n'
                                '[keymap]\ntheme = "not-this-one"\n')
    save_theme(path, "gruvbox")
    assert path.read_text().count("gruvbox") == 1 and "nord" not in path.read_text()
    save_theme(tmp_path / "new" / "config.toml", "nord")
    assert (tmp_path / "new" / "config.toml").read_text() == 'theme = "nord"\n'


def test_the_readme_example_is_a_config_file_the_app_accepts(dirs, monkeypatch):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", readme, re.DOTALL).group(1)
    write_config(dirs, example.replace("{", "{{").replace("}", "}}"))
    monkeypatch.setenv("HOME", str(dirs))
    settings = Settings.from_env()
    assert settings.keymap["sync"] == "f9" and settings.theme == "nord" and settings.log == dirs / "eventtia-tui.log"
    assert settings.place == "Entrance 2" and settings.admit_on == "confirmed"


@pytest.mark.parametrize(("before", "after"), [
    ('"theme" = "nord"  # the desk likes it\nundo_window = 5\n',
     '"theme" = "gruvbox"  # the desk likes it\nundo_window = 5\n'),
    ("theme = 'nord' # literal\n[keymap]\nsync = 'f9'\n", "theme = 'gruvbox' # literal\n[keymap]\nsync = 'f9'\n"),
    ('# theme = "old"\nundo_window = 5\n', '# theme = "old"\nundo_window = 5\ntheme = "gruvbox"\n'),
    ('[keymap]\nsync = "f9"\n', 'theme = "gruvbox"\n\n[keymap]\nsync = "f9"\n'),
])
def test_the_theme_is_written_as_toml_on_quoted_keys_and_beside_comments(tmp_path, before, after):
    """A quoted key is the same key (no second theme line: "Cannot overwrite a value" at the next start); the
    line's comment, its quoting and the other lines are kept; a commented-out theme line is only a comment."""
    path = tmp_path / "config.toml"
    path.write_text(before, encoding="utf-8")
    save_theme(path, "gruvbox")
    assert path.read_text(encoding="utf-8") == after
    assert load_file(tmp_path)["theme"] == "gruvbox"


def load_file(directory: Path) -> dict:
    return tomllib.loads((directory / "config.toml").read_text(encoding="utf-8"))


def test_a_file_that_is_not_toml_is_never_written(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('theme = "nord"\ntheme = "dracula"\n', encoding="utf-8")  # broken by hand
    with pytest.raises(ConfigError, match="not valid TOML"):
        save_theme(path, "gruvbox")
    assert path.read_text(encoding="utf-8") == 'theme = "nord"\ntheme = "dracula"\n'


def test_the_config_command_shows_every_credential_form_as_set(dirs, monkeypatch, capsys):
    monkeypatch.setenv("EVENTTIA_SHARED_URL", "redis://venue-redis.lan:6379/0?password=hunter2-q&db=0")
    monkeypatch.setenv("EVENTTIA_API_URL", "https://desk:hunter2-u@eventtia.example/api/v3")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "hunter2" not in out and "desk:" not in out
    assert "redis://venue-redis.lan:6379/0?password=set&db=0" in out
    assert "https://set:set@eventtia.example/api/v3" in out
    monkeypatch.setenv("EVENTTIA_SHARED_URL", "rediss://:hunter2-p@venue-redis.lan:6380/1")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "hunter2" not in out and "rediss://set:set@venue-redis.lan:6380/1" in out


@pytest.mark.parametrize("password", ["e", "a", "demo", "o", "-"])
def test_a_short_or_common_password_is_not_taken_out_of_the_log_by_its_text(dirs, monkeypatch, password):
    """The log is redacted where secrets are (headers, bodies, URLs), not by searching for the password: the
    words holding its letters stay whole, and the password never appears where a password goes."""
    monkeypatch.setenv("EVENTTIA_PASSWORD", password)
    monkeypatch.setenv("EVENTTIA_EMAIL", DEMO_EMAIL)
    log = dirs / "cli.log"
    assert main(["--demo", "sync", "no-such-event", "--log", str(log)]) == 1
    handler = start_log(log)
    try:
        logging.getLogger("eventtia_tui.test").error(
            "POST auth with %s; venue at redis://:%s@venue.lan/0?password=%s&db=1; Authorization: Bearer abc",
            {"email": DEMO_EMAIL, "password": password}, password, password)
    finally:
        stop_log(handler)
    text = log.read_text(encoding="utf-8")
    assert "<hidden>" in text and "no event 'no-such-event'" in text and "GET events/no-such-event" in text
    assert "d<hidden>" not in text and "<hidden>mo" not in text  # no word damaged
    assert f"'password': '{password}'" not in text and f":{password}@" not in text
    assert f"password={password}&" not in text and "Bearer abc" not in text
    assert "&db=1" in text and "'email': 'demo@" in text
