"""Use cases for staff accounts: creation, the rules a password follows, sign-in with throttling, and
server-side sessions."""
from __future__ import annotations

import functools
import logging
from datetime import timedelta
from pathlib import Path

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
#: A longer one is no safer, and hashing it is work anyone could ask of the server.
MAX_PASSWORD = 1024
#: What every form that sets a password says of it, and what password_problems checks.
PASSWORD_RULES = (f"At least {MIN_PASSWORD} characters (at most {MAX_PASSWORD}); not your email address; not a very "
                  "common password or one that is easy to guess, such as password1234 or one character repeated. "
                  "A few unrelated words make a long password that is easy to remember.")
FAILURE_WINDOW = timedelta(minutes=15)
FAILURES_PER_EMAIL = 5
FAILURES_PER_CLIENT = 20


def create_account(session: Session, passwords: Passwords, email: str, role: str, password: str,
                   spi_access: bool = False) -> Account:
    """An account that can sign in at once, with the password given (the command line's way)."""
    email = normal_email(email)
    errors = account_errors(email, role)
    if problems := password_problems(password, email):
        errors["password"] = problems
    if errors:
        raise InvalidSubmission("The account cannot be created.", errors)
    return add_account(session, email, role, spi_access, password_hash=passwords.hash(password))


def normal_email(email: str) -> str:
    return email.strip().lower()


def account_errors(email: str, role: str) -> dict[str, list[str]]:
    errors = {}
    if not EMAIL.match(email) or not storable(email):
        errors["email"] = ["Enter an email address."]
    if role not in set(StaffRole):
        errors["role"] = [f"Choose {' or '.join(StaffRole)}."]
    return errors


def add_account(session: Session, email: str, role: str, spi_access: bool = False, reviewer: bool = False,
                password_hash: str | None = None) -> Account:
    """A checked email and role made an account; without a password hash it cannot sign in until one is set."""
    if session.scalar(select(Account).where(Account.email == email)):
        raise Conflict(f"There is already an account for {email}.")
    account = Account(email=email, role=role, password_hash=password_hash, spi_access=spi_access, reviewer=reviewer)
    session.add(account)
    session.flush()
    log.info("account %s created (%s%s%s)", email, role, ", SPI access" if spi_access else "",
             ", reviewer" if reviewer else "")
    return account


def password_problems(password: str, email: str) -> list[str]:
    """What is wrong with a new password, by PASSWORD_RULES; empty when it will do."""
    if not storable(password):
        return ["Use only characters that can be typed: this one holds a NUL or an unpaired surrogate."]
    if len(password) < MIN_PASSWORD:
        return [f"Use at least {MIN_PASSWORD} characters."]
    if len(password) > MAX_PASSWORD:
        return [f"Use at most {MAX_PASSWORD} characters."]
    folded = password.strip().casefold()
    if folded in (email.casefold(), email.casefold().partition("@")[0]):
        return ["Do not use your email address as your password."]
    if folded in _common_passwords() or len(set(folded)) < 4:
        return ["That is one of the most common passwords, or too easy to guess; choose another."]
    return []


@functools.cache
def _common_passwords() -> frozenset[str]:
    """Only those long enough to pass the length rule: a shorter one is refused anyway."""
    lines = (Path(__file__).parent / "common-passwords.txt").read_text().splitlines()
    return frozenset(line.strip().casefold() for line in lines
                     if len(line.strip()) >= MIN_PASSWORD and not line.startswith("#"))


def authenticate(session: Session, passwords: Passwords, email: str, password: str, client: str) -> Account:
    """The account, or LoginFailed; LoginThrottled once too many attempts failed recently."""
    email = normal_email(email)[:254]
    account = session.scalar(select(Account).where(Account.email == email, Account.active.is_(True)))
    if not password_matches(session, passwords, email, account, password, client):
        raise LoginFailed("That email and password do not match an account.")
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    account.last_login_at = utcnow()
    return account


def password_matches(session: Session, passwords: Passwords, email: str, account: Account | None, password: str,
                     client: str) -> bool:
    """Whether this is the account's password (an account without one has none to match), each miss counted
    against the email and the client; LoginThrottled once too many missed recently, before any is checked."""
    since = utcnow() - FAILURE_WINDOW
    by_email = session.scalar(select(func.count()).select_from(LoginAttempt)
                              .where(LoginAttempt.email == email, LoginAttempt.at > since))
    by_client = session.scalar(select(func.count()).select_from(LoginAttempt)
                               .where(LoginAttempt.client == client, LoginAttempt.at > since))
    if by_email >= FAILURES_PER_EMAIL or by_client >= FAILURES_PER_CLIENT:
        raise LoginThrottled("Too many failed sign-ins. Wait 15 minutes and try again.",
                             retry_after=int(FAILURE_WINDOW.total_seconds()))
    if passwords.verify(account.password_hash if account else None, password):
        return True
    session.add(LoginAttempt(email=email, client=client[:64]))
    session.flush()
    log.warning("wrong password for %s from %s", email, client)
    return False


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
