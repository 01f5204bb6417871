"""The codebook beside every export: what each column means (field, label, type, class, codes and their
labels, the condition it was asked under, a score's formula, the variables that hold it in SPSS and Stata), no
answers. Also the `codebook` sheet of the Excel export."""
from __future__ import annotations

import csv
import io
from collections import defaultdict

from models.choices import options
from models.survey import Survey

from .csv_writer import neutralise
from .dta_writer import names_in_stata
from .sav_writer import names_in_spss
from .variables import LANGUAGE, RESPONDENT, SUBMITTED_AT, WITHHELD, Storage, field_label, variables

HEADER = ["field", "label", "type", "classification", "required", "choices", "min", "max", "section", "matrix",
          "show_if", "formula", "spss_variables", "stata_variables", "stata_codes"]


def codebook(survey: Survey) -> str:
    """The codebook as CSV, its cells neutralised like the export's."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        [neutralise(cell) if isinstance(cell, str) else cell for cell in row] for row in codebook_rows(survey))
    return out.getvalue()


def codebook_rows(survey: Survey) -> list[list]:
    """The header, then a row per column of the CSV: respondent, submitted_at, language, each field, withheld.

    spss_variables and stata_variables name the variables that hold the column in each (an option of a
    multi_choice has its own, `<field>___<code>`): a name changes only where the tool demands it, the same way
    every time. SPSS wants a letter first and none of its reserved words; Stata wants at most 32 characters,
    fewer for a labelled variable whose value labels pyreadstat names after it (see exports/names.py), so a
    longer name is cut and ended with six characters of a hash of the whole. stata_codes: a choice coded with
    text is numbered in Stata (it labels only numbers), 1, 2, … in the definition's order."""
    found = variables(survey)
    # Our own columns keyed apart from the fields: a field may be called `respondent` or `withheld`.
    spss, stata = defaultdict(list), defaultdict(list)
    for v, in_spss, in_stata in zip(found, names_in_spss(found), names_in_stata(found), strict=True):
        key = v.field if v.field is not None else (v.name,)
        spss[key].append(in_spss)
        stata[key].append(in_stata)
    numbered = {v.field: "; ".join(f"{position}={c.value}" for position, c in enumerate(v.codes, 1))
                for v in found if v.storage is Storage.CODED_TEXT}

    def names(key: str | tuple) -> list[str]:
        return ["; ".join(spss[key]), "; ".join(stata[key]), numbered.get(key, "")]
    own = {v.name: v for v in found if v.field is None}

    def own_row(name: str, kind: str) -> list:
        return [name, own[name].label, kind, "non_pii", "", "", "", "", "", "", "", "", *names((name,))]
    rows = [HEADER, own_row(RESPONDENT, "text"), own_row(SUBMITTED_AT, "datetime"), own_row(LANGUAGE, "text")]
    matrices = {m["name"]: m for m in (survey.layout or {}).get("matrices") or ()}
    for f in survey.stored_fields:
        rows.append([f.name, field_label(f, matrices), f.type, f.classification, "yes" if f.required else "no",
                     coded(f), f.min if f.min is not None else "", f.max if f.max is not None else "",
                     f.section or "", f.matrix or "", f.show_if or "", f.formula or "", *names(f.name)])
    rows.append(own_row(WITHHELD, "text"))
    return rows


def coded(field) -> str:
    """Choices as `value=label`, or just the value where the label is the same."""
    return "; ".join(str(c.value) if str(c.value) == c.label else f"{c.value}={c.label}" for c in options(field))
