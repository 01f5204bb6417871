"""Checking one field of a definition: its type and class, and what each type allows (choices, bounds,
pattern, formula, appearance)."""
from __future__ import annotations

import math
from datetime import date
from typing import Any

from ..choices import Choice
from ..submission import SAFE_INTEGER, is_whole, pattern_problem, time_text, utc_text
from ..translations import choice_key, field_key
from ..vocabulary import Appearance, Classification, FieldType, Role
from .languages import TextChecks
from .reader import line_of
from .spec import _LONG_DIGITS, FIELD_KEYS, FIELD_NAME, MAX_CHOICES, FieldSpec

MAX_EXPRESSION = 2000
#: What each key applies to, where not every type takes it.
ONLY_FOR = {
    "formula": ((FieldType.CALCULATED,), "calculated fields"),
    "pattern": ((FieldType.TEXT, FieldType.TEXTAREA), "text and textarea fields"),
    "appearance": ((FieldType.CHOICE,), "choice fields"),
    "required": (tuple(t for t in FieldType if t.is_asked), "questions the respondent answers"),
}


class FieldChecks(TextChecks):
    def field(self, item: Any, where: str, line: int | None, section: str | None) -> FieldSpec | None:
        before = len(self.problems)
        where = self.opened(item, where, line, FIELD_KEYS, "name, type and classification (or a matrix)")
        if where is None:
            return None
        name = self.name(item, "name", where)
        label = self.words(item, "label", where, required=False, max_len=5000, path=name and field_key(name, "label"))
        help_text = self.words(item, "help", where, required=False, max_len=2000, path=name and field_key(name, "help"))
        ftype = self.enum(item, "type", where, FieldType, required=True)
        # A note stores nothing, so it has nothing to protect; every stored field says its class.
        classification = self.enum(item, "classification", where, Classification,
                                   required=ftype is not FieldType.NOTE)
        if ftype is FieldType.NOTE and label is None:
            self.add(f"{where}label", "is missing: a note is the text it shows", line_of(item, "name") or line)
        for key, (types, what) in ONLY_FOR.items():
            if ftype and item.get(key) is not None and ftype not in types:
                self.add(f"{where}{key}", f"applies only to {what}, not {ftype.value}", line_of(item, key))
        required = self.flag(item, "required", where) or False
        role = self.enum(item, "role", where, Role, required=False)
        if role is Role.BIRTH_DATE and ftype and ftype is not FieldType.DATE:
            self.add(f"{where}role", "birth_date needs a field of type date", line_of(item, "role"))
        if role is Role.AGE and ftype and ftype not in (FieldType.INTEGER, FieldType.NUMBER):
            self.add(f"{where}role", "age needs a field of type integer or number", line_of(item, "role"))
        choices = self.choices(item, where, ftype, name)
        low, high = self.bounds(item, where, ftype)
        show_if = self.expression(item, "show_if", where)
        formula = self.expression(item, "formula", where)
        if ftype is FieldType.CALCULATED and formula is None and "formula" not in item:
            self.add(f"{where}formula", "is missing: a calculated field is computed from its formula",
                     line_of(item, "type"))
        pattern = self.pattern(item, where)
        appearance = self.enum(item, "appearance", where, Appearance, required=False)
        if len(self.problems) > before or name is None or ftype is None:
            return None
        return FieldSpec(name=name, label=label or name.replace("_", " ").capitalize(), type=ftype,
                         classification=classification or Classification.NON_PII, required=required, role=role,
                         choices=choices, min=low, max=high, help=help_text or "", show_if=show_if,
                         formula=formula, pattern=pattern, appearance=appearance, section=section)

    def name(self, mapping: dict, key: str, where: str) -> str | None:
        return self.text(mapping, key, where, required=True, max_len=64, pattern=FIELD_NAME,
                         pattern_hint="must start with a letter or _ and hold only a-z, 0-9 and _")

    def expression(self, mapping: dict, key: str, where: str) -> str | None:
        """The text of a condition or formula; models/definition/logic.py parses and checks it."""
        return self.text(mapping, key, where, required=False, max_len=MAX_EXPRESSION)

    def pattern(self, item: dict, where: str) -> str | None:
        pattern = self.text(item, "pattern", where, required=False, max_len=500)
        if pattern is None:
            return None
        if problem := pattern_problem(pattern):
            self.add(f"{where}pattern", f"is not a regular expression this service can run: {problem} "
                     "(lookarounds and backreferences are not supported)", line_of(item, "pattern"))
            return None
        return pattern

    def choices(self, item: dict, where: str, ftype: FieldType | None, owner: str | None) -> tuple[Choice, ...] | None:
        value = item.get("choices")
        line = line_of(item, "choices") or getattr(item, "line", None)
        if ftype is None:
            return None
        if not ftype.has_choices:
            if value is not None:
                self.add(f"{where}choices", f"apply only to choice and multi_choice fields, not {ftype.value}", line)
            return None
        if value is None:
            self.add(f"{where}choices", f"are missing: a {ftype.value} field needs a list of choices", line)
            return None
        return self.choice_list(value, f"{where}choices", line, owner)

    def choice_list(self, value: Any, where: str, line: int | None, owner: str | None) -> tuple[Choice, ...] | None:
        """`owner`: the field, or the grid, whose list it is (None when its name has a problem)."""
        if not isinstance(value, list) or not value or len(value) > MAX_CHOICES:
            self.add(where, f"must be a list of 1 to {MAX_CHOICES} choices", line)
            return None
        before = len(self.problems)
        choices = [self.choice(item, f"{where}[{position}]", line_of(value, position) or line, owner)
                   for position, item in enumerate(value)]
        if len(self.problems) > before:
            return None
        # A form carries every value as text, so 1 and "1" cannot both be choices.
        for position, choice in enumerate(choices):
            at = line_of(value, position) or line
            if any(str(other.value) == str(choice.value) for other in choices[:position]):
                self.add(f"{where}[{position}]", f"{choice.value!r} is listed twice", at)
            elif any(other.label == choice.label for other in choices[:position]):
                self.add(f"{where}[{position}]", f"the label {choice.label!r} is used twice", at)
        return tuple(choices) if len(self.problems) == before else None

    def choice(self, item: Any, where: str, line: int | None, owner: str | None) -> Choice | None:
        value = item.get("value") if isinstance(item, dict) else item
        if isinstance(value, str) and value.strip() and len(value.strip()) <= 200:
            value = value.strip()
        elif not (is_whole(value) and -SAFE_INTEGER <= value <= SAFE_INTEGER):
            value = None
        label = None
        if isinstance(item, dict):
            self.duplicates(item, where)
            self.unknown_keys(item, {"value", "label"}, f"{where}.")
            path = choice_key(owner, value) if owner and value is not None else None
            label = self.words(item, "label", f"{where}.", required=False, max_len=500, path=path)
            where, line = f"{where}.value", line_of(item, "value") or getattr(item, "line", line)
        if value is None:
            self.add(where, "must be text (at most 200 characters) or a whole number", line)
            return None
        return Choice(value, label or str(value))

    def bounds(self, item: dict, where: str, ftype: FieldType | None) -> tuple[Any, Any]:
        if ftype is None:
            return None, None
        result = []
        for key in ("min", "max"):
            value, line = item.get(key), line_of(item, key)
            if value is None:
                result.append(None)
            elif not ftype.has_range:
                self.add(f"{where}{key}", "applies only to integer, number, date, time and datetime fields, "
                                          f"not {ftype.value}", line)
                result.append(None)
            else:
                result.append(self.bound(value, ftype, f"{where}{key}", line))
        low, high = result
        if low is not None and high is not None and low > high:
            self.add(f"{where}min", f"{low} is greater than max {high}", line_of(item, "min"))
        return low, high

    def bound(self, value: Any, ftype: FieldType, where: str, line: int | None) -> Any:
        # Whole bounds keep the answers' own limit (±SAFE_INTEGER), so a bound is exact wherever it is read.
        whole = is_whole(value) and -SAFE_INTEGER <= value <= SAFE_INTEGER
        if ftype is FieldType.INTEGER and whole:
            return value
        if ftype is FieldType.NUMBER and (whole or isinstance(value, float) and math.isfinite(value)):
            return value
        if isinstance(value, date) and ftype is FieldType.DATE:
            return value.isoformat()
        if isinstance(value, str):
            moment = {FieldType.DATE: _iso_date, FieldType.TIME: time_text, FieldType.DATETIME: utc_text}.get(ftype)
            if moment and (parsed := moment(value)):
                return parsed
        whole_range = f"a whole number from {-SAFE_INTEGER} to {SAFE_INTEGER}"
        said_whole = is_whole(value) or isinstance(value, str) and _LONG_DIGITS.match(value)
        expected = {FieldType.INTEGER: whole_range,
                    FieldType.NUMBER: whole_range if said_whole else "a finite number",
                    FieldType.DATE: "a date as YYYY-MM-DD", FieldType.TIME: "a time as HH:MM",
                    FieldType.DATETIME: "a date and time with its time zone, like 2026-01-01T00:00:00Z"}[ftype]
        self.add(where, f"must be {expected}", line)
        return None


def _iso_date(text: str) -> str | None:
    try:
        return date.fromisoformat(text).isoformat() if len(text) == 10 else None
    except ValueError:
        return None
