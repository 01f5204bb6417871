"""The codebook beside every export: what each column means (field, label, type, class, codes and their
labels, the condition it was asked under, a score's formula), no answers."""
from __future__ import annotations

import csv
import io

from models.choices import options
from models.survey import Survey

from .csv_writer import neutralise


def codebook(survey: Survey) -> str:
    """What each column means: field, label, type, class — no answers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["field", "label", "type", "classification", "required", "choices", "min", "max",
                     "section", "matrix", "show_if", "formula"])
    writer.writerow(["respondent", "The respondent: an id for staff, a pseudonym for third parties", "text",
                     "non_pii", "", "", "", "", "", "", "", ""])
    writer.writerow(["submitted_at", "When the response was submitted (UTC)", "datetime", "non_pii",
                     "", "", "", "", "", "", "", ""])
    matrices = {m["name"]: m for m in (survey.layout or {}).get("matrices") or ()}
    for f in survey.fields:
        if f.type == "note":
            continue
        label = f.label if not f.matrix else f"{matrices.get(f.matrix, {}).get('label', '')} {f.label}".strip()
        writer.writerow([f.name, neutralise(label), f.type, f.classification, "yes" if f.required else "no",
                         neutralise(coded(f)), f.min if f.min is not None else "", f.max if f.max is not None else "",
                         f.section or "", f.matrix or "", neutralise(f.show_if or ""), neutralise(f.formula or "")])
    return out.getvalue()


def coded(field) -> str:
    """Choices as `value=label`, or just the value where the label is the same."""
    return "; ".join(str(c.value) if str(c.value) == c.label else f"{c.value}={c.label}" for c in options(field))
