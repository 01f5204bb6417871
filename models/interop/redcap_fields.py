"""One row of a REDCap data dictionary as one field of ours: its type and validation, choices, bounds, class
(fail closed: spi unless a tag or Identifier? says otherwise), and what its logic needs to know of it."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from ..definition.spec import Problem
from . import redcap_types as dd
from .common import Located, LocatedList
from .redcap_logic import Operand
from .redcap_table import Row
from .redcap_values import bound, coded_choices

_CLASS_TAG = re.compile(r"(?<![\w@-])@(NON-PII|PII|SPI)(?![\w-])", re.I)
#: The age gate's fields, marked in the annotation (REDCap has no such notion; it ignores tags it does not know).
ROLE_TAGS = {"birth_date": "ROLE-BIRTH-DATE", "age": "ROLE-AGE"}
_TAG = re.compile(r"(?<![\w@-])@([A-Z][A-Z0-9_-]*)", re.I)
#: Action tags that make a field something computed, which a question of ours would not be.
_COMPUTING = {"CALCTEXT", "CALCDATE"}
_STRICTNESS = ("non_pii", "pii", "spi")
#: A pattern REDCap has no validation for, as redcap_out.py writes it into the annotation for a round trip.
_KEPT_PATTERN = re.compile(r"Pattern \(not enforced by REDCap\): (.+)$")
_PIPING = re.compile(r"\[[a-z][a-z0-9_]*(\([^()\]]*\))?(:[a-z-]+)?\]")


@dataclass
class Field:
    """A row read: `item` is our field (its logic added once every field is known), or None if it failed."""
    row: Row
    name: str
    form: str
    item: Located | None = None
    operand: Operand = Operand("text")
    #: Why the field cannot be imported (left out under --skip-unsupported, else a problem).
    unsupported: str | None = None
    unsupported_at: str = "field_type"
    defaulted: bool = False
    matrix: str = ""
    choices: tuple = ()


@dataclass
class Notes:
    """What an import tells its user, each message once with the fields it concerns."""
    general: list[str] = field(default_factory=list)
    by_message: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, name: str, message: str) -> None:
        if name not in self.by_message[message]:
            self.by_message[message].append(name)

    def lines(self) -> list[str]:
        return self.general + [f"{', '.join(names)}: {message}" for message, names in self.by_message.items()]


def convert(row: Row, problems: list[Problem], notes: Notes) -> Field:
    name, rtype, validation = row["field_name"], row["field_type"].lower(), row[
        "text_validation_type_or_show_slider_number"].lower()
    found = Field(row, name, row["form_name"], matrix=row["matrix_group_name"])
    where, before = f"field {name or '(unnamed)'}", len(problems)

    def problem(message: str, key: str | None = None) -> None:
        problems.append(Problem(where, message, row.at(key)))

    item = Located({"name": name}, at=row.at(), places={"name": row.at("field_name")})
    for key, column in (("label", "field_label"), ("help", "field_note")):
        if row[column]:
            item[key], item.lines[key] = row[column], row.at(column)
        if _PIPING.search(row[column]):
            notes.add(name, "pipes answers into its text ([field]), which is shown as written")

    def put(key: str, value, column: str) -> None:
        item[key], item.lines[key] = value, row.at(column)

    tags = _TAG.findall(row["field_annotation"])
    for tag in {tag.upper() for tag in tags} & set(ROLE_TAGS.values()):
        put("role", next(role for role, known in ROLE_TAGS.items() if known == tag), "field_annotation")
    for tag in {tag.upper() for tag in tags} - {"PII", "SPI", "NON-PII", *ROLE_TAGS.values()}:
        if tag in _COMPUTING:
            found.unsupported = f"@{tag} makes it a calculation this service cannot run"
            found.unsupported_at = "field_annotation"
        else:
            notes.add(name, f"@{tag} in its Field Annotation is left as it is (this service does not act on it)")
    if not name:
        problem("has no Variable / Field Name", "field_name")
    ftype = _TYPES.get(rtype)
    if rtype in ("file", "sql") or ftype is None:
        reasons = {"file": "a signature" if validation == "signature" else "a file upload",
                   "sql": "an sql field (choices from a database query)", "": "no Field Type"}
        found.unsupported = reasons.get(rtype, f"the field type {rtype!r}, which this service does not know")
        return found
    choices_text = row["select_choices_or_calculations"]
    if rtype == "text":
        ftype = _text_type(validation, name, notes)
        if ftype.startswith("!"):
            found.unsupported, found.unsupported_at = ftype[1:], "text_validation_type_or_show_slider_number"
            return found
        if validation in dd.PATTERNS:
            put("pattern", dd.PATTERNS[validation], "text_validation_type_or_show_slider_number")
    if ftype in ("text", "textarea") and (kept := _KEPT_PATTERN.search(row["field_annotation"])):
        put("pattern", kept.group(1).replace(r"\x40", "@"), "field_annotation")
    put("type", ftype, "field_type")
    if rtype == "dropdown":
        put("appearance", "dropdown", "field_type")
    if rtype in ("radio", "dropdown", "checkbox", "yesno", "truefalse"):
        pairs = {"yesno": dd.YESNO, "truefalse": dd.TRUEFALSE}.get(rtype) or coded_choices(choices_text, problem)
        found.choices = pairs
        place = row.at("select_choices_or_calculations")
        put("choices", LocatedList((Located({"value": v, "label": label}, at=place, places={"value": place,
                                             "label": place}) for v, label in pairs), [place] * len(pairs)),
            "select_choices_or_calculations")
    if rtype == "calc":
        if not choices_text:
            problem("is a calc field without its formula", "select_choices_or_calculations")
        put("formula", choices_text, "select_choices_or_calculations")  # REDCap's, translated once all are read
    if rtype == "slider":
        labels = [label.strip() for label in choices_text.split("|") if label.strip()]
        if labels:  # its labels along the scale, left to right, are kept as help
            put("help", " ".join(filter(None, (item.get("help"), f"({' … '.join(labels)})"))),
                "select_choices_or_calculations")
    _bounds(row, ftype, rtype, validation, put, problem, found, notes)
    required = row["required_field"].lower()
    if required not in ("", "y", "n"):
        problem(f"Required Field? is {row['required_field']!r}: REDCap writes y or nothing", "required_field")
    elif required == "y" and ftype not in ("note", "calculated"):  # REDCap asks neither, so requires neither
        put("required", True, "required_field")
    if ftype != "note":
        _classify(row, found, put)
    found.operand = _operand(ftype, found.choices)
    found.item = item if len(problems) == before else None
    return found


_TYPES = {"text": "text", "notes": "textarea", "radio": "choice", "dropdown": "choice", "checkbox": "multi_choice",
          "yesno": "choice", "truefalse": "choice", "slider": "integer", "calc": "calculated", "descriptive": "note"}


def _text_type(validation: str, name: str, notes: Notes) -> str:
    """A text field's type by its validation; "!why" when it has none here."""
    if validation in dd.DATES:
        return "date"
    if validation in dd.DATETIMES:
        return "datetime"
    if validation in dd.TIMES_NOT_KEPT:
        return "!" + dd.TIMES_NOT_KEPT[validation]
    if validation in dd.INTEGERS:
        return "integer"
    if validation in dd.LOOSE_NUMBERS:
        notes.add(name, "REDCap's fixed decimal places or decimal comma (number_…dp, …_comma_decimal) are not "
                        "kept: it takes any number, written with a point")
    if validation in dd.NUMBERS:
        return "number"
    if validation in ("", "email", "time") or validation in dd.PATTERNS:
        return {"email": "email", "time": "time"}.get(validation, "text")
    return f"!the text validation {validation!r}, which this service does not know"


