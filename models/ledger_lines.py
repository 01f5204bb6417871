"""Which respondents a disclosure included, stored compactly: a (respondent, disclosure) pair costs
about 17 bytes on disk, index included, where a row per pair cost over 200.

Lines are kept in chunks of up to CHUNK, in the order they were written: the response ids as
deltas, compressed (an export reads them in order, so most deltas are 1); the public ids as 16 raw
bytes each (random, they do not compress; they guard against SQLite giving a deleted row's id to a
new one); and per line an index into the chunk's distinct lists of field names.

A respondent's chunks are found by interval stabbing on a plain B-tree index: each chunk carries
`span`, the smallest power-of-two-aligned block of ids that holds its first and last id; the
blocks that can hold one id are one per level, so a lookup asks for at most LEVELS keys whatever
the number of disclosures. Every chunk whose block holds the id is a candidate; few are.
"""
from __future__ import annotations

import json
import sys
import zlib
from array import array
from dataclasses import dataclass
from itertools import accumulate
from operator import sub
from typing import Iterator, Sequence

from sqlalchemy import BigInteger, Integer, LargeBinary, String, Text, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, intpk

CHUNK = 1024
#: Levels of the span key: ids up to 2**47.
LEVELS = 48
_PUBLIC_ID_BYTES = 16

#: (response id or None for a line written before ids were kept, public id, comma-separated field names)
Line = tuple[int | None, str, str]


class LedgerLines(Base):
    """A chunk of one disclosure's lines. No foreign key: erasure leaves the record whole."""
    __tablename__ = "ledger_lines"

    id: Mapped[intpk]
    #: The disclosure's batch key (LedgerEntry.batch).
    batch: Mapped[str] = mapped_column(String(32), index=True)
    #: Smallest and largest response id in the chunk (0 when it holds none).
    first_id: Mapped[int] = mapped_column(Integer)
    last_id: Mapped[int] = mapped_column(Integer)
    #: level << 48 | first_id >> level: the aligned block of ids that holds the chunk.
    span: Mapped[int] = mapped_column(BigInteger, index=True)
    count: Mapped[int] = mapped_column(Integer)
    #: zlib of little-endian int64 deltas of the response ids (0 for none).
    ids: Mapped[bytes] = mapped_column(LargeBinary)
    #: 16 bytes per line.
    public_ids: Mapped[bytes] = mapped_column(LargeBinary)
    #: zlib of little-endian uint32 indexes into `lists`, one per line.
    fields: Mapped[bytes] = mapped_column(LargeBinary)
    #: JSON list of the distinct comma-separated field lists.
    lists: Mapped[str] = mapped_column(Text)


def span_key(first: int, last: int) -> int:
    level = (first ^ last).bit_length()
    return level << 48 | first >> level


def span_keys(response_id: int) -> list[int]:
    """Every span key whose block holds this id."""
    return [level << 48 | response_id >> level for level in range(LEVELS)]


def _little(values: array) -> bytes:
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _from_little(typecode: str, data: bytes) -> array:
    values = array(typecode, data)
    if sys.byteorder == "big":
        values.byteswap()
    return values


def encode(lines: Sequence[Line]) -> dict:
    """One chunk's row values. A public id that is not 32 hex digits is refused: every public id
    the service makes is, and one that is not cannot be stored faithfully here. Done a chunk at a time in C
    (map, join, fromhex), not line by line: an export records every respondent it sends."""
    rids, public, names = zip(*lines)
    ids = [rid or 0 for rid in rids] if None in rids or 0 in rids else rids
    present = [rid for rid in ids if rid] if 0 in ids else ids
    first, last = (min(present), max(present)) if present else (0, 0)
    lists = {name: index for index, name in enumerate(dict.fromkeys(names))}
    return {"first_id": first, "last_id": last, "span": span_key(first, last), "count": len(lines),
            "ids": zlib.compress(_little(array("q", map(sub, ids, (0, *ids[:-1])))), 1),
            "public_ids": _public_ids_bytes(public),
            "fields": zlib.compress(_little(array("I", map(lists.__getitem__, names))), 1),
            "lists": json.dumps(list(lists), separators=(",", ":"))}


