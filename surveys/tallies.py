"""Kept tallies: the counts of every block of a survey's responses, kept sealed so that an aggregate over a
million responses reads a few dozen of them instead of opening a million rows.

What is kept, and why it is safe to keep. Each block of 1,024 response ids, and each group of 64 blocks, has its
counts (surveys/counts.py: per consent state, per column and field, how many answered and how many of each
counted value) sealed like answers are: AES-256-GCM under a data key of its own, wrapped by the key ring, bound to
its survey, range and stamp, and padded to a power of two. Someone reading the database as rows arrive sees
ciphertexts of unchanging size, rewritten when an aggregate is asked for or on the job runner's schedule
(releases.keep_warm), never on a submission: nothing that says what one more respondent answered. Plaintext
counters per value, bumped by each submission, would say exactly that to anyone comparing two copies, which is
why there are none. A text's value is never kept, only that it was answered.

When a kept tally holds. Its stamp digests the rows it was counted from (how many, and the sum of their
revisions: every new row, erasure, correction and consent change moves one of them; a new row that takes a
deleted row's id starts at a later revision) and the fields' names and types. Each aggregate reads every
block's stamp from the index, in the same snapshot as everything else it reads, and counts afresh the blocks
whose stamp differs; so nothing that changed is ever missed, and submissions pay for nothing. An erasure or a
correction also drops the tallies of its block at once, so an erased answer does not linger in them.

Time bounds: a block or group submitted wholly inside them counts whole; one across an edge has its rows that
fall inside counted afresh (and not kept)."""
from __future__ import annotations

import gc
import logging
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime
from typing import Iterable
from sqlalchemy import delete, select, text, tuple_
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker

from models.base import utcnow
from models.database import hold_write_lock
from models.crypto import CryptoError, KeyRing
from models.survey import Survey
from models.tally import KeptTally, open_tally, seal_tally

from .counting import (BLOCK_BITS, BLOCKS_PER_GROUP, GROUP_BITS, block_stamps, count_blocks, group_stamp,
                       shape_of)
from .counts import ACROSS, INSIDE, Counts, total

log = logging.getLogger(__name__)

BLOCK, GROUP = 0, 1


def counted(sessions: sessionmaker, ring: KeyRing, survey: Survey, since: datetime | None = None,
            until: datetime | None = None) -> tuple[Counts, datetime]:
    """The counts of the survey's responses submitted in [since, until), and the moment they were read. Stale
    tallies are counted afresh and kept as they are made.

    The moment is taken once the snapshot is (the stamps are its first read): every response submitted before it
    and committed in time is counted, and a respondent's record, which lists the releases made after they
    answered, may list one that their response, committed a moment too late, missed, but never leaves out one
    that counted them."""
    with sessions() as read, _uncollected():
        reader = _Reader(sessions, _snapshot(read), ring, survey)
        moment = utcnow()
        return reader.counts(since, until), moment


def warm(sessions: sessionmaker, ring: KeyRing, survey: Survey) -> int:
    """Count and keep every stale block and group of the survey now (after a bulk load, say), so the next
    aggregate finds them; returns how many responses were counted afresh. Tallies that hold are not opened."""
    with sessions() as read:
        reader = _Reader(sessions, _snapshot(read), ring, survey)
        reader.refresh()
        return reader.recounted


def forget(session: Session, survey_id: int, response_ids: Iterable[int]) -> None:
    """Drop the kept tallies that counted these responses, in the caller's transaction: their erasure or
    correction then leaves no trace of their old answers in them (the next aggregate counts those blocks afresh)."""
    _lock(session, survey_id)
    ranges = {(level, response_id >> bits) for response_id in response_ids
              for level, bits in ((BLOCK, BLOCK_BITS), (GROUP, GROUP_BITS))}
    session.execute(delete(KeptTally).where(KeptTally.survey_id == survey_id,
                                            tuple_(KeptTally.level, KeptTally.number).in_(sorted(ranges))))


