"""What a submission must be: answers checked against their fields, consent
checked against the terms. The web form and the JSON API both come here."""
from __future__ import annotations

import math
import re
from datetime import date
from typing import Any, Iterable, Mapping, Protocol

from .text import MESSAGES, text_problem
from .vocabulary import Classification, FieldType, Role

MAX_LENGTH = {FieldType.TEXT: 500, FieldType.TEXTAREA: 10_000, FieldType.EMAIL: 254}
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
WHOLE = re.compile(r"^[+-]?\d+$")
#: The largest whole number a double holds exactly: integers within it read the same in JSON,
#: JavaScript, SPSS and Stata, and sums of them cannot overflow a float.
SAFE_INTEGER = 2**53 - 1
REQUIRED = "This question needs an answer."


class FieldLike(Protocol):
    name: str
    type: Any
    classification: Any
    required: bool
    role: Any
    choices: Any
    min: Any
    max: Any


class AnswerError(ValueError):
    """One answer does not fit its field; the message is for the respondent."""


def is_whole(value: Any) -> bool:
    """An integer, and not a bool (which Python counts as one)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _in_range(field: FieldLike, value: Any, shown: str) -> None:
    if field.min is not None and value < field.min:
        raise AnswerError(f"Enter {shown} of at least {field.min}.")
    if field.max is not None and value > field.max:
        raise AnswerError(f"Enter {shown} of at most {field.max}.")


def _safe(field: FieldLike, value: int, shown: str) -> None:
    """Refuse a whole number past ±SAFE_INTEGER, naming the range this field really accepts."""
    if -SAFE_INTEGER <= value <= SAFE_INTEGER:
        return
    low = -SAFE_INTEGER if field.min is None else max(field.min, -SAFE_INTEGER)
    high = SAFE_INTEGER if field.max is None else min(field.max, SAFE_INTEGER)
    raise AnswerError(f"Enter {shown} between {low} and {high}.")


def _whole(field: FieldLike, text: str, shown: str) -> int:
    """Digits (WHOLE) → int. Past the bound's own length the text is refused unread: int() raises
    past 4300 digits, and costs quadratic time well before."""
    negative = text.startswith("-")
    digits = text.lstrip("+-").lstrip("0") or "0"
    if len(digits) > len(str(SAFE_INTEGER)):
        _safe(field, -SAFE_INTEGER - 1 if negative else SAFE_INTEGER + 1, shown)
    return -int(digits) if negative else int(digits)


def clean_value(field: FieldLike, value: Any) -> Any:
    """A JSON value → the value to store, or None for no answer; AnswerError if it does not fit."""
    ftype = FieldType(field.type)
    if value is None:
        return None
    if ftype in MAX_LENGTH:
        if not isinstance(value, str):
            raise AnswerError("Enter text.")
        if problem := text_problem(value):
            raise AnswerError(MESSAGES[problem])
        value = value.strip()
        if not value:
            return None
        if len(value) > MAX_LENGTH[ftype]:
            raise AnswerError(f"Use at most {MAX_LENGTH[ftype]} characters.")
        if ftype is FieldType.EMAIL and not EMAIL.match(value):
            raise AnswerError("Enter an email address like name@example.org.")
        return value
    if ftype is FieldType.INTEGER:
        if not is_whole(value):
            raise AnswerError("Enter a whole number.")
        _in_range(field, value, "a number")
        _safe(field, value, "a whole number")
        return value
    if ftype is FieldType.NUMBER:
        # json.loads gives NaN, Infinity and 1e400 as non-finite floats; whole numbers keep their
        # own bound, since a float past 2**53 is understood to be approximate and an int is not.
        if not (is_whole(value) or isinstance(value, float) and math.isfinite(value)):
            raise AnswerError("Enter a number.")
        _in_range(field, value, "a number")
        if is_whole(value):
            _safe(field, value, "a number")
        return value
    if ftype is FieldType.DATE:
        if not isinstance(value, str):
            raise AnswerError("Enter a date as YYYY-MM-DD.")
        if not value.strip():
            return None
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise AnswerError("Enter a real date as YYYY-MM-DD.") from None
        if len(value.strip()) != 10:
            raise AnswerError("Enter a real date as YYYY-MM-DD.")
        _in_range(field, day.isoformat(), "a date")
        return day.isoformat()
    if ftype is FieldType.CHOICE:
        if not isinstance(value, str):
            raise AnswerError("Choose one of the options.")
        if value == "":
            return None
        if value not in field.choices:
            raise AnswerError("Choose one of the options given.")
        return value
    if ftype is FieldType.MULTI_CHOICE:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise AnswerError("Choose from the options given, as a list.")
        if len(set(value)) != len(value):
            raise AnswerError("Choose each option at most once.")
        if any(item not in field.choices for item in value):
            raise AnswerError("Choose only from the options given.")
        return [choice for choice in field.choices if choice in value] or None
    if ftype is FieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise AnswerError("Answer yes or no.")
        return value
    raise AnswerError("This question cannot be answered.")  # unreachable for a checked definition


def parse_text(field: FieldLike, raw: Any) -> Any:
    """Form input (text, or a list of texts for multi_choice) → the JSON value clean_value expects."""
    ftype = FieldType(field.type)
    if ftype is FieldType.MULTI_CHOICE:
        return list(raw or [])
    text = (raw or "").strip() if isinstance(raw, str) else raw
    if text in ("", None):
        return None
    if ftype is FieldType.INTEGER:
        if not WHOLE.match(text):
            raise AnswerError("Enter a whole number.")
        return _whole(field, text, "a whole number")
    if ftype is FieldType.NUMBER:
        if WHOLE.match(text):
            return _whole(field, text, "a number")
        try:
            number = float(text)
        except ValueError:
            raise AnswerError("Enter a number.") from None
        if not math.isfinite(number):
            raise AnswerError("Enter a number.")
        return number
    if ftype is FieldType.BOOLEAN:
        if text not in ("yes", "no"):
            raise AnswerError("Answer yes or no.")
        return text == "yes"
    return text


def check_answers(fields: Iterable[FieldLike], answers: Any,
                  from_text: bool = False) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Every answer cleaned, or every problem by field name. Unanswered questions are left out.
    With from_text the answers are form input, parsed first."""
    if not isinstance(answers, Mapping):
        return {}, {"answers": ["Send the answers as an object keyed by field name."]}
    by_name = {field.name: field for field in fields}
    clean, errors = {}, {}
    for name in answers:
        if name not in by_name:
            errors[str(name)] = ["This survey has no such question."]
    for name, field in by_name.items():
        try:
            raw = answers.get(name)
            value = clean_value(field, parse_text(field, raw) if from_text else raw)
        except AnswerError as exc:
            errors[name] = [str(exc)]
            continue
        if value is None:
            if field.required:
                errors[name] = [REQUIRED]
        else:
            clean[name] = value
    return clean, errors


def split_by_class(fields: Iterable[FieldLike], clean: Mapping[str, Any]) -> dict[Classification, dict[str, Any]]:
    parts: dict[Classification, dict[str, Any]] = {cls: {} for cls in Classification}
    for field in fields:
        if field.name in clean:
            parts[Classification(field.classification)][field.name] = clean[field.name]
    return parts


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def shows_minor(fields: Iterable[FieldLike], clean: Mapping[str, Any], min_age: int, today: date) -> bool:
    for field in fields:
        value = clean.get(field.name)
        if value is None or not field.role:
            continue
        if Role(field.role) is Role.AGE and value < min_age:
            return True
        if Role(field.role) is Role.BIRTH_DATE and age_on(date.fromisoformat(value), today) < min_age:
            return True
    return False
