"""What one answer must be: a value checked against its field (type, bounds, pattern, choices), from
JSON or from form text. Which fields are asked at all is models.answering's rule."""
from __future__ import annotations

import functools
import math
import re
from datetime import date, datetime, timezone
from typing import Any, Protocol

import re2

from .choices import from_form_text, options, value_index
from .messages import N_, Message
from .text import MESSAGES, text_problem
from .vocabulary import FieldType

MAX_LENGTH = {FieldType.TEXT: 500, FieldType.TEXTAREA: 10_000, FieldType.EMAIL: 254}
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
WHOLE = re.compile(r"^[+-]?\d+$")
TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
#: The largest whole number a double holds exactly: integers within it read the same in JSON,
#: JavaScript, SPSS and Stata, and sums of them cannot overflow a float.
SAFE_INTEGER = 2**53 - 1
REQUIRED = Message("This question needs an answer.")


class FieldLike(Protocol):
    name: str
    type: Any
    classification: Any
    required: bool
    role: Any
    choices: Any
    min: Any
    max: Any
    pattern: Any


class AnswerError(ValueError):
    """One answer does not fit its field; the message is for the respondent."""


_QUIET = re2.Options()
_QUIET.log_errors = False


@functools.lru_cache(maxsize=512)
def compiled_pattern(pattern: str) -> Any:
    """RE2 runs in time linear in the answer, whatever the pattern: no author's regex can hang a worker."""
    return re2.compile(pattern, options=_QUIET)


def pattern_problem(pattern: str) -> str | None:
    """Why RE2 cannot run this pattern (a lookaround, a backreference, a syntax error), or None."""
    try:
        compiled_pattern(pattern)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else "invalid"
        return reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
    return None


def time_text(value: str) -> str | None:
    """HH:MM on a 24-hour clock, or None."""
    value = value.strip()
    return value if TIME.match(value) else None


def utc_text(value: str) -> str | None:
    """An ISO 8601 date and time with its offset → the same instant in UTC as YYYY-MM-DDTHH:MM:SSZ, or None.
    Without an offset the instant is unknown, so it is None too."""
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.utcoffset() is None:
            return None
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError):
        return None


def is_whole(value: Any) -> bool:
    """An integer, and not a bool (which Python counts as one)."""
    return isinstance(value, int) and not isinstance(value, bool)


_FLOOR = {"number": N_("Enter a number of at least %(min)s."), "date": N_("Enter a date of at least %(min)s."),
          "time": N_("Enter a time of at least %(min)s."), "datetime": N_("Enter a date and time of at least %(min)s.")}
_CEILING = {"number": N_("Enter a number of at most %(max)s."), "date": N_("Enter a date of at most %(max)s."),
            "time": N_("Enter a time of at most %(max)s."), "datetime": N_("Enter a date and time of at most %(max)s.")}
_BETWEEN = {"number": N_("Enter a number between %(low)s and %(high)s."),
            "whole": N_("Enter a whole number between %(low)s and %(high)s.")}


def _in_range(field: FieldLike, value: Any, kind: str) -> None:
    if field.min is not None and value < field.min:
        raise AnswerError(Message(_FLOOR[kind], min=field.min))
    if field.max is not None and value > field.max:
        raise AnswerError(Message(_CEILING[kind], max=field.max))


def _safe(field: FieldLike, value: int, kind: str) -> None:
    """Refuse a whole number past ±SAFE_INTEGER, naming the range this field really accepts."""
    if -SAFE_INTEGER <= value <= SAFE_INTEGER:
        return
    low = -SAFE_INTEGER if field.min is None else max(field.min, -SAFE_INTEGER)
    high = SAFE_INTEGER if field.max is None else min(field.max, SAFE_INTEGER)
    raise AnswerError(Message(_BETWEEN[kind], low=low, high=high))


def _whole(field: FieldLike, text: str, kind: str) -> int:
    """Digits (WHOLE) → int. Past the bound's own length the text is refused unread: int() raises
    past 4300 digits, and costs quadratic time well before."""
    negative = text.startswith("-")
    digits = text.lstrip("+-").lstrip("0") or "0"
    if len(digits) > len(str(SAFE_INTEGER)):
        _safe(field, -SAFE_INTEGER - 1 if negative else SAFE_INTEGER + 1, kind)
    return -int(digits) if negative else int(digits)


