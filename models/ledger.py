"""Accounting of disclosures: an append-only, hash-chained ledger.

Each entry's digest covers its content and the previous entry's digest, so an
altered, deleted or reordered entry breaks the chain. Entries hold ids, field
names, counts and digests — never answers — and survive the respondent's erasure.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from operator import itemgetter
from typing import Any, Sequence

from sqlalchemy import JSON, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, intpk, timestamp, utcnow
from .ledger_lines import CHUNK_COLUMNS, Chunk, LedgerLines, Line, holding, insert_lines

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
    #: SHA-256 over this entry's lines (ledger_lines), in order, as `lines_version` says.
    respondents_digest: Mapped[str] = mapped_column(String(64))
    lines_version: Mapped[int] = mapped_column(Integer, server_default="1")
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


#: How an entry's lines are digested. 1: "public id:fields" per line (entries written before
#: response ids were part of the record); 2: "response id:public id:fields", so a line moved to
#: another respondent breaks the chain too.
LINES_VERSION = 2


class RespondentsDigest:
    """A running SHA-256 over respondent lines, in the order they are written."""

    def __init__(self, version: int = LINES_VERSION) -> None:
        self._hash = hashlib.sha256()
        self.version = version
        self.count = 0

    def add(self, lines: Sequence[Line]) -> None:
        if self.version == 1:
            text = "".join(f"{public_id}:{fields}\n" for _, public_id, fields in lines)
        elif not all(map(itemgetter(0), lines)):  # a line with no id (None, or 0 as chunks give it back)
            text = "".join(f"{rid or ''}:{public_id}:{fields}\n" for rid, public_id, fields in lines)
        else:  # every line of an export or a page: formatted in C
            text = "".join(map("%d:%s:%s\n".__mod__, map(tuple, lines)))
        self._hash.update(text.encode())
        self.count += len(lines)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


CHAINED = ("seq", "at", "actor", "action", "recipient", "purpose", "purpose_relation", "survey", "format",
           "fields", "withheld", "respondent_count", "respondents_digest", "payload_digest", "note", "batch")
#: Columns added later, chained only where they differ from the value every earlier entry holds,
#: so that no earlier entry's digest changes.
CHAINED_LATER = {"lines_version": 1}


def entry_digest(entry: LedgerEntry, prev_digest: str) -> str:
    content = {name: getattr(entry, name) for name in CHAINED}
    content.update({name: getattr(entry, name) for name, earlier in CHAINED_LATER.items()
                    if getattr(entry, name) != earlier})
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
    if entry.lines_version is None:
        entry.lines_version = LINES_VERSION
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
                 fields: list[str] | None = None, lines: Sequence[Line] = ()) -> LedgerEntry:
    """Something done that discloses nothing (an erasure, a classification review, a staff account changed),
    in the caller's transaction: that it happened and who did it, never any answer; `lines` names the
    respondents it concerned, if any."""
    batch, respondents = secrets.token_hex(16), RespondentsDigest()
    if lines:
        respondents.add(lines)
        insert_lines(session.connection(), batch, lines)
    return append(session, LedgerEntry(
        actor=actor, action=action, survey=survey, note=note, batch=batch,
        recipient="", purpose="", purpose_relation="", format="", fields=list(fields or []), withheld={},
        respondent_count=respondents.count, respondents_digest=respondents.hexdigest(), lines_version=LINES_VERSION,
        payload_digest=hashlib.sha256(b"").hexdigest()))


def append_erasure(session: Session, survey: str, erased: Sequence[tuple[int, str]], reason: str,
                   actor: str) -> LedgerEntry:
    """One entry for responses erased together, (id, public id) in id order, each a line of it."""
    note = f"{reason}: {erased[0][1]}" if len(erased) == 1 else f"{reason}: {len(erased)} responses, one per line"
    return append_event(session, "erasure", actor, note, survey,
                        lines=[(response_id, public_id, "") for response_id, public_id in erased])


def disclosures_of(session: Session, response_id: int, public_id: str) -> list[dict[str, Any]]:
    """What a respondent sees: every disclosure that included them, found through the span index
    of the chunks of lines (a handful of candidates, however long the ledger)."""
    rows = session.execute(
        select(LedgerEntry.at, LedgerEntry.recipient, LedgerEntry.purpose, LedgerEntry.action, *CHUNK_COLUMNS)
        .join(LedgerEntry, LedgerEntry.batch == LedgerLines.batch)
        .where(*holding(response_id)).order_by(LedgerEntry.seq, LedgerLines.id))
    found = []
    for at, recipient, purpose, action, *chunk in rows:
        fields = Chunk(*chunk).fields_of(response_id, public_id)
        if fields is not None:
            found.append({"at": at, "recipient": recipient, "purpose": purpose, "action": action, "fields": fields})
    return found


def contains_digest(session: Session, digest: str) -> bool:
    return session.scalar(select(LedgerEntry.id).where(LedgerEntry.digest == digest)) is not None
