"""Keeping answers no longer than each survey says: the retention purge."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from models.response import Response
from models.survey import Survey
from models.vocabulary import ErasureReason

from .drafts import purge_expired_drafts
from .erasure import erase_many
from .submissions import purge_submission_tokens

ACTOR = "system:retention"


def purge_expired(sessions: sessionmaker, batch: int = 1000, now: datetime | None = None) -> int:
    """Erase every response past its survey's retention, oldest first, a transaction and a ledger entry per batch
    (a purge of a million rows is neither one transaction nor a million entries); then the submission tokens old
    enough to go, with any receipt never shown, and expired drafts. Returns how many responses were erased."""
    now = now or datetime.now(timezone.utc)
    with sessions() as session:
        retention = dict(session.execute(select(Survey.id, Survey.retention_days)).all())
    total = 0
    for survey_id, days in retention.items():
        cutoff, after = now - timedelta(days=days), 0
        while True:
            with sessions.begin() as session:
                ids = list(session.scalars(select(Response.id).where(
                    Response.survey_id == survey_id, Response.submitted_at < cutoff, Response.id > after)
                    .order_by(Response.id).limit(batch)))
                if ids:
                    total += erase_many(session, survey_id, ids, ErasureReason.RETENTION, ACTOR)
            if len(ids) < batch:  # the search went to the end of the survey's responses: no need to look again
                break
            after = ids[-1]
    with sessions.begin() as session:
        purge_submission_tokens(session)
        purge_expired_drafts(session)
    return total
