"""The schema is Alembic's: every database, SQLite or PostgreSQL, is built by migrations."""
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    run(engine, command.upgrade, revision)


def run(engine: Engine, step, revision: str) -> None:
    """An upgrade or downgrade in one transaction. On SQLite, foreign keys are off while it runs: changing a
    constraint copies the table, and dropping the old copy would otherwise cascade into every table that
    references it. Whatever the migration left dangling is refused before the transaction ends."""
    config = alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # a PRAGMA outside any transaction: inside one, SQLite ignores it
            connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                step(config, revision)
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("the migration left rows whose foreign keys point at nothing")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")
                connection.commit()
