"""Use cases for the staff list as administrators keep it, and for each person's own password.

An account is made without a password: the new person sets one through a one-time link, so no administrator
ever chooses or sees it. Every change is in the ledger, its note naming the account and what changed, never a
password or a link."""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from models import ledger
from models.account import Account, LoginAttempt, PasswordLink, StaffSession, SurveyGrant
from models.base import utcnow
from models.database import hold_write_lock
from models.survey import Survey
from models.text import storable
from models.vocabulary import StaffRole, SurveyRole

from . import access, accounts
from .auth import Passwords, digest, new_session_token
from .errors import Conflict, Expired, InvalidSubmission, NotFound

log = logging.getLogger(__name__)

LINK_HOURS = 72
#: Anything longer is not one of our tokens, and is not looked up.
_TOKEN_LENGTH = 64
UNUSABLE_LINK = ("This link cannot be used. It may be mistyped, used already, replaced by a newer one, or "
                 f"expired (a link lasts {LINK_HOURS} hours). Ask an administrator for a new one.")


@dataclass(frozen=True)
class Member:
    account: Account
    roles: list[tuple[str, SurveyRole]]  # (survey slug, role), by slug


def list_staff(session: Session) -> list[Member]:
    """Every account with its survey roles: two queries, whatever the number of people."""
    roles: dict[int, list[tuple[str, SurveyRole]]] = defaultdict(list)
    for account_id, slug, role in session.execute(
            select(SurveyGrant.account_id, Survey.slug, SurveyGrant.role)
            .join(Survey, Survey.id == SurveyGrant.survey_id).order_by(Survey.slug)):
        roles[account_id].append((slug, SurveyRole(role)))
    return [Member(account, roles[account.id])
            for account in session.scalars(select(Account).order_by(Account.email))]


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("There is no such staff account.")
    return account


def survey_roles(session: Session, account: Account) -> dict[int, SurveyRole]:
    """{survey id: role} for the surveys the account is granted."""
    return {survey_id: SurveyRole(role) for survey_id, role in session.execute(
        select(SurveyGrant.survey_id, SurveyGrant.role).where(SurveyGrant.account_id == account.id))}


def create_account(session: Session, email: str, role: str, spi_access: bool, reviewer: bool,
                   actor: str) -> tuple[Account, str]:
    """A new account, and the token of the link its owner sets a password with (to show once)."""
    email = accounts.normal_email(email)
    if errors := accounts.account_errors(email, role):
        raise InvalidSubmission("The account cannot be created.", errors)
    account = accounts.add_account(session, email, role, spi_access, reviewer)
    rights = [right for right, held in (("SPI clearance", spi_access), ("the reviewer right", reviewer)) if held]
    _record(session, actor, f"created {role} {email}" + (f" with {' and '.join(rights)}" if rights else ""))
    return account, issue_link(session, account, actor)


def issue_link(session: Session, account: Account, actor: str) -> str:
    """A fresh one-time link's token; any earlier link of the account ends (and any expired one is cleared)."""
    if not account.active:
        raise Conflict(f"{account.email} is disabled: enable the account before issuing a link.")
    now = utcnow()
    session.execute(delete(PasswordLink).where(or_(PasswordLink.account_id == account.id,
                                                   PasswordLink.expires_at <= now)))
    token, token_digest = new_session_token()
    session.add(PasswordLink(token_digest=token_digest, account_id=account.id,
                             expires_at=now + timedelta(hours=LINK_HOURS)))
    _record(session, actor, f"set-password link issued for {account.email} (valid {LINK_HOURS} hours); "
                            "any earlier one ended")
    return token


def link_expiry(session: Session, account: Account) -> datetime | None:
    """When the account's live set-password link runs out, if it has one."""
    return session.scalar(select(PasswordLink.expires_at).where(PasswordLink.account_id == account.id,
                                                                PasswordLink.expires_at > utcnow()))


def link_account(session: Session, token: str) -> Account:
    """Whose link this is; NotFound when there is no such live link, Expired when it ran out. Neither says
    whether any account is behind it."""
    link = None
    if len(token) <= _TOKEN_LENGTH and storable(token):
        link = session.scalar(select(PasswordLink).where(PasswordLink.token_digest == digest(token)))
    if link is None or not link.account.active:
        raise NotFound(UNUSABLE_LINK)
    if link.expires_at <= utcnow():
        raise Expired(UNUSABLE_LINK)
    return link.account


