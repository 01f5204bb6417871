"""What a recipient should delete: its pseudonyms of respondents who withdrew or narrowed their consent."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from models.base import iso_utc
from models.crypto import KeyRing
from models.recipient import Recipient
from models.response import ConsentEvent, Erasure, Response
from models.survey import Survey
from models.vocabulary import NARROWING

from .pseudonyms import respondent_key


def revocations(session: Session, ring: KeyRing, survey: Survey, recipient: Recipient,
                since: datetime | None) -> list[dict[str, str]]:
    """This recipient's pseudonyms of respondents who withdrew, or narrowed their consent, since then:
    what it should delete of what it already holds."""
    name = respondent_key(ring, recipient)
    erased = select(Erasure.public_id, Erasure.at).where(Erasure.survey_id == survey.id)
    first = aliased(ConsentEvent)
    initial = select(func.min(first.id)).where(first.response_id == ConsentEvent.response_id).scalar_subquery()
    changed = (select(Response.public_id, ConsentEvent.at, ConsentEvent.changes)
               .join(ConsentEvent, ConsentEvent.response_id == Response.id)
               .where(Response.survey_id == survey.id, ConsentEvent.id != initial))
    if since is not None:
        erased, changed = erased.where(Erasure.at >= since), changed.where(ConsentEvent.at >= since)
    found = [(at, public_id, "withdrawn") for public_id, at in session.execute(erased)]
    found += [(at, public_id, "narrowed") for public_id, at, changes in session.execute(changed)
              if any(changes.get(key) is value for key, value in NARROWING.items())]
    return [{"respondent": name(public_id), "at": iso_utc(at), "change": kind}
            for at, public_id, kind in sorted(found)]
