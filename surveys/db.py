"""One SQLAlchemy session per request, closed in teardown. Views commit once, after the
use case succeeds; anything else is rolled back when the session closes."""
from flask import Flask, current_app, g
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from models.database import make_engine, make_session_factory


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["surveys.engine"] = engine
    app.extensions["surveys.sessions"] = make_session_factory(engine)
    app.teardown_appcontext(_close)


def session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["surveys.sessions"]()
    return g.db_session


def engine() -> Engine:
    return current_app.extensions["surveys.engine"]


def commit() -> None:
    session().commit()


def _close(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
