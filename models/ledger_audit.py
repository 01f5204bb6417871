"""Checking the ledger: the hash chain, every entry's lines, and signed checkpoints.

A verification that finds nothing wrong leaves a checkpoint at the head it reached, signed
with a key derived from the key ring's current key. The next one starts there: it checks the
checkpoint's signature and that the entry it names still has the digest it vouched for, then
walks that entry again and what was added since, so its time follows what was added, not the
ledger's age.
`full` walks the whole chain from the start, whatever the checkpoints say. A checkpoint also
catches a cut tail: the entry it names is gone.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, intpk, iso_utc, timestamp, utcnow
from .crypto import KeyRing
from .ledger import GENESIS, LedgerEntry, RespondentsDigest, entry_digest
from .ledger_lines import CHUNK_COLUMNS, Chunk, LedgerLines


class LedgerCheckpoint(Base):
    """A head that a verification found intact, signed so that it cannot be moved or made up."""
    __tablename__ = "ledger_checkpoints"

    id: Mapped[intpk]
    seq: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    #: How many entries the chain held up to here.
    entries: Mapped[int] = mapped_column(Integer)
    at: Mapped[timestamp]
    #: The key ring's key the signature's key was derived from.
    key_id: Mapped[str] = mapped_column(String(16))
    #: HMAC-SHA256 over seq, digest, entries and time.
    signature: Mapped[str] = mapped_column(String(64))


def _signing_key(ring: KeyRing, key_id: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"surveys/v1|ledger-checkpoint").derive(ring.keys[key_id])


def _signed(ring: KeyRing, key_id: str, seq: int, digest: str, entries: int, at: datetime) -> str:
    message = f"{seq}\n{digest}\n{entries}\n{iso_utc(at)}".encode()
    return hmac.new(_signing_key(ring, key_id), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Break:
    seq: int | None
    problem: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.problem}" if self.seq else self.problem


@dataclass
class Verification:
    #: Entries in the chain, and how many of them this run walked.
    entries: int = 0
    checked: int = 0
    head: str = GENESIS
    #: The checkpoint it started from (None: from the first entry).
    since: int | None = None
    breaks: list[Break] = field(default_factory=list)


def verify(session: Session, ring: KeyRing, full: bool = False) -> Verification:
    """Walk the chain from the last checkpoint (or from the start), and leave a checkpoint at the
    head if nothing is wrong; flushed, in the caller's transaction."""
    result = Verification()
    prev, expected_seq = GENESIS, 1
    start = None if full else _last_checkpoint(session)
    if start is not None:
        problem = _checkpoint_problem(session, ring, start)
        if problem:
            result.breaks.append(Break(None, problem))
            return result
        # The checkpoint's own entry is walked again (its content and lines, against the digest the
        # checkpoint vouched for): what it vouches for is that digest, not the entry it was read from.
        prev = session.scalar(select(LedgerEntry.prev_digest).where(LedgerEntry.seq == start.seq))
        expected_seq, result.entries, result.since = start.seq, start.entries - 1, start.seq
    query = select(LedgerEntry).where(LedgerEntry.seq >= expected_seq).order_by(LedgerEntry.seq, LedgerEntry.id)
    for entry in session.scalars(query).yield_per(1000):
        result.checked += 1
        result.breaks.extend(_entry_breaks(session, entry, expected_seq, prev))
        prev, expected_seq = entry.digest, entry.seq + 1
    result.entries += result.checked
    result.head = prev
    if not result.breaks and expected_seq - 1 > (start.seq if start else 0):
        _checkpoint(session, ring, expected_seq - 1, prev, result.entries)
    return result


def _entry_breaks(session: Session, entry: LedgerEntry, expected_seq: int, prev: str) -> list[Break]:
    breaks = []
    if entry.seq != expected_seq:
        breaks.append(Break(entry.seq, f"out of sequence: expected entry {expected_seq} here"))
    if entry.prev_digest != prev:
        breaks.append(Break(entry.seq, "does not follow the entry before it (one was deleted or moved)"))
    if entry_digest(entry, entry.prev_digest) != entry.digest:
        breaks.append(Break(entry.seq, "its content no longer matches its digest (altered)"))
    if respondents_digest(session, entry.batch, entry.lines_version) != (entry.respondents_digest,
                                                                         entry.respondent_count):
        breaks.append(Break(entry.seq, "its list of respondents was altered"))
    return breaks


def respondents_digest(session: Session, batch: str, version: int) -> tuple[str, int] | None:
    """The digest and count of a batch's lines as stored; None where a chunk does not hold together."""
    running = RespondentsDigest(version)
    rows = session.execute(select(*CHUNK_COLUMNS).where(LedgerLines.batch == batch).order_by(LedgerLines.id))
    for row in rows.yield_per(64):
        try:
            running.add(Chunk(*row).lines())
        except ValueError:
            return None
    return running.hexdigest(), running.count


def _last_checkpoint(session: Session) -> LedgerCheckpoint | None:
    return session.scalars(select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc()).limit(1)).first()


def _checkpoint_problem(session: Session, ring: KeyRing, checkpoint: LedgerCheckpoint) -> str | None:
    where = f"the checkpoint at entry {checkpoint.seq}"
    if checkpoint.key_id not in ring.keys:
        return f"{where} is signed with a key that is not in the key ring; run with --full"
    expected = _signed(ring, checkpoint.key_id, checkpoint.seq, checkpoint.digest, checkpoint.entries, checkpoint.at)
    if not hmac.compare_digest(expected, checkpoint.signature):
        return f"{where} does not match its signature (altered)"
    digest = session.scalar(select(LedgerEntry.digest).where(LedgerEntry.seq == checkpoint.seq))
    if digest is None:
        return f"{where}: that entry is no longer in the ledger (the end was cut off)"
    if digest != checkpoint.digest:
        return f"{where}: that entry's digest changed since it was verified"
    return None


def _checkpoint(session: Session, ring: KeyRing, seq: int, digest: str, entries: int) -> None:
    at = utcnow().replace(microsecond=0)
    session.add(LedgerCheckpoint(seq=seq, digest=digest, entries=entries, at=at, key_id=ring.current,
                                 signature=_signed(ring, ring.current, seq, digest, entries, at)))
    session.flush()
