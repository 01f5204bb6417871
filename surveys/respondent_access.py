"""Use cases that tie a respondent's browser to their response, kept on the server: self-service
sessions that end when the respondent leaves, and one-time submission tokens that make a form
count once and let its receipt be shown once."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.base import utcnow
from models.crypto import CryptoError, KeyRing, open_sealed, seal
from models.respondent_access import RespondentSession, SubmissionToken
from models.response import Response

from .auth import digest, new_session_token, still_live
from . import services
from .services import DomainError


class AlreadySubmitted(DomainError):
    """This form was submitted before (a double click, a replay): nothing more is stored."""
    status, code = 409, "already_submitted"


# -- self-service sessions ---------------------------------------------------------

def start_session(session: Session, response: Response) -> str:
    token, token_digest = new_session_token()
    session.add(RespondentSession(token_digest=token_digest, response_id=response.id))
    session.flush()
    return token


def load_session(session: Session, token: object, idle: timedelta) -> Response | None:
    """The signed-in respondent's response, or None when the session ended or sat idle too long."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    row = session.scalar(select(RespondentSession).where(RespondentSession.token_digest == digest(token)))
    if row is None or not still_live(session, row, idle, utcnow()):
        return None
    return session.get(Response, row.response_id)


def end_session(session: Session, token: object) -> None:
    if isinstance(token, str) and token:
        session.execute(delete(RespondentSession).where(RespondentSession.token_digest == digest(token)))


# -- one submission per form ----------------------------------------------------------

def new_submission_token() -> str:
    return secrets.token_urlsafe(32)


def _receipt_key(token: str) -> bytes:
    return hashlib.sha256(b"surveys/v1|receipt-key|" + token.encode()).digest()


_INSERT_TOKEN = insert(SubmissionToken.__table__)


def submit_once(session: Session, ring: KeyRing, survey: Any, answers: Any, consent: Any, token: str,
                **options: Any) -> services.Submitted:
    """A web form's submission: the response and the token it consumes, in one transaction."""
    submitted = services.submit(session, ring, survey, answers, consent, **options)
    consume(session, token, submitted.response_id, submitted.receipt)
    return submitted


def consume(session: Session, token: str, response_id: int, receipt: str) -> None:
    """Take the token in the transaction that stores the response. A second use waits for the
    first transaction and then fails on the unique digest: AlreadySubmitted, and the caller's
    transaction (with its response) is rolled back."""
    token_digest = digest(token)
    try:
        session.execute(_INSERT_TOKEN, dict(
            digest=token_digest, response_id=response_id, created_at=utcnow(),
            sealed_receipt=seal(_receipt_key(token), receipt.encode(), token_digest.encode())))
    except IntegrityError:
        raise AlreadySubmitted("These answers were already received; they are stored once.") from None


def receipt_once(session: Session, token: object) -> str | None:
    """The receipt code of the response this token stored, the first time it is asked for; None after."""
    if not isinstance(token, str) or not token:
        return None
    token_digest = digest(token)
    sealed = session.scalar(select(SubmissionToken.sealed_receipt).where(SubmissionToken.digest == token_digest))
    if sealed is None:
        return None
    cleared = session.execute(update(SubmissionToken).where(SubmissionToken.digest == token_digest,
                                                            SubmissionToken.sealed_receipt.is_not(None))
                              .values(sealed_receipt=None)).rowcount
    if not cleared:  # shown by a request that came a moment earlier
        return None
    try:
        return open_sealed(_receipt_key(token), sealed, token_digest.encode()).decode()
    except CryptoError:
        return None


def purge_submission_tokens(session: Session, now: datetime | None = None, keep: timedelta = timedelta(days=1)) -> int:
    """Tokens outlive the form's CSRF token (four hours) by a margin; a receipt never shown goes with them."""
    cutoff = (now or utcnow()) - keep
    return session.execute(delete(SubmissionToken).where(SubmissionToken.created_at < cutoff)).rowcount
