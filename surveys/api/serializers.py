"""JSON shapes of the API, in one place."""
import json
from typing import Any, Callable

from models.base import iso_utc
from models.recipient import INTERNAL
from models.choices import options
from models.translations import languages_of
from models.vocabulary import Classification, FieldType, RecipientKind

from ..consent_receipts import SCHEMA_VERSION, ConsentReceipt
from ..disclosures import DisclosedRow, Disclosure
from ..exports import respondent_line
from ..rights import RespondentRecord
from ..submissions import Submitted


def respondent_record(record: RespondentRecord) -> dict[str, Any]:
    return {
        "survey": record.survey.slug,
        "submitted_at": iso_utc(record.response.submitted_at),
        "language": record.response.language,
        "answers": record.answers,
        "consent": record.response.consent,
        # An aggregate release says so: its fields were counted into summary figures, not sent.
        "disclosures": [{"at": iso_utc(d["at"]), "recipient": d["recipient"], "purpose": d["purpose"],
                         "fields": d["fields"], **({"kind": d["kind"]} if "kind" in d else {})}
                        for d in record.disclosures],
    }


def submitted(s: Submitted) -> dict[str, Any]:
    """The 201 of a submission: the consent as stored, and whether a GPC signal set the opt-out."""
    consent: dict[str, Any] = dict(s.consent)
    if s.gpc:
        consent["gpc"] = "honored"
    return {"id": s.public_id, "receipt": s.receipt, "consent": consent}


def survey(s) -> dict[str, Any]:
    """A survey as the listing describes it: its languages, its stored fields (notes hold no answers), with their
    coded choices and, when the survey has sections, the section each is on; texts in its first language."""
    return {"slug": s.slug, "title": s.title, "purpose": s.purpose, "languages": list(languages_of(s)),
            "fields": [_field(f) for f in s.fields if f.type != FieldType.NOTE]}


def _field(f) -> dict[str, Any]:
    described = {"name": f.name, "label": f.label, "type": f.type, "classification": f.classification}
    if f.choices:
        described["choices"] = [choice.as_json() for choice in options(f)]
    if f.section:
        described["section"] = f.section
    return described


def respondent_export(record: RespondentRecord) -> dict[str, Any]:
    """Everything the service holds about one response, for the respondent to take away."""
    response, survey = record.response, record.survey
    return {
        **respondent_record(record),
        "survey_title": survey.title,
        "purpose": survey.purpose,
        "questions": [{**_field(f), "answer": record.answers.get(f.name)} for f in survey.fields
                      if f.type != FieldType.NOTE],
        "consent_history": [{"at": iso_utc(e.at), "source": e.source, "changes": e.changes,
                             "notice_version": e.notice_version, "note": e.note, "gpc": e.gpc}
                            for e in response.events],
        "notice_version": response.notice_version,
        "request": {"ip_truncated": response.client_ip, "user_agent": response.user_agent,
                    "referrer": response.referrer},
        "retention_days": survey.retention_days,
    }


def consent_receipt(receipt: ConsentReceipt) -> dict[str, Any]:
    """The receipt as surveys/api/consent-receipt.schema.json describes it; the names are ISO/IEC TS 27560's
    fields in snake_case, where it has one."""
    issuer, survey, response = receipt.issuer, receipt.survey, receipt.response
    return {
        "schema_version": SCHEMA_VERSION,
        "record_id": receipt.record_id,
        "pii_principal_id": response.public_id,
        "language": issuer.language,
        "service": {"survey": survey.slug, "title": survey.title},
        "privacy_notice": {"notice_version": response.notice_version, "notice_url": issuer.notice_url},
        "pii_controllers": [{"party_name": issuer.controller_name, "party_contact": issuer.controller_contact,
                             "party_role": "pii_controller"}],
        "purposes": [{"purpose_id": p.id, "purpose": p.purpose, "purpose_description": p.description,
                      "lawful_basis": "consent", **({"consent_choice": p.choice} if p.choice else {}),
                      "served": p.served, "pii_types_served": [cls.value for cls in p.classes_served]}
                     for p in receipt.purposes],
        "pii_information": [{"pii_type": cls.value, "sensitive_pii_category": cls is Classification.SPI,
                             "pii_attribute_ids": names} for cls, names in receipt.fields_by_class.items()],
        "retention_period": {"days": survey.retention_days, "starts_at": iso_utc(response.submitted_at),
                             "ends_at": iso_utc(receipt.retention_ends_at)},
        "recipients": [{"party_name": INTERNAL, "party_role": RecipientKind.INTERNAL}]
        + [{"party_name": r.name, "party_role": r.kind, "purposes": r.purpose_names}
           for r in receipt.third_parties],
        "withdrawal_method": {
            "description": "Withdrawing erases your answers and this record at once. Sign in at the self-service "
                           "page with your receipt code and choose to withdraw, or send a DELETE request to the "
                           "API address with your receipt code in the X-Receipt header.",
            "self_service_url": issuer.self_service_url, "api_method": "DELETE", "api_url": issuer.api_url},
        "events": [{"event_time": iso_utc(e.at), "event_type": e.type, "gpc": e.gpc, "event_state": e.state,
                    "source": e.source, "notice_version": e.notice_version, "note": e.note} for e in receipt.events],
    }


def response_page(d: Disclosure, rows: list[DisclosedRow], name: Callable[[str], str],
                  next_cursor: str | None) -> bytes:
    """A page of the third-party responses API, as the exact bytes sent (and digested in the ledger)."""
    body = {"survey": d.survey.slug, "purpose": d.purpose,
            "data": [respondent_line(name(row.public_id), iso_utc(row.submitted_at), row.language, row.answers,
                                     list(row.withheld))
                     for row in rows],
            "next_cursor": next_cursor}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
