"""Who on the staff may do what with which survey: the one place every staff page and export asks.

Admins may do everything. Anyone else sees and acts on only the surveys they are granted, as far as their role
there goes (viewer < exporter < editor); a reviewer may also see any survey, to review it. Whether sensitive
answers are shown stays a matter of the person's own SPI clearance, which the disclosure rule applies."""
from __future__ import annotations

import enum
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ledger
from models.account import Account, SurveyGrant
from models.survey import Survey
from models.vocabulary import SurveyRole

from .errors import Forbidden

log = logging.getLogger(__name__)


class Action(enum.StrEnum):
    VIEW = "view"      # list it, preview it, read its versions, results and codebook
    EXPORT = "export"  # disclose its responses through the export page or command
    EDIT = "edit"      # upload a new version, open or close it
    REVIEW = "review"  # confirm its classification, which opens it

    @property
    def needs(self) -> SurveyRole | None:
        return {Action.VIEW: SurveyRole.VIEWER, Action.EXPORT: SurveyRole.EXPORTER,
                Action.EDIT: SurveyRole.EDITOR}.get(self)


def role_on(session: Session, account: Account, survey: Survey) -> SurveyRole | None:
    return session.scalar(select(SurveyGrant.role).where(SurveyGrant.account_id == account.id,
                                                         SurveyGrant.survey_id == survey.id))


def may(session: Session, account: Account | None, survey: Survey, action: Action) -> bool:
    """Fail closed: no account, a disabled one, an unknown action or no grant is a no. `survey`: its row, or any
    copy with its id and slug (a respondent page's snapshot)."""
    if account is None or not account.active:
        return False
    if account.is_admin:
        return True
    if action == Action.REVIEW:
        return account.reviewer
    if action == Action.VIEW and account.reviewer:
        return True
    needed, role = action.needs, role_on(session, account, survey)
    return needed is not None and role is not None and SurveyRole(role).rank >= needed.rank


def require(session: Session, account: Account | None, survey: Survey, action: Action) -> None:
    if not may(session, account, survey, action):
        raise Forbidden(f"You have no right to {action} the survey {survey.slug!r}; an administrator can grant it.")


def visible(session: Session, account: Account, surveys: list[Survey], action: Action = Action.VIEW) -> list[Survey]:
    """Those of the surveys the account may act on: one query for the grants, not one per survey."""
    if not account.active:
        return []
    if account.is_admin or (account.reviewer and action in (Action.VIEW, Action.REVIEW)):
        return surveys
    needed = action.needs
    if needed is None:
        return []
    roles = dict(session.execute(select(SurveyGrant.survey_id, SurveyGrant.role)
                                 .where(SurveyGrant.account_id == account.id)).all())
    return [s for s in surveys if s.id in roles and SurveyRole(roles[s.id]).rank >= needed.rank]


def may_create(account: Account) -> bool:
    """Any active staff member may start a survey: it is a draft, disclosed to no one, until reviewed."""
    return account.active


def grant(session: Session, account: Account, survey: Survey, role: SurveyRole | None, actor: str) -> None:
    """Give the account this role on the survey, change it, or (role None) take it away; in the ledger."""
    found = session.scalar(select(SurveyGrant).where(SurveyGrant.account_id == account.id,
                                                     SurveyGrant.survey_id == survey.id))
    before = found.role if found else None
    if before == role:
        return
    if role is None:
        session.delete(found)
    elif found is None:
        session.add(SurveyGrant(account_id=account.id, survey_id=survey.id, role=role, granted_by=actor))
    else:
        found.role, found.granted_by = role, actor
    ledger.append_event(session, "grant", actor, f"{account.email}: {before or 'no role'} → {role or 'no role'}",
                        survey.slug)
    session.flush()
    log.info("%s set %s's role on %s to %s", actor, account.email, survey.slug, role or "none")