def _public_ids_bytes(public: Sequence[str]) -> bytes:
    try:
        raw = bytes.fromhex("".join(public)) if set(map(len, public)) == {2 * _PUBLIC_ID_BYTES} else b""
    except ValueError:
        raw = b""
    if len(raw) != _PUBLIC_ID_BYTES * len(public):
        for public_id in public:
            _public_id_bytes(public_id)  # names the one at fault
    return raw


def _public_id_bytes(public_id: str) -> bytes:
    try:
        raw = bytes.fromhex(public_id) if len(public_id) == 2 * _PUBLIC_ID_BYTES else b""
    except ValueError:
        raw = b""
    if len(raw) != _PUBLIC_ID_BYTES:
        raise ValueError(f"not a public id of {_PUBLIC_ID_BYTES} bytes in hex: {public_id!r}")
    return raw


@dataclass(frozen=True)
class Chunk:
    first_id: int
    last_id: int
    span: int
    count: int
    ids: bytes
    public_ids: bytes
    fields: bytes
    lists: str

    def response_ids(self) -> list[int]:
        return list(accumulate(_from_little("q", zlib.decompress(self.ids))))

    def lines(self) -> list[Line]:
        """Every line, as written; raises ValueError where the chunk does not hold together."""
        ids, names = self.response_ids(), json.loads(self.lists)
        indexes = _from_little("I", zlib.decompress(self.fields))
        if not (len(ids) == len(indexes) == self.count == len(self.public_ids) // _PUBLIC_ID_BYTES
                and len(self.public_ids) % _PUBLIC_ID_BYTES == 0):
            raise ValueError("the chunk's parts disagree on how many lines it holds")
        present = [rid for rid in ids if rid]
        first, last = (min(present), max(present)) if present else (0, 0)
        if (first, last, span_key(first, last)) != (self.first_id, self.last_id, self.span):
            raise ValueError("the chunk's range does not match its ids")
        public = self.public_ids
        return [(rid or None, public[i * 16:i * 16 + 16].hex(), names[indexes[i]]) for i, rid in enumerate(ids)]

    def fields_of(self, response_id: int, public_id: str) -> list[str] | None:
        """The fields this respondent had in the chunk's disclosure, or None if they were not in it."""
        try:
            position = self.response_ids().index(response_id)
        except ValueError:
            return None
        if self.public_ids[position * 16:position * 16 + 16] != _public_id_bytes(public_id):
            return None  # the same id, once another respondent's
        index = _from_little("I", zlib.decompress(self.fields))[position]
        names = json.loads(self.lists)[index]
        return names.split(",") if names else []


CHUNK_COLUMNS = (LedgerLines.first_id, LedgerLines.last_id, LedgerLines.span, LedgerLines.count, LedgerLines.ids,
                 LedgerLines.public_ids, LedgerLines.fields, LedgerLines.lists)


def chunks(lines: Sequence[Line]) -> Iterator[list[Line]]:
    for start in range(0, len(lines), CHUNK):
        yield list(lines[start:start + CHUNK])


def insert_lines(connection: Connection, batch: str, lines: Sequence[Line]) -> None:
    """Append lines to a batch, in the order given, in chunks of CHUNK (a short last chunk stays short:
    a batch written in several calls has several of them, which costs nothing but a row)."""
    rows = [{"batch": batch, **encode(part)} for part in chunks(lines)]
    if rows:
        connection.execute(insert(LedgerLines), rows)


def lines_of(session: Session, batch: str) -> Iterator[Line]:
    for row in session.execute(select(*CHUNK_COLUMNS).where(LedgerLines.batch == batch)
                               .order_by(LedgerLines.id)).yield_per(64):
        yield from Chunk(*row).lines()


def holding(response_id: int):
    """The condition that picks every chunk whose range holds this id, through the span index."""
    return (LedgerLines.span.in_(span_keys(response_id)), LedgerLines.first_id <= response_id,
            LedgerLines.last_id >= response_id)
