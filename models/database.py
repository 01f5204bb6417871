"""Engines and sessions, without Flask: the app, the CLI and the benchmarks share them."""
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker


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
