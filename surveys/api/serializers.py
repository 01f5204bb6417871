"""JSON shapes of the API, in one place."""
from datetime import datetime
from typing import Any

from ..services import RespondentRecord


def timestamp(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def respondent_record(record: RespondentRecord) -> dict[str, Any]:
    return {
        "survey": record.survey.slug,
        "submitted_at": timestamp(record.response.submitted_at),
        "answers": record.answers,
        "consent": record.response.consent,
        "disclosures": [{"at": timestamp(d["at"]), "recipient": d["recipient"], "purpose": d["purpose"],
                         "fields": d["fields"]} for d in record.disclosures],
    }


def survey(s) -> dict[str, Any]:
    return {"slug": s.slug, "title": s.title, "purpose": s.purpose,
            "fields": [{"name": f.name, "label": f.label, "type": f.type, "classification": f.classification}
                       for f in s.fields]}