def clean_value(field: FieldLike, value: Any) -> Any:
    """A JSON value → the value to store, or None for no answer; AnswerError if it does not fit."""
    ftype = FieldType(field.type)
    if value is None:
        return None
    if ftype in MAX_LENGTH:
        return _text(field, ftype, value)
    if ftype is FieldType.INTEGER:
        if not is_whole(value):
            raise AnswerError(Message("Enter a whole number."))
        _in_range(field, value, "number")
        _safe(field, value, "whole")
        return value
    if ftype is FieldType.NUMBER:
        # json.loads gives NaN, Infinity and 1e400 as non-finite floats; whole numbers keep their
        # own bound, since a float past 2**53 is understood to be approximate and an int is not.
        if not (is_whole(value) or isinstance(value, float) and math.isfinite(value)):
            raise AnswerError(Message("Enter a number."))
        _in_range(field, value, "number")
        if is_whole(value):
            _safe(field, value, "number")
        return value
    if ftype in (FieldType.DATE, FieldType.TIME, FieldType.DATETIME):
        return _moment(field, ftype, value)
    if ftype is FieldType.CHOICE:
        if value == "":
            return None
        choices = options(field)
        if value_index(choices, value) is None:
            raise AnswerError(Message("Choose one of the options given: %(options)s.", options=_listed(choices)))
        return value
    if ftype is FieldType.MULTI_CHOICE:
        choices = options(field)
        if not isinstance(value, list):
            raise AnswerError(Message("Choose from the options given, as a list."))
        picked = [value_index(choices, item) for item in value]
        if None in picked:
            raise AnswerError(Message("Choose only from the options given: %(options)s.", options=_listed(choices)))
        if len(set(picked)) != len(picked):
            raise AnswerError(Message("Choose each option at most once."))
        return [choices[index].value for index in sorted(picked)] or None
    if ftype is FieldType.BOOLEAN:
        if not isinstance(value, bool):
            raise AnswerError(Message("Answer yes or no."))
        return value
    raise AnswerError(Message("This question takes no answer."))  # notes and calculated fields: models.answering


def _text(field: FieldLike, ftype: FieldType, value: Any) -> str | None:
    if not isinstance(value, str):
        raise AnswerError(Message("Enter text."))
    if problem := text_problem(value):
        raise AnswerError(MESSAGES[problem])
    value = value.strip()
    if not value:
        return None
    if len(value) > MAX_LENGTH[ftype]:
        raise AnswerError(Message("Use at most %(count)s characters.", count=MAX_LENGTH[ftype]))
    if ftype is FieldType.EMAIL and not EMAIL.match(value):
        raise AnswerError(Message("Enter an email address like name@example.org."))
    if getattr(field, "pattern", None) and not compiled_pattern(field.pattern).fullmatch(value):
        raise AnswerError(Message("Enter an answer in the form this question asks for."))
    return value


_WRITTEN = {FieldType.DATE: N_("Enter a real date as YYYY-MM-DD."),
            FieldType.TIME: N_("Enter a time as HH:MM, from 00:00 to 23:59."),
            FieldType.DATETIME: N_("Enter a real date and time with its time zone, like 2026-11-23T14:30:00+01:00.")}


def _moment(field: FieldLike, ftype: FieldType, value: Any) -> str | None:
    """Dates, times and instants are stored as text that sorts in time order: YYYY-MM-DD, HH:MM, …Z."""
    form = _WRITTEN[ftype]
    if not isinstance(value, str):
        raise AnswerError(Message(form))
    if not value.strip():
        return None
    if ftype is FieldType.DATE:
        try:
            moment = date.fromisoformat(value.strip()).isoformat() if len(value.strip()) == 10 else None
        except ValueError:
            moment = None
    else:
        moment = time_text(value) if ftype is FieldType.TIME else utc_text(value)
    if moment is None:
        raise AnswerError(Message(form))
    _in_range(field, moment, ftype.value)
    return moment


def _listed(choices: tuple) -> str:
    shown = ", ".join(repr(c.value) if isinstance(c.value, str) else str(c.value) for c in choices[:12])
    return shown + (", …" if len(choices) > 12 else "")


def parse_text(field: FieldLike, raw: Any) -> Any:
    """Form input (text, or a list of texts for multi_choice) → the JSON value clean_value expects."""
    ftype = FieldType(field.type)
    if ftype is FieldType.MULTI_CHOICE:
        choices = options(field)
        return [from_form_text(choices, item) for item in raw or [] if isinstance(item, str)]
    text = (raw or "").strip() if isinstance(raw, str) else raw
    if text in ("", None):
        return None
    if ftype is FieldType.CHOICE:
        return from_form_text(options(field), text)
    if ftype is FieldType.INTEGER:
        if not WHOLE.match(text):
            raise AnswerError(Message("Enter a whole number."))
        return _whole(field, text, "whole")
    if ftype is FieldType.NUMBER:
        if WHOLE.match(text):
            return _whole(field, text, "number")
        try:
            number = float(text)
        except ValueError:
            raise AnswerError(Message("Enter a number.")) from None
        if not math.isfinite(number):
            raise AnswerError(Message("Enter a number."))
        return number
    if ftype is FieldType.BOOLEAN:
        if text not in ("yes", "no"):
            raise AnswerError(Message("Answer yes or no."))
        return text == "yes"
    return text


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
