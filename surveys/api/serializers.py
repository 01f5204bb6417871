"""JSON shapes of the API, in one place."""
from typing import Any

from models.base import iso_utc

from ..services import RespondentRecord, Submitted


def respondent_record(record: RespondentRecord) -> dict[str, Any]:
    return {
        "survey": record.survey.slug,
        "submitted_at": iso_utc(record.response.submitted_at),
        "answers": record.answers,
        "consent": record.response.consent,
        "disclosures": [{"at": iso_utc(d["at"]), "recipient": d["recipient"], "purpose": d["purpose"],
                         "fields": d["fields"]} for d in record.disclosures],
    }


def submitted(s: Submitted) -> dict[str, Any]:
    """The 201 of a submission: the consent as stored, and whether a GPC signal set the opt-out."""
    consent: dict[str, Any] = dict(s.consent)
    if s.gpc:
        consent["gpc"] = "honored"
    return {"id": s.public_id, "receipt": s.receipt, "consent": consent}


def survey(s) -> dict[str, Any]:
    return {"slug": s.slug, "title": s.title, "purpose": s.purpose,
            "fields": [{"name": f.name, "label": f.label, "type": f.type, "classification": f.classification}
                       for f in s.fields]}


def respondent_export(record: RespondentRecord) -> dict[str, Any]:
    """Everything the service holds about one response, for the respondent to take away."""
    response, survey = record.response, record.survey
    return {
        **respondent_record(record),
        "survey_title": survey.title,
        "purpose": survey.purpose,
        "questions": [{"name": f.name, "label": f.label, "type": f.type, "classification": f.classification,
                       "answer": record.answers.get(f.name)} for f in survey.fields],
        "consent_history": [{"at": iso_utc(e.at), "source": e.source, "changes": e.changes,
                             "notice_version": e.notice_version, "note": e.note} for e in response.events],
        "notice_version": response.notice_version,
        "request": {"ip_truncated": response.client_ip, "user_agent": response.user_agent,
                    "referrer": response.referrer},
        "retention_days": survey.retention_days,
    }