@contextmanager
def _uncollected():
    """The cyclic garbage collector held off while counts are read and added up: they are tens of thousands of
    small lists and dicts that refer to nothing that refers back, and collections triggered by making them
    would walk the whole heap again and again for nothing (a third of a warm aggregate's time)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _snapshot(session: Session) -> Connection:
    """A connection whose reads all see one state of the database: stamps, kept tallies and rows must agree."""
    if session.get_bind().dialect.name == "postgresql":
        return session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    connection = session.connection()
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")  # the driver would leave each SELECT a snapshot of its own
    return connection


class _Reader:
    """One survey's counts from one snapshot: kept tallies where their stamps hold, fresh counts elsewhere."""

    def __init__(self, sessions: sessionmaker, connection: Connection, ring: KeyRing, survey: Survey):
        self.sessions, self.connection, self.ring, self.survey = sessions, connection, ring, survey
        self.shape = shape_of(survey)
        self.stamps = block_stamps(connection, survey, self.shape)
        self.groups: dict[int, list[int]] = defaultdict(list)
        for block in sorted(self.stamps):
            self.groups[block >> (GROUP_BITS - BLOCK_BITS)].append(block)
        self.group_stamps = {group: group_stamp(self.shape, self.stamps, blocks)
                             for group, blocks in self.groups.items()}
        self.kept = {(level, number): stamp for level, number, stamp in connection.execute(
            select(KeptTally.level, KeptTally.number, KeptTally.stamp).where(KeptTally.survey_id == survey.id))}
        self.recounted = 0

    def counts(self, since: datetime | None, until: datetime | None) -> Counts:
        made = Counts()
        groups = self._open(GROUP, self.group_stamps)
        split = []  # groups read block by block: stale ones, and those across a time bound
        for group in self.groups:
            counts = groups.get(group)
            position = counts.within(since, until) if counts is not None else ACROSS
            if position == INSIDE:
                made.merge(counts)
            elif position == ACROSS:
                split.append(group)
        edges = []
        for group in split:
            blocks = self._blocks(group, fresh_group=group in groups)
            for block, counts in blocks.items():
                position = counts.within(since, until)
                if position == INSIDE:
                    made.merge(counts)
                elif position == ACROSS:
                    edges.append(block)
        if edges:
            made.merge(total(count_blocks(self.connection, self.ring, self.survey, edges, since, until).values()))
        self._drop_emptied()
        return made

    def refresh(self) -> None:
        """Every stale group counted (its stale blocks afresh) and kept."""
        for group in self.groups:
            if self.kept.get((GROUP, group)) != self.group_stamps[group]:
                self._blocks(group, fresh_group=False)
        self._drop_emptied()

    def _drop_emptied(self) -> None:
        """Ranges whose every response is gone (erased some way that did not drop their tallies): nothing reads
        their tallies any more, so nothing would replace them either."""
        emptied = [(level, number) for level, number in self.kept
                   if number not in (self.stamps if level == BLOCK else self.groups)]
        if emptied:
            with self.sessions.begin() as session:
                _lock(session, self.survey.id)
                session.execute(delete(KeptTally).where(KeptTally.survey_id == self.survey.id,
                                                        tuple_(KeptTally.level, KeptTally.number).in_(emptied)))

    def _blocks(self, group: int, fresh_group: bool) -> dict[int, Counts]:
        """A group's blocks' counts; stale ones counted afresh and kept, and the group itself kept if it was
        stale."""
        numbers = self.groups[group]
        blocks = self._open(BLOCK, {block: self.stamps[block] for block in numbers})
        stale = [block for block in numbers if block not in blocks]
        fresh = count_blocks(self.connection, self.ring, self.survey, stale) if stale else {}
        blocks.update(fresh)
        kept = [(BLOCK, block, self.stamps[block], fresh[block]) for block in stale]
        if not fresh_group:
            kept.append((GROUP, group, self.group_stamps[group], total(blocks[block] for block in numbers)))
        self.recounted += sum(counts.rows for counts in fresh.values())
        _keep(self.sessions, self.ring, self.survey, self.shape, kept)
        return dict(sorted(blocks.items()))

    def _open(self, level: int, stamps: dict[int, str]) -> dict[int, Counts]:
        """The kept tallies of this level whose stamps still hold, opened; one that does not open (its key gone
        from the ring) counts as stale."""
        wanted = [number for number, stamp in stamps.items() if self.kept.get((level, number)) == stamp]
        opened: dict[int, Counts] = {}
        for start in range(0, len(wanted), 500):
            rows = self.connection.execute(
                select(KeptTally.number, KeptTally.stamp, KeptTally.data_key, KeptTally.sealed)
                .where(KeptTally.survey_id == self.survey.id, KeptTally.level == level,
                       KeptTally.number.in_(wanted[start:start + 500])))
            for number, stamp, data_key, sealed in rows:
                try:
                    data = open_tally(self.ring, self.survey.id, level, number, stamp, data_key, sealed)
                except CryptoError:
                    log.warning("kept tally %s/%s of survey %s does not open: counted afresh", level, number,
                                self.survey.slug)
                    continue
                opened[number] = Counts.from_data(data)
        return opened


_UPSERT = text("INSERT INTO kept_tallies (survey_id, level, number, stamp, data_key, sealed) "
               "VALUES (:survey_id, :level, :number, :stamp, :data_key, :sealed) "
               "ON CONFLICT (survey_id, level, number) DO UPDATE SET stamp = excluded.stamp, "
               "data_key = excluded.data_key, sealed = excluded.sealed")


def _keep(sessions: sessionmaker, ring: KeyRing, survey: Survey, shape: str,
          kept: list[tuple[int, int, str, Counts]]) -> None:
    """Keep fresh tallies, in a transaction of their own, while the snapshot they were counted in stays open.
    Only those whose stamps the database still gives once they are written: a block that changed meanwhile (an
    erasure, say) is counted afresh next time, and never kept holding what it no longer holds."""
    if not kept:
        return
    with sessions.begin() as session:
        _lock(session, survey.id)
        connection = session.connection()
        connection.execute(_UPSERT, [seal_tally(ring, survey.id, level, number, stamp, counts.to_data())
                                     for level, number, stamp, counts in kept])
        blocks = {block for level, number, _, _ in kept
                  for block in ([number] if level == BLOCK else
                                range(number * BLOCKS_PER_GROUP, (number + 1) * BLOCKS_PER_GROUP))}
        now = block_stamps(connection, survey, shape, blocks)
        changed = [(level, number) for level, number, stamp, _ in kept
                   if stamp != (now.get(number) if level == BLOCK else _group_now(shape, now, number))]
        if changed:
            session.execute(delete(KeptTally).where(KeptTally.survey_id == survey.id,
                                                    tuple_(KeptTally.level, KeptTally.number).in_(changed)))


def _group_now(shape: str, stamps: dict[int, str], group: int) -> str:
    blocks = [block for block in sorted(stamps) if block >> (GROUP_BITS - BLOCK_BITS) == group]
    return group_stamp(shape, stamps, blocks)


def _lock(session: Session, survey_id: int) -> None:
    """Keeping tallies and forgetting them (an erasure) take turns per survey, so that a tally counted before
    an erasure is either dropped by it or seen to be stale before it is kept."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(7103, :survey)"), {"survey": survey_id})
    else:
        hold_write_lock(session)
