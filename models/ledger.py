"""Accounting of disclosures: an append-only, hash-chained ledger.

Each entry's digest covers its content and the previous entry's digest, so an
altered, deleted or reordered entry breaks the chain. Entries hold ids, field
names, counts and digests — never answers — and survive the respondent's erasure.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, intpk, timestamp, utcnow

GENESIS = "0" * 64


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    # A respondent's record lists the aggregate releases of their survey made after they answered.
    __table_args__ = (Index("ix_ledger_entries_survey_action_at", "survey", "action", "at"),)

    id: Mapped[intpk]
    #: 1, 2, 3 … with no gaps; unique, so two appends cannot both follow the same entry.
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[timestamp]
    #: Who asked: a staff email, "recipient:<name>", or "system".
    actor: Mapped[str] = mapped_column(String(254))
    #: export | aggregate | api_page | erasure | survey_saved | review | survey_status | account | grant
    action: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(100), default="")
    purpose: Mapped[str] = mapped_column(String(64), default="")
    #: original | other, against the survey's own purpose.
    purpose_relation: Mapped[str] = mapped_column(String(16), default="")
    survey: Mapped[str] = mapped_column(String(64), default="")
    format: Mapped[str] = mapped_column(String(32), default="")
    #: Field names that went out for at least one respondent.
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: {field: {reason: count}}
    withheld: Mapped[dict[str, dict[str, int]]] = mapped_column(JSON, default=dict)
    respondent_count: Mapped[int] = mapped_column(Integer, default=0)
    #: SHA-256 over this entry's ledger_respondents lines, in order.
    respondents_digest: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the bytes that went out.
    payload_digest: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    #: An aggregate release's cohort, in place of a line per respondent: how many were counted, the time bound
    #: as applied, the moment of release, and which consent states were counted for which classes
    #: (surveys/releases.py). Empty for every other entry.
    cohort: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    #: Links the respondents written while the payload streamed.
    batch: Mapped[str] = mapped_column(String(32), unique=True)
    prev_digest: Mapped[str] = mapped_column(String(64), unique=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)


class LedgerRespondent(Base):
    """One respondent in one disclosure, and which of their fields went out. No foreign key,
    so erasure leaves the record whole.

    Looked up by the response's id, and checked against its public id (SQLite can give a
    deleted row's id to a new row). Not by the public id alone: it is random, so each of an
    export's million lines would land on a random page of that index, where response ids
    come in the order the export reads them."""
    __tablename__ = "ledger_respondents"

    id: Mapped[intpk]
    batch: Mapped[str] = mapped_column(String(32), index=True)
    response_id: Mapped[int | None] = mapped_column(Integer, index=True)
    public_id: Mapped[str] = mapped_column(String(32))
    #: Comma-separated field names.
    fields: Mapped[str] = mapped_column(Text)


# One statement per batch of lines: the database runs the loop, not Python, so a writer on
# another thread works without holding the interpreter (and a million lines cost seconds).
_INSERT_LINES = {
    "sqlite": "INSERT INTO ledger_respondents (batch, response_id, public_id, fields) "
              "SELECT :batch, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') "
              "FROM json_each(:lines) ORDER BY key",
    "postgresql": "INSERT INTO ledger_respondents (batch, response_id, public_id, fields) "
                  "SELECT :batch, CAST(line ->> 0 AS integer), line ->> 1, line ->> 2 "
                  "FROM jsonb_array_elements(CAST(:lines AS jsonb)) WITH ORDINALITY AS lines(line, n) ORDER BY n",
}


def insert_respondents(connection: Connection, batch: str, lines: list[tuple[int, str, str]]) -> None:
    """Append (response id, public id, fields) lines to a batch, in the order given: ids grow with it."""
    connection.execute(text(_INSERT_LINES[connection.dialect.name]), {"batch": batch, "lines": json.dumps(lines)})


class RespondentsDigest:
    """A running SHA-256 over respondent lines, in the order they are written."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.count = 0

    def add(self, public_id: str, fields: str) -> None:
        self._hash.update(f"{public_id}:{fields}\n".encode())
        self.count += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


CHAINED = ("seq", "at", "actor", "action", "recipient", "purpose", "purpose_relation", "survey", "format",
           "fields", "withheld", "respondent_count", "respondents_digest", "payload_digest", "note", "batch")


