"""The app's name and every environment variable it reads: what `--help` prints without importing the rest
(pydantic, httpx and Textual cost the CLI most of a second; `--help` and `--version` answer in a few
hundredths). eventtia_tui.config reads them; a test keeps ENVIRONMENT complete."""

APP_NAME = "eventtia-tui"

# For --help, the README and `config`.
ENVIRONMENT = {
    "EVENTTIA_CONFIG_DIR": "where config.toml and the saved login live (default: the platform config dir)",
    "EVENTTIA_API_URL": "API base URL (config: api_url)",
    "EVENTTIA_CACHE_DIR": "cache directory (config: cache_dir)",
    "EVENTTIA_DATA_DIR": "demo database directory (config: data_dir)",
    "EVENTTIA_RATE_LIMIT": "requests a minute per token, 0 for no budget (config: rate_limit)",
    "EVENTTIA_THEME": "Textual theme (config: theme; the palette's choice is saved there)",
    "EVENTTIA_KEYMAP": 'JSON object of binding id -> keys, e.g. {"sync": "f9"} (config: [keymap])',
    "EVENTTIA_SCANNER__<NAME>": "scanner timing, e.g. EVENTTIA_SCANNER__KEY_ISOLATION=0.3 (config: [scanner])",
    "EVENTTIA_UNDO_WINDOW": "seconds a cancellation or removal can be undone (config: undo_window)",
    "EVENTTIA_SCAN_BELL": "0 turns off the bell on a problem scan (config: scan_bell)",
    "EVENTTIA_EXPORT_DIR": "where exports and screenshots go (config: export_dir; default: the downloads folder)",
    "EVENTTIA_LOG": "append errors and request lines to this file (config: log; never a token or password)",
    "EVENTTIA_SHARED_URL": "venue mode: redis://[:PASSWORD@]HOST:PORT/DB, rediss://… (TLS) or "
                           "redis+sentinel://[:PASSWORD@]HOST:PORT[,HOST:PORT…]/SERVICE/DB shared by the venue's "
                           "machines (config: shared_url)",
    "EVENTTIA_VENUE_KEY": "venue mode: the key every venue entry is signed with, the same on every machine and not "
                          "the Redis password (config: venue_key)",
    "EVENTTIA_VENUE_PREFIX": "venue mode: the first part of every Redis key (default eventtia; then a hash of the "
                             "API URL and account) (config: venue_prefix)",
    "EVENTTIA_VENUE_MACHINES": "venue mode: the machines assumed until Redis is seen, each taking 1/N of the request "
                               "budget (config: venue_machines; default 8)",
    "EVENTTIA_EMAIL": "account to sign in with (prefills the login; sync/find sign in with it)",
    "EVENTTIA_PASSWORD": "password for sync/find to sign in with (never stored, logged or printed)",
}
SECRET_ENVIRONMENT = ("EVENTTIA_PASSWORD",)
