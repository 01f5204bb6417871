"""Use cases of a respondent's self-service session on /me: kept on the server, ended when they leave."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models.base import utcnow
from models.respondent_access import RespondentSession
from models.response import Response

from .auth import digest, open_session, still_live


def start_session(session: Session, response: Response) -> str:
    return open_session(session, RespondentSession, response_id=response.id)


def load_session(session: Session, token: object, idle: timedelta) -> Response | None:
    """The signed-in respondent's response, or None when the session ended or sat idle too long."""
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    row = session.scalar(select(RespondentSession).where(RespondentSession.token_digest == digest(token)))
    if row is None or not still_live(session.get_bind(), row, idle, utcnow()):
        return None
    return session.get(Response, row.response_id)


def end_session(session: Session, token: object) -> None:
    if isinstance(token, str) and token:
        session.execute(delete(RespondentSession).where(RespondentSession.token_digest == digest(token)))
