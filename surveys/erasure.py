"""Erasure: crypto-shred and delete responses, recording that it happened — in erasures and the ledger — never
what they held."""
from __future__ import annotations

import logging
from typing import Sequence

from sqlalchemy import delete, insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from models import ledger
from models.response import Erasure, Response
from models.survey import Survey
from models.vocabulary import ErasureReason

from . import tallies

log = logging.getLogger(__name__)


def erase(session: Session, response: Response, reason: str, actor: str) -> bool:
    """Crypto-shred and delete one response: its data key goes with the row, so any copy of its
    blobs is unreadable.

    The row is deleted first, which takes the write lock: when two erasures of one response race
    (a double-clicked withdrawal, a withdrawal during a retention purge), the second deletes
    nothing and returns False instead of recording the erasure twice."""
    survey_id, response_id = response.survey_id, response.id
    if response in session:
        session.expunge(response)
    return erase_many(session, survey_id, [response_id], reason, actor) == 1


def erase_many(session: Session, survey_id: int, response_ids: Sequence[int], reason: str, actor: str) -> int:
    """Erase these responses of one survey in the caller's transaction, as one ledger entry whose lines are the
    erased responses (so a purge of a hundred thousand writes a hundred entries, not a hundred thousand).
    Returns how many were erased: a response erased meanwhile by someone else is neither counted nor
    recorded again."""
    reason = ErasureReason(reason)
    table = Response.__table__
    gone = sorted(session.execute(delete(table).where(table.c.survey_id == survey_id, table.c.id.in_(response_ids))
                                  .returning(table.c.id, table.c.public_id)).all())
    if not gone:
        return 0
    tallies.forget(session, survey_id, [response_id for response_id, _ in gone])  # they held these answers too
    session.execute(insert(Erasure), [{"survey_id": survey_id, "public_id": public_id, "reason": reason}
                                      for _, public_id in gone])
    ledger.append_erasure(session, session.get(Survey, survey_id).slug, gone, reason, actor)
    log.info("%d response(s) of survey %s erased (%s) by %s", len(gone), survey_id, reason, actor)
    return len(gone)


def clear_residue(engine: Engine) -> None:
    """After an erasure or a correction commits: SQLite's secure_delete has zeroed the freed space in
    the database file, but the write-ahead log still holds earlier copies of the pages until it is checkpointed.
    Checkpoint and truncate it now — best effort: a truncating checkpoint waits for every reader,
    so it gets a quarter second; with a long export running it happens at a later checkpoint.
    On a connection of its own, outside any transaction: a checkpoint changes no rows."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA busy_timeout = 250")
        try:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.exec_driver_sql("PRAGMA busy_timeout = 30000")
