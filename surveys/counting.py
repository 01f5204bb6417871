"""Counting responses from the database: the stamps that say whether a kept tally still holds, and the counts of
blocks of responses made afresh — the non-PII answers counted by the database in one grouped query, the PII and
SPI answers opened and counted row by row (the one thing only this process can do: the database never sees them
in the clear).

Blocks are ranges of 1,024 response ids (id >> 10); groups are 64 blocks (id >> 16)."""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import Text, and_, case, cast, func, literal_column, or_, select, true
from sqlalchemy.engine import Connection

from models.block_stamps import BLOCK_BITS, BlockStamp
from models.crypto import KeyRing, open_answers
from models.response import Response
from models.survey import Survey
from models.vocabulary import CONSENT_CHOICES, FieldType

from .counts import Counts, State

GROUP_BITS = 16
BLOCKS_PER_GROUP = 1 << (GROUP_BITS - BLOCK_BITS)

_C = Response.__table__.c
_FLAGS = tuple(_C[key] for key in CONSENT_CHOICES)
#: Field types whose whole value is counted, and those of which the leading characters are (a date's month, a
#: time's minute); every other type is counted only as answered (models.aggregates.tally_keys).
_WHOLE = (FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.BOOLEAN, FieldType.INTEGER, FieldType.NUMBER,
          FieldType.CALCULATED)
_PREFIX = {FieldType.DATE: 7, FieldType.DATETIME: 7, FieldType.TIME: 5}


def shape_of(survey: Survey) -> str:
    """The stored fields' names and types: counts are kept per type, so a new version that changes one makes
    every kept tally of the survey stale."""
    shape = [(f.name, FieldType(f.type).value) for f in survey.stored_fields]
    return hashlib.sha256(json.dumps(shape).encode()).hexdigest()


def _stamp(shape: str, count: int, revision_sum: int) -> str:
    return hashlib.sha256(f"{shape}|{count}|{revision_sum}".encode()).hexdigest()


def group_stamp(shape: str, stamps: dict[int, str], blocks: Iterable[int]) -> str:
    return hashlib.sha256("|".join([shape, *(f"{b}:{stamps[b]}" for b in blocks)]).encode()).hexdigest()


def block_stamps(connection: Connection, survey: Survey, shape: str,
                 blocks: Iterable[int] | None = None) -> dict[int, str]:
    """Each block holding responses of the survey (of those named, if named), and its stamp: how many rows and
    the sum of their revisions, as the database keeps them beside the rows (models/block_stamps.py): a few rows
    per block, where counting them from the index read every response.

    Every change moves the stamp. An update adds 1 to its row's revision, so the sum only grows; a deletion
    lowers the count; an insertion raises it, or, beside as many deletions, adds a revision that is the
    microsecond it was written, past every revision a row deleted could hold (one written earlier, plus one
    per update, and an update takes far more than a microsecond), including the one whose id it takes (SQLite
    gives a new row the highest id plus one). The sum of the ids would add nothing to that: a new row taking
    a deleted row's id leaves it as it was. (Erasures and corrections also drop their block's tallies at
    once: the stamp is what catches a change made any other way.)"""
    kept = BlockStamp.__table__.c
    query = (select(kept.block, func.sum(kept.responses), func.sum(kept.revisions))
             .where(kept.survey_id == survey.id).group_by(kept.block))
    if blocks is not None:
        query = query.where(or_(*(and_(kept.block >= low >> BLOCK_BITS, kept.block < high >> BLOCK_BITS)
                                  for low, high in id_ranges(blocks))))
    return {block: _stamp(shape, int(count), int(revisions))
            for block, count, revisions in connection.execute(query) if count}


def id_ranges(blocks: Iterable[int]) -> list[tuple[int, int]]:
    """Runs of consecutive blocks as [first id, id after the last) ranges."""
    ranges: list[tuple[int, int]] = []
    for block in sorted(blocks):
        low, high = block << BLOCK_BITS, (block + 1) << BLOCK_BITS
        if ranges and ranges[-1][1] == low:
            ranges[-1] = (ranges[-1][0], high)
        else:
            ranges.append((low, high))
    return ranges