def _bounds(row: Row, ftype: str, rtype: str, validation: str, put, problem, found: Field, notes: Notes) -> None:
    low, high = row["text_validation_min"], row["text_validation_max"]
    if rtype == "slider":
        low, high = low or str(dd.SLIDER_RANGE[0]), high or str(dd.SLIDER_RANGE[1])
    for key, text, column in (("min", low, "text_validation_min"), ("max", high, "text_validation_max")):
        if not text:
            continue
        if ftype not in ("integer", "number", "date", "datetime", "time"):
            notes.add(found.name, f"its Text Validation {key.capitalize()} is not read: REDCap does not use it here")
            continue
        if text.lower() in ("today", "now"):
            found.unsupported = f"Text Validation {key.capitalize()} is {text!r}, a bound that moves each day"
            found.unsupported_at = column
            continue
        order = dd.DATES.get(validation) or dd.DATETIMES.get(validation) or "ymd"
        value = bound(text, ftype, order)
        if value is None:
            shown = {"integer": "a whole number", "number": "a number", "date": "a date", "time": "a time (HH:MM)",
                     "datetime": "a date and time"}[ftype]
            problem(f"has the Text Validation {key.capitalize()} {text!r}, which is not {shown}", column)
        else:
            put(key, value, column)
            if ftype == "datetime":
                notes.add(found.name, "its date and time bounds have no time zone in REDCap: they are read as UTC")


def _classify(row: Row, found: Field, put) -> None:
    """A Field Annotation tag wins (the strictest, if several); else Identifier? = y is pii; else spi."""
    tags = {tag.lower().replace("-", "_") for tag in _CLASS_TAG.findall(row["field_annotation"])}
    if tags:
        put("classification", max(tags, key=_STRICTNESS.index), "field_annotation")
    elif row["identifier"].lower() == "y":
        put("classification", "pii", "identifier")
    else:
        put("classification", "spi", "field_annotation")
        found.defaulted = True


def _operand(ftype: str, choices: tuple) -> Operand:
    if ftype == "multi_choice":
        return Operand("checkbox", tuple(code for code, _ in choices))
    if ftype == "choice":
        return Operand("number" if choices and all(isinstance(c, int) for c, _ in choices) else "text")
    kinds = {"integer": "number", "number": "number", "calculated": "number", "date": "date", "time": "time",
             "datetime": "datetime", "note": "note"}
    return Operand(kinds.get(ftype, "text"))


def strictest(classes: list[str]) -> str:
    return max(classes, key=_STRICTNESS.index)
