"""Use cases for recipients of disclosures: third parties, their purposes, surveys and tokens, and pseudonym keys."""
from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from models.base import utcnow
from models.crypto import KeyRing
from models.definition import PURPOSE, SLUG
from models.recipient import INTERNAL, ApiToken, Recipient, RecipientPurpose
from models.survey import Survey
from models.text import printable
from models.vocabulary import RecipientKind

from .auth import digest, new_token
from .errors import Conflict, Forbidden, InvalidSubmission, NotFound
from .pseudonyms import pseudonym_key_aad

log = logging.getLogger(__name__)


RECIPIENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")

def list_recipients(session: Session, *, with_details: bool = False) -> list[Recipient]:
    """With details (purposes, surveys, tokens) loaded in three queries, not three per recipient."""
    query = select(Recipient).order_by(Recipient.kind, Recipient.name)
    if with_details:
        query = query.options(selectinload(Recipient.purposes), selectinload(Recipient.surveys),
                              selectinload(Recipient.tokens))
    return list(session.scalars(query))


def require_shared(recipient: Recipient, survey: Survey) -> None:
    """Forbidden unless the survey is shared with this recipient (staff see every survey)."""
    if not recipient.shares(survey):
        raise Forbidden(f"The survey {survey.slug!r} is not shared with {recipient.name}.")


def allowed_purposes(recipient: Recipient, survey: Survey) -> list[str]:
    """What the recipient may receive this survey for: the purpose it was collected for first, then the others
    registered for the recipient; nothing when the survey is not shared with it."""
    if not recipient.shares(survey):
        return []
    return list(dict.fromkeys([survey.purpose, *recipient.purpose_names]))


def require_purpose(recipient: Recipient, survey: Survey, purpose: str) -> None:
    """Forbidden unless the survey is shared with the recipient and the purpose is one it may receive it for."""
    require_shared(recipient, survey)
    if purpose not in allowed_purposes(recipient, survey):
        raise Forbidden(f"{printable(purpose)!r} is neither the survey's own purpose nor one registered for "
                        f"{recipient.name}.")


def get_recipient(session: Session, recipient_id: int) -> Recipient:
    recipient = session.get(Recipient, recipient_id)
    if recipient is None:
        raise NotFound("There is no such recipient.")
    return recipient


def find_recipient(session: Session, name: str) -> Recipient:
    """By name: `internal` for staff, or a third party's registered name."""
    recipient = session.scalar(select(Recipient).where(Recipient.name == name.strip()))
    if recipient is None:
        raise NotFound(f"There is no recipient called {printable(name)!r}.")
    return recipient


def create_recipient(session: Session, ring: KeyRing, name: str, purposes: list[str],
                     survey_slugs: list[str]) -> Recipient:
    name = name.strip()
    errors = {}
    if not RECIPIENT_NAME.match(name) or name.lower() == INTERNAL:
        errors["name"] = ["Use 1-100 letters, digits, spaces, dots, dashes or underscores (not 'internal')."]
    errors.update(_purpose_errors(purposes, "purpose"))
    if errors:
        raise InvalidSubmission("The recipient cannot be created.", errors)
    if session.scalar(select(Recipient).where(Recipient.name == name)):
        raise Conflict(f"There is already a recipient called {name!r}.")
    recipient = Recipient(name=name, kind=RecipientKind.THIRD_PARTY,
                          pseudonym_key=ring.wrap(secrets.token_bytes(32), pseudonym_key_aad(name)))
    recipient.purposes = [RecipientPurpose(purpose=p) for p in dict.fromkeys(purposes)]
    recipient.surveys = _surveys(session, survey_slugs)
    session.add(recipient)
    session.flush()
    log.info("recipient %s created for purposes %s", name, purposes)
    return recipient


def _surveys(session: Session, slugs: list[str]) -> list[Survey]:
    valid = [slug for slug in slugs if SLUG.match(slug)]
    found = list(session.scalars(select(Survey).where(Survey.slug.in_(valid)))) if valid else []
    missing = set(slugs) - {s.slug for s in found}
    if missing:
        shown = ", ".join(sorted(printable(slug) for slug in missing))
        raise InvalidSubmission("Unknown survey.", {"survey": [f"No survey {shown}."]})
    return found


MAX_PURPOSE = 64  # the column's length


def _purpose_errors(purposes: list[str], key: str, required: bool = True) -> dict[str, list[str]]:
    """Creating and updating a recipient check its purposes alike. Staff (`internal`) may have none: a survey's
    own purpose needs no registering, only the other purposes staff may use its answers for."""
    if not purposes and required:
        return {key: ["Register at least one purpose."]}
    bad = [p for p in purposes if not PURPOSE.match(p) or len(p) > MAX_PURPOSE]
    if bad:
        shown = ", ".join(printable(p[:MAX_PURPOSE]) for p in bad)
        return {key: [f"Not a purpose key: {shown} (lower-case letters, digits, - and _, at most "
                      f"{MAX_PURPOSE} characters)."]}
    return {}


def update_recipient(session: Session, recipient: Recipient, purposes: list[str], survey_slugs: list[str]) -> None:
    errors = _purpose_errors(purposes, "purposes", required=not recipient.is_internal)
    if errors:
        raise InvalidSubmission("The recipient cannot be changed.", errors)
    keep = {p.purpose: p for p in recipient.purposes}
    recipient.purposes = [keep.get(p) or RecipientPurpose(purpose=p) for p in dict.fromkeys(purposes)]
    if not recipient.is_internal:
        recipient.surveys = _surveys(session, survey_slugs)
    session.flush()


def issue_token(session: Session, recipient: Recipient, expires_at: datetime | None = None) -> str:
    if recipient.is_internal:
        raise Forbidden("The internal recipient is staff, signed in; it has no API tokens.")
    token, token_digest = new_token()
    recipient.tokens.append(ApiToken(digest=token_digest, hint=token[:10], expires_at=expires_at))
    session.flush()
    log.info("token %s… issued to %s", token[:10], recipient.name)
    return token


def get_token(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("There is no such token.")
    return token


def revoke_token(session: Session, token_id: int) -> ApiToken:
    token = get_token(session, token_id)
    token.revoked_at = token.revoked_at or utcnow()
    session.flush()
    log.info("token %s… of %s revoked", token.hint, token.recipient.name)
    return token


def recipient_for_token(session: Session, bearer: str) -> Recipient | None:
    """The live token's recipient, or None: unknown, revoked and expired tokens alike."""
    if not bearer or len(bearer) > 200:
        return None
    # Looked up by the SHA-256 of what was sent: the database compares digests, so timing can
    # reveal at most a digest prefix, never the token.
    token = session.scalar(select(ApiToken).where(ApiToken.digest == digest(bearer)))
    if token is None:
        return None
    now = utcnow()
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        # In a transaction of its own: a lookup never commits the work of the request it serves.
        with session.get_bind().begin() as connection:
            connection.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return token.recipient