def set_password_with_link(session: Session, passwords: Passwords, token: str, password: str) -> Account:
    """The link's owner sets their password; the link ends, and so does any session the account had."""
    account = link_account(session, token)
    if problems := accounts.password_problems(password, account.email):
        raise InvalidSubmission("Choose another password.", {"password": problems})
    used = session.execute(delete(PasswordLink).where(PasswordLink.token_digest == digest(token)))
    if used.rowcount != 1:  # another request used it a moment ago
        raise NotFound(UNUSABLE_LINK)
    account.password_hash = passwords.hash(password)
    _end_sessions(session, account)
    # Failed sign-ins before the link (a forgotten password) must not keep the new one waiting.
    session.execute(delete(LoginAttempt).where(LoginAttempt.email == account.email))
    _record(session, account.email, f"{account.email} set a password with a link")
    return account


def change_password(session: Session, passwords: Passwords, account: Account, current: str, new: str,
                    client: str, keep_session: str) -> None:
    """The signed-in person's own password changed; their other sessions end, this one (its token) goes on.
    A wrong current password counts as a failed sign-in, so it cannot be guessed here either."""
    if not accounts.password_matches(session, passwords, account.email, account, current, client):
        raise InvalidSubmission("Your password was not changed.", {"current": ["That is not your current password."]})
    if problems := accounts.password_problems(new, account.email):
        raise InvalidSubmission("Your password was not changed.", {"password": problems})
    account.password_hash = passwords.hash(new)
    _end_sessions(session, account, keep=digest(keep_session))
    _record(session, account.email, f"{account.email} changed their own password")


_ACTIVE_ADMINS = select(Account.id).where(Account.role == StaffRole.ADMIN, Account.active.is_(True))


def disable_refusal(session: Session, account: Account, actor: Account) -> str | None:
    """Why this person may not disable the account, if they may not: one always stays who can let others in."""
    return _refusal(account, actor, set(session.scalars(_ACTIVE_ADMINS)))


def _refusal(account: Account, actor: Account, active_admins: set[int]) -> str | None:
    if account.id == actor.id:
        return "You cannot disable your own account; another administrator can."
    if account.id in active_admins and not active_admins - {account.id}:
        return "This is the last active administrator: make another account an administrator first."
    return None


def disable(session: Session, account: Account, actor: Account) -> None:
    """The account stops at once: its sessions and its set-password link end, and it cannot sign in."""
    # The active admins are read locked, so two admins disabling each other at the same moment cannot leave none:
    # the second waits for the first, then sees it.
    hold_write_lock(session)
    if reason := _refusal(account, actor, set(session.scalars(_ACTIVE_ADMINS.with_for_update()))):
        raise Conflict(reason)
    if not account.active:
        return
    account.active = False
    ended = _end_sessions(session, account)
    session.execute(delete(PasswordLink).where(PasswordLink.account_id == account.id))
    _record(session, actor.email, f"{account.email} disabled; {ended} session(s) ended")


def enable(session: Session, account: Account, actor: str) -> None:
    if account.active:
        return
    account.active = True
    _record(session, actor, f"{account.email} enabled")


def set_rights(session: Session, account: Account, spi_access: bool, reviewer: bool, actor: str) -> None:
    """SPI clearance and the reviewer right, each change its own ledger entry; they count from the next request."""
    for name, attribute, wanted in (("SPI clearance", "spi_access", spi_access),
                                    ("the reviewer right", "reviewer", reviewer)):
        if getattr(account, attribute) != wanted:
            setattr(account, attribute, wanted)
            _record(session, actor, f"{account.email}: {name} {'granted' if wanted else 'revoked'}")


def set_roles(session: Session, account: Account, roles: dict[Survey, SurveyRole | None], actor: str) -> None:
    """The account's role on each survey named (None: no role); access.grant records each change."""
    if account.is_admin:
        raise Conflict("Administrators may do everything with every survey: they need no survey roles.")
    for survey, role in roles.items():
        access.grant(session, account, survey, role, actor)


def _end_sessions(session: Session, account: Account, keep: str | None = None) -> int:
    query = delete(StaffSession).where(StaffSession.account_id == account.id)
    if keep is not None:
        query = query.where(StaffSession.token_digest != keep)
    return session.execute(query).rowcount


def _record(session: Session, actor: str, note: str) -> None:
    # The change is written before the ledger's lock is taken, as disable() locks accounts before it: one order of
    # locks everywhere, so two account changes at once wait for each other rather than deadlock.
    session.flush()
    ledger.append_event(session, "account", actor, note)
    log.info("%s: %s", actor, note)
