"""Use cases of a web form's partial answers: kept between its pages, sealed, resumed with a code on any
device, erased at submission, when the respondent leaves, or when they expire."""
from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.crypto import CryptoError, KeyRing, new_data_key, open_sealed, seal
from models.draft import Draft, draft_aad, draft_key_aad

from .auth import digest, new_receipt, receipt_digest

#: How long partial answers are kept, unless SURVEYS_DRAFT_HOURS says otherwise.
DRAFT_HOURS = 24


@dataclass
class DraftState:
    """What a respondent has given so far; the consent step's choices travel with it, so a resumed
    draft on another device submits under the consent it was started with."""
    consent: dict[str, Any]
    gpc: bool
    #: The submission token: the draft is submitted once however often its last page is sent.
    token: str
    answers: dict[str, Any] = field(default_factory=dict)
    page: str | None = None


def _link(token: str) -> str:
    return digest("draft|" + token)


def load_draft(session: Session, ring: KeyRing, survey_id: int, token: str) -> DraftState | None:
    """The draft this browser's token links to; None when there is none, or it has expired (and goes now)."""
    draft = session.scalar(select(Draft).where(Draft.token_digest == _link(token), Draft.survey_id == survey_id))
    return _opened(session, ring, draft)


def _opened(session: Session, ring: KeyRing, draft: Draft | None) -> DraftState | None:
    if draft is None:
        return None
    if draft.expires_at <= utcnow():
        session.delete(draft)
        return None
    try:
        key = ring.unwrap(draft.data_key, draft_key_aad(draft.survey_id, draft.handle))
        data = json.loads(open_sealed(key, draft.sealed, draft_aad(draft.survey_id, draft.handle)))
    except (CryptoError, ValueError):
        return None
    return DraftState(**data)


def save_draft(session: Session, ring: KeyRing, survey_id: int, state: DraftState, hours: int = DRAFT_HOURS) -> None:
    """Seal the state under a fresh data key; a draft's life runs from its first save, never extended."""
    draft = session.scalar(select(Draft).where(Draft.token_digest == _link(state.token)))
    if draft is None:
        now = utcnow()
        draft = Draft(handle=secrets.token_hex(16), survey_id=survey_id, token_digest=_link(state.token),
                      created_at=now, expires_at=now + timedelta(hours=hours))
        session.add(draft)
    key = new_data_key()
    draft.data_key = ring.wrap(key, draft_key_aad(survey_id, draft.handle))
    plaintext = json.dumps(asdict(state), separators=(",", ":")).encode()
    draft.sealed = seal(key, plaintext, draft_aad(survey_id, draft.handle))
    session.flush()


def finish_later(session: Session, ring: KeyRing, survey_id: int, state: DraftState,
                 hours: int = DRAFT_HOURS) -> tuple[str, datetime]:
    """Save, and give a resume code (shown once; its digest alone is kept). Returns it and the expiry."""
    save_draft(session, ring, survey_id, state, hours)
    draft = session.scalar(select(Draft).where(Draft.token_digest == _link(state.token)))
    code, code_digest = new_receipt()
    draft.resume_digest = code_digest
    session.flush()
    return code, draft.expires_at


def resume(session: Session, ring: KeyRing, survey_id: int, code: str, new_token: str) -> DraftState | None:
    """The draft a resume code opens, now linked to this browser alone (a new token: the device it was
    started on no longer reaches it). None for a wrong or expired code."""
    if not code or len(code) > 200:
        return None
    draft = session.scalar(select(Draft).where(Draft.resume_digest == receipt_digest(code),
                                               Draft.survey_id == survey_id))
    state = _opened(session, ring, draft)
    if state is None:
        return None
    draft.token_digest, state.token = _link(new_token), new_token
    session.flush()
    save_draft(session, ring, survey_id, state)
    return state


def discard_draft(session: Session, token: str) -> None:
    session.execute(delete(Draft).where(Draft.token_digest == _link(token)))


def purge_expired_drafts(session: Session, now: datetime | None = None) -> int:
    return session.execute(delete(Draft).where(Draft.expires_at <= (now or utcnow()))).rowcount
