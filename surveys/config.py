"""Layered configuration: defaults, then instance/config.py, then SURVEYS_* variables,
then a test's overrides; and the checks that refuse to start without secrets."""
import os
import sys
from pathlib import Path
from typing import NoReturn

from flask import Flask

from .drafts import DRAFT_HOURS

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "SECRET_KEY": None,
    "DATABASE_URL": None,           # default: sqlite:///<instance>/surveys.db
    "KEYRING_FILE": None,           # default: <instance>/keyring.json
    "PRIVACY_NOTICE_FILE": None,    # default: <instance>/privacy-notice.md, else the one shipped
    "CONTROLLER_NAME": "illumeMed",  # the PII controller named in consent receipts: whose terms these are
    "CONTROLLER_CONTACT": None,     # how respondents reach it; default: the privacy notice's address
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "TRUNCATE_IP": True,            # IPv4 to /24, IPv6 to /48
    "PROXY_COUNT": 0,               # trusted reverse proxies in front (X-Forwarded-For/-Proto)
    "SESSION_COOKIE_SECURE": None,  # default: on, except in debug and tests
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": 4 * 3600,  # a long survey must not lose its answers to an expired token
    "STAFF_IDLE_MINUTES": 30,       # a staff session unused this long ends
    "RESPONDENT_IDLE_MINUTES": 15,  # so does a respondent's self-service session
    "DRAFT_HOURS": DRAFT_HOURS,     # partial answers between pages are kept at most this long
    "PASSWORD_HASHING": {"time_cost": 3, "memory_cost": 65536, "parallelism": 4},  # argon2id
    "AGGREGATE_K": 11,              # counts from 1 to k-1 are suppressed
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",  # per process; a redis:// URL shares counts between workers
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_SUBMISSIONS": "60 per minute",   # per address, for responses sent by form or API
    "RATELIMIT_PER_TOKEN": "600 per minute",    # per API token
    "JOBS_URL": "",                 # the job queue: empty for a SQLite file in the instance folder, or redis://…
    "JOBS_QUEUE": "surveys",        # the queue's name: installations sharing one Redis server need one each
    "JOBS_IMMEDIATE": False,        # run jobs inside the request that starts them (tests), not in the consumer
    "EXPORT_FOLDER": None,          # default: <instance>/exports; sealed exports wait here to be downloaded
    "EXPORT_SCRATCH": None,         # default: <export folder>/scratch; the runner's temporary files (a tmpfs keeps
                                    # the plain text of SPSS, Stata and Excel files being written off disks)
    "EXPORT_HOURS": 24,             # an export not downloaded by then is deleted
    "EXPORT_WORKERS": 0,            # processes that open a background export's rows: 0 for one per core
}


#: gunicorn's Arbiter.APP_LOAD_ERROR: a worker that exits with it makes the arbiter halt the whole
#: server ("App failed to load.") rather than fork another worker to fail the same way. Exiting is
#: how to say it cleanly: gunicorn's spawn_worker lets SystemExit through untouched, where any other
#: exception is logged with its traceback first.
APP_LOAD_ERROR = 4


class ConfigurationError(RuntimeError):
    """The app cannot start as configured; the message says what to do."""


def refuse_to_start(problem: Exception) -> NoReturn:
    """One line on stderr instead of a traceback, for the server and the CLI alike."""
    print("surveys: " + " ".join(str(problem).splitlines()), file=sys.stderr, flush=True)
    sys.exit(APP_LOAD_ERROR)


def instance_path(test_config: dict | None) -> str:
    chosen = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("SURVEYS_INSTANCE_PATH")
    return str(Path(chosen).resolve() if chosen else ROOT / "instance")


def load_config(app: Flask, test_config: dict | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("SURVEYS")
    if test_config:
        app.config.from_mapping(test_config)
    instance = Path(app.instance_path)
    app.config["DATABASE_URL"] = app.config["DATABASE_URL"] or f"sqlite:///{instance / 'surveys.db'}"
    app.config["KEYRING_FILE"] = str(app.config["KEYRING_FILE"] or instance / "keyring.json")
    app.config["EXPORT_FOLDER"] = str(app.config["EXPORT_FOLDER"] or instance / "exports")
    if app.config["JOBS_URL"] and not str(app.config["JOBS_URL"]).startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(f"SURVEYS_JOBS_URL must be a Redis URL (redis://host:6379/0), or empty for the "
                                 f"queue in {instance / 'jobs.db'}; it is {app.config['JOBS_URL']!r}.")
    app.json.sort_keys = False  # answers keep the survey's own order
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)


def require_secrets(app: Flask, bootstrap: bool = False) -> None:
    """Refuse to start without the secret key and the key ring, except where their absence is expected: in
    debug mode, in tests, and for `init`, which is about to create them (and says so with `bootstrap`)."""
    if bootstrap or app.debug or app.testing:
        return
    if not app.config["SECRET_KEY"]:
        raise ConfigurationError(
            f"No SECRET_KEY: run `flask --app app init` to write one to {app.instance_path}/config.py, "
            "or set SURVEYS_SECRET_KEY.")
    if not Path(app.config["KEYRING_FILE"]).is_file():
        raise ConfigurationError(
            f"No key ring at {app.config['KEYRING_FILE']}: the service will not start without the keys "
            "that protect stored answers. On a new installation run `flask --app app init`; "
            "on an existing one restore the key ring from backup (or set SURVEYS_KEYRING_FILE).")
