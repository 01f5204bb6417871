"""Use cases for staff and recipients: accounts, sign-in, sessions, third parties, tokens.
Plain functions over a session; they flush, the caller commits."""
from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from models.account import Account, LoginAttempt, StaffSession
from models.base import utcnow
from models.crypto import KeyRing
from models.definition import PURPOSE, SLUG
from models.recipient import INTERNAL, ApiToken, Recipient, RecipientPurpose
from models.survey import Survey
from models.text import printable, storable

from .auth import Passwords, digest, new_session_token, new_token, still_live
from .services import DomainError, InvalidSubmission, NotFound

log = logging.getLogger(__name__)

EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
RECIPIENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")
MIN_PASSWORD = 12
FAILURE_WINDOW = timedelta(minutes=15)
FAILURES_PER_EMAIL = 5
FAILURES_PER_CLIENT = 20


class LoginFailed(DomainError):
    status, code = 401, "login_failed"


class LoginThrottled(DomainError):
    status, code = 429, "too_many_attempts"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class Conflict(DomainError):
    status, code = 409, "conflict"


# -- accounts ----------------------------------------------------------------

def create_account(session: Session, passwords: Passwords, email: str, role: str, password: str,
                   spi_access: bool = False) -> Account:
    email = email.strip().lower()
    errors = {}
    if not EMAIL.match(email) or not storable(email):
        errors["email"] = ["Enter an email address."]
    if role not in ("admin", "researcher"):
        errors["role"] = ["Choose admin or researcher."]
    if len(password) < MIN_PASSWORD:
        errors["password"] = [f"Use at least {MIN_PASSWORD} characters."]
    if errors:
        raise InvalidSubmission("The account cannot be created.", errors)
    if session.scalar(select(Account).where(Account.email == email)):
        raise Conflict(f"There is already an account for {email}.")
    account = Account(email=email, role=role, password_hash=passwords.hash(password), spi_access=spi_access)
    session.add(account)
    session.flush()
    log.info("account %s created (%s%s)", email, role, ", SPI access" if spi_access else "")
    return account


def authenticate(session: Session, passwords: Passwords, email: str, password: str, client: str) -> Account:
    """The account, or LoginFailed; LoginThrottled once too many attempts failed recently."""
    email, since = email.strip().lower()[:254], utcnow() - FAILURE_WINDOW
    by_email = session.scalar(select(func.count()).select_from(LoginAttempt)
                              .where(LoginAttempt.email == email, LoginAttempt.at > since))
    by_client = session.scalar(select(func.count()).select_from(LoginAttempt)
                               .where(LoginAttempt.client == client, LoginAttempt.at > since))
    if by_email >= FAILURES_PER_EMAIL or by_client >= FAILURES_PER_CLIENT:
        raise LoginThrottled("Too many failed sign-ins. Wait 15 minutes and try again.",
                             retry_after=int(FAILURE_WINDOW.total_seconds()))
    account = session.scalar(select(Account).where(Account.email == email, Account.active.is_(True)))
    if not passwords.verify(account.password_hash if account else None, password):
        session.add(LoginAttempt(email=email, client=client))
        session.flush()
        log.warning("failed sign-in for %s from %s", email, client)
        raise LoginFailed("That email and password do not match an account.")
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    account.last_login_at = utcnow()
    return account


def start_session(session: Session, account: Account) -> str:
    token, token_digest = new_session_token()
    session.add(StaffSession(token_digest=token_digest, account_id=account.id))
    session.flush()
    return token


def load_session(session: Session, token: str, idle: timedelta) -> Account | None:
    """The signed-in account, or None when the session ended or sat idle too long."""
    row = session.scalar(select(StaffSession).where(StaffSession.token_digest == digest(token)))
    if row is None or not row.account.active or not still_live(session, row, idle, utcnow()):
        return None
    return row.account


def end_session(session: Session, token: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.token_digest == digest(token)))


# -- recipients and tokens -------------------------------------------------------

def internal_recipient(session: Session) -> Recipient:
    return session.scalar(select(Recipient).where(Recipient.kind == INTERNAL))


def list_recipients(session: Session, *, with_details: bool = False) -> list[Recipient]:
    """With details (purposes, surveys, tokens) loaded in three queries, not three per recipient."""
    query = select(Recipient).order_by(Recipient.kind, Recipient.name)
    if with_details:
        query = query.options(selectinload(Recipient.purposes), selectinload(Recipient.surveys),
                              selectinload(Recipient.tokens))
    return list(session.scalars(query))


def get_recipient(session: Session, recipient_id: int) -> Recipient:
    recipient = session.get(Recipient, recipient_id)
    if recipient is None:
        raise NotFound("There is no such recipient.")
    return recipient


def pseudonym_key_aad(name: str) -> bytes:
    return f"surveys/v1|pseudonym-key|{name}".encode()


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
    recipient = Recipient(name=name, kind="third_party",
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


def _purpose_errors(purposes: list[str], key: str) -> dict[str, list[str]]:
    """Creating and updating a recipient check its purposes alike."""
    if not purposes:
        return {key: ["Register at least one purpose."]}
    bad = [p for p in purposes if not PURPOSE.match(p) or len(p) > MAX_PURPOSE]
    if bad:
        shown = ", ".join(printable(p[:MAX_PURPOSE]) for p in bad)
        return {key: [f"Not a purpose key: {shown} (lower-case letters, digits, - and _, at most "
                      f"{MAX_PURPOSE} characters)."]}
    return {}


def update_recipient(session: Session, recipient: Recipient, purposes: list[str], survey_slugs: list[str]) -> None:
    errors = _purpose_errors(purposes, "purposes")
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


def revoke_token(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("There is no such token.")
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
        token.last_used_at = now
    return token.recipient


def rewrap_pseudonym_keys(session: Session, ring: KeyRing) -> int:
    """Recipients' pseudonym keys under the ring's current key; pseudonyms stay the same."""
    recipients = list(session.scalars(select(Recipient).where(Recipient.pseudonym_key.is_not(None))))
    for recipient in recipients:
        recipient.pseudonym_key = ring.rewrap(recipient.pseudonym_key, pseudonym_key_aad(recipient.name))
    session.flush()
    return len(recipients)
