"""Fixtures as the Flask tutorial has them: app, client, runner; plus builders, and the
helpers several test files share.

`flask init` (migrations, key ring, secret, notice, demo survey) runs once per session,
into a template: an instance folder, holding the SQLite database, or beside a PostgreSQL
template database. Each test that asks for `app` gets its own copy of both, so it starts
exactly where `init` leaves a new installation, without paying for `init`. A test that
runs `init` itself asks for `instance_path` and `database_url` but not `app`, and gets
them empty.

The suite runs on SQLite by default; with SURVEYS_TEST_DATABASE_URL set (as .ci/run
does when PostgreSQL answers) every test gets that database, dropped and created again:
from the template under `app`, empty otherwise."""
import csv
import io
import itertools
import os
import re
import shutil
import signal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import create_app
from models.definition import parse_definition
from models.recipient import Recipient
from models.vocabulary import Classification, PurposeRelation, RecipientKind
from surveys import catalogue, db

TEST_DATABASE_URL = os.environ.get("SURVEYS_TEST_DATABASE_URL")
ON_POSTGRES = bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"))
if TEST_DATABASE_URL and not ON_POSTGRES:
    raise RuntimeError("SURVEYS_TEST_DATABASE_URL names a PostgreSQL database; "
                       "without it each test keeps its SQLite database in its own instance folder")

DEMO = "wellbeing-demo"
CONSENT = {"participate": True, "age_confirmed": True}
PASSWORD = "correct horse battery staple"
#: Jobs (exports) run inside the request that starts them: every step but the queue itself, which the tests of
#: export jobs run with a consumer of their own.
APP_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret",
              "PASSWORD_HASHING": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
              "RATELIMIT_ENABLED": False, "JOBS_IMMEDIATE": True, "EXPORT_WORKERS": 1}


# -- the databases -------------------------------------------------------------------------

def sqlite_url(instance: Path) -> str:
    return f"sqlite:///{instance / 'surveys.db'}"


OBJECT_IN_USE = "55006"  # PostgreSQL's SQLSTATE for a database someone is connected to


class Postgres:
    """CREATE and DROP DATABASE, from a connection to the server's `postgres` database: a
    database can be dropped or copied only while nobody is connected to it."""

    def __init__(self, url: str):
        self.url = make_url(url)
        self.name = self.url.database
        self.template = f"{self.name}_template"
        self.engine = create_engine(self.url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> None:
        """`name` made anew: empty, or a copy of `template`."""
        copy = f" TEMPLATE {self._quote(template)}" if template else ""
        with self.engine.connect() as connection:
            self._drop(connection, name)
            connection.execute(text(f"CREATE DATABASE {self._quote(name)}{copy}"))

    def drop(self, name: str) -> None:
        with self.engine.connect() as connection:
            self._drop(connection, name)

    def _drop(self, connection, name: str) -> None:
        try:
            connection.execute(text(f"DROP DATABASE IF EXISTS {self._quote(name)}"))
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) != OBJECT_IN_USE:
                raise
            raise RuntimeError(f"{name} is still in use, by the last test or another run: "
                               "an engine that was not disposed?") from exc

    def _quote(self, name: str) -> str:
        return self.engine.dialect.identifier_preparer.quote(name)


@pytest.fixture(scope="session")
def postgres():
    if not ON_POSTGRES:
        yield None
        return
    server = Postgres(TEST_DATABASE_URL)
    yield server
    server.drop(server.template)
    server.engine.dispose()


def _close_sqlite(engine) -> None:
    """Fold the write-ahead log into the database file and close it: the file alone is then
    the whole database, and a copy of it is a consistent one."""
    with engine.connect() as connection:
        busy, _, _ = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
    engine.dispose()
    assert busy == 0, "the template database was still being written to"


