"""Engines and sessions, without Flask: the app, the CLI and the benchmarks share them."""
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.expression import Executable


def make_engine(url: str, **options) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    # WAL lets readers run beside the single writer; secure_delete overwrites
    # erased rows so withdrawn answers do not linger in free pages.
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA secure_delete = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)


def hold_write_lock(session: Session) -> None:
    """SQLite: take the database's write lock now, before reading what a write will depend on. SQLite has no row
    locks, and the driver begins a transaction only at its first write, so a read before it would see a state
    another writer may change first. PostgreSQL needs nothing here: lock the rows read (FOR UPDATE)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Prepared:
    """A Core statement compiled once per dialect and run on the DB-API cursor of a connection, inside whatever
    transaction that connection is in. For the inserts of a submission, SQLAlchemy's execution of a cached
    statement (its cache key, parameters and result, on every call) cost more than the database's own work.
    Each value still goes through its column type's bind processing; the statement's own literals are kept.
    Bypassed as well: SQLAlchemy's engine events and echo, which nothing here relies on for these statements."""

    def __init__(self, statement: Executable):
        self.statement = statement
        self._by_dialect: dict[str, tuple[str, tuple[str, ...] | None, dict, dict]] = {}

    def execute(self, connection: Connection, params: dict[str, Any]) -> list[tuple]:
        """The rows the statement returns (none if it returns none)."""
        dialect = connection.dialect
        found = self._by_dialect.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            processors = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                          for name, bind in compiled.binds.items()}
            fixed = {name: bind.value for name, bind in compiled.binds.items() if bind.value is not None}
            order = tuple(compiled.positiontup) if compiled.positional else None
            found = self._by_dialect[dialect.name] = (compiled.string, order, processors, fixed)
        sql, order, processors, fixed = found
        values = {**fixed, **params}
        for name, value in values.items():
            process = processors.get(name)
            if process is not None:
                values[name] = process(value)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, tuple(values[name] for name in order) if order is not None else values)
            return cursor.fetchall() if cursor.description else []
        finally:
            cursor.close()
