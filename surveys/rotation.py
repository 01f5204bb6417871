"""Key rotation: a new key-encryption key becomes current and every wrapped key moves under it."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from models import ring_store
from models.crypto import KeyRing, data_key_aad
from models.draft import Draft, draft_key_aad
from models.export_job import ExportJob
from models.recipient import Recipient
from models.response import Response
from models.sealed_file import file_key_aad
from models.tally import KeptTally, rewrap_tally_key

from .pseudonyms import pseudonym_key_aad

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rotation:
    previous: str
    current: str
    data_keys: int
    recipient_keys: int


def rotate_keys(sessions: sessionmaker, ring_path: str | os.PathLike, batch: int = 2000) -> Rotation:
    """Make a new key current, then re-wrap every response's data key, every recipient's pseudonym key,
    every draft's key, every waiting export's key and every kept tally's key under it; answers are never decrypted.

    The new key is saved beside the old ones and proven on disk before it wraps anything,
    so every row stays readable by every server whether or not its batch has been re-wrapped
    yet (see ring_store.new_current_key). Raises KeyRingError, having re-wrapped nothing,
    when the ring cannot be read or saved. Commits a batch at a time: a million rows are not
    one transaction, and a rotation stopped half-way leaves every row readable; run it again."""
    with ring_store.new_current_key(ring_path) as (previous, ring), sessions() as session:
        data_keys, after = 0, 0
        while True:
            last, count = rewrap_data_keys(session, ring, after, batch)
            if last == after:
                break
            session.commit()
            data_keys, after = data_keys + count, last
        recipient_keys = rewrap_pseudonym_keys(session, ring)
        rewrap_draft_keys(session, ring)
        rewrap_export_keys(session, ring)
        rewrap_tally_keys(session, ring)
        session.commit()
    log.info("key %s is current (was %s): %d data keys and %d recipient keys re-wrapped",
             ring.current, previous, data_keys, recipient_keys)
    return Rotation(previous, ring.current, data_keys, recipient_keys)


def rewrap_data_keys(session: Session, ring: KeyRing, after_id: int = 0, batch: int = 2000) -> tuple[int, int]:
    """Re-wrap one batch of data keys under the ring's current key, in id order.
    Returns (last id seen, rows re-wrapped); (after_id, 0) when no rows are left."""
    rows = session.execute(
        select(Response.id, Response.survey_id, Response.public_id, Response.data_key)
        .where(Response.id > after_id).order_by(Response.id).limit(batch)
    ).all()
    if not rows:
        return after_id, 0
    changed = [
        {"row": row.id, "wrapped": ring.rewrap(row.data_key, data_key_aad(row.survey_id, row.public_id))}
        for row in rows
    ]
    # Plain executemany: a response erased since the batch was read just matches nothing,
    # where the ORM's bulk update would abort the whole rotation.
    table = Response.__table__
    # The revision stays: a new wrapping changes no answer, so the kept tallies of the rows still hold.
    result = session.execute(update(table).where(table.c.id == bindparam("row"))
                             .values(data_key=bindparam("wrapped"), revision=table.c.revision), changed)
    return rows[-1].id, result.rowcount if result.rowcount >= 0 else len(changed)


def rewrap_draft_keys(session: Session, ring: KeyRing) -> int:
    """Drafts' keys under the ring's current key (they live for hours; a rotation leaves none behind)."""
    drafts = list(session.scalars(select(Draft)))
    for draft in drafts:
        draft.data_key = ring.rewrap(draft.data_key, draft_key_aad(draft.survey_id, draft.handle))
    session.flush()
    return len(drafts)


def rewrap_pseudonym_keys(session: Session, ring: KeyRing) -> int:
    """Recipients' pseudonym keys under the ring's current key; pseudonyms stay the same."""
    recipients = list(session.scalars(select(Recipient).where(Recipient.pseudonym_key.is_not(None))))
    for recipient in recipients:
        recipient.pseudonym_key = ring.rewrap(recipient.pseudonym_key, pseudonym_key_aad(recipient.name))
    session.flush()
    return len(recipients)


def rewrap_export_keys(session: Session, ring: KeyRing) -> int:
    """The keys of exports waiting to be downloaded (or being written) under the ring's current key. Each only if
    it is still the one read: a key destroyed meanwhile (the file downloaded or gone) stays destroyed."""
    found = session.execute(select(ExportJob.id, ExportJob.handle, ExportJob.data_key)
                            .where(ExportJob.data_key.is_not(None))).all()
    for job_id, handle, wrapped in found:
        session.execute(update(ExportJob).where(ExportJob.id == job_id, ExportJob.data_key == wrapped)
                        .values(data_key=ring.rewrap(wrapped, file_key_aad(handle))))
    return len(found)


def rewrap_tally_keys(session: Session, ring: KeyRing) -> int:
    """Kept tallies' data keys under the ring's current key; the sealed counts are neither read nor opened."""
    table = KeptTally.__table__
    rows = session.execute(select(table.c.id, table.c.survey_id, table.c.level, table.c.number, table.c.data_key))
    changed = [{"row": row.id, "wrapped": rewrap_tally_key(ring, row.survey_id, row.level, row.number, row.data_key)}
               for row in rows]
    if changed:
        session.execute(update(table).where(table.c.id == bindparam("row")).values(data_key=bindparam("wrapped")),
                        changed)
    return len(changed)