@pytest.fixture(scope="session")
def initialised_instance(tmp_path_factory, postgres) -> Path:
    """`flask init`, once: the instance folder it writes (config, key ring, notice and, on
    SQLite, the database) and, on PostgreSQL, the template database beside it."""
    folder = tmp_path_factory.mktemp("template") / "instance"
    if postgres:
        postgres.create(postgres.template)
        url = postgres.url_of(postgres.template)
    else:
        url = sqlite_url(folder)
    template = create_app({**APP_CONFIG, "INSTANCE_PATH": str(folder), "DATABASE_URL": url})
    result = template.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    engine = template.extensions["surveys.engine"]
    if postgres:
        engine.dispose()
    else:
        _close_sqlite(engine)
        assert not list(folder.glob("surveys.db-*")), "the template database was left open"
    return folder


@pytest.fixture
def instance_path(tmp_path):
    return tmp_path / "instance"


@pytest.fixture
def database_url(request, instance_path, postgres):
    """This test's database. Empty, for a test that runs `init` itself; under `app` it is
    made from the template instead, so it is not made empty first."""
    if not postgres:
        return sqlite_url(instance_path)
    if "app" not in request.fixturenames:
        postgres.create(postgres.name)
    return TEST_DATABASE_URL


@pytest.fixture
def app(initialised_instance, instance_path, database_url, postgres):
    """An app as `flask init` leaves it: instance folder, key ring, migrated schema and the
    demo survey, all copied from the session's template."""
    shutil.copytree(initialised_instance, instance_path)  # keeps the modes: the key ring stays 0600
    if postgres:
        postgres.create(postgres.name, template=postgres.template)
    app = create_app({**APP_CONFIG, "INSTANCE_PATH": str(instance_path), "DATABASE_URL": database_url})
    yield app
    app.extensions["surveys.engine"].dispose()


@pytest.fixture
def make_app(instance_path, database_url):
    """Another app on the same instance (a second server, other settings); its engine is disposed after."""
    made = []

    def build(**overrides):
        config = {"TESTING": True, "INSTANCE_PATH": str(instance_path), "DATABASE_URL": database_url,
                  "SECRET_KEY": "test-secret", "JOBS_IMMEDIATE": True, "EXPORT_WORKERS": 1, **overrides}
        made.append(create_app(config))
        return made[-1]
    yield build
    for other in made:
        other.extensions["surveys.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def raw_database_bytes(app, instance_path: Path) -> bytes:
    """Everything the database holds, as bytes: the SQLite file with its WAL, or on
    PostgreSQL every row of every table rendered as text."""
    if not ON_POSTGRES:
        return b"".join(path.read_bytes() for path in instance_path.glob("surveys.db*"))
    with app.extensions["surveys.engine"].connect() as connection:
        tables = connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
        dump = [str(row) for table in tables
                for row in connection.execute(text(f'SELECT t::text FROM "{table}" t')).scalars()]
    return "\n".join(dump).encode()


# -- builders --------------------------------------------------------------------------------

@pytest.fixture
def make_survey(app):
    """Load a survey from YAML text (as `surveys load` would) and return its slug."""
    def build(definition: str) -> str:
        with app.app_context():
            survey, _ = catalogue.save_survey(db.session(), parse_definition(definition))
            db.commit()
            return survey.slug
    return build


@pytest.fixture
def submit(client):
    """POST a response through the JSON API; returns the Flask response."""
    def post(slug: str, answers: dict, consent: dict | None = None, **kwargs):
        return client.post(f"/api/v1/surveys/{slug}/responses",
                           json={"answers": answers, "consent": {**CONSENT, **(consent or {})}}, **kwargs)
    return post


@pytest.fixture
def count_rows(app):
    def count(table: str) -> int:
        with app.extensions["surveys.engine"].connect() as connection:
            return connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    return count


def csrf_token(html: bytes) -> str:
    match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1).decode()


