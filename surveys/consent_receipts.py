"""A respondent's consent record as a receipt, shaped after ISO/IEC TS 27560."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.disclosure import Audience, ConsentState, decide_classes
from models.recipient import Recipient, recipient_surveys
from models.response import Response
from models.survey import Survey
from models.vocabulary import CONSENT_CHOICES, Classification, PurposeRelation, RecipientKind

#: The receipt's JSON Schema is surveys/api/consent-receipt.schema.json; its $id is this.
SCHEMA_VERSION = "urn:surveys:consent-receipt:1"
# Record ids are derived from the public id (there is no column for them), in a namespace of our own.
RECORD_NAMESPACE = uuid.UUID("0835c537-d183-455e-a075-61ab5e991ecd")


@dataclass(frozen=True)
class Issuer:
    """Who issues the receipt and where the respondent can act: plain values the caller reads
    from its configuration and its own routes."""
    controller_name: str
    controller_contact: str
    notice_url: str
    self_service_url: str
    api_url: str
    language: str = "en"  # the notice's language; it is written in English only for now


@dataclass(frozen=True)
class PurposeStatus:
    id: str
    purpose: str
    description: str
    #: The respondent's choice that governs this purpose, if one does.
    choice: str | None
    #: Whether the purpose may be served now with answers of its focus class (PII, or SPI for spi_disclosure).
    served: bool
    classes_served: tuple[Classification, ...]


@dataclass(frozen=True)
class ReceiptEvent:
    at: datetime
    type: str
    state: dict[str, bool]
    source: str
    notice_version: str
    note: str
    gpc: bool


@dataclass(frozen=True)
class ConsentReceipt:
    record_id: str
    issuer: Issuer
    survey: Survey
    response: Response
    purposes: list[PurposeStatus]
    fields_by_class: dict[Classification, list[str]]
    retention_ends_at: datetime
    third_parties: list[Recipient]
    events: list[ReceiptEvent]


# Staff clearance for SPI is a matter between us and our staff, not a choice of the respondent's:
# the receipt asks what the respondent's choices allow, so internal audiences are taken as cleared.
INTERNAL_ORIGINAL = Audience(RecipientKind.INTERNAL, PurposeRelation.ORIGINAL, spi_clearance=True)
INTERNAL_OTHER = Audience(RecipientKind.INTERNAL, PurposeRelation.OTHER, spi_clearance=True)
THIRD_PARTY_ORIGINAL = Audience(RecipientKind.THIRD_PARTY, PurposeRelation.ORIGINAL)
ALL_CLASSES = tuple(Classification)

# (id, the choice that governs it, the audiences it covers, the classes it is about, its focus class)
PURPOSES = (
    ("collection", None, (INTERNAL_ORIGINAL,), ALL_CLASSES, Classification.PII),
    ("other_purposes", "opt_out_other_purposes", (INTERNAL_OTHER,), ALL_CLASSES, Classification.PII),
    ("third_party_disclosure", "opt_out_third_party", (THIRD_PARTY_ORIGINAL,), ALL_CLASSES, Classification.PII),
    ("spi_disclosure", "spi_disclosure", (THIRD_PARTY_ORIGINAL, INTERNAL_OTHER), (Classification.SPI,),
     Classification.SPI),
)


def _words(survey: Survey) -> dict[str, tuple[str, str]]:
    own = survey.purpose
    return {
        "collection": (own, survey.purpose_description or f"The purpose the survey “{survey.title}” collects "
                                                          "answers for."),
        "other_purposes": (f"Purposes other than {own}",
                           "Our own staff using your personal answers for a purpose other than the one they "
                           "were collected for."),
        "third_party_disclosure": ("Disclosure to third parties",
                                   "Third parties the survey is shared with receiving your personal answers, each "
                                   f"under a pseudonym of its own. For a purpose other than {own}, your choice "
                                   "about other purposes applies as well."),
        "spi_disclosure": ("Disclosure of sensitive answers",
                           "Your sensitive answers going to third parties or being used for other purposes. This "
                           "needs your explicit consent, and your other choices still apply."),
    }


def _purposes(survey: Survey, response: Response) -> list[PurposeStatus]:
    """Each purpose as the disclosure rule decides it for the respondent's current choices."""
    state = ConsentState(**response.consent)  # the record exists, so nothing is withdrawn
    words, statuses = _words(survey), []
    for purpose_id, choice, audiences, classes, focus in PURPOSES:
        decisions = [decide_classes(audience, state) for audience in audiences]
        allowed = tuple(cls for cls in classes if any(d[cls].disclose for d in decisions))
        statuses.append(PurposeStatus(purpose_id, *words[purpose_id], choice=choice, served=focus in allowed,
                                      classes_served=allowed))
    return statuses


def _events(response: Response) -> list[ReceiptEvent]:
    """Every consent event with the choices in force after it. The first one set every choice at
    submission; later ones hold only what they changed. Withdrawal erases the record, so no event
    here can be one."""
    state, events = dict(CONSENT_CHOICES), []
    for position, event in enumerate(response.events):
        state.update({key: value for key, value in event.changes.items() if key in state})
        events.append(ReceiptEvent(at=event.at, type="modified" if position else "given", state=dict(state),
                                   source=event.source, notice_version=event.notice_version, note=event.note,
                                   gpc=event.gpc))
    return events


def _third_parties(session: Session, survey: Survey) -> list[Recipient]:
    return list(session.scalars(
        select(Recipient).join(recipient_surveys, recipient_surveys.c.recipient_id == Recipient.id)
        .where(recipient_surveys.c.survey_id == survey.id, Recipient.kind == RecipientKind.THIRD_PARTY)
        .options(selectinload(Recipient.purposes)).order_by(Recipient.name)))


def consent_receipt(session: Session, response: Response, issuer: Issuer) -> ConsentReceipt:
    """The respondent's consent record: what they agreed to, what their choices allow now, who may
    receive their answers, how long they are kept, how to withdraw, and every change of their choices."""
    survey = session.get(Survey, response.survey_id)
    fields_by_class: dict[Classification, list[str]] = {}
    for field in survey.stored_fields:
        fields_by_class.setdefault(field.classification, []).append(field.name)
    return ConsentReceipt(
        record_id=str(uuid.uuid5(RECORD_NAMESPACE, response.public_id)), issuer=issuer, survey=survey,
        response=response, purposes=_purposes(survey, response),
        fields_by_class={cls: fields_by_class[cls] for cls in Classification if cls in fields_by_class},
        retention_ends_at=response.submitted_at + timedelta(days=survey.retention_days),
        third_parties=_third_parties(session, survey), events=_events(response))
