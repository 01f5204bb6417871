"""The codebook beside every export: what each column means (field, label, type, class), no answers."""
from __future__ import annotations

import csv
import io

from models.survey import Survey

from .csv_writer import neutralise


def codebook(survey: Survey) -> str:
    """What each column means: field, label, type, class — no answers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["field", "label", "type", "classification", "required", "choices", "min", "max"])
    writer.writerow(["respondent", "The respondent: an id for staff, a pseudonym for third parties", "text",
                     "non_pii", "", "", "", ""])
    writer.writerow(["submitted_at", "When the response was submitted (UTC)", "datetime", "non_pii", "", "", "", ""])
    for f in survey.fields:
        writer.writerow([f.name, neutralise(f.label), f.type, f.classification, "yes" if f.required else "no",
                         neutralise("; ".join(f.choices or [])), f.min if f.min is not None else "",
                         f.max if f.max is not None else ""])
    return out.getvalue()
