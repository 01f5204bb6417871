"""The rules of answering, the same for the API, the web form and corrections: only what is asked is kept,
`required` holds only where a question is shown, nothing is sent for a note or a score, and every score
is computed here."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Collection, Iterable, Mapping

from .instrument import Instrument
from .messages import Message
from .submission import REQUIRED, AnswerError, age_on, clean_value, parse_text
from .vocabulary import Classification, FieldType, Role

NO_SUCH_QUESTION = Message("This survey has no such question.")
NOT_ASKED = Message("This question is not asked with the answers given (its condition is false), so it takes no "
                    "answer.")
COMPUTED = Message("This value is computed by the survey; send no value for it.")
SHOWS_TEXT = Message("This is text shown to the respondent; it takes no answer.")


@dataclass
class Settled:
    #: The answers to store, in the survey's order, scores included; unanswered and hidden ones left out.
    answers: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)
    #: Sent for questions that turned out hidden, and discarded.
    discarded: list[str] = field(default_factory=list)


def settle(instrument: Instrument, given: Any, *, today: date, from_text: bool = False,
           refuse_hidden: Collection[str] | bool = True, check: Collection[str] | None = None) -> Settled:
    """Answers sent (JSON values, or form text with `from_text`) → what is stored, or every problem.

    `refuse_hidden`: answers to hidden questions the sender must be told about (True: all; the web
    form sends none, since it discards them). `check`: the questions this step answers (a form page);
    the others in `given` are taken as already checked, and `required` is asked of these only."""
    if not isinstance(given, Mapping):
        return Settled({}, {"answers": [Message("Send the answers as an object keyed by field name.")]})
    errors: dict[str, list[str]] = {}
    for name in given:
        f = instrument.by_name.get(name)
        if f is None:
            errors[str(name)] = [NO_SUCH_QUESTION]
        elif not FieldType(f.type).is_asked and given[name] is not None:
            errors[name] = [COMPUTED if f.type == FieldType.CALCULATED else SHOWS_TEXT]
    checking = instrument.by_name if check is None else set(check)
    clean: dict[str, Any] = {}
    for f in instrument.asked:
        raw = given.get(f.name)
        if f.name not in checking:
            clean[f.name] = raw
            continue
        try:
            clean[f.name] = clean_value(f, parse_text(f, raw) if from_text else raw)
        except AnswerError as exc:
            errors[f.name] = [exc.args[0]]  # the Message itself, for the page to translate
            clean[f.name] = None
    resolved = instrument.resolve(clean, today)
    answers, discarded = {}, []
    for f in instrument.stored:
        if f.name not in resolved.shown:
            if f.name in errors or clean.get(f.name) is not None:
                errors.pop(f.name, None)
                if refuse_hidden is True or f.name in (refuse_hidden or ()):
                    errors[f.name] = [NOT_ASKED]
                else:
                    discarded.append(f.name)
            continue
        value = resolved.values.get(f.name)
        if value is not None:
            answers[f.name] = value
        elif f.name in checking and f.required and f.name not in errors:
            errors[f.name] = [REQUIRED]
    return Settled(answers, errors, discarded)


def split_by_class(fields: Iterable[Any], clean: Mapping[str, Any]) -> dict[Classification, dict[str, Any]]:
    parts: dict[Classification, dict[str, Any]] = {cls: {} for cls in Classification}
    for f in fields:
        if f.name in clean:
            parts[Classification(f.classification)][f.name] = clean[f.name]
    return parts


def shows_minor(fields: Iterable[Any], clean: Mapping[str, Any], min_age: int, today: date) -> bool:
    for f in fields:
        value = clean.get(f.name)
        if value is None or not f.role:
            continue
        if Role(f.role) is Role.AGE and value < min_age:
            return True
        if Role(f.role) is Role.BIRTH_DATE and age_on(date.fromisoformat(value), today) < min_age:
            return True
    return False
