"""The disclosed lines gathered as compact columns for the formats written whole (SPSS, Stata): a number per cell
(8 bytes, no object) for everything but text, so that a million responses fit in memory at once."""
from __future__ import annotations

import math
from array import array
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Iterable

from models.survey import Survey

from .files import FileWriter
from .lines import Line
from .variables import LANGUAGE, RESPONDENT, SUBMITTED_AT, WITHHELD, Storage, Variable, variables

if TYPE_CHECKING:  # imported where the columns are taken: a CSV export, or a pool's worker, never loads numpy
    import numpy as np

#: In a numeric column: withheld (no answer is infinite: the checks refuse it); unanswered is NaN.
WITHHELD_NUMBER = -math.inf
#: In a text column, withheld; unanswered is None.
WITHHELD_TEXT = object()
TEXTUAL = {Storage.TEXT}
_EPOCH = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=65536)
def unix_days(text: str) -> float:
    return float(date.fromisoformat(text).toordinal() - _EPOCH)


@lru_cache(maxsize=2048)
def seconds_of_day(text: str) -> float:
    hours, minutes = text.split(":")
    return float(int(hours) * 3600 + int(minutes) * 60)


def unix_seconds(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def as_text(value: Any) -> str:
    """A score's value where the formula's kind is text or unknown: as JSON would write it, lists joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(as_text(item) for item in value)
    return str(value)


def _encoder(variable: Variable) -> Callable[[Any], float]:
    storage = variable.storage
    if storage in (Storage.NUMBER, Storage.INTEGER, Storage.CODED_INT):
        return float
    if storage is Storage.BOOLEAN:
        return lambda value: 1.0 if value else 0.0
    if storage is Storage.OPTION:
        option = variable.option
        return lambda value: 1.0 if option in value else 0.0
    if storage is Storage.CODED_TEXT:
        positions = {choice.value: float(position) for position, choice in enumerate(variable.codes, 1)}

        def position(value: Any) -> float:
            try:
                return positions[value]
            except KeyError:
                raise ValueError(f"{variable.field}: {value!r} is not one of its choices") from None
        return position
    return {Storage.DATE: unix_days, Storage.DATETIME: unix_seconds, Storage.TIME: seconds_of_day}[storage]


class Columns:
    """Numbers as doubles: integers, codes (a text choice by its position from 1), 0/1, days since 1970 for a
    date, seconds since 1970 (UTC) for a date and time, seconds since midnight for a time. Text as str."""

    def __init__(self, variables: list[Variable]):
        # Kept by position: a field may be called `withheld`, or `<field>___<code>` like another's option.
        self.numbers: dict[int, array] = {}
        self.texts: dict[int, list] = {}
        self._numeric: list[tuple[str, Callable, Callable]] = []
        self._textual: list[tuple[str, Callable]] = []
        self._withheld_names: dict[tuple, str] = {}
        for index, v in enumerate(variables):
            if v.storage in TEXTUAL:
                column = self.texts[index] = []
                if v.field is not None:
                    self._textual.append((v.field, column.append))
            else:
                column = self.numbers[index] = array("d")
                if v.field is not None:
                    self._numeric.append((v.field, column.append, _encoder(v)))
        self._respondents, self._submitted, self._language, self._withheld = (
            self.texts[_position(variables, RESPONDENT)].append,
            self.numbers[_position(variables, SUBMITTED_AT)].append, self.texts[_position(variables, LANGUAGE)].append,
            self.texts[_position(variables, WITHHELD)].append)

    def add(self, lines: Iterable[Line]) -> None:
        respondents, submitted, languages, withheld_names = (self._respondents, self._submitted, self._language,
                                                             self._withheld)
        nan = math.nan
        for respondent, submitted_at, language, answers, withheld in lines:
            respondents(respondent)
            submitted(unix_seconds(submitted_at))
            languages(language)
            withheld_names(self._joined(withheld))
            for field, append, encode in self._numeric:
                value = answers.get(field)
                if value is None:
                    append(WITHHELD_NUMBER if field in withheld else nan)
                else:
                    append(encode(value))
            for field, append in self._textual:
                value = answers.get(field)
                if value is None:
                    append(WITHHELD_TEXT if field in withheld else None)
                else:
                    append(as_text(value))

    def _joined(self, withheld: list) -> str:
        """The same text object for every line with the same fields withheld: a million lines hold a few."""
        key = tuple(withheld)
        text = self._withheld_names.get(key)
        if text is None:
            text = self._withheld_names[key] = ";".join(withheld)
        return text

    def take_numbers(self, index: int) -> np.ndarray:
        """The index-th variable's column as a float64 array over the gathered doubles (no copy: change it in
        place, and a million rows stay one block of memory)."""
        import numpy as np
        return np.frombuffer(self.numbers.pop(index), dtype=np.float64)

    def take_texts(self, index: int, unanswered: str, withheld: str) -> np.ndarray:
        """The index-th variable's column as an object array, unanswered and withheld cells written as the format
        wants them."""
        import numpy as np
        cells = self.texts.pop(index)
        for row, cell in enumerate(cells):
            if type(cell) is not str:
                cells[row] = withheld if cell is WITHHELD_TEXT else unanswered
        column = np.empty(len(cells), dtype=object)
        column[:] = cells
        return column


def _position(variables: list[Variable], name: str) -> int:
    """Where one of the columns not read from the answers is: the first of its name (a field may share it)."""
    return next(index for index, v in enumerate(variables) if v.field is None and v.name == name)


class ColumnsWriter(FileWriter):
    """A format pyreadstat writes whole (SPSS, Stata): the lines gathered as columns, written at the end."""

    def __init__(self, survey: Survey):
        super().__init__()
        self.title = survey.title
        self.variables = variables(survey)
        self.columns = Columns(self.variables)

    def add(self, lines: Iterable[Line]) -> None:
        self.columns.add(lines)
