"""The variables of the analysis formats (SPSS, Stata, Excel), decided from the definition alone: one per field
(one per option of a multi_choice, as REDCap names them), each with its storage, label and coded values."""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from models.choices import Choice, options
from models.definition.logic import KIND_OF_TYPE, kind_of_choices
from models.expressions import Kind, check, parse
from models.survey import Survey
from models.vocabulary import FieldType


class Storage(enum.StrEnum):
    TEXT = "text"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"          # 1 = yes, 0 = no
    CODED_INT = "coded_int"      # a choice coded with integers: the codes themselves
    CODED_TEXT = "coded_text"    # a choice coded with text
    OPTION = "option"            # one option of a multi_choice: 1 = selected, 0 = not
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"


#: Not read from the answers: who answered, when, and which fields were withheld from this line.
RESPONDENT, SUBMITTED_AT, LANGUAGE, WITHHELD = "respondent", "submitted_at", "language", "withheld"
BOOLEAN_LABELS = (Choice(1, "yes"), Choice(0, "no"))
OPTION_LABELS = (Choice(1, "selected"), Choice(0, "not selected"))


@dataclass(frozen=True)
class Variable:
    #: Ours: the field's name, or `<field>___<code>` for an option; each tool may change it (see names.py).
    name: str
    #: The answer it is read from; None for respondent, submitted_at and withheld.
    field: str | None
    storage: Storage
    label: str
    #: The coded values and their labels (choices; yes/no; selected/not selected).
    codes: tuple[Choice, ...] = ()
    #: An option's choice value: 1 when the answer lists it.
    option: Any = None


_STORAGE = {FieldType.TEXT: Storage.TEXT, FieldType.TEXTAREA: Storage.TEXT, FieldType.EMAIL: Storage.TEXT,
            FieldType.INTEGER: Storage.INTEGER, FieldType.NUMBER: Storage.NUMBER, FieldType.DATE: Storage.DATE,
            FieldType.DATETIME: Storage.DATETIME, FieldType.TIME: Storage.TIME, FieldType.BOOLEAN: Storage.BOOLEAN}
_OF_KIND = {Kind.NUMBER: Storage.NUMBER, Kind.BOOLEAN: Storage.BOOLEAN, Kind.DATE: Storage.DATE,
            Kind.TIME: Storage.TIME, Kind.DATETIME: Storage.DATETIME}


def field_label(field, matrices: dict[str, dict]) -> str:
    """The question as asked: a grid's row is read after the grid's own label."""
    if not field.matrix:
        return field.label
    return f"{matrices.get(field.matrix, {}).get('label', '')} {field.label}".strip()


def variables(survey: Survey) -> list[Variable]:
    """respondent and submitted_at first, a variable per stored field (per option of a multi_choice) in the
    survey's order, and last the names of the fields withheld from each line."""
    matrices = {m["name"]: m for m in (survey.layout or {}).get("matrices") or ()}
    scores = formula_kinds(survey)
    found = [Variable(RESPONDENT, None, Storage.TEXT, "The respondent: an id for staff, a pseudonym for third parties"),
             Variable(SUBMITTED_AT, None, Storage.DATETIME, "When the response was submitted (UTC)"),
             Variable(LANGUAGE, None, Storage.TEXT, "The language the survey was answered in")]
    for f in survey.stored_fields:
        label, choices = field_label(f, matrices), options(f)
        if f.type == FieldType.MULTI_CHOICE:
            codes = option_codes(choices)
            found += [Variable(f"{f.name}___{code}", f.name, Storage.OPTION, f"{label}: {choice.label}",
                               OPTION_LABELS, choice.value) for code, choice in zip(codes, choices, strict=True)]
        elif f.type == FieldType.CHOICE:
            coded = all(type(c.value) is int for c in choices)
            found.append(Variable(f.name, f.name, Storage.CODED_INT if coded else Storage.CODED_TEXT, label, choices))
        elif f.type == FieldType.CALCULATED:
            storage = _OF_KIND.get(scores.get(f.name), Storage.TEXT)
            found.append(Variable(f.name, f.name, storage, label, BOOLEAN_LABELS if storage is Storage.BOOLEAN else ()))
        else:
            storage = _STORAGE[FieldType(f.type)]
            found.append(Variable(f.name, f.name, storage, label, BOOLEAN_LABELS if storage is Storage.BOOLEAN else ()))
    found.append(Variable(WITHHELD, None, Storage.TEXT,
                          "Fields withheld here (;-separated); any other empty cell is unanswered"))
    return found


def own_columns(found: list[Variable]) -> list[int]:
    """Where respondent, submitted_at and withheld are: their names are ours in every format, before a field's."""
    return [index for index, v in enumerate(found) if v.field is None]


def option_codes(choices: tuple[Choice, ...]) -> list[str]:
    """Each option's part of its variable's name: its value made a name (`none of these` → `none_of_these`),
    or, if that leaves one empty or two alike, the options' positions from 1."""
    codes = [re.sub(r"[^a-z0-9]+", "_", str(c.value).lower()).strip("_") for c in choices]
    if all(codes) and len(set(codes)) == len(codes):
        return codes
    return [str(position) for position in range(1, len(choices) + 1)]


def formula_kinds(survey: Survey) -> dict[str, Kind]:
    """What each calculated field gives (a number, a date, true or false…), as the definition checker found it."""
    kinds: dict[str, Kind] = {}
    choices = {}
    formulas = {}
    for f in survey.stored_fields:
        if f.type == FieldType.CHOICE:
            kinds[f.name] = kind_of_choices(options(f))
        elif f.type in KIND_OF_TYPE:
            kinds[f.name] = KIND_OF_TYPE[FieldType(f.type)]
        elif f.type == FieldType.CALCULATED and f.formula:
            formulas[f.name] = parse(f.formula)
        if f.choices:
            choices[f.name] = tuple(c.value for c in options(f))

    def kind_of(name: str) -> Kind:
        if name not in kinds:
            kinds[name] = Kind.ANY  # a checked definition has no cycles; this only stops a repeated visit
            for read in formulas[name].names:
                if read in formulas:
                    kind_of(read)
            kinds[name], _ = check(formulas[name], kinds, choices)
        return kinds[name]
    return {name: kind_of(name) for name in formulas}
