"""Use cases for staff accounts: creation, sign-in with throttling, and server-side sessions."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models.account import Account, LoginAttempt, StaffSession
from models.base import utcnow
from models.submission import EMAIL
from models.text import printable, storable
from models.vocabulary import StaffRole

from .auth import Passwords, digest, open_session, still_live
from .errors import Conflict, InvalidSubmission, LoginFailed, LoginThrottled, NotFound

log = logging.getLogger(__name__)

MIN_PASSWORD = 12
FAILURE_WINDOW = timedelta(minutes=15)
FAILURES_PER_EMAIL = 5
FAILURES_PER_CLIENT = 20


def create_account(session: Session, passwords: Passwords, email: str, role: str, password: str,
                   spi_access: bool = False) -> Account:
    email = email.strip().lower()
    errors = {}
    if not EMAIL.match(email) or not storable(email):
        errors["email"] = ["Enter an email address."]
    if role not in set(StaffRole):
        errors["role"] = [f"Choose {' or '.join(StaffRole)}."]
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


def find_active_account(session: Session, email: str) -> Account:
    """A staff account that may act now (one that is switched off may not), by its email."""
    account = session.scalar(select(Account).where(Account.email == email.strip().lower(), Account.active.is_(True)))
    if account is None:
        raise NotFound(f"There is no active staff account for {printable(email)!r}.")
    return account


def start_session(session: Session, account: Account) -> str:
    return open_session(session, StaffSession, account_id=account.id)


def load_session(session: Session, token: str, idle: timedelta) -> Account | None:
    """The signed-in account, or None when the session ended or sat idle too long."""
    row = session.scalar(select(StaffSession).where(StaffSession.token_digest == digest(token)))
    if row is None or not row.account.active or not still_live(session.get_bind(), row, idle, utcnow()):
        return None
    return row.account


def end_session(session: Session, token: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.token_digest == digest(token)))
