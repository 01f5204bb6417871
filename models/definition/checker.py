"""Checking a read definition: every problem at once, each with its location; else a SurveySpec."""
from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from ..submission import SAFE_INTEGER, is_whole
from ..text import MESSAGES, bad_text, printable
from ..vocabulary import MIN_AGE, RETENTION_DAYS, Classification, FieldType, Role, SurveyStatus
from .reader import line_of
from .spec import (_LONG_DIGITS, FIELD_KEYS, FIELD_NAME, MAX_CHOICES, MAX_FIELDS, PURPOSE, SLUG, SURVEY_KEYS,
                   FieldSpec, Problem, SurveySpec)


def _unstorable_text(data: Any) -> list[Problem]:
    """Text no export or page could encode (a lone surrogate from a JSON or YAML escape), or a NUL."""
    problems = []
    for path, problem in bad_text(data):
        container = data
        for step in path[:-1]:
            container = container[step]
        where = "".join(f"[{step}]" if isinstance(step, int) else f".{printable(step)}" for step in path).lstrip(".")
        message = MESSAGES[problem].rstrip(".")
        problems.append(Problem(where or "file", message[0].lower() + message[1:],
                                line_of(container, path[-1]) if path else None))
    return sorted(problems, key=lambda p: p.line or 0)


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: str, message: str, line: int | None) -> None:
        self.problems.append(Problem(where, message, line))

    def duplicates(self, mapping: Any, where: str) -> None:
        for key, line in getattr(mapping, "duplicates", []):
            self.add(f"{where}.{key}" if where else key, "is given twice", line)

    def unknown_keys(self, mapping: dict, allowed: set[str], where: str) -> None:
        for key in mapping:
            if key not in allowed:
                self.add(f"{where}{key}", f"is not a known key (expected one of: {', '.join(sorted(allowed))})",
                         line_of(mapping, key))

    def text(self, mapping: dict, key: str, where: str, *, required: bool, max_len: int,
             pattern: re.Pattern | None = None, pattern_hint: str = "") -> str | None:
        value = mapping.get(key)
        line = line_of(mapping, key) or getattr(mapping, "line", None)
        if value is None:
            if required:
                self.add(f"{where}{key}", "is missing", line)
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(f"{where}{key}", "must be non-empty text", line)
            return None
        if len(value) > max_len:
            self.add(f"{where}{key}", f"must be at most {max_len} characters", line)
            return None
        if pattern and not pattern.match(value):
            self.add(f"{where}{key}", f"{value!r} {pattern_hint}", line)
            return None
        return value.strip()

    def integer(self, mapping: dict, key: str, where: str, default: int, low: int, high: int,
                why_low: str = "") -> int:
        value = mapping.get(key, default)
        if not is_whole(value) or not low <= value <= high:
            hint = f" ({why_low})" if why_low and is_whole(value) and value < low else ""
            self.add(f"{where}{key}", f"must be a whole number from {low} to {high}{hint}", line_of(mapping, key))
            return default
        return value

    def enum(self, mapping: dict, key: str, where: str, kind: type, *, required: bool) -> Any:
        value = mapping.get(key)
        line = line_of(mapping, key) or getattr(mapping, "line", None)
        allowed = ", ".join(member.value for member in kind)
        if value is None:
            if required:
                self.add(f"{where}{key}", f"is missing (one of: {allowed})", line)
            return None
        try:
            return kind(value)
        except ValueError:
            self.add(f"{where}{key}", f"{value!r} is not one of: {allowed}", line)
            return None

    def survey(self, data: Any) -> SurveySpec | None:
        if not isinstance(data, dict):
            self.add("file", "must be a mapping with slug, title, purpose and fields", None)
            return None
        self.duplicates(data, "")
        self.unknown_keys(data, SURVEY_KEYS, "")
        slug = self.text(data, "slug", "", required=True, max_len=64, pattern=SLUG,
                         pattern_hint="may hold only lower-case letters, digits and hyphens")
        title = self.text(data, "title", "", required=True, max_len=200)
        purpose = self.text(data, "purpose", "", required=True, max_len=64, pattern=PURPOSE,
                            pattern_hint="must be a short key: lower-case letters, digits, - and _")
        purpose_description = self.text(data, "purpose_description", "", required=False, max_len=2000)
        description = self.text(data, "description", "", required=False, max_len=5000)
        min_age = self.integer(data, "min_age", "", MIN_AGE, MIN_AGE, 120,
                               why_low="the service does not collect data from minors")
        retention_days = self.integer(data, "retention_days", "", RETENTION_DAYS, 1, 36500)
        status = self.enum(data, "status", "", SurveyStatus, required=False) or SurveyStatus.OPEN
        fields = self.fields(data)
        if self.problems:
            return None
        return SurveySpec(slug=slug, title=title, purpose=purpose, fields=tuple(fields),
                          purpose_description=purpose_description or "", description=description or "",
                          min_age=min_age, retention_days=retention_days, status=status)

    def fields(self, data: dict) -> list[FieldSpec]:
        items = data.get("fields")
        line = line_of(data, "fields") or getattr(data, "line", None)
        if items is None:
            self.add("fields", "is missing: a survey needs at least one field", line)
            return []
        if not isinstance(items, list) or not items:
            self.add("fields", "must be a non-empty list of fields", line)
            return []
        if len(items) > MAX_FIELDS:
            self.add("fields", f"has {len(items)} fields; at most {MAX_FIELDS} are allowed", line)
        specs, seen, roles = [], {}, {}
        for index, item in enumerate(items):
            spec = self.field(item, index, line_of(items, index))
            if spec is None:
                continue
            where = f"fields[{index}] ({spec.name}).name"
            if spec.name in seen:
                self.add(where, f"duplicates the name of fields[{seen[spec.name]}]", line_of(items, index))
            seen.setdefault(spec.name, index)
            if spec.role:
                if spec.role in roles:
                    self.add(f"fields[{index}] ({spec.name}).role",
                             f"{spec.role.value!r} is already the role of fields[{roles[spec.role]}]",
                             line_of(items, index))
                roles.setdefault(spec.role, index)
            specs.append(spec)
        return specs

    def field(self, item: Any, index: int, line: int | None) -> FieldSpec | None:
        if not isinstance(item, dict):
            self.add(f"fields[{index}]", "must be a mapping with name, type and classification", line)
            return None
        raw_name = item.get("name")
        where = f"fields[{index}] ({raw_name})." if isinstance(raw_name, str) else f"fields[{index}]."
        before = len(self.problems)
        self.duplicates(item, where.rstrip("."))
        self.unknown_keys(item, FIELD_KEYS, where)
        name = self.text(item, "name", where, required=True, max_len=64, pattern=FIELD_NAME,
                         pattern_hint="must start with a letter or _ and hold only a-z, 0-9 and _")
        label = self.text(item, "label", where, required=False, max_len=500)
        help_text = self.text(item, "help", where, required=False, max_len=2000)
        ftype = self.enum(item, "type", where, FieldType, required=True)
        classification = self.enum(item, "classification", where, Classification, required=True)
        required = item.get("required", False)
        if not isinstance(required, bool):
            self.add(f"{where}required", "must be true or false", line_of(item, "required"))
        role = self.enum(item, "role", where, Role, required=False)
        if role is Role.BIRTH_DATE and ftype and ftype is not FieldType.DATE:
            self.add(f"{where}role", "birth_date needs a field of type date", line_of(item, "role"))
        if role is Role.AGE and ftype and ftype not in (FieldType.INTEGER, FieldType.NUMBER):
            self.add(f"{where}role", "age needs a field of type integer or number", line_of(item, "role"))
        choices = self.choices(item, where, ftype)
        low, high = self.bounds(item, where, ftype)
        if len(self.problems) > before or name is None or ftype is None or classification is None:
            return None
        return FieldSpec(name=name, label=label or name.replace("_", " ").capitalize(), type=ftype,
                         classification=classification, required=required, role=role, choices=choices,
                         min=low, max=high, help=help_text or "")

    def choices(self, item: dict, where: str, ftype: FieldType | None) -> tuple[str, ...] | None:
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
        if not isinstance(value, list) or not value or len(value) > MAX_CHOICES:
            self.add(f"{where}choices", f"must be a list of 1 to {MAX_CHOICES} choices", line)
            return None
        ok = True
        for position, choice in enumerate(value):
            if not isinstance(choice, (str, int, float)) or isinstance(choice, bool) or not str(choice).strip():
                self.add(f"{where}choices[{position}]", "must be non-empty text", line_of(value, position) or line)
                ok = False
            elif len(str(choice)) > 200:
                self.add(f"{where}choices[{position}]", "must be at most 200 characters", line_of(value, position))
                ok = False
        texts = [str(choice).strip() for choice in value]
        for position, choice in enumerate(texts):
            if choice in texts[:position]:
                self.add(f"{where}choices[{position}]", f"{choice!r} is listed twice", line_of(value, position) or line)
                ok = False
        return tuple(texts) if ok else None

    def bounds(self, item: dict, where: str, ftype: FieldType | None) -> tuple[Any, Any]:
        if ftype is None:
            return None, None
        result = []
        for key in ("min", "max"):
            value, line = item.get(key), line_of(item, key)
            if value is None:
                result.append(None)
            elif not ftype.has_range:
                self.add(f"{where}{key}", f"applies only to integer, number and date fields, not {ftype.value}", line)
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
        if ftype is FieldType.DATE:
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, str):
                try:
                    return date.fromisoformat(value).isoformat()
                except ValueError:
                    pass
        whole_range = f"a whole number from {-SAFE_INTEGER} to {SAFE_INTEGER}"
        said_whole = is_whole(value) or isinstance(value, str) and _LONG_DIGITS.match(value)
        expected = {FieldType.INTEGER: whole_range,
                    FieldType.NUMBER: whole_range if said_whole else "a finite number",
                    FieldType.DATE: "a date as YYYY-MM-DD"}[ftype]
        self.add(where, f"must be {expected}", line)
        return None
