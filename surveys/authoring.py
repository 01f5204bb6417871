"""Use cases of a survey's life in the browser: a definition uploaded in any format `surveys load` reads, and
the survey opened or closed. What is uploaded is a draft until its classification is reviewed (surveys.review)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ledger
from models.account import Account
from models.base import utcnow
from models.interop.common import Imported
from models.interop.loading import command_option, load_bytes
from models.survey import Survey
from models.vocabulary import SurveyRole, SurveyStatus

from . import access, catalogue
from .errors import Conflict, Forbidden

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Uploaded:
    survey: Survey
    created: bool
    #: What an import decided on its own (None for our own format).
    imported: Imported | None


def upload(session: Session, account: Account, raw: bytes, filename: str, options: dict[str, str | None],
           skip_unsupported: bool = False, option_named: Callable[[str], str] = command_option) -> Uploaded:
    """Check the file as `surveys load` does (DefinitionError with every problem and where it is) and save it
    as a draft. A new survey's uploader becomes its editor; changing an existing one takes the editor's right."""
    loaded = load_bytes(raw, filename, options, skip_unsupported, option_named)
    existing = session.scalar(select(Survey).where(Survey.slug == loaded.spec.slug))
    if existing is not None:
        if not access.may(session, account, existing, access.Action.EDIT):
            raise Forbidden(f"There is already a survey {loaded.spec.slug!r}, and you may not change it; "
                            "give this one another slug, or ask an administrator for the editor's role on it.")
    elif not access.may_create(account):
        raise Forbidden("This account may not create surveys.")
    defaulted = tuple(loaded.imported.defaulted_spi) if loaded.imported else ()
    survey, created = catalogue.save_survey(session, loaded.spec, account.email, source=f"an upload of {filename}",
                                            reviewed=False, defaulted_spi=defaulted)
    if created and not account.is_admin:
        access.grant(session, account, survey, SurveyRole.EDITOR, account.email)
    return Uploaded(survey, created, loaded.imported)


def set_status(session: Session, account: Account, survey: Survey, status: SurveyStatus) -> None:
    """Open or close a reviewed survey. A draft leaves that state only through its review: closed, a survey is
    still exported, so closing a draft would disclose what nobody confirmed."""
    access.require(session, account, survey, access.Action.EDIT)
    if status == SurveyStatus.DRAFT or survey.status == SurveyStatus.DRAFT:
        raise Conflict(f"The survey {survey.slug!r} is a draft: its classification must be reviewed before it "
                       "opens or closes.")
    if survey.status == status:
        return
    before, survey.status = survey.status, status
    survey.updated_at = utcnow()  # a new version for respondents' requests, which compare it
    ledger.append_event(session, "survey_status", account.email, f"{before} → {status}", survey.slug)
    session.flush()
    log.info("%s set survey %s %s", account.email, survey.slug, status)
