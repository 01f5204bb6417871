"""Coded choices: the value an answer carries (an integer or text, its type kept) and the label shown."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Choice:
    value: int | str
    label: str

    def as_json(self) -> dict:
        return {"value": self.value, "label": self.label}


def options(field: Any) -> tuple[Choice, ...]:
    """A field's choices as Choice, whether it holds them so (a spec, a snapshot), as stored JSON, or as the
    plain texts stored before choices were coded."""
    raw = field.choices or ()
    return tuple(c if isinstance(c, Choice) else Choice(c["value"], c["label"]) if isinstance(c, dict)
                 else Choice(c, str(c)) for c in raw)


def same_value(a: Any, b: Any) -> bool:
    """Values are equal with their type: 1 is not "1", and True is not 1."""
    return type(a) is type(b) and a == b


def value_index(choices: tuple[Choice, ...], value: Any) -> int | None:
    for index, choice in enumerate(choices):
        if same_value(choice.value, value):
            return index
    return None


def from_form_text(choices: tuple[Choice, ...], text: str) -> Any:
    """The value a form's option stands for: options carry their value as text, unique by the checker."""
    for choice in choices:
        if str(choice.value) == text:
            return choice.value
    return text  # not an option: clean_value says so


def label_of(field: Any, value: Any) -> str:
    """A coded value as the respondent read it; a value no choice has (an old answer) as itself."""
    for choice in options(field):
        if same_value(choice.value, value):
            return choice.label
    return str(value)
