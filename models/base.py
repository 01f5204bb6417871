import enum
from datetime import datetime, timezone
from typing import Annotated

from sqlalchemy import DateTime, MetaData, String, Text, func
from sqlalchemy.orm import DeclarativeBase, mapped_column
from sqlalchemy.types import TypeDecorator

# Named constraints keep Alembic migrations portable between SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso_utc(value: datetime) -> str:
    """How every payload writes a time: seconds, UTC, with a Z."""
    return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def utc_text(column, dialect: str):
    """iso_utc of a UTCDateTime column, as SQL: the database writes it, where a million rows would each be made
    a datetime only to be written out again. Truncated to the second, as iso_utc does."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS"Z"', type_=Text)
    # SQLite holds them as UTC text, 'YYYY-MM-DD HH:MM:SS.ffffff' (SQLAlchemy's own format).
    return func.substr(column, 1, 10, type_=Text) + "T" + func.substr(column, 12, 8, type_=Text) + "Z"


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out; SQLite would otherwise hand back naive ones."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; use models.base.utcnow()")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class EnumText(TypeDecorator):
    """A vocabulary enum stored as its value in a plain text column, read back as the member:
    no native ENUM type, so SQLite and PostgreSQL keep the same schema, and CHECK constraints
    (built with vocabulary.sql_in) keep out anything else."""
    impl = String
    cache_ok = True

    def __init__(self, kind: type[enum.Enum], length: int):
        super().__init__(length)
        self.kind = kind

    def process_bind_param(self, value, dialect):
        return None if value is None else self.kind(value).value

    def process_result_value(self, value, dialect):
        return None if value is None else self.kind(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


intpk = Annotated[int, mapped_column(primary_key=True)]
timestamp = Annotated[datetime, mapped_column(UTCDateTime, default=utcnow)]
short_text = Annotated[str, mapped_column(String(200))]