def count_blocks(connection: Connection, ring: KeyRing, survey: Survey, blocks: Iterable[int],
                 since: datetime | None = None, until: datetime | None = None) -> dict[int, Counts]:
    """The counts of each of these blocks' responses (those submitted in [since, until) when bounded), from the
    rows as they are in the connection's snapshot."""
    types = {f.name: FieldType(f.type) for f in survey.stored_fields}
    made: dict[int, Counts] = {}
    for low, high in id_ranges(blocks):
        where = [_C.survey_id == survey.id, _C.id >= low, _C.id < high]
        if since is not None:
            where.append(_C.submitted_at >= since)
        if until is not None:
            where.append(_C.submitted_at < until)
        _count_sealed(connection, ring, survey, types, where, made)
        _count_plain(connection, types, where, made)
    return made


def _count_sealed(connection: Connection, ring: KeyRing, survey: Survey, types: dict[str, FieldType],
                  where: list, made: dict[int, Counts]) -> None:
    """Rows, per consent state, and the PII and SPI answers, opened row by row."""
    query = (select(_C.id, _C.submitted_at, _C.public_id, _C.pii, _C.spi, _C.data_key, *_FLAGS)
             .where(*where).order_by(_C.id))
    # Values are gathered per block, state, column and field, then counted a list at a time.
    gathered: dict[tuple[int, State, str, str], list] = defaultdict(list)
    for row_id, submitted_at, public_id, pii, spi, wrapped, *flags in connection.execute(
            query.execution_options(yield_per=2000)):
        counts = made.get(block := row_id >> BLOCK_BITS)
        if counts is None:
            counts = made[block] = Counts()
        counts.saw(submitted_at)
        counts.state(state := tuple(flags)).rows += 1
        if pii is None and spi is None:
            continue
        opened_pii, opened_spi = open_answers(ring, survey.id, public_id, wrapped, pii, spi)
        for name, value in opened_pii.items():
            gathered[block, state, "pii", name].append(value)
        for name, value in opened_spi.items():
            gathered[block, state, "spi", name].append(value)
    for (block, state, column, name), values in gathered.items():
        if (ftype := types.get(name)) is not None:
            made[block].state(state).tally(column, name, ftype).add_all(values)


def _count_plain(connection: Connection, types: dict[str, FieldType], where: list, made: dict[int, Counts]) -> None:
    """The non-PII answers, counted by the database: one grouped query over the JSON column's members, by block,
    consent state, field and value (only the part of a value that is counted: a text's value is not grouped)."""
    sqlite = connection.dialect.name == "sqlite"
    member = func.json_each(_C.non_pii).table_valued(*(("key", "value", "type") if sqlite else ("key", "value")))
    kind = member.c.type if sqlite else func.json_typeof(member.c.value)
    text_kind = "text" if sqlite else "string"
    as_text = member.c.value if sqlite else member.c.value.op("#>>")(literal_column("'{}'::text[]"))
    whole = [name for name, ftype in types.items() if ftype in _WHOLE]
    prefixed = {size: [name for name, ftype in types.items() if _PREFIX.get(ftype) == size] for size in (5, 7)}
    valued = whole + prefixed[5] + prefixed[7]
    value = case(
        (member.c.key.in_(whole), member.c.value if sqlite else cast(member.c.value, Text)),
        *((and_(member.c.key.in_(names), kind == text_kind), func.substr(as_text, 1, size))
          for size, names in prefixed.items()))
    value_kind = case((member.c.key.in_(valued), kind))
    block = _C.id.op(">>")(BLOCK_BITS)
    groups = (select(block, *_FLAGS, member.c.key, value_kind, value, func.count())
              .select_from(Response.__table__.join(member, true()))
              .where(*where, member.c.key.in_(list(types)))
              .group_by(block, *_FLAGS, member.c.key, value_kind, value))
    for row_block, *rest in connection.execute(groups):
        *flags, name, found_kind, found, times = rest
        ftype = types[name]
        if ftype in _WHOLE:
            found = _decoded(found_kind, found, sqlite)
        elif found_kind != text_kind:
            found = None  # not text: a date's or a time's counts leave it out, as they leave out any non-text
        made[row_block].state(tuple(flags)).tally("non_pii", name, ftype).add(found, times)


def _decoded(kind: str | None, value: Any, sqlite: bool) -> Any:
    """A JSON value as the database gave it back, as Python's json module reads it from the stored text. SQLite
    gives scalars as SQL values (booleans as 1 and 0, told apart by their JSON type) and arrays and objects as
    JSON text; PostgreSQL gives the JSON text of each value exactly as stored."""
    if not sqlite:
        return json.loads(value)
    if kind in ("true", "false"):
        return kind == "true"
    if kind in ("array", "object"):
        return json.loads(value)
    if kind == "real":
        return float(value)
    return value
