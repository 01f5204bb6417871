"""Use cases of a respondent's rights over their response: find, read, change consent, correct, erase; retention."""
from __future__ import annotations

import enum
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ledger
from models.consent import lifts_gpc_opt_out
from models.crypto import KeyRing, open_answers, seal_answers
from models.messages import Message
from models.response import ConsentEvent, Response
from models.answering import settle, shows_minor, split_by_class
from models.survey import Survey
from models.vocabulary import Classification, ErasureReason, FieldType

from . import tallies
from .auth import receipt_digest
from .erasure import clear_residue, erase  # noqa: F401 (every right's use case, reached from here)
from .errors import InvalidSubmission, NotFound, UnknownReceipt
from .notices import Notice, record_notice
from .respondent_releases import aggregate_releases_for

log = logging.getLogger(__name__)


def find_by_receipt(session: Session, receipt: str | None) -> Response:
    if not receipt or len(receipt) > 200:
        raise UnknownReceipt(Message("Send the receipt code you were given in the X-Receipt header."))
    response = session.scalar(select(Response).where(Response.receipt_digest == receipt_digest(receipt)))
    if response is None:
        raise UnknownReceipt(Message("That receipt code matches no response. It may be mistyped, or erased."))
    return response


@dataclass(frozen=True)
class RespondentRecord:
    survey: Survey
    response: Response
    answers: dict[str, Any]
    disclosures: list[dict[str, Any]]


def own_answers(ring: KeyRing, survey: Survey, response: Response) -> dict[str, Any]:
    """What the respondent gave, decrypted for them alone, in the survey's order."""
    pii, spi = open_answers(ring, survey.id, response.public_id, response.data_key, response.pii, response.spi)
    given = {**response.non_pii, **pii, **spi}
    return {field.name: given[field.name] for field in survey.fields if field.name in given}


def respondent_record(session: Session, ring: KeyRing, response: Response) -> RespondentRecord:
    """Everything the respondent gave, every disclosure that included them, and every aggregate release of
    their survey that counted them (with the answers of theirs it counted), in the order they were made."""
    survey = session.get(Survey, response.survey_id)
    answers = own_answers(ring, survey, response)
    counted_in = aggregate_releases_for(session, response)
    theirs: dict[int, list[str]] = {}  # releases to one audience share their list of fields: each is kept once
    for release in counted_in:
        names = release["fields"]
        release["fields"] = theirs.get(id(names)) or theirs.setdefault(id(names), [n for n in names if n in answers])
    disclosures = sorted(ledger.disclosures_of(session, response.id, response.public_id) + counted_in,
                         key=lambda disclosure: disclosure["at"])
    return RespondentRecord(survey=survey, response=response, answers=answers, disclosures=disclosures)


GPC_LIFT = ("Your Global Privacy Control signal asks us not to disclose your personal information to third "
            "parties; lifting that opt-out needs an explicit confirmation that the signal cannot give.")


def change_consent(session: Session, response: Response, changes: dict[str, bool], *, source: str,
                   notice: Notice, actor: str = "respondent", gpc: bool = False,
                   lift_confirmed: bool = False) -> dict[str, bool]:
    """Apply a change of the respondent's choices; an event records what changed, when, and under which
    notice in which language (the notice is kept, in its language, the first time it is shown). Returns the
    changes that took effect (nothing when nothing changed).

    An opt-out a Global Privacy Control signal asks for (`gpc`: the request carries it now; or it
    set the opt-out) is lifted only with `lift_confirmed`: each surface says what confirms it."""
    if lifts_gpc_opt_out(response.consent, changes, signal=gpc, set_by_signal=response.opted_out_by_gpc) \
            and not lift_confirmed:
        raise InvalidSubmission("Some consent choices need attention.", {"opt_out_third_party": [GPC_LIFT]})
    effective = {key: value for key, value in changes.items() if getattr(response, key) != value}
    record_notice(session, notice.version, notice.text, notice.language)
    if effective:
        for key, value in effective.items():
            setattr(response, key, value)
        response.notice_version = notice.version
        response.events.append(ConsentEvent(source=source, changes=effective, notice_version=notice.version,
                                            language=notice.language, actor=actor))
        session.flush()
        log.info("response %s: consent changed by %s: %s", response.public_id, actor, effective)
    return effective


class Correction(enum.Enum):
    """What a correction did. Both outcomes are changes for the caller to commit."""
    CORRECTED = "corrected"
    #: The answers showed a minor, so the response was erased: the service keeps no minor's data.
    ERASED_AS_MINOR = "erased_as_minor"


def minor_erased(survey: Survey) -> str:
    return Message("This survey is for people aged %(min_age)s or over, so your response has been erased.",
                   min_age=survey.min_age)


def update_answers(session: Session, ring: KeyRing, response: Response, answers: Any, *, whole: bool,
                   from_text: bool = False, actor: str = "respondent", today: date | None = None) -> Correction:
    """Correct a response's answers with the same rules as a submission; InvalidSubmission, with
    nothing changed, when they do not fit. Logic is evaluated again: scores are recomputed, and an
    answer to a question the correction hides is removed.

    `whole` replaces every answer (the form sends them all, and its hidden questions' answers are
    dropped); otherwise the given answers are merged in, null removes one, and an answer sent to a
    question that is hidden is refused (the API's PATCH)."""
    survey = session.get(Survey, response.survey_id)
    if not isinstance(answers, dict):
        raise InvalidSubmission("Send the answers as an object keyed by field name.",
                                {"answers": ["Expected an object."]})
    if whole:
        merged, refuse = answers, False
    else:
        computed = {f.name for f in survey.fields if f.type == FieldType.CALCULATED}
        stored = {name: value for name, value in own_answers(ring, survey, response).items() if name not in computed}
        merged = {name: value for name, value in {**stored, **answers}.items() if value is not None}
        merged.update({name: value for name, value in answers.items() if name in computed})  # refused below
        refuse = [name for name, value in answers.items() if value is not None]
    today = today or datetime.now(timezone.utc).date()
    settled = settle(survey.instrument, merged, today=today, from_text=from_text, refuse_hidden=refuse)
    clean, errors = settled.answers, settled.errors
    if shows_minor(survey.fields, clean, survey.min_age, today):
        erase(session, response, ErasureReason.MINOR, actor)
        return Correction.ERASED_AS_MINOR
    if errors:
        raise InvalidSubmission("Some answers need attention.", errors)
    parts = split_by_class(survey.fields, clean)
    # Under a fresh data key: an old blob left in the write-ahead log or a free page opens under
    # nothing that remains (the caller clears that residue too, once this commits).
    sealed = seal_answers(ring, survey.id, response.public_id, parts[Classification.PII], parts[Classification.SPI])
    response.non_pii, response.pii, response.spi = parts[Classification.NON_PII], sealed.pii, sealed.spi
    response.data_key = sealed.data_key
    session.flush()
    # After the row's own lock, as an erasure takes them: the other order deadlocks against it.
    tallies.forget(session, response.survey_id, [response.id])  # kept counts of its block hold its old answers
    log.info("response %s corrected by %s", response.public_id, actor)
    return Correction.CORRECTED


PUBLIC_ID = re.compile(r"^[0-9a-f]{32}$")


def find_by_public_id(session: Session, public_id: str) -> Response:
    public_id = public_id.strip()
    response = session.scalar(select(Response).where(Response.public_id == public_id)) \
        if PUBLIC_ID.match(public_id) else None
    if response is None:
        raise NotFound("No response has that id; it may already be erased.")
    return response