def entry_digest(entry: LedgerEntry, prev_digest: str) -> str:
    content = {name: getattr(entry, name) for name in CHAINED}
    content["at"] = entry.at.isoformat()
    # Chained only where there is one, so every entry written before cohorts existed keeps its digest.
    if entry.cohort:
        content["cohort"] = entry.cohort
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_digest}\n{canonical}".encode()).hexdigest()


def append(session: Session, entry: LedgerEntry) -> LedgerEntry:
    """Chain the entry after the current head, inside the caller's transaction.

    Appends take the ledger's lock first, so two never read the same head: the unique
    seq and prev_digest are the safety net, not the mechanism."""
    _lock(session)
    head = session.execute(select(LedgerEntry.seq, LedgerEntry.digest)
                           .order_by(LedgerEntry.seq.desc()).limit(1)).first()
    entry.seq, entry.prev_digest = (head.seq + 1, head.digest) if head else (1, GENESIS)
    entry.at = (entry.at or utcnow()).replace(microsecond=0)
    entry.digest = entry_digest(entry, entry.prev_digest)
    session.add(entry)
    session.flush()
    return entry


def _lock(session: Session) -> None:
    """SQLite: hold the database's write lock before reading the head (a deferred transaction
    that reads, then writes, is refused when another writer got in between). PostgreSQL: a
    transaction-scoped advisory lock that every append takes."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        if not connection.connection.dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7102)")


def append_event(session: Session, action: str, actor: str, note: str, survey: str = "",
                 fields: list[str] | None = None) -> LedgerEntry:
    """Something done that discloses nothing (an erasure, a classification review, a staff account changed),
    in the caller's transaction: that it happened and who did it, never any answer."""
    return append(session, LedgerEntry(
        actor=actor, action=action, survey=survey, note=note, batch=secrets.token_hex(16),
        recipient="", purpose="", purpose_relation="", format="", fields=list(fields or []), withheld={},
        respondent_count=0, respondents_digest=RespondentsDigest().hexdigest(),
        payload_digest=hashlib.sha256(b"").hexdigest()))


def append_erasure(session: Session, survey: str, public_id: str, reason: str, actor: str) -> LedgerEntry:
    return append_event(session, "erasure", actor, f"{reason}: {public_id}", survey)


@dataclass(frozen=True)
class Break:
    seq: int | None
    problem: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.problem}" if self.seq else self.problem


def verify(session: Session) -> tuple[int, str, list[Break]]:
    """Walk the chain: (entries checked, head digest, every break found)."""
    breaks: list[Break] = []
    prev, expected_seq, count = GENESIS, 1, 0
    for entry in session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).yield_per(1000):
        count += 1
        if entry.seq != expected_seq:
            breaks.append(Break(entry.seq, f"out of sequence: expected entry {expected_seq} here"))
        if entry.prev_digest != prev:
            breaks.append(Break(entry.seq, "does not follow the entry before it (one was deleted or moved)"))
        if entry_digest(entry, entry.prev_digest) != entry.digest:
            breaks.append(Break(entry.seq, "its content no longer matches its digest (altered)"))
        if respondents_digest(session, entry.batch) != (entry.respondents_digest, entry.respondent_count):
            breaks.append(Break(entry.seq, "its list of respondents was altered"))
        prev, expected_seq = entry.digest, entry.seq + 1
    return count, prev, breaks


def respondents_digest(session: Session, batch: str) -> tuple[str, int]:
    running = RespondentsDigest()
    rows = session.execute(select(LedgerRespondent.public_id, LedgerRespondent.fields)
                           .where(LedgerRespondent.batch == batch).order_by(LedgerRespondent.id))
    for public_id, fields in rows.yield_per(5000):
        running.add(public_id, fields)
    return running.hexdigest(), running.count


def disclosures_of(session: Session, response_id: int, public_id: str) -> list[dict[str, Any]]:
    """What a respondent sees: every disclosure that included them."""
    rows = session.execute(
        select(LedgerEntry.at, LedgerEntry.recipient, LedgerEntry.purpose, LedgerEntry.action,
               LedgerRespondent.fields)
        .join(LedgerEntry, LedgerEntry.batch == LedgerRespondent.batch)
        .where(LedgerRespondent.response_id == response_id, LedgerRespondent.public_id == public_id)
        .order_by(LedgerEntry.seq))
    return [{"at": at, "recipient": recipient, "purpose": purpose, "action": action,
             "fields": fields.split(",") if fields else []} for at, recipient, purpose, action, fields in rows]


def contains_digest(session: Session, digest: str) -> bool:
    return session.scalar(select(LedgerEntry.id).where(LedgerEntry.digest == digest)) is not None
