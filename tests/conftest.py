"""Fixtures as the Flask tutorial has them: app, client, runner; plus builders.

The suite runs on SQLite by default; with SURVEYS_TEST_DATABASE_URL set (as .ci/run
does when PostgreSQL answers) every test gets a freshly emptied PostgreSQL schema."""
import os
import re

import pytest
from sqlalchemy import create_engine, text

from app import create_app
from models.definition import parse_definition
from surveys import catalogue, db

TEST_DATABASE_URL = os.environ.get("SURVEYS_TEST_DATABASE_URL")
ON_POSTGRES = bool(TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"))

CONSENT = {"participate": True, "age_confirmed": True}


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def instance_path(tmp_path):
    return tmp_path / "instance"


@pytest.fixture
def database_url(instance_path):
    if TEST_DATABASE_URL:
        _empty_postgres(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return f"sqlite:///{instance_path / 'surveys.db'}"


@pytest.fixture
def app(instance_path, database_url):
    """An initialised app: instance folder, key ring, migrated schema and the demo survey."""
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance_path),
                      "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
                      "PASSWORD_HASHING": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
                      "RATELIMIT_ENABLED": False})
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    yield app
    app.extensions["surveys.engine"].dispose()


@pytest.fixture
def make_app(instance_path, database_url):
    """Another app on the same instance (a second server, other settings); its engine is disposed after."""
    made = []

    def build(**overrides):
        config = {"TESTING": True, "INSTANCE_PATH": str(instance_path), "DATABASE_URL": database_url,
                  "SECRET_KEY": "test-secret", **overrides}
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


PASSWORD = "correct horse battery staple"


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
def login(client, make_account):
    """Sign a fresh account in through the login form; returns its email."""
    def sign_in(role: str = "researcher", spi: bool = False, email: str | None = None) -> str:
        email = make_account(email or f"{role}{'-spi' if spi else ''}@example.org", role, spi)
        page = client.get("/researcher/login")
        response = client.post("/researcher/login", data={"csrf_token": csrf_token(page.data), "email": email,
                                                          "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return email
    return sign_in


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