@pytest.fixture
def make_account(runner):
    """A staff account through the CLI, as an admin would create it."""
    def create(email: str = "res@example.org", role: str = "researcher", spi: bool = False) -> str:
        args = ["users", "create", email, "--role", role, "--password-stdin"] + (["--spi-access"] if spi else [])
        result = runner.invoke(args=args, input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output
        return email
    return create


@pytest.fixture
def login(app, client, runner, make_account):
    """Sign a fresh account in through the login form; returns its email. A researcher is granted `grant` (by
    default exporter) on every survey that exists at that moment, as an admin would with `users grant`."""
    def log_in(role: str = "researcher", spi: bool = False, email: str | None = None,
               grant: str | None = "exporter") -> str:
        email = make_account(email or f"{role}{'-spi' if spi else ''}@example.org", role, spi)
        if role == "researcher" and grant:
            with app.app_context():
                slugs = [s.slug for s in catalogue.list_surveys(db.session())]
            result = runner.invoke(args=["users", "grant", email, *slugs, "--role", grant])
            assert result.exit_code == 0, result.output
        page = client.get("/researcher/login")
        response = client.post("/researcher/login", data={"csrf_token": csrf_token(page.data), "email": email,
                                                          "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return email
    return log_in


@pytest.fixture
def make_recipient(runner):
    """A third party through the CLI; returns its API token (the last line printed)."""
    def create(name: str, purposes=("care-quality",), surveys=("wellbeing-demo",)) -> str:
        args = ["recipients", "create", name]
        for purpose in purposes:
            args += ["--purpose", purpose]
        for slug in surveys:
            args += ["--survey", slug]
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
        return result.output.strip().splitlines()[-1]
    return create


def recipient_id(app, name: str) -> int:
    with app.app_context():
        return db.session().scalar(select(Recipient.id).where(Recipient.name == name))


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# -- a respondent in the browser -------------------------------------------------------------

def start(client, headers=None, **choices):
    """The demo survey's consent step, with the boxes named in `choices` ticked."""
    page = client.get(f"/s/{DEMO}", headers=headers or {})
    data = {"csrf_token": csrf_token(page.data), **{key: "y" for key, on in choices.items() if on}}
    return client.post(f"/s/{DEMO}", data=data, headers=headers or {})


INPUT_NAME = re.compile(rb'name="(q_[a-z0-9_]+)"')


def last_page(client, slug=DEMO, **answers):
    """Through the survey's pages with Next, each sent the answers its inputs take; returns the last page
    (the one with Submit), or the page that stopped with errors."""
    page = client.get(f"/s/{slug}/questions")
    assert page.status_code == 200, page.status_code
    while b'value="submit"' not in page.data:
        on_page = {name.decode() for name in INPUT_NAME.findall(page.data)}
        data = {"csrf_token": csrf_token(page.data), "action": "next", "page": page_name(page.data),
                **{name: value for name, value in answers.items() if name in on_page}}
        sent = client.post(f"/s/{slug}/questions", data=data)
        if sent.status_code != 302:
            return sent
        page = client.get(sent.headers["Location"])
    return page


def page_name(html: bytes) -> str:
    return re.search(rb'name="page" value="([a-z0-9_]*)"', html).group(1).decode()


def answer(client, slug=DEMO, **answers):
    """The survey's questions, page after page, sent with these answers (`q_<name>` form fields, each on the
    page that asks it); returns the response to the last page's Submit (or to the page that had errors).
    A Submit that an answer on its page turned into a Next (a page its answers now show) walks on."""
    while True:
        page = last_page(client, slug, **answers)
        if b'value="submit"' not in page.data:
            return page
        on_page = {name.decode() for name in INPUT_NAME.findall(page.data)}
        sent = client.post(f"/s/{slug}/questions", data={
            "csrf_token": csrf_token(page.data), "action": "submit", "page": page_name(page.data),
            **{name: value for name, value in answers.items() if name in on_page}})
        if sent.status_code != 302 or f"/s/{slug}/questions" not in sent.headers["Location"]:
            return sent


def shown_code(html: str, element_id: str = "receipt-code") -> str | None:
    """A code a page shows once (a receipt, a resume code), as the respondent copies it: its groups of four, each
    in an element of its own, joined."""
    match = re.search(rf'id="{element_id}">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else None


def sign_in(client, code):
    """A respondent opens self-service with their receipt code."""
    page = client.get("/me")
    return client.post("/me", data={"csrf_token": csrf_token(page.data), "code": code})


# -- the panel: one respondent per consent state, and the exports of it ------------------------

PANEL_SURVEY = """
slug: panel
title: Panel
purpose: care-quality
fields:
  - {name: tag, type: text, classification: non_pii}
  - {name: name, type: text, classification: pii}
  - {name: condition, type: text, classification: spi}
"""
CLASSES = {"tag": Classification.NON_PII, "name": Classification.PII, "condition": Classification.SPI}
COMBOS = list(itertools.product([False, True], repeat=3))


def combo_tag(combo) -> str:
    return "tag-" + "".join("1" if bit else "0" for bit in combo)


@pytest.fixture
def panel(make_survey, submit):
    """One respondent per consent state, each answer a canary naming its owner and class."""
    make_survey(PANEL_SURVEY)
    receipts = {}
    for combo in COMBOS:
        tag = combo_tag(combo)
        response = submit("panel", {"tag": tag, "name": f"name-of-{tag}", "condition": f"condition-of-{tag}"},
                          dict(zip(("opt_out_third_party", "opt_out_other_purposes", "spi_disclosure"), combo)))
        receipts[tag] = response.get_json()["receipt"]
    return receipts


def export_form(client, **values):
    page = client.get("/researcher/export")
    return {"csrf_token": csrf_token(page.data), "survey": "panel", "format": "csv", "mode": "blank", **values}


def download(client, **values):
    response = client.post("/researcher/export/download", data=export_form(client, **values))
    if values.get("format") == "aggregate":
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return response.get_data()
    return exported_file(client, response)


JOB_FILE = re.compile(rb'action="(/researcher/export/jobs/[0-9a-f]{32}/file)"')


def exported_file(client, started) -> bytes:
    """The file of an export started on the export page: its job's page (the job has run: see APP_CONFIG), and
    the download that page offers."""
    assert started.status_code == 302, started.get_data(as_text=True)[:500]
    page = client.get(started.headers["Location"])
    found = JOB_FILE.search(page.data)
    assert found, page.get_data(as_text=True)
    response = client.post(found.group(1).decode(), data={"csrf_token": csrf_token(page.data)})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.is_streamed
    return response.get_data()


@pytest.fixture
def job_runner(app):
    """A real job runner beside the app: Huey's consumer over the queue in the instance folder, its worker a thread
    of this process (so a test can watch a job half-way), where other tests run jobs inside the request."""
    huey = app.extensions["surveys.jobs"].huey
    huey.immediate = False
    consumer = huey.create_consumer(workers=1, periodic=False, initial_delay=0.02, max_delay=0.1,
                                    check_worker_health=False)
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()
    for number, handler in handlers.items():  # the consumer's own are for a process of its own
        signal.signal(number, handler)
    yield consumer
    consumer.stop(graceful=True)
    huey.storage.close()


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode())))


# -- the disclosure table, stated apart from models.disclosure --------------------------------

def independent_statement(classification, recipient, purpose, consent, clearance) -> bool:
    """The table restated as the conditions each column adds, written apart from models.disclosure."""
    if consent.withdrawn:
        return False
    if classification is Classification.NON_PII:
        return True
    third, other = recipient is RecipientKind.THIRD_PARTY, purpose is PurposeRelation.OTHER
    conditions = []
    if third:
        conditions.append(not consent.opt_out_third_party)
    if other:
        conditions.append(not consent.opt_out_other_purposes)
    if classification is Classification.SPI:
        if not third:
            conditions.append(clearance)
        if third or other:
            conditions.append(consent.spi_disclosure)
    return all(conditions)
